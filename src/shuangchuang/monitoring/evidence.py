"""Evidence files (佐证材料): which files a report accepts, and storing them.

An uploaded file is hostile until proven otherwise. Its type is decided by its first bytes (and, for the
Office formats, by the parts listed in the ZIP directory, which is read without decompressing anything),
never by its name or by the content type the browser claims. It is stored under a random name
(`models.evidence_path`); the user's file name is kept only for display and for the download's
Content-Disposition.
"""

from __future__ import annotations

import hashlib
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shuangchuang.accounts.models import Role
from shuangchuang.core.audit import record

from . import services
from .catalogue import section_label as catalogue_section_label
from .exceptions import MonitoringError, NotAllowed
from .models import Evidence, Report, ReportState

MAX_BYTES = 10 * 1024 * 1024
MAX_ZIP_ENTRIES = 5000
CONFIRMATION_SECTION = "盖章确认"
GENERAL_SECTION = "综合"


@dataclass(frozen=True)
class FileKind:
    content_type: str
    label: str


PDF = FileKind("application/pdf", "PDF")
PNG = FileKind("image/png", "PNG 图片")
JPEG = FileKind("image/jpeg", "JPEG 图片")
XLSX = FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel 工作簿")
DOCX = FileKind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word 文档")
ALLOWED_LABELS = _("PDF、PNG、JPEG、Excel（.xlsx）、Word（.docx）")
TOO_LARGE = format_lazy(_("文件超过 {mb} MB 的上限，未保存。"), mb=MAX_BYTES // 1024 // 1024)
# The two sections that are not a form section of the catalogue; stored in Chinese, shown translated.
SECTION_LABELS = {CONFIRMATION_SECTION: _("盖章确认"), GENERAL_SECTION: _("综合")}


def section_label(section: str) -> str:
    return str(SECTION_LABELS.get(section) or catalogue_section_label(section))


class EvidenceRejected(MonitoringError):
    """The file was not stored; the message says why."""


class SizeLimitedUpload(FileUploadHandler):
    """Stops reading an uploaded file once it passes the limit, so nothing larger reaches the disk.
    Installed before the request body is parsed; the view reads `exceeded` to say why there is no file."""

    def __init__(self, request: Any = None, limit: int = MAX_BYTES) -> None:
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


def sniff(stream: IO[bytes]) -> FileKind | None:
    """The kind of file the content says this is, or None for anything not accepted."""
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
    return None


def _office_kind(stream: IO[bytes]) -> FileKind | None:
    """xlsx and docx are ZIP packages; tell them apart (and from any other ZIP) by their part names."""
    try:
        with zipfile.ZipFile(stream) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        stream.seek(0)
    if len(names) > MAX_ZIP_ENTRIES or "[Content_Types].xml" not in names:
        return None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return None  # macro-enabled documents are not evidence
    if "xl/workbook.xml" in names:
        return XLSX
    if "word/document.xml" in names:
        return DOCX
    return None


def clean_file_name(name: str) -> str:
    """The user's file name, safe to show and to send back: no folders, no control characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 190 - len(ext)] + dot + ext) if dot and len(ext) <= 8 else name[:200]
    return name or "佐证材料"


def can_upload(actor: Any, report: Report, section: str) -> bool:
    """Evidence goes with the values while the base fills them in. After approval the base uploads only
    its signed and stamped summary sheet (盖章确认)."""
    if section == CONFIRMATION_SECTION:
        return (
            actor.is_active
            and actor.role == Role.OPERATOR
            and actor.base_id == report.base_id
            and report.state in (ReportState.APPROVED, ReportState.LOCKED)
        )
    return services.can_edit_values(actor, report)


def add_evidence(report: Report, upload: UploadedFile, *, section: str, actor: Any) -> Evidence:
    """Check and store one evidence file, with its audit row; raise a `MonitoringError` and store nothing
    when the user may not upload here or the file is refused."""
    if not can_upload(actor, report, section):
        if section == CONFIRMATION_SECTION:
            raise NotAllowed(gettext("盖章确认件须由基地在报告核准后上传。"))
        raise NotAllowed(
            gettext("%(report)s 当前为“%(state)s”，不能上传佐证材料。")
            % {"report": report, "state": report.get_state_display()}
        )
    if upload.size is None or upload.size == 0:
        raise EvidenceRejected(gettext("文件是空的。"))
    if upload.size > MAX_BYTES:
        raise EvidenceRejected(str(TOO_LARGE))
    kind = sniff(upload)
    if kind is None:
        raise EvidenceRejected(
            gettext("文件内容不是允许的类型（%(allowed)s），与文件名无关，未保存。")
            % {"allowed": ALLOWED_LABELS}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    original_name = clean_file_name(upload.name or "")
    with transaction.atomic():
        evidence = Evidence.objects.create(
            report=report,
            section=section,
            file=upload,
            original_name=original_name,
            content_type=kind.content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
        )
        record(
            actor,
            "monitoring.evidence",
            report,
            field=f"佐证材料·{section}",
            new=original_name,
            reason=f"上传{kind.label}（{upload.size:,} 字节，SHA-256 {digest.hexdigest()[:12]}）",
        )
    return evidence


def withdraw_evidence(evidence: Evidence, *, actor: Any) -> Evidence:
    """Take a file off the report (uploaded by mistake, or the wrong scan) while whoever may upload it
    still may: it stays stored and on record, with who withdrew it and when, and is no longer offered."""
    report = evidence.report
    if evidence.withdrawn_at is not None:
        raise NotAllowed(gettext("“%(name)s”已撤回。") % {"name": evidence.original_name})
    if not can_upload(actor, report, evidence.section):
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
