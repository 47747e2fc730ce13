"""A plan's versions: the base drafts and submits, its authority returns or approves; a revision needs
approval again and never replaces the plan in force before that."""

from __future__ import annotations

import pytest

from shuangchuang.plans import services
from shuangchuang.plans.models import Plan, PlanState
from shuangchuang.plans.selectors import approved_plan
from shuangchuang.registry.models import Base

from .factories import approved_plan as make_approved
from .factories import draft_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(make_user):
    return make_user("operator", base="B3-012")


@pytest.fixture
def reviewer(make_user):
    return make_user("authority", authority="drc-450000")


def test_returned_plan_goes_back_to_the_base_with_the_comment(operator, reviewer):
    plan = draft_plan(operator)
    services.submit_plan(plan, actor=operator)
    plan = services.return_plan(plan, actor=reviewer, comment="目标偏低")
    assert plan.state == PlanState.RETURNED
    assert plan.review_comment == "目标偏低"
    assert list(plan.transitions.values_list("action", "comment")) == [("submit", ""), ("return", "目标偏低")]
    assert approved_plan(plan.base) is None


def test_a_return_needs_a_comment(operator, reviewer):
    plan = draft_plan(operator)
    services.submit_plan(plan, actor=operator)
    with pytest.raises(services.PlanError):
        services.return_plan(plan, actor=reviewer, comment="  ")


def test_an_unapproved_revision_never_replaces_the_plan_in_force(operator, reviewer):
    first = make_approved(operator, reviewer)
    revision = services.start_revision(first.base, actor=operator, note="提高目标")
    assert revision.version == 2
    assert [g.key for g in revision.goals.all()] == [g.key for g in first.goals.all()]
    services.submit_plan(revision, actor=operator)
    services.return_plan(revision, actor=reviewer, comment="请补充任务")
    assert approved_plan(first.base).pk == first.pk  # returned: the first stays in force
    services.submit_plan(revision, actor=operator)
    assert approved_plan(first.base).pk == first.pk  # submitted, not yet approved
    services.approve_plan(revision, actor=reviewer)
    assert approved_plan(first.base).pk == revision.pk
    first.refresh_from_db()
    assert first.state == PlanState.SUPERSEDED
    assert list(Plan.objects.filter(base=first.base).values_list("version", "state")) == [
        (2, "approved"),
        (1, "superseded"),
    ]


def test_the_version_in_force_cannot_be_edited(operator, reviewer):
    plan = make_approved(operator, reviewer)
    with pytest.raises(services.NotAllowed):
        services.save_plan(plan, actor=operator, focus="改写")


def test_only_one_version_under_work(operator, reviewer):
    plan = make_approved(operator, reviewer)
    services.start_revision(plan.base, actor=operator)
    with pytest.raises(services.NotAllowed):
        services.start_revision(plan.base, actor=operator)


def test_another_authority_cannot_approve(operator, make_user):
    other = make_user("authority", authority="moe")
    plan = draft_plan(operator)
    services.submit_plan(plan, actor=operator)
    with pytest.raises(services.NotAllowed):
        services.approve_plan(plan, actor=other)
    plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED


def test_another_base_cannot_draft_for_this_one(make_user):
    stranger = make_user("operator", base="B3-023")
    with pytest.raises(services.NotAllowed):
        services.create_plan(
            Base.objects.get(code="B3-012"),
            actor=stranger,
            title="x",
            start_year=2024,
            end_year=2026,
            focus="x",
        )


def test_a_plan_needs_a_goal_and_a_task_to_be_submitted(operator):
    plan = services.create_plan(
        Base.objects.get(code="B3-012"), actor=operator, title="x", start_year=2024, end_year=2026, focus="x"
    )
    with pytest.raises(services.PlanError):
        services.submit_plan(plan, actor=operator)


def test_a_revision_shows_its_reviewer_what_it_changes(operator, reviewer):
    from decimal import Decimal

    from shuangchuang.plans.selectors import changes_from_in_force

    first = make_approved(operator, reviewer)
    revision = services.start_revision(first.base, actor=operator)
    goal = revision.goals.get()
    services.save_goal(
        revision,
        services.GoalData(
            name=goal.name, baseline=goal.baseline, targets={2024: Decimal(130), 2026: Decimal(250)}
        ),
        actor=operator,
        goal=goal,
    )
    services.delete_task(revision.tasks.get(), actor=operator)
    changes = changes_from_in_force(revision)
    assert [(d.kind, d.label, d.fields) for d in changes["goals"]] == [
        ("changed", "带动就业", ["年度目标值"])
    ]
    assert [(d.kind, d.label) for d in changes["tasks"]] == [("removed", "建设中试基地")]


def test_a_revision_started_by_mistake_is_discarded_and_the_plan_in_force_stays(operator, reviewer):
    first = make_approved(operator, reviewer)
    revision = services.start_revision(first.base, actor=operator)
    services.discard_plan(revision, actor=operator)
    assert list(Plan.objects.filter(base=first.base).values_list("version", "state")) == [(1, "approved")]
    assert services.start_revision(first.base, actor=operator).version == 2  # a new one may start


def test_a_submitted_version_cannot_be_discarded(operator, reviewer):
    plan = draft_plan(operator)
    services.submit_plan(plan, actor=operator)
    with pytest.raises(services.NotAllowed):
        services.discard_plan(plan, actor=operator)
