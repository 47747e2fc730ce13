"""The plans pages as a base and its authority use them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from shuangchuang.monitoring.tests.factories import make_period, make_report
from shuangchuang.plans.models import PlanState

from .factories import approved_plan, draft_plan, indicator

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(make_user):
    return make_user("operator", base="B3-012")


@pytest.fixture
def reviewer(make_user):
    return make_user("authority", authority="drc-450000")


def test_base_sees_its_goal_actual_beside_the_target(operator, reviewer, client_for):
    plan = approved_plan(operator, reviewer, linked=indicator())
    make_report("B3-012", make_period(2024), state="approved", JOBS=150)
    page = client_for(operator).get(reverse("plans:base_plans", args=["B3-012"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="goal-cell-2024"' in html
    cell = html.split('data-testid="goal-cell-2024"')[1].split("</td>")[0]
    assert "130" in cell and "150" in cell
    assert "进度正常" in html
    assert plan.title in html


def test_base_page_gathers_the_plan_panel(operator, reviewer, client_for):
    approved_plan(operator, reviewer, linked=indicator())
    make_report("B3-012", make_period(2024), state="locked", JOBS=120)
    page = client_for(reviewer).get(reverse("site:base_detail", args=["B3-012"]))
    html = page.content.decode()
    assert 'data-testid="plans-panel"' in html
    assert "进度滞后" in html  # 120 against a line at 133.33


def test_authority_returns_with_a_comment_through_the_page(operator, reviewer, client_for):
    plan = draft_plan(operator)
    client_for(operator).post(reverse("plans:plan_move", args=[plan.pk, "submit"]))
    client = client_for(reviewer)
    queue = client.get(reverse("plans:review_queue")).content.decode()
    assert plan.base.current_name in queue
    client.post(reverse("plans:plan_move", args=[plan.pk, "return"]), {"comment": "请细化年度目标"})
    plan.refresh_from_db()
    assert plan.state == PlanState.RETURNED
    page = client_for(operator).get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    assert "请细化年度目标" in page


def test_return_without_comment_is_refused_with_a_message(operator, reviewer, client_for):
    plan = draft_plan(operator)
    client_for(operator).post(reverse("plans:plan_move", args=[plan.pk, "submit"]))
    response = client_for(reviewer).post(
        reverse("plans:plan_move", args=[plan.pk, "return"]), {"comment": ""}, follow=True
    )
    plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED
    assert "退回须写明意见" in response.content.decode()


def test_goal_form_saves_targets_per_year(operator, client_for):
    plan = draft_plan(operator)
    client_for(operator).post(
        reverse("plans:goal_add", args=[plan.pk]),
        {
            "name": "孵化企业",
            "trend": "increase",
            "baseline": "10",
            "target_2024": "12",
            "target_2026": "20",
            "order": "1",
        },
    )
    goal = plan.goals.get(name="孵化企业")
    assert {t.year: t.value for t in goal.targets.all()} == {2024: Decimal(12), 2026: Decimal(20)}


def test_task_form_names_a_bad_milestone_line(operator, client_for):
    plan = draft_plan(operator)
    response = client_for(operator).post(
        reverse("plans:task_add", args=[plan.pk]),
        {"title": "t", "owner": "o", "deadline": "2026-12-31", "milestones": "2025-06-30 选址\n明年 开工"},
    )
    assert "第 2 行" in response.content.decode()
    assert not plan.tasks.filter(title="t").exists()


def test_home_shows_what_waits_in_plans(operator, reviewer, client_for):
    plan = draft_plan(operator)
    assert "建设方案待报送" in client_for(operator).get("/").content.decode()
    client_for(operator).post(reverse("plans:plan_move", args=[plan.pk, "submit"]))
    home = client_for(reviewer).get("/").content.decode()
    assert 'data-testid="plan-tasks-home"' in home
    assert "建设方案待审核" in home
