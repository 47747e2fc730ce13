"""Reading and writing the tables officials exchange: CSV (UTF-8 or GBK) and .xlsx.

Uploaded files are hostile until proven otherwise: the type is decided by content, an .xlsx's unpacked size
is checked before parsing (decompression bombs), XML entities are never resolved (openpyxl parses with
defusedxml when it is installed), and text that a spreadsheet would run as a formula is neutralised when we
write it.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

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
    return unicodedata.normalize("NFKC", str(value)).strip()


def sniff_kind(data: bytes) -> str:
    """'xlsx', 'csv', or raise: decided by the bytes, never by the file name."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith((b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG", b"\x7fELF", b"MZ", b"\x1f\x8b")):
        raise TableError("文件不是 CSV 或 Excel (.xlsx) 表格，请另存为 .xlsx 或 CSV 后上传。")
    if b"\x00" in data[:4096]:
        raise TableError("文件包含二进制内容，不是 CSV 或 Excel (.xlsx) 表格。")
    return "csv"


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GBK/GB18030 as Excel on Chinese Windows writes it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("无法识别文件编码：请使用 UTF-8 或 GBK 编码保存 CSV 文件。")


def check_xlsx_archive(data: bytes) -> None:
    """Refuse an .xlsx whose unpacked size is out of proportion before anything parses it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise TableError("文件已损坏或不是有效的 Excel (.xlsx) 文件。") from exc
    with archive:
        names = archive.namelist()
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            raise TableError("压缩包不是 Excel (.xlsx) 工作簿。")
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > XLSX_MAX_UNPACKED_BYTES or unpacked > XLSX_MAX_RATIO * max(len(data), 1):
            raise TableError(
                f"Excel 文件解压后过大（{unpacked // (1024 * 1024)} MB），疑似压缩炸弹，已拒绝处理。"
            )
        for info in archive.infolist():
            if info.filename.endswith(".xml") and info.file_size < 1_000_000:
                head = archive.read(info.filename)[:4096]
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise TableError("Excel 文件包含 XML 实体声明（DOCTYPE/ENTITY），已拒绝处理。")


def read_table(data: bytes, source: str, sheet: str | None = None, header_row: int = 1) -> Table:
    """Parse an uploaded CSV or .xlsx into text cells. Blank rows are dropped; row numbers are kept."""
    kind = sniff_kind(data)
    if kind == "xlsx":
        check_xlsx_archive(data)
        raw_rows, sheet_name = _xlsx_rows(data, sheet)
    else:
        raw_rows, sheet_name = _csv_rows(decode_text(data)), ""
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(raw_rows, start=1):
        texts = [normalise_cell(c) for c in cells]
        if number < header_row:
            continue
        if number == header_row:
            header = texts
            continue
        if any(texts):
            rows.append((number, texts))
    if not header or not any(header):
        raise TableError("文件没有表头行。")
    return Table(source=source, sheet=sheet_name, header=header, rows=rows)


def _csv_rows(text: str) -> Iterator[list[str]]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    yield from csv.reader(io.StringIO(text), dialect)


def _xlsx_rows(data: bytes, sheet: str | None) -> tuple[list[Sequence[Any]], str]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for malformed packages
        raise TableError(f"无法读取 Excel 文件：{exc}") from exc
    try:
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        rows = [list(r) for r in worksheet.iter_rows(values_only=True)]
        return rows, worksheet.title
    except KeyError as exc:
        raise TableError(f"工作簿中没有名为“{sheet}”的工作表。") from exc
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
            raise TableError(f"无法读取 CSV 文件：{exc}") from exc
        return kind, [Sheet(csv_name, rows)]
    check_xlsx_archive(data)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for malformed packages
        raise TableError(f"无法读取 Excel 文件：{exc}") from exc
    try:
        sheets = []
        for index, worksheet in enumerate(workbook.worksheets):
            if index == 0 or worksheet.title in wanted:
                # Trust the cells, not the declared size: rows are then as long as their last cell.
                worksheet.reset_dimensions()
                values = worksheet.iter_rows(values_only=True)
                sheets.append(Sheet(worksheet.title, _numbered(values, worksheet.title)))
        return kind, sheets
    except TableError:
        raise
    except Exception as exc:  # a malformed or hostile sheet (defusedxml refuses entities while parsing)
        raise TableError(f"无法读取 Excel 文件：{exc}") from exc
    finally:
        workbook.close()


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
            raise TableError(f"工作表“{sheet}”超过 {MAX_ROWS} 行或 {MAX_COLUMNS} 列，请检查是否选错了文件。")
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
