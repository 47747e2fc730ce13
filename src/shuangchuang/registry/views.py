from __future__ import annotations

from datetime import datetime
from itertools import groupby
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, gettext

from shuangchuang.accounts.models import User
from shuangchuang.accounts.requests import AuthenticatedRequest
from shuangchuang.core.audit import file_facts, record_export, record_upload
from shuangchuang.core.fragments import computed, rendered_fragment, rendered_rows, tables_state
from shuangchuang.core.policy import permission_required, reaches_everything
from shuangchuang.core.tabular import limits_note

from . import selectors
from .exports import bases_csv, import_template
from .importer import TEMPLATE_COLUMNS, import_bases
from .models import Authority, Base, BaseKind, BaseStatus, Batch, Direction, Province

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LISTED = ("batch", "direction", "province", "authority")


def _row_version(item: tuple[int, datetime]) -> str:
    return f"{item[0]}:{item[1].timestamp()}"


def _listed(items: list[tuple[int, datetime]]) -> list[Base]:
    bases = Base.objects.select_related(*LISTED).in_bulk([pk for pk, _ in items])
    return [bases[pk] for pk, _ in items]


@permission_required("program.read")
def base_list(request: AuthenticatedRequest) -> HttpResponse:
    bases = selectors.filter_bases(Base.objects.restrict(request.user), request.GET)
    # the page's bases as keys and versions; the rows come from the cache, the bases only for rows not there
    page = Paginator(bases.values_list("pk", "updated_at"), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": rendered_rows(
            "registry/_base_row.html", list(page.object_list), _row_version, load=_listed, name="base"
        ),
        "total": page.paginator.count,
        "coverage": selectors.batch_coverage(request.user, request.GET.get("batch")),
    }
    if request.headers.get("HX-Request"):
        return render(request, "registry/_base_rows.html", context)
    chosen = {
        key: str(request.GET.get(key, ""))
        for key in ("q", "batch", "direction", "kind", "province", "status")
    }
    # the options are the same for every reader of the list (program data): worked out once per state of
    # the tables they come from and language, then the form is rendered once per content (core.fragments)
    options = computed(
        "registry.base_filters",
        (get_language(), tables_state(Base, Batch, Direction, Province)),
        lambda: _filter_options(request.user),
    )
    context["filters"] = rendered_fragment("registry/_base_filters.html", {**options, **chosen})
    return render(request, "registry/base_list.html", context)


def _filter_options(user: User) -> dict[str, Any]:
    """The options of the list's filter form as plain values, in the reader's language."""
    directions = Direction.objects.restrict(user).filter(bases__isnull=False).distinct()
    return {
        "action": reverse("registry:base_list"),
        "batches": [(str(b.number), b.label) for b in Batch.objects.restrict(user)],
        "directions": [
            (str(group), [(d.code, d.label) for d in members])
            for group, members in groupby(directions, key=lambda d: d.get_kind_display())
        ],
        "kinds": [(value, str(label)) for value, label in BaseKind.choices],
        "provinces": [(p.code, p.label) for p in Province.objects.restrict(user)],
        "statuses": [(value, str(label)) for value, label in BaseStatus.choices],
    }


@permission_required("program.read")
def base_export(request: AuthenticatedRequest) -> HttpResponse:
    bases = list(
        selectors.filter_bases(Base.objects.restrict(request.user).select_related(*LISTED), request.GET)
    )
    response = HttpResponse(bases_csv(bases), content_type="text/csv; charset=utf-8")
    filename = f"bases-{timezone.localdate():%Y%m%d}.csv"
    filters = {key: value for key, value in request.GET.items() if value}
    record_export(
        request.user, "registry.Base", "示范基地名录", filename=filename, rows=len(bases), filters=filters
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@permission_required("program.read")
def province_summary(request: AuthenticatedRequest) -> HttpResponse:
    rows = selectors.province_summary(request.user)
    directions = rows[0]["by_direction"] if rows else []
    if not reaches_everything(Base, request.user):
        # A province's or a base's own users would otherwise read 30 rows of zeros to find theirs.
        rows = [r for r in rows if r["total"]]
    totals = [sum(r["by_direction"][i][1] for r in rows) for i in range(len(directions))]
    labels = {
        p.code: p.label for p in Province.objects.restrict(request.user)
    }  # the reader's language (name_en)
    rows = [dict(r, label=labels.get(r["code"], r["name"])) for r in rows]
    context = {
        "rows": rows,
        "directions": [d for d, _ in directions],
        "totals": totals,
        "grand_total": sum(r["total"] for r in rows),
        "covered": sum(1 for r in rows if r["total"]),
    }
    return render(request, "registry/province_summary.html", context)


@permission_required("registry.import")
def base_import(request: AuthenticatedRequest) -> HttpResponse:
    """National administrators import bases of other batches; every error is listed, nothing half-saved."""
    result = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        size = (upload.size or 0) if upload is not None else 0
        if upload is None:
            messages.error(request, gettext("请选择要导入的文件。"))
        elif size > settings.UPLOAD_MAX_BYTES:
            message = gettext("文件过大（%(size)d MB），上限为 %(limit)d MB。") % {
                "size": size // 1024 // 1024,
                "limit": settings.UPLOAD_MAX_BYTES // 1024 // 1024,
            }
            messages.error(request, message)
            record_upload(request.user, IMPORT_TARGET, file_facts(upload), accepted=False, reason=message)
        else:
            facts = file_facts(upload)
            result = import_bases(upload.read(), _source_name(upload.name or ""), actor=request.user)
            problems = "；".join(str(error) for error in result.errors[:20])
            record_upload(
                request.user,
                IMPORT_TARGET,
                facts,
                accepted=result.ok,
                reason=f"导入 {len(result.created)} 个示范基地" if result.ok else problems,
            )
            if result.ok:
                messages.success(request, gettext("已导入 %(n)d 个示范基地。") % {"n": len(result.created)})
                return redirect("registry:base_list")
    context = {
        "result": result,
        "limits": limits_note(),
        "columns": TEMPLATE_COLUMNS,
        "batches": Batch.objects.restrict(request.user),
        "directions": Direction.objects.restrict(request.user),
        "provinces": Province.objects.restrict(request.user),
        "authorities": Authority.objects.restrict(request.user),
    }
    return render(request, "registry/base_import.html", context)


IMPORT_TARGET = ("registry.Base", "", "示范基地名录")  # what an import file is for, in the audit log


def _source_name(name: str) -> str:
    """The uploaded file's name for messages and the audit reason; it never chooses a path."""
    return PurePath(name.replace("\\", "/")).name[:100] or "upload"


@permission_required("registry.import")
def base_import_template(request: HttpRequest) -> HttpResponse:
    """The .xlsx to fill in for an import: Chinese headers, drop-down lists, the accepted values."""
    response = HttpResponse(import_template(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "示范基地导入模板.xlsx")
    return response
