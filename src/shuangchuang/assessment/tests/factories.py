"""Small crafted cycles for the assessment's tests: a finished evaluation run with chosen scores, and a
cycle over it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from shuangchuang.accounts.models import User
from shuangchuang.assessment import services
from shuangchuang.assessment.models import AssessmentCycle, Stage
from shuangchuang.assessment.scoring import Rules
from shuangchuang.evaluation.models import EvaluationRun, EvaluationScheme, RunResult, RunStatus
from shuangchuang.registry.models import Base, Direction

# 创业就业 districts and counties (one peer group), each under its own provincial DRC
DISTRICTS = ("B3-008", "B3-009", "B3-010", "B3-012", "B3-013")
DEADLINES = {stage: dt.date(2026, 1, 10 + n) for n, stage in enumerate(Stage.values)}


def make_run(
    scores: Mapping[str, float | tuple[float, float, float]],
    *,
    year: int = 2025,
    direction: str = "employment",
) -> EvaluationRun:
    """A finished run: base code → score, or (score, rank p05, rank p95)."""
    scheme, _new = EvaluationScheme.objects.get_or_create(
        direction=Direction.objects.get(code=direction), year=year, defaults={"name": f"{year} {direction}"}
    )
    run = EvaluationRun.objects.create(
        scheme=scheme, status=RunStatus.DONE, progress=100, unit_count=len(scores)
    )
    ordered = sorted(scores.items(), key=lambda kv: -(kv[1] if isinstance(kv[1], (int, float)) else kv[1][0]))
    for rank, (code, value) in enumerate(ordered, start=1):
        score, low, high = (value, rank, rank) if isinstance(value, (int, float)) else value
        RunResult.objects.create(
            run=run,
            base=Base.objects.get(code=code),
            score=score,
            rank=rank,
            peer_rank=rank,
            rank_p05=low,
            rank_p95=high,
            median_rank=rank,
        )
    return run


def make_cycle(
    admin: User,
    scores: Mapping[str, float | tuple[float, float, float]],
    *,
    year: int = 2025,
    rules: Rules | None = None,
) -> AssessmentCycle:
    return services.open_cycle(
        admin,
        year=year,
        deadlines=DEADLINES,
        runs=[make_run(scores, year=year)],
        rules=rules or Rules(replications=200, weight_noise=0.0),
    )


def score_all(cycle: AssessmentCycle, evaluator: User, points: Mapping[str, float]) -> None:
    """One evaluator scores the given bases (code → share of the maximum, 0–1) on every criterion."""
    from shuangchuang.assessment.models import ScoreSheet, ScoringForm, Source

    for code, share in points.items():
        base = Base.objects.get(code=code)
        sheet, _new = ScoreSheet.objects.get_or_create(
            cycle=cycle, base=base, source=Source.EXPERT, evaluator=evaluator
        )
        form = ScoringForm.objects.get(cycle=cycle, direction=base.direction)
        services.save_sheet(
            evaluator,
            sheet,
            {c.pk: round(float(c.max_points) * share, 1) for c in form.criteria.all()},
            submit=True,
        )
