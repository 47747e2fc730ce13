"""Reads that depend on who asks. Every view, export and command acting for a user goes through here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from shuangchuang.accounts.models import Role

from .models import Base, BaseKind, BaseQuerySet, Direction, Province
from .reference import announced_total

if TYPE_CHECKING:
    from shuangchuang.accounts.models import User

ALL_BASES = Q()


def base_scope_filter(user: User | None) -> Q | None:
    """The condition on `Base` that a user's role and scope allow; None means nothing at all."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return ALL_BASES
    match user.role:
        case Role.NATIONAL_ADMIN | Role.JOINT_MEMBER | Role.AUDITOR:
            return ALL_BASES
        case Role.AUTHORITY:
            return Q(authority_id=user.authority_id) if user.authority_id else None
        case Role.OPERATOR:
            return Q(pk=user.base_id) if user.base_id else None
        case Role.EVALUATOR:
            return Q(pk__in=user.assigned_bases.values("pk"))
        case _:
            return None


def visible_bases(user: User | None) -> BaseQuerySet:
    return Base.objects.restrict(user).select_related("batch", "direction", "province", "authority")


def get_visible_base(user: User | None, code: str) -> Base:
    """The base with this code, or 404 when it does not exist *or* lies outside the user's scope."""
    return get_object_or_404(visible_bases(user), code=code)


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


def province_summary(user: User | None) -> list[dict[str, Any]]:
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


def batch_coverage(user: User | None, batch: Any) -> dict[str, int] | None:
    """For a batch of which the registry holds fewer bases than its notice names: how many of how many.

    Only program-wide readers are told (the count is of the whole registry, not of their scope).
    """
    if not batch or not str(batch).isdigit() or base_scope_filter(user) != ALL_BASES:
        return None
    number = int(batch)
    announced = announced_total(number)
    loaded = Base.objects.filter(batch__number=number).count()
    if not announced or loaded >= announced:
        return None
    return {"number": number, "loaded": loaded, "announced": announced}
