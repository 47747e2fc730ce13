"""Uploaded files are hostile until proven otherwise: refused with a reason, quickly, without eating memory."""

import io
import resource
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shuangchuang.accounts.models import Role
from shuangchuang.core.models import AuditEvent
from shuangchuang.monitoring.models import ReportValue

from .factories import make_period, make_report, make_small_catalogue

pytestmark = pytest.mark.django_db

BASE = "B3-012"
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/></Types>'
)
MB = 1024 * 1024


@pytest.fixture
def client(registry, make_user, client_for):
    make_small_catalogue()
    period = make_period(2025)
    make_report(BASE, period, JOBS=120)
    return client_for(make_user(Role.OPERATOR, base=BASE))


def upload(client, data: bytes, name: str):
    return client.post("/monitoring/excel/", {"period": "2025A", "file": SimpleUploadedFile(name, data)})


def reasons(response) -> list[str]:
    return [e.message for e in response.context["errors"]]


def places(response) -> list[tuple[str, str]]:
    return [(e.sheet, e.cell) for e in response.context["errors"]]


def nothing_saved() -> tuple[int, int]:
    return ReportValue.objects.count(), AuditEvent.objects.filter(action="monitoring.value").count()


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def real_template(client) -> bytes:
    return client.get(f"/monitoring/excel/2025A/{BASE}.xlsx").content


def replace_member(data: bytes, name: str, content: bytes) -> bytes:
    """The same workbook with one part of the package swapped for `content`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == name else source.read(info.filename))
    return buffer.getvalue()


def test_a_decompression_bomb_is_refused_before_it_is_unpacked(client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        # 200 MB of sheet XML, written in 1 MB pieces so that the test itself stays small
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b"<row><c><v>1</v></c></row>" * (MB // 26)
            for _ in range(200):
                sheet.write(chunk)
    bomb = buffer.getvalue()
    assert len(bomb) < 2 * MB
    client.get("/monitoring/excel/")  # the first request of a process imports the views; not timed
    before, memory = nothing_saved(), peak_memory_mb()

    response = upload(client, bomb, "报表.xlsx")

    assert any("疑似压缩炸弹" in r for r in reasons(response))
    assert peak_memory_mb() - memory < 100
    assert nothing_saved() == before


BILLION_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>"
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="5"><c r="D5" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
)


def test_a_workbook_with_xml_entities_is_refused(client):
    hostile = replace_member(real_template(client), "xl/worksheets/sheet1.xml", BILLION_LAUGHS)
    before = nothing_saved()

    response = upload(client, hostile, "报表.xlsx")

    assert reasons(response) == ["Excel 文件包含 XML 实体声明（DOCTYPE/ENTITY），已拒绝处理。"]
    assert nothing_saved() == before


def test_entities_hidden_behind_a_long_comment_are_refused_too(client):
    padded = BILLION_LAUGHS.replace(b"?>", b"?><!--" + b" " * 10_000 + b"-->", 1)
    hostile = replace_member(real_template(client), "xl/worksheets/sheet1.xml", padded)
    memory = peak_memory_mb()

    response = upload(client, hostile, "报表.xlsx")

    assert reasons(response) == ["Excel 文件包含 XML 实体声明（DOCTYPE/ENTITY），已拒绝处理。"]
    assert peak_memory_mb() - memory < 100


def test_entities_in_any_part_of_the_package_are_refused(client):
    hostile = replace_member(real_template(client), "docProps/app.xml", BILLION_LAUGHS)

    response = upload(client, hostile, "报表.xlsx")

    assert reasons(response) == ["Excel 文件包含 XML 实体声明（DOCTYPE/ENTITY），已拒绝处理。"]


UPLOAD_INSTEAD = "请上传 Excel 工作簿（.xlsx）或 CSV 文件。"
SAVE_AS_XLSX = "请在 Excel 或 WPS 中打开，“另存为” Excel 工作簿（.xlsx）后上传。"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, f"不是 Excel 文件（文件内容是图片）。{UPLOAD_INSTEAD}"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
            f"不是 Excel 文件（文件内容是 Excel 97-2003 (.xls) 格式或设置了打开密码的工作簿）。{SAVE_AS_XLSX}",
        ),
        (b"%PDF-1.7\n", f"不是 Excel 文件（文件内容是 PDF 文档）。{UPLOAD_INSTEAD}"),
        (
            "会议纪要\n请各基地于月底前报送数据。\n".encode(),
            "不是 Excel 文件（文件内容是纯文本）。如果它是 CSV 文件，请把文件扩展名改为 .csv，并按模板的格式填写。",
        ),
        (b"PK\x03\x04 broken", "文件已损坏或不是有效的 Excel (.xlsx) 文件。"),
    ],
    ids=["png", "old-xls", "pdf", "text", "broken-zip"],
)
def test_a_file_that_is_not_what_its_name_says_is_refused(client, content, reason):
    before = nothing_saved()

    response = upload(client, content, "报表.xlsx")

    assert reasons(response) == [reason]
    assert nothing_saved() == before


def test_a_zip_that_is_not_a_workbook_is_refused(client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")

    response = upload(client, buffer.getvalue(), "报表.xlsx")

    assert reasons(response) == [f"不是 Excel 文件（文件内容是 ZIP 压缩包）。{UPLOAD_INSTEAD}"]


def test_a_sheet_with_a_cell_in_its_last_row_and_column_is_refused_without_laying_it_out(client):
    template = real_template(client)
    sheet = zipfile.ZipFile(io.BytesIO(template)).read("xl/worksheets/sheet1.xml")
    huge = sheet.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    )
    hostile = replace_member(template, "xl/worksheets/sheet1.xml", huge)
    assert len(hostile) < len(template) + 1024

    memory = peak_memory_mb()
    # calamine would lay this sheet out as one dense block (500 GB) and abort the process; it is streamed.
    response = upload(client, hostile, "报表.xlsx")

    assert reasons(response) == ["表格超过 10,000 行的上限（第 1048576 行），请检查是否选错了文件。"]
    assert places(response) == [("填报数据", "第 1048576 行")]
    assert peak_memory_mb() - memory < 100


def test_the_uploaded_file_name_never_reaches_the_disk(client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    csv = f"基地编号,带动就业人数（人）\n{BASE},130\n".encode()

    response = upload(client, csv, "../../../etc/passwd.csv")

    assert response.context["source"] == "passwd.csv"
    assert list(tmp_path.iterdir()) == []


def test_a_csv_with_an_endless_field_is_refused(client):
    csv = "基地编号,带动就业人数（人）\n".encode() + BASE.encode() + b',"' + b"9" * 200_000 + b'"\n'

    response = upload(client, csv, "报表.csv")

    assert reasons(response) == ["单元格超过 32,767 个字符（Excel 单元格的上限），请检查是否选错了文件。"]
    assert places(response) == [("CSV 文件", "B2")]


def test_a_csv_with_mixed_line_endings_is_read_row_by_row(client):
    csv = f"基地编号,带动就业人数（人）\r{BASE},130\r\n".encode()

    response = upload(client, csv, "报表.csv")

    assert "token" in response.context, response.context.get("errors")
    lines = [(line.code, line.old, line.new) for _, group, _ in response.context["groups"] for line in group]
    assert lines == [("JOBS", "120", "130")]
