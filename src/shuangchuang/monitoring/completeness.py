"""Completeness and timeliness of reporting, per period, per reviewing authority and per base.

Everything is derived from what the database already holds — the first submission time against the due
date, the state, and which required values are present — never from a box someone ticks:

- on time: first submitted on or before the due date; late: first submitted after it;
- missing: not submitted and the due date has passed; pending: not submitted, not yet due;
- returned: currently sent back to the base for correction;
- value completeness: required values present ÷ required values on the form (derived indicators are
  computed, not entered, and do not count); the form is the base's own, by direction and by kind of base
  (a university is not asked region questions).

Rates have the reports that are due (on time + late + missing) as denominator, so none can exceed 100 %.
Reads are scoped by `Report.objects.restrict(user)`, like every other read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shuangchuang.core.policy import Someone
from shuangchuang.registry.models import Authority, Base

from .catalogue import Catalogue
from .models import Report, ReportingPeriod, ReportState, ReportValue

TREND_PERIODS = 12
PRESENT = Q(number__isnull=False) | ~Q(text="")


class Timeliness:
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    PENDING = "pending"
    LABELS = {ON_TIME: _("按时报送"), LATE: _("逾期报送"), MISSING: _("逾期未报"), PENDING: _("未到截止日期")}


@dataclass(frozen=True)
class Percent:
    """A rate as the page shows it: 95.0% (or — when there is nothing to measure), with a warning colour."""

    value: float | None

    def __str__(self) -> str:
        return "—" if self.value is None else f"{self.value:.1f}%"

    @property
    def css(self) -> str:
        if self.value is None:
            return "text-secondary"
        return "text-danger" if self.value < 60 else "text-warning" if self.value < 90 else ""


def rate(part: int, whole: int) -> float | None:
    """A percentage, or None when there is nothing to measure against."""
    if whole <= 0:
        return None
    return 100.0 * min(part, whole) / whole


@dataclass
class Tally:
    reports: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0
    returned: int = 0
    required_expected: int = 0
    required_present: int = 0

    @property
    def submitted(self) -> int:
        return self.on_time + self.late

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.missing

    @property
    def submission_rate(self) -> float | None:
        return rate(self.submitted, self.due)

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.due)

    @property
    def returned_rate(self) -> float | None:
        return rate(self.returned, self.submitted)

    @property
    def completeness_rate(self) -> float | None:
        return rate(self.required_present, self.required_expected)

    @property
    def shown(self) -> dict[str, Percent]:
        """The rates formatted once for the page."""
        return {
            "submission": Percent(self.submission_rate),
            "on_time": Percent(self.on_time_rate),
            "returned": Percent(self.returned_rate),
            "completeness": Percent(self.completeness_rate),
        }

    def add(self, other: Tally) -> None:
        for name in (
            "reports",
            "on_time",
            "late",
            "missing",
            "pending",
            "returned",
            "required_expected",
            "required_present",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class BaseRow:
    """One base's report in the period, with what makes it complete (or not) and on time (or not)."""

    report_id: int
    base: Base
    state: str
    submitted_at: dt.datetime | None
    timeliness: str
    days: int  # days late (late), days overdue (missing), days left (pending)
    required_expected: int
    required_present: int
    history: Tally = field(default_factory=Tally)

    @property
    def timeliness_label(self) -> str:
        return str(Timeliness.LABELS[self.timeliness])

    @property
    def is_returned(self) -> bool:
        return self.state == ReportState.RETURNED

    @property
    def state_label(self) -> str:
        return str(ReportState(self.state).label)

    @property
    def completeness_rate(self) -> float | None:
        return rate(self.required_present, self.required_expected)

    @property
    def completeness_shown(self) -> Percent:
        return Percent(self.completeness_rate)

    def tally(self) -> Tally:
        tally = Tally(
            reports=1,
            returned=int(self.is_returned),
            required_expected=self.required_expected,
            required_present=self.required_present,
        )
        setattr(tally, self.timeliness, 1)
        return tally


@dataclass
class AuthorityBlock:
    authority: Authority
    tally: Tally
    rows: list[BaseRow]


@dataclass
class PeriodCompleteness:
    period: ReportingPeriod
    total: Tally
    authorities: list[AuthorityBlock]


def _local_today() -> dt.date:
    return timezone.localdate()


def classify(submitted_at: dt.datetime | None, due_on: dt.date, today: dt.date) -> tuple[str, int]:
    """(timeliness, days): days late, days overdue, or days left before the due date."""
    if submitted_at is not None:
        submitted_on = timezone.localdate(submitted_at)
        if submitted_on <= due_on:
            return Timeliness.ON_TIME, 0
        return Timeliness.LATE, (submitted_on - due_on).days
    if today > due_on:
        return Timeliness.MISSING, (today - due_on).days
    return Timeliness.PENDING, (due_on - today).days


def _cutoff(period: ReportingPeriod) -> dt.datetime:
    """The first moment that counts as late: midnight (local time) after the due date."""
    return dt.datetime.combine(
        period.due_on + dt.timedelta(days=1), dt.time(), tzinfo=ZoneInfo(settings.TIME_ZONE)
    )


def _on_time_and_late(periods: list[ReportingPeriod]) -> tuple[Q, Q]:
    """Conditions for a report being on time or late, as plain comparisons the database indexes well."""
    on_time = reduce(or_, [Q(period_id=p.pk, submitted_at__lt=_cutoff(p)) for p in periods])
    late = reduce(or_, [Q(period_id=p.pk, submitted_at__gte=_cutoff(p)) for p in periods])
    return on_time, late


def _required_ids(
    catalogue: Catalogue, direction_id: int, base_kind: str, period: ReportingPeriod
) -> set[int]:
    """The indicators a base of this direction and kind must type in for the period."""
    return {
        v.indicator_id for v in catalogue.required_entries(direction_id, base_kind, period.kind, period.year)
    }


# What a completeness row shows of a report and its base (not the bases' long source notes and search text)
ROW_FIELDS = (
    "base_id", "period_id", "state", "submitted_at",
    "base__code", "base__short_name", "base__name", "base__current_name", "base__kind", "base__city",
    "base__updated_at",
    "base__direction_id", "base__province_id", "base__authority_id",
    "base__direction__code", "base__direction__name", "base__direction__name_en", "base__direction__kind",
    "base__province__name", "base__province__short_name", "base__province__name_en",
    "base__authority__code", "base__authority__name", "base__authority__short_name",
    "base__authority__kind", "base__authority__province_id",
)  # fmt: skip


def period_completeness(
    user: Someone,
    period: ReportingPeriod,
    *,
    today: dt.date | None = None,
    catalogue: Catalogue | None = None,
) -> PeriodCompleteness:
    """Per base and per authority for one period: three queries whatever the number of bases."""
    today = today or _local_today()
    catalogue = catalogue or Catalogue.current()
    reports = list(
        Report.objects.restrict(user)
        .filter(period=period)
        .select_related("base__authority", "base__direction", "base__province")
        .only(*ROW_FIELDS)
    )
    required = {
        (d, k): _required_ids(catalogue, d, k, period)
        for d, k in {(r.base.direction_id, r.base.kind) for r in reports}
    }
    present: dict[int, int] = {}
    conditions = [
        Q(report__base__direction_id=d, report__base__kind=k, indicator_id__in=ids)
        for (d, k), ids in required.items()
        if ids
    ]
    if conditions:
        present = dict(
            ReportValue.objects.filter(report__in=[r.pk for r in reports])
            .filter(PRESENT)
            .filter(reduce(or_, conditions))
            .values("report_id")
            .annotate(n=Count("pk"))
            .values_list("report_id", "n")
        )
    rows = []
    for report in reports:
        timeliness, days = classify(report.submitted_at, period.due_on, today)
        rows.append(
            BaseRow(
                report_id=report.pk,
                base=report.base,
                state=report.state,
                submitted_at=report.submitted_at,
                timeliness=timeliness,
                days=days,
                required_expected=len(required[(report.base.direction_id, report.base.kind)]),
                required_present=present.get(report.pk, 0),
            )
        )
    return _by_authority(period, rows)


SEVERITY = {Timeliness.MISSING: 0, Timeliness.LATE: 1, Timeliness.PENDING: 2, Timeliness.ON_TIME: 3}


def _by_authority(period: ReportingPeriod, rows: list[BaseRow]) -> PeriodCompleteness:
    blocks: dict[int, AuthorityBlock] = {}
    total = Tally()
    for row in rows:
        authority = row.base.authority
        block = blocks.setdefault(authority.pk, AuthorityBlock(authority, Tally(), []))
        tally = row.tally()
        block.tally.add(tally)
        block.rows.append(row)
        total.add(tally)
    ordered = sorted(
        blocks.values(), key=lambda b: (b.authority.kind, b.authority.province_id or "", b.authority.code)
    )
    for block in ordered:
        block.rows.sort(key=lambda r: (not r.is_returned, SEVERITY[r.timeliness], -r.days, r.base.code))
    return PeriodCompleteness(period, total, ordered)


def recent_periods(until: ReportingPeriod | None = None, count: int = TREND_PERIODS) -> list[ReportingPeriod]:
    """The `count` most recent periods (by filing window) up to `until`, newest first."""
    periods = ReportingPeriod.objects.order_by("-opens_on", "-code")
    if until is not None:
        periods = periods.filter(opens_on__lte=until.opens_on)
    return list(periods[:count])


def trend(
    user: Someone,
    periods: Iterable[ReportingPeriod],
    *,
    today: dt.date | None = None,
    catalogue: Catalogue | None = None,
) -> list[tuple[ReportingPeriod, Tally]]:
    """One tally per period for everything the user sees: two aggregate queries for all the periods."""
    today = today or _local_today()
    periods = list(periods)
    if not periods:
        return []
    catalogue = catalogue or Catalogue.current()
    on_time, late = _on_time_and_late(periods)
    counts = (
        Report.objects.restrict(user)
        .filter(period__in=periods)
        .values("period_id", "base__direction_id", "base__kind")
        .annotate(
            reports=Count("pk"),
            on_time=Count("pk", filter=on_time),
            late=Count("pk", filter=late),
            unsubmitted=Count("pk", filter=Q(submitted_at__isnull=True)),
            returned=Count("pk", filter=Q(state=ReportState.RETURNED)),
        )
        .order_by()
    )
    by_id = {p.pk: p for p in periods}
    tallies = {p.pk: Tally() for p in periods}
    required: dict[tuple[int, int, str], set[int]] = {}
    for row in counts:
        period = by_id[row["period_id"]]
        key = (period.pk, row["base__direction_id"], row["base__kind"])
        if key not in required:
            required[key] = _required_ids(catalogue, row["base__direction_id"], row["base__kind"], period)
        ids = required[key]
        overdue = today > period.due_on
        tallies[period.pk].add(
            Tally(
                reports=row["reports"],
                on_time=row["on_time"],
                late=row["late"],
                missing=row["unsubmitted"] if overdue else 0,
                pending=0 if overdue else row["unsubmitted"],
                returned=row["returned"],
                required_expected=row["reports"] * len(ids),
            )
        )
    present = (
        ReportValue.objects.filter(report__in=Report.objects.restrict(user).filter(period__in=periods))
        .filter(PRESENT)
        .values("report__period_id", "report__base__direction_id", "report__base__kind", "indicator_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list(
            "report__period_id", "report__base__direction_id", "report__base__kind", "indicator_id", "n"
        )
    )
    for period_id, direction_id, base_kind, indicator_id, n in present:
        if indicator_id in required.get((period_id, direction_id, base_kind), ()):
            tallies[period_id].required_present += n
    return [(p, tallies[p.pk]) for p in periods]


def base_history(
    user: Someone, periods: Iterable[ReportingPeriod], *, today: dt.date | None = None
) -> dict[int, Tally]:
    """Each visible base's timeliness over several periods (for the per-base drill-down), one query."""
    today = today or _local_today()
    periods = [p for p in periods if p.due_on < today]
    if not periods:
        return {}
    on_time, late = _on_time_and_late(periods)
    rows = (
        Report.objects.restrict(user)
        .filter(period__in=periods)
        .values("base_id")
        .annotate(
            reports=Count("pk"),
            on_time=Count("pk", filter=on_time),
            late=Count("pk", filter=late),
            missing=Count("pk", filter=Q(submitted_at__isnull=True)),
        )
        .order_by()
    )
    return {
        row["base_id"]: Tally(
            reports=row["reports"], on_time=row["on_time"], late=row["late"], missing=row["missing"]
        )
        for row in rows
    }


def default_period(
    periods: Iterable[ReportingPeriod], today: dt.date | None = None
) -> ReportingPeriod | None:
    """The latest period whose due date has passed (the one worth checking), else the latest one."""
    today = today or _local_today()
    periods = list(periods)
    due = [p for p in periods if p.due_on < today]
    return max(due or periods, key=lambda p: (p.due_on, p.code), default=None)
