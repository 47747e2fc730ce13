"""A base over time: each indicator's approved annual values against the direction median and the peer
group's quartiles, the radar of its latest scorecard against the direction median, and its rank in every
run with the rank interval.

Medians and quartiles are statistics of other bases' approved values, shown to whoever sees the base (as the
scorecard shows the direction median). A statistic of fewer than `MIN_FOR_MEDIAN` / `MIN_FOR_QUARTILES` bases
is not shown: with two bases in a peer group, its "quartiles" would give away the other base's figure.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

import numpy as np
from django.db.models import F
from django.utils.translation import gettext

from shuangchuang.core.policy import Someone
from shuangchuang.evaluation.labels import node_names, peer_group_label
from shuangchuang.evaluation.models import RunResult, RunStatus
from shuangchuang.monitoring.models import Indicator, PeriodKind, Report, ReportValue, ValueType
from shuangchuang.monitoring.units import unit_label
from shuangchuang.registry.models import PEER_GROUPS, Base, BaseKind

from .selectors import APPROVED_STATES

MIN_FOR_MEDIAN = 3
MIN_FOR_QUARTILES = 5
NUMERIC = (ValueType.COUNT, ValueType.MONEY, ValueType.PERCENT, ValueType.RATIO)


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def indicator_series(base: Base) -> dict[str, Any]:
    """Per indicator the base reports: per year its approved value, the direction median and the peer
    group's quartiles (of the bases with an approved value that year)."""
    peers = {k for k, group in PEER_GROUPS.items() if group == PEER_GROUPS.get(BaseKind(base.kind))}
    rows = ReportValue.objects.filter(
        report__base__direction_id=base.direction_id,
        report__state__in=APPROVED_STATES,
        report__period__kind=PeriodKind.ANNUAL,
        number__isnull=False,
        indicator_version__value_type__in=NUMERIC,
    ).values_list("report__base_id", "report__base__kind", "indicator_id", "report__period__year", "number")
    direction: dict[tuple[int, int], list[float]] = defaultdict(list)
    peer: dict[tuple[int, int], list[float]] = defaultdict(list)
    own: dict[tuple[int, int], float] = {}
    years: set[int] = set()
    for base_id, kind, indicator_id, year, number in rows:
        value = float(number)
        direction[(indicator_id, year)].append(value)
        if kind in peers:
            peer[(indicator_id, year)].append(value)
        if base_id == base.pk:
            own[(indicator_id, year)] = value
            years.add(year)
    ordered_years = sorted(years)
    indicators = (
        Indicator.objects.filter(pk__in={i for i, _y in own})
        .prefetch_related("versions")
        .order_by("order", "code")
    )
    series = []
    for indicator in indicators:
        version = indicator.version_for(ordered_years[-1]) or indicator.versions.first()
        points = []
        for year in ordered_years:
            around = direction.get((indicator.pk, year), [])
            group = peer.get((indicator.pk, year), [])
            quartiles = (
                np.percentile(group, [25, 50, 75]).tolist() if len(group) >= MIN_FOR_QUARTILES else None
            )
            points.append(
                {
                    "year": year,
                    "value": _round(own.get((indicator.pk, year))),
                    "median": _round(statistics.median(around)) if len(around) >= MIN_FOR_MEDIAN else None,
                    "p25": _round(quartiles[0]) if quartiles else None,
                    "p50": _round(quartiles[1]) if quartiles else None,
                    "p75": _round(quartiles[2]) if quartiles else None,
                }
            )
        series.append(
            {
                "code": indicator.code,
                "label": version.label if version else indicator.code,
                "unit": unit_label(version.unit) if version else "",
                "points": points,
            }
        )
    return {
        "years": ordered_years,
        "series": series,
        "peer_group": peer_group_label(PEER_GROUPS[BaseKind(base.kind)]),
    }


def rank_history(user: Someone, base: Base) -> list[dict[str, Any]]:
    """The base's place in every finished run the user sees, oldest first, with the rank interval."""
    results = (
        RunResult.objects.restrict(user)
        .filter(base=base, run__status=RunStatus.DONE, included=True)
        .select_related("run__scheme")
        .order_by(F("run__created_at").asc(), "run_id")
    )
    return [
        {
            "run_id": r.run_id,
            "label": f"{r.run.scheme.label} #{r.run_id}",
            "year": r.run.scheme.year,
            "rank": r.rank,
            "p05": _round(r.rank_p05),
            "p95": _round(r.rank_p95),
            "median_rank": _round(r.median_rank),
            "score": _round(r.score),
            "units": r.run.unit_count,
        }
        for r in results
    ]


def radar(user: Someone, base: Base) -> dict[str, Any] | None:
    """The dimensions of the base's latest scorecard against the direction median of that run."""
    result = (
        RunResult.objects.restrict(user)
        .filter(base=base, run__status=RunStatus.DONE, included=True)
        .select_related("run__scheme")
        .order_by("-run__created_at", "-run_id")
        .first()
    )
    if result is None:
        return None
    run = result.run
    nodes = list(run.scheme.nodes.all())
    names = node_names(run.scheme, nodes, run.diagnostics.get("names", {}))
    dimensions = [n for n in nodes if n.parent_id and not n.indicator_id]
    scores = list(run.results.filter(included=True).values_list("scores", flat=True))
    medians = {
        d.code: statistics.median([s[d.code] for s in scores if s.get(d.code) is not None] or [0])
        for d in dimensions
    }
    return {
        "run_id": run.pk,
        "label": run.scheme.label,
        "indicators": [{"name": names.get(d.code, d.name), "max": 100} for d in dimensions],
        "base": [round(result.scores.get(d.code) or 0, 2) for d in dimensions],
        "median": [round(medians[d.code], 2) for d in dimensions],
        "rows": [
            (names.get(d.code, d.name), round(result.scores.get(d.code) or 0, 2), round(medians[d.code], 2))
            for d in dimensions
        ],
        "base_label": gettext("本基地"),
        "median_label": gettext("方向中位数"),
    }


def reports(user: Someone, base: Base) -> list[Report]:
    return list(
        Report.objects.restrict(user)
        .filter(base=base)
        .select_related("period")
        .order_by("-period__year", "-period__opens_on")[:12]
    )
