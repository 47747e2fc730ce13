"""The dashboards: the program's (national office, joint conference) or an authority's own, the list of
approved values behind each figure, and every table as .xlsx."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shuangchuang.accounts.requests import AuthenticatedRequest
from shuangchuang.core.policy import get_restricted, permission_required
from shuangchuang.monitoring.models import Indicator, ReportingPeriod, ReportValue
from shuangchuang.registry.models import Base

from . import profile as base_profile
from . import selectors, services
from .exports import xlsx_response
from .models import AnnualReport, AnnualReportStatus


@dataclass(frozen=True)
class TraceLine:
    value: ReportValue
    base: Base
    period: ReportingPeriod
    number: Decimal
    approver: str
    approved_at: datetime | None


def _year(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and 2000 <= int(value) <= 2100 else None


@permission_required("dashboards.view")
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    data = selectors.dashboard(request.user, _year(request.GET.get("year")))
    titles = {"direction": _("按方向"), "kind": _("按基地类型"), "peer": _("按同类分组")}
    context: dict[str, Any] = {
        "data": data,
        "charts": selectors.chart_data(data),
        "breakdowns": [(table, titles[table], data["breakdown"][table]) for table in titles],
    }
    return render(request, "dashboards/dashboard.html", context)


@permission_required("dashboards.view")
def trace(request: AuthenticatedRequest, indicator: str, year: int) -> HttpResponse:
    """The approved values a figure was computed from: base, period, value, who approved, when; their sum
    is the figure."""
    found = get_restricted(Indicator.objects, request.user, code=indicator)
    filters = selectors.clean_filters(request.GET)
    rows = list(selectors.traced_values(request.user, found.code, year, filters))
    label, unit = selectors.indicator_label(found.code, year)
    total = sum((r.number for r in rows if r.number is not None), start=Decimal(0))
    lines = [
        TraceLine(
            value=r,
            base=r.report.base,
            period=r.report.period,
            number=r.number or Decimal(0),
            approver=getattr(r, "approver_name", None) or "",
            approved_at=r.report.approved_at,
        )
        for r in rows
    ]
    if request.GET.get("format") == "xlsx":
        headers = [
            gettext("基地编号"),
            gettext("示范基地"),
            gettext("报告期"),
            selectors.with_unit(label, unit),
            gettext("核准人"),
            gettext("核准时间"),
        ]
        table: list[list[object]] = [
            [
                line.base.code,
                line.base.current_name,
                line.period.label,
                float(line.number),
                line.approver,
                timezone.localtime(line.approved_at).strftime("%Y-%m-%d %H:%M") if line.approved_at else "",
            ]
            for line in lines
        ]
        table.append(["", gettext("合计"), "", float(total), "", ""])
        return xlsx_response(f"{found.code}-{year}.xlsx", f"{found.code} {year}", headers, table)
    context = {
        "indicator": found,
        "label": label,
        "unit": unit,
        "year": year,
        "filters": filters,
        "filter_labels": _filter_labels(filters),
        "lines": lines,
        "total": total,
    }
    return render(request, "dashboards/trace.html", context)


def _filter_labels(filters: dict[str, str]) -> list[str]:
    from shuangchuang.registry.models import BaseKind, Direction, Province

    labels = []
    if code := filters.get("province"):
        province = Province.objects.filter(code=code).first()
        labels.append(province.label if province else code)
    if code := filters.get("direction"):
        direction = Direction.objects.filter(code=code).first()
        labels.append(direction.label if direction else code)
    if (kind := filters.get("kind")) in BaseKind.values:
        labels.append(str(BaseKind(kind).label))
    if peer := filters.get("peer"):
        labels.append(str(selectors.peer_label(peer)))
    return labels


EXPORTS = ("headline", "direction", "kind", "peer", "trend", "map", "queue", "late")


@permission_required("dashboards.view")
def export(request: AuthenticatedRequest, table: str) -> HttpResponse:
    """One table of the dashboard as .xlsx, the rows the page shows."""
    if table not in EXPORTS:
        raise Http404
    data = selectors.dashboard(request.user, _year(request.GET.get("year")))
    year = data["year"]
    indicators = data["indicators"]
    value_headers = [i["heading"] for i in indicators]
    headers: list[str]
    rows: list[list[object]]
    if table == "headline":
        headers = [
            gettext("指标"),
            gettext("%(year)d年") % {"year": year},
            gettext("%(year)d年") % {"year": year - 1},
            gettext("同比（%）"),
            gettext("计入填报数"),
        ]
        rows = [
            [selectors.with_unit(f["label"], f["unit"]), f["value"], f["previous"], f["change"], f["reports"]]
            for f in data["headline"]
        ]
    elif table in ("direction", "kind", "peer"):
        headers = [gettext("分组"), gettext("示范基地数"), *value_headers]
        rows = [
            [str(r["label"]), r["bases"], *[f["value"] for f in r["figures"]]]
            for r in data["breakdown"][table]
        ]
    elif table == "trend":
        headers = [gettext("年度"), *value_headers]
        rows = [[r["year"], *[v["value"] for v in r["values"]]] for r in data["trend"]]
    elif table == "map":
        headers = [gettext("省级行政区"), gettext("示范基地数"), *value_headers]
        rows = [[r["label"], r["bases"], *[r["values"][i["code"]] for i in indicators]] for r in data["map"]]
    else:
        queue = data["queues"]
        headers = [gettext("示范基地"), gettext("报告期"), gettext("截止日期"), gettext("状态")]
        rows = [[r["base"], r["period"], r["due_on"].isoformat(), r["state"]] for r in queue[table]]
    return xlsx_response(f"dashboard-{table}-{year}.xlsx", f"{table} {year}", headers, rows)


@permission_required("program.read")
def profile(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """A base over time: its indicators against the direction median and peer quartiles, its latest radar,
    its rank history with intervals, and links to its reports and scorecards. A base outside the user's
    scope is a 404."""
    base = get_restricted(
        Base.objects.select_related("batch", "direction", "province", "authority"), request.user, code=code
    )
    series = base_profile.indicator_series(base)
    ranks = base_profile.rank_history(request.user, base)
    radar = base_profile.radar(request.user, base)
    context = {
        "base": base,
        "series": series,
        "ranks": ranks,
        "radar": radar,
        "reports": base_profile.reports(request.user, base),
        "charts": {
            "series": series["series"],
            "years": series["years"],
            "ranks": ranks,
            "radar": radar,
            "labels": {
                "base": gettext("本基地"),
                "median": gettext("方向中位数"),
                "quartiles": gettext("同类四分位区间"),
                "rank": gettext("排名"),
                "interval": gettext("排名区间（5%–95%）"),
            },
        },
    }
    return render(request, "dashboards/profile.html", context)


@permission_required("dashboards.annual_report")
def annual_list(request: AuthenticatedRequest) -> HttpResponse:
    """The annual reports made so far, and the form that asks for one (made in the background)."""
    if request.method == "POST":
        year = _year(request.POST.get("year"))
        if year is None:
            messages.error(request, gettext("请选择年度。"))
            return redirect("dashboards:annual_list")
        made = services.start_annual_report(year, actor=request.user)
        return redirect("dashboards:annual_detail", report_id=made.pk)
    years = selectors.approved_years(request.user)
    reports = AnnualReport.objects.restrict(request.user).select_related("created_by").defer("pdf")[:20]
    return render(request, "dashboards/annual_list.html", {"years": years, "reports": reports})


@permission_required("dashboards.annual_report")
def annual_detail(request: AuthenticatedRequest, report_id: int) -> HttpResponse:
    report = get_restricted(AnnualReport.objects.defer("pdf"), request.user, pk=report_id)
    template = (
        "dashboards/_annual_progress.html"
        if request.headers.get("HX-Request")
        else "dashboards/annual_detail.html"
    )
    return render(request, template, {"report": report})


@permission_required("dashboards.annual_report")
def annual_download(request: AuthenticatedRequest, report_id: int) -> HttpResponse:
    report = get_restricted(AnnualReport.objects, request.user, pk=report_id)
    if report.status != AnnualReportStatus.DONE or not report.pdf:
        return redirect("dashboards:annual_detail", report_id=report.pk)
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, f"annual-report-{report.year}.pdf")
    return response
