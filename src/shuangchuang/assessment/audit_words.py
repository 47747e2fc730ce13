"""The English of what the assessment writes into stored text (audit reasons, status-history reasons).
Registered from `AssessmentConfig.ready()`."""

from __future__ import annotations

import re

from django.utils.translation import gettext

from shuangchuang.core.audit_words import register_reason

from .models import Outcome, Stage


def _outcome(label: str) -> str:
    for choice in Outcome:
        if str(choice.label) == label or gettext(str(choice.label)) == label:
            return gettext(str(choice.label))
    return label


def register() -> None:
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
