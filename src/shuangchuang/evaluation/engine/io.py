"""Reading analysts' CSV and Excel files into engine inputs, and writing results.

Analysts' files come from Excel and WPS on Chinese desktops: CSV in UTF-8 (with or without BOM)
or GBK, numbers with full-width digits (１２３) or thousands separators (1,234.5), codes and
names in Chinese. Every problem is reported with the file, the row as a spreadsheet shows it
(the header is row 1) and the column, because that is where the analyst will look.

Excel files are read with openpyxl in read-only mode; formulas are never evaluated: a formula
cell contributes the value Excel saved with it, and a formula without a saved value is an error.
"""

from __future__ import annotations

import csv
import io as _io
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np

from .data import Dataset, Framework, Node
from .weights import PairwiseMatrix


class InputFileError(Exception):
    """A problem in an input file, located by row (as a spreadsheet numbers it) and column."""

    def __init__(self, path: str | Path, message: str, row: int | None = None, column: str | None = None):
        self.path = str(path)
        self.row = row
        self.column = column
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.path]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}"


@dataclass(frozen=True)
class Table:
    """The cells of a CSV file or of an Excel file's first sheet, as read.

    `rows[k]` is the spreadsheet row `row_numbers[k]`; cells are str, float, int or None.
    """

    path: str
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    row_numbers: tuple[int, ...]
    header_row: int = 1

    def error(self, message: str, row: int | None = None, column: str | None = None) -> InputFileError:
        return InputFileError(self.path, message, row, column)


MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "#n/a", "-", "—", "–", "…", ".."})
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def parse_number(cell: Any) -> float | None:
    """A cell as a number, None when it is empty or a missing-value mark; ValueError otherwise.

    Accepts full-width digits and signs, thousands separators in groups of three ("1,234,567.8"),
    and surrounding spaces; "1,5" is refused rather than guessed.
    """
    if cell is None:
        return None
    if isinstance(cell, bool | datetime | date | time):
        raise ValueError(f"{cell!r} is not a number")
    if isinstance(cell, int | float):
        value = float(cell)
        if math.isnan(value):
            return None
        if math.isinf(value):
            raise ValueError("infinite values are not allowed")
        return value
    text = unicodedata.normalize("NFKC", str(cell)).replace("\u2212", "-")
    text = re.sub(r"\s+", "", text)
    if text.lower() in MISSING_TOKENS:
        return None
    if _PLAIN_NUMBER.fullmatch(text):
        return float(text)
    if _GROUPED_NUMBER.fullmatch(text):
        return float(text.replace(",", ""))
    raise ValueError(f"{str(cell)!r} is not a number")


def read_table(path: str | Path) -> Table:
    """Read a .csv (UTF-8 with or without BOM, or GBK) or .xlsx file; skip rows that are entirely empty."""
    p = Path(path)
    if not p.exists():
        raise InputFileError(path, "no such file")
    if p.is_dir():
        raise InputFileError(path, "is a directory, not a file")
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        raw_rows = _read_xlsx(p, str(path))
    elif suffix in (".csv", ".txt", ""):
        raw_rows = _read_csv(p, str(path))
    else:
        raise InputFileError(path, f"unsupported file type {suffix!r}; use .csv or .xlsx")
    numbered = [(i + 1, row) for i, row in enumerate(raw_rows) if any(_filled(c) for c in row)]
    if not numbered:
        raise InputFileError(path, "the file is empty")
    header_number, header_row = numbered[0]
    header = tuple("" if c is None else unicodedata.normalize("NFKC", str(c)).strip() for c in header_row)
    while header and header[-1] == "":
        header = header[:-1]
    for k, name in enumerate(header):
        if name == "":
            raise InputFileError(path, "a column has no name in the header", header_number, _column_letter(k))
        if name in header[:k]:
            raise InputFileError(path, "two columns have this name", header_number, name)
    width = len(header)
    rows = []
    numbers = []
    for number, row in numbered[1:]:
        cells = list(row[:width]) + [None] * (width - len(row))
        extra = [c for c in row[width:] if _filled(c)]
        if extra:
            raise InputFileError(path, "the row has more cells than the header has columns", number)
        rows.append(tuple(cells))
        numbers.append(number)
    return Table(str(path), header, tuple(rows), tuple(numbers), header_number)


def _filled(cell: Any) -> bool:
    return cell is not None and not (isinstance(cell, str) and cell.strip() == "")


def _read_csv(p: Path, name: str) -> list[list[Any]]:
    data = p.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost any byte sequence
        raise InputFileError(name, "cannot be read as UTF-8 or GBK text")
    try:
        return [[cell.strip() for cell in row] for row in csv.reader(_io.StringIO(text, newline=""))]
    except csv.Error as error:
        raise InputFileError(name, f"is not valid CSV ({error})") from error


def _read_xlsx(p: Path, name: str) -> list[list[Any]]:
    from openpyxl import load_workbook  # imported here: only Excel input needs it

    try:
        formulas = load_workbook(p, read_only=True, data_only=False)
        values = load_workbook(p, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise InputFileError(name, f"cannot be opened as an Excel workbook ({error})") from error
    try:
        sheet_f = formulas.worksheets[0]
        sheet_v = values.worksheets[0]
        rows: list[list[Any]] = []
        for r, (row_f, row_v) in enumerate(
            zip(sheet_f.iter_rows(values_only=True), sheet_v.iter_rows(values_only=True), strict=False),
            start=1,
        ):
            cells = []
            for c, (cell_f, cell_v) in enumerate(zip(row_f, row_v, strict=False)):
                if isinstance(cell_f, str) and cell_f.startswith("="):
                    if cell_v is None:
                        raise InputFileError(
                            name,
                            f"cell {_column_letter(c)}{r} holds a formula with no saved value; open and "
                            "save the file in Excel, or paste the values",
                            r,
                            _column_letter(c),
                        )
                    cells.append(cell_v)
                else:
                    cells.append(cell_f)
            rows.append(cells)
        return rows
    finally:
        formulas.close()
        values.close()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# ---------------------------------------------------------------------------------------------
# Metadata

METADATA_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "code": ("code", "代码", "编码", "指标代码"),
    "parent": ("parent", "上级", "上级代码", "父级"),
    "weight": ("weight", "权重"),
    "polarity": ("polarity", "direction", "方向", "极性"),
    "denominator": ("denominator", "分母"),
    "target": ("target", "目标", "目标值"),
}
POSITIVE = frozenset({"positive", "+", "1", "+1", "正", "正向", "higher", "high"})
NEGATIVE = frozenset({"negative", "-", "-1", "负", "负向", "逆向", "lower", "low"})


@dataclass(frozen=True)
class Metadata:
    """Nodes read from a metadata file, with the row each came from (for error messages)."""

    table: Table
    nodes: tuple[Node, ...]
    row_of: Mapping[str, int]
    column_of: Mapping[str, str]

    def framework_error(self, codes: Sequence[str], field: str | None, message: str) -> InputFileError:
        row = self.row_of.get(codes[0]) if codes else None
        column = self.column_of.get(field) if field else None
        return self.table.error(message, row, column)


def read_metadata(path: str | Path) -> Metadata:
    """One node per row: code, parent, weight, polarity (positive|negative), denominator, target."""
    table = read_table(path)
    column_of = _match_columns(table, METADATA_COLUMNS, required=("code", "parent"))
    position = {key: table.header.index(name) for key, name in column_of.items()}
    nodes = []
    row_of: dict[str, int] = {}
    for row, number in zip(table.rows, table.row_numbers, strict=True):

        def text(key: str, row: tuple[Any, ...] = row) -> str | None:
            if key not in position:
                return None
            cell = row[position[key]]
            if cell is None:
                return None
            value = unicodedata.normalize("NFKC", str(cell)).strip()
            if isinstance(cell, float) and cell.is_integer():
                value = str(int(cell))
            return value or None

        code = text("code")
        if code is None:
            raise table.error("the code is empty", number, column_of["code"])
        if code in row_of:
            raise table.error(
                f"the code {code!r} already appears in row {row_of[code]}", number, column_of["code"]
            )
        row_of[code] = number
        polarity_text = (text("polarity") or "positive").lower()
        if polarity_text in POSITIVE:
            polarity = 1
        elif polarity_text in NEGATIVE:
            polarity = -1
        else:
            raise table.error(
                f"polarity must be positive or negative, not {polarity_text!r}", number, column_of["polarity"]
            )
        nodes.append(
            Node(
                code=code,
                parent=text("parent"),
                weight=_number_cell(table, row, position, column_of, "weight", number),
                polarity=polarity,
                denominator=text("denominator"),
                target=_number_cell(table, row, position, column_of, "target", number),
            )
        )
    return Metadata(table, tuple(nodes), row_of, column_of)


def _number_cell(
    table: Table,
    row: tuple[Any, ...],
    position: Mapping[str, int],
    column_of: Mapping[str, str],
    key: str,
    number: int,
) -> float | None:
    if key not in position:
        return None
    try:
        return parse_number(row[position[key]])
    except ValueError as error:
        raise table.error(f"the {key} must be a number: {error}", number, column_of[key]) from None


def _match_columns(
    table: Table, aliases: Mapping[str, tuple[str, ...]], required: Iterable[str]
) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in table.header:
        key = name.strip().lower()
        for field, names in aliases.items():
            if key in names and field not in found:
                found[field] = name
    for field in required:
        if field not in found:
            raise table.error(f"the header has no {field!r} column", table.header_row)
    return found


# ---------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class DataFile:
    dataset: Dataset
    table: Table
    unit_column: str
    row_of: Mapping[str, int]
    group_column: str | None


def read_data(
    path: str | Path,
    framework: Framework,
    metadata: Metadata | None = None,
    group: str | None = None,
    require_group: bool = False,
) -> DataFile:
    """The data matrix: first column the unit code, the indicator and denominator columns the
    framework names, and a text column as the group (`group` picks one when there are several)."""
    table = read_table(path)
    unit_column = table.header[0]
    needed = list(dict.fromkeys([*framework.leaf_codes, *(d for d in framework.denominators if d)]))
    header_row = _header_row(table)
    for name in needed:
        if name not in table.header:
            role = "an indicator" if name in framework.leaf_codes else "a denominator"
            hint = ""
            if metadata is not None:
                code = name if name in metadata.row_of else _denominated_by(framework, name)
                if code in metadata.row_of:
                    field = "code" if name in framework.leaf_codes else "denominator"
                    hint = f" ({metadata.table.path}, row {metadata.row_of[code]}, column {metadata.column_of[field]!r})"
            raise table.error(
                f"there is no column {name!r}, which the metadata lists as {role}{hint}", header_row
            )
    units = []
    row_of: dict[str, int] = {}
    for row, number in zip(table.rows, table.row_numbers, strict=True):
        cell = row[0]
        code = "" if cell is None else unicodedata.normalize("NFKC", str(cell)).strip()
        if isinstance(cell, float) and cell.is_integer():
            code = str(int(cell))
        if not code:
            raise table.error("the unit code is empty", number, unit_column)
        if code in row_of:
            raise table.error(f"unit {code!r} already appears in row {row_of[code]}", number, unit_column)
        row_of[code] = number
        units.append(code)
    if not units:
        raise table.error("the file has no data rows")
    values = np.empty((len(units), len(needed)))
    for j, name in enumerate(needed):
        k = table.header.index(name)
        for i, (row, number) in enumerate(zip(table.rows, table.row_numbers, strict=True)):
            try:
                number_value = parse_number(row[k])
            except ValueError as error:
                raise table.error(str(error), number, name) from None
            values[i, j] = np.nan if number_value is None else number_value
    group_column = _group_column(table, needed, group, require_group)
    groups = None
    if group_column is not None:
        k = table.header.index(group_column)
        groups = tuple(
            "" if row[k] is None else unicodedata.normalize("NFKC", str(row[k])).strip() for row in table.rows
        )
    dataset = Dataset(tuple(units), tuple(needed), values, groups)
    return DataFile(dataset, table, unit_column, row_of, group_column)


def _denominated_by(framework: Framework, denominator: str) -> str:
    for code, d in zip(framework.leaf_codes, framework.denominators, strict=True):
        if d == denominator:
            return code
    return denominator


def _header_row(table: Table) -> int:
    return table.header_row


def _group_column(table: Table, needed: Sequence[str], group: str | None, required: bool) -> str | None:
    if group is not None:
        if group not in table.header:
            raise table.error(f"there is no column {group!r} to group by", _header_row(table), group)
        if group == table.header[0] or group in needed:
            raise table.error(
                "the group column cannot be the unit code or a numeric column", _header_row(table), group
            )
        return group
    text_columns = []
    for k, name in enumerate(table.header[1:], start=1):
        if name in needed:
            continue
        if any(_is_text(row[k]) for row in table.rows):
            text_columns.append(name)
    if len(text_columns) == 1:
        return text_columns[0]
    if required:
        if not text_columns:
            raise table.error(
                "group imputation needs a text column giving each unit's group", _header_row(table)
            )
        raise table.error(
            f"there are several text columns ({', '.join(text_columns)}); choose the group with --group",
            _header_row(table),
        )
    return None


def _is_text(cell: Any) -> bool:
    if cell is None or isinstance(cell, int | float):
        return False
    try:
        parse_number(cell)
    except ValueError:
        return True
    return False


# ---------------------------------------------------------------------------------------------
# AHP judgements

AHP_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "parent": ("parent", "上级"),
    "item": ("item", "a", "指标"),
    "compared_to": ("compared_to", "b", "比较对象"),
    "ratio": ("ratio", "value", "比值", "重要性"),
}


def read_ahp(path: str | Path, framework: Framework) -> dict[str, PairwiseMatrix]:
    """AHP judgements, one comparison per row: parent, item, compared_to, ratio.

    `ratio` says how many times more important `item` is than `compared_to` (Saaty's scale: 1–9,
    or a fraction such as 1/3). For each parent listed, every pair of its children must be compared
    exactly once (in either order); the reciprocal is implied.
    """
    table = read_table(path)
    column_of = _match_columns(table, AHP_COLUMNS, required=tuple(AHP_COLUMNS))
    position = {key: table.header.index(name) for key, name in column_of.items()}
    judgements: dict[str, dict[tuple[str, str], tuple[float, int]]] = {}
    for row, number in zip(table.rows, table.row_numbers, strict=True):
        cells = {
            key: "" if row[k] is None else unicodedata.normalize("NFKC", str(row[k])).strip()
            for key, k in position.items()
        }
        parent = cells["parent"]
        if parent not in framework.index_of:
            raise table.error(f"{parent!r} is not a code in the metadata", number, column_of["parent"])
        children = framework.children_of(parent)
        if not children:
            raise table.error(
                f"{parent!r} is an indicator; only aggregates have weights to compare",
                number,
                column_of["parent"],
            )
        for key in ("item", "compared_to"):
            if cells[key] not in children:
                raise table.error(f"{cells[key]!r} is not a child of {parent}", number, column_of[key])
        if cells["item"] == cells["compared_to"]:
            raise table.error("an item cannot be compared with itself", number, column_of["compared_to"])
        ratio = _ratio(row[position["ratio"]])
        if ratio is None or ratio <= 0:
            raise table.error(
                "the ratio must be a positive number such as 3 or 1/3", number, column_of["ratio"]
            )
        a, b = cells["item"], cells["compared_to"]
        pair = (a, b) if a <= b else (b, a)
        seen = judgements.setdefault(parent, {})
        if pair in seen:
            raise table.error(f"{a} and {b} were already compared in row {seen[pair][1]}", number)
        seen[pair] = (ratio if pair == (a, b) else 1.0 / ratio, number)
    matrices = {}
    for parent, pairs in judgements.items():
        items = framework.children_of(parent)
        index = {c: i for i, c in enumerate(items)}
        m = np.ones((len(items), len(items)))
        for (a, b), (ratio, _) in pairs.items():
            m[index[a], index[b]] = ratio
            m[index[b], index[a]] = 1.0 / ratio
        expected = len(items) * (len(items) - 1) // 2
        if len(pairs) != expected:
            missing = [
                f"{a}–{b}"
                for i, a in enumerate(items)
                for b in items[i + 1 :]
                if ((a, b) if a <= b else (b, a)) not in pairs
            ]
            raise table.error(f"{parent}: {expected} comparisons are needed; missing {', '.join(missing)}")
        matrices[parent] = PairwiseMatrix(items, m)
    return matrices


def _ratio(cell: Any) -> float | None:
    if isinstance(cell, str):
        text = unicodedata.normalize("NFKC", cell).replace(" ", "")
        if "/" in text:
            top, _, bottom = text.partition("/")
            try:
                a, b = parse_number(top), parse_number(bottom)
            except ValueError:
                return None
            return None if a is None or b is None or b == 0 else a / b
    try:
        return parse_number(cell)
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Results


def write_table(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a CSV (UTF-8 with BOM, so Excel shows Chinese correctly) or, for .xlsx, a workbook."""
    p = Path(path)
    if p.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("results")
        sheet.append(list(header))
        for row in rows:
            sheet.append([None if isinstance(v, float) and math.isnan(v) else v for v in row])
        workbook.save(p)
        return
    with p.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_format(v) for v in row])


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".10g")
    return str(value)
