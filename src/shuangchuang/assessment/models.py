"""Annual assessment (年度评估) and dynamic adjustment (动态调整): cycles, reviewers and their score sheets,
results, what-ifs, decisions with their notice period, rectifications and reward measures.

Who reaches what: the program's cycles and forms are program data; what belongs to a base (its
self-assessment, its sheets as the reviewed base, its result, its rectification) is seen where the base is
seen (`scope_through`), and an evaluator reaches the sheets it writes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shuangchuang.accounts.models import Role, as_account
from shuangchuang.core.policy import (
    CHANGE,
    EVERYTHING,
    NOTHING,
    REVIEW,
    VIEW,
    ProgramDataQuerySet,
    RestrictedQuerySet,
    may,
    scope_through,
)
from shuangchuang.evaluation.models import EvaluationRun, RunResult
from shuangchuang.monitoring.models import ReportingPeriod
from shuangchuang.registry.models import Base, Direction

from .scoring import Rules


class Stage(models.TextChoices):
    SELF = "self", _("自评估")
    CORRESPONDENCE = "correspondence", _("专家函评")
    SITE_VISIT = "site_visit", _("实地调研")
    PEER_REVIEW = "peer_review", _("交叉互评")
    RESULTS = "results", _("结果汇总")
    CLOSED = "closed", _("已结束")


STAGE_ORDER = [s.value for s in Stage]


class AssessmentCycle(models.Model):
    """One annual assessment (e.g. 2025年度): the reporting data it uses, the evaluation run of each
    direction (its stored results are the quantitative input), the stages with deadlines and the rules."""

    year = models.PositiveSmallIntegerField(_("评估年度"), unique=True)
    name = models.CharField(_("名称"), max_length=60)
    periods = models.ManyToManyField(
        ReportingPeriod, verbose_name=_("使用的报告期"), related_name="+", blank=True
    )
    runs = models.ManyToManyField(
        EvaluationRun,
        verbose_name=_("各方向评估运行"),
        related_name="+",
        blank=True,
        help_text=_("每个方向一次已完成的评估运行：其存储的结果是定量部分，评估周期不重新计算。"),
    )
    stage = models.CharField(_("当前阶段"), max_length=16, choices=Stage.choices, default=Stage.SELF)
    rules = models.JSONField(_("评分与调整规则"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ProgramDataQuerySet["AssessmentCycle"].as_manager()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("评估周期")
        verbose_name_plural = _("评估周期")

    def __str__(self) -> str:
        return self.name

    def get_rules(self) -> Rules:
        return Rules.from_dict(self.rules)

    @property
    def stage_index(self) -> int:
        return STAGE_ORDER.index(self.stage)


class CycleStage(models.Model):
    cycle = models.ForeignKey(AssessmentCycle, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(_("阶段"), max_length=16, choices=Stage.choices)
    deadline = models.DateField(_("截止日期"))

    objects = ProgramDataQuerySet["CycleStage"].as_manager()

    class Meta:
        ordering = ["cycle", "deadline"]
        verbose_name = _("评估阶段")
        verbose_name_plural = _("评估阶段")
        constraints = [models.UniqueConstraint(fields=["cycle", "stage"], name="one_deadline_per_stage")]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.deadline:%Y-%m-%d}"


class PeerGroup(models.Model):
    """Bases compared with one another inside a direction (a district is not ranked against a zone)."""

    cycle = models.ForeignKey(AssessmentCycle, on_delete=models.CASCADE, related_name="peer_groups")
    direction = models.ForeignKey(
        Direction, verbose_name=_("功能方向"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.SlugField(_("代码"), max_length=30)
    name = models.CharField(_("名称"), max_length=40)
    bases = models.ManyToManyField(Base, verbose_name=_("基地"), related_name="+")

    objects = ProgramDataQuerySet["PeerGroup"].as_manager()

    class Meta:
        ordering = ["cycle", "direction__order", "code"]
        verbose_name = _("同类分组")
        verbose_name_plural = _("同类分组")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "direction", "code"], name="unique_peer_group_code")
        ]

    def __str__(self) -> str:
        return self.name


class Institution(models.Model):
    """A third-party evaluation institution (第三方评估机构) the NDRC engaged."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    contact = models.CharField(_("联系人"), max_length=60, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("评估专家"), related_name="institutions", blank=True
    )

    objects = ProgramDataQuerySet["Institution"].as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("评估机构")
        verbose_name_plural = _("评估机构")

    def __str__(self) -> str:
        return self.name


class ReviewerWorkQuerySet(RestrictedQuerySet[Any]):
    """Work of a reviewer about a base: seen where the base is seen, and by the reviewer who does it."""

    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        account = as_account(user)
        if action == VIEW:
            through = scope_through(Base, "base", account, VIEW)
            mine = Q(evaluator=account)
            if through is NOTHING:
                return mine
            return EVERYTHING if through == EVERYTHING else through | mine
        if action == CHANGE:
            if may(account, "program.manage"):
                return EVERYTHING
            return Q(evaluator=account) if account.role == Role.EVALUATOR else NOTHING
        return NOTHING


class Assignment(models.Model):
    cycle = models.ForeignKey(AssessmentCycle, on_delete=models.CASCADE, related_name="assignments")
    stage = models.CharField(_("阶段"), max_length=16, choices=Stage.choices)
    base = models.ForeignKey(Base, verbose_name=_("基地"), on_delete=models.PROTECT, related_name="+")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评估专家"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReviewerWorkQuerySet.as_manager()

    class Meta:
        ordering = ["cycle", "stage", "base__seq"]
        verbose_name = _("评估指派")
        verbose_name_plural = _("评估指派")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "stage", "base", "evaluator"], name="one_assignment")
        ]

    def __str__(self) -> str:
        return f"{self.base} ← {self.evaluator}"


class ConflictDeclaration(models.Model):
    """An evaluator's declared conflict of interest with a base: blocks every assignment to it."""

    cycle = models.ForeignKey(AssessmentCycle, on_delete=models.CASCADE, related_name="conflicts")
    base = models.ForeignKey(Base, verbose_name=_("基地"), on_delete=models.PROTECT, related_name="+")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评估专家"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("利益关系说明"), max_length=300)
    declared_at = models.DateTimeField(_("申报时间"), auto_now_add=True)

    objects = ReviewerWorkQuerySet.as_manager()

    class Meta:
        ordering = ["-declared_at"]
        verbose_name = _("利益冲突申报")
        verbose_name_plural = _("利益冲突申报")
        constraints = [models.UniqueConstraint(fields=["cycle", "base", "evaluator"], name="one_conflict")]

    def __str__(self) -> str:
        return f"{self.evaluator} × {self.base}"


class ScoringForm(models.Model):
    cycle = models.ForeignKey(AssessmentCycle, on_delete=models.CASCADE, related_name="forms")
    direction = models.ForeignKey(
        Direction, verbose_name=_("功能方向"), on_delete=models.PROTECT, related_name="+"
    )

    objects = ProgramDataQuerySet["ScoringForm"].as_manager()

    class Meta:
        ordering = ["cycle", "direction__order"]
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")
        constraints = [models.UniqueConstraint(fields=["cycle", "direction"], name="one_form_per_direction")]

    def __str__(self) -> str:
        return f"{self.cycle} {self.direction}"

    @property
    def max_points(self) -> float:
        return float(sum(c.max_points for c in self.criteria.all()))


class Criterion(models.Model):
    form = models.ForeignKey(ScoringForm, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(_("代码"), max_length=30)
    name = models.CharField(_("评分项"), max_length=40)
    max_points = models.DecimalField(_("满分"), max_digits=5, decimal_places=1)
    guide = models.TextField(_("评分指引"), blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = ProgramDataQuerySet["Criterion"].as_manager()

    class Meta:
        ordering = ["form", "order"]
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")
        constraints = [models.UniqueConstraint(fields=["form", "code"], name="unique_criterion_code")]

    def __str__(self) -> str:
        return self.name


class Source(models.TextChoices):
    SELF = "self", _("自评")
    EXPERT = "expert", _("专家函评")
    SITE = "site", _("实地调研")
    PEER = "peer", _("交叉互评")


class SheetQuerySet(RestrictedQuerySet["ScoreSheet"]):
    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        """`VIEW`: where the reviewed base is seen, plus one's own sheets (an evaluator's, a peer base's).
        `CHANGE`: the one who scores (the evaluator, or the operator of the reviewing or self-assessing
        base)."""
        account = as_account(user)
        mine = Q(evaluator=account)
        if account.role == Role.OPERATOR and account.base_id:
            mine |= Q(reviewer_base_id=account.base_id)
        if action == VIEW:
            through = scope_through(Base, "base", account, VIEW)
            if through == EVERYTHING:
                return EVERYTHING
            return mine if through is NOTHING else through | mine
        if action == CHANGE:
            return mine if account.role in (Role.EVALUATOR, Role.OPERATOR) else NOTHING
        return NOTHING


class ScoreSheet(models.Model):
    """One reviewer's scores of one base on the direction's form; locked once submitted."""

    cycle = models.ForeignKey(AssessmentCycle, on_delete=models.CASCADE, related_name="sheets")
    base = models.ForeignKey(Base, verbose_name=_("被评基地"), on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("评分来源"), max_length=8, choices=Source.choices)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评估专家"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewer_base = models.ForeignKey(
        Base, verbose_name=_("评分基地"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(_("总体意见"), blank=True)
    total = models.FloatField(_("得分（百分制）"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SheetQuerySet.as_manager()

    class Meta:
        ordering = ["cycle", "base__seq", "source", "pk"]
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "base", "source", "evaluator"],
                condition=Q(evaluator__isnull=False),
                name="one_sheet_per_evaluator",
            ),
            models.UniqueConstraint(
                fields=["cycle", "base", "source", "reviewer_base"],
                condition=Q(reviewer_base__isnull=False),
                name="one_sheet_per_reviewing_base",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.base} {self.get_source_display()}"

    @property
    def locked(self) -> bool:
        return self.submitted_at is not None


class ScoreQuerySet(RestrictedQuerySet["CriterionScore"]):
    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        return scope_through(ScoreSheet, "sheet", user, action)


class CriterionScore(models.Model):
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)
    comment = models.CharField(_("评语"), max_length=500, blank=True)

    objects = ScoreQuerySet.as_manager()

    class Meta:
        ordering = ["sheet", "criterion__order"]
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        constraints = [models.UniqueConstraint(fields=["sheet", "criterion"], name="one_score_per_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion} {self.points}"


class SiteVisit(models.Model):
    cycle = models.ForeignKey(AssessmentCycle, on_delete=models.CASCADE, related_name="site_visits")
    base = models.ForeignKey(Base, verbose_name=_("基地"), on_delete=models.PROTECT, related_name="+")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评估专家"), on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField(_("调研日期"))
    findings = models.TextField(_("调研发现"))
    evidence = models.TextField(_("佐证材料"), blank=True, help_text=_("查阅的材料、座谈对象、照片编号等"))
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ReviewerWorkQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_on"]
        verbose_name = _("实地调研记录")
        verbose_name_plural = _("实地调研记录")

    def __str__(self) -> str:
        return f"{self.base} {self.visited_on:%Y-%m-%d}"


class BaseOwnedQuerySet(RestrictedQuerySet[Any]):
    """Rows about one base: seen where the base is; written by the base's operator (or the office)."""

    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        account = as_account(user)
        if action == VIEW:
            return scope_through(Base, "base", account, VIEW)
        if action == CHANGE:
            if may(account, "program.manage"):
                return EVERYTHING
            return (
                Q(base_id=account.base_id) if account.role == Role.OPERATOR and account.base_id else NOTHING
            )
        if action == REVIEW:
            if account.role == Role.AUTHORITY and account.authority_id:
                return Q(base__authority_id=account.authority_id)
            return EVERYTHING if may(account, "program.manage") else NOTHING
        return NOTHING


class SelfAssessment(models.Model):
    cycle = models.ForeignKey(AssessmentCycle, on_delete=models.CASCADE, related_name="self_assessments")
    base = models.ForeignKey(Base, verbose_name=_("基地"), on_delete=models.PROTECT, related_name="+")
    summary = models.TextField(_("自评报告"), blank=True)
    goals = models.JSONField(_("建设目标完成情况"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    objects = BaseOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("自评估")
        verbose_name_plural = _("自评估")
        constraints = [models.UniqueConstraint(fields=["cycle", "base"], name="one_self_assessment")]

    def __str__(self) -> str:
        return f"{self.cycle} {self.base}"


class BonusClaim(models.Model):
    """A bonus item (加分项) a base claims with evidence, counted by the cycle's rubric once accepted."""

    cycle = models.ForeignKey(AssessmentCycle, on_delete=models.CASCADE, related_name="bonus_claims")
    base = models.ForeignKey(Base, verbose_name=_("基地"), on_delete=models.PROTECT, related_name="+")
    rule_code = models.SlugField(_("加分项"), max_length=30)
    quantity = models.DecimalField(_("数量"), max_digits=8, decimal_places=1)
    evidence = models.CharField(_("佐证"), max_length=300)
    accepted = models.BooleanField(_("已认定"), default=False)

    objects = BaseOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("加分项")
        verbose_name_plural = _("加分项")

    def __str__(self) -> str:
        return f"{self.base} {self.rule_code} {self.quantity}"


class Outcome(models.TextChoices):
    COMMEND = "commend", _("表彰激励")
    RECTIFY = "rectify", _("警示并限期整改")
    WITHDRAW = "withdraw", _("建议调整退出")
    HUMAN = "human", _("须人工研判")
    NONE = "none", _("无调整")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class CycleResult(models.Model):
    """A base's result in a cycle, as computed from the stored inputs (the run's result, the sheets)."""

    cycle = models.ForeignKey(AssessmentCycle, on_delete=models.CASCADE, related_name="results")
    base = models.ForeignKey(
        Base, verbose_name=_("基地"), on_delete=models.PROTECT, related_name="assessment_results"
    )
    run_result = models.ForeignKey(
        RunResult, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    peer_group = models.CharField(_("同类分组"), max_length=40, blank=True)
    quantitative = models.FloatField(_("定量得分"), null=True)
    qualitative = models.FloatField(_("定性得分"), null=True)
    bonus = models.FloatField(_("加分"), default=0)
    total = models.FloatField(_("总分"), null=True)
    grade = models.CharField(_("等次"), max_length=10, choices=Grade.choices, blank=True)
    rank = models.PositiveIntegerField(_("方向内排名"), null=True)
    peer_rank = models.PositiveIntegerField(_("同类排名"), null=True)
    total_low = models.FloatField(null=True)
    total_high = models.FloatField(null=True)
    rank_low = models.FloatField(_("排名区间下限"), null=True)
    rank_high = models.FloatField(_("排名区间上限"), null=True)
    arbitration = models.BooleanField(_("须仲裁"), default=False)
    outcome = models.CharField(_("建议"), max_length=10, choices=Outcome.choices, default=Outcome.NONE)
    reasons = models.JSONField(_("理由"), default=list)

    objects = BaseOwnedQuerySet.as_manager()

    reason_texts: list[str]  # set by the pages, never stored

    class Meta:
        ordering = ["cycle", "base__direction__order", "rank", "base__seq"]
        verbose_name = _("评估结果")
        verbose_name_plural = _("评估结果")
        constraints = [models.UniqueConstraint(fields=["cycle", "base"], name="one_cycle_result")]

    def __str__(self) -> str:
        return f"{self.cycle} {self.base} {self.total}"


class WhatIf(models.Model):
    """A what-if of a cycle's rules: its settings and the outcome it gave; never touches stored results."""

    cycle = models.ForeignKey(AssessmentCycle, on_delete=models.CASCADE, related_name="what_ifs")
    name = models.CharField(_("名称"), max_length=80)
    rules = models.JSONField(_("规则"), default=dict)
    outcome = models.JSONField(_("结果"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProgramDataQuerySet["WhatIf"].as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("规则推演")
        verbose_name_plural = _("规则推演")

    def __str__(self) -> str:
        return self.name


class DecisionState(models.TextChoices):
    PROPOSED = "proposed", _("已提出")
    REVIEWED = "reviewed", _("国家审核通过")
    APPROVED = "approved", _("联席会议批准")
    NOTICE = "notice", _("公示中")
    PUBLISHED = "published", _("已发布")


class DecisionQuerySet(RestrictedQuerySet["Decision"]):
    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        """Every program reader follows decisions; the office changes them (the joint conference's
        approval is a rule of its own)."""
        if action == VIEW:
            return EVERYTHING if may(user, "program.read") else NOTHING
        if action == CHANGE:
            return EVERYTHING if may(user, "program.manage") else NOTHING
        return NOTHING


class Decision(models.Model):
    cycle = models.ForeignKey(AssessmentCycle, on_delete=models.PROTECT, related_name="decisions")
    title = models.CharField(_("标题"), max_length=120)
    number = models.CharField(_("发文字号"), max_length=40, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=DecisionState.choices, default=DecisionState.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    approval_note = models.CharField(_("会议纪要"), max_length=200, blank=True)
    notice_starts = models.DateField(_("公示开始"), null=True, blank=True)
    notice_ends = models.DateField(_("公示截止"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        verbose_name = _("调整决定")
        verbose_name_plural = _("调整决定")

    def __str__(self) -> str:
        return self.title


class DecisionPartQuerySet(RestrictedQuerySet[Any]):
    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        return scope_through(Decision, "decision", user, action)


class DecisionItem(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="items")
    base = models.ForeignKey(Base, verbose_name=_("基地"), on_delete=models.PROTECT, related_name="+")
    proposed = models.CharField(_("规则建议"), max_length=10, choices=Outcome.choices)
    action = models.CharField(_("决定"), max_length=10, choices=Outcome.choices)
    reasons = models.JSONField(_("理由"), default=list)
    change_reason = models.CharField(_("调整理由"), max_length=300, blank=True)

    objects = DecisionPartQuerySet.as_manager()

    reason_texts: list[str]  # set by the pages, never stored

    class Meta:
        ordering = ["decision", "base__direction__order", "base__seq"]
        verbose_name = _("决定事项")
        verbose_name_plural = _("决定事项")
        constraints = [models.UniqueConstraint(fields=["decision", "base"], name="one_item_per_base")]

    def __str__(self) -> str:
        return f"{self.base} {self.get_action_display()}"


class Objection(models.Model):
    """An objection received during the notice period (公示), recorded by the office and answered."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="objections")
    base = models.ForeignKey(
        Base, verbose_name=_("涉及基地"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_from = models.CharField(_("反映人或单位"), max_length=100)
    text = models.TextField(_("异议内容"))
    received_on = models.DateField(_("收到日期"))
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    objects = DecisionPartQuerySet.as_manager()

    class Meta:
        ordering = ["received_on", "pk"]
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")

    def __str__(self) -> str:
        return f"{self.received_from} {self.received_on:%Y-%m-%d}"


class RewardMeasure(models.Model):
    """A reward promised to a commended base (平台优先布局、中央预算内投资 …), tracked to completion."""

    item = models.ForeignKey(DecisionItem, on_delete=models.CASCADE, related_name="rewards")
    title = models.CharField(_("激励措施"), max_length=120)
    owner = models.CharField(_("责任单位"), max_length=80)
    due_on = models.DateField(_("完成期限"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    note = models.CharField(_("落实情况"), max_length=300, blank=True)

    objects = ProgramDataQuerySet["RewardMeasure"].as_manager()

    class Meta:
        ordering = ["item", "pk"]
        verbose_name = _("激励措施")
        verbose_name_plural = _("激励措施")

    def __str__(self) -> str:
        return self.title


class RectificationState(models.TextChoices):
    OPEN = "open", _("待提交整改报告")
    SUBMITTED = "submitted", _("整改报告待审核")
    ACCEPTED = "accepted", _("整改通过")


class Rectification(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="rectifications")
    base = models.ForeignKey(
        Base, verbose_name=_("基地"), on_delete=models.PROTECT, related_name="rectifications"
    )
    deadline = models.DateField(_("整改期限"))
    state = models.CharField(
        _("状态"), max_length=10, choices=RectificationState.choices, default=RectificationState.OPEN
    )
    report = models.TextField(_("整改报告"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    objects = BaseOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "base__seq"]
        verbose_name = _("限期整改")
        verbose_name_plural = _("限期整改")

    def __str__(self) -> str:
        return f"{self.base} {self.deadline:%Y-%m-%d}"
