"""The English of what the assessment writes into stored text (audit reasons, status-history reasons).
Registered from `AssessmentConfig.ready()`."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext

from shuangchuang.core.audit_words import ObjectNames, register_object_names, register_reason

from . import models
from .models import Outcome, Stage


def _outcome(label: str) -> str:
    for choice in Outcome:
        if str(choice.label) == label or gettext(str(choice.label)) == label:
            return gettext(str(choice.label))
    return label


def _ids(ids: set[str]) -> list[int]:
    return [int(i) for i in ids if i.isdigit()]


def cycle_words(year: int) -> str:
    return gettext("%(year)s年度评估") % {"year": year}


def decision_words(decision: models.Decision) -> str:
    return gettext("%(year)s年度评估") % {"year": decision.cycle.year} + " · " + gettext("调整决定")


def _names(model: type[Model], words: Callable[[Any], str], *related: str) -> ObjectNames:
    def names(ids: set[str]) -> dict[str, str]:
        rows = model._default_manager.filter(pk__in=_ids(ids)).select_related(*related)
        return {str(row.pk): words(row) for row in rows}

    return names


def _base_part(row: Any) -> str:
    return f"{row.base.short_name} · {row._meta.verbose_name}"


def register_objects() -> None:
    register_object_names(
        models.AssessmentCycle._meta.label, _names(models.AssessmentCycle, lambda c: cycle_words(c.year))
    )
    register_object_names(
        models.ScoreSheet._meta.label,
        _names(models.ScoreSheet, lambda s: f"{s.base.short_name} · {s.get_source_display()}", "base"),
    )
    for model in (
        models.SelfAssessment,
        models.SiteVisit,
        models.BonusClaim,
        models.Rectification,
        models.ConflictDeclaration,
    ):
        register_object_names(
            model._meta.label,
            _names(model, _base_part, "base"),
        )
    register_object_names(models.Decision._meta.label, _names(models.Decision, decision_words, "cycle"))
    register_object_names(
        models.DecisionItem._meta.label,
        _names(models.DecisionItem, lambda i: f"{i.base.short_name} · {i.get_action_display()}", "base"),
    )
    register_object_names(
        models.Objection._meta.label,
        _names(models.Objection, lambda o: f"{o.received_from} · {o._meta.verbose_name}"),
    )
    register_object_names(
        models.RewardMeasure._meta.label, _names(models.RewardMeasure, lambda r: gettext(r.title))
    )
    register_object_names(models.WhatIf._meta.label, _names(models.WhatIf, lambda w: w.name))


def register() -> None:
    register_objects()
    register_reason(
        r"关于(?P<year>\d{4})年度双创示范基地评估结果和动态调整的通报（(?P<action>.+)）",
        lambda m, o: (
            gettext("关于%(year)s年度双创示范基地评估结果和动态调整的通报（%(action)s）")
            % {"year": m["year"], "action": _outcome(m["action"])}
        ),
    )
    register_reason(
        r"开启(?P<year>\d{4})年度评估", lambda m, o: gettext("开启%(year)s年度评估") % m.groupdict()
    )
    register_reason(r"提交整改报告", lambda m, o: gettext("提交整改报告"))
    register_reason(r"整改通过", lambda m, o: gettext("整改通过"))
    register_reason(r"提交", lambda m, o: gettext("提交"), action="assessment.self")
    register_reason(r"保存", lambda m, o: gettext("保存"), action="assessment.self")
    labels = {str(stage.label): stage for stage in Stage}

    def assigned(match: re.Match[str], object_words: str) -> str:
        return f"{gettext(str(labels[match['stage']].label))} {match['n']}"

    register_reason(r"(?P<stage>" + "|".join(labels) + r") (?P<n>\d+)", assigned, action="assessment.assign")
