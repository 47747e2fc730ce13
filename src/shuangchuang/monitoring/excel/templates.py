"""Writing the templates: one base's report, or many bases in one sheet, pre-filled with what is saved;
input cells unlocked, the rest protected; a hidden sheet “说明” with the instructions and the period."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from shuangchuang.core.tabular import (
    write_text_cell,
)

from ..catalogue import group_by_section
from ..models import (
    IndicatorVersion,
    Report,
    ReportingPeriod,
    ReportValue,
    ValueType,
)
from ..validation import (
    form_versions,
    format_number,
)
from .layout import (
    BOOLEAN_WORDS,
    DATA_SHEET,
    META_COLUMNS,
    NOTES_SHEET,
    NUMBER_FORMATS,
    PERIOD_KEY,
    REPORT_HEADER,
    form_of,
    forms_of,
    saved_values,
)

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


# Building the templates


def report_workbook(report: Report) -> bytes:
    """One base's report for one period, rows grouped by section, ready to fill in and upload back."""
    period = report.period
    form = form_versions(report.base, period)
    saved = saved_values([report]).get(report.pk, {})
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
    forms = forms_of(period, {r.base for r in reports})
    columns = _union(forms.values())
    saved = saved_values(reports)

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
        form = forms[form_of(report.base)]
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


def _union(forms: Any) -> list[IndicatorVersion]:
    """Every indicator of several directions' forms once, in catalogue order."""
    union: dict[str, IndicatorVersion] = {}
    for form in forms:
        for code, version in form.items():
            union.setdefault(code, version)
    return sorted(union.values(), key=lambda v: (v.indicator.order, v.indicator.code))


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
