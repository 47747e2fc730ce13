"""Evidence files: an allow-list of types, checked by content and by name together; clean names."""

from __future__ import annotations

import io
import zipfile

import pytest
from conftest import sign_in
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shuangchuang.accounts.models import Role
from shuangchuang.monitoring.evidence import (
    KIND_OF_TYPE,
    EvidenceRejected,
    Rejection,
    add_evidence,
    clean_file_name,
    download_name,
    inspect_upload,
)
from shuangchuang.monitoring.models import Evidence

from .factories import make_period, make_report, make_small_catalogue

pytestmark = pytest.mark.django_db

HENGZHOU = "B3-012"
GUANGXI = "drc-450000"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def package(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


XLSX = package("[Content_Types].xml", "xl/workbook.xml")
PPTX = package("[Content_Types].xml", "ppt/presentation.xml")


@pytest.fixture
def report(registry):
    make_small_catalogue()
    return make_report(HENGZHOU, make_period(2025))


@pytest.fixture
def operator(make_user):
    return make_user(Role.OPERATOR, base=HENGZHOU)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def refusal(report, operator, name: str, content: bytes) -> EvidenceRejected:
    with pytest.raises(EvidenceRejected) as refused:
        add_evidence(report, file(name, content), section="就业", actor=operator)
    return refused.value


@pytest.mark.parametrize(
    "name",
    [
        "report.xlsx.exe",
        "report.xlsx\x00.exe",
        "report\u202eexe.xlsx.exe",  # a right-to-left override: shown as “report.exe.xlsx…”
        "report.xlsx\u2067.exe",
    ],
    ids=["exe", "nul", "rlo", "isolate"],
)
def test_a_workbook_under_an_executables_name_is_refused(report, operator, media, name):
    error = refusal(report, operator, name, XLSX)

    assert error.reason == Rejection.EXTENSION
    assert error.message == (
        "文件扩展名“.exe”与文件内容（Excel 工作簿）不符，未保存。请使用与内容相符的扩展名（.xlsx）。"
    )
    assert not Evidence.objects.exists() and not any(media.rglob("*"))


def test_a_pdf_named_like_text_is_refused_not_renamed(report, operator, media):
    error = refusal(report, operator, "a.txt", PDF)

    assert (error.reason, error.detected) == (Rejection.EXTENSION, "PDF")
    assert "“.txt”与文件内容（PDF）不符" in error.message


@pytest.mark.parametrize(
    ("content", "reason", "message"),
    [
        (
            EXE,
            Rejection.TYPE,
            "文件内容不是允许的类型（PDF、JPEG/PNG 图片、Word（.docx）、Excel（.xlsx）、PowerPoint（.pptx）），与文件名无关，未保存。",
        ),
        (
            OLE,
            Rejection.LEGACY_OFFICE,
            "旧版 Office 97-2003 文件（.doc、.xls、.ppt）可能带有宏，不能作为佐证材料，未保存。请另存为 .docx、.xlsx、.pptx 或 PDF 后上传。",
        ),
        (
            package("报告.pdf", "照片.jpg"),
            Rejection.ARCHIVE,
            "压缩包不能作为佐证材料（其中的文件无法逐一核验），未保存。请解压后逐个上传。",
        ),
        (
            package("[Content_Types].xml", "xl/workbook.xml", "xl/vbaProject.bin"),
            Rejection.MACROS,
            "带宏的 Office 文件不能作为佐证材料，未保存。请另存为不含宏的 .docx、.xlsx 或 .pptx。",
        ),
        (b"", Rejection.EMPTY, "文件是空的。"),
    ],
    ids=["exe", "old-office", "zip", "macros", "empty"],
)
def test_what_is_not_on_the_list_is_refused_with_the_reason_kept(
    report, operator, media, content, reason, message
):
    error = refusal(report, operator, "佐证.pdf", content)

    assert (error.reason, error.message) == (reason, message)
    assert str(error) == message


def test_the_inspection_gives_the_reason_as_a_value_for_the_audit_log():
    inspection = inspect_upload(file("report.xlsx.exe", XLSX))

    assert inspection.rejection == Rejection.EXTENSION == "extension"
    assert (inspection.detected, inspection.name, inspection.kind) == (
        "Excel 工作簿",
        "report.xlsx.exe",
        None,
    )


@pytest.mark.parametrize(
    ("name", "content", "stored"),
    [
        ("就业 台账.PDF", PDF, "就业 台账.pdf"),
        ("现场照片.jpeg", JPEG, "现场照片.jpeg"),
        ("汇报.pptx", PPTX, "汇报.pptx"),
        ("扫描件", PDF, "扫描件.pdf"),  # no extension: the detected one is added
        ("2024.3.15 会议纪要", PDF, "2024.3.15 会议纪要.pdf"),  # dots in a name are no extension
        ("合同\u202e.pdf", PDF, "合同.pdf"),
        ("a\x00b\x07c\u200fd.pdf", PDF, "abcd.pdf"),
        ('引号"与:冒号?.pdf', PDF, "引号_与_冒号_.pdf"),
    ],
)
def test_accepted_files_keep_a_clean_name_with_the_extension_of_their_content(
    report, operator, media, name, content, stored
):
    evidence = add_evidence(report, file(name, content), section="就业", actor=operator)

    assert evidence.original_name == stored
    assert evidence.file.name.endswith(KIND_OF_TYPE[evidence.content_type].extensions[0])  # on disk too
    assert "\u202e" not in evidence.file.name and name not in evidence.file.name


def test_names_are_cleaned_of_control_and_bidi_characters():
    hostile = "".join(
        ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
    )

    assert clean_file_name(f"..\\..\\{hostile}台账\u200e\u200f\u061c\r\n.pdf") == "台账.pdf"
    assert clean_file_name("\x00\x1f") == "佐证材料"


def test_a_name_stored_before_these_rules_is_offered_for_download_with_its_contents_extension(
    report, operator, media
):
    evidence = add_evidence(report, file("台账.xlsx", XLSX), section="就业", actor=operator)
    Evidence.objects.filter(pk=evidence.pk).update(original_name="report.xlsx.exe")
    evidence.refresh_from_db()

    assert download_name(evidence) == "report.xlsx"


def test_the_download_header_is_safe_for_chinese_names_and_quotes(report, operator, media, make_user):
    client = Client()
    sign_in(client, operator)
    client.post(
        f"/monitoring/reports/{report.pk}/evidence/", {"section": "就业", "file": file("就业台账.pdf", PDF)}
    )
    evidence = Evidence.objects.get()
    reviewer = Client()
    sign_in(reviewer, make_user(Role.AUTHORITY, authority=GUANGXI))
    url = f"/monitoring/reports/{report.pk}/evidence/{evidence.pk}/"

    chinese = reviewer.get(url)
    Evidence.objects.filter(pk=evidence.pk).update(original_name='a"; filename=evil.exe.pdf')
    quoted = reviewer.get(url)

    assert chinese["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E5%B0%B1%E4%B8%9A%E5%8F%B0%E8%B4%A6.pdf"
    )
    assert quoted["Content-Disposition"] == 'attachment; filename="a_; filename=evil.exe.pdf"'
    assert chinese["X-Content-Type-Options"] == "nosniff"


def test_the_page_refuses_an_executable_name_and_says_why(report, operator, media):
    client = Client()
    sign_in(client, operator)

    response = client.post(
        f"/monitoring/reports/{report.pk}/evidence/",
        {"section": "就业", "file": file("report.xlsx.exe", XLSX)},
        follow=True,
    )

    assert "文件扩展名“.exe”与文件内容（Excel 工作簿）不符" in " ".join(
        str(m) for m in response.context["messages"]
    )
    assert not Evidence.objects.exists()
