"""The portal's part of the demo: two indicators marked public, so that the bases' public pages show some
approved figures (incubation facilities and entrepreneurship events, which bases publish themselves)."""

from __future__ import annotations

from shuangchuang.accounts.models import User
from shuangchuang.monitoring.models import Indicator

from .services import mark_public

DEMO_PUBLIC = ("INCUBATORS", "EVENTS")


def ensure_demo_public_indicators(national: User) -> list[str]:
    """Mark the demo's public indicators as the national office (`national`) would; repeatable."""
    marked = []
    for indicator in Indicator.objects.filter(code__in=DEMO_PUBLIC):
        mark_public(indicator, actor=national, note="演示：基地自行公开的数据")
        marked.append(indicator.code)
    return [f"公开指标：{'、'.join(marked)}"] if marked else []
