"""Progress on the plan in force: tasks per period with evidence, hand-reported goals with evidence."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shuangchuang.core.models import AuditEvent
from shuangchuang.monitoring.tests.factories import make_period
from shuangchuang.plans import services
from shuangchuang.plans.models import GoalReport, TaskProgress
from shuangchuang.plans.selectors import Status, goal_progress

from .factories import approved_plan, draft_plan

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def operator(make_user):
    return make_user("operator", base="B3-012")


@pytest.fixture
def reviewer(make_user):
    return make_user("authority", authority="drc-450000")


def test_progress_with_evidence_is_shown_on_the_plan_page(operator, reviewer, client_for):
    plan = approved_plan(operator, reviewer)
    period = make_period(2025)
    task = plan.tasks.get()
    client = client_for(operator)
    client.post(
        reverse("plans:task_progress", args=[task.pk]),
        {
            "period": period.pk,
            "status": "in_progress",
            "percent": "40",
            "done": "完成选址和设计招标",
            "evidence": SimpleUploadedFile("进展.pdf", PDF),
        },
    )
    progress = TaskProgress.objects.get(task=task, period=period)
    assert (progress.percent, progress.evidence.original_name) == (40, "进展.pdf")
    page = client_for(reviewer).get(reverse("plans:base_plans", args=["B3-012"])).content.decode()
    assert "完成选址和设计招标" in page


def test_a_file_outside_the_allow_list_is_refused_and_nothing_saved(operator, reviewer, client_for):
    plan = approved_plan(operator, reviewer)
    period = make_period(2025)
    task = plan.tasks.get()
    response = client_for(operator).post(
        reverse("plans:task_progress", args=[task.pk]),
        {
            "period": period.pk,
            "status": "done",
            "percent": "100",
            "done": "完成",
            "evidence": SimpleUploadedFile("setup.pdf", b"MZ\x90\x00\x03 program"),
        },
        follow=True,
    )
    assert not TaskProgress.objects.filter(task=task).exists()
    assert "未保存" in response.content.decode()


def test_progress_on_a_draft_is_refused(operator):
    plan = draft_plan(operator)
    with pytest.raises(services.NotAllowed):
        services.report_progress(
            plan.tasks.get(), make_period(2025), actor=operator, status="done", percent=100, done="x"
        )


def test_hand_reported_goal_needs_evidence_and_counts(operator, reviewer):
    plan = approved_plan(operator, reviewer)  # its goal is not linked to an indicator
    goal = plan.goals.get()
    with pytest.raises(services.PlanError):
        services.report_goal_result(goal, 2024, actor=operator, value=Decimal(140))
    services.report_goal_result(
        goal, 2024, actor=operator, value=Decimal(140), evidence=SimpleUploadedFile("证明.pdf", PDF)
    )
    [row] = goal_progress(plan, 2024)
    assert (row.actual, row.status, row.source) == (Decimal(140), Status.ON_TRACK, "hand")


def test_hand_results_follow_the_goal_into_the_next_version(operator, reviewer):
    first = approved_plan(operator, reviewer)
    services.report_goal_result(
        first.goals.get(),
        2024,
        actor=operator,
        value=Decimal(140),
        evidence=SimpleUploadedFile("证明.pdf", PDF),
    )
    revision = services.start_revision(first.base, actor=operator)
    services.submit_plan(revision, actor=operator)
    services.approve_plan(revision, actor=reviewer)
    revision.refresh_from_db()
    assert goal_progress(revision, 2024)[0].actual == Decimal(140)
    assert GoalReport.objects.count() == 1


def test_every_move_leaves_an_audit_row(operator, reviewer):
    plan = draft_plan(operator)
    services.submit_plan(plan, actor=operator)
    services.return_plan(plan, actor=reviewer, comment="请补充")
    actions = list(
        AuditEvent.objects.filter(object_type="plans.Plan", object_id=str(plan.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["plans.plan_submit", "plans.plan_return"]
