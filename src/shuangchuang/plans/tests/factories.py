"""Small plans for tests: a three-year plan of a base with one linked and one hand-reported goal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from shuangchuang.accounts.models import User
from shuangchuang.monitoring.models import Indicator, IndicatorVersion
from shuangchuang.plans import services
from shuangchuang.plans.models import Plan
from shuangchuang.registry.models import Base


def indicator(code: str = "JOBS", name: str = "带动就业人数", unit: str = "人") -> Indicator:
    found = Indicator.objects.filter(code=code).first()
    if found:
        return found
    made = Indicator.objects.create(code=code, section="测试", frequency="annual")
    IndicatorVersion.objects.create(
        indicator=made, valid_from_year=2020, name=name, unit=unit, value_type="count"
    )
    return made


def draft_plan(
    operator: User, *, start: int = 2024, end: int = 2026, linked: Indicator | None = None
) -> Plan:
    base = Base.objects.get(pk=operator.base_id)
    plan = services.create_plan(
        base, actor=operator, title="建设方案", start_year=start, end_year=end, focus="科技成果转化"
    )
    services.save_goal(
        plan,
        services.GoalData(
            name="带动就业",
            baseline=Decimal(100),
            targets={start: Decimal(130), start + 1: Decimal(160), end: Decimal(200)},
            indicator=linked,
        ),
        actor=operator,
    )
    services.save_task(
        plan,
        services.TaskData(
            title="建设中试基地",
            owner="管委会",
            deadline=dt.date(end, 12, 31),
            milestones=[("完成选址", dt.date(start, 6, 30))],
        ),
        actor=operator,
    )
    return plan


def approved_plan(operator: User, reviewer: User, **kwargs: object) -> Plan:
    plan = draft_plan(operator, **kwargs)  # type: ignore[arg-type]
    services.submit_plan(plan, actor=operator)
    return services.approve_plan(plan, actor=reviewer)
