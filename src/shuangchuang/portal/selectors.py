"""What the public may read: the registry of bases (all batches), their status history, the values of
indicators the national office marked public, and the program-wide index. Nothing here depends on who asks:
the portal has no login, so every read is of published data only."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, Prefetch, QuerySet
from django.urls import reverse
from django.utils.http import urlencode

from shuangchuang.assessment.models import Decision, DecisionItem, DecisionState
from shuangchuang.monitoring.models import PeriodKind, ReportState, ReportValue
from shuangchuang.registry.models import Base, BaseKind, Batch, Direction, Province

APPROVED_STATES = (ReportState.APPROVED, ReportState.LOCKED)

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


def registry_fingerprint() -> str:
    """Changes whenever a base is added, changed or removed: the key of the cached public pages."""
    found = Base.objects.aggregate(n=Count("pk"), last=Max("updated_at"))
    return f"{found['n']}-{found['last'].timestamp() if found['last'] else 0}"


def public_bases(params: dict[str, Any]) -> QuerySet[Base]:
    """The registry as the public sees it, filtered by batch, direction, kind, province or a search."""
    bases = Base.objects.select_related("batch", "direction", "province")
    if (batch := params.get("batch")) and str(batch).isdigit():
        bases = bases.filter(batch__number=int(batch))
    if direction := params.get("direction"):
        bases = bases.filter(direction__code=direction)
    if (kind := params.get("kind")) in BaseKind.values:
        bases = bases.filter(kind=kind)
    if province := params.get("province"):
        bases = bases.filter(province_id=province)
    if query := params.get("q"):
        bases = bases.search(str(query)[:50])
    return bases


def filter_choices() -> dict[str, Any]:
    return {
        "batches": list(Batch.objects.order_by("number")),
        "directions": list(Direction.objects.order_by("kind", "order")),
        "provinces": list(Province.objects.order_by("code")),
        "kinds": BaseKind.choices,
    }


def province_map() -> list[dict[str, Any]]:
    """Bases per province-level division, for the public map (a click opens the province's list)."""
    counts = dict(Base.objects.values_list("province_id").annotate(n=Count("pk")).order_by())
    base_list = reverse("portal:base_list")
    return [
        {
            "code": p.code,
            "name": MAP_NAMES.get(p.code, p.short_name),
            "label": p.label,
            "bases": counts.get(p.code, 0),
            "url": f"{base_list}?{urlencode({'province': p.code})}",
        }
        for p in Province.objects.order_by("code")
    ]


def summary() -> dict[str, Any]:
    by_batch = (
        Base.objects.values("batch__number", "batch__year").annotate(n=Count("pk")).order_by("batch__number")
    )
    by_direction = (
        Base.objects.filter(direction__kind=Direction.Kind.DIRECTION)
        .values("direction__code")
        .annotate(n=Count("pk"))
        .order_by("direction__order")
    )
    labels = {d.code: d.label for d in Direction.objects.all()}
    return {
        "total": Base.objects.count(),
        "by_batch": list(by_batch),
        "by_direction": [
            {"code": r["direction__code"], "label": labels[r["direction__code"]], "n": r["n"]}
            for r in by_direction
        ],
    }


def public_figures(base: Base) -> list[ReportValue]:
    """The base's approved annual values of the indicators marked public (never any other reported
    figure of a single base)."""
    return list(
        ReportValue.objects.filter(
            report__base=base,
            report__state__in=APPROVED_STATES,
            report__period__kind=PeriodKind.ANNUAL,
            indicator__public_flag__isnull=False,
            number__isnull=False,
        )
        .select_related("indicator_version", "report__period")
        .order_by("indicator__order", "-report__period__year")
    )


def published_decisions() -> QuerySet[Decision]:
    """The decisions of the program once published (通报): never one still proposed, approved or on notice."""
    return (
        Decision.objects.filter(state=DecisionState.PUBLISHED)
        .select_related("cycle")
        .prefetch_related(
            Prefetch("items", queryset=DecisionItem.objects.select_related("base").order_by("base__code"))
        )
        .order_by("-published_at", "-pk")
    )
