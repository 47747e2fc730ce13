"""The rules of plans and their scope."""

from __future__ import annotations

import pytest

from shuangchuang.core.policy import CHANGE, REVIEW, VIEW, may
from shuangchuang.plans.models import Plan, StaffMember

from .factories import draft_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(make_user):
    return draft_plan(make_user("operator", base="B3-012"))


@pytest.mark.parametrize(
    ("role", "scope", "sees", "changes", "reviews"),
    [
        ("operator", {"base": "B3-012"}, True, True, False),
        ("operator", {"base": "B3-023"}, False, False, False),
        ("authority", {"authority": "drc-450000"}, True, False, True),
        ("authority", {"authority": "moe"}, False, False, False),
        ("national_admin", {}, True, False, True),
        ("joint_member", {}, True, False, False),
        ("evaluator", {"assigned": ("B3-012",)}, True, False, False),
        ("evaluator", {"assigned": ("B3-023",)}, False, False, False),
        ("security_admin", {}, False, False, False),
    ],
)
def test_scope_of_plans(plan, make_user, role, scope, sees, changes, reviews):
    user = make_user(role, **scope)
    assert Plan.objects.restrict(user, VIEW).filter(pk=plan.pk).exists() == sees
    assert Plan.objects.restrict(user, CHANGE).filter(pk=plan.pk).exists() == changes
    assert Plan.objects.restrict(user, REVIEW).filter(pk=plan.pk).exists() == reviews
    assert StaffMember.objects.restrict(user, CHANGE).query is not None


def test_only_the_base_submits_and_only_a_reviewer_approves(plan, make_user):
    operator = make_user("operator", base="B3-012")
    authority = make_user("authority", authority="drc-450000")
    assert may(operator, "plans.plan.submit", plan)
    assert not may(authority, "plans.plan.submit", plan)
    assert not may(authority, "plans.plan.approve", plan)  # a draft is not yet submitted
    assert may(authority, "plans.plan.approve")
    assert not may(operator, "plans.plan.approve")


def test_readers_never_edit(make_user):
    for role, scope in [
        ("joint_member", {}),
        ("evaluator", {}),
        ("auditor", {}),
        ("authority", {"authority": "drc-450000"}),
        ("national_admin", {}),
    ]:
        user = make_user(role, **scope)
        assert not may(user, "plans.plan.edit")
        assert not may(user, "plans.organisation.edit")
        assert not may(user, "plans.progress.report")


def test_only_the_base_discards_its_unsubmitted_draft(plan, make_user):
    operator = make_user("operator", base="B3-012")
    assert may(operator, "plans.plan.discard", plan)
    assert not may(make_user("operator", base="B3-023"), "plans.plan.discard", plan)
    assert not may(make_user("authority", authority="drc-450000"), "plans.plan.discard", plan)
    plan.state = "submitted"
    assert not may(operator, "plans.plan.discard", plan)
