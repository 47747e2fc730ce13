"""Reads of the registry that do more than scope (filters, counts). Who sees which base is
`Base.objects.restrict(user)` (`models.BaseQuerySet.scope`), the one place it is decided."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from shuangchuang.core.policy import Someone, reaches_everything

from .models import Base, BaseKind, BaseQuerySet, Direction, Province
from .reference import announced_total


def filter_bases(bases: BaseQuerySet, params: dict[str, Any]) -> BaseQuerySet:
    """Apply the list page's filters; unknown or empty values are ignored rather than failing."""
    if batch := params.get("batch"):
        bases = bases.filter(batch__number=batch) if str(batch).isdigit() else bases.none()
    if direction := params.get("direction"):
        bases = bases.filter(direction__code=direction)
    if (kind := params.get("kind")) in BaseKind.values:
        bases = bases.filter(kind=kind)
    if province := params.get("province"):
        bases = bases.filter(province_id=province)
    if status := params.get("status"):
        bases = bases.filter(status=status)
    if query := params.get("q"):
        bases = bases.search(query)
    return bases


def province_summary(user: Someone) -> list[dict[str, Any]]:
    """One row per province-level division: the user's visible bases counted by direction."""
    bases = Base.objects.restrict(user)
    directions = list(Direction.objects.filter(bases__in=bases).distinct().order_by("order"))
    counts = {f"n_{d.pk}": Count("bases", filter=Q(bases__in=bases, bases__direction=d)) for d in directions}
    rows = (
        Province.objects.annotate(total=Count("bases", filter=Q(bases__in=bases)), **counts)
        .order_by("code")
        .values("code", "name", "short_name", "total", *counts)
    )
    return [dict(row, by_direction=[(d, row[f"n_{d.pk}"]) for d in directions]) for row in rows]


def batch_coverage(user: Someone, batch: Any) -> dict[str, int] | None:
    """For a batch of which the registry holds fewer bases than its notice names: how many of how many.

    Only program-wide readers are told (the count is of the whole registry, not of their scope).
    """
    if not batch or not str(batch).isdigit() or not reaches_everything(Base, user):
        return None
    number = int(batch)
    announced = announced_total(number)
    loaded = Base.objects.filter(batch__number=number).count()
    if not announced or loaded >= announced:
        return None
    return {"number": number, "loaded": loaded, "announced": announced}
