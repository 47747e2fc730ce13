"""Every write of the annual assessment: each takes the acting user, checks the policy, runs in one
transaction and writes its audit row (`core.audit`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from shuangchuang.accounts.models import Role, User
from shuangchuang.core.audit import record
from shuangchuang.core.policy import may
from shuangchuang.evaluation.models import EvaluationRun, RunStatus
from shuangchuang.monitoring.models import ReportingPeriod
from shuangchuang.registry.models import Base, BaseStatus
from shuangchuang.registry.services import change_status

from . import scoring
from .defaults import BONUS_RULES, CRITERIA, REWARDS, default_group
from .exceptions import ConflictOfInterest, InvalidTransition, NotAllowed, SheetLocked
from .models import (
    STAGE_ORDER,
    AssessmentCycle,
    Assignment,
    BonusClaim,
    ConflictDeclaration,
    Criterion,
    CriterionScore,
    CycleResult,
    CycleStage,
    Decision,
    DecisionItem,
    DecisionState,
    Objection,
    Outcome,
    PeerGroup,
    Rectification,
    RectificationState,
    RewardMeasure,
    ScoreSheet,
    ScoringForm,
    SelfAssessment,
    SiteVisit,
    Source,
    Stage,
    WhatIf,
)
from .selectors import cycle_rows


def _require(actor: User, action: str, obj: object = None) -> None:
    if not may(actor, action, obj):
        raise NotAllowed(gettext("您没有权限进行此操作，或当前状态不允许。"))


# The cycle


@transaction.atomic
def open_cycle(
    actor: User,
    *,
    year: int,
    deadlines: Mapping[str, dt.date],
    periods: Iterable[ReportingPeriod] = (),
    runs: Iterable[EvaluationRun] = (),
    rules: scoring.Rules | None = None,
) -> AssessmentCycle:
    """Open the assessment of `year`: the reporting periods and the evaluation run of each direction it
    uses, the stages with their deadlines, default peer groups and the default scoring form per direction."""
    _require(actor, "assessment.manage")
    if AssessmentCycle.objects.filter(year=year).exists():
        raise InvalidTransition(gettext("该年度的评估周期已存在。"))
    runs = list(runs)
    if any(run.status != RunStatus.DONE for run in runs):
        raise InvalidTransition(gettext("只能使用已完成的评估运行。"))
    directions = [run.scheme.direction for run in runs]
    if len(set(directions)) != len(directions):
        raise InvalidTransition(gettext("每个方向只能选一次评估运行。"))
    base_rules = rules or scoring.Rules(bonus_rules=tuple(scoring.BonusRule(**r) for r in BONUS_RULES))  # type: ignore[arg-type]
    cycle = AssessmentCycle.objects.create(
        year=year, name=f"{year}年度", stage=Stage.SELF, rules=base_rules.as_dict(), created_by=actor
    )
    cycle.periods.set(periods)
    cycle.runs.set(runs)
    CycleStage.objects.bulk_create(
        [
            CycleStage(cycle=cycle, stage=stage, deadline=deadlines[stage])
            for stage in STAGE_ORDER
            if stage in deadlines
        ]
    )
    for direction in directions:
        form = ScoringForm.objects.create(cycle=cycle, direction=direction)
        Criterion.objects.bulk_create(
            [
                Criterion(form=form, code=code, name=name, max_points=Decimal(points), guide=guide, order=n)
                for n, (code, name, points, guide) in enumerate(CRITERIA)
            ]
        )
        groups: dict[str, PeerGroup] = {}
        for base in run_bases(cycle, direction.pk):
            group = default_group(base)
            if group.code not in groups:
                groups[group.code] = PeerGroup.objects.create(
                    cycle=cycle, direction=direction, code=group.code, name=group.name
                )
            groups[group.code].bases.add(base)
    record(actor, "assessment.open", cycle, reason=f"开启{cycle.name}评估")
    return cycle


def run_bases(cycle: AssessmentCycle, direction_id: int) -> list[Base]:
    """The bases of a direction in the cycle: those in its evaluation run that are not withdrawn."""
    return list(
        Base.objects.filter(evaluation_results__run__in=cycle.runs.all(), direction_id=direction_id)
        .exclude(status=BaseStatus.WITHDRAWN)
        .distinct()
        .order_by("seq")
    )


@transaction.atomic
def advance_stage(actor: User, cycle: AssessmentCycle) -> AssessmentCycle:
    _require(actor, "assessment.manage")
    cycle = AssessmentCycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.stage == Stage.CLOSED:
        raise InvalidTransition(gettext("评估周期已结束。"))
    old = cycle.stage
    if cycle.stage == Stage.RESULTS and not cycle.results.exists():
        raise InvalidTransition(gettext("尚未汇总结果，不能结束评估周期。"))
    cycle.stage = STAGE_ORDER[cycle.stage_index + 1]
    cycle.save(update_fields=["stage"])
    record(actor, "assessment.stage", cycle, field="stage", old=old, new=cycle.stage)
    return cycle


@transaction.atomic
def set_rules(actor: User, cycle: AssessmentCycle, rules: scoring.Rules) -> AssessmentCycle:
    _require(actor, "assessment.manage")
    if cycle.stage == Stage.CLOSED:
        raise InvalidTransition(gettext("评估周期已结束，规则不能再改。"))
    old = cycle.rules
    cycle.rules = rules.as_dict()
    cycle.save(update_fields=["rules"])
    record(actor, "assessment.rules", cycle, field="rules", old=old, new=cycle.rules)
    return cycle


# Reviewers


def _sheet_source(stage: str) -> str:
    return {Stage.CORRESPONDENCE: Source.EXPERT, Stage.SITE_VISIT: Source.SITE}[Stage(stage)]


@transaction.atomic
def assign_reviewers(
    actor: User, cycle: AssessmentCycle, stage: str, evaluators: Iterable[User], *, per_base: int = 2
) -> list[Assignment]:
    """Give every base of the cycle `per_base` reviewers for the stage, each time the least-loaded evaluator
    without a declared conflict with that base (balanced workload). A base that cannot get enough
    reviewers is refused with its name, and nothing is assigned."""
    _require(actor, "assessment.manage")
    if stage not in (Stage.CORRESPONDENCE, Stage.SITE_VISIT):
        raise InvalidTransition(gettext("只有专家函评和实地调研需要指派评估专家。"))
    evaluators = [e for e in evaluators if e.role == Role.EVALUATOR and e.is_active]
    conflicts = set(ConflictDeclaration.objects.filter(cycle=cycle).values_list("evaluator_id", "base_id"))
    existing = Assignment.objects.filter(cycle=cycle, stage=stage)
    load: dict[int, int] = defaultdict(int)
    have: dict[int, set[int]] = defaultdict(set)
    for assignment in existing:
        load[assignment.evaluator_id] += 1
        have[assignment.base_id].add(assignment.evaluator_id)
    created: list[Assignment] = []
    bases = [b for group in cycle.peer_groups.prefetch_related("bases") for b in group.bases.all()]
    for base in sorted(bases, key=lambda b: b.seq):
        while len(have[base.pk]) < per_base:
            eligible = [
                e for e in evaluators if (e.pk, base.pk) not in conflicts and e.pk not in have[base.pk]
            ]
            if not eligible:
                raise ConflictOfInterest(
                    gettext("%(base)s 没有足够的无利益冲突评估专家（需要 %(n)d 名）。")
                    % {"base": base.short_name, "n": per_base}
                )
            chosen = min(eligible, key=lambda e: (load[e.pk], e.pk))
            load[chosen.pk] += 1
            have[base.pk].add(chosen.pk)
            created.append(Assignment.objects.create(cycle=cycle, stage=stage, base=base, evaluator=chosen))
            ScoreSheet.objects.get_or_create(
                cycle=cycle, base=base, source=_sheet_source(stage), evaluator=chosen
            )
            chosen.assigned_bases.add(base)
    record(actor, "assessment.assign", cycle, reason=f"{Stage(stage).label} {len(created)}")
    return created


@transaction.atomic
def assign_one(actor: User, cycle: AssessmentCycle, stage: str, base: Base, evaluator: User) -> Assignment:
    """Assign one evaluator to one base by hand (refused where the evaluator declared a conflict)."""
    _require(actor, "assessment.manage")
    if evaluator.role != Role.EVALUATOR:
        raise InvalidTransition(gettext("只能指派第三方评估机构的评估专家。"))
    if ConflictDeclaration.objects.filter(cycle=cycle, base=base, evaluator=evaluator).exists():
        raise ConflictOfInterest(
            gettext("%(evaluator)s 已申报与 %(base)s 存在利益冲突，不能指派。")
            % {"evaluator": evaluator.get_full_name() or evaluator.username, "base": base.short_name}
        )
    assignment, _new = Assignment.objects.get_or_create(
        cycle=cycle, stage=stage, base=base, evaluator=evaluator
    )
    ScoreSheet.objects.get_or_create(cycle=cycle, base=base, source=_sheet_source(stage), evaluator=evaluator)
    evaluator.assigned_bases.add(base)
    record(actor, "assessment.assign", cycle, reason=f"{Stage(stage).label} 1")
    return assignment


@transaction.atomic
def declare_conflict(actor: User, cycle: AssessmentCycle, base: Base, reason: str) -> ConflictDeclaration:
    """An evaluator declares a conflict of interest: its unsubmitted assignments and sheets for the base
    are withdrawn, and no new assignment to that base is made."""
    _require(actor, "assessment.conflict.declare")
    if not reason.strip():
        raise InvalidTransition(gettext("请说明利益关系。"))
    declaration, _created = ConflictDeclaration.objects.get_or_create(
        cycle=cycle, base=base, evaluator=actor, defaults={"reason": reason.strip()}
    )
    Assignment.objects.filter(cycle=cycle, base=base, evaluator=actor).delete()
    ScoreSheet.objects.filter(cycle=cycle, base=base, evaluator=actor, submitted_at__isnull=True).delete()
    record(actor, "assessment.conflict", declaration, reason=reason.strip())
    return declaration


@transaction.atomic
def assign_peer_reviews(actor: User, cycle: AssessmentCycle, *, per_base: int = 2) -> list[ScoreSheet]:
    """Cross peer review: each base scores `per_base` other bases of its direction, never itself and never
    a base of its own reviewing authority; reviewing work is spread evenly."""
    _require(actor, "assessment.manage")
    sheets: list[ScoreSheet] = []
    by_direction: dict[int, list[Base]] = defaultdict(list)
    for group in cycle.peer_groups.prefetch_related("bases"):
        by_direction[group.direction_id].extend(group.bases.all())
    for bases in by_direction.values():
        bases.sort(key=lambda b: b.seq)
        load: dict[int, int] = defaultdict(int)
        for reviewed in bases:
            candidates = [b for b in bases if may_peer_review(b, reviewed)]
            for reviewer in sorted(candidates, key=lambda b: (load[b.pk], b.seq))[:per_base]:
                load[reviewer.pk] += 1
                sheet, _new = ScoreSheet.objects.get_or_create(
                    cycle=cycle, base=reviewed, source=Source.PEER, reviewer_base=reviewer
                )
                sheets.append(sheet)
    record(actor, "assessment.peer", cycle, reason=str(len(sheets)))
    return sheets


def may_peer_review(reviewer: Base, reviewed: Base) -> bool:
    """A base never scores itself, nor a base of its own reviewing authority, nor one of another direction."""
    return (
        reviewer.pk != reviewed.pk
        and reviewer.authority_id != reviewed.authority_id
        and reviewer.direction_id == reviewed.direction_id
    )


# Sheets


def _parse_points(raw: object, criterion: Criterion) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise InvalidTransition(
            gettext("%(name)s：请填写数字。") % {"name": gettext(criterion.name)}
        ) from None
    if value < 0 or value > criterion.max_points:
        raise InvalidTransition(
            gettext("%(name)s：得分须在 0 到 %(max)s 之间。")
            % {"name": gettext(criterion.name), "max": criterion.max_points}
        )
    return value


@transaction.atomic
def save_sheet(
    actor: User,
    sheet: ScoreSheet,
    points: Mapping[int, object],
    *,
    comments: Mapping[int, str] | None = None,
    comment: str = "",
    submit: bool = False,
) -> ScoreSheet:
    """Save a reviewer's scores (criterion id → points); `submit` locks the sheet and fixes its total
    (0–100). A submitted sheet never changes."""
    sheet = ScoreSheet.objects.select_for_update().select_related("cycle", "base").get(pk=sheet.pk)
    if sheet.locked:
        raise SheetLocked(gettext("评分表已提交并锁定，不能再修改。"))
    _require(actor, "assessment.sheet.score", sheet)
    form = ScoringForm.objects.get(cycle=sheet.cycle, direction_id=sheet.base.direction_id)
    criteria = list(form.criteria.all())
    comments = comments or {}
    scores = {score.criterion_id: score for score in sheet.scores.all()}  # (the sheet's row is locked)
    new: list[CriterionScore] = []
    changed: list[CriterionScore] = []
    for criterion in criteria:
        if criterion.pk not in points or str(points[criterion.pk]).strip() == "":
            if submit:
                raise InvalidTransition(
                    gettext("%(name)s：提交前须评分。") % {"name": gettext(criterion.name)}
                )
            continue
        given = _parse_points(points[criterion.pk], criterion)
        note = comments.get(criterion.pk, "")[:500]
        score = scores.get(criterion.pk)
        if score is None:
            scores[criterion.pk] = score = CriterionScore(
                sheet=sheet, criterion=criterion, points=given, comment=note
            )
            new.append(score)
        elif (score.points, score.comment) != (given, note):
            score.points, score.comment = given, note
            changed.append(score)
    CriterionScore.objects.bulk_create(new)
    CriterionScore.objects.bulk_update(changed, ["points", "comment"])
    sheet.comment = comment
    if submit:
        maximum = sum(c.max_points for c in criteria)
        got = sum(s.points for s in sheet.scores.all())  # (as stored: one decimal place)
        sheet.total = float(got * 100 / maximum) if maximum else None
        sheet.submitted_at = timezone.now()
        sheet.submitted_by = actor
    sheet.save()
    record(actor, "assessment.sheet.submit" if submit else "assessment.sheet.save", sheet, new=sheet.total)
    return sheet


@transaction.atomic
def save_self_assessment(
    actor: User,
    cycle: AssessmentCycle,
    *,
    summary: str,
    goals: Sequence[Mapping[str, object]] | None = None,
    submit: bool = False,
) -> SelfAssessment:
    """A base's self-assessment: the report against its plan's goals, and (with the self-score sheet)
    its own scores on the criteria. Submitting locks both."""
    _require(actor, "assessment.self.submit", cycle)
    base = Base.objects.get(pk=actor.base_id or 0)
    assessment, _new = SelfAssessment.objects.select_for_update().get_or_create(cycle=cycle, base=base)
    if assessment.submitted_at:
        raise SheetLocked(gettext("自评估已提交，不能再修改。"))
    if submit and not summary.strip():
        raise InvalidTransition(gettext("请填写自评报告。"))
    assessment.summary = summary
    if goals is not None:
        assessment.goals = [dict(goal) for goal in goals]
    if submit:
        assessment.submitted_at = timezone.now()
    assessment.save()
    self_sheet(cycle, base)  # the self-scores go on a sheet of the direction's form
    record(actor, "assessment.self", assessment, reason="提交" if submit else "保存")
    return assessment


def self_sheet(cycle: AssessmentCycle, base: Base) -> ScoreSheet:
    sheet, _new = ScoreSheet.objects.get_or_create(
        cycle=cycle, base=base, source=Source.SELF, reviewer_base=base
    )
    return sheet


@transaction.atomic
def record_site_visit(
    actor: User, cycle: AssessmentCycle, base: Base, *, visited_on: dt.date, findings: str, evidence: str
) -> SiteVisit:
    _require(actor, "assessment.site_visit.record", cycle)
    if not Assignment.objects.filter(
        cycle=cycle, base=base, evaluator=actor, stage=Stage.SITE_VISIT
    ).exists():
        raise NotAllowed(gettext("您没有被指派对该基地进行实地调研。"))
    if not findings.strip():
        raise InvalidTransition(gettext("请填写调研发现。"))
    visit = SiteVisit.objects.create(
        cycle=cycle, base=base, evaluator=actor, visited_on=visited_on, findings=findings, evidence=evidence
    )
    record(actor, "assessment.site_visit", visit)
    return visit


@transaction.atomic
def claim_bonus(
    actor: User,
    cycle: AssessmentCycle,
    base: Base,
    rule_code: str,
    quantity: Decimal,
    evidence: str,
    *,
    accepted: bool = False,
) -> BonusClaim:
    """A bonus item (加分项); the national office records it as accepted after checking the evidence."""
    _require(actor, "assessment.manage")
    if rule_code not in {r.code for r in cycle.get_rules().bonus_rules}:
        raise InvalidTransition(gettext("未知的加分项。"))
    claim = BonusClaim.objects.create(
        cycle=cycle, base=base, rule_code=rule_code, quantity=quantity, evidence=evidence, accepted=accepted
    )
    record(actor, "assessment.bonus", claim, new=str(quantity))
    return claim


# Results


@transaction.atomic
def compute_results(actor: User, cycle: AssessmentCycle) -> list[CycleResult]:
    """The cycle's results from its stored inputs (the runs' results, the submitted sheets, the reports):
    replaced as a whole each time; the runs are read, never recomputed."""
    _require(actor, "assessment.manage")
    if cycle.stage == Stage.CLOSED:
        raise InvalidTransition(gettext("评估周期已结束，结果不能重算。"))
    rules = cycle.get_rules()
    rows, run_results = cycle_rows(cycle)
    evaluated = scoring.evaluate(rows, rules)
    CycleResult.objects.filter(cycle=cycle).delete()
    results = CycleResult.objects.bulk_create(
        [
            CycleResult(
                cycle=cycle,
                base_id=row.base_id,
                run_result_id=run_results.get(row.base_id),
                peer_group=row.peer_group,
                quantitative=row.quantitative,
                qualitative=row.qualitative,
                bonus=min(row.bonus, rules.max_bonus),
                total=row.total,
                grade=row.grade,
                rank=row.rank,
                peer_rank=row.peer_rank,
                total_low=row.total_low,
                total_high=row.total_high,
                rank_low=row.rank_low,
                rank_high=row.rank_high,
                arbitration=row.arbitration,
                outcome=row.outcome,
                reasons=row.reasons,
            )
            for row in evaluated
        ]
    )
    record(actor, "assessment.results", cycle, reason=str(len(results)))
    return results


@transaction.atomic
def save_what_if(actor: User, cycle: AssessmentCycle, name: str, rules: scoring.Rules) -> WhatIf:
    """Evaluate the cycle under other rules and keep the settings with who would be commended, warned or
    proposed for withdrawal; the cycle's stored results stay as they are."""
    _require(actor, "assessment.manage")
    from .whatif import compare

    what_if = WhatIf.objects.create(
        cycle=cycle,
        name=name or gettext("推演"),
        rules=rules.as_dict(),
        outcome=compare(cycle, rules),
        created_by=actor,
    )
    record(actor, "assessment.what_if", what_if)
    return what_if


# Decisions: proposed → reviewed → approved → notice → published

TRANSITIONS: dict[str, tuple[str, str]] = {
    # action: (from, to)
    "review": (DecisionState.PROPOSED, DecisionState.REVIEWED),
    "approve": (DecisionState.REVIEWED, DecisionState.APPROVED),
    "notice": (DecisionState.APPROVED, DecisionState.NOTICE),
    "publish": (DecisionState.NOTICE, DecisionState.PUBLISHED),
}
DECIDED = (Outcome.COMMEND, Outcome.RECTIFY, Outcome.WITHDRAW)


def _move(decision: Decision, action: str) -> None:
    source, target = TRANSITIONS[action]
    if decision.state != source:
        raise InvalidTransition(
            gettext("决定当前为“%(state)s”，不能进行此操作。") % {"state": decision.get_state_display()}
        )
    decision.state = target


@transaction.atomic
def propose_decision(actor: User, cycle: AssessmentCycle) -> Decision:
    """A proposal from the cycle's results: every base with an outcome, the rule's suggestion as the
    action (a base for human decision stays so until the national review decides it)."""
    _require(actor, "assessment.manage")
    if not cycle.results.exists():
        raise InvalidTransition(gettext("尚未汇总评估结果。"))
    if cycle.decisions.exclude(state=DecisionState.PUBLISHED).exists():
        raise InvalidTransition(gettext("本周期已有未发布的决定。"))
    decision = Decision.objects.create(
        cycle=cycle, title=f"关于{cycle.name}双创示范基地评估结果和动态调整的通报", proposed_by=actor
    )
    DecisionItem.objects.bulk_create(
        [
            DecisionItem(
                decision=decision, base_id=r.base_id, proposed=r.outcome, action=r.outcome, reasons=r.reasons
            )
            for r in cycle.results.exclude(outcome=Outcome.NONE)
        ]
    )
    record(actor, "assessment.decision.propose", decision)
    return decision


@transaction.atomic
def review_decision(
    actor: User, decision: Decision, changes: Mapping[int, tuple[str, str]] | None = None
) -> Decision:
    """National review: changes of an item's action (item id → (action, reason)) need a reason; no base
    may be left for human decision."""
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    _require(actor, "assessment.decision.review", decision)
    items = {item.pk: item for item in decision.items.all()}
    for pk, (action, why) in (changes or {}).items():
        item = items.get(pk)
        if item is None or action not in Outcome.values:
            raise InvalidTransition(gettext("无效的调整。"))
        if action == item.action:
            continue
        if not why.strip():
            raise InvalidTransition(
                gettext("%(base)s：改变规则建议须说明理由。") % {"base": item.base.short_name}
            )
        record(
            actor, "assessment.decision.change", item, field="action", old=item.action, new=action, reason=why
        )
        item.action, item.change_reason = action, why.strip()
        item.save(update_fields=["action", "change_reason"])
    if any(item.action == Outcome.HUMAN for item in items.values()):
        raise InvalidTransition(gettext("仍有须人工研判的基地，请逐一作出决定并说明理由。"))
    _move(decision, "review")
    decision.reviewed_by, decision.reviewed_at = actor, timezone.now()
    decision.save()
    record(actor, "assessment.decision.review", decision, field="state", old="proposed", new=decision.state)
    return decision


@transaction.atomic
def approve_decision(actor: User, decision: Decision, note: str = "") -> Decision:
    """The joint conference's approval: who recorded it and when."""
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    _require(actor, "assessment.decision.approve", decision)
    _move(decision, "approve")
    decision.approved_by, decision.approved_at, decision.approval_note = actor, timezone.now(), note[:200]
    decision.save()
    record(
        actor,
        "assessment.decision.approve",
        decision,
        field="state",
        old="reviewed",
        new=decision.state,
        reason=note,
    )
    return decision


NOTICE_DAYS = 7


@transaction.atomic
def start_notice(
    actor: User, decision: Decision, starts: dt.date | None = None, days: int = NOTICE_DAYS
) -> Decision:
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    _require(actor, "assessment.decision.notice", decision)
    _move(decision, "notice")
    decision.notice_starts = starts or timezone.localdate()
    decision.notice_ends = decision.notice_starts + dt.timedelta(days=days - 1)
    decision.save()
    record(actor, "assessment.decision.notice", decision, field="state", old="approved", new=decision.state)
    return decision


@transaction.atomic
def record_objection(
    actor: User,
    decision: Decision,
    *,
    received_from: str,
    text: str,
    base: Base | None = None,
    received_on: dt.date | None = None,
) -> Objection:
    decision = Decision.objects.get(pk=decision.pk)
    _require(actor, "assessment.decision.objection", decision)
    if not text.strip() or not received_from.strip():
        raise InvalidTransition(gettext("请填写反映人和异议内容。"))
    objection = Objection.objects.create(
        decision=decision,
        base=base,
        received_from=received_from,
        text=text,
        received_on=received_on or timezone.localdate(),
    )
    record(actor, "assessment.objection", objection)
    return objection


@transaction.atomic
def answer_objection(actor: User, objection: Objection, answer: str) -> Objection:
    _require(actor, "assessment.decision.objection", Decision.objects.get(pk=objection.decision_id))
    if not answer.strip():
        raise InvalidTransition(gettext("请填写答复。"))
    objection.answer, objection.answered_by, objection.answered_at = answer, actor, timezone.now()
    objection.save()
    record(actor, "assessment.objection.answer", objection)
    return objection


STATUS_OF = {
    Outcome.COMMEND: BaseStatus.COMMENDED,
    Outcome.RECTIFY: BaseStatus.WARNED,
    Outcome.WITHDRAW: BaseStatus.WITHDRAWN,
}


@transaction.atomic
def publish_decision(actor: User, decision: Decision) -> Decision:
    """Publish after the notice period with every objection answered: each base's status changes through
    the registry (with the decision as reason), warned bases get a rectification with a deadline, and the
    commended ones their reward measures."""
    decision = Decision.objects.select_for_update().select_related("cycle").get(pk=decision.pk)
    _require(actor, "assessment.decision.publish", decision)
    if decision.state != DecisionState.NOTICE or decision.notice_ends is None:
        raise InvalidTransition(gettext("须经联席会议批准并公示后才能发布。"))
    if timezone.localdate() <= decision.notice_ends:
        raise InvalidTransition(
            gettext("公示期至 %(date)s，期满后才能发布。") % {"date": decision.notice_ends.isoformat()}
        )
    if decision.objections.filter(answered_at__isnull=True).exists():
        raise InvalidTransition(gettext("仍有未答复的公示异议。"))
    _move(decision, "publish")
    decision.published_at, decision.published_by = timezone.now(), actor
    decision.save()
    days = decision.cycle.get_rules().rectification_days
    for item in decision.items.select_related("base").filter(action__in=DECIDED):
        change_status(
            item.base,
            STATUS_OF[Outcome(item.action)],
            actor=actor,
            reason=f"{decision.title}（{item.get_action_display()}）",
        )
        if item.action == Outcome.RECTIFY:
            Rectification.objects.create(
                decision=decision, base=item.base, deadline=timezone.localdate() + dt.timedelta(days=days)
            )
        if item.action == Outcome.COMMEND:
            RewardMeasure.objects.bulk_create(
                [RewardMeasure(item=item, title=title, owner=owner) for title, owner in REWARDS]
            )
    record(actor, "assessment.decision.publish", decision, field="state", old="notice", new=decision.state)
    return decision


@transaction.atomic
def complete_reward(actor: User, reward: RewardMeasure, note: str) -> RewardMeasure:
    _require(actor, "assessment.manage")
    reward.completed_at, reward.note = timezone.now(), note[:300]
    reward.save()
    record(actor, "assessment.reward", reward, reason=note)
    return reward


# Rectification: open → submitted → accepted (or back to open)


@transaction.atomic
def submit_rectification(actor: User, rectification: Rectification, report: str) -> Rectification:
    rectification = Rectification.objects.select_for_update().select_related("base").get(pk=rectification.pk)
    _require(actor, "assessment.rectification.submit", rectification)
    if not report.strip():
        raise InvalidTransition(gettext("请填写整改报告。"))
    rectification.report, rectification.submitted_at = report, timezone.now()
    rectification.state = RectificationState.SUBMITTED
    rectification.save()
    if rectification.base.status == BaseStatus.WARNED:
        change_status(rectification.base, BaseStatus.RECTIFYING, actor=actor, reason="提交整改报告")
    record(actor, "assessment.rectification.submit", rectification)
    return rectification


@transaction.atomic
def review_rectification(
    actor: User, rectification: Rectification, *, accept: bool, comment: str
) -> Rectification:
    """The authority accepts the rectification (the base is active again) or returns it with a comment."""
    rectification = Rectification.objects.select_for_update().select_related("base").get(pk=rectification.pk)
    _require(actor, "assessment.rectification.review", rectification)
    if not accept and not comment.strip():
        raise InvalidTransition(gettext("退回整改报告须说明理由。"))
    rectification.review_comment, rectification.reviewed_by = comment, actor
    rectification.reviewed_at = timezone.now()
    rectification.state = RectificationState.ACCEPTED if accept else RectificationState.OPEN
    rectification.save()
    if accept:
        change_status(rectification.base, BaseStatus.ACTIVE, actor=actor, reason="整改通过")
    record(actor, "assessment.rectification.review", rectification, new=rectification.state, reason=comment)
    return rectification
