from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from .audit import action_label, record_export
from .audit_words import audit_rows
from .models import AuditChainHead, AuditEvent
from .policy import permission_required
from .tabular import write_csv, write_text_cell

EXPORT_LIMIT = 100_000  # rows in one export; narrow the filters for more


def _day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def filtered_events(user: Any, query: QueryDict) -> QuerySet[AuditEvent]:
    """The events this reader may see, narrowed by the page's filters: date range (local days, both ends
    included), who (name or account id), event (action code), object (type, and name or id)."""
    events = AuditEvent.objects.restrict(user)
    if start := _day(query.get("from")):
        events = events.filter(at__gte=timezone.make_aware(dt.datetime.combine(start, dt.time.min)))
    if end := _day(query.get("to")):
        events = events.filter(
            at__lt=timezone.make_aware(dt.datetime.combine(end + dt.timedelta(1), dt.time.min))
        )
    if action := query.get("action"):
        events = events.filter(action=action)
    if actor := query.get("actor", "").strip():
        condition = Q(actor_name__icontains=actor)
        if actor.isdigit():
            condition |= Q(actor_id=int(actor))
        events = events.filter(condition)
    if object_type := query.get("object_type"):
        events = events.filter(object_type=object_type)
    if obj := query.get("object", "").strip():
        events = events.filter(Q(object_repr__icontains=obj) | Q(object_id=obj))
    return events


@permission_required("audit.read")
def audit_log(request: HttpRequest) -> HttpResponse:
    """The auditor's read-only view of every recorded change (三员分立: the auditor edits nothing)."""
    events = filtered_events(request.user, request.GET)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    visible = AuditEvent.objects.restrict(request.user).order_by()
    actions = visible.order_by("action").values_list("action", flat=True).distinct()
    object_types = visible.order_by("object_type").values_list("object_type", flat=True).distinct()
    return render(
        request,
        "core/audit_log.html",
        {
            "page": page,
            "rows": audit_rows(page),
            "actions": actions,
            "object_types": object_types,
            "export_query": request.GET.urlencode(),
            "head": AuditChainHead.objects.restrict(request.user).first(),
        },
    )


def _export_rows(events: QuerySet[AuditEvent]) -> Iterator[list[Any]]:
    chunk: list[AuditEvent] = []

    def rows(batch: list[AuditEvent]) -> Iterator[list[Any]]:
        for row in audit_rows(batch):
            event = row.event
            changes = "; ".join(
                f"{c.field}: {c.old} → {c.new}" if c.field else f"{c.old} → {c.new}" for c in row.changes
            )
            yield [
                event.seq,
                timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
                row.actor,
                event.actor_id,
                action_label(event.action),
                event.action,
                row.object_type,
                event.object_id,
                row.object,
                changes,
                row.reason,
                event.algorithm,
                event.prev_hash,
                event.row_hash,
            ]

    for event in events.order_by("seq")[:EXPORT_LIMIT].iterator(chunk_size=2000):
        chunk.append(event)
        if len(chunk) == 2000:
            yield from rows(chunk)
            chunk = []
    yield from rows(chunk)


def _header() -> list[str]:
    return [
        gettext("序号"),
        gettext("时间"),
        gettext("操作人"),
        gettext("操作人编号"),
        gettext("操作"),
        gettext("操作代码"),
        gettext("对象类型"),
        gettext("对象编号"),
        gettext("对象"),
        gettext("变更"),
        gettext("原因"),
        gettext("摘要算法"),
        gettext("前一条摘要"),
        gettext("本条摘要"),
    ]


def _cell(sheet: Any, value: Any) -> Any:
    cell = WriteOnlyCell(sheet)
    if isinstance(value, str):
        write_text_cell(cell, value)  # typed as text, formula-like text quote-prefixed
    else:
        cell.value = value
    return cell


def _export(request: HttpRequest, kind: str) -> HttpResponse:
    events = filtered_events(request.user, request.GET)
    rows = list(_export_rows(events))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if kind == "csv":
        data = write_csv(_header(), rows)
        content_type = "text/csv; charset=utf-8"
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(gettext("审计日志"))
        sheet.freeze_panes = "A2"
        for values in [_header(), *rows]:
            sheet.append([_cell(sheet, value) for value in values])
        buffer = io.BytesIO()
        workbook.save(buffer)
        data = buffer.getvalue()
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    filename = f"audit-log-{stamp}.{kind}"
    filters = {key: value for key, value in request.GET.items() if key != "page" and value}
    record_export(
        request.user, "core.AuditEvent", "审计日志", filename=filename, rows=len(rows), filters=filters
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@permission_required("audit.read")
def audit_export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


@permission_required("audit.read")
def audit_export_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, "xlsx")
