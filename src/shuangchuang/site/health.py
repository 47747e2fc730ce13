"""What a load balancer and a monitoring system ask of an app process (issue 14, item 3).

- ``/healthz``: the process answers (no database, nothing else): restart it when this fails.
- ``/readyz``: it can serve now: the database answers, the cache answers (Redis when configured), no
  migration is waiting, and the background tasks are being taken (no task has waited longer than
  ``READYZ_TASK_WAIT_SECONDS``; with ``READYZ_REQUIRE_TASK_WORKER``, a task worker's heartbeat is recent). 200 or 503, with each check's result in JSON: take the machine out of the
  pool while it fails.
- ``/metrics``: Prometheus text format: requests, latencies and database statements per view and method
  (django-prometheus; with gunicorn's several processes added up through PROMETHEUS_MULTIPROC_DIR, which the
  production start sets), plus the task queue's length and the age of its oldest waiting task, tasks
  running, and the evaluation runs by state with a histogram of their durations. Only for the addresses in
  ``METRICS_ALLOWED_IPS`` (default: this machine) or with ``Authorization: Bearer <METRICS_TOKEN>``.

None of them needs a session; none shows program data.
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

MIGRATIONS_RECHECK_SECONDS = 60
_migrations_ok_until = 0.0
_migrations_lock = threading.Lock()


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as error:  # a readiness probe reports what failed, it never fails itself
        result = {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def check_database() -> dict[str, Any]:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connections[DEFAULT_DB_ALIAS].vendor}


def check_cache() -> dict[str, Any]:
    ping = getattr(cache, "ping", None)
    if ping is not None:  # Redis (core/cache.py): a miss is not an answer, ask the server
        return {"ok": bool(ping()), "backend": "redis"}
    cache.set("readyz", "1", 10)
    return {"ok": cache.get("readyz") == "1", "backend": type(cache).__name__}


def check_migrations() -> dict[str, Any]:
    global _migrations_ok_until
    if time.monotonic() < _migrations_ok_until:
        return {"ok": True, "pending": 0}
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not pending:
        with _migrations_lock:
            _migrations_ok_until = time.monotonic() + MIGRATIONS_RECHECK_SECONDS
    return {"ok": not pending, "pending": len(pending)}


def check_task_workers() -> dict[str, Any]:
    """Tasks are being taken: nothing has waited longer than READYZ_TASK_WAIT_SECONDS; with
    READYZ_REQUIRE_TASK_WORKER, also a worker's heartbeat within EVALUATION_RUN_STALE_SECONDS (the
    evaluation app's `worker_alive`, written by every `db_worker`)."""
    from django_tasks_db.models import DBTaskResult

    from shuangchuang.evaluation.selectors import last_worker_beat, worker_alive

    now = timezone.now()
    waiting = DBTaskResult.objects.ready()
    oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    age = (now - oldest).total_seconds() if oldest else 0.0
    alive = worker_alive(now)
    beat = last_worker_beat()
    ok = age <= settings.READYZ_TASK_WAIT_SECONDS and (alive or not settings.READYZ_REQUIRE_TASK_WORKER)
    return {
        "ok": ok,
        "worker_alive": alive,
        "last_beat_seconds": round((now - beat).total_seconds()) if beat else None,
        "waiting": waiting.count(),
        "oldest_seconds": round(age),
        "running": DBTaskResult.objects.running().count(),
    }


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": check_database,
    "cache": check_cache,
    "migrations": check_migrations,
    "task_workers": check_task_workers,
}


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    results = {name: _timed(check) for name, check in CHECKS.items()}
    ready = all(r["ok"] for r in results.values())
    return JsonResponse(
        {"status": "ok" if ready else "fail", "checks": results}, status=200 if ready else 503
    )


def _metrics_allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    offered = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        return True
    return request.META.get("REMOTE_ADDR", "") in settings.METRICS_ALLOWED_IPS


class ProgramCollector:
    """Figures read from the database at each scrape (the same in every process, so not added up)."""

    def collect(self) -> Iterator[Any]:
        from django.db.models import Count
        from django_tasks_db.models import DBTaskResult
        from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily

        from shuangchuang.evaluation.models import EvaluationRun, RunStatus

        now = timezone.now()
        queue = GaugeMetricFamily(
            "shuangchuang_task_queue_length", "Tasks waiting for a worker", labels=["queue"]
        )
        age = GaugeMetricFamily(
            "shuangchuang_task_queue_oldest_seconds", "Age of the oldest waiting task", labels=["queue"]
        )
        for row in DBTaskResult.objects.ready().values("queue_name").annotate(n=Count("id")):
            queue.add_metric([row["queue_name"]], row["n"])
            oldest = (
                DBTaskResult.objects.ready()
                .filter(queue_name=row["queue_name"])
                .order_by("enqueued_at")
                .values_list("enqueued_at", flat=True)
                .first()
            )
            age.add_metric([row["queue_name"]], (now - oldest).total_seconds() if oldest else 0.0)
        yield queue
        yield age
        yield GaugeMetricFamily(
            "shuangchuang_tasks_running", "Tasks being run", value=DBTaskResult.objects.running().count()
        )

        runs = GaugeMetricFamily(
            "shuangchuang_evaluation_runs", "Evaluation runs by state", labels=["status"]
        )
        counts = dict(EvaluationRun.objects.values_list("status").annotate(n=Count("id")))
        for status in RunStatus.values:
            runs.add_metric([status], counts.get(status, 0))
        yield runs
        bounds = [1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0]
        histogram = HistogramMetricFamily(
            "shuangchuang_evaluation_run_seconds", "Duration of finished evaluation runs", labels=["status"]
        )
        for status in (RunStatus.DONE, RunStatus.FAILED):
            durations = [
                (finished - started).total_seconds()
                for started, finished in EvaluationRun.objects.filter(
                    status=status, started_at__isnull=False, finished_at__isnull=False
                ).values_list("started_at", "finished_at")
                if started is not None and finished is not None
            ]
            buckets = [(str(b), sum(1 for d in durations if d <= b)) for b in bounds]
            buckets.append(("+Inf", len(durations)))
            histogram.add_metric([status], buckets, sum(durations))
        yield histogram


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _metrics_allowed(request):
        return HttpResponse(status=403)
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)  # type: ignore[no-untyped-call]
        body = generate_latest(processes)
    else:
        body = generate_latest(REGISTRY)
    program = CollectorRegistry()
    program.register(ProgramCollector())  # type: ignore[arg-type]
    body += generate_latest(program)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
