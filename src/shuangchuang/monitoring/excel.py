"""The Excel round trip of operation monitoring: templates to download, uploads to check and save.

Two layouts, both pre-filled with what is saved:

- one base's report (`report_workbook`): a title, the base and period, then one row per indicator grouped
  by section (指标代码, 指标名称, 计量单位, 本期数值, 上期数值, 情况说明, 指标解释);
- many bases in one sheet (`bases_workbook`), what an authority collects: one row per base, the base code
  and name first, a header row of indicator names with units and a hidden row of indicator codes. The same
  layout is accepted as CSV (UTF-8 or GBK).

Input cells are the only unlocked ones; the sheet is protected without a password (it guards against slips,
not people). A hidden sheet “说明” carries the instructions and the period the file was made for.

An upload is checked completely before anything is saved (`check_upload`): the file is read as hostile
(`core.tabular.read_sheets`), rows are matched to reports inside the user's scope, and the values go through
`validation.plan_changes`. Errors name sheet, cell, field and reason. The caller keeps `ImportCheck.pending()`
(JSON) and, when the user confirms, `recheck` plans again and `save_import` applies the plan with the
report versions seen at the preview, so that a change made in between is refused, not overwritten.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from shuangchuang.accounts.models import User
from shuangchuang.core.bulk import gc_paused
from shuangchuang.core.policy import CHANGE
from shuangchuang.core.tabular import (
    Sheet,
    TableError,
    claims_workbook,
    normalise_cell,
    read_sheets,
    text_is_not_a_workbook,
    write_text_cell,
)
from shuangchuang.registry.models import Base

from .catalogue import Catalogue, group_by_section
from .models import (
    EDITABLE_STATES,
    IndicatorVersion,
    Report,
    ReportingPeriod,
    ReportState,
    ReportValue,
    ValueType,
)
from .services import apply_plan
from .units import unit_label
from .validation import (
    Plan,
    ValueChange,
    form_key,
    form_versions,
    format_number,
    forms_for,
    parse_raw,
    plan_changes,
)

DATA_SHEET = "填报数据"
NOTES_SHEET = "说明"
CSV_SHEET = "CSV 文件"
PERIOD_KEY = "报告期代码"
# The hidden code row of the many-bases layout starts with these markers.
BASE_CODE, BASE_NAME, STATE = "base_code", "base_name", "state"
META_COLUMNS = {BASE_CODE: "基地编号", BASE_NAME: "基地名称", STATE: "填报状态"}
REPORT_HEADER = ["指标代码", "指标名称", "计量单位", "本期数值", "上期数值", "情况说明", "指标解释"]

_THIN = Side(style="thin", color="B7C3D0")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
SECTION_FILL = PatternFill("solid", fgColor="EEF2F7")
INPUT_FILL = PatternFill("solid", fgColor="FFF7D6")
LOCKED_FILL = PatternFill("solid", fgColor="E6E6E6")
BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")
UNLOCKED = Protection(locked=False)
NUMBER_FORMATS = {
    ValueType.COUNT: "#,##0",
    ValueType.MONEY: "#,##0.00",
    ValueType.PERCENT: "0.00",
    ValueType.RATIO: "0.00",
}
BOOLEAN_WORDS = ("是", "否")
PREVIEW_LINES = 1000


# Building the templates


def report_workbook(report: Report) -> bytes:
    """One base's report for one period, rows grouped by section, ready to fill in and upload back."""
    period = report.period
    form = form_versions(report.base, period)
    saved = _saved_values([report]).get(report.pk, {})
    previous = _previous_values(report)
    editable = report.is_editable

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    title = f"{report.base.current_name} · {period}运行监测填报表"
    if not editable:
        title += f"（{report.get_state_display()}，不能通过导入修改）"
    write_text_cell(sheet.cell(1, 1), title)
    sheet.cell(1, 1).font = TITLE_FONT
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(REPORT_HEADER))
    for column, text in enumerate(
        ["基地编号", report.base.code, "报告期", period.code, "状态", report.get_state_display()], start=1
    ):
        write_text_cell(sheet.cell(2, column), text)
        sheet.cell(2, column).font = BOLD if column % 2 else Font()
    for column, text in enumerate(REPORT_HEADER, start=1):
        _header_cell(sheet, 3, column, text)

    row = 4
    for section, versions in group_by_section(form.values()):
        write_text_cell(sheet.cell(row, 1), section)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(REPORT_HEADER))
        sheet.cell(row, 1).font = BOLD
        sheet.cell(row, 1).fill = SECTION_FILL
        row += 1
        for version in versions:
            code = version.indicator.code
            number, text, explanation = saved.get(code, (None, "", ""))
            name = version.name + ("（自动计算）" if version.is_derived else "")
            texts = [code, name, version.unit]
            for column, value in zip((1, 2, 3), texts, strict=True):
                write_text_cell(sheet.cell(row, column), value)
            value_cell = sheet.cell(row, 4)
            _put_value(value_cell, version, number, text)
            previous_cell = sheet.cell(row, 5)
            _put_value(previous_cell, version, *previous.get(code, (None, "")))
            previous_cell.fill = LOCKED_FILL
            write_text_cell(sheet.cell(row, 6), explanation)
            write_text_cell(sheet.cell(row, 7), _explain(version))
            for column in range(1, len(REPORT_HEADER) + 1):
                sheet.cell(row, column).border = BORDER
                sheet.cell(row, column).alignment = WRAP
            if editable and not version.is_derived:
                for cell in (value_cell, sheet.cell(row, 6)):
                    cell.protection = UNLOCKED
                    cell.fill = INPUT_FILL
                _validate(sheet, version, f"D{row}")
            else:
                value_cell.fill = LOCKED_FILL
            sheet.row_dimensions[row].outline_level = 1
            row += 1

    for letter, width in zip("ABCDEFG", (16, 30, 10, 16, 16, 30, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "D4"
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    _protect(sheet)
    scope = f"{report.base.current_name}（{report.base.code}）"
    _notes_sheet(workbook, "单个基地", period, scope)
    return _save(workbook)


def bases_workbook(period: ReportingPeriod, reports: list[Report], scope: str) -> bytes:
    """Many bases' reports in one sheet, one row per base: what an authority collects and uploads.

    Bases of different directions and kinds fill different forms; the columns are the union, and a cell
    of an indicator that a base does not report (its direction's or its kind's) is locked and grey.
    """
    forms = _forms(period, {r.base for r in reports})
    columns = _union(forms.values())
    saved = _saved_values(reports)

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    first = len(META_COLUMNS) + 1
    for column, (code, label) in enumerate(META_COLUMNS.items(), start=1):
        _header_cell(sheet, 1, column, label)
        write_text_cell(sheet.cell(2, column), code)
    for column, version in enumerate(columns, start=first):
        label = version.name + (f"（{version.unit}）" if version.unit else "")
        if version.is_derived:
            label += "（自动计算）"
        _header_cell(sheet, 1, column, label)
        sheet.cell(1, column).alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        write_text_cell(sheet.cell(2, column), version.indicator.code)
    sheet.row_dimensions[2].hidden = True
    sheet.row_dimensions[1].height = 48

    last_row = 2 + len(reports)
    for row, report in enumerate(reports, start=3):
        form = forms[_form_of(report.base)]
        values = saved.get(report.pk, {})
        for column, text in enumerate(
            [report.base.code, report.base.current_name, report.get_state_display()], start=1
        ):
            write_text_cell(sheet.cell(row, column), text)
            sheet.cell(row, column).border = BORDER
        for column, version in enumerate(columns, start=first):
            cell = sheet.cell(row, column)
            cell.border = BORDER
            code = version.indicator.code
            if code not in form:
                cell.fill = LOCKED_FILL
                continue
            number, text, _ = values.get(code, (None, "", ""))
            _put_value(cell, form[code], number, text)
            if report.is_editable and not version.is_derived:
                cell.protection = UNLOCKED
                cell.fill = INPUT_FILL
            else:
                cell.fill = LOCKED_FILL
    if reports:
        for column, version in enumerate(columns, start=first):
            if not version.is_derived:
                letter = get_column_letter(column)
                _validate(sheet, version, f"{letter}3:{letter}{last_row}")

    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 30
    sheet.column_dimensions["C"].width = 10
    for column in range(first, first + len(columns)):
        sheet.column_dimensions[get_column_letter(column)].width = 14
    sheet.freeze_panes = sheet.cell(3, first)
    _protect(sheet)
    _notes_sheet(workbook, "多个基地（每行一个基地）", period, scope)
    return _save(workbook)


def _form_of(base: Base) -> tuple[int, str]:
    return (base.direction_id, base.kind)


def _forms(
    period: ReportingPeriod, bases: Iterable[Base]
) -> dict[tuple[int, str], dict[str, IndicatorVersion]]:
    """The forms of these bases for the period, by (direction id, kind of base)."""
    keys = {form_key(base, period) for base in bases}
    return {(key[0], key[1]): form for key, form in forms_for(keys).items()}


def _union(forms: Any) -> list[IndicatorVersion]:
    """Every indicator of several directions' forms once, in catalogue order."""
    union: dict[str, IndicatorVersion] = {}
    for form in forms:
        for code, version in form.items():
            union.setdefault(code, version)
    return sorted(union.values(), key=lambda v: (v.indicator.order, v.indicator.code))


def _saved_values(reports: list[Report]) -> dict[int, dict[str, tuple[Decimal | None, str, str]]]:
    """(number, text, explanation) per report and code. An explanation is that of a flag: a value without
    one has none to show or to compare with."""
    result: dict[int, dict[str, tuple[Decimal | None, str, str]]] = defaultdict(dict)
    rows = ReportValue.objects.filter(report__in=reports).values_list(
        "report_id", "indicator__code", "number", "text", "explanation", "flags"
    )
    for report_id, code, number, text, explanation, flags in rows:
        result[report_id][code] = (number, text, explanation if flags else "")
    return result


def _previous_values(report: Report) -> dict[str, tuple[Decimal | None, str]]:
    previous = report.period.previous()
    if previous is None:
        return {}
    rows = ReportValue.objects.filter(report__base_id=report.base_id, report__period=previous).values_list(
        "indicator__code", "number", "text"
    )
    return {code: (number, text) for code, number, text in rows}


def _typed_as_text(version: IndicatorVersion) -> bool:
    """A percentage typed into a number cell as "85%" is stored by Excel as 0.85, a hundredth of what was
    meant, with nothing to tell it apart once read. Its input cells are text cells: "85" and "85%" both
    arrive as typed, and the upload reads both as 85 %."""
    return version.value_type == ValueType.PERCENT and not version.is_derived


def _put_value(cell: Any, version: IndicatorVersion, number: Decimal | None, text: str) -> None:
    if _typed_as_text(version):
        cell.number_format = "@"
        if number is not None:
            write_text_cell(cell, format_number(number))
        return
    if number is None:
        if text:
            write_text_cell(cell, text)
        return
    if version.value_type == ValueType.BOOLEAN:
        write_text_cell(cell, BOOLEAN_WORDS[0] if number else BOOLEAN_WORDS[1])
        return
    cell.value = int(number) if number == number.to_integral_value() else float(number)
    cell.number_format = NUMBER_FORMATS.get(ValueType(version.value_type), "General")


def _explain(version: IndicatorVersion) -> str:
    parts = [version.definition.strip(), version.counting_rule.strip()]
    if version.is_derived:
        parts.append(f"由系统计算：{version.formula}")
    return "\n".join(p for p in parts if p)


def _validate(sheet: Worksheet, version: IndicatorVersion, cells: str) -> None:
    """Excel's own check of what is typed; the upload checks again (a file need not come from Excel)."""
    kind = version.value_type
    if kind == ValueType.TEXT:
        rule = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="2000")
        message = "不超过 2000 字"
    elif kind == ValueType.BOOLEAN:
        rule = DataValidation(type="list", formula1='"是,否"')
        message = "请选择“是”或“否”"
    elif _typed_as_text(version):
        rule = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="20")
        message = "填写百分数，如 85 或 85%（不是 0.85）"
    else:
        whole = kind == ValueType.COUNT
        low = version.min_value
        high = version.max_value
        number = "整数" if whole else "数字"
        rule_type = "whole" if whole else "decimal"
        if low is not None and high is not None:
            rule = DataValidation(
                type=rule_type, operator="between", formula1=_number(low), formula2=_number(high)
            )
            message = f"请填写 {_number(low)} 到 {_number(high)} 之间的{number}"
        elif low is not None:
            rule = DataValidation(type=rule_type, operator="greaterThanOrEqual", formula1=_number(low))
            message = f"请填写不小于 {_number(low)} 的{number}"
        elif high is not None:
            rule = DataValidation(type=rule_type, operator="lessThanOrEqual", formula1=_number(high))
            message = f"请填写不大于 {_number(high)} 的{number}"
        else:
            rule = DataValidation(type=rule_type, operator="between", formula1="-1E+15", formula2="1E+15")
            message = f"请填写{number}"
    if version.unit:
        message += f"，单位：{version.unit}"
    rule.allow_blank = True
    rule.showErrorMessage = True
    rule.showInputMessage = True
    rule.errorTitle = "数据不符合要求"[:32]
    rule.error = f"{version.name}：{message}"[:225]
    rule.promptTitle = version.name[:32]
    rule.prompt = (message + ("。" + version.definition.strip() if version.definition.strip() else ""))[:250]
    rule.add(cells)
    sheet.add_data_validation(rule)


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _header_cell(sheet: Worksheet, row: int, column: int, text: str) -> None:
    cell = sheet.cell(row, column)
    write_text_cell(cell, text)
    cell.font = BOLD
    cell.fill = HEADER_FILL
    cell.border = BORDER


def _protect(sheet: Worksheet) -> None:
    """Only the unlocked input cells can be typed in. No password: this prevents slips, not people."""
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.selectLockedCells = False
    sheet.protection.selectUnlockedCells = False


def _notes_sheet(workbook: Workbook, layout: str, period: ReportingPeriod, scope: str) -> None:
    sheet = workbook.create_sheet(NOTES_SHEET)
    sheet.sheet_state = "hidden"
    lines: list[list[str]] = [
        ["双创示范基地运行监测 · Excel 填报模板"],
        ["模板类型", layout],
        [PERIOD_KEY, period.code],
        ["报告期", str(period)],
        ["范围", scope],
        ["生成时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")],
        [],
        ["填写说明"],
        [
            "1. 只需填写浅黄色单元格。灰色单元格（表头、上期数值、自动计算的指标、已报送或已锁定的数据）导入时不会修改。"
        ],
        [
            "2. 计量单位见表头或“计量单位”列，金额以千元计。可以使用千位分隔符（1,234）和全角数字；是/否类指标填“是”或“否”。"
        ],
        ["3. 清空一个单元格表示删除该项数据；未列入文件的基地不受影响。"],
        [
            "4. 工作表设置了保护以防误改表头，没有密码；如需调整，可在“审阅 → 撤销工作表保护”中取消，但请不要修改指标代码和基地编号。"
        ],
        [
            "5. 上传后系统先列出将要修改的内容（原值 → 新值）和异常提示，确认后才保存；文件中只要有一处错误，全部不保存，并逐一列出工作表、单元格、字段和原因。"
        ],
        ["6. 与上期或同方向基地相比明显异常的数值会被提示，报送前须在“情况说明”中说明原因。"],
        ["7. 多个基地的表格也可另存为 CSV（UTF-8 或 GBK 编码）上传，保留前两行表头（名称行和指标代码行）。"],
    ]
    for row, values in enumerate(lines, start=1):
        for column, value in enumerate(values, start=1):
            write_text_cell(sheet.cell(row, column), value)
    sheet.cell(1, 1).font = TITLE_FONT
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 40


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Reading an upload


@dataclass(frozen=True)
class CellError:
    """One problem in an uploaded file, where it is and why. Row and column 0 mean "the whole file"."""

    sheet: str
    row: int
    column: int
    field: str
    message: str

    @property
    def cell(self) -> str:
        if not self.row:
            return ""
        return (
            f"{get_column_letter(self.column)}{self.row}"
            if self.column
            else gettext("第 %(row)d 行") % {"row": self.row}
        )

    def __str__(self) -> str:
        where = "，".join(
            p for p in (self.sheet and gettext("工作表“%(sheet)s”") % {"sheet": self.sheet}, self.cell) if p
        )
        field = f"“{self.field}”" if self.field else ""
        return f"{where}{' ' if where and field else ''}{field}：{self.message}"


@dataclass
class UploadedRow:
    """One base's part of an upload: raw text per indicator code and where each came from."""

    sheet: str
    row: int
    base_code: str
    base_column: int
    values: dict[str, str] = field(default_factory=dict)
    explanations: dict[str, str] = field(default_factory=dict)
    cells: dict[str, tuple[int, int]] = field(default_factory=dict)  # code → (row, column)
    labels: dict[str, str] = field(default_factory=dict)  # code → the header the file gave it

    def from_formula(self, code: str, formulas: frozenset[tuple[int, int]]) -> bool:
        return self.cells.get(code) in formulas


@dataclass
class Upload:
    layout: str  # "report" or "bases"
    sheet: str
    period_code: str
    rows: list[UploadedRow]
    errors: list[CellError]
    unresolved: dict[int, str] = field(default_factory=dict)  # column → header without a code row
    header_row: int = 1
    formulas: frozenset[tuple[int, int]] = frozenset()  # (row, column) read at a formula's saved result


def read_upload(data: bytes, name: str = "") -> Upload:
    """The file's layout, period and raw values, without looking at the database. Raises TableError.
    `name` is the uploaded file's name: text under a workbook's name that is no template is told so."""
    kind, sheets = read_sheets(data, wanted=(DATA_SHEET, NOTES_SHEET), csv_name=CSV_SHEET)
    if not sheets:
        raise TableError(gettext("工作簿中没有工作表。"))
    sheet = next((s for s in sheets if s.name == DATA_SHEET), sheets[0])
    notes = next((s for s in sheets if s.name == NOTES_SHEET), None)
    period_code = _note(notes, PERIOD_KEY) if notes else ""
    head = sheet.rows[:8]
    if any("指标代码" in cells and "本期数值" in cells for _, cells in head):
        upload = _read_report_layout(sheet, period_code)
    elif any(cells[0].lower() == BASE_CODE or cells[0] == META_COLUMNS[BASE_CODE] for _, cells in head):
        upload = _read_bases_layout(sheet, period_code)
    elif kind == "csv" and claims_workbook(name):
        raise text_is_not_a_workbook()
    else:
        raise TableError(
            gettext(
                "找不到表头：请使用从本系统下载的模板（单个基地表的“指标代码”“本期数值”列，"
                "或多个基地表的“基地编号”列和指标代码行）。"
            )
        )
    upload.formulas = sheet.formulas
    return upload


def _note(sheet: Sheet, key: str) -> str:
    for _, cells in sheet.rows:
        if cells[0] == key and len(cells) > 1:
            return cells[1]
    return ""


def _read_report_layout(sheet: Sheet, period_code: str) -> Upload:
    header_index = next(
        i for i, (_, cells) in enumerate(sheet.rows) if "指标代码" in cells and "本期数值" in cells
    )
    header = sheet.rows[header_index][1]
    code_at, value_at = header.index("指标代码"), header.index("本期数值")
    explanation_at = header.index("情况说明") if "情况说明" in header else None
    name_at = header.index("指标名称") if "指标名称" in header else None
    base_code, base_row, base_column = "", sheet.rows[header_index][0], 1
    for number, cells in sheet.rows[:header_index]:
        for index, text in enumerate(cells[:-1]):
            if text == "基地编号":
                base_code, base_row, base_column = cells[index + 1].upper(), number, index + 2
            elif text == "报告期" and not period_code:
                period_code = cells[index + 1]
    upload = Upload("report", sheet.name, period_code, [], [])
    entry = UploadedRow(sheet.name, base_row, base_code, base_column)
    if base_code:
        upload.rows.append(entry)
    else:
        upload.errors.append(
            CellError(
                sheet.name,
                base_row,
                0,
                "基地编号",
                gettext("找不到基地编号（模板第 2 行“基地编号”右侧的单元格）"),
            )
        )

    def cell(cells: list[str], index: int | None) -> str:
        return cells[index] if index is not None and index < len(cells) else ""

    seen: dict[str, int] = {}
    for number, cells in sheet.rows[header_index + 1 :]:
        code = cell(cells, code_at)
        if not code:
            continue
        if code in seen:
            upload.errors.append(
                CellError(
                    sheet.name,
                    number,
                    code_at + 1,
                    "指标代码",
                    gettext("“%(value)s”与第 %(row)d 行重复") % {"value": code, "row": seen[code]},
                )
            )
            continue
        seen[code] = number
        entry.values[code] = cell(cells, value_at)
        entry.cells[code] = (number, value_at + 1)
        entry.labels[code] = cell(cells, name_at) or code
        if explanation_at is not None:
            entry.explanations[code] = cell(cells, explanation_at)
    return upload


_UNIT_SUFFIX = re.compile(r"[（(][^（）()]*[)）]$")


def _read_bases_layout(sheet: Sheet, period_code: str) -> Upload:
    head = sheet.rows[:8]
    code_row = next(((n, c) for n, c in head if c[0].lower() == BASE_CODE), None)
    name_row = next(((n, c) for n, c in head if c[0] == META_COLUMNS[BASE_CODE]), None)
    header_end = max(n for n, _ in (r for r in (code_row, name_row) if r))
    names = name_row[1] if name_row else []
    codes = [c.lower() if c.lower() in META_COLUMNS else c.upper() for c in code_row[1]] if code_row else []
    width = max(len(names), len(codes))
    upload = Upload("bases", sheet.name, period_code, [], [], header_row=name_row[0] if name_row else 1)
    columns: dict[int, str] = {}  # index → code (or "" while only a name is known)
    for index in range(width):
        code = codes[index] if index < len(codes) else ""
        name = names[index] if index < len(names) else ""
        if code in META_COLUMNS or name in META_COLUMNS.values() or not (code or name):
            continue
        if code and code in columns.values():
            upload.errors.append(
                CellError(
                    sheet.name,
                    code_row[0] if code_row else 0,
                    index + 1,
                    code,
                    gettext("指标代码在表头中重复"),
                )
            )
            continue
        columns[index] = code
        if not code:
            upload.unresolved[index] = name
    labels = {i: (names[i] if i < len(names) and names[i] else code) for i, code in columns.items()}

    seen: dict[str, int] = {}
    for number, cells in sheet.rows:
        if number <= header_end:
            continue
        base_code = cells[0].upper()
        row = UploadedRow(sheet.name, number, base_code, 1)
        if not base_code:
            upload.errors.append(CellError(sheet.name, number, 1, "基地编号", gettext("不能为空")))
            continue
        if base_code in seen:
            upload.errors.append(
                CellError(
                    sheet.name,
                    number,
                    1,
                    "基地编号",
                    gettext("“%(value)s”与第 %(row)d 行重复") % {"value": base_code, "row": seen[base_code]},
                )
            )
            continue
        seen[base_code] = number
        for index, code in columns.items():
            key = code or f"#{index}"
            row.values[key] = cells[index] if index < len(cells) else ""
            row.cells[key] = (number, index + 1)
            row.labels[key] = labels[index]
        upload.rows.append(row)
    return upload


# Checking an upload against the database


@dataclass(frozen=True)
class ChangeRow:
    """A line of the preview: one value of one base, old → new."""

    code: str
    field: str
    unit: str
    old: str
    new: str
    flags: list[dict[str, str]]
    explanation: str | None
    derived: bool
    explanation_dropped: str = ""  # the saved explanation that leaves with its flag
    from_formula: bool = False  # the file held a formula here; its saved result was read


@dataclass
class ImportCheck:
    """Everything the preview shows and the confirmation needs."""

    period: ReportingPeriod
    source: str
    errors: list[CellError] = field(default_factory=list)
    entries: list[tuple[Report, dict[str, str]]] = field(default_factory=list)
    explanations: dict[tuple[int, str], str] = field(default_factory=dict)
    versions: dict[int, int] = field(default_factory=dict)
    plan: Plan | None = None
    from_formulas: set[tuple[int, str]] = field(default_factory=set)  # (report, code) read from a formula

    @property
    def ok(self) -> bool:
        return not self.errors and self.plan is not None

    @property
    def changes(self) -> list[ValueChange]:
        return self.plan.changes if self.plan else []

    def changes_by_report(self, limit: int | None = None) -> list[tuple[Report, list[ChangeRow], int]]:
        """(report, the lines shown, how many more) per report. Past PREVIEW_LINES lines only flagged values
        are listed, so that a preview of a whole province stays readable and nothing unusual is hidden."""
        limit = PREVIEW_LINES if limit is None else limit
        grouped: dict[int, tuple[Report, list[ChangeRow], list[int]]] = {}
        shown = 0
        for change in self.changes:
            _, lines, hidden = grouped.setdefault(change.report.id, (change.report, [], [0]))
            if shown >= limit and not change.flags:
                hidden[0] += 1
                continue
            shown += 1
            version = change.version
            lines.append(
                ChangeRow(
                    code=change.code,
                    field=version.label,
                    unit=unit_label(version.unit),
                    old=display_value(version, change.old),
                    new=display_value(version, change.new),
                    flags=change.flags,
                    explanation=change.explanation,
                    derived=version.is_derived,
                    explanation_dropped=change.old_explanation if change.explanation == "" else "",
                    from_formula=(change.report.id, change.code) in self.from_formulas,
                )
            )
        return [(report, lines, hidden[0]) for report, lines, hidden in grouped.values()]

    def pending(self) -> dict[str, Any]:
        """What the confirmation needs, as JSON: the entries of the reports that change, and their versions."""
        changed = {c.report.id for c in self.changes}
        return {
            "period": self.period.pk,
            "source": self.source,
            "entries": [[r.pk, raw] for r, raw in self.entries if r.pk in changed],
            "explanations": [
                [pk, code, text] for (pk, code), text in self.explanations.items() if pk in changed
            ],
            "versions": {str(pk): v for pk, v in self.versions.items() if pk in changed},
            "reports": len(changed),
            "changes": len(self.changes),
        }


@gc_paused()
def check_upload(user: User, period: ReportingPeriod, data: bytes, source: str) -> ImportCheck:
    """Read, match and validate an uploaded file; write nothing. `check.ok` says whether it may be saved."""
    check = ImportCheck(period=period, source=source)
    try:
        upload = read_upload(data, source)
    except TableError as exc:
        sheet = exc.sheet or (CSV_SHEET if exc.row else "")
        check.errors.append(CellError(sheet, exc.row, exc.column, "", exc.message))
        return check
    check.errors.extend(upload.errors)
    if upload.period_code and upload.period_code.upper() != period.code.upper():
        check.errors.append(
            CellError(
                upload.sheet,
                0,
                0,
                "报告期",
                gettext("文件是报告期“%(file_period)s”的模板，与所选报告期“%(period)s（%(code)s）”不一致")
                % {"file_period": upload.period_code, "period": period.label, "code": period.code},
            )
        )
        return check

    codes = {row.base_code for row in upload.rows if row.base_code}
    reports = {
        r.base.code: r
        for r in Report.objects.restrict(user, CHANGE)
        .listed()
        .filter(period=period, base__code__in=codes)
        .order_by()
    }
    forms = _forms(period, {r.base for r in reports.values()})
    # Every indicator of the period's forms of any direction and kind, to tell "not for this base" from
    # "no such indicator"
    known = {v.indicator.code: v for v in Catalogue.current().form(None, None, period.kind, period.year)}
    by_name = {normalise_cell(v.name): code for code, v in known.items()}
    _resolve_columns(upload, by_name, check.errors)

    locations: dict[tuple[int, str], tuple[UploadedRow, str]] = {}
    saved_in_closed = _saved_values([r for r in reports.values() if not r.is_editable])
    for row in upload.rows:
        report = reports.get(row.base_code)
        if report is None:
            check.errors.append(
                CellError(
                    row.sheet,
                    row.row,
                    row.base_column,
                    "基地编号",
                    gettext(
                        "“%(code)s”不是本报告期您可以填报的基地（编号不存在、不在您的范围内或本期没有该基地的填报）"
                    )
                    % {"code": row.base_code},
                )
            )
            continue
        form = forms[_form_of(report.base)]
        raw: dict[str, str] = {}
        for code, text in row.values.items():
            version = form.get(code)
            if version is None:
                if text and not code.startswith("#"):
                    message = (
                        _not_reported(report.base, known[code])
                        if code in known
                        else gettext("“%(code)s”不是本报告期的指标代码") % {"code": code}
                    )
                    name = known[code].name if code in known else row.labels.get(code, code)
                    check.errors.append(_at(row, code, name, message))
                continue
            if version.is_derived:
                continue  # computed by the system; a typed value is ignored, as on the page
            raw[code] = text
            locations[(report.id, code)] = (row, version.name)
            if row.from_formula(code, upload.formulas):
                check.from_formulas.add((report.id, code))
            explanation = row.explanations.get(code)
            if explanation is not None:
                check.explanations[(report.id, code)] = explanation
        if report.is_editable:
            check.entries.append((report, raw))
            check.versions[report.pk] = report.version
            continue
        # A report that is with its reviewer (or locked) may stand in the file unchanged; any change is an error.
        stored = saved_in_closed.get(report.pk, {})
        for code, text in raw.items():
            number, stored_text, stored_explanation = stored.get(code, (None, "", ""))
            value, error = parse_raw(form[code], text)
            explanation = check.explanations.pop((report.pk, code), None)
            changed = error is not None or not _same_value(
                value, number if number is not None else stored_text
            )
            if changed or (explanation is not None and explanation != stored_explanation):
                row, name = locations[(report.pk, code)]
                check.errors.append(_at(row, code, name, _closed_message(report)))
    _plan(check, locations)  # even after errors above: the user gets every error of the file at once
    return check


def _same_value(value: Decimal | str | None, stored: Decimal | str | None) -> bool:
    if isinstance(value, Decimal) and isinstance(stored, Decimal):
        return value == stored
    return (value if value != "" else None) == (stored if stored != "" else None)


def _closed_message(report: Report) -> str:
    values = {"base": report.base.short_name, "state": report.get_state_display()}
    if report.state == ReportState.SUBMITTED:
        return (
            gettext("%(base)s的本期填报%(state)s，不能通过导入修改（如需更正，请审核单位退回后由基地修改）")
            % values
        )
    return gettext("%(base)s的本期填报%(state)s，不能通过导入修改") % values


def _resolve_columns(upload: Upload, by_name: dict[str, str], errors: list[CellError]) -> None:
    """A CSV typed by hand may lack the code row: its columns are matched by indicator name, with or
    without the unit and “(自动计算)” that the template adds in brackets."""
    taken = {code for code in upload.rows[0].values if not code.startswith("#")} if upload.rows else set()
    for index, label in upload.unresolved.items():
        name, code = label, by_name.get(label)
        while code is None and _UNIT_SUFFIX.search(name):
            name = _UNIT_SUFFIX.sub("", name).strip()
            code = by_name.get(name)
        if code is None:
            errors.append(
                CellError(
                    upload.sheet, upload.header_row, index + 1, label, gettext("表头不是本报告期的指标名称")
                )
            )
            continue
        if code in taken:
            errors.append(
                CellError(upload.sheet, upload.header_row, index + 1, label, gettext("指标在表头中重复"))
            )
            continue
        taken.add(code)
        key = f"#{index}"
        for row in upload.rows:
            row.values[code] = row.values.pop(key)
            row.cells[code] = row.cells.pop(key)
            row.labels[code] = row.labels.pop(key)


def _at(row: UploadedRow, code: str, field_name: str, message: str) -> CellError:
    number, column = row.cells.get(code, (row.row, row.base_column))
    return CellError(row.sheet, number, column, field_name, message)


def _plan(check: ImportCheck, locations: dict[tuple[int, str], tuple[UploadedRow, str]]) -> None:
    plan = plan_changes(check.entries, explanations=check.explanations)
    row_of = {pk: row for (pk, _), (row, _) in locations.items()} if plan.errors else {}
    for error in plan.errors:
        located = locations.get((error.report.pk, error.code))
        if located:
            row, name = located
            check.errors.append(_at(row, error.code, name, error.message))
        else:  # a logic check on a value the file does not hold: point at the base
            base_row = row_of.get(error.report.pk)
            sheet, number, column = (
                (base_row.sheet, base_row.row, base_row.base_column) if base_row else ("", 0, 0)
            )
            name = _indicator_name(error.report, error.code)
            check.errors.append(CellError(sheet, number, column, name, error.message))
    for report in plan.reports:  # only at confirmation: a report that left the base since the preview
        if report.state not in EDITABLE_STATES:
            check.errors.append(CellError("", 0, 0, report.base.short_name, _closed_message(report)))
    check.errors.sort(key=lambda e: (e.sheet, e.row, e.column))
    check.plan = plan


def _not_reported(base: Base, version: IndicatorVersion) -> str:
    """Why a base leaves an indicator empty: its direction's form or its kind of base does not have it."""
    if not version.applies_to(base.kind):
        return gettext("%(kind)s基地不填报此指标（本指标由%(kinds)s基地填报）") % {
            "kind": base.get_kind_display(),
            "kinds": version.kinds_label,
        }
    return gettext("%(direction)s方向的基地本期不填报此指标") % {"direction": base.direction}


def _indicator_name(report: Report, code: str) -> str:
    form = form_versions(report.base, report.period)
    return form[code].name if code in form else code


@gc_paused()
def recheck(user: User, pending: dict[str, Any]) -> ImportCheck:
    """Plan a previewed upload again at confirmation, against the data as it is now."""
    period = ReportingPeriod.objects.get(pk=pending["period"])
    check = ImportCheck(period=period, source=pending["source"])
    wanted = [pk for pk, _ in pending["entries"]]
    reports = Report.objects.restrict(user, CHANGE).listed().filter(pk__in=wanted, period=period).in_bulk()
    for pk, raw in pending["entries"]:
        report = reports.get(pk)
        if report is None:
            check.errors.append(
                CellError("", 0, 0, "", gettext("文件中有基地已不在您的填报范围内，请重新上传。"))
            )
            return check
        check.entries.append((report, raw))
    check.explanations = {(pk, code): text for pk, code, text in pending["explanations"]}
    check.versions = {int(pk): version for pk, version in pending["versions"].items()}
    for report, _ in check.entries:
        if report.version != check.versions.get(report.pk):
            # Planning again would quietly show "no change" for values someone else just saved.
            check.errors.append(
                CellError(
                    "",
                    0,
                    0,
                    report.base.short_name,
                    gettext("%(report)s 在您预览之后已被修改，请重新下载模板核对后再上传。")
                    % {"report": report},
                )
            )
    if not check.errors:
        _plan(check, {})
    return check


@gc_paused()
def save_import(check: ImportCheck, *, actor: User, note: str = "") -> int:
    """Apply a checked upload in one transaction, or raise a MonitoringError and save nothing."""
    assert check.plan is not None and check.ok
    reason = f"Excel 导入（{check.source}）" + (f"：{note}" if note else "")
    return apply_plan(
        check.plan, actor=actor, reason=reason, source="excel", expected_versions=check.versions
    )


def display_value(version: IndicatorVersion, value: Decimal | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if version.value_type == ValueType.BOOLEAN:
        return gettext(
            BOOLEAN_WORDS[0] if value else BOOLEAN_WORDS[1]
        )  # the preview page: the reader's words
    return f"{value.normalize():,f}"


def upload_periods(user: User) -> QuerySet[ReportingPeriod]:
    """The periods in which the user may fill in at least one report, newest first."""
    reports = Report.objects.restrict(user, CHANGE)
    return (
        ReportingPeriod.objects.restrict(user)
        .filter(pk__in=reports.values("period_id"))
        .order_by("-year", "-quarter")
    )
