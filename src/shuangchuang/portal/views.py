"""The public portal: no login, in Chinese and English, published information only. Each page reads through
`selectors` (the registry, the values of indicators marked public, the index), never a user's scope."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from shuangchuang.monitoring.units import unit_label
from shuangchuang.records.models import ExperienceQuerySet, ExperienceTheme
from shuangchuang.records.selectors import published_experiences
from shuangchuang.registry.models import Base, BaseNameHistory, BaseStatusHistory

from . import selectors
from .index import development_index

PUBLIC_MENU = [
    ("portal:home", _("首页")),
    ("portal:base_list", _("示范基地名单")),
    ("portal:experience_list", _("改革经验")),
    ("portal:decision_list", _("决定与通报")),
    ("portal:index", _("双创发展指数")),
]


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"public_menu": PUBLIC_MENU, **context})


def home(request: HttpRequest) -> HttpResponse:
    index = development_index()
    national = index["series"][0] if index else None
    return _render(
        request,
        "portal/home.html",
        {
            "summary": selectors.summary(),
            "map": selectors.province_map(),
            "index": index,
            "national": national,
            "latest": national["composite"][-1] if national else None,
        },
    )


def base_list(request: HttpRequest) -> HttpResponse:
    """The registry for the public. The list is rendered once per query and language until a base
    changes (a fragment cache keyed by the registry's fingerprint): the queries run only then."""
    key = f"{selectors.registry_fingerprint()}:{get_language()}:{request.GET.urlencode()}"
    if cache.get(make_template_fragment_key("public_list", [key])) is not None:
        return _render(request, "portal/base_list.html", {"cache_key": key})
    bases = selectors.public_bases(request.GET.dict())
    page = Paginator(bases, 50).get_page(request.GET.get("page"))
    context = {"page": page, "total": page.paginator.count, "params": request.GET, "cache_key": key}
    return _render(request, "portal/base_list.html", context | selectors.filter_choices())


def base_detail(request: HttpRequest, code: str) -> HttpResponse:
    base = get_object_or_404(Base.objects.select_related("batch", "direction", "province"), code=code)
    figures: dict[str, list[Any]] = defaultdict(list)
    for value in selectors.public_figures(base):
        figures[value.indicator_version.label].append(value)
    return _render(
        request,
        "portal/base_detail.html",
        {
            "base": base,
            "status_history": BaseStatusHistory.objects.filter(base=base).order_by("changed_at", "pk"),
            "name_history": BaseNameHistory.objects.filter(base=base),
            "experiences": _published().filter(base=base),
            "decision_items": [
                (decision, item)
                for decision in selectors.published_decisions().filter(items__base=base).distinct()
                for item in decision.items.all()
                if item.base_id == base.pk
            ],
            "figures": [
                (label, unit_label(values[0].indicator_version.unit), values)
                for label, values in figures.items()
            ],
        },
    )


def index(request: HttpRequest) -> HttpResponse:
    return _render(request, "portal/index.html", {"index": development_index()})


def _published() -> ExperienceQuerySet:
    """Every published experience (without a search the selector gives a queryset)."""
    found = published_experiences()
    assert isinstance(found, ExperienceQuerySet)
    return found


def experience_list(request: HttpRequest) -> HttpResponse:
    """The experiences the national office has published (records' own selector), searched in Chinese."""
    query = request.GET.get("q", "")[:100]
    theme = request.GET.get("theme", "")
    direction = request.GET.get("direction", "")
    found = published_experiences(
        query, theme=theme if theme in ExperienceTheme.values else "", direction=direction
    )
    page = Paginator(found, 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "total": page.paginator.count,
        "params": request.GET,
        "themes": ExperienceTheme.choices,
        "directions": selectors.filter_choices()["directions"],
    }
    return _render(request, "portal/experience_list.html", context)


def experience_detail(request: HttpRequest, experience_id: int) -> HttpResponse:
    """A published experience; anything else (a draft, one under review, withdrawn) is a 404."""
    experience = get_object_or_404(_published(), pk=experience_id)
    return _render(request, "portal/experience_detail.html", {"experience": experience})


def decision_list(request: HttpRequest) -> HttpResponse:
    """The published decisions (通报) with the bases each names and what was decided for each."""
    return _render(request, "portal/decision_list.html", {"decisions": selectors.published_decisions()})
