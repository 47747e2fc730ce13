"""Reading and writing the tables officials exchange: CSV (UTF-8 or GBK) and .xlsx.

Uploaded files are hostile until proven otherwise: the type is decided by content, an .xlsx's unpacked size
is checked before parsing (decompression bombs), XML entities are never resolved (openpyxl parses with
defusedxml when it is installed; calamine's XML reader does not expand entities), and text that a
spreadsheet would run as a formula is neutralised when we write it.

Workbooks are read with python-calamine (Rust, about ten times faster than openpyxl) when every worksheet
is a plain table: each cell carries its position and the cells span no more than MAX_ROWS × MAX_COLUMNS,
about as densely as a table does. calamine lays a sheet out as one dense block in memory and aborts the
whole process when that block cannot be allocated (two cells, A1 and XFD1048576, ask for 500 GB), so any
other workbook is read by openpyxl, which streams its cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.utils.translation import gettext

T = TypeVar("T")

XLSX_MAX_UNPACKED_BYTES = 50 * 1024 * 1024
XLSX_MAX_RATIO = 200
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class TableError(ValueError):
    """A file that cannot be read as a table at all (wrong type, bad encoding, too large when unpacked)."""


@dataclass(frozen=True)
class Table:
    """Rows of text cells with the header, and where each row came from (for error messages)."""

    source: str
    sheet: str
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (1-based row number in the file, cells)


def normalise_cell(value: Any) -> str:
    """A cell as text: NFKC (full-width digits and letters become half-width), stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()  # a date typed into Excel: openpyxl reads a datetime, calamine a date
    text = str(value)
    return (text if text.isascii() else unicodedata.normalize("NFKC", text)).strip()


def sniff_kind(data: bytes) -> str:
    """'xlsx', 'csv', or raise: decided by the bytes, never by the file name."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith((b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG", b"\x7fELF", b"MZ", b"\x1f\x8b")):
        raise TableError(gettext("文件不是 CSV 或 Excel (.xlsx) 表格，请另存为 .xlsx 或 CSV 后上传。"))
    if b"\x00" in data[:4096]:
        raise TableError(gettext("文件包含二进制内容，不是 CSV 或 Excel (.xlsx) 表格。"))
    return "csv"


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GBK/GB18030 as Excel on Chinese Windows writes it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(gettext("无法识别文件编码：请使用 UTF-8 或 GBK 编码保存 CSV 文件。"))


def check_xlsx_archive(data: bytes) -> bool:
    """Refuse an .xlsx whose unpacked size is out of proportion, or that declares XML entities, before
    anything parses it. Returns whether calamine may read it (see the module's docstring)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise TableError(gettext("文件已损坏或不是有效的 Excel (.xlsx) 文件。")) from exc
    with archive:
        names = archive.namelist()
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            raise TableError(gettext("压缩包不是 Excel (.xlsx) 工作簿。"))
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > XLSX_MAX_UNPACKED_BYTES or unpacked > XLSX_MAX_RATIO * max(len(data), 1):
            raise TableError(
                gettext("Excel 文件解压后过大（%(size)d MB），疑似压缩炸弹，已拒绝处理。")
                % {"size": unpacked // (1024 * 1024)}
            )
        plain = True
        for info in archive.infolist():
            if not info.filename.endswith(".xml"):
                continue
            xml = archive.read(info.filename)  # within XLSX_MAX_UNPACKED_BYTES, checked above
            # Anywhere in the part, not only its head: a long comment can push a DOCTYPE down. (Inside text
            # a "<" is always escaped, so this is markup.)
            if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
                raise TableError(gettext("Excel 文件包含 XML 实体声明（DOCTYPE/ENTITY），已拒绝处理。"))
            plain = plain and _cells_fit(xml)
        return plain


# A cell element (<c …>, with or without a namespace prefix), and one that states its position (r="BA214").
_CELL = re.compile(rb"<(?:\w+:)?c[\s/>]")
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\s[^>]*?\bt="e"')
_CELL_AT = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')


def _cells_fit(xml: bytes) -> bool:
    """Whether the cells of this part (a worksheet; other parts have none) all state their position and
    fit a block of at most MAX_ROWS × MAX_COLUMNS that is not much larger than the cells themselves, and
    none holds an error (#DIV/0!, #REF! …), which calamine reads as an empty cell and openpyxl as its text:
    a failed formula must be refused as what it is, not taken for a blank."""
    cells = len(_CELL.findall(xml))
    if not cells:
        return True
    if _ERROR_CELL.search(xml):
        return False
    positions = _CELL_AT.findall(xml)
    if len(positions) != cells:
        return False  # a cell placed after the previous one: fine for openpyxl, unknowable here
    width = max(_column_number(column) for column in {column for column, _ in positions})
    height = max(int(row) for _, row in positions)
    return width <= MAX_COLUMNS and height <= MAX_ROWS and width * height <= max(4 * cells, 100_000)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def read_table(data: bytes, source: str, sheet: str | None = None, header_row: int = 1) -> Table:
    """Parse an uploaded CSV or .xlsx into text cells. Blank rows are dropped; row numbers are kept."""
    if sniff_kind(data) == "xlsx":
        picked = _xlsx_sheets(
            data,
            lambda index, name: name == sheet if sheet else index == 0,
            lambda name, rows: _table(source, name, rows, header_row),
            plain=check_xlsx_archive(data),
        )
        if not picked:
            raise TableError(gettext("工作簿中没有名为“%(sheet)s”的工作表。") % {"sheet": sheet})
        return picked[0]
    return _table(source, "", _csv_rows(decode_text(data)), header_row)


def _table(source: str, sheet: str, raw_rows: Iterable[Sequence[Any]], header_row: int) -> Table:
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(raw_rows, start=1):
        texts = [normalise_cell(c) for c in cells]
        while texts and not texts[-1]:  # calamine pads rows to the sheet's width, openpyxl does not
            texts.pop()
        if number < header_row:
            continue
        if number == header_row:
            header = texts
            continue
        if any(texts):
            rows.append((number, texts))
    if not header or not any(header):
        raise TableError(gettext("文件没有表头行。"))
    return Table(source=source, sheet=sheet, header=header, rows=rows)


def _csv_rows(text: str) -> Iterator[list[str]]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    yield from csv.reader(io.StringIO(text), dialect)


def _xlsx_sheets(
    data: bytes,
    wanted: Callable[[int, str], bool],
    consume: Callable[[str, Iterable[Sequence[Any]]], T],
    *,
    plain: bool,
) -> list[T]:
    """`consume(name, rows)` for each sheet that `wanted(index, name)` picks, rows from row 1, cells from
    column A. `plain` (from check_xlsx_archive) lets calamine read the workbook; otherwise openpyxl
    streams it, so that `consume` can stop a sheet that is too large before all of it is in memory."""
    if plain:
        from python_calamine import CalamineWorkbook, SheetTypeEnum

        try:
            with CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
                # Worksheets only, as openpyxl's `worksheets` (a chart sheet has no cells)
                names = [s.name for s in workbook.sheets_metadata if s.typ == SheetTypeEnum.WorkSheet]
                if not names:
                    raise TableError(gettext("无法读取 Excel 文件：工作簿中没有工作表。"))
                sheets = [
                    (name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
                    for index, name in enumerate(names)
                    if wanted(index, name)
                ]
        except TableError:
            raise
        except Exception as exc:  # CalamineError and its kin for malformed packages
            raise TableError(gettext("无法读取 Excel 文件：%(error)s") % {"error": exc}) from exc
        return [consume(name, rows) for name, rows in sheets]
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for malformed packages
        raise TableError(gettext("无法读取 Excel 文件：%(error)s") % {"error": exc}) from exc
    try:
        consumed = []
        for index, worksheet in enumerate(workbook.worksheets):
            if wanted(index, worksheet.title):
                # Trust the cells, not the declared size: rows are then as long as their last cell.
                worksheet.reset_dimensions()
                consumed.append(consume(worksheet.title, worksheet.iter_rows(values_only=True)))
        return consumed
    except TableError:
        raise
    except Exception as exc:  # a malformed or hostile sheet (defusedxml refuses entities while parsing)
        raise TableError(gettext("无法读取 Excel 文件：%(error)s") % {"error": exc}) from exc
    finally:
        workbook.close()


def safe_text(value: Any) -> Any:
    """Text that a spreadsheet would treat as a formula gets a leading apostrophe; numbers pass."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV as Excel on Chinese Windows opens it correctly: UTF-8 with BOM, CRLF, formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_text(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else safe_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# Reading a workbook with several sheets (the monitoring templates carry their metadata in a second one).

MAX_ROWS = 10_000
MAX_COLUMNS = 300


@dataclass(frozen=True)
class Sheet:
    """One sheet as normalised text: only non-blank rows, with their 1-based row numbers in the file."""

    name: str
    rows: list[tuple[int, list[str]]]


def read_sheets(data: bytes, *, wanted: Sequence[str] = (), csv_name: str = "CSV") -> tuple[str, list[Sheet]]:
    """The kind of the file and its sheets: for a CSV its one table; for an .xlsx the first sheet and those
    named in `wanted` (hidden ones too). The same checks as `read_table` run first (content sniffing, the
    unpacked size, DOCTYPE/ENTITY). A sheet with content beyond MAX_ROWS × MAX_COLUMNS is refused, and
    the size a worksheet declares is ignored (openpyxl would pad every row to any dimension it claims)."""
    kind = sniff_kind(data)
    if kind == "csv":
        try:
            rows = _numbered(_csv_rows(decode_text(data)), csv_name)
        except csv.Error as exc:  # e.g. a field longer than the csv module's limit
            raise TableError(gettext("无法读取 CSV 文件：%(error)s") % {"error": exc}) from exc
        return kind, [Sheet(csv_name, rows)]
    sheets = _xlsx_sheets(
        data,
        lambda index, name: index == 0 or name in wanted,
        lambda name, rows: Sheet(name, _numbered(rows, name)),
        plain=check_xlsx_archive(data),
    )
    return kind, sheets


def _numbered(raw_rows: Iterable[Sequence[Any]], sheet: str) -> list[tuple[int, list[str]]]:
    rows: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(raw_rows, start=1):
        if not raw:
            continue
        cells = list(raw)
        while cells and (cells[-1] is None or cells[-1] == ""):
            cells.pop()
        if not cells:
            continue
        if number > MAX_ROWS or len(cells) > MAX_COLUMNS:
            raise TableError(
                gettext("工作表“%(sheet)s”超过 %(rows)d 行或 %(columns)d 列，请检查是否选错了文件。")
                % {"sheet": sheet, "rows": MAX_ROWS, "columns": MAX_COLUMNS}
            )
        texts = [normalise_cell(c) for c in cells]
        if any(texts):
            rows.append((number, texts))
    return rows


def write_text_cell(cell: Any, value: str) -> None:
    """Put text into an openpyxl cell so that no spreadsheet runs it as a formula.

    An .xlsx cell has a type, so the text is kept exactly as it is (an apostrophe, as `safe_text` adds for
    CSV, would come back as part of the value on the next upload): the cell is typed as a string, and
    formula-like text gets Excel's quote prefix, which keeps it text even when someone edits the cell.
    """
    cell.value = value
    cell.data_type = "s"
    if safe_text(value) != value:
        cell.quotePrefix = True
