"""The English of what evaluation writes into stored text: why a base was left out of a run, and the audit
row of a run started. Registered from `EvaluationConfig.ready()`."""

from __future__ import annotations

import re

from django.utils.translation import gettext

from shuangchuang.core.audit_words import register_reason
from shuangchuang.registry.models import Direction

DEFAULT_NAME = re.compile(r"(?P<year>\d{4})年度(?P<direction>.+)方向绩效评估方案")


def scheme_words(name: str) -> str:
    """A default scheme's name (as stored) in the reader's language; another name as given."""
    match = DEFAULT_NAME.fullmatch(name)
    direction = Direction.objects.filter(name=match["direction"]).first() if match else None
    if match is None or direction is None:
        return name
    return gettext("%(year)d年度%(direction)s方向绩效评估方案") % {
        "year": int(match["year"]),
        "direction": direction.label,
    }


def register() -> None:
    register_reason(
        r"数据完整率 (?P<percent>\d+)%，低于方案要求",
        lambda m, o: gettext("数据完整率 %(percent)s%%，低于方案要求") % m.groupdict(),
    )
    register_reason(
        r"发起(?P<scheme>.+)",
        lambda m, o: gettext("发起%(scheme)s") % {"scheme": scheme_words(m["scheme"])},
        action="evaluation.start",
    )
