from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from shuangchuang.monitoring.models import ReportState
from shuangchuang.monitoring.selectors import visible_reports
from shuangchuang.registry.selectors import visible_bases

from .audit_words import audit_rows
from .models import AuditEvent

# What waits for each role, as (report state, label): the home page links each to the filtered list.
TASKS_BY_ROLE = {
    "operator": [(ReportState.DRAFT, _("待填报")), (ReportState.RETURNED, _("被退回，待修改"))],
    "authority": [(ReportState.SUBMITTED, _("待审核"))],
    "national_admin": [(ReportState.REVIEWED, _("待核准")), (ReportState.APPROVED, _("待锁定"))],
}


def my_tasks(user) -> list[dict]:
    tasks = []
    reports = visible_reports(user)
    for state, label in TASKS_BY_ROLE.get(user.role, []):
        count = reports.filter(state=state).count()
        if count:
            tasks.append({"state": state, "label": label, "count": count})
    return tasks


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict = {}
    if user.sees_program_data:
        bases = visible_bases(user)
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
        if user.base_id:
            context["own_base"] = bases.filter(pk=user.base_id).first()
        elif context["base_count"] <= 12:
            context["scoped_bases"] = list(bases)
    return render(request, "core/home.html", context)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The auditor's read-only view of every recorded change (三员分立: the auditor edits nothing)."""
    if not (request.user.is_auditor or request.user.is_superuser):
        raise PermissionDenied
    events = AuditEvent.objects.all()
    if action := request.GET.get("action"):
        events = events.filter(action=action)
    if actor := request.GET.get("actor"):
        events = events.filter(actor_name__icontains=actor)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
    return render(
        request, "core/audit_log.html", {"page": page, "rows": audit_rows(page), "actions": actions}
    )
