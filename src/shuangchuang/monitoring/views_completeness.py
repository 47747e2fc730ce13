from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext

from shuangchuang.accounts.requests import AuthenticatedRequest
from shuangchuang.core.policy import permission_required

from .completeness import Tally, base_history, default_period, period_completeness, recent_periods, trend
from .models import ReportingPeriod

ALL = "all"


@permission_required("program.read")
def completeness(request: AuthenticatedRequest) -> HttpResponse:
    """Completeness and timeliness of one period for the bases the user sees: a row per authority, the
    bases of one authority (or of all) as drill-down, and the trend over recent periods."""
    today = timezone.localdate()
    periods = list(ReportingPeriod.objects.restrict(request.user).order_by("-opens_on", "-code"))
    code = request.GET.get("period")
    period = next((p for p in periods if p.code == code), None) if code else default_period(periods, today)
    if code and period is None:
        raise Http404(gettext("没有这个报告期。"))
    context: dict[str, Any] = {"periods": periods, "period": period, "today": today}
    if period is not None:
        result = period_completeness(request.user, period, today=today)
        recent = recent_periods(period)
        wanted = request.GET.get("authority", "")
        if len(result.authorities) == 1:
            wanted = result.authorities[0].authority.code
        shown = [block for block in result.authorities if wanted in (ALL, block.authority.code)]
        if shown:
            history = base_history(request.user, recent, today=today)
            for block in shown:
                for row in block.rows:
                    row.history = history.get(row.base.pk, Tally())
        context.update(
            result=result,
            shown=shown,
            authority=wanted,
            single_authority=len(result.authorities) == 1,
            trend=trend(request.user, recent, today=today),
            history_periods=sum(1 for p in recent if p.due_on < today),
        )
    return render(request, "monitoring/completeness.html", context)
