"""Who sees which evaluation results: the same scope as the registry (a base sees its own scorecard)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from shuangchuang.registry.models import Base
from shuangchuang.registry.selectors import ALL_BASES, base_scope_filter

from .models import EvaluationRun, RunResult, RunStatus


def visible_results(user: Any, run: EvaluationRun) -> QuerySet[RunResult]:
    if not user.is_authenticated or not user.sees_program_data:
        return RunResult.objects.none()
    return (
        RunResult.objects.filter(run=run, base__in=Base.objects.restrict(user).values("pk"))
        .select_related("base", "base__province")
        # Bases left out of the ranking (no rank) come last on every database, not first as on SQLite.
        .order_by(F("rank").asc(nulls_last=True), "base__code")
    )


def latest_run_of(scheme: Any) -> Subquery:
    """The latest finished run of a scheme (an outer reference), as a subquery: runs of one scheme differ
    by when they ran and on what data, and the newest is the one that counts."""
    return Subquery(
        EvaluationRun.objects.filter(scheme=scheme, status=RunStatus.DONE)
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )


def base_results(base: Base, limit: int = 4) -> QuerySet[RunResult]:
    """A base's place in the latest finished runs, each run named (who started it) and marked when it is
    its scheme's latest (`latest_run_id`). The base itself was checked against the user's scope."""
    return (
        RunResult.objects.filter(base=base, run__status=RunStatus.DONE, included=True)
        .select_related("run__scheme", "run__created_by")
        .annotate(latest_run_id=latest_run_of(OuterRef("run__scheme")))
        .order_by("-run__created_at", "-run_id")[:limit]
    )


def visible_runs(user: Any) -> QuerySet[EvaluationRun]:
    """Every run for users who see every base; for the others, only the runs with one of their bases in
    them (a base of 创业就业 has nothing to look at in the ranking of 全球化创业)."""
    if not user.is_authenticated or not user.sees_program_data:
        return EvaluationRun.objects.none()
    runs = EvaluationRun.objects.select_related("scheme", "scheme__direction", "created_by").annotate(
        latest_run_id=latest_run_of(OuterRef("scheme"))
    )
    if base_scope_filter(user) != ALL_BASES:
        bases = Base.objects.restrict(user).values("pk")
        runs = runs.filter(pk__in=RunResult.objects.filter(base__in=bases).values("run_id"))
    return runs


def get_visible_result(user: Any, run: EvaluationRun, base_code: str) -> RunResult:
    return get_object_or_404(visible_results(user, run), base__code=base_code)
