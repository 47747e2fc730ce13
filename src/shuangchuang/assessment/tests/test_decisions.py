"""A decision from proposal to publication: national review, the joint conference, the notice period,
objections, and what publication changes (statuses, rectifications, reward measures, report requests)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from shuangchuang.accounts.models import Role
from shuangchuang.assessment import services
from shuangchuang.assessment.exceptions import InvalidTransition, NotAllowed
from shuangchuang.assessment.models import DecisionState, Outcome, Rectification, RewardMeasure
from shuangchuang.monitoring.models import Report
from shuangchuang.monitoring.periods import open_period
from shuangchuang.monitoring.tests.factories import make_period
from shuangchuang.registry.models import Base, BaseStatus

from .factories import make_cycle, score_all

pytestmark = pytest.mark.django_db

NOTICE_START = dt.date(2026, 3, 2)


@pytest.fixture
def admin(make_user):
    return make_user(Role.NATIONAL_ADMIN)


@pytest.fixture
def member(make_user):
    return make_user(Role.JOINT_MEMBER)


@pytest.fixture
def decision(admin, make_user):
    """横州市 commended, 郑州金水区 to rectify, 武汉硚口区 (failed before) proposed for withdrawal."""
    evaluator = make_user(Role.EVALUATOR)
    previous = make_cycle(admin, {"B3-010": 40, "B3-013": 70}, year=2024)
    score_all(previous, evaluator, {"B3-010": 0.4, "B3-013": 0.7})
    services.compute_results(admin, previous)
    cycle = make_cycle(admin, {"B3-012": 92, "B3-009": 45, "B3-010": 40, "B3-013": 70})
    score_all(cycle, evaluator, {"B3-012": 0.95, "B3-009": 0.45, "B3-010": 0.4, "B3-013": 0.7})
    services.compute_results(admin, cycle)
    return services.propose_decision(admin, cycle)


def actions(decision) -> dict[str, str]:
    return {item.base.code: item.action for item in decision.items.select_related("base")}


def test_the_proposal_holds_the_rules_suggestions_with_reasons(decision):
    assert actions(decision) == {"B3-012": "commend", "B3-009": "rectify", "B3-010": "withdraw"}
    item = decision.items.get(base__code="B3-010")
    assert item.reasons[0]["code"] == "two_fails"


def test_a_change_in_national_review_needs_a_reason(admin, decision):
    item = decision.items.get(base__code="B3-009")
    with pytest.raises(InvalidTransition, match="理由"):
        services.review_decision(admin, decision, {item.pk: (Outcome.NONE, "")})
    services.review_decision(admin, decision, {item.pk: (Outcome.NONE, "整改已在进行，暂不通报")})
    item.refresh_from_db()
    assert (item.proposed, item.action, item.change_reason) == ("rectify", "none", "整改已在进行，暂不通报")


def test_only_a_joint_conference_member_approves_and_only_after_review(admin, member, decision):
    with pytest.raises(NotAllowed):
        services.approve_decision(member, decision)  # not reviewed yet
    services.review_decision(admin, decision)
    with pytest.raises(NotAllowed):
        services.approve_decision(admin, decision)
    approved = services.approve_decision(member, decision, "第十次联席会议")
    assert approved.approved_by == member and approved.approved_at is not None


def test_no_publishing_without_approval_and_the_full_notice_period(admin, member, decision):
    with pytest.raises(NotAllowed):
        services.publish_decision(admin, decision)
    services.review_decision(admin, decision)
    services.approve_decision(member, decision)
    with pytest.raises(NotAllowed):
        services.publish_decision(admin, decision)  # approved, not yet in notice
    services.start_notice(admin, decision, NOTICE_START)
    decision.refresh_from_db()
    assert decision.notice_ends == dt.date(2026, 3, 8)  # seven days
    with (
        time_machine.travel(dt.datetime(2026, 3, 8, 12, tzinfo=dt.UTC)),
        pytest.raises(InvalidTransition, match="公示期"),
    ):
        services.publish_decision(admin, decision)


def test_an_unanswered_objection_holds_publication(admin, member, decision):
    services.review_decision(admin, decision)
    services.approve_decision(member, decision)
    services.start_notice(admin, decision, NOTICE_START)
    objection = services.record_objection(
        admin,
        decision,
        received_from="郑州市金水区人民政府",
        text="数据口径有误",
        base=Base.objects.get(code="B3-009"),
    )
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC)):
        with pytest.raises(InvalidTransition, match="异议"):
            services.publish_decision(admin, decision)
        services.answer_objection(admin, objection, "经复核，口径无误，维持原结论。")
        published = services.publish_decision(admin, decision)
    assert published.state == DecisionState.PUBLISHED


@pytest.fixture
def published(admin, member, decision):
    services.review_decision(admin, decision)
    services.approve_decision(member, decision)
    services.start_notice(admin, decision, NOTICE_START)
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC)):
        return services.publish_decision(admin, decision)


def test_publication_changes_each_base_status_with_the_decision_as_reason(published):
    statuses = dict(
        Base.objects.filter(code__in=["B3-012", "B3-009", "B3-010"]).values_list("code", "status")
    )
    assert statuses == {
        "B3-012": BaseStatus.COMMENDED,
        "B3-009": BaseStatus.WARNED,
        "B3-010": BaseStatus.WITHDRAWN,
    }
    history = Base.objects.get(code="B3-010").status_history.last()
    assert history.status == BaseStatus.WITHDRAWN and published.title in history.reason


def test_a_commended_base_gets_reward_measures_and_a_warned_one_a_rectification(published):
    assert RewardMeasure.objects.filter(item__base__code="B3-012").count() == 3
    rectification = Rectification.objects.get(base__code="B3-009")
    assert rectification.deadline == dt.date(2026, 3, 10) + dt.timedelta(days=90)


def test_a_withdrawn_base_gets_no_new_report_requests_but_keeps_its_history(published):
    open_period(make_period(2026, 1))
    assert not Report.objects.filter(base__code="B3-010", period__code="2026Q1").exists()
    assert Report.objects.filter(
        base__code="B3-012", period__code="2026Q1"
    ).exists()  # commended still reports
    assert Report.objects.filter(base__code="B3-009", period__code="2026Q1").exists()
    assert Base.objects.get(code="B3-010").status_history.count() >= 2


def test_rectification_report_reviewed_by_the_authority(published, make_user):
    rectification = Rectification.objects.get(base__code="B3-009")
    operator = make_user(Role.OPERATOR, base="B3-009")
    other_authority = make_user(Role.AUTHORITY, authority="drc-450000")
    authority = make_user(Role.AUTHORITY, authority="drc-410000")
    services.submit_rectification(operator, rectification, "已完善工作机制，补报全部数据。")
    assert Base.objects.get(code="B3-009").status == BaseStatus.RECTIFYING
    with pytest.raises(NotAllowed):
        services.review_rectification(other_authority, rectification, accept=True, comment="")
    services.review_rectification(authority, rectification, accept=True, comment="整改到位")
    assert Base.objects.get(code="B3-009").status == BaseStatus.ACTIVE
