"""Demo data of the annual assessment, made through the services: a finished 2025年度 cycle (commended,
warned and rectifying bases, a published decision with its reward measures) and a 2026年度 cycle in
progress (self-assessments, expert sheets waiting for the demo evaluator). Repeatable: a cycle that
exists is left as it is."""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db import transaction
from django.utils import timezone

from shuangchuang.accounts.models import Role, User
from shuangchuang.evaluation.models import EvaluationRun, RunStatus
from shuangchuang.monitoring.models import ReportingPeriod
from shuangchuang.registry.models import Base

from . import scoring, services
from .models import (
    AssessmentCycle,
    DecisionItem,
    Institution,
    Outcome,
    Rectification,
    ScoreSheet,
    ScoringForm,
    Source,
    Stage,
)
from .selectors import plan_goals

# The engine's index is relative (min–max within the direction): the demo's cut-offs sit where its totals
# fall, as officials would set them after a first what-if.
DEMO_RULES = scoring.Rules(
    excellent_from=70.0, good_from=50.0, pass_from=30.0, commend_min_grade=scoring.GOOD
)
EXPERTS = [("expert_zhang", "张", "评审"), ("expert_liu", "刘", "评审"), ("expert_sun", "孙", "评审")]
INSTITUTION = "中国科协创新战略研究院（示例）"


def _account(username: str, role: str, *, last: str, first: str, **scope: object) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role, last_name=last, first_name=first, **scope)
        user.set_unusable_password()
        user.save()
    return user


def _latest_runs(year: int) -> list[EvaluationRun]:
    runs: dict[int, EvaluationRun] = {}
    for run in EvaluationRun.objects.filter(scheme__year=year, status=RunStatus.DONE).order_by(
        "created_at", "pk"
    ):
        runs[run.scheme.direction_id] = run
    return list(runs.values())


def _score(sheet: ScoreSheet, actor: User, share: float) -> None:
    form = ScoringForm.objects.get(cycle=sheet.cycle, direction_id=sheet.base.direction_id)
    points = {c.pk: round(float(c.max_points) * min(max(share, 0.0), 1.0), 1) for c in form.criteria.all()}
    services.save_sheet(actor, sheet, points, comment="材料齐全，按评分指引打分。", submit=True)


def _share(run_score: float | None, rng: np.random.Generator) -> float:
    base = 0.45 + 0.005 * (run_score if run_score is not None else 50)
    return float(base + rng.normal(0, 0.04))


@transaction.atomic
def ensure_demo_assessment(admin: User) -> list[str]:
    """Build the demo cycles (if missing); returns lines for the command's output."""
    year = (
        ReportingPeriod.objects.filter(kind="annual").order_by("-year").values_list("year", flat=True).first()
    )
    runs = _latest_runs(year) if year else []
    if not runs or year is None:
        return ["年度评估演示：没有已完成的评估运行，跳过。"]
    experts = [_account(u, Role.EVALUATOR, last=last, first=first) for u, last, first in EXPERTS]
    institution, _new = Institution.objects.get_or_create(name=INSTITUTION, defaults={"contact": "张评审"})
    institution.members.add(*experts)
    lines = []
    if not AssessmentCycle.objects.filter(year=year).exists():
        lines.append(_finished_cycle(admin, year, runs, experts))
    if not AssessmentCycle.objects.filter(year=year + 1).exists():
        lines.append(_cycle_in_progress(admin, year + 1, runs, experts))
    return lines


def _finished_cycle(admin: User, year: int, runs: list[EvaluationRun], experts: list[User]) -> str:
    today = timezone.localdate()
    start = today - dt.timedelta(days=200)
    deadlines = {stage: start + dt.timedelta(days=25 * (n + 1)) for n, stage in enumerate(Stage.values[:-1])}
    cycle = services.open_cycle(
        admin,
        year=year,
        deadlines=deadlines,
        periods=ReportingPeriod.objects.filter(year=year),
        runs=runs,
        rules=DEMO_RULES,
    )
    rng = np.random.default_rng(year)
    _self_assessments(cycle)
    services.assign_reviewers(admin, cycle, Stage.CORRESPONDENCE, experts, per_base=2)
    scores = {r.base_id: r.score for run in runs for r in run.results.all()}
    by_user = {e.pk: e for e in experts}
    for sheet in ScoreSheet.objects.filter(cycle=cycle, source=Source.EXPERT).select_related("base", "cycle"):
        _score(sheet, by_user[sheet.evaluator_id or 0], _share(scores.get(sheet.base_id), rng))
    for _stage in range(4):  # self → correspondence → site visit → peer review → results
        services.advance_stage(admin, cycle)
    services.compute_results(admin, cycle)
    decision = services.propose_decision(admin, cycle)
    changes = {
        item.pk: (Outcome.NONE, "经研判，排名区间跨越分数线，本周期暂不调整。")
        for item in decision.items.filter(action=Outcome.HUMAN)
    }
    services.review_decision(admin, decision, changes)
    member = User.objects.filter(role=Role.JOINT_MEMBER, is_active=True).first() or admin
    services.approve_decision(member, decision, "部际联席会议第十次会议")
    services.start_notice(admin, decision, timezone.localdate() - dt.timedelta(days=30))
    objection = services.record_objection(
        admin, decision, received_from="某区县发展改革局（示例）", text="建议补充说明数据口径。"
    )
    services.answer_objection(admin, objection, "已补充说明：定量数据均为经核准的年报数据。")
    services.publish_decision(admin, decision)
    services.advance_stage(admin, cycle)  # results → closed
    # one warned base has sent its rectification report (整改中), one has been accepted by its authority
    rectifications = list(
        Rectification.objects.filter(decision=decision).select_related("base", "base__authority")
    )
    for n, rectification in enumerate(rectifications[:2]):
        base = rectification.base
        operator = User.objects.filter(role=Role.OPERATOR, base=base).first() or _account(
            f"demo-op-{base.code.lower()}", Role.OPERATOR, last="整", first="改", base=base
        )
        services.submit_rectification(operator, rectification, "已建立专班，补齐数据报送并完善工作机制。")
        if n == 1:
            authority = User.objects.filter(
                role=Role.AUTHORITY, authority=base.authority
            ).first() or _account(
                f"demo-au-{base.authority.code}",
                Role.AUTHORITY,
                last="审",
                first="核",
                authority=base.authority,
            )
            services.review_rectification(authority, rectification, accept=True, comment="整改到位。")
    first_reward = DecisionItem.objects.filter(decision=decision, action=Outcome.COMMEND).first()
    if first_reward and (reward := first_reward.rewards.first()):
        services.complete_reward(admin, reward, "已列入年度平台布局。")
    counts = {
        o: decision.items.filter(action=o).count()
        for o in (Outcome.COMMEND, Outcome.RECTIFY, Outcome.WITHDRAW)
    }
    return (
        f"年度评估演示：{cycle.name}已发布（表彰 {counts[Outcome.COMMEND]}，"
        f"整改 {counts[Outcome.RECTIFY]}，退出 {counts[Outcome.WITHDRAW]}）"
    )


def _self_assessments(cycle: AssessmentCycle) -> None:
    seen: set[int] = set()
    for operator in User.objects.filter(role=Role.OPERATOR, is_active=True, base__isnull=False).order_by(
        "pk"
    ):
        if operator.base_id in seen or not cycle.peer_groups.filter(bases=operator.base_id).exists():
            continue
        seen.add(operator.base_id or 0)
        goals = [
            goal | {"evidence": goal["evidence"] or "年报及佐证材料"}
            for goal in plan_goals(Base.objects.get(pk=operator.base_id), cycle.year)
        ]
        services.save_self_assessment(
            operator,
            cycle,
            summary="对照建设方案三年目标，本年度完成主要建设任务；详见目标完成情况。",
            goals=goals,
            submit=True,
        )
        sheet = services.self_sheet(cycle, Base.objects.get(pk=operator.base_id))
        _score(sheet, operator, 0.85)


def _cycle_in_progress(admin: User, year: int, runs: list[EvaluationRun], experts: list[User]) -> str:
    today = timezone.localdate()
    deadlines = {stage: today + dt.timedelta(days=20 * n) for n, stage in enumerate(Stage.values[:-1])}
    cycle = services.open_cycle(
        admin,
        year=year,
        deadlines=deadlines,
        periods=ReportingPeriod.objects.filter(year=year),
        runs=runs,
        rules=DEMO_RULES,
    )
    _self_assessments(cycle)
    cycle = services.advance_stage(admin, cycle)  # self → correspondence
    evaluator = User.objects.filter(username="evaluator", role=Role.EVALUATOR).first()
    if evaluator is not None:
        in_cycle = Base.objects.filter(pk__in=cycle.peer_groups.values("bases"))
        for base in evaluator.assigned_bases.filter(pk__in=in_cycle.values("pk")):
            services.assign_one(admin, cycle, Stage.CORRESPONDENCE, base, evaluator)
    services.assign_reviewers(admin, cycle, Stage.CORRESPONDENCE, experts, per_base=2)
    rng = np.random.default_rng(year)
    by_user = {e.pk: e for e in experts}
    for sheet in ScoreSheet.objects.filter(
        cycle=cycle, source=Source.EXPERT, evaluator__in=experts
    ).select_related("base", "cycle")[:40]:
        _score(sheet, by_user[sheet.evaluator_id or 0], _share(None, rng))
    return f"年度评估演示：{cycle.name}进行中（{cycle.get_stage_display()}）"
