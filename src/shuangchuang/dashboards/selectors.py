"""The figures of the dashboards, read from approved data in the user's scope.

Every number a dashboard shows is a sum or a count over rows the user may see: reported values of annual
reports that the national office has approved (`APPROVED_STATES`), bases of the registry, reports of a
period. `approved_values` is the one query behind every reported figure, so that a figure and the list of
values it was computed from (`traced_values`) cannot disagree.

The whole set of figures is cached per scope and year, under a key that holds a fingerprint of the data it
was computed from (`data_fingerprint`): approving, reopening or locking a report changes that fingerprint,
so the next request computes afresh (no nightly batch, no wait).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import CharField, Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext

from shuangchuang.accounts.models import User
from shuangchuang.core.models import AuditEvent
from shuangchuang.core.policy import Someone, may, reaches_everything
from shuangchuang.evaluation.labels import peer_group_label
from shuangchuang.monitoring.models import (
    Action,
    Indicator,
    IndicatorVersion,
    PeriodKind,
    Report,
    ReportingPeriod,
    ReportState,
    ReportValue,
)
from shuangchuang.monitoring.units import unit_label
from shuangchuang.records.models import OPEN_STATES, Problem
from shuangchuang.records.selectors import problem_counts
from shuangchuang.registry.models import PEER_GROUPS, Base, BaseKind, BaseStatus, Direction, Province

APPROVED_STATES = (ReportState.APPROVED, ReportState.LOCKED)
# The headline indicators the joint conference reads first (annual report values, summed).
HEADLINE_CODES = ("JOBS_TOTAL", "NEW_ENTITIES", "FUNDING_RAISED", "RD_SPEND")
# Peer groups as URL keys → the kinds of base in each (registry.models.PEER_GROUPS).
PEER_KEYS: dict[str, tuple[str, ...]] = {
    "region": (BaseKind.REGION,),
    "academic": (BaseKind.UNIVERSITY, BaseKind.INSTITUTE),
    "enterprise": (BaseKind.ENTERPRISE,),
}
# A figure's filters: URL parameter → the field of a reported value it narrows.
VALUE_FILTERS = {
    "province": "report__base__province_id",
    "direction": "report__base__direction__code",
    "kind": "report__base__kind",
}
CACHE_SECONDS = 600

# ECharts' china map names its regions by their short names; the registry holds GB/T 2260 codes.
MAP_NAMES = {
    "110000": "北京", "120000": "天津", "130000": "河北", "140000": "山西", "150000": "内蒙古",
    "210000": "辽宁", "220000": "吉林", "230000": "黑龙江", "310000": "上海", "320000": "江苏",
    "330000": "浙江", "340000": "安徽", "350000": "福建", "360000": "江西", "370000": "山东",
    "410000": "河南", "420000": "湖北", "430000": "湖南", "440000": "广东", "450000": "广西",
    "460000": "海南", "500000": "重庆", "510000": "四川", "520000": "贵州", "530000": "云南",
    "540000": "西藏", "610000": "陕西", "620000": "甘肃", "630000": "青海", "640000": "宁夏",
    "650000": "新疆", "710000": "台湾", "810000": "香港", "820000": "澳门",
}  # fmt: skip


def peer_label(key: str) -> str:
    """A peer group's name in the reader's language (`academic` → 高校和科研院所)."""
    kinds = PEER_KEYS.get(key)
    return peer_group_label(PEER_GROUPS[BaseKind(kinds[0])]) if kinds else key


def clean_filters(params: Mapping[str, str]) -> dict[str, str]:
    """The figure filters of a request: known keys with a value; peer groups by their key."""
    found = {key: str(params[key]) for key in VALUE_FILTERS if params.get(key)}
    if (peer := params.get("peer")) in PEER_KEYS:
        found["peer"] = str(peer)
    return found


def approved_values(
    user: Someone, code: str, year: int, filters: Mapping[str, str] | None = None
) -> QuerySet[ReportValue]:
    """The approved annual values of one indicator in one year that the user may see: the rows behind
    every reported figure of the dashboards."""
    values = ReportValue.objects.restrict(user).filter(
        report__state__in=APPROVED_STATES,
        report__period__kind=PeriodKind.ANNUAL,
        report__period__year=year,
        indicator__code=code,
        number__isnull=False,
    )
    for key, value in (filters or {}).items():
        if key in VALUE_FILTERS:
            values = values.filter(**{VALUE_FILTERS[key]: value})
        elif key == "peer":
            values = values.filter(report__base__kind__in=PEER_KEYS.get(value, ()))
    return values


def traced_values(
    user: Someone, code: str, year: int, filters: Mapping[str, str] | None = None
) -> QuerySet[ReportValue]:
    """`approved_values` with what a reader checks a figure by: the base, the period, who approved the
    report (`approver_name`, from the approval's audit row) and when (`report__approved_at`)."""
    approval = AuditEvent.objects.filter(
        action=f"monitoring.{Action.APPROVE}",
        object_type=Report._meta.label,
        object_id=Cast(OuterRef("report_id"), CharField()),
    ).order_by("-at", "-pk")
    return (
        approved_values(user, code, year, filters)
        .select_related("report__base", "report__base__province", "report__base__direction", "report__period")
        .annotate(approver_name=Subquery(approval.values("actor_name")[:1]))
        .order_by("report__base__code")
    )


def indicator_label(code: str, year: int) -> tuple[str, str]:
    """An indicator's name and unit in the reader's language for a year (the version in force then)."""
    indicator = Indicator.objects.filter(code=code).first()
    version = indicator.version_for(year) if indicator else None
    if version is None and indicator is not None:
        version = indicator.versions.order_by("valid_from_year").first()
    if version is None:
        return code, ""
    return version.label, unit_label(version.unit)


def with_unit(label: str, unit: str) -> str:
    """`带动就业人数（人）`, in the reader's language."""
    return gettext("%(name)s（%(unit)s）") % {"name": label, "unit": unit} if unit else label


def data_fingerprint() -> str:
    """What the figures depend on, in one short string: the reports (their states move with every
    approval, reopening and lock; `updated_at` with every move) and the registry's bases."""
    reports = Report.objects.aggregate(
        n=Count("pk"), approved=Count("pk", filter=Q(state__in=APPROVED_STATES)), last=Max("updated_at")
    )
    bases = Base.objects.aggregate(n=Count("pk"), last=Max("updated_at"))
    problems = Problem.objects.aggregate(
        n=Count("pk"),
        open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        resolved=Max("resolved_at"),
        closed=Max("closed_at"),
        escalated=Max("escalated_at"),
    )
    raw = f"{reports}|{bases}|{problems}|{timezone.localdate()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def scope_key(user: Someone) -> str:
    """Users who see the same bases share cached figures: the program, an authority's bases, else one's own."""
    if reaches_everything(Base, user):
        return "all"
    authority_id = getattr(user, "authority_id", None)
    if getattr(user, "role", None) == "authority" and authority_id:
        return f"authority-{authority_id}"
    return f"user-{getattr(user, 'pk', 0)}"


def approved_years(user: Someone) -> list[int]:
    """The years of annual reports with approved data in the user's scope, newest first."""
    return list(
        Report.objects.restrict(user)
        .filter(state__in=APPROVED_STATES, period__kind=PeriodKind.ANNUAL)
        .values_list("period__year", flat=True)
        .distinct()
        .order_by("-period__year")
    )


def _number(value: Decimal | int | None) -> float:
    return float(value or 0)


def _change(now: float, before: float) -> float | None:
    """Percentage change from last year; None where last year had nothing to compare with."""
    if not before:
        return None
    return round((now - before) / before * 100, 1)


@dataclass(frozen=True)
class Scope:
    user: Someone
    bases: QuerySet[Base]


def trace_url(code: str, year: int, **filters: str) -> str:
    url = reverse("dashboards:trace", args=(code, year))
    return f"{url}?{urlencode(filters)}" if filters else url


def _sums(user: Someone, years: list[int], *group: str) -> list[dict[str, Any]]:
    """Sums and counts of the headline indicators' approved values in `years`, grouped by `group`."""
    rows = (
        ReportValue.objects.restrict(user)
        .filter(
            report__state__in=APPROVED_STATES,
            report__period__kind=PeriodKind.ANNUAL,
            report__period__year__in=years,
            indicator__code__in=HEADLINE_CODES,
            number__isnull=False,
        )
        .values("indicator__code", *group)
        .annotate(total=Sum("number"), n=Count("pk"))
        .order_by()
    )
    return list(rows)


def _yearly_sums(user: Someone, years: list[int]) -> dict[tuple[str, int], tuple[float, int]]:
    """(indicator, year) → (sum, count) of the headline indicators' approved values: one query for the
    headline figures, last year's and the trend."""
    rows = _sums(user, years, "report__period__year")
    return {(r["indicator__code"], r["report__period__year"]): (_number(r["total"]), r["n"]) for r in rows}


def _labels(year: int) -> dict[str, tuple[str, str]]:
    """The headline indicators' names and units for a year, from one query."""
    versions: dict[str, IndicatorVersion] = {}
    for version in (
        IndicatorVersion.objects.filter(indicator__code__in=HEADLINE_CODES)
        .select_related("indicator")
        .order_by("valid_from_year")
    ):
        code = version.indicator.code
        if version.valid_from_year <= year or code not in versions:
            versions[code] = version
    return {
        code: (versions[code].label, unit_label(versions[code].unit)) if code in versions else (code, "")
        for code in HEADLINE_CODES
    }


def _headline(
    year: int, sums: dict[tuple[str, int], tuple[float, int]], labels: dict[str, tuple[str, str]]
) -> list[dict[str, Any]]:
    figures = []
    for code in HEADLINE_CODES:
        label, unit = labels[code]
        value, reports = sums.get((code, year), (0.0, 0))
        last_year = sums.get((code, year - 1))
        previous = last_year[0] if last_year else None
        figures.append(
            {
                "code": code,
                "label": label,
                "unit": unit,
                "value": value,
                "previous": previous,
                "change": _change(value, previous) if previous is not None else None,
                "reports": reports,
                "url": trace_url(code, year),
                "previous_url": trace_url(code, year - 1),
            }
        )
    return figures


def _base_rows(bases: QuerySet[Base]) -> list[tuple[str, str, str, str, int]]:
    """(direction, kind, status, province, number of bases): one query for every count of bases."""
    return list(
        bases.values_list("direction__code", "kind", "status", "province_id")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _base_counts(
    rows: list[tuple[str, str, str, str, int]], directions: dict[str, Direction]
) -> dict[str, Any]:
    by_direction: dict[str, int] = defaultdict(int)
    by_kind: dict[str, int] = defaultdict(int)
    by_status: dict[str, int] = defaultdict(int)
    for direction, kind, status, _province, n in rows:
        by_direction[direction] += n
        by_kind[kind] += n
        by_status[status] += n
    ordered = sorted(by_direction, key=lambda c: (directions[c].order if c in directions else 99, c))
    return {
        "total": sum(by_kind.values()),
        "by_direction": [
            {"code": c, "label": directions[c].label if c in directions else c, "n": by_direction[c]}
            for c in ordered
        ],
        "by_kind": [
            {"code": k, "label": str(BaseKind(k).label), "n": by_kind[k]}
            for k in BaseKind.values
            if k in by_kind
        ],
        "by_status": [
            {"code": s, "label": str(BaseStatus(s).label), "n": by_status[s]}
            for s in BaseStatus.values
            if s in by_status
        ],
    }


def current_period(today: Any = None) -> ReportingPeriod | None:
    """The period being filed now: the latest whose filing window has opened."""
    today = today or timezone.localdate()
    return ReportingPeriod.objects.filter(opens_on__lte=today).order_by("-opens_on", "-pk").first()


def late_condition() -> Q:
    """A report is late when it was first submitted after its due date, or is still not in by then."""
    return Q(submitted_at__date__gt=F("period__due_on")) | Q(
        submitted_at__isnull=True, period__due_on__lt=timezone.localdate()
    )


def _period_reports(user: Someone) -> dict[str, Any] | None:
    period = current_period()
    if period is None:
        return None
    reports = Report.objects.restrict(user).filter(period=period)
    counts = reports.aggregate(
        due=Count("pk"),
        submitted=Count("pk", filter=Q(submitted_at__isnull=False)),
        late=Count("pk", filter=late_condition()),
        approved=Count("pk", filter=Q(state__in=APPROVED_STATES)),
    )
    base = reverse("monitoring:report_list")
    return {
        "code": period.code,
        "label": period.label,
        "due_on": period.due_on,
        **counts,
        "urls": {
            "due": f"{base}?{urlencode({'period': period.code, 'state': 'all'})}",
            "late": f"{base}?{urlencode({'period': period.code, 'state': 'all', 'late': 'late'})}",
            "approved": f"{base}?{urlencode({'period': period.code, 'state': ReportState.APPROVED})}",
        },
    }


def _breakdown(
    year_rows: list[dict[str, Any]],
    year: int,
    base_rows: list[tuple[str, str, str, str, int]],
    all_directions: dict[str, Direction],
) -> dict[str, list[dict[str, Any]]]:
    """The headline sums by direction, kind and peer group, each row with its base count and trace links."""
    by_base = year_rows
    count_rows = [(direction, kind, n) for direction, kind, _status, _province, n in base_rows]
    directions = {code: d.label for code, d in all_directions.items()}
    orders = {code: d.order for code, d in all_directions.items()}

    def empty() -> dict[str, Any]:
        return {
            "bases": 0,
            "values": {c: 0.0 for c in HEADLINE_CODES},
            "reports": {c: 0 for c in HEADLINE_CODES},
        }

    tables: dict[str, dict[str, dict[str, Any]]] = {"direction": {}, "kind": {}, "peer": {}}
    peer_of = {kind: key for key, kinds in PEER_KEYS.items() for kind in kinds}

    def keys(direction: str, kind: str) -> dict[str, str]:
        return {"direction": direction, "kind": kind, "peer": peer_of.get(kind, "")}

    for direction, kind, n in count_rows:
        for table, key in keys(direction, kind).items():
            tables[table].setdefault(key, empty())["bases"] += n
    for row in by_base:
        for table, key in keys(row["report__base__direction__code"], row["report__base__kind"]).items():
            cell = tables[table].setdefault(key, empty())
            cell["values"][row["indicator__code"]] += _number(row["total"])
            cell["reports"][row["indicator__code"]] += row["n"]
    labels = {
        "direction": directions,
        "kind": {k: str(BaseKind(k).label) for k in BaseKind.values},
        "peer": {k: peer_label(k) for k in PEER_KEYS},
    }
    order = {
        "direction": lambda k: (orders.get(k, 99), k),
        "kind": lambda k: (BaseKind.values.index(k) if k in BaseKind.values else 99, k),
        "peer": lambda k: (list(PEER_KEYS).index(k) if k in PEER_KEYS else 99, k),
    }
    result: dict[str, list[dict[str, Any]]] = {}
    for table, cells in tables.items():
        result[table] = [
            {
                "key": key,
                "label": labels[table].get(key, key),
                "bases": cell["bases"],
                "figures": [
                    {
                        "code": code,
                        "value": cell["values"][code],
                        "reports": cell["reports"][code],
                        "url": trace_url(code, year, **{table: key}),
                    }
                    for code in HEADLINE_CODES
                ],
                "list_url": f"{reverse('registry:base_list')}?{urlencode({table: key})}"
                if table != "peer"
                else "",
            }
            for key, cell in sorted(cells.items(), key=lambda item: order[table](item[0]))
        ]
    return result


def _trend(years: list[int], sums: dict[tuple[str, int], tuple[float, int]]) -> list[dict[str, Any]]:
    return [
        {
            "year": year,
            "values": [
                {"code": code, "value": sums.get((code, year), (0.0, 0))[0], "url": trace_url(code, year)}
                for code in HEADLINE_CODES
            ],
        }
        for year in sorted(years)
    ]


def _map(
    year_rows: list[dict[str, Any]], base_rows: list[tuple[str, str, str, str, int]]
) -> list[dict[str, Any]]:
    """One row per province-level division (all 31 and Hong Kong, Macao, Taiwan as the registry has them):
    the user's bases there and the headline sums of their approved values."""
    counts: dict[str, int] = defaultdict(int)
    for _direction, _kind, _status, province, n in base_rows:
        counts[province] += n
    sums: dict[str, dict[str, float]] = defaultdict(dict)
    for row in year_rows:
        cell = sums[row["report__base__province_id"]]
        cell[row["indicator__code"]] = cell.get(row["indicator__code"], 0.0) + _number(row["total"])
    base_list = reverse("registry:base_list")
    return [
        {
            "code": p.code,
            "name": MAP_NAMES.get(p.code, p.short_name),
            "label": p.label,
            "bases": counts.get(p.code, 0),
            "values": {code: sums[p.code].get(code, 0.0) for code in HEADLINE_CODES},
            "value_list": [sums[p.code].get(code, 0.0) for code in HEADLINE_CODES],
            "url": f"{base_list}?{urlencode({'province': p.code})}",
        }
        for p in Province.objects.order_by("code")
    ]


def _queues(user: Someone) -> dict[str, Any]:
    """What waits on the user's desk: reports to review (an authority) or to approve (the national office),
    and the reports of past periods still not submitted."""
    reports = Report.objects.restrict(user).listed()
    waiting_state = None
    if may(user, "monitoring.report.approve"):
        waiting_state = ReportState.REVIEWED
    elif may(user, "monitoring.report.pass"):
        waiting_state = ReportState.SUBMITTED
    queue = reports.filter(state=waiting_state) if waiting_state else reports.none()
    late = reports.filter(
        state__in=(ReportState.DRAFT, ReportState.RETURNED), period__due_on__lt=timezone.localdate()
    ).order_by("period__due_on", "base__code")
    base = reverse("monitoring:report_list")
    problems = problem_counts(user) if isinstance(user, User) else {"open": 0, "overdue": 0}
    return {
        "problems_open": problems["open"] or 0,
        "problems_overdue": problems["overdue"] or 0,
        "problems_url": f"{reverse('records:problem_list')}?overdue=1",
        "queue_state": waiting_state or "",
        "queue_count": queue.count(),
        "queue": [_report_row(r) for r in queue.order_by("last_submitted_at", "pk")[:10]],
        "queue_url": f"{base}?{urlencode({'state': waiting_state})}" if waiting_state else "",
        "late_count": late.count(),
        "late": [_report_row(r) for r in late[:10]],
        "late_url": f"{base}?{urlencode({'state': 'all', 'late': 'late'})}",
    }


def _report_row(report: Report) -> dict[str, Any]:
    return {
        "url": reverse("monitoring:report_detail", args=(report.pk,)),
        "base": report.base.current_name,
        "period": report.period.label,
        "due_on": report.period.due_on,
        "state": report.get_state_display(),
    }


def dashboard(user: Someone, year: int | None = None) -> dict[str, Any]:
    """Everything the dashboard shows for the user's scope and a year (default: the latest with approved
    data), cached until the data changes."""
    years = approved_years(user)
    if year is None:
        year = years[0] if years else timezone.localdate().year - 1
    key = f"dashboards:{scope_key(user)}:{year}:{get_language()}:{data_fingerprint()}"
    found = cache.get(key)
    if found is not None:
        return dict(found)
    base_rows = _base_rows(Base.objects.restrict(user))
    directions = {d.code: d for d in Direction.objects.all()}
    trend_years = sorted({y for y in years if y <= year} | {year})[-5:]
    sums = _yearly_sums(user, sorted(set(trend_years) | {year - 1}))
    labels = _labels(year)
    # the year's sums by direction, kind and province: the breakdowns and the map from one query
    year_rows = _sums(
        user, [year], "report__base__direction__code", "report__base__kind", "report__base__province_id"
    )
    data = {
        "year": year,
        "years": years,
        "bases": _base_counts(base_rows, directions),
        "headline": _headline(year, sums, labels),
        "period": _period_reports(user),
        "breakdown": _breakdown(year_rows, year, base_rows, directions),
        "trend": _trend(trend_years, sums),
        "map": _map(year_rows, base_rows),
        "queues": _queues(user),
        "indicators": [
            {"code": code, "label": label, "unit": unit, "heading": with_unit(label, unit)}
            for code in HEADLINE_CODES
            for label, unit in [labels[code]]
        ],
        "program_wide": reaches_everything(Base, user),
        "computed_at": timezone.now(),
        "cache_key": key,
    }
    cache.set(key, data, CACHE_SECONDS)
    return data


def chart_data(data: dict[str, Any]) -> dict[str, Any]:
    """What the page's charts draw (passed with `json_script`): the map, the trend, the breakdowns."""
    return {
        "map": data["map"],
        "indicators": data["indicators"],
        "base_label": gettext("示范基地数"),
        "trend": data["trend"],
        "breakdown": {
            table: [{"label": str(r["label"]), "bases": r["bases"], "figures": r["figures"]} for r in rows]
            for table, rows in data["breakdown"].items()
        },
    }
