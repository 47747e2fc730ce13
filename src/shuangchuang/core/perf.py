"""Where list pages spent their time, fixed once for every model (issue 14; `benchmarks/bench_pages.py`).

Django's ``get_FOO_display()`` rebuilds ``dict(make_hashable(field.flatchoices))`` on every call. Hashing
the lazy labels translates each of them, so a status column on a 50-row page ran ``gettext`` once per
choice per row (about 900 calls on the base list) — 44 µs per cell, more than the rest of the row. Here
each field's value → label map is built once (the labels stay lazy: the reader's language is still chosen
at each call) and a call costs one dictionary look-up and one translation.
"""

from __future__ import annotations

import functools
import re
from functools import partialmethod
from typing import Any

from django.apps import apps
from django.db import models
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.encoding import force_str

_CACHE_ATTRIBUTE = "_shuangchuang_choice_labels"


def choice_labels(field: models.Field[Any, Any]) -> dict[Any, Any]:
    """The field's value → (lazy) label map, built on first use and kept on the field."""
    labels: dict[Any, Any] | None = field.__dict__.get(_CACHE_ATTRIBUTE)
    if labels is None:
        labels = {value: label for value, label in field.flatchoices}
        field.__dict__[_CACHE_ATTRIBUTE] = labels
    return labels


def _display(instance: models.Model, field: models.Field[Any, Any]) -> Any:
    value = getattr(instance, field.attname)
    try:
        label = choice_labels(field).get(value, value)
    except TypeError:  # an unhashable value (a JSON field with choices): Django's own way
        return models.Model._get_FIELD_display(instance, field)  # type: ignore[attr-defined]
    return force_str(label, strings_only=True)


def install_fast_choice_display() -> None:
    """Give every model's ``get_FOO_display`` the cached map (models that define their own keep it)."""
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if not field.choices:
                continue
            name = f"get_{field.name}_display"
            current = model.__dict__.get(name)
            if isinstance(current, partialmethod) and current.func is models.Model._get_FIELD_display:  # type: ignore[attr-defined]
                setattr(model, name, partialmethod(_display, field=field))


_SLUG = re.compile(r"[-\w]+", re.ASCII)
_MARKER = "8086420975312468"  # digits: it passes the int and slug converters alike


@functools.lru_cache(maxsize=512)
def _path_pattern(viewname: str, urlconf: str | None, prefix: str, arity: int) -> str:
    # the prefix is part of the key: the same view under another SCRIPT_NAME has another path
    return reverse(viewname, urlconf=urlconf, args=[f"{_MARKER}{i}" for i in range(arity)])


def cached_reverse(viewname: str, *args: int | str) -> str:
    """``reverse(viewname, args=args)`` for the links of a list's rows: the URL resolver is asked once per
    view name and URL configuration, then each row's path is the pattern with its arguments put in (only
    whole numbers and slugs, which need no quoting; anything else goes through ``reverse``)."""
    if not all(isinstance(arg, int) or _SLUG.fullmatch(arg) for arg in args):
        return reverse(viewname, args=args)
    path = _path_pattern(viewname, get_urlconf(), get_script_prefix(), len(args))
    for i, arg in enumerate(args):
        path = path.replace(f"{_MARKER}{i}", str(arg), 1)
    return path
