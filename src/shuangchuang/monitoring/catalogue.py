"""The indicator catalogue: loading the shipped data file, the form of a direction, money as officials write it.

The catalogue ships as `data/indicators.csv` (one row per indicator and definition version) and
`data/cross_checks.csv` (logic checks other than 其中 ≤ 总数, which come from `part_of`). Loading is
idempotent. A definition is never rewritten once a value was entered under it: a changed definition for a
year becomes a new `IndicatorVersion` valid from that year, and past values keep the version they point to.
Which kinds of base report an indicator (`kinds`) is part of its definition and versioned the same way.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shuangchuang.accounts.models import User
from shuangchuang.core.audit import audit_event, record_many
from shuangchuang.registry.models import BaseKind, Direction

from .formulas import FormulaError, references
from .models import (
    CrossCheck,
    Frequency,
    Indicator,
    IndicatorVersion,
    PeriodKind,
    Polarity,
    ReportValue,
    ValueType,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
FIRST_YEAR = 2021
CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]{0,19}$")
VERSION_FIELDS = (
    "name",
    "name_en",
    "unit",
    "value_type",
    "polarity",
    "definition",
    "counting_rule",
    "min_value",
    "max_value",
    "formula",
    "kinds",
)
INDICATOR_FIELDS = ("section", "order", "frequency", "required")
YES = {"yes", "y", "true", "1", "是"}


class CatalogueError(ValueError):
    """The data file cannot be loaded; every problem is listed and nothing was written."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("；".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class IndicatorRow:
    """One line of indicators.csv: an indicator and its definition from `valid_from_year` on."""

    line: int
    code: str
    valid_from_year: int
    indicator: dict[str, Any]
    directions: frozenset[str]
    part_of: str
    version: dict[str, Any]


@dataclass
class CatalogueReport:
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    new_versions: list[tuple[str, int]] = field(default_factory=list)
    corrected_versions: list[tuple[str, int]] = field(default_factory=list)
    checks_created: int = 0
    unchanged: int = 0

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.created
            or self.updated
            or self.new_versions
            or self.corrected_versions
            or self.checks_created
        )

    def summary(self) -> str:
        return (
            f"新增指标 {len(self.created)} 个，更新 {len(self.updated)} 个，"
            f"新增定义版本 {len(self.new_versions)} 个，更正未使用的版本 {len(self.corrected_versions)} 个，"
            f"新增逻辑校验 {self.checks_created} 条，未变 {self.unchanged} 个"
        )


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def parse_kinds(text: str) -> tuple[list[str], set[str]]:
    """`region;university` → the kinds in BaseKind's order (empty, as for every kind, when all are named),
    and the words that are not kinds of base."""
    named = {k.strip() for k in text.replace("；", ";").split(";") if k.strip()}
    kinds = [k for k in BaseKind.values if k in named]
    return ([] if len(kinds) == len(BaseKind.values) else kinds), named - set(BaseKind.values)


def read_catalogue(data_dir: Path = DATA_DIR) -> tuple[list[IndicatorRow], list[str]]:
    """Parse indicators.csv; problems are collected with their line numbers, not raised one by one."""
    rows: list[IndicatorRow] = []
    errors: list[str] = []
    with (data_dir / "indicators.csv").open(encoding="utf-8-sig", newline="") as handle:
        for line, raw in enumerate(csv.DictReader(handle), start=2):
            row = {k: (v or "").strip() for k, v in raw.items()}
            code = row["code"]
            where = f"indicators.csv 第 {line} 行（{code or '无代码'}）"
            problems = []
            if not CODE_PATTERN.match(code):
                problems.append("指标代码须为大写字母开头、由大写字母、数字和下划线组成的 20 位以内标识符")
            if row["value_type"] not in ValueType.values:
                problems.append(f"数据类型“{row['value_type']}”无效")
            if row["polarity"] not in Polarity.values:
                problems.append(f"极性“{row['polarity']}”无效")
            if row["frequency"] not in Frequency.values:
                problems.append(f"填报频次“{row['frequency']}”无效")
            try:
                minimum, maximum = _decimal(row["min_value"]), _decimal(row["max_value"])
                year = int(row.get("valid_from_year") or FIRST_YEAR)
                order = int(row["order"] or 0)
            except (InvalidOperation, ValueError):
                problems.append("最小值、最大值、排序或起始年度不是数字")
                minimum = maximum = None
                year, order = FIRST_YEAR, 0
            if row["formula"]:
                try:
                    references(row["formula"])
                except FormulaError as exc:
                    problems.append(str(exc))
            if not row["name"]:
                problems.append("缺少指标名称")
            kinds, unknown_kinds = parse_kinds(row.get("kinds", ""))
            if unknown_kinds:
                problems.append(
                    f"适用基地类型“{'、'.join(sorted(unknown_kinds))}”无效（可用 {', '.join(BaseKind.values)}）"
                )
            if problems:
                errors.extend(f"{where}：{p}" for p in problems)
                continue
            rows.append(
                IndicatorRow(
                    line=line,
                    code=code,
                    valid_from_year=year,
                    indicator={
                        "section": row["section"],
                        "order": order,
                        "frequency": row["frequency"],
                        "required": row["required"].lower() in YES,
                    },
                    directions=frozenset(d for d in row["directions"].replace("；", ";").split(";") if d),
                    part_of=row["part_of"],
                    version={
                        "name": row["name"],
                        "name_en": row["name_en"],
                        "unit": row["unit"],
                        "value_type": row["value_type"],
                        "polarity": row["polarity"],
                        "definition": row["definition"],
                        "counting_rule": row["counting_rule"],
                        "min_value": minimum,
                        "max_value": maximum,
                        "formula": row["formula"],
                        "kinds": kinds,
                    },
                )
            )
    codes = {r.code for r in rows} | set(Indicator.objects.values_list("code", flat=True))
    direction_codes = set(Direction.objects.values_list("code", flat=True))
    for entry in rows:
        where = f"indicators.csv 第 {entry.line} 行（{entry.code}）"
        if unknown := entry.directions - direction_codes:
            errors.append(f"{where}：未知的功能方向 {', '.join(sorted(unknown))}")
        if entry.part_of and entry.part_of not in codes:
            errors.append(f"{where}：所属总数“{entry.part_of}”不是指标代码")
        if entry.version["formula"] and (missing := references(entry.version["formula"]) - codes):
            errors.append(f"{where}：公式引用了不存在的指标 {', '.join(sorted(missing))}")
    seen: set[tuple[str, int]] = set()
    for entry in rows:
        if (entry.code, entry.valid_from_year) in seen:
            errors.append(
                f"indicators.csv 第 {entry.line} 行：{entry.code} 的 {entry.valid_from_year} 年版本重复"
            )
        seen.add((entry.code, entry.valid_from_year))
    return rows, errors


def _read_checks(data_dir: Path) -> list[dict[str, str]]:
    path = data_dir / "cross_checks.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _differences(version: IndicatorVersion, wanted: dict[str, Any]) -> list[str]:
    return [name for name in VERSION_FIELDS if getattr(version, name) != wanted[name]]


@transaction.atomic
def load_catalogue(
    data_dir: Path = DATA_DIR, *, from_year: int | None = None, actor: User | None = None
) -> CatalogueReport:
    """Load the catalogue. A second run changes nothing.

    Each row is the definition of an indicator from its `valid_from_year` on. With `from_year`, the latest
    row of each indicator is read as the definition from that year on: where it differs from the version in
    force that year, a new version starts that year, and older versions (and the values entered under them)
    stay as they are. A version that values already point to is never rewritten; a version nobody used yet
    may be corrected in place.
    """
    rows, errors = read_catalogue(data_dir)
    if from_year is not None:
        latest: dict[str, IndicatorRow] = {}
        for row in rows:
            if row.code not in latest or row.valid_from_year > latest[row.code].valid_from_year:
                latest[row.code] = row
        rows = [
            IndicatorRow(
                row.line,
                row.code,
                max(row.valid_from_year, from_year),
                row.indicator,
                row.directions,
                row.part_of,
                row.version,
            )
            for row in latest.values()
        ]
    indicators = {i.code: i for i in Indicator.objects.prefetch_related("directions", "versions")}
    used_versions = set(ReportValue.objects.values_list("indicator_version_id", flat=True).distinct())

    # First pass: decide, and refuse the whole file if any past definition would be rewritten.
    plans: list[tuple[IndicatorRow, IndicatorVersion | None, str]] = []
    for row in sorted(rows, key=lambda r: (r.indicator["order"], r.code, r.valid_from_year)):
        indicator = indicators.get(row.code)
        versions = list(indicator.versions.all()) if indicator else []
        exact = next((v for v in versions if v.valid_from_year == row.valid_from_year), None)
        in_force = max(
            (v for v in versions if v.valid_from_year <= row.valid_from_year),
            key=lambda v: v.valid_from_year,
            default=None,
        )
        if in_force is not None and not _differences(in_force, row.version):
            plans.append((row, None, "same"))
        elif exact is None:
            plans.append((row, None, "new"))
        elif exact.pk in used_versions:
            errors.append(
                f"{row.code} 的 {row.valid_from_year} 年起定义已有填报数据引用，不能改写；"
                "请用 load_indicators --from-year <新定义的起始年度> 增加新版本"
            )
        else:
            plans.append((row, exact, "correct"))
    if errors:
        raise CatalogueError(errors)

    report = CatalogueReport()
    events = []
    directions = {d.code: d for d in Direction.objects.all()}
    touched: set[str] = set()
    created = _create_indicators(plans, indicators, directions)
    new_versions: list[IndicatorVersion] = []
    for row, exact, decision in plans:
        indicator = indicators[row.code]
        if row.code in created and row.code not in touched:
            report.created.append(row.code)
            events.append(
                audit_event(actor, "monitoring.catalogue", indicator, reason="加载指标目录：新增指标")
            )
        elif row.code not in touched:
            changed = [f for f in INDICATOR_FIELDS if getattr(indicator, f) != row.indicator[f]]
            for name in changed:
                events.append(
                    audit_event(
                        actor,
                        "monitoring.catalogue",
                        indicator,
                        field=name,
                        old=getattr(indicator, name),
                        new=row.indicator[name],
                        reason="指标目录数据文件更新",
                    )
                )
                setattr(indicator, name, row.indicator[name])
            if changed:
                indicator.save(update_fields=changed)
            current = {d.code for d in indicator.directions.all()}
            if current != set(row.directions):
                indicator.directions.set([directions[c] for c in sorted(row.directions)])
                events.append(
                    audit_event(
                        actor,
                        "monitoring.catalogue",
                        indicator,
                        field="directions",
                        old=sorted(current),
                        new=sorted(row.directions),
                        reason="指标目录数据文件更新",
                    )
                )
                changed.append("directions")
            if changed:
                report.updated[row.code] = changed
        touched.add(row.code)

        if decision == "new":
            new_versions.append(
                IndicatorVersion(indicator=indicator, valid_from_year=row.valid_from_year, **row.version)
            )
            report.new_versions.append((row.code, row.valid_from_year))
            events.append(
                audit_event(
                    actor,
                    "monitoring.catalogue",
                    indicator,
                    field="version",
                    new=row.valid_from_year,
                    reason=f"新增 {row.valid_from_year} 年起的指标定义：{row.version['name']}",
                )
            )
        elif decision == "correct" and exact is not None:
            changed = _differences(exact, row.version)
            for name in changed:
                events.append(
                    audit_event(
                        actor,
                        "monitoring.catalogue",
                        exact,
                        field=name,
                        old=str(getattr(exact, name)),
                        new=str(row.version[name]),
                        reason="更正尚无填报数据的指标定义",
                    )
                )
                setattr(exact, name, row.version[name])
            exact.save(update_fields=changed)
            report.corrected_versions.append((row.code, row.valid_from_year))

    IndicatorVersion.objects.bulk_create(new_versions)

    part_of = {row.code: row.part_of for row in rows}
    regrouped: list[Indicator] = []
    for code, total in part_of.items():
        indicator = indicators[code]
        wanted = indicators[total] if total else None
        if indicator.part_of_id != (wanted.pk if wanted else None):
            events.append(
                audit_event(
                    actor,
                    "monitoring.catalogue",
                    indicator,
                    field="part_of",
                    old=indicator.part_of.code if indicator.part_of else None,
                    new=total or None,
                    reason="指标目录数据文件更新",
                )
            )
            indicator.part_of = wanted
            regrouped.append(indicator)
            report.updated.setdefault(code, []).append("part_of")
    Indicator.objects.bulk_update(regrouped, ["part_of"])

    report.checks_created = _load_cross_checks(data_dir, indicators, part_of)
    versioned = {code for code, _ in report.new_versions + report.corrected_versions}
    report.unchanged = len(set(part_of) - set(report.created) - set(report.updated) - versioned)
    record_many(events)
    return report


def insert_indicators(new: dict[str, Indicator]) -> None:
    """Insert indicators (code → unsaved indicator) in one statement; each gets its id, also where the
    database gives none back from a bulk insert (SQLite before 3.35): then they are read by code."""
    Indicator.objects.bulk_create(new.values())
    if any(indicator.pk is None for indicator in new.values()):
        ids = dict(Indicator.objects.filter(code__in=new).values_list("code", "pk"))
        for code, indicator in new.items():
            indicator.pk = ids[code]


def _create_indicators(
    plans: list[tuple[IndicatorRow, IndicatorVersion | None, str]],
    indicators: dict[str, Indicator],
    directions: dict[str, Direction],
) -> set[str]:
    """The indicators the file adds, with their directions, in a few statements whatever their number
    (a first load writes the whole catalogue); `indicators` gets them, and their codes are returned."""
    new: dict[str, Indicator] = {}
    for row, _exact, _decision in plans:
        if row.code not in indicators and row.code not in new:
            new[row.code] = Indicator(code=row.code, **row.indicator)
    insert_indicators(new)
    through = Indicator.directions.through
    wanted = {row.code: row.directions for row, _exact, _decision in reversed(plans) if row.code in new}
    through.objects.bulk_create(
        through(indicator_id=new[code].pk, direction_id=directions[c].pk)
        for code, codes in wanted.items()
        for c in sorted(codes)
    )
    indicators.update(new)
    return set(new)


def _load_cross_checks(data_dir: Path, indicators: dict[str, Indicator], part_of: dict[str, str]) -> int:
    wanted = [(code, "<=", total, "") for code, total in part_of.items() if total]
    wanted += [(r["left"], r["operator"], r["right"], r.get("message", "")) for r in _read_checks(data_dir)]
    errors = [
        f"cross_checks.csv：{left} {operator} {right} 引用了不存在的指标或无效关系"
        for left, operator, right, _ in wanted
        if left not in indicators or right not in indicators or operator not in CrossCheck.Operator.values
    ]
    if errors:
        raise CatalogueError(errors)
    existing = {(c.left_id, c.operator, c.right_id): c for c in CrossCheck.objects.all()}
    new: dict[tuple[int, str, int], CrossCheck] = {}
    for left, operator, right, message in wanted:
        key = (indicators[left].pk, operator, indicators[right].pk)
        check = existing.get(key) or new.get(key)
        if check is None:
            new[key] = CrossCheck(
                left=indicators[left], operator=operator, right=indicators[right], message=message
            )
        elif check.message != message:
            check.message = message
            if check.pk is not None:
                check.save(update_fields=["message"])
    CrossCheck.objects.bulk_create(new.values())
    return len(new)


# ---- Forms ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """The active indicators with their directions and versions, read once (three queries)."""

    indicators: list[Indicator]
    directions: dict[int, frozenset[int]]  # indicator pk → direction pks (empty: common)
    versions: dict[int, list[IndicatorVersion]]  # indicator pk → versions, oldest first
    _forms: dict[tuple[int | None, str | None, str, int], tuple[IndicatorVersion, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def current(cls) -> Catalogue:
        indicators = list(Indicator.objects.filter(is_active=True).order_by("order", "code"))
        directions: dict[int, set[int]] = defaultdict(set)
        for indicator_id, direction_id in Indicator.directions.through.objects.filter(
            indicator__in=indicators
        ).values_list("indicator_id", "direction_id"):
            directions[indicator_id].add(direction_id)
        versions: dict[int, list[IndicatorVersion]] = defaultdict(list)
        by_pk = {i.pk: i for i in indicators}
        for version in IndicatorVersion.objects.filter(indicator__in=indicators).order_by("valid_from_year"):
            version.indicator = by_pk[version.indicator_id]
            versions[version.indicator_id].append(version)
        return cls(indicators, {k: frozenset(v) for k, v in directions.items()}, dict(versions))

    def fingerprint(self) -> str:
        """Everything that decides which indicators a form asks and requires, as a short digest: figures
        kept in the cache name it, so that a change to the catalogue is never met by old figures."""
        facts = [
            (
                i.id,
                i.required,
                i.frequency,
                sorted(self.directions.get(i.id, ())),
                [
                    (v.id, v.valid_from_year, v.is_derived, sorted(v.kinds or ()))
                    for v in self.versions.get(i.id, [])
                ],
            )
            for i in self.indicators
        ]
        return hashlib.blake2b(repr(facts).encode(), digest_size=12).hexdigest()

    def form(
        self, direction_id: int | None, kind: str | None, period_kind: str, year: int
    ) -> list[IndicatorVersion]:
        """The versions in force in `year` of the indicators on the form of a base of this direction and
        kind (region, university …), in form order; None for either: of any. Which kinds report an
        indicator is part of its definition, so a form follows the definition in force that year.
        Worked out once per catalogue read and set of arguments (the completeness page asks for the same
        few forms once per direction, kind and period)."""
        key = (direction_id, kind, period_kind, year)
        known = self._forms.get(key)
        if known is None:
            known = self._forms[key] = tuple(self._form(direction_id, kind, period_kind, year))
        return list(known)

    def _form(
        self, direction_id: int | None, kind: str | None, period_kind: str, year: int
    ) -> list[IndicatorVersion]:
        result = []
        for indicator in self.indicators:
            applies_to = self.directions.get(indicator.id, frozenset())
            if applies_to and direction_id is not None and direction_id not in applies_to:
                continue
            if period_kind == PeriodKind.QUARTERLY and indicator.frequency != Frequency.QUARTERLY:
                continue
            in_force = [v for v in self.versions.get(indicator.id, []) if v.valid_from_year <= year]
            if in_force and (kind is None or in_force[-1].applies_to(kind)):
                result.append(in_force[-1])
        return result

    def required_entries(
        self, direction_id: int, kind: str | None, period_kind: str, year: int
    ) -> list[IndicatorVersion]:
        """What a base must type in: required indicators of its form that are not computed."""
        return [
            v
            for v in self.form(direction_id, kind, period_kind, year)
            if v.indicator.required and not v.is_derived
        ]


def _direction_id(direction: Direction | int | str) -> int:
    if isinstance(direction, Direction):
        return direction.pk
    if isinstance(direction, int):
        return direction
    return Direction.objects.values_list("pk", flat=True).get(code=direction)


def form_for(
    direction: Direction | int | str, period_kind: str, year: int, kind: str | None = None
) -> list[tuple[str, list[IndicatorVersion]]]:
    """The form of a direction (for a kind of base, or for any kind) for a period: (section,
    [IndicatorVersion]) in order.

    The quarterly light form holds the quarterly indicators; the annual form holds all of them. Each
    indicator appears with the definition in force in `year`.
    """
    return group_by_section(Catalogue.current().form(_direction_id(direction), kind, period_kind, year))


# The sections of the shipped catalogue in the reader's language (stored and written to files in Chinese);
# a section added later by a national administrator is shown as it is named.
SECTION_LABELS = {
    "基本情况": _("基本情况"),
    "经营与创新": _("经营与创新"),
    "投融资": _("投融资"),
    "创业就业": _("创业就业"),
    "融通创新": _("融通创新"),
    "精益创业": _("精益创业"),
    "全球化创业": _("全球化创业"),
}


def section_label(section: str) -> str:
    return str(SECTION_LABELS.get(section, section))


def group_by_section(versions: Iterable[IndicatorVersion]) -> list[tuple[str, list[IndicatorVersion]]]:
    sections: dict[str, list[IndicatorVersion]] = {}
    for version in versions:
        sections.setdefault(version.indicator.section, []).append(version)
    return list(sections.items())


# ---- Money --------------------------------------------------------------------------------------------------

WAN = Decimal(10)  # 千元 per 万元
YI = Decimal(100_000)  # 千元 per 亿元
WAN_YI = Decimal(1_000_000_000)  # 千元 per 万亿元


def format_money(thousand_yuan: Decimal | int | float | None) -> str:
    """An amount in 千元 (as entered, Torch-survey style) written for a summary: 1.23亿元, 456.7万元."""
    if thousand_yuan is None:
        return "—"
    amount = Decimal(str(thousand_yuan))
    size = abs(amount)
    if size >= WAN_YI:
        return f"{(amount / WAN_YI).quantize(Decimal('0.01'), ROUND_HALF_UP)}万亿元"
    if size >= YI:
        return f"{(amount / YI).quantize(Decimal('0.01'), ROUND_HALF_UP)}亿元"
    return f"{(amount / WAN).quantize(Decimal('0.1'), ROUND_HALF_UP)}万元"
