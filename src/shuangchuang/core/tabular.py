"""Reading and writing the tables officials exchange: CSV (UTF-8, GBK or UTF-16) and .xlsx.

Uploaded files are hostile until proven otherwise: the type is decided by content (a file that is not a
workbook is told what it is), the size, rows, columns and cell length are bounded (`MAX_ROWS` …, checked
while the rows stream in, so a huge file stops at its first row too many), an .xlsx's unpacked size is
checked before parsing (decompression bombs), XML entities are never resolved (openpyxl parses with
defusedxml when it is installed; calamine's XML reader does not expand entities), and text that a
spreadsheet would run as a formula is neutralised when we write it.

Workbooks are read with python-calamine (Rust, about ten times faster than openpyxl) when every worksheet
is a plain table: each cell carries its position and the cells span no more than MAX_ROWS × MAX_COLUMNS,
about as densely as a table does. calamine lays a sheet out as one dense block in memory and aborts the
whole process when that block cannot be allocated (two cells, A1 and XFD1048576, ask for 500 GB), so any
other workbook is read by openpyxl, which streams its cells.

Formula cells are found in the sheet XML itself (`<f>`), so that both readers see the same: one with a
saved result (`<v>`) is read at that result and listed in `Sheet.formulas`; one without (a formula typed
by a program that never calculated it) is refused, never read as a blank.

Cells are read as written (stripped): an official's text keeps its full-width punctuation. A reader NFKC-
normalises only what it matches or parses (headers, codes, names looked up, numbers) with `matching_text`.

Every problem is a `TableError` with a message in the reader's language and, where there is one, the
sheet, row and column; the parsers' own (English) texts never reach the user.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.utils.translation import gettext
from openpyxl.utils import get_column_letter

T = TypeVar("T")

MAX_ROWS = 10_000
MAX_COLUMNS = 300
MAX_CELL_CHARS = 32_767  # the most one Excel cell holds
XLSX_MAX_UNPACKED_BYTES = 50 * 1024 * 1024
XLSX_MAX_RATIO = 200
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Names that promise a workbook (see claims_workbook).
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".xltx", ".et", ".ods")


class TableError(ValueError):
    """A file that cannot be read as a table (wrong type, bad encoding, too large, a formula without its
    result …): `message` in the reader's language, and the sheet, row and column where there is one."""

    def __init__(self, message: str, *, sheet: str = "", row: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.sheet = sheet
        self.row = row
        self.column = column

    @property
    def column_letter(self) -> str:
        return get_column_letter(self.column) if self.column else ""

    @property
    def where(self) -> str:
        values = {"sheet": self.sheet, "row": self.row, "column": self.column_letter}
        if self.row and self.column:
            if self.sheet:
                return gettext("工作表“%(sheet)s”第 %(row)d 行 %(column)s 列") % values
            return gettext("第 %(row)d 行 %(column)s 列") % values
        if self.row:
            if self.sheet:
                return gettext("工作表“%(sheet)s”第 %(row)d 行") % values
            return gettext("第 %(row)d 行") % values
        return gettext("工作表“%(sheet)s”") % values if self.sheet else ""

    def __str__(self) -> str:
        if where := self.where:
            return gettext("%(where)s：%(message)s") % {"where": where, "message": self.message}
        return self.message


def limits_note() -> str:
    """The limits every upload of a table is held to, as the upload pages state them."""
    return gettext(
        "文件不超过 %(mb)d MB；表格不超过 %(rows)s 行、%(columns)d 列，单元格不超过 %(chars)s 个字符。"
    ) % {
        "mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        "rows": f"{MAX_ROWS:,}",
        "columns": MAX_COLUMNS,
        "chars": f"{MAX_CELL_CHARS:,}",
    }


@dataclass(frozen=True)
class Table:
    """Rows of text cells as written (`normalise_cell`) with the header, and where each row came from (for
    error messages)."""

    source: str
    sheet: str
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (1-based row number in the file, cells)
    formulas: frozenset[tuple[int, int]] = frozenset()  # (row, column) read at a formula's saved result
    kind: str = "csv"  # or "xlsx", by content


@dataclass(frozen=True)
class Sheet:
    """One sheet as text as written (`normalise_cell`): only non-blank rows, with their 1-based row numbers
    in the file, and the cells that hold a formula (read at the result the file saved)."""

    name: str
    rows: list[tuple[int, list[str]]]
    formulas: frozenset[tuple[int, int]] = frozenset()


def normalise_cell(value: Any) -> str:
    """A cell as text, as it was written: stripped, a whole float as an integer, a date without its
    midnight. Full-width characters stay: what an official wrote keeps its （，；：）. What is matched or
    parsed goes through `matching_text`."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()  # a date typed into Excel: openpyxl reads a datetime, calamine a date
    return str(value).strip()


def matching_text(text: str) -> str:
    """A cell's text as it is matched or parsed (a header, a code, a name looked up, a number): NFKC, so that
    full-width letters, digits and punctuation typed with a Chinese input method become half-width
    (“ＪＯＢＳ” → “JOBS”, “１，２３４” → “1,234”, “（人）” → “(人)”), then stripped. Never for text kept as
    written."""
    return (text if text.isascii() else unicodedata.normalize("NFKC", text)).strip()


# What a file is, by its content


def _not_a_workbook(what: str, hint: str = "") -> TableError:
    return TableError(
        gettext("不是 Excel 文件（%(what)s）。%(hint)s")
        % {"what": what, "hint": hint or gettext("请上传 Excel 工作簿（.xlsx）或 CSV 文件。")}
    )


def _save_as_xlsx() -> str:
    return gettext("请在 Excel 或 WPS 中打开，“另存为” Excel 工作簿（.xlsx）后上传。")


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Signatures long or odd enough that no CSV starts with them (not BMP's "BM" nor a script's "#!").
_BINARY_KINDS: tuple[tuple[tuple[bytes, ...], Callable[[], str]], ...] = (
    ((b"%PDF-",), lambda: gettext("文件内容是 PDF 文档")),
    (
        (b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*"),
        lambda: gettext("文件内容是图片"),
    ),
    (
        (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe"),
        lambda: gettext("文件内容是可执行程序"),
    ),
    (
        (b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf\x27\x1c"),
        lambda: gettext("文件内容是压缩文件，不是 .xlsx 工作簿"),
    ),
)


def sniff_kind(data: bytes) -> str:
    """'xlsx' or 'csv', decided by the bytes, never by the file name; anything that is neither is refused
    with what it is. (Text is read as CSV whatever its name: `claims_workbook` lets a caller say, when
    such text is not the table it expects, that the file is not a workbook at all.)"""
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "xlsx"  # which kind of ZIP package: check_xlsx_archive
    if data.startswith(_OLE):
        raise _ole_kind(data)
    for signatures, what in _BINARY_KINDS:
        if data.startswith(signatures):
            raise _not_a_workbook(what())
    text_like = data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" not in data[:4096]
    if not text_like:
        raise _not_a_workbook(gettext("文件内容是二进制数据，不是表格"))
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:8192]:
        raise _not_a_workbook(gettext("文件内容是 Excel 2003 XML 表格"), _save_as_xlsx())
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")):
        raise _not_a_workbook(gettext("文件内容是网页（HTML）"), _save_as_xlsx())
    return "csv"


def claims_workbook(name: str) -> bool:
    """Whether a file name promises a workbook (.xlsx, .xls …)."""
    return name.lower().rstrip(" .").endswith(WORKBOOK_SUFFIXES)


def text_is_not_a_workbook() -> TableError:
    """For text behind a workbook's name that does not read as the table expected: say what the file is,
    not that a header is missing."""
    return _not_a_workbook(
        gettext("文件内容是纯文本"),
        gettext("如果它是 CSV 文件，请把文件扩展名改为 .csv，并按模板的格式填写。"),
    )


def _ole_kind(data: bytes) -> TableError:
    """An OLE compound file (Office 97-2003, or an encrypted Office 2007+ file): its directory names the
    streams inside, in UTF-16."""

    def holds(stream: str) -> bool:
        return stream.encode("utf-16-le") in data

    if holds("EncryptionInfo"):
        return _not_a_workbook(
            gettext("文件内容是设置了打开密码的工作簿"),
            gettext(
                "请在 Excel 中取消打开密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后上传。"
            ),
        )
    if holds("WordDocument"):
        return _not_a_workbook(gettext("文件内容是 Word 97-2003 文档"))
    if holds("Workbook") or holds("Book"):
        return _not_a_workbook(gettext("文件内容是 Excel 97-2003 (.xls) 格式"), _save_as_xlsx())
    return _not_a_workbook(
        gettext("文件内容是 Excel 97-2003 (.xls) 格式或设置了打开密码的工作簿"), _save_as_xlsx()
    )


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GBK/GB18030 as Excel on Chinese Windows writes it; UTF-16
    with its BOM as Excel's “Unicode text” is saved."""
    encodings = ("utf-16",) if data.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig", "gb18030")
    line = 0
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1  # where the last encoding tried gave up
    raise TableError(gettext("无法识别文件编码：请使用 UTF-8 或 GBK 编码保存 CSV 文件。"), row=line)


# The .xlsx package, before anything parses it


@dataclass(frozen=True)
class SheetFacts:
    """What the package check learnt about one worksheet from its XML, before any reader runs."""

    index: int  # among the worksheets, as the readers count them
    formulas: dict[tuple[int, int], bool]  # (row, column) of each formula cell → whether a result is saved
    overflow: tuple[int, int] | None  # the first filled cell beyond the limits: (row, 0) for a row too many


@dataclass(frozen=True)
class XlsxFacts:
    """Whether calamine may read the workbook, and the worksheets that hold formulas or too many cells."""

    plain: bool
    sheets: dict[str, SheetFacts] = field(default_factory=dict)


_PACKAGES = (  # a part that only one kind of ZIP package has → what that package is
    ("word/document.xml", lambda: gettext("文件内容是 Word 文档")),
    ("ppt/presentation.xml", lambda: gettext("文件内容是 PowerPoint 演示文稿")),
    ("xl/workbook.bin", lambda: gettext("文件内容是 Excel 二进制工作簿 (.xlsb)")),
    ("content.xml", lambda: gettext("文件内容是 OpenDocument 文档（如 .ods）")),
)
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s/>]")


def check_xlsx_archive(data: bytes) -> XlsxFacts:
    """Refuse an .xlsx whose unpacked size is out of proportion, or that declares XML entities, or that is
    another kind of ZIP, before anything parses it; find its formula cells (see the module's docstring)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise TableError(gettext("文件已损坏或不是有效的 Excel (.xlsx) 文件。")) from exc
    with archive:
        names = set(archive.namelist())
        is_workbook = "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)
        if not is_workbook or "xl/workbook.bin" in names:
            for part, what in _PACKAGES:
                if part in names:
                    hint = _save_as_xlsx() if part in ("xl/workbook.bin", "content.xml") else ""
                    raise _not_a_workbook(what(), hint)
            raise _not_a_workbook(gettext("文件内容是 ZIP 压缩包"))
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > XLSX_MAX_UNPACKED_BYTES or unpacked > XLSX_MAX_RATIO * max(len(data), 1):
            raise TableError(
                gettext("Excel 文件解压后过大（%(size)d MB），疑似压缩炸弹，已拒绝处理。")
                % {"size": unpacked // (1024 * 1024)}
            )
        plain = True
        parts: dict[str, tuple[dict[tuple[int, int], bool], tuple[int, int] | None]] = {}
        try:
            for info in archive.infolist():
                if not info.filename.endswith((".xml", ".rels")):
                    continue
                xml = archive.read(info.filename)  # within XLSX_MAX_UNPACKED_BYTES, checked above
                # Anywhere in the part, not only its head: a long comment can push a DOCTYPE down. (Inside
                # text a "<" is always escaped, so this is markup.)
                if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
                    raise TableError(gettext("Excel 文件包含 XML 实体声明（DOCTYPE/ENTITY），已拒绝处理。"))
                fits, overflow = _scan_cells(xml)
                plain = plain and fits
                formulas = _formula_cells(xml) if _FORMULA.search(xml) and _CELL.search(xml) else {}
                if formulas or overflow:
                    parts[info.filename] = (formulas, overflow)
            sheets = _worksheets(archive, parts) if parts else {}
        except TableError:
            raise
        except Exception as exc:  # zlib errors, a CRC mismatch, XML that is not well-formed
            raise _unreadable() from exc
    return XlsxFacts(plain=plain, sheets=sheets)


def _unreadable() -> TableError:
    return TableError(gettext("无法读取 Excel 文件：文件结构已损坏，请在 Excel 中打开后重新保存为 .xlsx。"))


# A cell element (<c …>, with or without a namespace prefix), and one that states its position (r="BA214")
# and how its start tag ends: a cell that only carries a style is empty (<c …/> or <c …></c>).
_CELL = re.compile(rb"<(?:\w+:)?c[\s/>]")
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\s[^>]*?\bt="e"')
_CELL_AT = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*?(/>|>(?:</(?:\w+:)?c>)?)')
_REFERENCE = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")


def _scan_cells(xml: bytes) -> tuple[bool, tuple[int, int] | None]:
    """Whether calamine may read this part (a worksheet; other parts have no cells), and the first cell
    with content beyond MAX_ROWS × MAX_COLUMNS, found as the streaming reader would find it (row by row),
    so that such a sheet is refused before any reader parses it.

    calamine may read a part whose cells all state their position and fit a block of at most MAX_ROWS ×
    MAX_COLUMNS that is not much larger than the cells themselves, and none holds an error (#DIV/0!, #REF!
    …), which calamine reads as an empty cell and openpyxl as its text: a failed formula must be refused as
    what it is, not taken for a blank."""
    cells = len(_CELL.findall(xml))
    if not cells:
        return True, None
    positions = _CELL_AT.findall(xml)
    number_of = {column: _column_number(column) for column in {column for column, _, _ in positions}}
    filled = [(int(row), number_of[column]) for column, row, end in positions if end == b">"]
    overflow = None
    if beyond := [row for row, column in filled if row > MAX_ROWS or column > MAX_COLUMNS]:
        row = min(beyond)
        overflow = (row, 0) if row > MAX_ROWS else (row, max(c for r, c in filled if r == row))
    if _ERROR_CELL.search(xml) or len(positions) != cells:
        return False, overflow  # openpyxl, which places a cell without a position after the one before it
    width = max(number_of.values())
    height = max(int(row) for _, row, _ in positions)
    fits = width <= MAX_COLUMNS and height <= MAX_ROWS and width * height <= max(4 * cells, 100_000)
    return fits, overflow


def _column_number(letters: bytes | str) -> int:
    number = 0
    for letter in letters.encode() if isinstance(letters, str) else letters:
        number = number * 26 + letter - 64
    return number


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _formula_cells(xml: bytes) -> dict[tuple[int, int], bool]:
    """(row, column) → whether a result is saved, for every formula cell of a worksheet part. Positions
    are counted as openpyxl counts them where a row or cell does not state its own."""
    from defusedxml.ElementTree import iterparse

    found: dict[tuple[int, int], bool] = {}
    row = column = 0
    sheet_data = None
    for event, element in iterparse(io.BytesIO(xml), events=("start", "end")):
        tag = _local(element.tag)
        if event == "start":
            if tag == "sheetData":
                sheet_data = element
            elif tag == "row":
                row = int(element.get("r") or row + 1)
                column = 0
            elif tag == "c":
                match = _REFERENCE.fullmatch(element.get("r") or "")
                column = _column_number(match.group(1)) if match else column + 1
            continue
        if tag == "c":
            children = {_local(child.tag): child for child in element}
            if "f" in children:
                value = children.get("v")
                found[(row, column)] = value is not None and bool((value.text or "").strip())
        elif tag == "row" and sheet_data is not None:
            sheet_data.clear()  # keep memory flat on a long sheet
    return found


def _worksheets(
    archive: zipfile.ZipFile, parts: dict[str, tuple[dict[tuple[int, int], bool], tuple[int, int] | None]]
) -> dict[str, SheetFacts]:
    """The facts of these worksheet parts by sheet name, through the workbook part and its relationships."""
    from defusedxml.ElementTree import fromstring

    names = set(archive.namelist())

    def targets(source: str) -> dict[str, tuple[str, str]]:
        """A part's relationships: id → (type, the target part's name)."""
        folder, base = posixpath.split(source)
        rels = posixpath.join(folder, "_rels", base + ".rels")
        if rels not in names:
            return {}
        found = {}
        for element in fromstring(archive.read(rels)):
            target = element.get("Target") or ""
            path = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target))
            )
            found[element.get("Id") or ""] = ((element.get("Type") or "").rsplit("/", 1)[-1], path)
        return found

    workbook = next(
        (path for kind, path in targets("").values() if kind == "officeDocument"), "xl/workbook.xml"
    )
    if workbook not in names:
        raise _unreadable()  # no reader could name the sheets either
    relationships = targets(workbook)
    sheets: dict[str, SheetFacts] = {}
    index = 0
    for element in fromstring(archive.read(workbook)).iter():
        if _local(element.tag) != "sheet":
            continue
        rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
        kind, part = relationships.get(rid, ("", ""))
        if kind != "worksheet":
            continue  # a chart sheet: the readers pass it over
        if part in parts:
            formulas, overflow = parts[part]
            sheets[element.get("name") or ""] = SheetFacts(index, formulas, overflow)
        index += 1
    return sheets


# Reading


def read_table(data: bytes, source: str, sheet: str | None = None, header_row: int = 1) -> Table:
    """An uploaded CSV or .xlsx as a header and text rows (the first sheet, or the one named). Blank rows
    are dropped; row numbers are kept. The same checks and limits as `read_sheets`."""
    kind, sheets = _read(data, lambda index, name: name == sheet if sheet else index == 0, csv_name="")
    if not sheets:
        raise TableError(gettext("工作簿中没有名为“%(sheet)s”的工作表。") % {"sheet": sheet})
    found = sheets[0]
    header = next((cells for number, cells in found.rows if number == header_row), [])
    if not any(header):
        raise TableError(gettext("文件没有表头行。"))
    return Table(
        source=source,
        sheet=found.name,
        header=header,
        rows=[(number, cells) for number, cells in found.rows if number > header_row],
        formulas=found.formulas,
        kind=kind,
    )


def read_sheets(data: bytes, *, wanted: Sequence[str] = (), csv_name: str = "CSV") -> tuple[str, list[Sheet]]:
    """The kind of the file and its sheets: for a CSV its one table (named `csv_name`); for an .xlsx the
    first sheet and those named in `wanted` (hidden ones too). A sheet with content beyond MAX_ROWS ×
    MAX_COLUMNS is refused, and the size a worksheet declares is ignored (openpyxl would pad every row to
    any dimension it claims)."""
    return _read(data, lambda index, sheet: index == 0 or sheet in wanted, csv_name=csv_name)


def _read(data: bytes, wanted: Callable[[int, str], bool], *, csv_name: str) -> tuple[str, list[Sheet]]:
    limit = settings.UPLOAD_MAX_BYTES
    if len(data) > limit:
        raise TableError(
            gettext("文件过大（%(size)d MB），上限为 %(limit)d MB。")
            % {"size": len(data) // (1024 * 1024), "limit": limit // (1024 * 1024)}
        )
    kind = sniff_kind(data)
    if kind == "csv":
        return kind, [Sheet(csv_name, _numbered(_csv_rows(decode_text(data)), ""))]
    facts = check_xlsx_archive(data)
    for sheet, found in facts.sheets.items():  # refused before a reader parses anything
        if wanted(found.index, sheet):
            if found.overflow:
                row, column = found.overflow
                raise _too_many_columns(sheet, row, column) if column else _too_many_rows(sheet, row)
            _refuse_formulas_without_results(sheet, found.formulas)

    def consume(sheet: str, rows: Iterable[Sequence[Any]]) -> Sheet:
        found = facts.sheets.get(sheet)
        return Sheet(sheet, _numbered(rows, sheet), frozenset(found.formulas) if found else frozenset())

    return kind, _xlsx_sheets(data, wanted, consume, plain=facts.plain)


def _too_many_rows(sheet: str, row: int) -> TableError:
    return TableError(
        gettext("表格超过 %(limit)s 行的上限（第 %(row)d 行），请检查是否选错了文件。")
        % {"limit": f"{MAX_ROWS:,}", "row": row},
        sheet=sheet,
        row=row,
    )


def _too_many_columns(sheet: str, row: int, column: int) -> TableError:
    return TableError(
        gettext("表格超过 %(limit)s 列的上限（第 %(column)d 列），请检查是否选错了文件。")
        % {"limit": f"{MAX_COLUMNS:,}", "column": column},
        sheet=sheet,
        row=row,
        column=column,
    )


def _refuse_formulas_without_results(sheet: str, formulas: dict[tuple[int, int], bool]) -> None:
    missing = sorted(position for position, saved in formulas.items() if not saved)
    if not missing:
        return
    cells = [f"{get_column_letter(column)}{row}" for row, column in missing]
    listed = "、".join(cells[:10]) + ("……" if len(cells) > 10 else "")
    row, column = missing[0]
    raise TableError(
        gettext(
            "单元格是公式，文件中没有保存计算结果（共 %(n)d 个：%(cells)s）。请在 Excel 中打开并保存后再上传，"
            "或复制这些单元格，用“选择性粘贴 → 数值”粘贴为数值。"
        )
        % {"n": len(cells), "cells": listed},
        sheet=sheet,
        row=row,
        column=column,
    )


def _numbered(raw_rows: Iterable[Sequence[Any]], sheet: str) -> list[tuple[int, list[str]]]:
    """Non-blank rows as text with their row numbers, refused at the first row, column or cell over the
    limits (while the rows stream in: nothing past it is read)."""
    rows: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(raw_rows, start=1):
        if not raw:
            continue
        texts = [normalise_cell(c) for c in raw]
        while texts and not texts[-1]:  # calamine pads rows to the sheet's width, openpyxl does not
            texts.pop()
        if not texts:
            continue
        if number > MAX_ROWS:
            raise _too_many_rows(sheet, number)
        if len(texts) > MAX_COLUMNS:
            raise _too_many_columns(sheet, number, len(texts))
        for column, text in enumerate(texts, start=1):
            if len(text) > MAX_CELL_CHARS:
                raise _cell_too_long(sheet, number, column)
            if "\x00" in text:
                raise TableError(
                    gettext("单元格含有空字符（NUL），文件可能已损坏或不是文本表格。"),
                    sheet=sheet,
                    row=number,
                    column=column,
                )
        rows.append((number, texts))
    return rows


def _cell_too_long(sheet: str, row: int, column: int) -> TableError:
    return TableError(
        gettext("单元格超过 %(limit)s 个字符（Excel 单元格的上限），请检查是否选错了文件。")
        % {"limit": f"{MAX_CELL_CHARS:,}"},
        sheet=sheet,
        row=row,
        column=column,
    )


def _csv_rows(text: str) -> Iterator[list[str]]:
    """Records of a CSV, with any mix of line endings (CR, LF, CRLF). The csv module's errors become
    TableErrors with the record's number, and the column where one can be told."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    record: list[str] = []  # the lines of the record being read

    def lines() -> Iterator[str]:
        for line in io.StringIO(text):
            record.append(line)
            yield line

    reader = csv.reader(lines(), dialect)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise _cell_too_long("", number + 1, _long_field(record, dialect)) from exc
            raise TableError(
                gettext("CSV 文件格式有误（例如引号不成对），无法读取。"), row=number + 1
            ) from exc
        number += 1
        record.clear()
        yield cells


def _long_field(lines: list[str], dialect: Any) -> int:
    """The column of the first field over the csv module's limit in a record's text."""
    limit = min(csv.field_size_limit(), MAX_CELL_CHARS)
    delimiter, quote = dialect.delimiter, dialect.quotechar or '"'
    column, length, quoted, previous = 1, 0, False, ""
    for char in "".join(lines):
        if quoted:
            if char == quote:
                quoted = False
            else:
                length += 1
        elif char == quote:
            quoted = True
            if previous == quote:
                length += 1  # a doubled quote inside a quoted field
        elif char == delimiter:
            column, length = column + 1, 0
        elif char != "\n":
            length += 1
        if length > limit:
            return column
        previous = char
    return column


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
            raise _unreadable() from exc
        return [consume(name, rows) for name, rows in sheets]
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for malformed packages
        raise _unreadable() from exc
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
        raise _unreadable() from exc
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
