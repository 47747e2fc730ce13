"""The English of what evaluation writes into stored text: why a base was left out of a run, and the audit
row of a run started. Registered from `EvaluationConfig.ready()`."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext, gettext_noop

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


def _fixed(words: str) -> Callable[[re.Match[str], str], str]:
    """Words for a stored text without parts: its translation."""
    return lambda match, object_words: gettext(words)


def register() -> None:
    from .services import (
        INTERRUPTED,
        LOST_WORKER,
        NOT_QUEUED,
        STAGE_DONE,
        STAGE_FAILED,
        STAGE_READ,
        STAGE_SCORE,
        STAGE_STORE,
        STAGE_UNCERTAINTY,
        UNEXPECTED,
    )

    # A run's stage and error, as stored by services (the page shows them with `|reason`).
    for stage, words in (
        (STAGE_READ, gettext_noop("读取已核准数据")),
        (STAGE_SCORE, gettext_noop("计算综合得分")),
        (STAGE_STORE, gettext_noop("保存结果")),
        (STAGE_DONE, gettext_noop("完成")),
        (STAGE_FAILED, gettext_noop("失败")),
        (INTERRUPTED, gettext_noop("任务执行器在计算中被停止，本次评估未完成，请重新发起。")),
    ):
        register_reason(re.escape(stage), _fixed(words))
    register_reason(
        re.escape(STAGE_UNCERTAINTY).replace(re.escape("{n}"), r"(?P<n>\d+)"),
        lambda m, o: gettext("不确定性分析（%(n)s 次蒙特卡洛模拟）") % m.groupdict(),
    )
    register_reason(
        re.escape(LOST_WORKER)
        .replace(re.escape("{at}"), r"(?P<at>[\d: -]+)")
        .replace(re.escape("{seconds}"), r"(?P<seconds>\d+)"),
        lambda m, o: (
            gettext(
                "任务执行器已失联（最后心跳 %(at)s，超过 %(seconds)s 秒未更新），本次评估未完成，请重新发起。"
            )
            % m.groupdict()
        ),
    )
    register_reason(
        re.escape(UNEXPECTED) + r"(?P<detail>.*)",
        lambda m, o: gettext("计算时发生程序错误：%(detail)s") % m.groupdict(),
    )
    register_reason(
        re.escape(NOT_QUEUED) + r"(?P<detail>.*)",
        lambda m, o: gettext("无法提交到任务队列：%(detail)s") % m.groupdict(),
    )
    register_reason(
        r"数据完整率 (?P<percent>\d+)%，低于方案要求",
        lambda m, o: gettext("数据完整率 %(percent)s%%，低于方案要求") % m.groupdict(),
    )
    register_reason(
        r"发起(?P<scheme>.+)",
        lambda m, o: gettext("发起%(scheme)s") % {"scheme": scheme_words(m["scheme"])},
        action="evaluation.start",
    )
