"""Reporting periods: their windows, and opening them (one report per active base).

Windows follow practice: a quarterly light form opens the day after the quarter ends and is due on the 15th
of the following month; the annual form is the Torch statistics survey's: calendar-year data, filed from
1 January to the end of February of the next year.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from shuangchuang.accounts.models import User
from shuangchuang.core.audit import record
from shuangchuang.registry.models import Base, BaseStatus

from .models import PeriodKind, Report, ReportingPeriod

# every status but withdrawn: a withdrawn base gets no new report requests but keeps its history
ACTIVE_STATUSES = (BaseStatus.ACTIVE, BaseStatus.COMMENDED, BaseStatus.WARNED, BaseStatus.RECTIFYING)
_CODE = re.compile(r"^(?P<year>\d{4})(?:(?:Q|-Q|年第?)(?P<quarter>[1-4])(?:季度)?|A|年报?)?$", re.IGNORECASE)


class PeriodCodeError(ValueError):
    pass


def period_code(year: int, quarter: int | None = None) -> str:
    return f"{year}A" if quarter is None else f"{year}Q{quarter}"


def parse_period_code(text: str) -> tuple[int, int | None]:
    """`2025Q3` → (2025, 3); `2025A` or `2025` → (2025, None)."""
    match = _CODE.match(text.strip())
    if not match:
        raise PeriodCodeError(f"无法识别报告期“{text}”：季度写作 2025Q3，年报写作 2025A。")
    quarter = match.group("quarter")
    return int(match.group("year")), int(quarter) if quarter else None


@dataclass(frozen=True)
class Window:
    starts_on: dt.date
    ends_on: dt.date
    opens_on: dt.date
    due_on: dt.date


def window(year: int, quarter: int | None = None) -> Window:
    """The statistical period and the filing window of a quarter, or of a year when `quarter` is None."""
    if quarter is None:
        feb_days = calendar.monthrange(year + 1, 2)[1]
        return Window(
            dt.date(year, 1, 1),
            dt.date(year, 12, 31),
            dt.date(year + 1, 1, 1),
            dt.date(year + 1, 2, feb_days),
        )
    if quarter not in (1, 2, 3, 4):
        raise PeriodCodeError(f"季度应为 1—4，而不是 {quarter}。")
    last_month = 3 * quarter
    ends_on = dt.date(year, last_month, calendar.monthrange(year, last_month)[1])
    opens_on = ends_on + dt.timedelta(days=1)
    return Window(dt.date(year, last_month - 2, 1), ends_on, opens_on, opens_on.replace(day=15))


@transaction.atomic
def create_period(year: int, quarter: int | None = None, *, actor: User | None = None) -> ReportingPeriod:
    """The period with its standard window; an existing period is returned as it is (dates may have been
    moved by the national office on purpose)."""
    code = period_code(year, quarter)
    existing = ReportingPeriod.objects.filter(code=code).first()
    if existing:
        return existing
    w = window(year, quarter)
    period = ReportingPeriod.objects.create(
        code=code,
        kind=PeriodKind.ANNUAL if quarter is None else PeriodKind.QUARTERLY,
        year=year,
        quarter=quarter,
        starts_on=w.starts_on,
        ends_on=w.ends_on,
        opens_on=w.opens_on,
        due_on=w.due_on,
    )
    record(actor, "monitoring.create_period", period, reason=f"截止日期 {w.due_on:%Y年%m月%d日}")
    return period


@transaction.atomic
def open_period(period: ReportingPeriod, *, actor: User | None = None) -> int:
    """Open a period for filing and create the report of every active monitored base that has none.

    Monitored are the bases with a functional direction (the third batch, `BaseQuerySet.monitored`); the
    first two batches' bases, which have categories, get no report requests.

    Idempotent: a second call creates nothing. Returns the number of reports created.
    """
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    missing = (
        Base.objects.monitored()
        .filter(status__in=ACTIVE_STATUSES)
        .exclude(pk__in=Report.objects.filter(period=period).values("base_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    reports = [Report(base_id=base_id, period=period) for base_id in missing]
    Report.objects.bulk_create(reports, batch_size=500)
    newly_opened = not period.is_open
    if newly_opened:
        period.is_open = True
        period.opened_at = period.opened_at or timezone.now()
        period.save(update_fields=["is_open", "opened_at"])
    if newly_opened or reports:
        record(
            actor,
            "monitoring.open_period",
            period,
            field="reports",
            new=len(reports),
            reason=f"开放填报，新建 {len(reports)} 份填报",
        )
    return len(reports)


@transaction.atomic
def close_period(period: ReportingPeriod, *, actor: User | None = None) -> None:
    """Stop filing for a period (reports keep their state; reminders stop)."""
    if period.is_open:
        ReportingPeriod.objects.filter(pk=period.pk).update(is_open=False)
        period.is_open = False
        record(actor, "monitoring.close_period", period, field="is_open", old=True, new=False)
