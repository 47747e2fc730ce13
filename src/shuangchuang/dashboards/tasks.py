"""Background work of the dashboards (django-tasks; the worker runs beside the web server)."""

from django_tasks import task


@task()
def build_annual_report(report_id: int) -> int:
    from .services import build_annual_report as build

    return build(report_id).pk
