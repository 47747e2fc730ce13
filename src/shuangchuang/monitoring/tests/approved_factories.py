"""Fixed, hand-countable approved data (used by the dashboards and the portal): the four headline indicators,
two annual periods and a few reports in known states, approved by a known account."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from shuangchuang.accounts.models import Role, User
from shuangchuang.core.audit import audit_event
from shuangchuang.monitoring.models import (
    Indicator,
    IndicatorVersion,
    Report,
    ReportingPeriod,
    ReportState,
    ReportValue,
)
from shuangchuang.registry.models import Base

HEADLINE = [
    ("JOBS_TOTAL", "带动就业人数", "Jobs created", "人"),
    ("NEW_ENTITIES", "新登记市场主体数", "New market entities registered", "户"),
    ("FUNDING_RAISED", "获得投融资额", "Funding raised", "千元"),
    ("RD_SPEND", "研究与试验发展（R&D）经费支出", "R&D expenditure", "千元"),
]


def make_headline_catalogue() -> dict[str, Indicator]:
    found = {}
    for order, (code, name, name_en, unit) in enumerate(HEADLINE):
        indicator, _ = Indicator.objects.get_or_create(
            code=code, defaults={"section": "测试", "order": order}
        )
        IndicatorVersion.objects.get_or_create(
            indicator=indicator,
            valid_from_year=2021,
            defaults={"name": name, "name_en": name_en, "unit": unit, "value_type": "count"},
        )
        found[code] = indicator
    return found


def annual_period(year: int) -> ReportingPeriod:
    period, _ = ReportingPeriod.objects.get_or_create(
        code=f"{year}A",
        defaults={
            "kind": "annual",
            "year": year,
            "starts_on": dt.date(year, 1, 1),
            "ends_on": dt.date(year, 12, 31),
            "opens_on": dt.date(year + 1, 1, 1),
            "due_on": dt.date(year + 1, 2, 28),
        },
    )
    return period


def approver() -> User:
    user, _ = User.objects.get_or_create(
        username="approver-ndrc", defaults={"role": Role.NATIONAL_ADMIN, "first_name": "核准人"}
    )
    return user


def report(base_code: str, year: int, state: str = ReportState.APPROVED, **values: int) -> Report:
    """A report of a base's annual period in `state`, with its values, and — when approved or locked — its
    approval by `approver()` on 10 March of the following year."""
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=values)}
    approved_at = timezone.make_aware(dt.datetime(year + 1, 3, 10, 9, 30))
    approved = state in (ReportState.APPROVED, ReportState.LOCKED)
    made = Report.objects.create(
        base=Base.objects.get(code=base_code),
        period=annual_period(year),
        state=state,
        submitted_at=approved_at - dt.timedelta(days=20),
        approved_at=approved_at if approved else None,
    )
    ReportValue.objects.bulk_create(
        ReportValue(
            report=made,
            indicator=indicators[code],
            indicator_version=indicators[code].versions.get(),
            number=Decimal(value),
        )
        for code, value in values.items()
    )
    if approved:
        # the audit log is append-only: the row is written with its time, never changed afterwards
        event = audit_event(
            approver(), "monitoring.approve", made, field="state", old="reviewed", new="approved"
        )
        event.at = approved_at
        event.save()
    return made


def fixed_program() -> None:
    """Two years of a handful of bases:

    2025: 晋城 (山西, employment, region) approved JOBS 100, FUNDING 50; 横州 (广西, employment, region) locked
    JOBS 200, FUNDING 30; 厦门大学 (福建, employment, university) approved JOBS 40; 惠州仲恺 (广东, integration,
    region) approved FUNDING 20; 中国华润 (广东, integration, enterprise) reviewed only — not counted — JOBS
    999; 襄阳 (湖北, lean) returned — not counted — FUNDING 999.
    2024: 晋城 JOBS 80; 横州 JOBS 120, FUNDING 40.
    So 2025: JOBS 340 (2024: 200, +70%), FUNDING 100 (2024: 40, +150%).
    """
    make_headline_catalogue()
    report("B3-001", 2025, JOBS_TOTAL=100, FUNDING_RAISED=50)
    report("B3-012", 2025, ReportState.LOCKED, JOBS_TOTAL=200, FUNDING_RAISED=30)
    report("B3-023", 2025, JOBS_TOTAL=40)
    report("B3-040", 2025, FUNDING_RAISED=20)
    report("B3-050", 2025, ReportState.REVIEWED, JOBS_TOTAL=999)
    report("B3-070", 2025, ReportState.RETURNED, FUNDING_RAISED=999)
    report("B3-001", 2024, JOBS_TOTAL=80)
    report("B3-012", 2024, JOBS_TOTAL=120, FUNDING_RAISED=40)
