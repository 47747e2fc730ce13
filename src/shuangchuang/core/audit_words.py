"""The audit log in words: what its rows store as codes (`state`, `reviewed`, `REVENUE`,
`JOBS_TOTAL.explanation`, `monitoring.Report`) named in the reader's language.

Rows keep what was written, in the platform's language, as the record. Core names what the models say
(a field's verbose_name, a choice's label, the model's name); an app adds what only it knows — an
indicator's name behind its code, the English of the reasons it writes — by registering it here from its
AppConfig.ready() (a lower floor never imports a higher one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import get_language, gettext, pgettext

from .models import AuditEvent

SYSTEM = "系统"  # audit.py's name for changes made by commands and the shipped data

# object type → function(field keys on this page) → {key: name}, for keys the model cannot name itself
FieldNames = Callable[[set[str]], dict[str, str]]
# object type → function(object ids on this page) → {id: name}, where the stored text is a code
ObjectNames = Callable[[set[str]], dict[str, str]]

_field_names: dict[str, list[FieldNames]] = {}
_object_names: dict[str, ObjectNames] = {}
# what the app writes as a reason → its words in English, given the match and the row's object in words
ReasonWords = Callable[[re.Match[str], str], str]


@dataclass(frozen=True)
class _Reason:
    pattern: re.Pattern[str]
    words: ReasonWords
    action: str  # only for this action's rows ("" for any)
    every_language: bool  # also in Chinese (for reasons stored as codes)


_reasons: list[_Reason] = []


def register_field_names(object_type: str, names: FieldNames) -> None:
    _field_names.setdefault(object_type, []).append(names)


def register_object_names(object_type: str, names: ObjectNames) -> None:
    _object_names[object_type] = names


def register_reason(
    pattern: str, words: ReasonWords, *, action: str = "", every_language: bool = False
) -> None:
    """A reason the app itself writes (`截止日期 2025年10月15日`), as a regular expression matching the whole
    stored text, and what to show in English (or, with `every_language`, in any language). Reasons a
    person typed are shown as they were typed."""
    _reasons.append(_Reason(re.compile(pattern), words, action, every_language))


def reason_words(reason: str, object_words: str = "", action: str = "") -> str:
    """The reason in the reader's language: stored Chinese in Chinese; in English the app's own reasons."""
    if not reason:
        return reason
    english = get_language() == "en"
    for known in _reasons:
        applies = (english or known.every_language) and known.action in ("", action)
        if applies and (match := known.pattern.fullmatch(reason)):
            return known.words(match, object_words)
    return reason


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    actor: str
    object_type: str
    object: str
    changes: list[Change]
    reason: str


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _model_field(model: type[models.Model] | None, name: str) -> Any:
    if model is None or not name:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _field_name(model: type[models.Model] | None, key: str, named: dict[str, str]) -> str:
    if key in named:
        return named[key]
    field = _model_field(model, key)
    if field is None:
        return key
    if field.is_relation and not hasattr(field, "verbose_name"):  # a reverse relation: the other model
        return str(field.related_model._meta.verbose_name_plural)
    return str(field.verbose_name)


def value_words(value: Any, field: Any = None) -> str:
    """A stored value as the page shows it: a choice by its label, yes/no, lists joined; "—" for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, list):
        return pgettext("list separator", "、").join(value_words(v) for v in value)
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def audit_rows(events: Iterable[AuditEvent]) -> list[AuditRow]:
    """The page's events with their codes named; one query per object type that registered names."""
    events = list(events)
    keys: dict[str, set[str]] = {}
    ids: dict[str, set[str]] = {}
    for event in events:
        keys.setdefault(event.object_type, set()).update(name for name, _, _ in event.changes if name)
        ids.setdefault(event.object_type, set()).add(event.object_id)
    named_fields: dict[str, dict[str, str]] = {}
    for object_type, wanted in keys.items():
        named_fields[object_type] = {}
        for names in _field_names.get(object_type, []):
            named_fields[object_type].update(names(wanted))
    named_objects = {
        object_type: _object_names[object_type](wanted)
        for object_type, wanted in ids.items()
        if object_type in _object_names
    }
    rows = []
    for event in events:
        model = _model(event.object_type)
        named = named_fields.get(event.object_type, {})
        changes = []
        for key, old, new in event.changes:
            if not key and old is None and new is None:
                continue  # an event without a field: a creation, a deletion
            field = _model_field(model, key)
            changes.append(
                Change(_field_name(model, key, named), value_words(old, field), value_words(new, field))
            )
        object_words = named_objects.get(event.object_type, {}).get(event.object_id, event.object_repr)
        rows.append(
            AuditRow(
                event=event,
                actor=gettext("系统")
                if event.actor_id is None and event.actor_name == SYSTEM
                else event.actor_name,
                object_type=str(model._meta.verbose_name) if model else event.object_type,
                object=object_words,
                changes=changes,
                reason=reason_words(event.reason, object_words, event.action),
            )
        )
    return rows
