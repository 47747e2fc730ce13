from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from shuangchuang.accounts.requests import AuthenticatedRequest
from shuangchuang.core.audit import record_export
from shuangchuang.core.policy import get_restricted, permission_required, require
from shuangchuang.monitoring.models import IndicatorVersion
from shuangchuang.monitoring.units import unit_label

from . import selectors, services
from .exports import results_workbook
from .labels import node_names
from .models import EvaluationRun, EvaluationScheme, RunResult, RunStatus, SchemeNode
from .schemes import ensure_default_schemes


@permission_required("program.read")
def run_list(request: AuthenticatedRequest) -> HttpResponse:
    schemes = (
        EvaluationScheme.objects.restrict(request.user).select_related("direction").prefetch_related("nodes")
    )
    runs = selectors.listed_runs(request.user)[:30]
    return render(request, "evaluation/run_list.html", {"schemes": schemes, "runs": runs})


@permission_required("evaluation.scheme.create")
@require_POST
def create_default_schemes(request: AuthenticatedRequest) -> HttpResponse:
    year = int(request.POST.get("year") or timezone.localdate().year - 1)
    schemes = ensure_default_schemes(year)
    messages.success(
        request,
        gettext("已准备 %(year)d 年度 %(n)d 个方向的默认评估方案。") % {"year": year, "n": len(schemes)},
    )
    return redirect("evaluation:run_list")


@permission_required("evaluation.run.start")
@require_POST
def start_run(request: AuthenticatedRequest, scheme_id: int) -> HttpResponse:
    scheme = get_restricted(EvaluationScheme.objects, request.user, pk=scheme_id)
    require(request.user, "evaluation.run.start", scheme)
    run = services.start_run(scheme, actor=request.user)
    messages.info(
        request, gettext("已发起评估：%(scheme)s。计算在后台进行，可在本页查看进度。") % {"scheme": scheme}
    )
    return redirect("evaluation:run_detail", run_id=run.pk)


@permission_required("program.read")
def scheme_detail(request: AuthenticatedRequest, scheme_id: int) -> HttpResponse:
    scheme = get_restricted(EvaluationScheme.objects.select_related("direction"), request.user, pk=scheme_id)
    nodes = list(scheme.nodes.select_related("indicator", "parent"))
    children: dict[int | None, list[SchemeNode]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    roots = children.get(None, [])
    dimensions = [(d, children.get(d.pk, [])) for root in roots for d in children.get(root.pk, [])]
    names = node_names(scheme, nodes)
    for node in nodes:
        node.label = names[node.code]
    return render(
        request, "evaluation/scheme_detail.html", {"scheme": scheme, "roots": roots, "dimensions": dimensions}
    )


@permission_required("program.read")
def run_detail(request: AuthenticatedRequest, run_id: int) -> HttpResponse:
    run = get_restricted(selectors.listed_runs(request.user), request.user, pk=run_id)
    if run.status == RunStatus.RUNNING and services.sweep_stale_runs():  # its worker may have died
        run = get_restricted(selectors.listed_runs(request.user), request.user, pk=run_id)
    results = list(selectors.ranked_results(request.user, run))
    groups = sorted({r.peer_group for r in results if r.peer_group})
    if group := request.GET.get("group"):
        results = [r for r in results if r.peer_group == group]
    n = max(run.unit_count, 1)
    for r in results:
        if r.rank_p05 is not None and r.rank_p95 is not None and n > 1:
            r.bar_left = (r.rank_p05 - 1) / (n - 1) * 100
            r.bar_width = max((r.rank_p95 - r.rank_p05) / (n - 1) * 100, 0.8)
            r.dot = (r.rank - 1) / (n - 1) * 100 if r.rank else None
    context = {
        "run": run,
        "results": results,
        "groups": groups,
        "n": run.unit_count,
        "names": node_names(run.scheme, list(run.scheme.nodes.all()), run.diagnostics.get("names", {})),
        # A queued run waits for a worker: say so when none is running, rather than "queued" for ever.
        "worker_alive": selectors.worker_alive() if run.status == RunStatus.QUEUED else True,
    }
    template = (
        "evaluation/_progress.html" if request.headers.get("HX-Request") else "evaluation/run_detail.html"
    )
    return render(request, template, context)


@permission_required("program.read")
def result_detail(request: AuthenticatedRequest, run_id: int, base_code: str) -> HttpResponse:
    run = get_restricted(EvaluationRun.objects.select_related("scheme"), request.user, pk=run_id)
    if run.status != RunStatus.DONE:
        return redirect("evaluation:run_detail", run_id=run.pk)  # no scorecard before the run is done
    result = get_restricted(
        RunResult.objects.filter(run=run).select_related("base"), request.user, base__code=base_code
    )
    scheme_nodes = list(run.scheme.nodes.all())
    names = node_names(run.scheme, scheme_nodes, run.diagnostics.get("names", {}))
    dimensions = [n for n in scheme_nodes if n.parent_id and not n.indicator_id]
    # The direction median is over every included base of the run, whoever looks (a statistic, not data).
    all_scores = list(run.results.filter(included=True).values_list("scores", flat=True))
    medians = {
        d.code: statistics.median([s[d.code] for s in all_scores if s.get(d.code) is not None] or [0])
        for d in dimensions
    }
    radar = {
        "indicators": [{"name": names.get(d.code, d.name), "max": 100} for d in dimensions],
        "base": [round(result.scores.get(d.code) or 0, 2) for d in dimensions],
        "median": [round(medians[d.code], 2) for d in dimensions],
        # The page's own words (the table below says 本基地 too): translated, and never an outdated short name.
        "base_label": gettext("本基地"),
        "median_label": gettext("方向中位数"),
    }
    contributions = sorted(
        (
            (code, names.get(code, code), value)
            for code, value in result.contributions.items()
            if value is not None
        ),
        key=lambda item: -item[2],
    )
    what_if = sorted(
        (
            (code, names.get(code, code), value, value - result.score)
            for code, value in result.what_if.items()
            if value is not None and result.score is not None
        ),
        key=lambda item: -item[3],
    )[:5]
    units = _units(run, scheme_nodes)
    context = {
        "run": run,
        "result": result,
        # A base is compared with its peer group; without peer groups, with the whole direction.
        "by_group": bool(result.peer_group),
        "strengths": _standings(result.strengths, names, units, strength=True),
        "weaknesses": _standings(result.weaknesses, names, units, strength=False),
        "radar": radar,
        "dimensions": [
            (names.get(d.code, d.name), result.scores.get(d.code), medians[d.code]) for d in dimensions
        ],
        "contributions": contributions,
        "what_if": what_if,
        "names": names,
    }
    return render(request, "evaluation/result_detail.html", context)


@dataclass(frozen=True)
class Standing:
    """A strength or weakness as the scorecard shows it: the value and the median beside it, in the
    indicator's units, and what the index would lose (or gain) with the value at the median."""

    name: str
    value: str
    median: str
    effect: float | None


def _units(run: EvaluationRun, nodes: list[SchemeNode]) -> dict[str, str]:
    """Each indicator node's unit, as defined in the scheme's year."""
    by_indicator: dict[int, str] = {}
    for indicator_id, unit in (
        IndicatorVersion.objects.filter(
            indicator__in=[n.indicator_id for n in nodes if n.indicator_id],
            valid_from_year__lte=run.scheme.year,
        )
        .order_by("valid_from_year")
        .values_list("indicator_id", "unit")
    ):
        by_indicator[indicator_id] = unit  # the version in force in the scheme's year comes last
    return {n.code: by_indicator.get(n.indicator_id, "") for n in nodes if n.indicator_id}


def _amount(value: float, unit: str) -> str:
    number = f"{Decimal(str(round(value, 2))).normalize():,f}"
    unit = unit_label(unit)
    if not unit:
        return number
    return f"{number}{unit}" if unit == "%" else f"{number} {unit}"


def _standings(
    items: list[dict[str, Any]], names: dict[str, str], units: dict[str, str], *, strength: bool
) -> list[Standing]:
    rows = []
    for item in items:
        code, value, median = item["indicator"], item.get("value"), item.get("median")
        if value is None or median is None:
            continue
        name = names.get(code, code)
        if "score" in item:  # value and median in the indicator's units, judged by the engine
            unit = units.get(code, "")
            rows.append(Standing(name, _amount(value, unit), _amount(median, unit), item.get("effect")))
        elif (value > median) == strength and value != median:
            # A run stored before values were kept in their units: normalised scores, polarity applied
            # (higher is better); what is on the wrong side of the median it is shown beside is left out.
            score = gettext("%(score)s 分（标准化）")
            rows.append(
                Standing(name, score % {"score": f"{value:.1f}"}, score % {"score": f"{median:.1f}"}, None)
            )
    return rows


@permission_required("program.read")
def run_export(request: AuthenticatedRequest, run_id: int) -> HttpResponse:
    run = get_restricted(EvaluationRun.objects.select_related("scheme"), request.user, pk=run_id)
    if run.status != RunStatus.DONE:
        return redirect("evaluation:run_detail", run_id=run.pk)  # nothing to export before the run is done
    results = selectors.ranked_results(request.user, run)
    data = results_workbook(run, results)
    record_export(
        request.user,
        "evaluation.EvaluationRun",
        str(run),
        filename=f"evaluation-run-{run.pk}.xlsx",
        rows=len(results),
        object_id=str(run.pk),
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="evaluation-run-{run.pk}.xlsx"'
    return response
