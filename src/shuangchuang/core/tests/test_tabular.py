"""Reading uploaded workbooks: calamine for plain tables, openpyxl's streaming reader for anything else,
and the same cells either way."""

import dataclasses
import datetime as dt
import io
import re
import zipfile

import pytest
from django.utils import translation
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
    sheet.append(
        ["B3-012", 1200, "１２，３４５ ", "是", "（一）建成共享实验室；  ", dt.date(2025, 3, 31), 0.125]
    )
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


def replace_part(data: bytes, name: str, content: bytes) -> bytes:
    """The same workbook with one part of the package swapped for `content`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == name else source.read(info.filename))
    return buffer.getvalue()


def use_openpyxl(monkeypatch) -> None:
    """Send every workbook to openpyxl's streaming reader, as one that calamine may not read is."""
    inspect = tabular.check_xlsx_archive
    monkeypatch.setattr(
        tabular, "check_xlsx_archive", lambda data: dataclasses.replace(inspect(data), plain=False)
    )


def test_a_plain_workbook_reads_the_same_with_calamine_and_openpyxl(monkeypatch):
    data = workbook_bytes(official_sheet)
    assert check_xlsx_archive(data).plain is True  # calamine's turn

    fast = read_sheets(data, wanted=("说明",))
    use_openpyxl(monkeypatch)
    streamed = read_sheets(data, wanted=("说明",))

    assert fast == streamed
    kind, (values, notes) = fast
    assert kind == "xlsx" and values.name == "填报数据" and notes.name == "说明"
    assert values.rows == [  # as written: full-width brackets, digits and punctuation stay
        (
            1,
            [
                "基地编号",
                "带动就业人数（人）",
                "营业收入（千元）",
                "是否设立基金",
                "备注",
                "填报日期",
                "占比",
            ],
        ),
        (2, ["B3-012", "1200", "１２，３４５", "是", "（一）建成共享实验室；", "2025-03-31", "0.125"]),
        (4, ["B3-013", "3", "8,800.5", "否", "", "", "12345678901234"]),
        (7, ["", "", "", "", "", "", "", "", "", "角落里的备注"]),
    ]
    assert notes.rows == [(1, ["指标代码", "情况说明"]), (2, ["JOBS", "新园区投入使用"])]


def test_read_table_gives_the_same_table_from_either_reader(monkeypatch):
    data = workbook_bytes(official_sheet)
    fast = read_table(data, "名单.xlsx")
    use_openpyxl(monkeypatch)

    assert read_table(data, "名单.xlsx") == fast
    assert fast.header[:2] == ["基地编号", "带动就业人数（人）"]
    assert [number for number, _ in fast.rows] == [2, 4, 7]


def test_a_gbk_csv_gives_its_text_as_written_and_matching_text_gives_what_is_matched():
    written = "（一）完善政策；（二）加强服务：全年３次。"
    data = (
        f"ｂａｓｅ＿ｃｏｄｅ,ＮＯＴＥ,ＪＯＢＳ\r\n\u3000Ｂ３－０１２\u3000,{written},１，２３４\r\n".encode(
            "gbk"
        )
    )

    _, [sheet] = read_sheets(data)
    [(_, codes), (_, cells)] = sheet.rows

    assert cells == [
        "Ｂ３－０１２",
        written,
        "１，２３４",
    ]  # stripped of the ideographic spaces, nothing else
    assert [tabular.matching_text(c) for c in codes] == ["base_code", "NOTE", "JOBS"]
    assert [tabular.matching_text(c) for c in cells] == [
        "B3-012",
        "(一)完善政策;(二)加强服务:全年3次。",
        "1,234",
    ]


def test_cells_without_their_position_are_left_to_openpyxl_and_read_in_place():
    data = workbook_bytes(official_sheet)
    positionless = without_positions(data)

    assert check_xlsx_archive(positionless).plain is False
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

    assert check_xlsx_archive(workbook_bytes(fill)).plain is plain


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

    assert check_xlsx_archive(data).plain is False  # calamine would read an empty cell
    assert read_sheets(data)[1][0].rows[1] == (2, ["B3-012", "#DIV/0!"])


def test_a_chart_sheet_in_front_is_passed_over():
    def fill(book: Workbook) -> None:
        official_sheet(book)
        book.create_chartsheet("图表", 0)  # first in the workbook, before the data

    data = workbook_bytes(fill)

    # calamine's turn (openpyxl's `worksheets` leave chart sheets out by definition)
    assert check_xlsx_archive(data).plain is True
    [sheet] = read_sheets(data)[1]
    assert sheet.name == "填报数据" and sheet.rows[1] == (
        2,
        ["B3-012", "1200", "１２，３４５", "是", "（一）建成共享实验室；", "2025-03-31", "0.125"],
    )


# Every reader error is a message in the reader's language, with the row and column where there is one.


def test_a_csv_with_mixed_line_endings_is_read_row_by_row():
    data = "基地编号,带动就业人数\rB3-012,120\nB3-013,130\r\nB3-014,140".encode()

    _, [sheet] = read_sheets(data)
    table = read_table(data, "名单.csv")

    assert sheet.rows == [
        (1, ["基地编号", "带动就业人数"]),
        (2, ["B3-012", "120"]),
        (3, ["B3-013", "130"]),
        (4, ["B3-014", "140"]),
    ]
    assert table.rows == sheet.rows[1:]


@pytest.mark.parametrize("length", [40_000, 200_000], ids=["over-excel-cell-limit", "over-csv-field-limit"])
def test_a_csv_cell_too_long_for_a_spreadsheet_is_refused_with_its_row_and_column(length):
    data = "基地编号,备注,带动就业人数\nB3-012,短,1\nB3-013,".encode() + b"9" * length + b",2\n"

    for read in (read_sheets, lambda data: read_table(data, "名单.csv")):
        with pytest.raises(TableError) as refused:
            read(data)
        assert (refused.value.row, refused.value.column) == (3, 2)
        assert (
            refused.value.message == "单元格超过 32,767 个字符（Excel 单元格的上限），请检查是否选错了文件。"
        )
        assert str(refused.value) == "第 3 行 B 列：" + refused.value.message


def test_reader_errors_follow_the_readers_language():
    data = "基地编号,备注\nB3-013,".encode() + b"9" * 200_000 + b"\n"

    with translation.override("en"):
        with pytest.raises(TableError) as refused:
            read_sheets(data)
        text = str(refused.value)

    assert text == (
        "Row 2, column B: The cell is longer than 32,767 characters (the most an Excel cell holds); "
        "check that this is the right file."
    )


def test_a_nul_character_inside_a_csv_is_refused_where_it_is():
    data = "基地编号,备注\n".encode() + b"B3-012," + b"x" * 5000 + b"\n" + b"B3-013,a\x00b\n"

    with pytest.raises(TableError) as refused:
        read_sheets(data)

    assert (refused.value.row, refused.value.column) == (3, 2)
    assert "NUL" in refused.value.message


def test_a_table_over_the_row_limit_is_refused_at_the_first_row_too_many(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_ROWS", 50)
    rows = "\n".join(f"B3-{n:03d},{n}" for n in range(1, 60))
    data = ("基地编号,带动就业人数\n" + rows).encode()

    with pytest.raises(TableError) as refused:
        read_table(data, "名单.csv")

    assert refused.value.row == 51
    assert refused.value.message == "表格超过 50 行的上限（第 51 行），请检查是否选错了文件。"


def test_a_table_over_the_column_limit_is_refused_with_its_row():
    data = ("基地编号," + ",".join(f"列{n}" for n in range(1, 301))).encode()

    with pytest.raises(TableError) as refused:
        read_table(data, "名单.csv")

    assert (refused.value.row, refused.value.column) == (1, 301)
    assert refused.value.message == "表格超过 300 列的上限（第 301 列），请检查是否选错了文件。"


def test_a_malformed_worksheet_gets_a_translated_message_not_the_parsers_text(monkeypatch):
    data = workbook_bytes(official_sheet)
    broken = replace_part(
        data, "xl/worksheets/sheet1.xml", b'<worksheet><sheetData><row r="1"><c r="A1"><v>1'
    )

    fast = _refusal(lambda: read_sheets(broken))
    streamed = _refusal(lambda: read_sheets(broken), monkeypatch)

    assert (
        fast
        == streamed
        == (
            "",
            0,
            0,
            "无法读取 Excel 文件：文件结构已损坏，请在 Excel 中打开后重新保存为 .xlsx。",
        )
    )


# Formula cells: the result saved in the file is read, and said so; a formula without one is refused.


def test_a_formula_without_a_saved_result_is_refused_with_its_cell_by_either_reader(monkeypatch):
    def fill(book: Workbook) -> None:
        book.active.title = "填报数据"
        book.active.append(["基地编号", "带动就业人数（人）", "营业收入（千元）"])
        book.active.append(["B3-012", "=40+1", 5000])
        book.active.append(["B3-013", 30, "=SUM(B2:B3)"])

    data = workbook_bytes(fill)  # openpyxl writes formulas without a result: nothing has calculated them

    fast = _refusal(lambda: read_sheets(data))
    streamed = _refusal(lambda: read_sheets(data), monkeypatch)

    assert fast == streamed
    assert fast == (
        "填报数据",
        2,
        2,
        "单元格是公式，文件中没有保存计算结果（共 2 个：B2、C3）。请在 Excel 中打开并保存后再上传，"
        "或复制这些单元格，用“选择性粘贴 → 数值”粘贴为数值。",
    )


def _refusal(read, monkeypatch=None):
    if monkeypatch is not None:
        use_openpyxl(monkeypatch)
    with pytest.raises(TableError) as refused:
        read()
    if monkeypatch is not None:
        monkeypatch.undo()
    error = refused.value
    return error.sheet, error.row, error.column, error.message


def with_formula(data: bytes, cell: bytes, formula: bytes) -> bytes:
    """Put a formula with a saved result into a cell, as Excel writes it: <f>…</f><v>…</v>."""
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    sheet = re.sub(
        rb'<c r="' + cell + rb'"[^>]*?(/>|>.*?</c>)', b'<c r="' + cell + b'">' + formula + b"</c>", sheet
    )
    return replace_part(data, "xl/worksheets/sheet1.xml", sheet)


def test_a_formula_with_a_saved_result_is_read_at_that_result_and_marked_by_either_reader(monkeypatch):
    def fill(book: Workbook) -> None:
        book.active.title = "填报数据"
        book.active.append(["基地编号", "带动就业人数（人）"])
        book.active.append(["B3-012", 0])

    data = with_formula(workbook_bytes(fill), b"B2", b"<f>40+1</f><v>41</v>")

    _, [fast] = read_sheets(data)
    use_openpyxl(monkeypatch)
    _, [streamed] = read_sheets(data)

    assert fast == streamed
    assert fast.rows == [(1, ["基地编号", "带动就业人数（人）"]), (2, ["B3-012", "41"])]
    assert fast.formulas == frozenset({(2, 2)})


def test_a_formula_whose_saved_result_is_empty_is_refused_not_read_as_a_blank():
    def fill(book: Workbook) -> None:
        book.active.append(["基地编号", "带动就业人数（人）"])
        book.active.append(["B3-012", 0])

    data = with_formula(workbook_bytes(fill), b"B2", b'<f>IF(1&gt;2,1,"")</f><v></v>')

    with pytest.raises(TableError) as refused:
        read_sheets(data)

    assert (refused.value.row, refused.value.column) == (2, 2)


def test_formulas_in_cells_without_positions_are_found_too(monkeypatch):
    def fill(book: Workbook) -> None:
        book.active.append(["基地编号", "带动就业人数（人）"])
        book.active.append(["B3-012", "=40+1"])

    data = without_positions(workbook_bytes(fill))

    with pytest.raises(TableError) as refused:
        read_sheets(data)

    assert (refused.value.row, refused.value.column) == (2, 2)


# Files that are not workbooks say what they are, decided by content


OLD_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def zip_of(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "文件内容是 PDF 文档"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "文件内容是图片"),
        (OLD_XLS, "文件内容是 Excel 97-2003 (.xls) 格式或设置了打开密码的工作簿"),
        (OLD_XLS + "Workbook".encode("utf-16-le"), "文件内容是 Excel 97-2003 (.xls) 格式"),
        (OLD_XLS + "EncryptionInfo".encode("utf-16-le"), "文件内容是设置了打开密码的工作簿"),
        (zip_of("readme.txt"), "文件内容是 ZIP 压缩包"),
        (zip_of("[Content_Types].xml", "word/document.xml"), "文件内容是 Word 文档"),
        (zip_of("[Content_Types].xml", "xl/workbook.bin"), "文件内容是 Excel 二进制工作簿 (.xlsb)"),
        (zip_of("mimetype", "content.xml"), "文件内容是 OpenDocument 文档（如 .ods）"),
        (b"MZ\x90\x00" + b"\x00" * 64, "文件内容是可执行程序"),
        (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "文件内容是网页（HTML）"),
    ],
    ids=["pdf", "png", "ole", "old-xls", "encrypted", "zip", "docx", "xlsb", "ods", "exe", "html"],
)
def test_a_file_that_is_not_a_workbook_says_what_it_is(content, what):
    for read in (lambda: read_sheets(content), lambda: read_table(content, "名单.xlsx")):
        with pytest.raises(TableError) as refused:
            read()
        assert refused.value.message.startswith(f"不是 Excel 文件（{what}）")


def test_text_is_read_as_csv_whatever_its_name_and_the_name_is_there_to_say_it_is_no_workbook():
    data = "基地编号,带动就业人数\nB3-012,120\n".encode()

    assert read_sheets(data)[0] == "csv"
    assert read_table(data, "名单.xlsx").kind == "csv"
    assert tabular.claims_workbook("名单.XLSX") and tabular.claims_workbook("名单.xls ")
    assert not tabular.claims_workbook("名单.csv") and not tabular.claims_workbook("名单.xlsx.txt")
    assert tabular.text_is_not_a_workbook().message.startswith("不是 Excel 文件（文件内容是纯文本）")


def test_a_utf16_text_file_as_excel_saves_unicode_text_is_read():
    data = "基地编号\t带动就业人数\r\nB3-012\t120\r\n".encode("utf-16")

    assert read_sheets(data)[1][0].rows == [(1, ["基地编号", "带动就业人数"]), (2, ["B3-012", "120"])]


def test_a_workbook_over_the_limits_is_refused_before_any_reader_parses_it(monkeypatch):
    def fill(book: Workbook) -> None:
        book.active.title = "名单"
        book.active.append(["序号", "名称"])
        book.active["B10001"] = "第一万零一行"
        book.active["C10002"] = "更远"

    data = workbook_bytes(fill)
    monkeypatch.setattr(tabular, "_xlsx_sheets", lambda *args, **kwargs: pytest.fail("a reader ran"))

    with pytest.raises(TableError) as refused:
        read_table(data, "名单.xlsx")

    assert (refused.value.sheet, refused.value.row, refused.value.column) == ("名单", 10001, 0)
    assert refused.value.message == "表格超过 10,000 行的上限（第 10001 行），请检查是否选错了文件。"


def test_styled_empty_cells_beyond_the_limits_are_no_content():
    def fill(book: Workbook) -> None:
        book.active.append(["序号", "名称"])
        book.active.append([1, "某基地"])
        book.active["A20000"].number_format = "0.00"  # formatting reaches far down; no value
        book.active["KZ2"].number_format = "0.00"

    assert read_table(workbook_bytes(fill), "名单.xlsx").rows == [(2, ["1", "某基地"])]


def test_a_csv_in_no_known_encoding_is_refused_at_the_line_where_reading_stopped():
    data = "基地编号,带动就业人数\nB3-012,120\n".encode() + b"B3-013,\x80\x80\xff\n"

    with pytest.raises(TableError) as refused:
        read_sheets(data)

    assert refused.value.row == 3
    assert str(refused.value) == "第 3 行：无法识别文件编码：请使用 UTF-8 或 GBK 编码保存 CSV 文件。"
