"""The assessment's rules: who may score, approve, publish and review a rectification, and when."""

from __future__ import annotations

import pytest

from shuangchuang.accounts.models import Role
from shuangchuang.assessment.models import (
    AssessmentCycle,
    Decision,
    DecisionState,
    Rectification,
    RectificationState,
    ScoreSheet,
    Source,
    Stage,
)
from shuangchuang.core.policy import may
from shuangchuang.registry.models import Base

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(registry):
    return AssessmentCycle.objects.create(year=2025, name="2025年度", stage=Stage.CORRESPONDENCE)


def test_only_the_national_office_manages_a_cycle(make_user):
    assert may(make_user(Role.NATIONAL_ADMIN), "assessment.manage")
    for role in (Role.JOINT_MEMBER, Role.AUTHORITY, Role.EVALUATOR, Role.AUDITOR):
        assert not may(
            make_user(role, authority="drc-450000" if role == Role.AUTHORITY else None), "assessment.manage"
        )


def test_an_evaluator_scores_its_own_open_sheet_only(make_user, cycle):
    evaluator, other = make_user(Role.EVALUATOR), make_user(Role.EVALUATOR)
    sheet = ScoreSheet.objects.create(
        cycle=cycle, base=Base.objects.get(code="B3-012"), source=Source.EXPERT, evaluator=evaluator
    )
    assert may(evaluator, "assessment.sheet.score", sheet)
    assert not may(other, "assessment.sheet.score", sheet)


def test_an_expert_sheet_closes_when_the_cycle_moves_past_its_stage(make_user, cycle):
    evaluator = make_user(Role.EVALUATOR)
    sheet = ScoreSheet.objects.create(
        cycle=cycle, base=Base.objects.get(code="B3-012"), source=Source.EXPERT, evaluator=evaluator
    )
    cycle.stage = Stage.RESULTS
    cycle.save()
    sheet.refresh_from_db()
    assert not may(evaluator, "assessment.sheet.score", sheet)


def test_a_base_scores_the_peer_sheet_its_base_writes(make_user, cycle):
    operator = make_user(Role.OPERATOR, base="B3-012")
    cycle.stage = Stage.PEER_REVIEW
    cycle.save()
    mine = ScoreSheet.objects.create(
        cycle=cycle, base=Base.objects.get(code="B3-001"), source=Source.PEER, reviewer_base=operator.base
    )
    theirs = ScoreSheet.objects.create(
        cycle=cycle,
        base=Base.objects.get(code="B3-002"),
        source=Source.PEER,
        reviewer_base=Base.objects.get(code="B3-001"),
    )
    assert may(operator, "assessment.sheet.score", mine)
    assert not may(operator, "assessment.sheet.score", theirs)


def test_the_joint_conference_approves_a_reviewed_decision_only(make_user, cycle):
    member = make_user(Role.JOINT_MEMBER)
    decision = Decision.objects.create(cycle=cycle, title="通报", state=DecisionState.PROPOSED)
    assert not may(member, "assessment.decision.approve", decision)
    decision.state = DecisionState.REVIEWED
    assert may(member, "assessment.decision.approve", decision)
    assert not may(make_user(Role.NATIONAL_ADMIN), "assessment.decision.approve", decision)


def test_publishing_is_for_a_decision_in_its_notice_period(make_user, cycle):
    admin = make_user(Role.NATIONAL_ADMIN)
    decision = Decision.objects.create(cycle=cycle, title="通报", state=DecisionState.APPROVED)
    assert not may(admin, "assessment.decision.publish", decision)
    decision.state = DecisionState.NOTICE
    assert may(admin, "assessment.decision.publish", decision)


def test_the_base_authority_reviews_a_submitted_rectification(make_user, cycle):
    decision = Decision.objects.create(cycle=cycle, title="通报")
    rectification = Rectification.objects.create(
        decision=decision,
        base=Base.objects.get(code="B3-012"),
        deadline="2026-06-30",
        state=RectificationState.SUBMITTED,
    )
    assert may(
        make_user(Role.AUTHORITY, authority="drc-450000"), "assessment.rectification.review", rectification
    )
    assert not may(
        make_user(Role.AUTHORITY, authority="drc-140000"), "assessment.rectification.review", rectification
    )
    assert not may(make_user(Role.OPERATOR, base="B3-012"), "assessment.rectification.review", rectification)


def test_scopes_a_base_sees_its_own_result_parts_only(make_user, cycle):
    operator = make_user(Role.OPERATOR, base="B3-012")
    decision = Decision.objects.create(cycle=cycle, title="通报")
    own = Rectification.objects.create(decision=decision, base=operator.base, deadline="2026-06-30")
    Rectification.objects.create(
        decision=decision, base=Base.objects.get(code="B3-001"), deadline="2026-06-30"
    )
    assert list(Rectification.objects.restrict(operator)) == [own]
