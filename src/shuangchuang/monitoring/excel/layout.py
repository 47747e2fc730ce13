"""What the templates and the uploads share: sheet names, the markers of the layouts, number formats."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from shuangchuang.registry.models import Base

from ..models import (
    IndicatorVersion,
    Report,
    ReportingPeriod,
    ReportValue,
    ValueType,
)
from ..validation import (
    form_key,
    forms_for,
)

DATA_SHEET = "填报数据"
NOTES_SHEET = "说明"
CSV_SHEET = "CSV 文件"
PERIOD_KEY = "报告期代码"
# The hidden code row of the many-bases layout starts with these markers.
BASE_CODE, BASE_NAME, STATE = "base_code", "base_name", "state"
META_COLUMNS = {BASE_CODE: "基地编号", BASE_NAME: "基地名称", STATE: "填报状态"}
REPORT_HEADER = ["指标代码", "指标名称", "计量单位", "本期数值", "上期数值", "情况说明", "指标解释"]

NUMBER_FORMATS = {
    ValueType.COUNT: "#,##0",
    ValueType.MONEY: "#,##0.00",
    ValueType.PERCENT: "0.00",
    ValueType.RATIO: "0.00",
}
BOOLEAN_WORDS = ("是", "否")


# The forms of a set of bases and what they saved: the templates show them, the upload compares with them.


def form_of(base: Base) -> tuple[int, str]:
    return (base.direction_id, base.kind)


def forms_of(
    period: ReportingPeriod, bases: Iterable[Base]
) -> dict[tuple[int, str], dict[str, IndicatorVersion]]:
    """The forms of these bases for the period, by (direction id, kind of base)."""
    keys = {form_key(base, period) for base in bases}
    return {(key[0], key[1]): form for key, form in forms_for(keys).items()}


def saved_values(reports: list[Report]) -> dict[int, dict[str, tuple[Decimal | None, str, str]]]:
    """(number, text, explanation) per report and code. An explanation is that of a flag: a value without
    one has none to show or to compare with."""
    result: dict[int, dict[str, tuple[Decimal | None, str, str]]] = defaultdict(dict)
    rows = ReportValue.objects.filter(report__in=reports).values_list(
        "report_id", "indicator__code", "number", "text", "explanation", "flags"
    )
    for report_id, code, number, text, explanation, flags in rows:
        result[report_id][code] = (number, text, explanation if flags else "")
    return result
