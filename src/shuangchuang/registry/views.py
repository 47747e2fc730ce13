from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext

from shuangchuang.core.tabular import limits_note
from shuangchuang.evaluation.selectors import base_results
from shuangchuang.monitoring.selectors import visible_reports

from . import selectors
from .exports import bases_csv, import_template
from .importer import TEMPLATE_COLUMNS, import_bases
from .models import Authority, BaseKind, BaseStatus, Batch, Direction, Province

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_program_reader(request: HttpRequest) -> None:
    if not request.user.sees_program_data:
        raise PermissionDenied


@login_required
def base_list(request: HttpRequest) -> HttpResponse:
    _require_program_reader(request)
    bases = selectors.filter_bases(selectors.visible_bases(request.user), request.GET)
    page = Paginator(bases, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "total": page.paginator.count,
        "batches": Batch.objects.all(),
        "directions": Direction.objects.filter(bases__isnull=False).distinct(),
        "kinds": BaseKind.choices,
        "statuses": BaseStatus.choices,
        "provinces": Province.objects.all(),
        "coverage": selectors.batch_coverage(request.user, request.GET.get("batch")),
    }
    template = "registry/_base_rows.html" if request.headers.get("HX-Request") else "registry/base_list.html"
    return render(request, template, context)


@login_required
def base_export(request: HttpRequest) -> HttpResponse:
    _require_program_reader(request)
    bases = selectors.filter_bases(selectors.visible_bases(request.user), request.GET)
    response = HttpResponse(bases_csv(bases), content_type="text/csv; charset=utf-8")
    filename = f"bases-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def base_detail(request: HttpRequest, code: str) -> HttpResponse:
    _require_program_reader(request)
    base = selectors.get_visible_base(request.user, code)
    # The base's own monitoring and evaluation, read through those apps' scoped selectors.
    context = {
        "base": base,
        "name_history": base.name_history.all(),
        "status_history": base.status_history.select_related("changed_by"),
        "reports": visible_reports(request.user)
        .filter(base=base)
        .order_by("-period__year", "-period__opens_on")[:8],
        "results": base_results(base),
    }
    return render(request, "registry/base_detail.html", context)


@login_required
def province_summary(request: HttpRequest) -> HttpResponse:
    _require_program_reader(request)
    rows = selectors.province_summary(request.user)
    directions = rows[0]["by_direction"] if rows else []
    if selectors.base_scope_filter(request.user) != selectors.ALL_BASES:
        # A province's or a base's own users would otherwise read 30 rows of zeros to find theirs.
        rows = [r for r in rows if r["total"]]
    totals = [sum(r["by_direction"][i][1] for r in rows) for i in range(len(directions))]
    labels = {p.code: p.label for p in Province.objects.all()}  # the reader's language (name_en)
    rows = [dict(r, label=labels.get(r["code"], r["name"])) for r in rows]
    context = {
        "rows": rows,
        "directions": [d for d, _ in directions],
        "totals": totals,
        "grand_total": sum(r["total"] for r in rows),
        "covered": sum(1 for r in rows if r["total"]),
    }
    return render(request, "registry/province_summary.html", context)


@login_required
def base_import(request: HttpRequest) -> HttpResponse:
    """National administrators import bases of other batches; every error is listed, nothing half-saved."""
    if not request.user.is_national_admin:
        raise PermissionDenied
    result = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, gettext("请选择要导入的文件。"))
        elif upload.size > settings.UPLOAD_MAX_BYTES:
            messages.error(
                request,
                gettext("文件过大（%(size)d MB），上限为 %(limit)d MB。")
                % {"size": upload.size // 1024 // 1024, "limit": settings.UPLOAD_MAX_BYTES // 1024 // 1024},
            )
        else:
            result = import_bases(upload.read(), _source_name(upload.name), actor=request.user)
            if result.ok:
                messages.success(request, gettext("已导入 %(n)d 个示范基地。") % {"n": len(result.created)})
                return redirect("registry:base_list")
    context = {
        "result": result,
        "limits": limits_note(),
        "columns": TEMPLATE_COLUMNS,
        "batches": Batch.objects.all(),
        "directions": Direction.objects.all(),
        "provinces": Province.objects.all(),
        "authorities": Authority.objects.all(),
    }
    return render(request, "registry/base_import.html", context)


def _source_name(name: str) -> str:
    """The uploaded file's name for messages and the audit reason; it never chooses a path."""
    return PurePath(name.replace("\\", "/")).name[:100] or "upload"


@login_required
def base_import_template(request: HttpRequest) -> HttpResponse:
    """The .xlsx to fill in for an import: Chinese headers, drop-down lists, the accepted values."""
    if not request.user.is_national_admin:
        raise PermissionDenied
    response = HttpResponse(import_template(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "示范基地导入模板.xlsx")
    return response
