"""Checking what a base reports, before anything is saved.

`plan_changes` takes raw text per indicator for one or many reports and returns a `Plan`: the changes
that would be made (old → new, with outlier flags) and every error (which report, which indicator, why).
It reads the database in a fixed number of queries whatever the number of reports, and writes nothing;
`services.apply_plan` writes a plan.

Three kinds of check:
- types and ranges (hard errors);
- logic between indicators of one report (`CrossCheck`, 其中 ≤ 总数; hard errors);
- outliers (flags, never refusals): against the base's own history (previous period and the same period a
  year before: more than 3× or under ⅓) and against its peers in the direction in the same period by the
  robust modified z-score 0.6745·|x − median| / MAD > 3.5 (Iglewicz & Hoaglin), because these figures are
  heavily skewed and mean ± k·σ would flag half the small bases and none of the large ones.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.utils.translation import gettext

from shuangchuang.registry.models import PEER_GROUPS, BaseKind

from .catalogue import Catalogue
from .formulas import compute_derived
from .models import CrossCheck, Indicator, IndicatorVersion, Report, ReportingPeriod, ReportValue, ValueType

Value = Decimal | str | None

HISTORY_RATIO = Decimal(3)
PEER_Z = 3.5
PEER_MIN = 5
TRUE_WORDS = {"是", "有", "y", "yes", "true", "1", "√"}
FALSE_WORDS = {"否", "无", "n", "no", "false", "0", "×"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class EntryError:
    report: Report
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.report.base.short_name} {self.code}：{self.message}"


@dataclass
class ValueChange:
    report: Report
    indicator: Indicator
    version: IndicatorVersion
    old: Value
    new: Value
    flags: list[dict[str, str]] = field(default_factory=list)
    explanation: str | None = None  # None: leave the stored explanation alone

    @property
    def code(self) -> str:
        return self.indicator.code


@dataclass
class Plan:
    changes: list[ValueChange] = field(default_factory=list)
    errors: list[EntryError] = field(default_factory=list)
    values: dict[int, dict[str, Value]] = field(default_factory=dict)  # report pk → values after the plan
    flags: dict[int, dict[str, list[dict[str, str]]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def reports(self) -> list[Report]:
        return list({c.report.pk: c.report for c in self.changes}.values())


def form_versions(direction_id: int, period: ReportingPeriod) -> dict[str, IndicatorVersion]:
    """The indicators of a direction's form for a period, code → the definition in force that year."""
    return forms_for({(direction_id, period.kind, period.year)})[(direction_id, period.kind, period.year)]


def forms_for(keys: set[tuple[int, str, int]]) -> dict[tuple[int, str, int], dict[str, IndicatorVersion]]:
    """Forms for several (direction id, period kind, year) at once: code → the definition in force."""
    catalogue = Catalogue.current()
    return {key: {v.indicator.code: v for v in catalogue.form(*key)} for key in keys}


def parse_raw(version: IndicatorVersion, raw: Any) -> tuple[Value, str | None]:
    """Text as officials type it → a value, or an error message. Empty means 'no value'."""
    if raw is None:
        return None, None
    if isinstance(raw, Decimal | int | float) and not isinstance(raw, bool):
        text = str(raw)
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip()
    if text in {"", "-", "—", "/"}:
        return None, None
    if version.value_type == ValueType.TEXT:
        return (text, None) if len(text) <= 2000 else (None, gettext("文本超过 2000 字"))
    if version.value_type == ValueType.BOOLEAN:
        word = text.lower()
        if word in TRUE_WORDS:
            return Decimal(1), None
        if word in FALSE_WORDS:
            return Decimal(0), None
        return None, gettext("“%(text)s”应填“是”或“否”") % {"text": text}
    cleaned = text.replace(",", "").replace(" ", "").replace("，", "")
    percent = cleaned.endswith("%")
    cleaned = cleaned.removesuffix("%")
    if not _NUMBER.match(cleaned):
        return None, gettext("“%(text)s”不是数字") % {"text": text}
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None, gettext("“%(text)s”不是数字") % {"text": text}
    if not number.is_finite() or abs(number) >= Decimal("1e15"):
        return None, gettext("“%(text)s”超出可填报的范围") % {"text": text}
    if percent and version.value_type != ValueType.PERCENT:
        return None, gettext("“%(text)s”带有百分号，但本指标单位是“%(unit)s”") % {
            "text": text,
            "unit": version.unit,
        }
    if version.value_type == ValueType.COUNT and number != number.to_integral_value():
        return None, gettext("“%(text)s”应为整数") % {"text": text}
    return number.quantize(Decimal("0.0001")), None


def range_error(version: IndicatorVersion, value: Value) -> str | None:
    if not isinstance(value, Decimal):
        return None
    if version.min_value is not None and value < version.min_value:
        return gettext("%(value)s 小于允许的最小值 %(limit)s") % {
            "value": format_number(value),
            "limit": format_number(version.min_value),
        }
    if version.max_value is not None and value > version.max_value:
        return gettext("%(value)s 大于允许的最大值 %(limit)s") % {
            "value": format_number(value),
            "limit": format_number(version.max_value),
        }
    return None


def format_number(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def _amount(value: Decimal, unit: str) -> str:
    """A number for a person to read in a message: grouped digits and its unit (103,591,696 千元)."""
    text = f"{value.normalize():,f}"
    return f"{text} {unit}" if unit else text


def _stored(value: ReportValue) -> Value:
    return value.number if value.number is not None else (value.text or None)


def _same(a: Value, b: Value) -> bool:
    """Equal values; an empty text is no value, but a zero is a value (0 ≠ empty)."""
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return isinstance(a, Decimal) and isinstance(b, Decimal) and a == b
    return (a or None) == (b or None)


def plan_changes(
    entries: list[tuple[Report, dict[str, Any]]],
    *,
    explanations: dict[tuple[int, str], str] | None = None,
) -> Plan:
    """What saving `entries` (raw text per indicator code, per report) would change, and what is wrong."""
    explanations = explanations or {}
    plan = Plan()
    if not entries:
        return plan
    reports = [r for r, _ in entries]
    periods = {r.period_id: r.period for r in reports}
    forms = forms_for({(r.base.direction_id, r.period.kind, r.period.year) for r in reports})
    stored: dict[int, dict[str, ReportValue]] = defaultdict(dict)
    for value in ReportValue.objects.filter(report__in=reports).select_related("indicator"):
        stored[value.report_id][value.indicator.code] = value
    history = _history_values(reports, periods.values())
    checks = list(CrossCheck.objects.select_related("left", "right"))
    peers = _peer_values(reports)

    for report, raw in entries:
        form = forms[(report.base.direction_id, report.period.kind, report.period.year)]
        current: dict[str, Value] = {code: _stored(v) for code, v in stored[report.pk].items()}
        after: dict[str, Value] = {code: current.get(code) for code in form}
        for code, text in raw.items():
            version = form.get(code)
            if version is None:
                plan.errors.append(EntryError(report, code, gettext("不是本报表的指标")))
                continue
            if version.is_derived:
                continue  # computed, never typed
            parsed, error = parse_raw(version, text)
            if error is None:
                error = range_error(version, parsed)
            if error:
                plan.errors.append(
                    EntryError(
                        report, code, gettext("%(name)s：%(error)s") % {"name": version.name, "error": error}
                    )
                )
                continue
            after[code] = parsed
        formulas = {code: v.formula for code, v in form.items() if v.is_derived}
        numbers = {c: v for c, v in after.items() if isinstance(v, Decimal)}
        last_year = history.get((report.base_id, "last_year", report.pk), {})
        last_numbers = {c: v for c, v in last_year.items() if isinstance(v, Decimal)}
        after.update(compute_derived(formulas, numbers, last_numbers))
        for check in checks:
            left, right = after.get(check.left.code), after.get(check.right.code)
            if check.left.code not in form or not isinstance(left, Decimal) or not isinstance(right, Decimal):
                continue
            broken = left > right if check.operator == "<=" else left < right
            if broken:
                relation = (
                    gettext("%(left)s（%(left_value)s）不应大于%(right)s（%(right_value)s）")
                    if check.operator == "<="
                    else gettext("%(left)s（%(left_value)s）不应小于%(right)s（%(right_value)s）")
                )
                message = check.message or relation % {
                    "left": form[check.left.code].name,
                    "left_value": format_number(left),
                    "right": form[check.right.code].name if check.right.code in form else check.right.code,
                    "right_value": format_number(right),
                }
                plan.errors.append(EntryError(report, check.left.code, message))
        previous = history.get((report.base_id, "previous", report.pk), {})
        report_flags: dict[str, list[dict[str, str]]] = {}
        for code, version in form.items():
            flags = outlier_flags(
                version,
                after.get(code),
                previous.get(code),
                last_year.get(code),
                peers.get(
                    (
                        report.period_id,
                        report.base.direction_id,
                        PEER_GROUPS[BaseKind(report.base.kind)],
                        code,
                    ),
                    NO_PEERS,
                ),
                report.base_id,
            )
            if flags:
                report_flags[code] = flags
            old = current.get(code)
            explanation = explanations.get((report.pk, code))
            stored_value = stored[report.pk].get(code)
            explanation_changed = explanation is not None and (
                stored_value is None or explanation != stored_value.explanation
            )
            if not _same(old, after.get(code)) or explanation_changed:
                plan.changes.append(
                    ValueChange(report, version.indicator, version, old, after.get(code), flags, explanation)
                )
        plan.values[report.pk] = after
        plan.flags[report.pk] = report_flags
    return plan


def outlier_flags(
    version: IndicatorVersion,
    value: Value,
    previous: Value,
    last_year: Value,
    peers: PeerValues,
    base_id: int,
) -> list[dict[str, str]]:
    """Flags for a value that looks unusual. They ask for an explanation; they never refuse the value."""
    if not isinstance(value, Decimal) or version.value_type in (ValueType.BOOLEAN, ValueType.TEXT):
        return []
    flags = []
    # A growth rate is already a comparison with last year; comparing it again by ratio means nothing.
    history = (("上期", previous), ("上年同期", last_year)) if "growth(" not in version.formula else ()
    for label, before in history:
        if isinstance(before, Decimal) and before > 0 and value > 0:
            ratio = value / before
            if ratio > HISTORY_RATIO or ratio < 1 / HISTORY_RATIO:
                flags.append(
                    {
                        "kind": "history",
                        "message": f"与{label}（{_amount(before, version.unit)}）相比变化为 {ratio:.2f} 倍",
                    }
                )
                break
    base_ids, numbers = peers
    others = numbers[base_ids != base_id]
    if others.size >= PEER_MIN:
        sample = np.append(others, float(value))
        median = float(np.median(sample))
        mad = float(np.median(np.abs(sample - median)))
        if mad > 0:
            score = 0.6745 * abs(float(value) - median) / mad
            if score > PEER_Z:
                flags.append(
                    {
                        "kind": "peer",
                        "message": (
                            f"明显偏离同方向基地（中位数 {_amount(Decimal(f'{median:.2f}'), version.unit)}，"
                            f"修正 z 值 {score:.1f}）"
                        ),
                    }
                )
    return flags


def _history_values(
    reports: list[Report], periods: Iterable[ReportingPeriod]
) -> dict[tuple[int, str, int], dict[str, Value]]:
    """For each report, the same base's values in the previous period and the same period last year."""
    wanted: dict[tuple[str, int, int | None], list[tuple[Report, str]]] = defaultdict(list)
    for report in reports:
        period = report.period
        if period.kind == "annual":
            wanted[("annual", period.year - 1, None)].append((report, "previous"))
            wanted[("annual", period.year - 1, None)].append((report, "last_year"))
        else:
            assert period.quarter is not None  # a quarterly period has its quarter (database constraint)
            year, quarter = (period.year, period.quarter - 1) if period.quarter > 1 else (period.year - 1, 4)
            wanted[("quarterly", year, quarter)].append((report, "previous"))
            wanted[("quarterly", period.year - 1, period.quarter)].append((report, "last_year"))
    if not wanted:
        return {}
    period_ids = {
        (p.kind, p.year, p.quarter): p.pk
        for p in ReportingPeriod.objects.filter(year__in={k[1] for k in wanted})
    }
    base_ids = {r.base_id for r in reports}
    values: dict[tuple[int, int], dict[str, Value]] = defaultdict(dict)
    rows = ReportValue.objects.filter(
        report__period_id__in=[period_ids[k] for k in wanted if k in period_ids], report__base_id__in=base_ids
    ).values_list("report__base_id", "report__period_id", "indicator__code", "number", "text")
    for base_id, period_id, code, number, text in rows:
        values[(base_id, period_id)][code] = number if number is not None else (text or None)
    result: dict[tuple[int, str, int], dict[str, Value]] = {}
    for key, targets in wanted.items():
        found = period_ids.get(key)
        for report, role in targets:
            result[(report.base_id, role, report.pk)] = (
                values.get((report.base_id, found), {}) if found else {}
            )
    return result


PeerValues = tuple[np.ndarray, np.ndarray]  # (base ids, numbers) of one indicator, period and direction
NO_PEERS: PeerValues = (np.empty(0, dtype=np.int64), np.empty(0))


def _peer_values(reports: list[Report]) -> dict[tuple[int, int, str, str], PeerValues]:
    """Numbers already entered by the base's peers — same direction, same peer group (区域, 高校和科研院所,
    企业), same period — as arrays built once per indicator rather than once per value checked."""
    keys = {(r.period_id, r.base.direction_id) for r in reports}
    if not keys:
        return {}
    collected: dict[tuple[int, int, str, str], dict[int, float]] = defaultdict(dict)
    rows = ReportValue.objects.filter(
        report__period_id__in={k[0] for k in keys},
        report__base__direction_id__in={k[1] for k in keys},
        number__isnull=False,
    ).values_list(
        "report__period_id",
        "report__base__direction_id",
        "report__base__kind",
        "indicator__code",
        "report__base_id",
        "number",
    )
    for period_id, direction_id, kind, code, base_id, number in rows:
        if (period_id, direction_id) in keys:
            collected[(period_id, direction_id, PEER_GROUPS[BaseKind(kind)], code)][base_id] = float(
                number or 0
            )
    return {
        key: (np.fromiter(values.keys(), dtype=np.int64), np.fromiter(values.values(), dtype=float))
        for key, values in collected.items()
    }


def missing_required(report: Report, values: dict[str, Value]) -> list[IndicatorVersion]:
    """Required, entered (not derived) indicators of the report's form that have no value."""
    form = form_versions(report.base.direction_id, report.period)
    return [
        v
        for code, v in form.items()
        if v.indicator.required and not v.is_derived and values.get(code) is None
    ]
