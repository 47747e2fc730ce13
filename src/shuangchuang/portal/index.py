"""The development index of the bases (双创发展指数): base year = 100, nationally and per direction.

Method (shown on the page as written here):

1. For each indicator and year, the average approved annual value per reporting base — nationally and in
   each direction. Averages per base, not totals, so that a year with more bases reporting does not look
   like growth.
2. Each indicator's index: its average in the year ÷ its average in the base year × 100 (the first year with
   approved annual reports). An indicator the scope does not report (jobs outside 创业就业) is left out.
3. Sub-indices: the weighted arithmetic mean of their indicators' indices, and the index the weighted mean of
   the sub-indices, both computed by the evaluation engine (`engine.aggregate.weighted_arithmetic`, which
   leaves out what is missing and rescales the remaining weights, as COINr's `a_amean` does).
4. Year-over-year change: the index ÷ last year's index − 1.

Only approved data enters (reports approved or locked by the national office); no single base's figure is
shown.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Max, Q, Sum
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, pgettext
from django.utils.translation import gettext_lazy as _

from shuangchuang.evaluation.engine.aggregate import weighted_arithmetic
from shuangchuang.monitoring.models import Indicator, PeriodKind, Report, ReportState, ReportValue
from shuangchuang.registry.models import Direction

APPROVED_STATES = (ReportState.APPROVED, ReportState.LOCKED)


@dataclass(frozen=True)
class SubIndex:
    key: str
    label: Promise
    weight: float
    indicators: tuple[tuple[str, float], ...]  # (indicator code, weight within the sub-index)


SUB_INDICES = (
    SubIndex(
        "entities", _("双创主体"), 0.25, (("NEW_ENTITIES", 1), ("ENTREPRENEURS", 1), ("NEW_STARTUPS", 1))
    ),
    SubIndex("input", _("双创投入"), 0.25, (("INNOVATION_INPUT", 1), ("RD_SPEND", 1), ("FUNDING_RAISED", 1))),
    SubIndex(
        "output",
        _("双创成效"),
        0.25,
        (("JOBS_TOTAL", 1), ("REVENUE", 1), ("IP_VALID", 1), ("TECH_CONTRACTS", 1)),
    ),
    SubIndex(
        "environment",
        _("双创环境"),
        0.25,
        (("INCUBATORS", 1), ("POLICIES_ISSUED", 1), ("EVENTS", 1), ("FULLTIME_STAFF", 1)),
    ),
)
CODES = tuple(code for sub in SUB_INDICES for code, _weight in sub.indicators)
NATIONAL = "national"


def _fingerprint() -> str:
    found = Report.objects.aggregate(
        n=Count("pk", filter=Q(state__in=APPROVED_STATES)), last=Max("updated_at")
    )
    return hashlib.sha256(str(found).encode()).hexdigest()[:16]


def _averages() -> tuple[list[int], dict[tuple[str, str, int], float]]:
    """(years, {(scope, indicator, year): average per reporting base}), scope a direction code or NATIONAL."""
    rows = (
        ReportValue.objects.filter(
            report__state__in=APPROVED_STATES,
            report__period__kind=PeriodKind.ANNUAL,
            indicator__code__in=CODES,
            number__isnull=False,
        )
        .values_list("report__base__direction__code", "indicator__code", "report__period__year")
        .annotate(total=Sum("number"), n=Count("pk"))
        .order_by()
    )
    totals: dict[tuple[str, str, int], list[float]] = {}
    for direction, code, year, total, n in rows:
        for scope in (direction, NATIONAL):
            cell = totals.setdefault((scope, code, year), [0.0, 0])
            cell[0] += float(total or 0)
            cell[1] += n
    years = sorted({year for (_scope, _code, year) in totals})
    return years, {key: total / n for key, (total, n) in totals.items() if n}


def _series(scope: str, years: list[int], averages: dict[tuple[str, str, int], float]) -> dict[str, Any]:
    base_year = years[0]
    sub_values = np.full((len(years), len(SUB_INDICES)), np.nan)
    subs = []
    for s, sub in enumerate(SUB_INDICES):
        matrix = np.full((len(years), len(sub.indicators)), np.nan)
        for i, (code, _weight) in enumerate(sub.indicators):
            start = averages.get((scope, code, base_year))
            if not start:
                continue
            for y, year in enumerate(years):
                if (value := averages.get((scope, code, year))) is not None:
                    matrix[y, i] = value / start * 100
        weights = np.array([w for _code, w in sub.indicators], dtype=np.float64)
        sub_values[:, s] = weighted_arithmetic(matrix, weights)
        subs.append({"key": sub.key, "label": str(sub.label), "values": _rounded(sub_values[:, s])})
    composite = weighted_arithmetic(sub_values, np.array([sub.weight for sub in SUB_INDICES]))
    yoy = [None] + [
        round((composite[y] / composite[y - 1] - 1) * 100, 1)
        if np.isfinite(composite[y]) and np.isfinite(composite[y - 1]) and composite[y - 1]
        else None
        for y in range(1, len(years))
    ]
    return {"composite": _rounded(composite), "yoy": yoy, "subs": subs}


def _rounded(values: Any) -> list[float | None]:
    return [round(float(v), 1) if np.isfinite(v) else None for v in values]


def development_index() -> dict[str, Any] | None:
    """The index nationally and per direction, each with its sub-indices and year-over-year change; None
    before any annual report is approved. Cached until the approved data changes."""
    key = f"portal:index:{get_language()}:{_fingerprint()}"
    if (found := cache.get(key)) is not None:
        return dict(found) if found else None
    years, averages = _averages()
    if not years:
        cache.set(key, {}, 600)
        return None
    scopes = [(NATIONAL, str(_("全国")))] + [
        (d.code, d.label) for d in Direction.objects.filter(kind=Direction.Kind.DIRECTION).order_by("order")
    ]
    names = {}
    for indicator in Indicator.objects.filter(code__in=CODES).prefetch_related("versions"):
        version = indicator.version_for(years[-1]) or indicator.versions.first()
        names[indicator.code] = version.label if version else indicator.code
    data = {
        "base_year": years[0],
        "years": years,
        "series": [{"key": k, "label": label, **_series(k, years, averages)} for k, label in scopes],
        "method": [
            {
                "key": sub.key,
                "label": str(sub.label),
                "weight": sub.weight,
                "indicators": pgettext("list separator", "、").join(
                    gettext("%(name)s（%(weight)s）")
                    % {
                        "name": names.get(code, code),
                        "weight": f"{w / sum(x for _c, x in sub.indicators):.2f}",
                    }
                    for code, w in sub.indicators
                ),
            }
            for sub in SUB_INDICES
        ],
    }
    cache.set(key, data, 600)
    return data
