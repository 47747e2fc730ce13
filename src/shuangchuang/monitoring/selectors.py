"""Reads of monitoring data that depend on who asks; scoping comes from the registry's selector."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from shuangchuang.registry.models import Base
from shuangchuang.registry.selectors import base_scope_filter

from .models import Report


def visible_reports(user: Any) -> QuerySet[Report]:
    scope = base_scope_filter(user)
    if scope is None or not user.sees_program_data:
        return Report.objects.none()
    return Report.objects.filter(base__in=Base.objects.filter(scope).values("pk")).select_related(
        "base", "base__direction", "base__authority", "base__province", "period"
    )


def get_visible_report(user: Any, pk: int) -> Report:
    """The report, or 404 when it does not exist or lies outside the user's scope."""
    return get_object_or_404(visible_reports(user), pk=pk)
