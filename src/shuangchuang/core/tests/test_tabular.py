"""Reading uploaded workbooks: calamine for plain tables, openpyxl's streaming reader for anything else,
and the same cells either way."""

import datetime as dt
import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from shuangchuang.core import tabular
from shuangchuang.core.tabular import TableError, check_xlsx_archive, read_sheets, read_table


def workbook_bytes(fill) -> bytes:
    book = Workbook()
    fill(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def official_sheet(book: Workbook) -> None:
    """What officials send: Chinese headers, full-width digits, thousands separators typed as text,
    trailing spaces, yes/no words, a date, a percentage, blank cells and blank rows, a hidden notes sheet."""
    sheet = book.active
    sheet.title = "填报数据"
    sheet.append(
        ["基地编号", "带动就业人数（人）", "营业收入（千元）", "是否设立基金", "备注", "填报日期", "占比"]
    )
    sheet.append(["B3-012", 1200, "１２，３４５ ", "是", "建成共享实验室  ", dt.date(2025, 3, 31), 0.125])
    sheet.append([None, None, None, None, None, None, None])
    sheet.append(["B3-013", 3.0, "8,800.5", "否", None, None, 12345678901234])
    sheet["J7"] = "角落里的备注"
    notes = book.create_sheet("说明")
    notes.sheet_state = "hidden"
    notes.append(["指标代码", "情况说明"])
    notes.append(["JOBS", "新园区投入使用"])


def without_positions(data: bytes) -> bytes:
    """The same workbook with the r="…" positions removed from every cell, which OOXML allows."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                content = re.sub(rb'(<c\b[^>]*?) r="[A-Z]+[0-9]+"', rb"\1", content)
            target.writestr(info.filename, content)
    return buffer.getvalue()


def test_a_plain_workbook_reads_the_same_with_calamine_and_openpyxl(monkeypatch):
    data = workbook_bytes(official_sheet)
    assert check_xlsx_archive(data) is True  # calamine's turn

    fast = read_sheets(data, wanted=("说明",))
    monkeypatch.setattr(tabular, "check_xlsx_archive", lambda data: False)
    streamed = read_sheets(data, wanted=("说明",))

    assert fast == streamed
    kind, (values, notes) = fast
    assert kind == "xlsx" and values.name == "填报数据" and notes.name == "说明"
    assert values.rows == [  # NFKC: full-width brackets and digits become plain ones
        (1, ["基地编号", "带动就业人数(人)", "营业收入(千元)", "是否设立基金", "备注", "填报日期", "占比"]),
        (2, ["B3-012", "1200", "12,345", "是", "建成共享实验室", "2025-03-31", "0.125"]),
        (4, ["B3-013", "3", "8,800.5", "否", "", "", "12345678901234"]),
        (7, ["", "", "", "", "", "", "", "", "", "角落里的备注"]),
    ]
    assert notes.rows == [(1, ["指标代码", "情况说明"]), (2, ["JOBS", "新园区投入使用"])]


def test_read_table_gives_the_same_table_from_either_reader(monkeypatch):
    data = workbook_bytes(official_sheet)
    fast = read_table(data, "名单.xlsx")
    monkeypatch.setattr(tabular, "check_xlsx_archive", lambda data: False)

    assert read_table(data, "名单.xlsx") == fast
    assert fast.header[:2] == ["基地编号", "带动就业人数(人)"]
    assert [number for number, _ in fast.rows] == [2, 4, 7]


def test_cells_without_their_position_are_left_to_openpyxl_and_read_in_place():
    data = workbook_bytes(official_sheet)
    positionless = without_positions(data)

    assert check_xlsx_archive(positionless) is False
    assert read_sheets(positionless, wanted=("说明",))[1][1].rows == [
        (1, ["指标代码", "情况说明"]),
        (2, ["JOBS", "新园区投入使用"]),
    ]


@pytest.mark.parametrize(
    ("cells", "plain"),
    [
        (["A1", "BA214"], True),  # a filled-in authority sheet's corners
        (["A1", "KN10000"], False),  # within the limits, but a 300 × 10,000 block for two cells
        (["A1", "KO1"], False),  # column 301
        (["A10001"], False),  # row 10,001
    ],
)
def test_only_dense_sheets_within_the_limits_go_to_calamine(cells, plain):
    def fill(book: Workbook) -> None:
        for position in cells:
            book.active[position] = 1
        if plain:  # a real table fills its block
            for row in book.active.iter_rows(min_row=1, max_row=214, max_col=53):
                for cell in row:
                    cell.value = 1

    assert check_xlsx_archive(workbook_bytes(fill)) is plain


def test_a_workbook_calamine_cannot_read_gets_a_clear_error():
    data = workbook_bytes(official_sheet)
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            if info.filename != "xl/workbook.xml":  # the part that lists the sheets
                target.writestr(info.filename, source.read(info.filename))

    with pytest.raises(TableError, match="无法读取 Excel 文件：工作簿中没有工作表"):
        read_sheets(buffer.getvalue())


def test_a_cell_holding_an_excel_error_is_read_as_the_error_not_as_a_blank():
    def fill(book: Workbook) -> None:
        book.active.append(["基地编号", "带动就业人数（人）"])
        book.active.append(["B3-012", "#DIV/0!"])
        book.active["B2"].data_type = "e"  # what Excel stores for a formula that failed

    data = workbook_bytes(fill)

    assert check_xlsx_archive(data) is False  # calamine would read an empty cell
    assert read_sheets(data)[1][0].rows[1] == (2, ["B3-012", "#DIV/0!"])


def test_a_chart_sheet_in_front_is_passed_over():
    def fill(book: Workbook) -> None:
        official_sheet(book)
        book.create_chartsheet("图表", 0)  # first in the workbook, before the data

    data = workbook_bytes(fill)

    # calamine's turn (openpyxl's `worksheets` leave chart sheets out by definition)
    assert check_xlsx_archive(data) is True
    [sheet] = read_sheets(data)[1]
    assert sheet.name == "填报数据" and sheet.rows[1] == (
        2,
        ["B3-012", "1200", "12,345", "是", "建成共享实验室", "2025-03-31", "0.125"],
    )
