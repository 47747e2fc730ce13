"""The dashboards' one write: asking for the annual report, made in the background with its progress."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from shuangchuang.accounts.models import User
from shuangchuang.core.audit import record
from shuangchuang.core.policy import require

from .models import AnnualReport, AnnualReportStatus


@transaction.atomic
def start_annual_report(year: int, *, actor: User) -> AnnualReport:
    """Queue the annual report of a year; the task worker makes it and reports progress on its row."""
    require(actor, "dashboards.annual_report")
    report = AnnualReport.objects.create(year=year, created_by=actor)
    record(actor, "dashboards.annual_report", report, reason=f"生成{year}年度报告")
    from .tasks import build_annual_report as task

    transaction.on_commit(lambda: task.enqueue(report.pk))
    return report


def _progress(report: AnnualReport, percent: int, stage: str) -> None:
    AnnualReport.objects.filter(pk=report.pk).update(progress=percent, stage=stage)


def build_annual_report(report_id: int) -> AnnualReport:
    """Make the PDF; a failure is stored on the row with its reason."""
    from .annual_pdf import render_annual_report

    report = AnnualReport.objects.select_related("created_by").get(pk=report_id)
    AnnualReport.objects.filter(pk=report.pk).update(status=AnnualReportStatus.RUNNING, progress=1)
    try:
        pdf, pages = render_annual_report(
            report.year, report.created_by, lambda p, s: _progress(report, p, s)
        )
    except Exception as exc:
        AnnualReport.objects.filter(pk=report.pk).update(
            status=AnnualReportStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now(), stage="失败"
        )
    else:
        AnnualReport.objects.filter(pk=report.pk).update(
            status=AnnualReportStatus.DONE,
            progress=100,
            stage="完成",
            pdf=pdf,
            pages=pages,
            finished_at=timezone.now(),
        )
    report.refresh_from_db()
    return report
