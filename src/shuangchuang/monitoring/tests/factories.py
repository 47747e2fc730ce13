"""Small, explicit test data for monitoring: a seven-indicator form and periods."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from shuangchuang.monitoring.catalogue import insert_indicators
from shuangchuang.monitoring.models import (
    CrossCheck,
    Indicator,
    IndicatorVersion,
    Report,
    ReportingPeriod,
    ReportValue,
)
from shuangchuang.registry.models import Base

# code, section, name, unit, type, frequency, required, part_of, formula, min
SMALL_FORM = [
    ("JOBS", "就业", "带动就业人数", "人", "count", "quarterly", True, None, "", 0),
    ("JOBS_GRAD", "就业", "其中：吸纳应届高校毕业生", "人", "count", "quarterly", True, "JOBS", "", 0),
    ("REVENUE", "经营", "营业收入", "千元", "money", "annual", True, None, "", 0),
    ("RD", "经营", "研发投入", "千元", "money", "annual", True, None, "", 0),
    (
        "RD_INTENSITY",
        "经营",
        "研发投入强度",
        "%",
        "percent",
        "annual",
        False,
        None,
        "RD / REVENUE * 100",
        None,
    ),
    (
        "JOBS_GROWTH",
        "就业",
        "带动就业人数增速",
        "%",
        "percent",
        "quarterly",
        False,
        None,
        "growth(JOBS)",
        None,
    ),
    ("HAS_FUND", "政策", "是否设立双创基金", "", "boolean", "annual", False, None, "", None),
    ("NOTE", "政策", "工作亮点", "", "text", "annual", False, None, "", None),
]


def make_small_catalogue(year: int = 2020) -> dict[str, Indicator]:
    """The SMALL_FORM indicators with their definitions from `year` on (in four statements: many tests
    start with it)."""
    indicators = {
        code: Indicator(code=code, section=section, order=order, frequency=frequency, required=required)
        for order, (code, section, _n, _u, _k, frequency, required, _p, _f, _m) in enumerate(SMALL_FORM)
    }
    insert_indicators(indicators)
    parts = []
    for code, *_rest, part_of, _formula, _minimum in SMALL_FORM:
        if part_of:
            indicators[code].part_of = indicators[part_of]
            parts.append(indicators[code])
    Indicator.objects.bulk_update(parts, ["part_of"])
    IndicatorVersion.objects.bulk_create(
        IndicatorVersion(
            indicator=indicators[code],
            valid_from_year=year,
            name=name,
            unit=unit,
            value_type=kind,
            formula=formula,
            min_value=None if minimum is None else Decimal(minimum),
        )
        for code, _s, name, unit, kind, _f, _r, _p, formula, minimum in SMALL_FORM
    )
    CrossCheck.objects.bulk_create(
        CrossCheck(left=indicator, operator="<=", right=indicator.part_of) for indicator in parts
    )
    return indicators


def make_period(year: int, quarter: int | None = None, *, due: dt.date | None = None) -> ReportingPeriod:
    if quarter is None:
        return ReportingPeriod.objects.create(
            code=f"{year}A",
            kind="annual",
            year=year,
            starts_on=dt.date(year, 1, 1),
            ends_on=dt.date(year, 12, 31),
            opens_on=dt.date(year + 1, 1, 1),
            due_on=due or dt.date(year + 1, 2, 28),
            is_open=True,
        )
    start = dt.date(year, 3 * quarter - 2, 1)
    end = (dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)) - dt.timedelta(days=1)
    return ReportingPeriod.objects.create(
        code=f"{year}Q{quarter}",
        kind="quarterly",
        year=year,
        quarter=quarter,
        starts_on=start,
        ends_on=end,
        opens_on=end + dt.timedelta(days=1),
        due_on=due or end + dt.timedelta(days=15),
        is_open=True,
    )


def make_report(base_code: str, period: ReportingPeriod, state: str = "draft", **values: object) -> Report:
    report = Report.objects.create(base=Base.objects.get(code=base_code), period=period, state=state)
    if values:
        indicators = {
            i.code: i for i in Indicator.objects.filter(code__in=values).prefetch_related("versions")
        }
        ReportValue.objects.bulk_create(
            ReportValue(
                report=report,
                indicator=indicators[code],
                indicator_version=indicators[code].versions.first(),
                number=None if isinstance(value, str) else Decimal(str(value)),
                text=value if isinstance(value, str) else "",
            )
            for code, value in values.items()
        )
    return report
