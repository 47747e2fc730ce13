"""Background work of the evaluation app (django-tasks; the worker runs beside the web server)."""

from django_tasks import task


@task()
def run_evaluation(run_id: int) -> int:
    from .services import execute_run

    return execute_run(run_id).pk
