"""Pages that gather several apps: home (what waits for the user, the bases in scope) and a base's page
with its monitoring reports and evaluation results. Each part is read through its own app's scope."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from shuangchuang.accounts.models import User
from shuangchuang.accounts.requests import AuthenticatedRequest
from shuangchuang.assessment.selectors import base_assessments, waiting
from shuangchuang.core.policy import get_restricted, may, permission_required
from shuangchuang.evaluation.selectors import base_results
from shuangchuang.monitoring.models import Report, ReportState
from shuangchuang.plans.selectors import base_panel, home_tasks
from shuangchuang.records.selectors import base_records, records_tasks
from shuangchuang.registry.models import Base

# What waits for whom, as (report state, the move that takes it on, label): the home page links each to the
# filtered list. A user sees a task when the policy lets them make that move.
TASKS: list[tuple[str, str, Promise]] = [
    (ReportState.DRAFT, "monitoring.values.enter", _("待填报")),
    (ReportState.RETURNED, "monitoring.values.enter", _("被退回，待修改")),
    (ReportState.SUBMITTED, "monitoring.report.pass", _("待审核")),
    (ReportState.REVIEWED, "monitoring.report.approve", _("待核准")),
    (ReportState.APPROVED, "monitoring.report.lock", _("待锁定")),
]


def my_tasks(user: User) -> list[dict[str, Any]]:
    """What waits for the user: the reports in each state where the user's role makes the next move."""
    states = [(state, label) for state, action, label in TASKS if may(user, action)]
    if not states:
        return []
    counts = dict(
        Report.objects.restrict(user)
        .filter(state__in=[state for state, _label in states])
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        {"state": state, "label": label, "count": counts[state]}
        for state, label in states
        if counts.get(state)
    ]


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {}
    if may(user, "program.read"):
        bases = Base.objects.restrict(user)
        context["base_count"] = bases.count()
        by_direction = (
            bases.values("direction__code", "direction__name", "direction__name_en")
            .annotate(n=Count("pk"))
            .order_by("direction__order")
        )
        english = get_language() == "en"
        context["by_direction"] = [
            {
                **row,
                "label": row["direction__name_en"]
                if english and row["direction__name_en"]
                else row["direction__name"],
            }
            for row in by_direction
        ]
        context["by_status"] = bases.values("status").annotate(n=Count("pk")).order_by("status")
        context["tasks"] = my_tasks(user)
        context["plan_tasks"] = home_tasks(user)
        context["assessment_tasks"] = waiting(user)
        context["records_tasks"] = records_tasks(user)
        if user.base_id:
            context["own_base"] = bases.filter(pk=user.base_id).first()
        elif context["base_count"] <= 12:
            context["scoped_bases"] = list(bases)
    return render(request, "site/home.html", context)


@permission_required("program.read")
def base_detail(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """A base's own page: the registry's record, and its monitoring and evaluation, each read through its
    own scope (a base outside the user's scope is a 404)."""
    base = get_restricted(
        Base.objects.select_related("batch", "direction", "province", "authority"), request.user, code=code
    )
    context = {
        "base": base,
        "name_history": base.name_history.restrict(request.user),
        "status_history": base.status_history.restrict(request.user).select_related("changed_by"),
        "reports": Report.objects.restrict(request.user)
        .listed()
        .filter(base=base)
        .order_by("-period__year", "-period__opens_on")[:8],
        "results": base_results(request.user, base),
        **base_assessments(request.user, base),
        "plans_panel": base_panel(request.user, base),
        "records": base_records(request.user, base),
    }
    return render(request, "site/base_detail.html", context)
