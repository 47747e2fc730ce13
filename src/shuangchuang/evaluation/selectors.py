"""Who sees which evaluation results: the same scope as the registry (a base sees its own scorecard)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404

from shuangchuang.registry.models import Base
from shuangchuang.registry.selectors import ALL_BASES, base_scope_filter

from .models import EvaluationRun, RunResult


def visible_results(user: Any, run: EvaluationRun) -> QuerySet[RunResult]:
    if not user.is_authenticated or not user.sees_program_data:
        return RunResult.objects.none()
    return (
        RunResult.objects.filter(run=run, base__in=Base.objects.restrict(user).values("pk"))
        .select_related("base", "base__province")
        # Bases left out of the ranking (no rank) come last on every database, not first as on SQLite.
        .order_by(F("rank").asc(nulls_last=True), "base__code")
    )


def visible_runs(user: Any) -> QuerySet[EvaluationRun]:
    """Every run for users who see every base; for the others, only the runs with one of their bases in
    them (a base of 创业就业 has nothing to look at in the ranking of 全球化创业)."""
    if not user.is_authenticated or not user.sees_program_data:
        return EvaluationRun.objects.none()
    runs = EvaluationRun.objects.select_related("scheme", "scheme__direction", "created_by")
    if base_scope_filter(user) != ALL_BASES:
        bases = Base.objects.restrict(user).values("pk")
        runs = runs.filter(pk__in=RunResult.objects.filter(base__in=bases).values("run_id"))
    return runs


def get_visible_result(user: Any, run: EvaluationRun, base_code: str) -> RunResult:
    return get_object_or_404(visible_results(user, run), base__code=base_code)
