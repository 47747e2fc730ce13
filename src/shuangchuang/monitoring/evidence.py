"""Evidence files (佐证材料): which files a report accepts, and storing them.

An uploaded file is hostile until proven otherwise. Evidence is an allow-list: PDF, JPEG and PNG images,
and Word, Excel and PowerPoint documents (.docx, .xlsx, .pptx). The type is decided by the file's first
bytes (and, for the Office formats, by the parts listed in the ZIP directory, which is read without
decompressing anything), never by the content type the browser claims; the name's extension must then be
one of that type's (`report.xlsx.exe` is refused, not stored) or is added when the name has none.

Left out on purpose: Office 97-2003 files (.doc, .xls, .ppt), because they carry macros and embedded
objects that cannot be checked cheaply and every Office since 2007 saves the formats above; macro-enabled
documents; and ZIP archives, because the files inside could not be checked one by one (nor opened by a
reviewer without unpacking them). Executables, web pages and anything else are refused too.

The user's file name is cleaned of folders, control characters (NUL …) and bidirectional overrides
(U+202A–U+202E, U+2066–U+2069, U+200E/U+200F …) before it is kept for display and for the download's
Content-Disposition; the file itself is stored under a random name with the extension of its type
(`models.evidence_path`). A refusal carries its reason as a value (`Rejection`), for the audit log.
"""

from __future__ import annotations

import enum
import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from shuangchuang.accounts.models import User
from shuangchuang.core.audit import record
from shuangchuang.core.policy import may

from .catalogue import section_label as catalogue_section_label
from .exceptions import MonitoringError, NotAllowed
from .models import Evidence, Report
from .policy import CONFIRMATION_SECTION, may_upload_to

MAX_BYTES = 10 * 1024 * 1024
MAX_ZIP_ENTRIES = 5000
GENERAL_SECTION = "综合"


@dataclass(frozen=True)
class FileKind:
    content_type: str
    label: str  # Chinese: it goes into the audit row (gettext() it to show it)
    extensions: tuple[str, ...]  # the first is the one added to a name without any


PDF = FileKind("application/pdf", gettext_noop("PDF"), (".pdf",))
PNG = FileKind("image/png", gettext_noop("PNG 图片"), (".png",))
JPEG = FileKind("image/jpeg", gettext_noop("JPEG 图片"), (".jpg", ".jpeg"))
XLSX = FileKind(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    gettext_noop("Excel 工作簿"),
    (".xlsx",),
)
DOCX = FileKind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    gettext_noop("Word 文档"),
    (".docx",),
)
PPTX = FileKind(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    gettext_noop("PowerPoint 演示文稿"),
    (".pptx",),
)
KINDS = (PDF, PNG, JPEG, XLSX, DOCX, PPTX)
KIND_OF_TYPE = {kind.content_type: kind for kind in KINDS}
ACCEPT = ",".join(extension for kind in KINDS for extension in kind.extensions)  # the file input's accept=
ALLOWED_LABELS = _("PDF、JPEG/PNG 图片、Word（.docx）、Excel（.xlsx）、PowerPoint（.pptx）")
TOO_LARGE = format_lazy(_("文件超过 {mb} MB 的上限，未保存。"), mb=MAX_BYTES // 1024 // 1024)
# The two sections that are not a form section of the catalogue; stored in Chinese, shown translated.
SECTION_LABELS = {CONFIRMATION_SECTION: _("盖章确认"), GENERAL_SECTION: _("综合")}


def section_label(section: str) -> str:
    return str(SECTION_LABELS.get(section) or catalogue_section_label(section))


class Rejection(enum.StrEnum):
    """Why an upload was not stored: a value for the audit log (the message is for the user)."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    TYPE = "type"  # the content is no allowed type (an executable, a web page, text …)
    LEGACY_OFFICE = "legacy_office"  # Office 97-2003 (OLE compound file)
    MACROS = "macros"  # a macro-enabled Office document
    ARCHIVE = "archive"  # a ZIP that is no Office document
    EXTENSION = "extension"  # the name's extension is not one of the content's type


@dataclass(frozen=True)
class Inspection:
    """What an uploaded file is and the name it would be kept under, or why it is refused."""

    name: str  # cleaned; with the type's extension added when it had none
    kind: FileKind | None = None  # None when refused
    rejection: Rejection | None = None
    message: str = ""  # why, in the reader's language
    detected: str = ""  # what the content was found to be (an allowed type's label), for the audit


class EvidenceRejected(MonitoringError):
    """The file was not stored; `reason` (a `Rejection`) and `message` say why."""

    def __init__(self, inspection: Inspection) -> None:
        super().__init__(inspection.message)
        self.inspection = inspection
        self.reason = inspection.rejection
        self.detected = inspection.detected


class SizeLimitedUpload(FileUploadHandler):
    """Stops reading an uploaded file once it passes the limit, so nothing larger reaches the disk.
    Installed before the request body is parsed; the view reads `exceeded` to say why there is no file."""

    def __init__(self, request: HttpRequest | None = None, limit: int = MAX_BYTES) -> None:
        super().__init__(request)
        self.limit = limit
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def facts(self) -> dict[str, Any]:
        """What the audit log can say of a file refused for its size: its name and that it passed the
        limit (it was never read in full, so it has no SHA-256)."""
        return {"file": self.file_name or "", "size": f">{self.limit}", "sha256": None}


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(stream: IO[bytes]) -> FileKind | Rejection:
    """The kind of file the content says this is, or why it is not accepted."""
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head == b"\x89PNG\r\n\x1a\n":
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(stream)
    if head == _OLE:
        return Rejection.LEGACY_OFFICE
    return Rejection.TYPE


def _office_kind(stream: IO[bytes]) -> FileKind | Rejection:
    """xlsx, docx and pptx are ZIP packages; tell them apart (and from any other ZIP) by their part names."""
    try:
        with zipfile.ZipFile(stream) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return Rejection.TYPE
    finally:
        stream.seek(0)
    if len(names) > MAX_ZIP_ENTRIES:
        return Rejection.ARCHIVE
    if "[Content_Types].xml" not in names:
        return Rejection.ARCHIVE
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return Rejection.MACROS  # macro-enabled documents are not evidence
    if "xl/workbook.xml" in names:
        return XLSX
    if "word/document.xml" in names:
        return DOCX
    if "ppt/presentation.xml" in names:
        return PPTX
    return Rejection.ARCHIVE


# Characters a name never keeps: controls and format characters (NUL, CR, bidirectional overrides and
# isolates, zero-width marks), line and paragraph separators, and what file systems forbid.
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_FORBIDDEN = re.compile(r'[<>:"|?*]')
# An extension is a few letters and digits with a letter among them: "v1.2" and "2024.3.15" have none.
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{0,4}[A-Za-z][A-Za-z0-9]{0,4})$")


def clean_file_name(name: str) -> str:
    """The user's file name, safe to show and to send back: no folders, no control or bidi characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _UNSAFE_CATEGORIES)
    name = _FORBIDDEN.sub("_", name).strip().strip(".").strip()
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 190 - len(ext)] + dot + ext) if dot and len(ext) <= 8 else name[:200]
    return name or "佐证材料"


def _split_extension(name: str) -> tuple[str, str]:
    """(stem, ".ext" in lower case), the extension empty when the name has none."""
    match = _EXTENSION.search(name)
    return (name[: match.start()], "." + match.group(1).lower()) if match else (name, "")


def inspect_upload(upload: UploadedFile) -> Inspection:
    """What the file is and the name it would be kept under, or why it is refused (`Rejection`)."""
    name = clean_file_name(upload.name or "")
    if not upload.size:
        return Inspection(name, rejection=Rejection.EMPTY, message=gettext("文件是空的。"))
    if upload.size > MAX_BYTES:
        return Inspection(name, rejection=Rejection.TOO_LARGE, message=str(TOO_LARGE))
    found = sniff(upload)
    if isinstance(found, Rejection):
        return Inspection(name, rejection=found, message=_REFUSALS[found]())
    stem, extension = _split_extension(name)
    if not extension:
        return Inspection(name + found.extensions[0], kind=found, detected=found.label)
    if extension not in found.extensions:
        message = gettext(
            "文件扩展名“%(extension)s”与文件内容（%(kind)s）不符，未保存。请使用与内容相符的扩展名（%(expected)s）。"
        ) % {"extension": extension, "kind": gettext(found.label), "expected": "、".join(found.extensions)}
        return Inspection(name, rejection=Rejection.EXTENSION, message=message, detected=found.label)
    return Inspection(stem + extension, kind=found, detected=found.label)


_REFUSALS = {
    Rejection.TYPE: lambda: (
        gettext("文件内容不是允许的类型（%(allowed)s），与文件名无关，未保存。") % {"allowed": ALLOWED_LABELS}
    ),
    Rejection.LEGACY_OFFICE: lambda: gettext(
        "旧版 Office 97-2003 文件（.doc、.xls、.ppt）可能带有宏，不能作为佐证材料，未保存。"
        "请另存为 .docx、.xlsx、.pptx 或 PDF 后上传。"
    ),
    Rejection.MACROS: lambda: gettext(
        "带宏的 Office 文件不能作为佐证材料，未保存。请另存为不含宏的 .docx、.xlsx 或 .pptx。"
    ),
    Rejection.ARCHIVE: lambda: gettext(
        "压缩包不能作为佐证材料（其中的文件无法逐一核验），未保存。请解压后逐个上传。"
    ),
}


def download_name(evidence: Evidence) -> str:
    """The name a download is offered under: cleaned, and ending in an extension of the stored type (a
    name kept before these rules, such as `report.xlsx.exe`, loses the extension that does not fit)."""
    name = clean_file_name(evidence.original_name)
    kind = KIND_OF_TYPE.get(evidence.content_type)
    if kind is None:
        return name
    stem, extension = _split_extension(name)
    if extension in kind.extensions:
        return name
    if extension:
        name = stem
        if _split_extension(name)[1] in kind.extensions:
            return name
    return name + kind.extensions[0]


def add_evidence(report: Report, upload: UploadedFile, *, section: str, actor: User) -> Evidence:
    """Check and store one evidence file, with its audit row; raise a `MonitoringError` and store nothing
    when the user may not upload here (`policy.may_upload_to`) or the file is refused."""
    if not may_upload_to(actor, report, section):
        if section == CONFIRMATION_SECTION:
            raise NotAllowed(gettext("盖章确认件须由基地在报告核准后上传。"))
        raise NotAllowed(
            gettext("%(report)s 当前为“%(state)s”，不能上传佐证材料。")
            % {"report": report, "state": report.get_state_display()}
        )
    inspection = inspect_upload(upload)
    if inspection.kind is None:
        raise EvidenceRejected(inspection)
    kind, size = inspection.kind, upload.size or 0  # not empty: inspected
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    original_name = inspection.name
    with transaction.atomic():
        evidence = Evidence.objects.create(
            report=report,
            section=section,
            file=upload,
            original_name=original_name,
            content_type=kind.content_type,
            size=size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
        )
        record(
            actor,
            "monitoring.evidence",
            report,
            field=f"佐证材料·{section}",
            new=original_name,
            reason=f"上传{kind.label}（{size:,} 字节，SHA-256 {digest.hexdigest()[:12]}）",
        )
    return evidence


def withdraw_evidence(evidence: Evidence, *, actor: User) -> Evidence:
    """Take a file off the report (uploaded by mistake, or the wrong scan) while whoever may upload it
    still may: it stays stored and on record, with who withdrew it and when, and is no longer offered."""
    report = evidence.report
    if evidence.withdrawn_at is not None:
        raise NotAllowed(gettext("“%(name)s”已撤回。") % {"name": evidence.original_name})
    if not may(actor, "monitoring.evidence.withdraw", evidence):
        raise NotAllowed(
            gettext("%(report)s 当前为“%(state)s”，不能撤回佐证材料。")
            % {"report": report, "state": report.get_state_display()}
        )
    with transaction.atomic():
        updated = Evidence.objects.filter(pk=evidence.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=timezone.now(), withdrawn_by=actor
        )
        if not updated:  # withdrawn by someone else in between
            raise NotAllowed(gettext("“%(name)s”已撤回。") % {"name": evidence.original_name})
        record(
            actor,
            "monitoring.evidence_withdraw",
            report,
            field=f"佐证材料·{evidence.section}",
            old=evidence.original_name,
            reason="撤回（文件留存备查）",
        )
    evidence.refresh_from_db()
    return evidence
