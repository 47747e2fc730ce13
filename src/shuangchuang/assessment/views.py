"""Pages of the annual assessment: thin views over `services` and `selectors`, each following the access
policy's steps (role → scope → state → service)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from shuangchuang.accounts.models import Role, User
from shuangchuang.accounts.requests import AuthenticatedRequest
from shuangchuang.core.policy import CHANGE, get_restricted, may, permission_required
from shuangchuang.evaluation.models import EvaluationRun, RunStatus
from shuangchuang.monitoring.models import ReportingPeriod
from shuangchuang.registry.models import Base

from . import documents, scoring, selectors, services
from .exceptions import AssessmentError
from .models import (
    AssessmentCycle,
    BonusClaim,
    Decision,
    Objection,
    Outcome,
    Rectification,
    RewardMeasure,
    ScoreSheet,
    ScoringForm,
    SelfAssessment,
    SiteVisit,
    Source,
    Stage,
    WhatIf,
)
from .reasons import reason_text


def _fail(request: AuthenticatedRequest, error: AssessmentError) -> None:
    messages.error(request, error.message)


@permission_required("program.read")
def cycle_list(request: AuthenticatedRequest) -> HttpResponse:
    cycles = AssessmentCycle.objects.restrict(request.user)
    context: dict[str, Any] = {"cycles": cycles}
    if may(request.user, "assessment.manage"):
        context["next_year"] = timezone.localdate().year - 1
    return render(request, "assessment/cycle_list.html", context)


@permission_required("assessment.manage")
@require_POST
def cycle_open(request: AuthenticatedRequest) -> HttpResponse:
    """Open the cycle of a year with the latest finished run of each direction and that year's periods."""
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        messages.error(request, gettext("请填写年度。"))
        return redirect("assessment:cycle_list")
    runs = latest_runs(year)
    if not runs:
        messages.error(
            request, gettext("%(year)d 年度还没有已完成的评估运行，请先在“绩效评估”中发起。") % {"year": year}
        )
        return redirect("assessment:cycle_list")
    today = timezone.localdate()
    deadlines = {stage: today + dt.timedelta(days=20 * (n + 1)) for n, stage in enumerate(Stage.values[:-1])}
    try:
        cycle = services.open_cycle(
            request.user,
            year=year,
            deadlines=deadlines,
            periods=ReportingPeriod.objects.filter(year=year),
            runs=runs,
        )
    except AssessmentError as error:
        _fail(request, error)
        return redirect("assessment:cycle_list")
    messages.success(request, gettext("已开启 %(name)s 评估。") % {"name": cycle.name})
    return redirect("assessment:cycle_detail", cycle_id=cycle.pk)


def latest_runs(year: int) -> list[EvaluationRun]:
    runs: dict[int, EvaluationRun] = {}
    for run in (
        EvaluationRun.objects.filter(scheme__year=year, status=RunStatus.DONE)
        .select_related("scheme__direction")
        .order_by("created_at", "pk")
    ):
        runs[run.scheme.direction_id] = run
    return list(runs.values())


@permission_required("program.read")
def cycle_detail(request: AuthenticatedRequest, cycle_id: int) -> HttpResponse:
    cycle = get_restricted(
        AssessmentCycle.objects.prefetch_related("stages", "runs__scheme__direction"),
        request.user,
        pk=cycle_id,
    )
    user = request.user
    context: dict[str, Any] = {
        "cycle": cycle,
        "stages": stage_rows(cycle),
        "rules": cycle.get_rules(),
        "progress": selectors.progress(user, cycle),
        "my_sheets": selectors.my_sheets(user, cycle),
        "decisions": cycle.decisions.restrict(user),
        "manages": may(user, "assessment.manage"),
        "groups": cycle.peer_groups.select_related("direction").prefetch_related("bases"),
        "bonus_claims": BonusClaim.objects.restrict(user).filter(cycle=cycle).select_related("base"),
    }
    if user.role == Role.EVALUATOR:
        context["assigned_bases"] = Base.objects.restrict(user).order_by("seq")
        context["site_visits"] = SiteVisit.objects.restrict(user).filter(cycle=cycle, evaluator=user)
    if user.role == Role.OPERATOR and user.base_id:
        context["self_assessment"] = SelfAssessment.objects.filter(cycle=cycle, base_id=user.base_id).first()
    return render(request, "assessment/cycle_detail.html", context)


def stage_rows(cycle: AssessmentCycle) -> list[dict[str, Any]]:
    deadlines = {s.stage: s.deadline for s in cycle.stages.all()}
    return [
        {
            "label": stage.label,
            "deadline": deadlines.get(stage.value),
            "state": "done" if n < cycle.stage_index else ("current" if n == cycle.stage_index else "next"),
        }
        for n, stage in enumerate(Stage)
    ]


CYCLE_ACTIONS = ("advance", "assign_expert", "assign_site", "assign_peer", "compute", "propose")


@permission_required("assessment.manage")
@require_POST
def cycle_action(request: AuthenticatedRequest, cycle_id: int) -> HttpResponse:
    cycle = get_restricted(AssessmentCycle.objects, request.user, CHANGE, pk=cycle_id)
    action = request.POST.get("action", "")
    evaluators = list(User.objects.filter(role=Role.EVALUATOR, is_active=True))
    try:
        if action == "advance":
            cycle = services.advance_stage(request.user, cycle)
            messages.success(
                request, gettext("已进入“%(stage)s”阶段。") % {"stage": cycle.get_stage_display()}
            )
        elif action in ("assign_expert", "assign_site"):
            stage = Stage.CORRESPONDENCE if action == "assign_expert" else Stage.SITE_VISIT
            per_base = cycle.get_rules().min_reviewers if action == "assign_expert" else 1
            made = services.assign_reviewers(request.user, cycle, stage, evaluators, per_base=per_base)
            messages.success(request, gettext("已指派 %(n)d 项评估任务。") % {"n": len(made)})
        elif action == "assign_peer":
            sheets = services.assign_peer_reviews(request.user, cycle)
            messages.success(request, gettext("已安排 %(n)d 份交叉互评。") % {"n": len(sheets)})
        elif action == "compute":
            results = services.compute_results(request.user, cycle)
            messages.success(request, gettext("已汇总 %(n)d 个基地的评估结果。") % {"n": len(results)})
            return redirect("assessment:results", cycle_id=cycle.pk)
        elif action == "bonus":
            base = get_restricted(Base.objects, request.user, code=request.POST.get("base", "").strip())
            try:
                quantity = Decimal(request.POST.get("quantity", "").strip())
            except InvalidOperation:
                messages.error(request, gettext("加分项数量：请填写数字。"))
                return redirect("assessment:cycle_detail", cycle_id=cycle.pk)
            services.claim_bonus(
                request.user,
                cycle,
                base,
                request.POST.get("rule", ""),
                quantity,
                request.POST.get("evidence", ""),
                accepted=True,
            )
            messages.success(request, gettext("已认定加分项，重新汇总后计入总分。"))
        elif action == "propose":
            decision = services.propose_decision(request.user, cycle)
            return redirect("assessment:decision_detail", decision_id=decision.pk)
        else:
            messages.error(request, gettext("未知操作。"))
    except AssessmentError as error:
        _fail(request, error)
    return redirect("assessment:cycle_detail", cycle_id=cycle.pk)


@permission_required("program.read")
def results(request: AuthenticatedRequest, cycle_id: int) -> HttpResponse:
    cycle = get_restricted(AssessmentCycle.objects, request.user, pk=cycle_id)
    rows = list(selectors.visible_results(request.user, cycle))
    for row in rows:
        row.reason_texts = [reason_text(r) for r in row.reasons]
    return render(request, "assessment/results.html", {"cycle": cycle, "rows": rows})


@permission_required("assessment.sheet.score")
def sheet(request: AuthenticatedRequest, sheet_id: int) -> HttpResponse:
    """A reviewer's score sheet: the direction's criteria with their guides; saved, then submitted (locked)."""
    score_sheet = get_restricted(
        ScoreSheet.objects.select_related("cycle", "base", "base__direction"),
        request.user,
        CHANGE,
        pk=sheet_id,
    )
    form = ScoringForm.objects.get(cycle=score_sheet.cycle, direction_id=score_sheet.base.direction_id)
    criteria = list(form.criteria.all())
    if request.method == "POST":
        if not may(request.user, "assessment.sheet.score", score_sheet):
            messages.error(request, gettext("评分表已提交或已过该阶段，不能再修改。"))
            return redirect("assessment:sheet", sheet_id=score_sheet.pk)
        points = {c.pk: request.POST.get(f"points-{c.pk}", "") for c in criteria}
        comments = {c.pk: request.POST.get(f"comment-{c.pk}", "") for c in criteria}
        submit = request.POST.get("submit") == "1"
        try:
            services.save_sheet(
                request.user,
                score_sheet,
                points,
                comments=comments,
                comment=request.POST.get("comment", ""),
                submit=submit,
            )
        except AssessmentError as error:
            _fail(request, error)
        else:
            messages.success(request, gettext("评分已提交并锁定。") if submit else gettext("评分已保存。"))
            if submit:
                return redirect("assessment:cycle_detail", cycle_id=score_sheet.cycle_id)
        return redirect("assessment:sheet", sheet_id=score_sheet.pk)
    scores = {s.criterion_id: s for s in score_sheet.scores.all()}
    rows = [{"criterion": c, "score": scores.get(c.pk)} for c in criteria]
    return render(
        request,
        "assessment/sheet.html",
        {
            "sheet": score_sheet,
            "rows": rows,
            "editable": may(request.user, "assessment.sheet.score", score_sheet),
        },
    )


@permission_required("assessment.self.submit")
def self_assessment(request: AuthenticatedRequest, cycle_id: int) -> HttpResponse:
    """The base's self-assessment: its report against its plan's goals, then its self-scores."""
    cycle = get_restricted(AssessmentCycle.objects, request.user, pk=cycle_id)
    base = Base.objects.get(pk=request.user.base_id or 0)
    current = SelfAssessment.objects.filter(cycle=cycle, base=base).first()
    if request.method == "POST":
        if not may(request.user, "assessment.self.submit", cycle):
            messages.error(request, gettext("自评估阶段已结束。"))
            return redirect("assessment:cycle_detail", cycle_id=cycle.pk)
        goals = goals_from_post(request, cycle, current)
        try:
            services.save_self_assessment(
                request.user,
                cycle,
                summary=request.POST.get("summary", ""),
                goals=goals,
                submit=request.POST.get("submit") == "1",
            )
        except AssessmentError as error:
            _fail(request, error)
        else:
            messages.success(request, gettext("自评估已保存。"))
        return redirect("assessment:self_assessment", cycle_id=cycle.pk)
    self_scores = ScoreSheet.objects.filter(
        cycle=cycle, base=base, source=Source.SELF, reviewer_base=base
    ).first()
    return render(
        request,
        "assessment/self_assessment.html",
        {
            "cycle": cycle,
            "base": base,
            "assessment": current,
            "self_sheet": self_scores,
            "goals": [
                goal | {"status_label": selectors.goal_status_label(str(goal.get("status", "")))}
                for goal in ((current.goals if current else []) or selectors.plan_goals(base, cycle.year))
            ],
            "editable": may(request.user, "assessment.self.submit", cycle)
            and not (current and current.submitted_at),
        },
    )


def goals_from_post(
    request: AuthenticatedRequest, cycle: AssessmentCycle, current: SelfAssessment | None
) -> list[dict[str, Any]] | None:
    """The goal table as the base filled it: the plan's goals and targets as read (never typed), the actual
    value and the evidence the base gives."""
    base = Base.objects.get(pk=request.user.base_id or 0)
    planned = (current.goals if current and current.goals else []) or selectors.plan_goals(base, cycle.year)
    actuals = request.POST.getlist("actual")
    evidence = request.POST.getlist("evidence")
    if not planned:
        return None
    return [
        goal | {"actual": a.strip(), "evidence": e.strip()}
        for goal, a, e in zip(planned, actuals, evidence, strict=False)
    ]


@permission_required("assessment.conflict.declare")
@require_POST
def declare_conflict(request: AuthenticatedRequest, cycle_id: int) -> HttpResponse:
    cycle = get_restricted(AssessmentCycle.objects, request.user, pk=cycle_id)
    base = get_restricted(Base.objects, request.user, code=request.POST.get("base", ""))
    try:
        services.declare_conflict(request.user, cycle, base, request.POST.get("reason", ""))
    except AssessmentError as error:
        _fail(request, error)
    else:
        messages.success(request, gettext("已申报利益冲突，相关评估任务已撤回。"))
    return redirect("assessment:cycle_detail", cycle_id=cycle.pk)


@permission_required("assessment.site_visit.record")
def site_visit(request: AuthenticatedRequest, cycle_id: int, base_code: str) -> HttpResponse:
    cycle = get_restricted(AssessmentCycle.objects, request.user, pk=cycle_id)
    base = get_restricted(Base.objects, request.user, code=base_code)
    if request.method == "POST":
        try:
            visited_on = dt.date.fromisoformat(request.POST.get("visited_on", ""))
        except ValueError:
            messages.error(request, gettext("调研日期：请填写日期（例如 2026-03-01）。"))
            return redirect("assessment:site_visit", cycle_id=cycle.pk, base_code=base.code)
        try:
            services.record_site_visit(
                request.user,
                cycle,
                base,
                visited_on=visited_on,
                findings=request.POST.get("findings", ""),
                evidence=request.POST.get("evidence", ""),
            )
        except AssessmentError as error:
            _fail(request, error)
        else:
            messages.success(request, gettext("实地调研记录已保存。"))
        return redirect("assessment:site_visit", cycle_id=cycle.pk, base_code=base.code)
    visits = SiteVisit.objects.restrict(request.user).filter(cycle=cycle, base=base)
    return render(request, "assessment/site_visit.html", {"cycle": cycle, "base": base, "visits": visits})


# The what-if bench

BENCH_FIELDS: list[tuple[str, type]] = [
    ("quantitative_weight", float),
    ("qualitative_weight", float),
    ("excellent_from", float),
    ("good_from", float),
    ("pass_from", float),
    ("commend_top", int),
    ("max_missed_periods", int),
    ("spread", float),
]


def rules_from_post(request: AuthenticatedRequest, rules: scoring.Rules) -> tuple[scoring.Rules, list[str]]:
    changes: dict[str, Any] = {}
    errors = []
    for name, kind in BENCH_FIELDS:
        raw = request.POST.get(name, "").strip()
        if raw == "":
            continue
        try:
            value = kind(Decimal(raw))
        except (InvalidOperation, ValueError):
            errors.append(name)
            continue
        if value < 0:
            errors.append(name)
            continue
        changes[name] = value
    grade = request.POST.get("commend_min_grade", "")
    if grade in scoring.GRADE_ORDER:
        changes["commend_min_grade"] = grade
    return rules.with_changes(**changes), errors


@permission_required("assessment.manage")
def what_if(request: AuthenticatedRequest, cycle_id: int) -> HttpResponse:
    cycle = get_restricted(AssessmentCycle.objects, request.user, CHANGE, pk=cycle_id)
    current = cycle.get_rules()
    shown: WhatIf | None = None
    if request.method == "POST" and request.POST.get("adopt", "").isdigit():
        chosen = get_restricted(cycle.what_ifs.all(), request.user, pk=int(request.POST["adopt"]))
        try:
            services.set_rules(request.user, cycle, scoring.Rules.from_dict(chosen.rules))
        except AssessmentError as error:
            _fail(request, error)
        else:
            messages.success(
                request, gettext("已采用推演“%(name)s”的规则；请重新汇总评估结果。") % {"name": chosen.name}
            )
        return redirect("assessment:cycle_detail", cycle_id=cycle.pk)
    if request.method == "POST":
        rules, errors = rules_from_post(request, current)
        if errors:
            messages.error(request, gettext("请填写非负数字：%(fields)s") % {"fields": "、".join(errors)})
            return redirect("assessment:what_if", cycle_id=cycle.pk)
        shown = services.save_what_if(request.user, cycle, request.POST.get("name", "").strip(), rules)
        return redirect(f"{request.path}?saved={shown.pk}")
    saved = cycle.what_ifs.restrict(request.user)
    if (pk := request.GET.get("saved", "")).isdigit():
        shown = saved.filter(pk=int(pk)).first()
    proposed = scoring.Rules.from_dict(shown.rules) if shown else current
    outcome = shown.outcome if shown else None
    if outcome:
        for row in outcome["rows"]:
            for side in ("current", "alternative"):
                row[side]["reason_texts"] = [reason_text(r) for r in row[side]["reasons"]]
    return render(
        request,
        "assessment/what_if.html",
        {
            "cycle": cycle,
            "current": current,
            "proposed": proposed,
            "shown": shown,
            "outcome": outcome,
            "saved": saved[:20],
            "grades": scoring.GRADE_ORDER,
        },
    )


# Decisions


@permission_required("program.read")
def decision_detail(request: AuthenticatedRequest, decision_id: int) -> HttpResponse:
    decision = get_restricted(
        Decision.objects.select_related("cycle", "proposed_by", "reviewed_by", "approved_by", "published_by"),
        request.user,
        pk=decision_id,
    )
    base_ids = Base.objects.restrict(request.user).values("pk")
    items = list(
        decision.items.filter(base__in=base_ids)
        .select_related("base", "base__direction")
        .prefetch_related("rewards")
    )
    for item in items:
        item.reason_texts = [reason_text(r) for r in item.reasons]
    context = {
        "decision": decision,
        "items": items,
        "objections": decision.objections.filter(base__in=base_ids)
        | decision.objections.filter(base__isnull=True),
        "rectifications": Rectification.objects.restrict(request.user)
        .filter(decision=decision)
        .select_related("base"),
        "outcomes": [o for o in Outcome],
        "may_review": may(request.user, "assessment.decision.review", decision),
        "may_approve": may(request.user, "assessment.decision.approve", decision),
        "may_notice": may(request.user, "assessment.decision.notice", decision),
        "may_object": may(request.user, "assessment.decision.objection", decision),
        "may_publish": may(request.user, "assessment.decision.publish", decision),
        "manages": may(request.user, "assessment.manage"),
        "documents": decision.state in ("approved", "notice", "published"),
    }
    return render(request, "assessment/decision_detail.html", context)


@permission_required("assessment.decision.act")
@require_POST
def decision_action(request: AuthenticatedRequest, decision_id: int) -> HttpResponse:
    decision = get_restricted(Decision.objects, request.user, pk=decision_id)
    action = request.POST.get("action", "")
    user = request.user
    try:
        if action == "review":
            changes = {}
            for item in decision.items.all():
                chosen = request.POST.get(f"action-{item.pk}")
                if chosen and chosen != item.action:
                    changes[item.pk] = (chosen, request.POST.get(f"reason-{item.pk}", ""))
            services.review_decision(user, decision, changes)
            messages.success(request, gettext("国家审核已通过，提请联席会议批准。"))
        elif action == "approve":
            services.approve_decision(user, decision, request.POST.get("note", ""))
            messages.success(request, gettext("已记录联席会议批准。"))
        elif action == "notice":
            services.start_notice(user, decision)
            messages.success(request, gettext("公示已开始。"))
        elif action == "objection":
            base = Base.objects.filter(code=request.POST.get("base", "")).first()
            services.record_objection(
                user,
                decision,
                received_from=request.POST.get("received_from", ""),
                text=request.POST.get("text", ""),
                base=base,
            )
            messages.success(request, gettext("已登记异议。"))
        elif action == "answer":
            objection = Objection.objects.get(decision=decision, pk=request.POST.get("objection") or 0)
            services.answer_objection(user, objection, request.POST.get("answer", ""))
            messages.success(request, gettext("已答复异议。"))
        elif action == "publish":
            services.publish_decision(user, decision)
            messages.success(request, gettext("决定已发布，基地状态已更新。"))
        elif action == "reward":
            reward = RewardMeasure.objects.get(item__decision=decision, pk=request.POST.get("reward") or 0)
            services.complete_reward(user, reward, request.POST.get("note", ""))
            messages.success(request, gettext("激励措施已标记完成。"))
        else:
            messages.error(request, gettext("未知操作。"))
    except (Objection.DoesNotExist, RewardMeasure.DoesNotExist):
        raise Http404 from None
    except AssessmentError as error:
        _fail(request, error)
    return redirect("assessment:decision_detail", decision_id=decision.pk)


@permission_required("program.read")
def decision_document(request: AuthenticatedRequest, decision_id: int, kind: str, fmt: str) -> HttpResponse:
    """The 公示 or the 通报 of a decision as .docx or PDF (GB/T 9704 layout)."""
    decision = get_restricted(Decision.objects.select_related("cycle"), request.user, pk=decision_id)
    if kind not in documents.KINDS or fmt not in ("docx", "pdf"):
        raise Http404
    if decision.state not in ("approved", "notice", "published"):
        messages.info(request, gettext("决定经联席会议批准后才能生成公文。"))
        return redirect("assessment:decision_detail", decision_id=decision.pk)
    content = documents.render_docx(decision, kind) if fmt == "docx" else documents.render_pdf(decision, kind)
    content_type = (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if fmt == "docx"
        else "application/pdf"
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="decision-{decision.pk}-{kind}.{fmt}"'
    return response


# Rectification


@permission_required("program.read")
def rectification(request: AuthenticatedRequest, rectification_id: int) -> HttpResponse:
    item = get_restricted(
        Rectification.objects.select_related("base", "decision", "reviewed_by"),
        request.user,
        pk=rectification_id,
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "submit" and may(
                request.user, "assessment.rectification.submit", item
            ):
                services.submit_rectification(request.user, item, request.POST.get("report", ""))
                messages.success(request, gettext("整改报告已提交，等待审核单位审核。"))
            elif request.POST.get("action") in ("accept", "return") and may(
                request.user, "assessment.rectification.review", item
            ):
                services.review_rectification(
                    request.user,
                    item,
                    accept=request.POST["action"] == "accept",
                    comment=request.POST.get("comment", ""),
                )
                messages.success(request, gettext("审核意见已保存。"))
            else:
                messages.error(request, gettext("当前状态下您不能进行此操作。"))
        except AssessmentError as error:
            _fail(request, error)
        return redirect("assessment:rectification", rectification_id=item.pk)
    return render(
        request,
        "assessment/rectification.html",
        {
            "item": item,
            "may_submit": may(request.user, "assessment.rectification.submit", item),
            "may_review": may(request.user, "assessment.rectification.review", item),
        },
    )
