"""Who sees which evaluation results: the same scope as the registry (a base sees its own scorecard)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from shuangchuang.registry.models import Base

from .models import EvaluationRun, RunResult


def visible_results(user: Any, run: EvaluationRun) -> QuerySet[RunResult]:
    if not user.is_authenticated or not user.sees_program_data:
        return RunResult.objects.none()
    return (
        RunResult.objects.filter(run=run, base__in=Base.objects.restrict(user).values("pk"))
        .select_related("base", "base__province")
        .order_by("rank", "base__code")
    )


def visible_runs(user: Any) -> QuerySet[EvaluationRun]:
    if not user.is_authenticated or not user.sees_program_data:
        return EvaluationRun.objects.none()
    return EvaluationRun.objects.select_related("scheme", "scheme__direction", "created_by")


def get_visible_result(user: Any, run: EvaluationRun, base_code: str) -> RunResult:
    return get_object_or_404(visible_results(user, run), base__code=base_code)
