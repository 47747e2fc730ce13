"""The reasons of a proposal in the reader's language: stored as codes with parameters (`scoring.reason`),
worded here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext

from .models import Grade


def reason_text(reason: Mapping[str, Any]) -> str:
    p = dict(reason.get("params", {}))
    code = reason.get("code", "")
    if "grade" in p and p["grade"] in Grade.values:
        p["grade"] = Grade(p["grade"]).label
    if "group" in p:
        p["group"] = gettext(str(p["group"]))
    texts = {
        "missed_periods": gettext("有 %(count)s 个报告期未报送数据，未满足必备条件"),
        "no_score": gettext("缺少定量或定性得分，未计总分"),
        "arbitration": gettext("评估专家评分相差 %(spread)s 分，超过允许差距，须仲裁"),
        "interval_crosses_pass": gettext(
            "总分区间 %(low)s–%(high)s 跨越合格线 %(cut)s，须人工研判，不自动提出"
        ),
        "two_fails": gettext("连续两个评估周期不合格（本周期总分 %(total)s）"),
        "fail_grade": gettext("总分 %(total)s 低于合格线 %(cut)s，等次为不合格"),
        "grade_too_low": gettext("同类排名靠前，但等次为%(grade)s，未达表彰要求"),
        "reporting_incomplete": gettext("同类排名靠前，但有迟报 %(late)s 期、漏报 %(missed)s 期"),
        "open_flags": gettext("同类排名靠前，但有 %(count)s 项数据异常提示未说明"),
        "interval_crosses_commend": gettext(
            "排名区间 %(rank_low)s–%(rank_high)s 跨越表彰名额（前 %(places)s 名），须人工研判"
        ),
        "top_of_group": gettext("%(group)s第 %(rank)s 名，总分 %(total)s，报送完整及时"),
    }
    template = texts.get(code)
    if template is None:
        return code
    try:
        return template % p
    except (KeyError, TypeError, ValueError):
        return template
