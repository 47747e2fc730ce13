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

A base explains a flagged value (情况说明). The explanation belongs to the flag: when a save leaves a value
without a flag (corrected, or no longer unusual), its explanation is cleared with it, on every way in (the
page, a report workbook, an authority workbook); the audit row of the save keeps the old text.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import FloatField, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext, gettext_noop

from shuangchuang.registry.models import PEER_GROUPS, Base, BaseKind

from .catalogue import Catalogue
from .formulas import compute_derived
from .models import CrossCheck, Indicator, IndicatorVersion, Report, ReportingPeriod, ReportValue, ValueType
from .units import amount_label, unit_label

Value = Decimal | str | None

HISTORY_RATIO = Decimal(3)
PEER_Z = 3.5
PEER_MIN = 5
UNFLAGGED = frozenset({ValueType.BOOLEAN, ValueType.TEXT})  # yes/no and text are never outliers
TRUE_WORDS = {"是", "有", "y", "yes", "true", "1", "√"}
FALSE_WORDS = {"否", "无", "n", "no", "false", "0", "×"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# Thousands separators as people type them (a comma, or a space as some spreadsheets group digits), one
# kind in a number and only between groups of three: "12,34", "1,2,3" or "1.234,5" are not guessed at.
_GROUPED = re.compile(r"^[+-]?[1-9]\d{0,2}(?P<separator>[, ])\d{3}(?:(?P=separator)\d{3})*(\.\d*)?$")


@dataclass(frozen=True)
class EntryError:
    report: Report
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.report.base.short_name} {self.code}：{self.message}"


@dataclass(slots=True)
class ValueChange:
    report: Report
    indicator: Indicator
    version: IndicatorVersion
    old: Value
    new: Value
    flags: list[dict[str, str]] = field(default_factory=list)
    explanation: str | None = None  # None: leave the stored explanation alone
    old_explanation: str = ""  # the explanation saved before this change

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
        """The reports this plan changes, each once, in the order of their first change."""
        return list({c.report.id: c.report for c in self.changes}.values())


FormKey = tuple[int, str, str, int]  # direction id, kind of base, period kind, year


def form_key(base: Base, period: ReportingPeriod) -> FormKey:
    """What a base's form for a period depends on: its direction and kind, and the period's kind and year."""
    return (base.direction_id, base.kind, period.kind, period.year)


def form_versions(base: Base, period: ReportingPeriod) -> dict[str, IndicatorVersion]:
    """The indicators of a base's form for a period, code → the definition in force that year."""
    key = form_key(base, period)
    return forms_for({key})[key]


def forms_for(keys: set[FormKey]) -> dict[FormKey, dict[str, IndicatorVersion]]:
    """Forms for several (direction id, kind of base, period kind, year) at once: code → the definition."""
    catalogue = Catalogue.current()
    return {key: {v.indicator.code: v for v in catalogue.form(*key)} for key in keys}


_LIMIT = Decimal("1e15")
_PLACES = Decimal("0.0001")


def parse_raw(version: IndicatorVersion, raw: Any) -> tuple[Value, str | None]:
    """Text as officials type it → a value, or an error message. Empty means 'no value'."""
    if raw is None:
        return None, None
    if type(raw) is not str and isinstance(raw, Decimal | int | float) and not isinstance(raw, bool):
        text = str(raw)
    else:  # text as read from a form or a file
        text = raw if type(raw) is str else str(raw)
        # full-width digits, ideographic spaces: NFKC makes them plain; what an official wrote as text stays
        # as written (，：；)
        if version.value_type != ValueType.TEXT and not text.isascii():
            text = unicodedata.normalize("NFKC", text)
        text = text.strip()
    if text in {"", "-", "—", "/"}:
        return None, None
    value_type = version.value_type
    if value_type == ValueType.TEXT:
        return (text, None) if len(text) <= 2000 else (None, gettext("文本超过 2000 字"))
    if value_type == ValueType.BOOLEAN:
        word = text.lower()
        if word in TRUE_WORDS:
            return Decimal(1), None
        if word in FALSE_WORDS:
            return Decimal(0), None
        return None, gettext("“%(text)s”应填“是”或“否”") % {"text": text}
    if text.isdecimal():  # the common case, a whole number typed plainly, needs none of the checks below
        number = Decimal(text)
        if number < _LIMIT:
            return number.quantize(_PLACES), None
        return None, gettext("“%(text)s”超出可填报的范围") % {"text": text}
    cleaned = text
    percent = cleaned.endswith("%")
    if percent:
        cleaned = cleaned[:-1].rstrip()
    if "," in cleaned or " " in cleaned:  # full-width ones are plain after NFKC
        if not _GROUPED.match(cleaned):
            return None, gettext(
                "“%(text)s”不是有效的数字：“,”只能作千位分隔符，每三位一组（如 1,234 或 1,234,567.5），"
                "小数点用“.”"
            ) % {"text": text}
        cleaned = cleaned.replace(",", "").replace(" ", "")
    if not _NUMBER.match(cleaned):
        return None, gettext("“%(text)s”不是数字") % {"text": text}
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None, gettext("“%(text)s”不是数字") % {"text": text}
    if not number.is_finite() or abs(number) >= _LIMIT:
        return None, gettext("“%(text)s”超出可填报的范围") % {"text": text}
    if percent and value_type != ValueType.PERCENT:
        return None, gettext("“%(text)s”带有百分号，但本指标单位是“%(unit)s”") % {
            "text": text,
            "unit": unit_label(version.unit),
        }
    if value_type == ValueType.COUNT and number != number.to_integral_value():
        return None, gettext("“%(text)s”应为整数") % {"text": text}
    return number.quantize(_PLACES), None


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


def indicator_codes() -> dict[int, str]:
    """Indicator pk → code, for reading values without a join per value."""
    return dict(Indicator.objects.values_list("pk", "code"))


def _raw_rows(query: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a values_list() query as the database driver returns them. Django's converters cost a
    few microseconds a row, which adds up over the 10,000 values of an authority workbook; callers turn
    numbers into Decimals with `_decimal`."""
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # a filter such as `__in=[]` that no row can match
        return []
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _decimal(raw: Decimal | int | float | str) -> Decimal:
    """A stored number as the driver returns it (PostgreSQL: Decimal; SQLite: int, float or text) → Decimal.
    A float goes through its shortest repr, which gives back the 4-decimal value that was stored."""
    kind = type(raw)
    if kind is Decimal:
        return raw  # type: ignore[return-value]
    return Decimal(repr(raw)) if kind is float else Decimal(raw)


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
    """What saving `entries` (raw text per indicator code, per report) would change, and what is wrong.

    Two passes: first every report's values are parsed, derived and checked for logic; then outliers are
    looked for, against each base's history and against its peers as they will be once the plan is saved
    (an authority's workbook of all its bases is judged as a whole, not each base against the old data).
    """
    explanations = explanations or {}
    plan = Plan()
    if not entries:
        return plan
    reports = [r for r, _ in entries]
    periods = {r.period_id: r.period for r in reports}
    forms = forms_for({form_key(r.base, r.period) for r in reports})
    # Per form, what every report of it needs: the formulas and (code, definition, indicator) in order.
    formulas = {key: {c: v.formula for c, v in form.items() if v.is_derived} for key, form in forms.items()}
    fields = {key: [(c, v, v.indicator) for c, v in form.items()] for key, form in forms.items()}
    codes = indicator_codes()
    # report → code → (value, explanation)
    stored: dict[int, dict[str, tuple[Value, str]]] = defaultdict(dict)
    for report_id, indicator_id, number, text, explanation in _raw_rows(
        ReportValue.objects.filter(report__in=reports).values_list(
            "report_id", "indicator_id", "number", "text", "explanation"
        )
    ):
        stored[report_id][codes[indicator_id]] = (
            _decimal(number) if number is not None else text or None,
            explanation,
        )
    # The values whose saved flags a save may clear (with their explanation), as (report pk, code).
    flagged_before = {
        (report_id, codes[indicator_id])
        for report_id, indicator_id in ReportValue.objects.filter(report__in=reports)
        .exclude(flags=[])
        .values_list("report_id", "indicator_id")
    }
    history = _history_values(reports, periods.values(), codes)
    checks = list(CrossCheck.objects.select_related("left", "right"))

    planned: list[tuple[Report, FormKey, dict[str, Value], dict[str, Value]]] = []
    for report, raw in entries:
        key = form_key(report.base, report.period)
        form = forms[key]
        derived = formulas[key]
        current: dict[str, Value] = {code: value for code, (value, _) in stored[report.id].items()}
        after: dict[str, Value] = {code: current.get(code) for code in form}
        for code, text in raw.items():
            version = form.get(code)
            if version is None:
                plan.errors.append(EntryError(report, code, gettext("不是本报表的指标")))
                continue
            if code in derived:
                continue  # computed, never typed
            parsed, error = parse_raw(version, text)
            if error is None:
                error = range_error(version, parsed)
            if error:
                plan.errors.append(
                    EntryError(
                        report, code, gettext("%(name)s：%(error)s") % {"name": version.label, "error": error}
                    )
                )
                continue
            after[code] = parsed
        if derived:
            numbers = {c: v for c, v in after.items() if isinstance(v, Decimal)}
            last_year = history.get((report.base_id, "last_year", report.id), {})
            last_numbers = {c: v for c, v in last_year.items() if isinstance(v, Decimal)}
            after.update(compute_derived(derived, numbers, last_numbers))
        plan.errors.extend(_logic_errors(report, form, after, checks))
        planned.append((report, key, current, after))

    spreads = _peer_spreads([(report, after) for report, _, _, after in planned], codes)
    for report, key, current, after in planned:
        report_id, base = report.id, report.base
        previous = history.get((base.id, "previous", report_id), {})
        last_year = history.get((base.id, "last_year", report_id), {})
        peer_key = (report.period_id, base.direction_id, PEER_GROUPS[BaseKind(base.kind)])
        saved = stored[report_id]
        report_flags: dict[str, list[dict[str, str]]] = {}
        for code, version, indicator in fields[key]:
            value = after.get(code)
            flags = outlier_flags(
                version, value, previous.get(code), last_year.get(code), spreads.get((*peer_key, code))
            )
            if flags:
                report_flags[code] = flags
            old = current.get(code)
            value_changed = not _same(old, value)
            explanation = explanations.get((report_id, code)) if explanations else None
            if not flags and (value_changed or explanation is not None):
                # An explanation belongs to a flag: a value that is not (or no longer) unusual keeps none,
                # whatever the form or the file still holds; the old text stays in the audit history.
                explanation = ""
            # An empty explanation where none is saved changes nothing (a blank 情况说明 cell in a workbook),
            # unless it goes with a saved flag that no longer holds: then flag and explanation are cleared.
            explanation_changed = explanation is not None and (
                explanation != (saved[code][1] if code in saved else "")
                or (not flags and (report_id, code) in flagged_before)
            )
            if explanation_changed or value_changed:
                plan.changes.append(
                    ValueChange(
                        report,
                        indicator,
                        version,
                        old,
                        value,
                        flags,
                        explanation,
                        saved[code][1] if code in saved else "",
                    )
                )
        plan.values[report_id] = after
        plan.flags[report_id] = report_flags
    return plan


def _logic_errors(
    report: Report, form: dict[str, IndicatorVersion], after: dict[str, Value], checks: list[CrossCheck]
) -> list[EntryError]:
    """The cross-field checks (其中 ≤ 总数) that the report's values after the plan break."""
    errors = []
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
                "left": form[check.left.code].label,
                "left_value": format_number(left),
                "right": form[check.right.code].label if check.right.code in form else check.right.code,
                "right_value": format_number(right),
            }
            errors.append(EntryError(report, check.left.code, message))
    return errors


@dataclass(frozen=True, slots=True)
class PeerSpread:
    """One indicator's values in a peer group (same period, direction and kind of base), the base's own
    value among them: their median, their median absolute deviation and how many there are."""

    median: float
    mad: float
    size: int


def outlier_flags(
    version: IndicatorVersion,
    value: Value,
    previous: Value,
    last_year: Value,
    peers: PeerSpread | None,
) -> list[dict[str, str]]:
    """Flags for a value that looks unusual. They ask for an explanation; they never refuse the value."""
    if not isinstance(value, Decimal) or version.value_type in UNFLAGGED:
        return []
    flags = []
    # A growth rate is already a comparison with last year; comparing it again by ratio means nothing.
    if value > 0 and "growth(" not in version.formula:
        for when, before in (("previous", previous), ("last_year", last_year)):
            if (
                isinstance(before, Decimal)
                and before > 0
                and (value > before * HISTORY_RATIO or value * HISTORY_RATIO < before)
            ):
                flag = {
                    "kind": "history",
                    "when": when,
                    "before": _amount(before, version.unit),
                    "ratio": f"{value / before:.2f}",
                }
                flags.append({**flag, "message": flag_text(flag, str)})
                break
    # Iglewicz & Hoaglin's modified z-score, with at least PEER_MIN other bases to compare with.
    if peers is not None and peers.size > PEER_MIN and peers.mad > 0:
        score = 0.6745 * abs(float(value) - peers.median) / peers.mad
        if score > PEER_Z:
            flag = {
                "kind": "peer",
                "median": _amount(Decimal(f"{peers.median:.2f}"), version.unit),
                "z": f"{score:.1f}",
            }
            flags.append({**flag, "message": flag_text(flag, str)})
    return flags


# A flag keeps its figures, so that it is shown in the reader's language; `message` is the Chinese text
# (the msgid itself), stored with the value as the record of what the base was told.
HISTORY_FLAGS = {
    "previous": gettext_noop("与上期（%(before)s）相比变化为 %(ratio)s 倍"),
    "last_year": gettext_noop("与上年同期（%(before)s）相比变化为 %(ratio)s 倍"),
}
PEER_FLAG = gettext_noop("明显偏离同方向基地（中位数 %(median)s，修正 z 值 %(z)s）")


def flag_text(flag: dict[str, str], translate: Callable[[str], str] = gettext) -> str:
    """A flag in the active language (`translate=str`: in Chinese, as stored). A flag stored before flags
    kept their figures shows its message."""
    if translate is not str:  # the figures' units in the reader's language too
        flag = {k: amount_label(v) if k in ("before", "median") else v for k, v in flag.items()}
    if flag.get("kind") == "history" and flag.get("when") in HISTORY_FLAGS:
        return translate(HISTORY_FLAGS[flag["when"]]) % flag
    if flag.get("kind") == "peer" and "z" in flag:
        return translate(PEER_FLAG) % flag
    return flag.get("message", "")


def _history_values(
    reports: list[Report], periods: Iterable[ReportingPeriod], codes: dict[int, str]
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
    ).values_list("report__base_id", "report__period_id", "indicator_id", "number", "text")
    for base_id, period_id, indicator_id, number, text in _raw_rows(rows):
        values[(base_id, period_id)][codes[indicator_id]] = (
            _decimal(number) if number is not None else (text or None)
        )
    result: dict[tuple[int, str, int], dict[str, Value]] = {}
    for key, targets in wanted.items():
        found = period_ids.get(key)
        for report, role in targets:
            result[(report.base_id, role, report.pk)] = (
                values.get((report.base_id, found), {}) if found else {}
            )
    return result


PeerKey = tuple[int, int, str, str]  # period id, direction id, peer group, indicator code


def _peer_spreads(
    planned: list[tuple[Report, dict[str, Value]]], codes: dict[int, str]
) -> dict[PeerKey, PeerSpread]:
    """Each peer group's spread of every indicator, counting the planned reports with their new values and
    every other base of the group with what it has saved: one median and MAD per group and indicator,
    however many values are checked against it."""
    keys = {(r.period_id, r.base.direction_id) for r, _ in planned}
    if not keys:
        return {}
    group_of = {kind: PEER_GROUPS[BaseKind(kind)] for kind in BaseKind.values}
    groups: dict[PeerKey, dict[int, float]] = defaultdict(dict)
    rows = (
        ReportValue.objects.filter(
            report__period_id__in={k[0] for k in keys},
            report__base__direction_id__in={k[1] for k in keys},
            number__isnull=False,
        )
        .exclude(report__in=[r.id for r, _ in planned])  # those count with their values after the plan
        .annotate(as_float=Cast("number", FloatField()))
        .values_list(
            "report__period_id",
            "report__base__direction_id",
            "report__base__kind",
            "indicator_id",
            "report__base_id",
            "as_float",
        )
    )
    for period_id, direction_id, kind, indicator_id, base_id, number in _raw_rows(rows):
        if (period_id, direction_id) in keys:
            groups[(period_id, direction_id, group_of[kind], codes[indicator_id])][base_id] = number
    for report, after in planned:
        prefix = (report.period_id, report.base.direction_id, PEER_GROUPS[BaseKind(report.base.kind)])
        for code, value in after.items():
            if isinstance(value, Decimal):
                groups[(*prefix, code)][report.base_id] = float(value)
    spreads = {}
    for key, group in groups.items():
        if len(group) > PEER_MIN:
            # Groups hold tens of bases: sorting in Python beats NumPy's call overhead several times over.
            median = statistics.median(group.values())
            mad = statistics.median([abs(x - median) for x in group.values()])
            spreads[key] = PeerSpread(median, mad, len(group))
    return spreads


def missing_required(report: Report, values: dict[str, Value]) -> list[IndicatorVersion]:
    """Required, entered (not derived) indicators of the report's form that have no value."""
    form = form_versions(report.base, report.period)
    return [
        v
        for code, v in form.items()
        if v.indicator.required and not v.is_derived and values.get(code) is None
    ]
