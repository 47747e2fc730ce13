"""Reads of the annual assessment: the inputs of a cycle's rules (gathered once, in a few queries) and
what each user sees of a cycle."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from shuangchuang.core.policy import Someone
from shuangchuang.evaluation.models import RunResult
from shuangchuang.monitoring.models import Report, ReportValue
from shuangchuang.plans.selectors import Status, approved_plan, goal_progress
from shuangchuang.registry.models import Base

from . import scoring
from .models import AssessmentCycle, BonusClaim, CycleResult, Grade, ScoreSheet, SelfAssessment, Source


def quantitative_intervals(results: list[RunResult]) -> dict[int, tuple[float, float]]:
    """The engine's rank interval of each base turned into an interval of its score: the scores of the
    bases at the interval's two ends in the same run (rank p05 → the better score, p95 → the worse)."""
    ranked = sorted((r for r in results if r.score is not None and r.rank), key=lambda r: r.rank or 0)
    scores = [r.score or 0.0 for r in ranked]
    out: dict[int, tuple[float, float]] = {}
    for r in ranked:
        if r.rank_p05 is None or r.rank_p95 is None or not scores:
            continue
        best = scores[max(0, min(len(scores) - 1, round(r.rank_p05) - 1))]
        worst = scores[max(0, min(len(scores) - 1, round(r.rank_p95) - 1))]
        out[r.base_id] = (min(worst, r.score or 0.0), max(best, r.score or 0.0))
    return out


def reporting_record(cycle: AssessmentCycle, base_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """(missed, late) periods per base over the cycle's periods that are due: missed = not submitted,
    late = first submitted after the due date."""
    periods = [p for p in cycle.periods.all() if p.due_on < timezone.localdate()]
    missed: dict[int, int] = defaultdict(int)
    late: dict[int, int] = defaultdict(int)
    reports = {
        (r.base_id, r.period_id): r
        for r in Report.objects.filter(period__in=periods, base_id__in=base_ids).only(
            "base_id", "period_id", "submitted_at"
        )
    }
    for base_id in base_ids:
        for period in periods:
            report = reports.get((base_id, period.pk))
            if report is None or report.submitted_at is None:
                missed[base_id] += 1
            elif timezone.localdate(report.submitted_at) > period.due_on:
                late[base_id] += 1
    return missed, late


def cycle_rows(cycle: AssessmentCycle) -> tuple[list[scoring.Row], dict[int, int]]:
    """The rules' input for every base of the cycle, and each base's run result (its id)."""
    rules = cycle.get_rules()
    groups = list(cycle.peer_groups.select_related("direction").prefetch_related("bases"))
    base_group = {b.pk: (g.direction.code, g.name) for g in groups for b in g.bases.all()}
    base_ids = list(base_group)
    run_results = list(
        RunResult.objects.filter(run__in=cycle.runs.all(), base_id__in=base_ids, included=True)
    )
    by_run: dict[int, list[RunResult]] = defaultdict(list)
    for r in run_results:
        by_run[r.run_id].append(r)
    intervals: dict[int, tuple[float, float]] = {}
    for results in by_run.values():
        intervals.update(quantitative_intervals(results))
    quantitative = {r.base_id: r for r in run_results}
    sheets: dict[tuple[int, str], list[float]] = defaultdict(list)
    for base_id, source, total in ScoreSheet.objects.filter(
        cycle=cycle, submitted_at__isnull=False, total__isnull=False
    ).values_list("base_id", "source", "total"):
        sheets[(base_id, source)].append(float(total or 0.0))
    bonus_rules = {r.code: r for r in rules.bonus_rules}
    bonus: dict[int, float] = defaultdict(float)
    for claim in BonusClaim.objects.filter(cycle=cycle, accepted=True):
        if claim.rule_code in bonus_rules:
            bonus[claim.base_id] += bonus_rules[claim.rule_code].points(float(claim.quantity))
    missed, late = reporting_record(cycle, base_ids)
    flags: dict[int, int] = defaultdict(int)
    open_flags = (
        ReportValue.objects.filter(report__period__in=cycle.periods.all(), report__base_id__in=base_ids)
        .exclude(flags=[])
        .filter(explanation="")
        .values_list("report__base_id", flat=True)
    )
    for base_id in open_flags:
        flags[base_id] += 1
    previous = AssessmentCycle.objects.filter(year=cycle.year - 1).first()
    failed_before = (
        set(previous.results.filter(grade=Grade.FAIL).values_list("base_id", flat=True))
        if previous
        else set()
    )
    rows = []
    for base_id in base_ids:
        result = quantitative.get(base_id)
        low_high = intervals.get(base_id)
        rows.append(
            scoring.Row(
                base_id=base_id,
                direction=base_group[base_id][0],
                peer_group=base_group[base_id][1],
                quantitative=result.score if result else None,
                quantitative_low=low_high[0] if low_high else None,
                quantitative_high=low_high[1] if low_high else None,
                expert=sheets[(base_id, Source.EXPERT)],
                site=sheets[(base_id, Source.SITE)],
                peer=sheets[(base_id, Source.PEER)],
                bonus=bonus[base_id],
                missed_periods=missed[base_id],
                late_periods=late[base_id],
                open_flags=flags[base_id],
                failed_last_cycle=base_id in failed_before,
            )
        )
    return rows, {r.base_id: r.pk for r in run_results}


def visible_results(user: Someone, cycle: AssessmentCycle) -> QuerySet[CycleResult]:
    return (
        CycleResult.objects.restrict(user)
        .filter(cycle=cycle)
        .select_related("base", "base__direction", "base__province")
        .order_by("base__direction__order", "rank", "base__seq")
    )


@dataclass
class Progress:
    base: Base
    self_submitted: bool = False
    expert: tuple[int, int] = (0, 0)
    site: tuple[int, int] = (0, 0)
    peer: tuple[int, int] = (0, 0)
    extra: dict[str, Any] = field(default_factory=dict)


def progress(user: Someone, cycle: AssessmentCycle) -> list[Progress]:
    """Each base (that the user sees) through the stages: self-assessment submitted, and submitted of
    assigned sheets per source."""
    base_ids = [b.pk for g in cycle.peer_groups.prefetch_related("bases") for b in g.bases.all()]
    bases = (
        Base.objects.restrict(user)
        .filter(pk__in=base_ids)
        .select_related("direction")
        .order_by("direction__order", "seq")
    )
    counts: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for base_id, source, submitted in ScoreSheet.objects.filter(cycle=cycle).values_list(
        "base_id", "source", "submitted_at"
    ):
        counts[(base_id, source)][1] += 1
        if submitted:
            counts[(base_id, source)][0] += 1
    submitted_self = set(
        SelfAssessment.objects.filter(cycle=cycle, submitted_at__isnull=False).values_list(
            "base_id", flat=True
        )
    )
    out = []
    for base in bases:
        out.append(
            Progress(
                base=base,
                self_submitted=base.pk in submitted_self,
                expert=tuple(counts[(base.pk, Source.EXPERT)]),  # type: ignore[arg-type]
                site=tuple(counts[(base.pk, Source.SITE)]),  # type: ignore[arg-type]
                peer=tuple(counts[(base.pk, Source.PEER)]),  # type: ignore[arg-type]
            )
        )
    return out


def my_sheets(user: Someone, cycle: AssessmentCycle) -> QuerySet[ScoreSheet]:
    """The sheets the user writes in a cycle: an evaluator's expert and site sheets, a base's self and peer
    sheets."""
    account = user
    condition = Q(evaluator=account) if getattr(account, "role", "") == "evaluator" else Q(pk__in=[])
    base_id = getattr(account, "base_id", None)
    if base_id:
        condition |= Q(reviewer_base_id=base_id)
    return (
        ScoreSheet.objects.restrict(user, "change")
        .filter(cycle=cycle)
        .filter(condition)
        .select_related("base", "base__direction")
        .order_by("source", "base__seq")
    )


def base_assessments(user: Someone, base: Base) -> dict[str, Any]:
    """A base's results in the cycles and its rectifications, for its page (each through its own scope)."""
    from .models import Rectification

    return {
        "assessment_results": CycleResult.objects.restrict(user)
        .filter(base=base)
        .select_related("cycle")
        .order_by("-cycle__year")[:4],
        "rectifications": Rectification.objects.restrict(user).filter(base=base).order_by("-deadline")[:4],
    }


def waiting(user: Someone) -> list[dict[str, Any]]:
    """What of the assessment waits for the user: sheets to score, decisions to approve, rectification
    reports to review or write."""
    from django.urls import reverse

    from shuangchuang.core.policy import may

    from .models import Decision, DecisionState, Rectification, RectificationState

    # the home page asks this of everyone at every visit: only what the user's role acts on is read, and
    # as keys only
    out: list[dict[str, Any]] = []
    if may(user, "assessment.sheet.score"):
        open_cycle = AssessmentCycle.objects.restrict(user).exclude(stage="closed").first()
        n = my_sheets(user, open_cycle).filter(submitted_at__isnull=True).count() if open_cycle else 0
        if open_cycle and n:
            out.append(
                {
                    "label": "sheets",
                    "count": n,
                    "url": reverse("assessment:cycle_detail", args=[open_cycle.pk]),
                }
            )
    if may(user, "assessment.decision.approve"):
        decision = (
            Decision.objects.restrict(user)
            .filter(state=DecisionState.REVIEWED)
            .values_list("pk", flat=True)
            .first()
        )
        if decision:
            out.append(
                {
                    "label": "approve",
                    "count": 1,
                    "url": reverse("assessment:decision_detail", args=[decision]),
                }
            )
    rectifications = Rectification.objects.restrict(user).values_list("pk", flat=True)
    if may(user, "assessment.rectification.review"):
        pending = list(rectifications.filter(state=RectificationState.SUBMITTED))
        if pending:
            out.append(
                {
                    "label": "rectification_review",
                    "count": len(pending),
                    "url": reverse("assessment:rectification", args=[pending[0]]),
                }
            )
    if may(user, "assessment.rectification.submit"):
        mine = rectifications.filter(state=RectificationState.OPEN).first()
        if mine:
            out.append(
                {
                    "label": "rectification_submit",
                    "count": 1,
                    "url": reverse("assessment:rectification", args=[mine]),
                }
            )
    return out


def _number(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def plan_goals(base: Base, year: int) -> list[dict[str, str]]:
    """The goals of the base's approved plan (`plans.selectors`): the target for the cycle's year (or the
    final target), the actual value as the plan's progress reads it (approved monitoring data, or the base's
    own report with evidence), and its status — the rows of the self-assessment's goal table."""
    plan = approved_plan(base)
    if plan is None:
        return []
    rows = []
    for progress in goal_progress(plan, year):
        target = progress.target if progress.target is not None else progress.final_target
        rows.append(
            {
                "goal": progress.goal.name,
                "unit": progress.goal.unit,
                "target": _number(target),
                "actual": _number(progress.actual),
                "status": progress.status.value,
                "source": progress.source,
                "evidence": progress.report.note if progress.report else "",
            }
        )
    return rows


def goal_status_label(status: str) -> str:
    try:
        return Status(status).label
    except ValueError:
        return ""
