"""Reads of evaluation results that do more than scope (ordering, the latest run of each scheme). Who sees
which run and result is `EvaluationRun.objects.restrict(user)` and `RunResult.objects.restrict(user)`: the
same scope as the registry (a base sees its own scorecard)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from shuangchuang.core.policy import Someone
from shuangchuang.registry.models import Base

from .models import EvaluationRun, EvaluationScheme, RunResult, RunStatus, WorkerHeartbeat


def ranked_results(user: Someone, run: EvaluationRun) -> QuerySet[RunResult]:
    """The results of a run that the user sees, in ranking order."""
    return (
        RunResult.objects.restrict(user)
        .filter(run=run)
        .select_related("base", "base__province")
        # Bases left out of the ranking (no rank) come last on every database, not first as on SQLite.
        .order_by(F("rank").asc(nulls_last=True), "base__code")
    )


def latest_run_of(scheme: EvaluationScheme | OuterRef) -> Subquery:
    """The latest finished run of a scheme (an outer reference), as a subquery: runs of one scheme differ
    by when they ran and on what data, and the newest is the one that counts."""
    return Subquery(
        EvaluationRun.objects.filter(scheme=scheme, status=RunStatus.DONE)
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )


def base_results(user: Someone, base: Base, limit: int = 4) -> QuerySet[RunResult]:
    """A base's place in the latest finished runs, each run named (who started it) and marked when it is
    its scheme's latest (`latest_run_id`)."""
    return (
        RunResult.objects.restrict(user)
        .filter(base=base, run__status=RunStatus.DONE, included=True)
        .select_related("run__scheme", "run__created_by")
        .annotate(latest_run_id=latest_run_of(OuterRef("run__scheme")))
        .order_by("-run__created_at", "-run_id")[:limit]
    )


def listed_runs(user: Someone) -> QuerySet[EvaluationRun]:
    """The runs the user sees, each marked when it is its scheme's latest (`latest_run_id`)."""
    return (
        EvaluationRun.objects.restrict(user)
        .select_related("scheme", "scheme__direction", "created_by")
        .annotate(latest_run_id=latest_run_of(OuterRef("scheme")))
    )


def worker_alive(now: datetime.datetime | None = None) -> bool:
    """Whether a task worker is running: one has written its heartbeat within `EVALUATION_RUN_STALE_SECONDS`
    and has not stopped. For the readiness check (`/readyz`, issue 14) and the run page's notice that queued
    runs wait for a worker; it reads one indexed row and never raises for an empty table."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=float(settings.EVALUATION_RUN_STALE_SECONDS))
    return WorkerHeartbeat.objects.filter(beat_at__gte=cutoff, stopped_at__isnull=True).exists()


def last_worker_beat() -> datetime.datetime | None:
    """When a task worker last wrote its heartbeat (None: never)."""
    return WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
