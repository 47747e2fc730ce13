"""Pages of the Excel round trip: download a template, upload it, look at the preview, confirm."""

from __future__ import annotations

import secrets
from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from shuangchuang.accounts.models import Role, User
from shuangchuang.accounts.requests import AuthenticatedRequest
from shuangchuang.core.audit import file_facts, record_export, record_upload
from shuangchuang.core.policy import CHANGE, get_restricted, permission_required
from shuangchuang.core.tabular import limits_note
from shuangchuang.registry.models import Authority

from . import excel
from .exceptions import MonitoringError
from .models import Report, ReportingPeriod

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PENDING_KEY = "monitoring.excel.pending"
PENDING_KEEP = 3  # previews a user may have open at once (several tabs)


def _xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@permission_required("program.read")
def download_report(request: AuthenticatedRequest, period: str, base: str) -> HttpResponse:
    report = get_restricted(Report.objects.listed(), request.user, period__code=period, base__code=base)
    data = excel.report_workbook(report)
    filename = f"{report.period.code}-{report.base.code}-{report.base.short_name}-填报表.xlsx"
    record_export(request.user, "monitoring.Report", str(report), filename=filename, object_id=str(report.pk))
    return _xlsx_response(data, filename)


@permission_required("program.read")
def download_bases(request: AuthenticatedRequest, period: str) -> HttpResponse:
    """All the user's bases in one sheet; the national office may narrow it to one authority."""
    period_obj = get_restricted(ReportingPeriod.objects, request.user, code=period)
    reports = Report.objects.restrict(request.user).listed().filter(period=period_obj)
    scope = str(request.user.scope_label())
    if authority_code := request.GET.get("authority"):
        authority = Authority.objects.restrict(request.user).filter(code=authority_code).first()
        if authority is None:
            raise Http404
        reports = reports.filter(base__authority=authority)
        scope = authority.name
    chosen = list(reports.order_by("base__batch__number", "base__direction__order", "base__seq"))
    if not chosen:
        raise Http404(gettext("本报告期没有您可以下载的填报。"))
    data = excel.bases_workbook(period_obj, chosen, scope)
    filename = f"{period_obj.code}-{scope}-运行监测汇总填报表.xlsx"
    record_export(
        request.user,
        "monitoring.ReportingPeriod",
        str(period_obj),
        filename=filename,
        rows=len(chosen),
        filters={"authority": authority_code} if authority_code else {},
        object_id=str(period_obj.pk),
    )
    return _xlsx_response(data, filename)


class UploadForm(forms.Form):
    period = forms.ModelChoiceField(
        label=_("报告期"), queryset=ReportingPeriod.objects.none(), to_field_name="code", empty_label=None
    )
    file = forms.FileField(
        label=_("文件"),
        help_text=_("从本系统下载的 Excel 模板（.xlsx），或同样格式的 CSV（UTF-8 或 GBK 编码）"),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = excel.upload_periods(user)  # type: ignore[attr-defined]

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        limit = settings.UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                gettext("文件过大（上限 %(mb)d MB）。") % {"mb": limit // (1024 * 1024)}
            )
        return upload


def _source_name(name: str) -> str:
    """The uploaded file's name, for messages and the audit reason only; it never chooses a path."""
    return PurePath(name.replace("\\", "/")).name[:100] or "upload"


def _page_context(
    request: AuthenticatedRequest, form: UploadForm, period: ReportingPeriod | None
) -> dict[str, Any]:
    user = request.user
    reports = []
    if period is not None:
        reports = list(
            Report.objects.restrict(user, CHANGE)
            .listed()
            .filter(period=period)
            .order_by("base__batch__number", "base__direction__order", "base__seq")
        )
    return {
        "form": form,
        "period": period,
        "reports": reports,
        "is_base": user.role == Role.OPERATOR,
        "limits": limits_note(),
    }


def _record_upload(
    request: AuthenticatedRequest, period: ReportingPeriod | None, upload: Any, *, accepted: bool, reason: str
) -> None:
    about: Any = period if period is not None else ("monitoring.ReportingPeriod", "", "")
    record_upload(request.user, about, file_facts(upload), accepted=accepted, reason=reason)


@permission_required("monitoring.excel.upload")
def upload(request: AuthenticatedRequest) -> HttpResponse:
    periods = excel.upload_periods(request.user)
    if request.method != "POST":
        period = periods.filter(code=request.GET.get("period")).first() or periods.first()
        form = UploadForm(user=request.user, initial={"period": period})
        return render(request, "monitoring/excel_upload.html", _page_context(request, form, period))

    form = UploadForm(request.POST, request.FILES, user=request.user)
    raw = request.FILES.get("file")
    if not form.is_valid():
        period = form.cleaned_data.get("period") or periods.first()
        if raw is not None:
            problems = "；".join(str(e) for errors in form.errors.values() for e in errors)
            _record_upload(request, period, raw, accepted=False, reason=problems)
        return render(request, "monitoring/excel_upload.html", _page_context(request, form, period))
    period = form.cleaned_data["period"]
    uploaded = form.cleaned_data["file"]
    source = _source_name(uploaded.name)
    check = excel.check_upload(request.user, period, uploaded.read(), source)
    problems = "；".join(
        " ".join(part for part in (e.sheet, e.cell, e.field) if part) + f"：{e.message}"
        for e in check.errors[:20]
    )
    if len(check.errors) > 20:
        problems += f"……（共 {len(check.errors)} 处错误）"
    _record_upload(request, period, uploaded, accepted=check.ok, reason=problems or "Excel 导入：检查通过")
    if not check.ok:
        context = _page_context(request, UploadForm(user=request.user, initial={"period": period}), period)
        context.update({"errors": check.errors, "source": source})
        return render(request, "monitoring/excel_upload.html", context, status=200)
    if not check.changes:
        messages.info(
            request, gettext("“%(file)s”中的数据与已保存的一致，没有需要保存的修改。") % {"file": source}
        )
        return redirect(f"{reverse('monitoring:excel_upload')}?period={period.code}")

    token = secrets.token_urlsafe(16)
    pending = dict(request.session.get(PENDING_KEY, {}))
    pending[token] = check.pending()
    request.session[PENDING_KEY] = dict(list(pending.items())[-PENDING_KEEP:])
    return render(
        request,
        "monitoring/excel_preview.html",
        {
            "check": check,
            "period": period,
            "source": source,
            "token": token,
            "groups": check.changes_by_report(),
        },
    )


@permission_required("monitoring.excel.upload")
@require_POST
def confirm(request: AuthenticatedRequest) -> HttpResponse:
    pending = dict(request.session.get(PENDING_KEY, {}))
    payload = pending.pop(request.POST.get("token", ""), None)
    request.session[PENDING_KEY] = pending
    if payload is None:
        messages.error(request, gettext("这份导入预览已失效（可能已经保存过，或已过期），请重新上传文件。"))
        return redirect("monitoring:excel_upload")
    check = excel.recheck(request.user, payload)
    upload_url = f"{reverse('monitoring:excel_upload')}?period={check.period.code}"
    if not check.ok:
        form = UploadForm(user=request.user, initial={"period": check.period})
        context = _page_context(request, form, check.period)
        context.update({"errors": check.errors, "source": check.source})
        return render(request, "monitoring/excel_upload.html", context)
    try:
        saved = excel.save_import(check, actor=request.user, note=request.POST.get("note", "").strip()[:200])
    except MonitoringError as exc:
        messages.error(request, gettext("未保存任何数据：%(reason)s") % {"reason": exc.message})
        return redirect(upload_url)
    reports = len({c.report.pk for c in check.changes})
    messages.success(
        request,
        gettext("已保存“%(file)s”：%(bases)d 个基地，%(values)d 项数据。")
        % {"file": check.source, "bases": reports, "values": saved},
    )
    return redirect(upload_url)
