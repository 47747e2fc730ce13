"""The Excel round trip of plans: a plan version's goals and a base's staff roster, as templates to
download (pre-filled with what is saved) and uploads to check, preview and save.

An upload is read as hostile by `core.tabular.read_table` (size, ZIP bombs, DOCTYPE/ENTITY, formulas without
results, limits) and checked completely before anything is saved: every problem is a `TableError` naming the
row, the column and the field. Nothing is saved while there is one. The check gives the changes it would make
(`GoalsCheck`, `StaffCheck`) and a JSON form of them for the session; on confirmation it is checked again
against the data as it is then, and applied through the services in one transaction.

- Goals: one row per goal, matched to the version's goals by name: a known name changes that goal, a new name
  adds one; goals not in the file stay as they are (delete them on the page).
- Staff: one row per person on the roster, matched by name to those serving now: a known name changes their
  details (a change in the history, effective on the upload's date), a new name joins; someone left out of
  the file stays on the roster (leaving is recorded on the page, with its date).

Text is kept as written (a goal's name, unit and note, a person's name and post keep their full-width
punctuation). What is matched or parsed goes through `core.tabular.matching_text`: the headers, names as
they are matched to the saved goals and staff, indicator codes, the direction, numbers, dates, and the
phone number and e-mail address (full-width digits and letters typed with a Chinese input method).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from shuangchuang.accounts.models import User
from shuangchuang.core.tabular import Table, TableError, matching_text, read_table, write_text_cell
from shuangchuang.monitoring.models import Indicator
from shuangchuang.registry.models import Base

from . import services
from .models import Goal, Plan, StaffMember, Trend

GOALS_SHEET = "建设目标"
STAFF_SHEET = "专职工作人员"
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
BOLD = Font(bold=True)
TRENDS = {"越大越好": Trend.INCREASE, "越小越好": Trend.DECREASE, "": Trend.INCREASE}
TREND_WORDS = {Trend.INCREASE: "越大越好", Trend.DECREASE: "越小越好"}


def goal_columns(plan: Plan) -> list[str]:
    return (
        ["目标名称", "指标代码", "计量单位", "方向", "基期值"]
        + [f"{y}年目标值" for y in plan.years]
        + ["说明"]
    )


STAFF_COLUMNS = ["姓名", "岗位职务", "联系电话", "电子邮箱", "到岗日期"]
T = TypeVar("T")


def _number(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def _sheet(workbook: Workbook, title: str, header: list[str], rows: list[list[str]]) -> Worksheet:
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = title
    for column, text in enumerate(header, start=1):
        cell = sheet.cell(1, column)
        write_text_cell(cell, text)
        cell.font, cell.fill = BOLD, HEADER_FILL
        sheet.column_dimensions[cell.column_letter].width = max(12, len(text) * 2 + 2)
    for row_number, row in enumerate(rows, start=2):
        for column, text in enumerate(row, start=1):
            write_text_cell(sheet.cell(row_number, column), text)
    return sheet


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def goals_workbook(plan: Plan) -> bytes:
    rows = []
    for goal in plan.goals.select_related("indicator").prefetch_related("targets"):
        targets = {t.year: t.value for t in goal.targets.all()}
        rows.append(
            [
                goal.name,
                goal.indicator.code if goal.indicator else "",
                goal.unit,
                TREND_WORDS[Trend(goal.trend)],
            ]
            + [_number(goal.baseline)]
            + [_number(targets.get(y)) for y in plan.years]
            + [goal.note]
        )
    workbook = Workbook()
    _sheet(workbook, GOALS_SHEET, goal_columns(plan), rows)
    return _save(workbook)


def staff_workbook(base: Base) -> bytes:
    rows = [
        [m.name, m.role, m.phone, m.email, m.since.isoformat()]
        for m in StaffMember.objects.filter(base=base, until__isnull=True).order_by("since", "pk")
    ]
    workbook = Workbook()
    _sheet(workbook, STAFF_SHEET, STAFF_COLUMNS, rows)
    return _save(workbook)


# Reading


def _columns(table: Table, expected: list[str]) -> dict[str, int]:
    """Column index by name; a missing column is an error naming it."""
    found = {key: index for index, name in enumerate(table.header) if (key := matching_text(name))}
    missing = [name for name in expected if name not in found]
    if missing:
        raise TableError(
            gettext("缺少列：%(columns)s。请使用从本系统下载的模板。") % {"columns": "、".join(missing)},
            sheet=table.sheet,
            row=1,
        )
    return {name: found[name] for name in expected}


def _by_name(named: Iterable[tuple[str, T]]) -> dict[str, T]:
    """Saved goals or people by name, for `_named`: by the name as saved and by its `matching_text`."""
    pairs = list(named)
    found = {matching_text(name): thing for name, thing in reversed(pairs)}
    found.update(pairs)  # the name exactly as saved comes first
    return found


def _named(found: dict[str, T], name: str) -> T | None:
    """The one of that name: exactly as written, or else however its letters, digits and punctuation
    were typed (full-width or half-width)."""
    thing = found.get(name)
    return thing if thing is not None else found.get(matching_text(name))


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


class _Row:
    def __init__(self, table: Table, number: int, cells: list[str], columns: dict[str, int]) -> None:
        self.table, self.number, self.cells, self.columns = table, number, cells, columns
        self.errors: list[TableError] = []

    def text(self, name: str) -> str:
        """The cell as written."""
        return _cell(self.cells, self.columns[name])

    def matched(self, name: str) -> str:
        """The cell as it is matched or parsed."""
        return matching_text(self.text(name))

    def error(self, name: str, message: str) -> None:
        self.errors.append(
            TableError(
                gettext("“%(field)s”%(message)s") % {"field": name, "message": message},
                sheet=self.table.sheet,
                row=self.number,
                column=self.columns[name] + 1,
            )
        )

    def required(self, name: str, max_length: int) -> str:
        value = self.text(name)
        if not value:
            self.error(name, gettext("不能为空。"))
        elif len(value) > max_length:
            self.error(name, gettext("超过 %(n)d 个字符。") % {"n": max_length})
        return value

    def decimal(self, name: str, *, required: bool) -> Decimal | None:
        value = self.matched(name).replace(",", "")
        if not value:
            if required:
                self.error(name, gettext("不能为空。"))
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            self.error(name, gettext("“%(value)s”不是数字。") % {"value": value[:20]})
            return None
        if not number.is_finite() or abs(number) >= Decimal(10) ** 16:
            self.error(name, gettext("数值超出范围。"))
            return None
        return number

    def date(self, name: str) -> dt.date | None:
        value = self.matched(name)
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            self.error(name, gettext("“%(value)s”不是日期，请写成 2024-03-01。") % {"value": value[:20]})
            return None


@dataclass
class GoalChange:
    data: services.GoalData
    goal: Goal | None  # None: a new goal
    row: int

    def as_json(self) -> dict[str, Any]:
        d = self.data
        return {
            "name": d.name,
            "baseline": str(d.baseline),
            "targets": {str(y): str(v) for y, v in d.targets.items()},
            "indicator": d.indicator.code if d.indicator else "",
            "unit": d.unit,
            "trend": d.trend,
            "note": d.note,
            "row": self.row,
        }


@dataclass
class GoalsCheck:
    plan: Plan
    source: str
    errors: list[TableError] = field(default_factory=list)
    changes: list[GoalChange] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def pending(self) -> dict[str, Any]:
        return {"plan": self.plan.pk, "source": self.source, "rows": [c.as_json() for c in self.changes]}


def check_goals(plan: Plan, data: bytes, source: str) -> GoalsCheck:
    check = GoalsCheck(plan, source)
    try:
        table = read_table(data, source)
        columns = _columns(table, goal_columns(plan))
    except TableError as exc:
        check.errors.append(exc)
        return check
    existing = _by_name((g.name, g) for g in plan.goals.all())
    indicators = {i.code: i for i in Indicator.objects.filter(is_active=True)}
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        row = _Row(table, number, cells, columns)
        name = row.required("目标名称", 120)
        if matching_text(name) in seen:
            row.error("目标名称", gettext("与第 %(row)d 行重复。") % {"row": seen[matching_text(name)]})
        seen.setdefault(matching_text(name), number)
        code = row.matched("指标代码")
        indicator = indicators.get(code) if code else None
        if code and indicator is None:
            row.error("指标代码", gettext("“%(code)s”不在指标目录中。") % {"code": code[:20]})
        trend_word = row.matched("方向")
        if trend_word not in TRENDS:
            row.error("方向", gettext("请填写“越大越好”或“越小越好”。"))
        baseline = row.decimal("基期值", required=True)
        targets = {}
        for year in plan.years:
            value = row.decimal(f"{year}年目标值", required=year == plan.end_year)
            if value is not None:
                targets[year] = value
        unit = row.text("计量单位")[:20]
        note = row.text("说明")
        check.errors += row.errors
        if row.errors or baseline is None:
            continue
        goal_data = services.GoalData(
            name=name,
            baseline=baseline,
            targets=targets,
            indicator=indicator,
            unit=unit,
            trend=TRENDS[trend_word],
            note=note,
            order=len(check.changes) + 1,
        )
        check.changes.append(GoalChange(goal_data, _named(existing, name), number))
    if not check.errors and not check.changes:
        check.errors.append(TableError(gettext("文件中没有目标。"), sheet=table.sheet))
    return check


def recheck_goals(plan: Plan, pending: dict[str, Any]) -> GoalsCheck:
    """The changes of a confirmed preview, against the goals as they are now."""
    check = GoalsCheck(plan, pending["source"])
    existing = _by_name((g.name, g) for g in plan.goals.all())
    indicators = {i.code: i for i in Indicator.objects.filter(is_active=True)}
    for n, row in enumerate(pending["rows"], start=1):
        goal_data = services.GoalData(
            name=row["name"],
            baseline=Decimal(row["baseline"]),
            targets={int(y): Decimal(v) for y, v in row["targets"].items()},
            indicator=indicators.get(row["indicator"]) if row["indicator"] else None,
            unit=row["unit"],
            trend=row["trend"],
            note=row["note"],
            order=n,
        )
        check.changes.append(GoalChange(goal_data, _named(existing, row["name"]), row["row"]))
    return check


@transaction.atomic
def save_goals(check: GoalsCheck, *, actor: User) -> int:
    for change in check.changes:
        services.save_goal(check.plan, change.data, actor=actor, goal=change.goal)
    return len(check.changes)


@dataclass
class StaffRowChange:
    name: str
    role: str
    phone: str
    email: str
    since: dt.date
    member: StaffMember | None  # None: joins
    row: int
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "phone": self.phone,
            "email": self.email,
            "since": self.since.isoformat(),
            "row": self.row,
        }


@dataclass
class RosterCheck:
    base: Base
    source: str
    errors: list[TableError] = field(default_factory=list)
    changes: list[StaffRowChange] = field(default_factory=list)
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def pending(self) -> dict[str, Any]:
        return {"base": self.base.pk, "source": self.source, "rows": [c.as_json() for c in self.changes]}


def _staff_change(
    current: dict[str, StaffMember], name: str, role: str, phone: str, email: str, since: dt.date, row: int
) -> StaffRowChange | None:
    member = _named(current, name)
    change = StaffRowChange(name, role, phone, email, since, member, row)
    if member is None:
        return change
    new = {"role": role, "phone": phone, "email": email, "since": since.isoformat()}
    old = {
        "role": member.role,
        "phone": member.phone,
        "email": member.email,
        "since": member.since.isoformat(),
    }
    change.changed = {k: (old[k], new[k]) for k in new if old[k] != new[k]}
    return change if change.changed else None


def check_staff(base: Base, data: bytes, source: str) -> RosterCheck:
    check = RosterCheck(base, source)
    try:
        table = read_table(data, source)
        columns = _columns(table, STAFF_COLUMNS)
    except TableError as exc:
        check.errors.append(exc)
        return check
    current = _by_name((m.name, m) for m in StaffMember.objects.filter(base=base, until__isnull=True))
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        row = _Row(table, number, cells, columns)
        name = row.required("姓名", 40)
        if matching_text(name) in seen:
            row.error("姓名", gettext("与第 %(row)d 行重复。") % {"row": seen[matching_text(name)]})
        seen.setdefault(matching_text(name), number)
        role = row.required("岗位职务", 80)
        phone = row.matched("联系电话")
        if len(phone) > 40:
            row.error("联系电话", gettext("超过 %(n)d 个字符。") % {"n": 40})
        email = row.matched("电子邮箱")
        if email:
            try:
                validate_email(email)
            except Exception:
                row.error("电子邮箱", gettext("不是有效的电子邮箱地址。"))
        since = row.date("到岗日期")
        check.errors += row.errors
        if row.errors or since is None:
            continue
        change = _staff_change(current, name, role, phone, email, since, number)
        if change is None:
            check.unchanged += 1
        else:
            check.changes.append(change)
    return check


def recheck_staff(base: Base, pending: dict[str, Any]) -> RosterCheck:
    check = RosterCheck(base, pending["source"])
    current = _by_name((m.name, m) for m in StaffMember.objects.filter(base=base, until__isnull=True))
    for row in pending["rows"]:
        change = _staff_change(
            current,
            row["name"],
            row["role"],
            row["phone"],
            row["email"],
            dt.date.fromisoformat(row["since"]),
            row["row"],
        )
        if change is not None:
            check.changes.append(change)
    return check


@transaction.atomic
def save_staff(check: RosterCheck, *, actor: User) -> int:
    for change in check.changes:
        if change.member is None:
            services.add_staff(
                check.base,
                actor=actor,
                name=change.name,
                role=change.role,
                since=change.since,
                phone=change.phone,
                email=change.email,
            )
        else:
            services.change_staff(
                change.member,
                actor=actor,
                role=change.role,
                phone=change.phone,
                email=change.email,
                since=change.since,
            )
    return len(check.changes)
