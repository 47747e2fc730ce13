from __future__ import annotations

from dataclasses import astuple
from typing import Any

from django.db.models import Count, Max, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext

from shuangchuang.accounts.models import User
from shuangchuang.accounts.requests import AuthenticatedRequest
from shuangchuang.core.fragments import computed, rendered_rows
from shuangchuang.core.policy import permission_required

from .catalogue import Catalogue
from .completeness import (
    AuthorityBlock,
    BaseRow,
    Tally,
    base_history,
    default_period,
    period_completeness,
    recent_periods,
    trend,
)
from .models import Report, ReportingPeriod

ALL = "all"


def _authority_row_version(block: AuthorityBlock) -> tuple[object, ...]:
    authority = block.authority
    return (authority.pk, authority.code, str(authority), astuple(block.tally))


def _base_row_version(row: BaseRow) -> tuple[object, ...]:
    """Everything the row shows: the base's own fields by its version, the report's figures as they are."""
    return (
        row.report_id,
        row.base.pk,
        row.base.updated_at,
        row.state,
        row.submitted_at,
        row.timeliness,
        row.days,
        row.required_expected,
        row.required_present,
        astuple(row.history),
    )


def _figures_version(
    user: User, periods: list[ReportingPeriod], today: object, catalogue: Catalogue
) -> tuple[object, ...]:
    """What the page's figures depend on: the reader's scope and the state of exactly the reports in it
    (how many, which, last changed; their bases' last change), the day (on time, overdue) and the
    catalogue (what is required)."""
    state = (
        Report.objects.restrict(user)
        .filter(period__in=periods)
        .aggregate(n=Count("pk"), ids=Sum("pk"), changed=Max("updated_at"), bases=Max("base__updated_at"))
    )
    scope = (user.pk, user.role, user.authority_id, user.base_id)
    return (scope, [p.pk for p in periods], tuple(state.values()), today, catalogue.fingerprint())


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
        catalogue = Catalogue.current()  # read once for the period and the trend
        recent = recent_periods(period)
        # the figures are worked out once per state of the reports in the reader's scope (core.fragments)
        version = _figures_version(request.user, [period, *recent], today, catalogue)
        result = computed(
            "completeness.period",
            (version, period.pk),
            lambda: period_completeness(request.user, period, today=today, catalogue=catalogue),
        )
        wanted = request.GET.get("authority", "")
        if len(result.authorities) == 1:
            wanted = result.authorities[0].authority.code
        shown = [block for block in result.authorities if wanted in (ALL, block.authority.code)]
        if shown:
            history = computed(
                "completeness.history", version, lambda: base_history(request.user, recent, today=today)
            )
            for block in shown:
                for row in block.rows:
                    row.history = history.get(row.base.pk, Tally())
        history_periods = sum(1 for p in recent if p.due_on < today)
        # the tables' rows are rendered once per content and language (core.fragments)
        context.update(
            result=result,
            authority_rows=rendered_rows(
                "monitoring/_completeness_authority_row.html",
                result.authorities,
                _authority_row_version,
                name="block",
                context={"period_code": period.code, "authority": wanted},
            ),
            shown=[
                (
                    block,
                    rendered_rows(
                        "monitoring/_completeness_base_row.html",
                        block.rows,
                        _base_row_version,
                        name="row",
                        context={"history_periods": history_periods},
                    ),
                )
                for block in shown
            ],
            authority=wanted,
            single_authority=len(result.authorities) == 1,
            trend=computed(
                "completeness.trend",
                version,
                lambda: trend(request.user, recent, today=today, catalogue=catalogue),
            ),
            history_periods=history_periods,
        )
    return render(request, "monitoring/completeness.html", context)
