"""Reading an upload: the file read as hostile (`core.tabular`), its layout recognised, its rows and
columns matched to bases and indicators; every problem a `CellError` naming sheet, cell and why.

Cells come as written. What is matched (headers, markers, base and indicator codes, the period) goes through
`matching_text`, so that full-width letters and digits still match; values and explanations stay as written
(`validation.parse_raw` normalises numbers, and keeps text as the official wrote it)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext
from openpyxl.utils import get_column_letter

from shuangchuang.core.tabular import (
    Sheet,
    TableError,
    claims_workbook,
    matching_text,
    read_sheets,
    text_is_not_a_workbook,
)

from .layout import BASE_CODE, CSV_SHEET, DATA_SHEET, META_COLUMNS, NOTES_SHEET, PERIOD_KEY

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
    head = _matched(sheet.rows[:8])
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


def _matched(rows: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """Rows of headers and markers as they are matched (`matching_text`)."""
    return [(number, [matching_text(c) for c in cells]) for number, cells in rows]


def _note(sheet: Sheet, key: str) -> str:
    for _, cells in sheet.rows:
        if matching_text(cells[0]) == key and len(cells) > 1:
            return matching_text(cells[1])
    return ""


def _read_report_layout(sheet: Sheet, period_code: str) -> Upload:
    head = _matched(sheet.rows[:8])  # read_upload found the header among these
    header_index = next(i for i, (_, cells) in enumerate(head) if "指标代码" in cells and "本期数值" in cells)
    header = head[header_index][1]
    code_at, value_at = header.index("指标代码"), header.index("本期数值")
    explanation_at = header.index("情况说明") if "情况说明" in header else None
    name_at = header.index("指标名称") if "指标名称" in header else None
    base_code, base_row, base_column = "", head[header_index][0], 1
    for number, cells in head[:header_index]:
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
        code = matching_text(cell(cells, code_at))
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


UNIT_SUFFIX = re.compile(r"[（(][^（）()]*[)）]$")


def _read_bases_layout(sheet: Sheet, period_code: str) -> Upload:
    head = _matched(sheet.rows[:8])
    code_row = next(((n, c) for n, c in head if c[0].lower() == BASE_CODE), None)
    name_row = next(((n, c) for n, c in head if c[0] == META_COLUMNS[BASE_CODE]), None)
    header_end = max(n for n, _ in (r for r in (code_row, name_row) if r))
    # The names as written, for messages and the preview; matched by name in `planning._resolve_columns`
    written = dict(sheet.rows[:8])
    names = written[name_row[0]] if name_row else []
    codes = [c.lower() if c.lower() in META_COLUMNS else c.upper() for c in code_row[1]] if code_row else []
    width = max(len(names), len(codes))
    upload = Upload("bases", sheet.name, period_code, [], [], header_row=name_row[0] if name_row else 1)
    columns: dict[int, str] = {}  # index → code (or "" while only a name is known)
    for index in range(width):
        code = codes[index] if index < len(codes) else ""
        name = names[index] if index < len(names) else ""
        if code in META_COLUMNS or matching_text(name) in META_COLUMNS.values() or not (code or name):
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
        base_code = matching_text(cells[0]).upper()
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
