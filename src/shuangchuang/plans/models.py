"""A base's work records of its construction: the plan (建设方案) with goals, yearly targets and key tasks, the
progress on them, and the organisation that runs the base (management body, coordination mechanism,
full-time staff).

**Versions.** Each row of `Plan` is one version of a base's plan for its construction period. The base drafts
and submits a version; its authority approves it or returns it with comments (`PlanState`, `TRANSITIONS`).
A revision is a new version (a copy of the one in force) that needs approval again; while it is open the
approved version stays in force, and once the revision is approved the old one becomes `superseded`, still
readable. Goals and tasks belong to a version; `key` names the same goal or task across versions, so that
progress and hand-reported results follow it from one version to the next.

Only `shuangchuang.plans.services` writes these records, with audit rows, in one transaction. Others read
them through `shuangchuang.plans.selectors` (`approved_plan`, `goal_progress`).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shuangchuang.accounts.models import Role, as_account
from shuangchuang.accounts.policy import acts_as
from shuangchuang.core.policy import EVERYTHING, NOTHING, REVIEW, VIEW, RestrictedQuerySet, scope_through
from shuangchuang.monitoring.models import Indicator, ReportingPeriod
from shuangchuang.registry.models import Base


def new_key() -> str:
    return uuid.uuid4().hex[:12]


class BaseRecordQuerySet(RestrictedQuerySet[Any]):
    """A record a base keeps about itself. `VIEW`: wherever the base is seen. `CHANGE`: the base's own
    operator (a base edits only its own records). `REVIEW`: its authority, and the national office."""

    base_field = "base"

    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        field = self.base_field
        if action == VIEW:
            return scope_through(Base, field, user, VIEW)
        account = as_account(user)
        if action == REVIEW:
            if acts_as(account, Role.NATIONAL_ADMIN):
                return EVERYTHING
            if account.role == Role.AUTHORITY and account.authority_id:
                return Q(**{f"{field}__authority_id": account.authority_id})
            return NOTHING
        if account.role == Role.OPERATOR and account.base_id:
            return Q(**{f"{field}_id": account.base_id})
        return NOTHING


class ThroughPlanQuerySet(BaseRecordQuerySet):
    base_field = "plan__base"


class ThroughGoalQuerySet(BaseRecordQuerySet):
    base_field = "goal__plan__base"


class ThroughTaskQuerySet(BaseRecordQuerySet):
    base_field = "task__plan__base"


class ThroughMechanismQuerySet(BaseRecordQuerySet):
    base_field = "mechanism__base"


class ThroughStaffQuerySet(BaseRecordQuerySet):
    base_field = "staff__base"


def attachment_path(instance: Attachment, filename: str) -> str:
    """Stored under a random name with the extension of the checked type; the user's name never chooses a
    path (the same rule as monitoring evidence)."""
    from shuangchuang.monitoring.evidence import KIND_OF_TYPE

    kind = KIND_OF_TYPE.get(instance.content_type)
    extension = kind.extensions[0] if kind else ""
    return f"plans/{instance.base.code}/{uuid.uuid4().hex}{extension}"


class Attachment(models.Model):
    """A file a base attached to its records: the plan document, evidence of a task's progress or of a
    goal's result. Checked against the evidence allow-list (`monitoring.evidence.inspect_upload`)."""

    base = models.ForeignKey(Base, verbose_name=_("示范基地"), on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("文件"), upload_to=attachment_path)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=120)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = BaseRecordQuerySet.as_manager()

    class Meta:
        ordering = ["base", "uploaded_at"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name


class PlanState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送待审核")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已批准（现行）")
    SUPERSEDED = "superseded", _("已被新版本替代")


class PlanAction(models.TextChoices):
    SUBMIT = "submit", _("报送")
    RETURN = "return", _("退回")
    APPROVE = "approve", _("批准")


# (from state, action) → (to state, who acts: "base" or "reviewer"). The only table of allowed moves.
TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    (PlanState.DRAFT, PlanAction.SUBMIT): (PlanState.SUBMITTED, "base"),
    (PlanState.RETURNED, PlanAction.SUBMIT): (PlanState.SUBMITTED, "base"),
    (PlanState.SUBMITTED, PlanAction.RETURN): (PlanState.RETURNED, "reviewer"),
    (PlanState.SUBMITTED, PlanAction.APPROVE): (PlanState.APPROVED, "reviewer"),
}
EDITABLE_STATES = frozenset({PlanState.DRAFT, PlanState.RETURNED})
OPEN_STATES = frozenset({PlanState.DRAFT, PlanState.SUBMITTED, PlanState.RETURNED})
HOLDER: dict[str, Promise] = {
    PlanState.DRAFT: _("基地"),
    PlanState.RETURNED: _("基地"),
    PlanState.SUBMITTED: _("审核单位"),
    PlanState.APPROVED: _("—（现行）"),
    PlanState.SUPERSEDED: _("—（已替代）"),
}


class PlanQuerySet(BaseRecordQuerySet):
    def in_force(self) -> PlanQuerySet:
        return self.filter(state=PlanState.APPROVED)

    def open(self) -> PlanQuerySet:
        return self.filter(state__in=OPEN_STATES)


class Plan(models.Model):
    """One version of a base's construction plan (建设方案) for its construction period."""

    base = models.ForeignKey(Base, verbose_name=_("示范基地"), on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveSmallIntegerField(_("版本号"))
    state = models.CharField(_("状态"), max_length=12, choices=PlanState.choices, default=PlanState.DRAFT)
    title = models.CharField(_("建设方案名称"), max_length=120)
    start_year = models.PositiveSmallIntegerField(_("建设期起始年度"))
    end_year = models.PositiveSmallIntegerField(_("建设期结束年度"))
    focus = models.TextField(_("建设重点"), help_text=_("围绕本基地功能方向的建设重点"))
    revision_note = models.TextField(
        _("修订说明"), blank=True, help_text=_("本版本相对上一版本改了什么、为什么")
    )
    document = models.ForeignKey(
        Attachment,
        verbose_name=_("方案文件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_comment = models.TextField(_("审核意见"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["base", "-version"]
        verbose_name = _("建设方案")
        verbose_name_plural = _("建设方案")
        constraints = [
            models.UniqueConstraint(fields=["base", "version"], name="one_plan_version_number"),
            # At most one version in force and one under work per base.
            models.UniqueConstraint(fields=["base"], condition=Q(state="approved"), name="one_plan_in_force"),
            models.UniqueConstraint(
                fields=["base"],
                condition=Q(state__in=["draft", "submitted", "returned"]),
                name="one_open_plan_version",
            ),
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")), name="plan_years_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.base.short_name} 建设方案 v{self.version}"

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def holder(self) -> str:
        return str(HOLDER[self.state])


class PlanTransition(models.Model):
    """Every move of a plan version: who, when, from, to, and the comment (a return always has one)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("操作"), max_length=10, choices=PlanAction.choices)
    from_state = models.CharField(_("原状态"), max_length=12, choices=PlanState.choices)
    to_state = models.CharField(_("新状态"), max_length=12, choices=PlanState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    comment = models.TextField(_("意见"), blank=True)

    objects = ThroughPlanQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "at", "pk"]
        verbose_name = _("方案流转记录")
        verbose_name_plural = _("方案流转记录")

    def __str__(self) -> str:
        return f"{self.plan} {self.from_state}→{self.to_state}"


class Trend(models.TextChoices):
    INCREASE = "increase", _("越大越好")
    DECREASE = "decrease", _("越小越好")


class Goal(models.Model):
    """A goal of a plan version: a target value per year of the construction period, measured either by an
    indicator of the catalogue (tracked from approved monitoring data) or reported by hand with evidence."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    key = models.CharField(_("目标标识"), max_length=12, default=new_key, editable=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    name = models.CharField(_("目标名称"), max_length=120)
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("对应监测指标"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("目标衡量的是指标目录中的指标时选择它，实际值取自已核准的年度监测数据；否则由基地填报"),
    )
    unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    trend = models.CharField(_("方向"), max_length=10, choices=Trend.choices, default=Trend.INCREASE)
    baseline = models.DecimalField(
        _("基期值"), max_digits=20, decimal_places=4, help_text=_("建设期开始前一年的实际值")
    )
    note = models.TextField(_("说明"), blank=True)

    objects = ThroughPlanQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "order", "pk"]
        verbose_name = _("建设目标")
        verbose_name_plural = _("建设目标")
        constraints = [models.UniqueConstraint(fields=["plan", "key"], name="one_goal_key_per_plan")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_linked(self) -> bool:
        return self.indicator_id is not None


class GoalTarget(models.Model):
    """The value a goal aims at by the end of one year of the construction period."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("年度"))
    value = models.DecimalField(_("目标值"), max_digits=20, decimal_places=4)

    objects = ThroughGoalQuerySet.as_manager()

    class Meta:
        ordering = ["goal", "year"]
        verbose_name = _("年度目标值")
        verbose_name_plural = _("年度目标值")
        constraints = [models.UniqueConstraint(fields=["goal", "year"], name="one_target_per_goal_year")]

    def __str__(self) -> str:
        return f"{self.goal} {self.year}: {self.value}"


class GoalReport(models.Model):
    """The actual value of a goal that no indicator measures, reported by the base for a year, with
    evidence. Kept by the goal's `key` across plan versions."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="reports")
    year = models.PositiveSmallIntegerField(_("年度"))
    value = models.DecimalField(_("实际值"), max_digits=20, decimal_places=4)
    note = models.TextField(_("情况说明"), blank=True)
    evidence = models.ForeignKey(
        Attachment,
        verbose_name=_("佐证材料"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(_("填报时间"), auto_now=True)

    objects = ThroughGoalQuerySet.as_manager()

    class Meta:
        ordering = ["goal", "year"]
        verbose_name = _("目标完成情况")
        verbose_name_plural = _("目标完成情况")
        constraints = [models.UniqueConstraint(fields=["goal", "year"], name="one_goal_report_per_year")]

    def __str__(self) -> str:
        return f"{self.goal} {self.year}: {self.value}"


class Task(models.Model):
    """A key task (重点任务) of a plan version: who is responsible, its milestones and its deadline."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    key = models.CharField(_("任务标识"), max_length=12, default=new_key, editable=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    title = models.CharField(_("任务名称"), max_length=200)
    description = models.TextField(_("任务内容"), blank=True)
    owner = models.CharField(_("责任单位（人）"), max_length=120)
    deadline = models.DateField(_("完成时限"))

    objects = ThroughPlanQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "order", "deadline", "pk"]
        verbose_name = _("重点任务")
        verbose_name_plural = _("重点任务")
        constraints = [models.UniqueConstraint(fields=["plan", "key"], name="one_task_key_per_plan")]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点"), max_length=200)
    due_on = models.DateField(_("计划完成日期"))

    objects = ThroughTaskQuerySet.as_manager()

    class Meta:
        ordering = ["task", "due_on", "pk"]
        verbose_name = _("任务节点")
        verbose_name_plural = _("任务节点")

    def __str__(self) -> str:
        return self.title


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")
    DELAYED = "delayed", _("滞后")


class TaskProgress(models.Model):
    """What the base did on a task in one reporting period (status, percent done, what was done,
    evidence). Kept by the task's `key` across plan versions."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="progress")
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("报告期"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("进展状态"), max_length=12, choices=TaskStatus.choices)
    percent = models.PositiveSmallIntegerField(
        _("完成比例（%）"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    done = models.TextField(_("本期完成情况"))
    evidence = models.ForeignKey(
        Attachment,
        verbose_name=_("佐证材料"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(_("填报时间"), auto_now=True)

    objects = ThroughTaskQuerySet.as_manager()

    class Meta:
        ordering = ["task", "-period__year", "-period__quarter"]
        verbose_name = _("任务进展")
        verbose_name_plural = _("任务进展")
        constraints = [
            models.UniqueConstraint(fields=["task", "period"], name="one_progress_per_task_period"),
            models.CheckConstraint(condition=Q(percent__lte=100), name="progress_percent_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.task} · {self.period}: {self.percent}%"


class HostKind(models.TextChoices):
    GOVERNMENT = "government", _("地方政府（部门）")
    UNIVERSITY = "university", _("高校")
    INSTITUTE = "institute", _("科研院所")
    ENTERPRISE = "enterprise", _("企业")
    OTHER = "other", _("其他")


class Organisation(models.Model):
    """The body that runs the base (管理机构) and where it sits in its government, university or firm."""

    base = models.OneToOneField(
        Base, verbose_name=_("示范基地"), on_delete=models.PROTECT, related_name="organisation"
    )
    name = models.CharField(_("管理机构名称"), max_length=120)
    head = models.CharField(_("负责人"), max_length=40)
    head_title = models.CharField(_("负责人职务"), max_length=80, blank=True)
    host_kind = models.CharField(_("依托单位类型"), max_length=12, choices=HostKind.choices)
    host = models.CharField(
        _("隶属关系"),
        max_length=200,
        help_text=_("在地方政府、高校或企业中的位置，例如 市发展改革委内设机构"),
    )
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    duties = models.TextField(_("主要职责"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = BaseRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("管理机构")
        verbose_name_plural = _("管理机构")

    def __str__(self) -> str:
        return self.name


class Mechanism(models.Model):
    """The coordination mechanism (协调机制): e.g. a leading group with its member units."""

    base = models.ForeignKey(
        Base, verbose_name=_("示范基地"), on_delete=models.PROTECT, related_name="mechanisms"
    )
    name = models.CharField(_("机制名称"), max_length=120)
    convener = models.CharField(_("召集人"), max_length=80, blank=True)
    member_units = models.TextField(_("成员单位"), help_text=_("每行一个单位"))
    established_on = models.DateField(_("建立日期"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = BaseRecordQuerySet.as_manager()

    class Meta:
        ordering = ["base", "pk"]
        verbose_name = _("协调机制")
        verbose_name_plural = _("协调机制")

    def __str__(self) -> str:
        return self.name

    @property
    def members(self) -> list[str]:
        return [line.strip() for line in self.member_units.splitlines() if line.strip()]


class Meeting(models.Model):
    """A meeting the mechanism held, and what it decided."""

    mechanism = models.ForeignKey(Mechanism, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("召开日期"))
    title = models.CharField(_("会议名称"), max_length=200)
    decisions = models.TextField(_("议定事项"))

    objects = ThroughMechanismQuerySet.as_manager()

    class Meta:
        ordering = ["mechanism", "-held_on", "-pk"]
        verbose_name = _("协调会议")
        verbose_name_plural = _("协调会议")

    def __str__(self) -> str:
        return self.title


class StaffQuerySet(BaseRecordQuerySet):
    def serving_on(self, day: Any) -> StaffQuerySet:
        """Those on the roster on that day (joined on or before, not yet left)."""
        return self.filter(Q(since__lte=day), Q(until__isnull=True) | Q(until__gt=day))


class StaffMember(models.Model):
    """A full-time staff member of the base's management (专职工作人员). Leaving sets `until`; the row stays,
    and every change is a `StaffChange`."""

    base = models.ForeignKey(Base, verbose_name=_("示范基地"), on_delete=models.PROTECT, related_name="staff")
    name = models.CharField(_("姓名"), max_length=40)
    role = models.CharField(_("岗位职务"), max_length=80)
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    since = models.DateField(_("到岗日期"))
    until = models.DateField(_("离岗日期"), null=True, blank=True)
    # the version of the roster checks worked out from it (selectors.staff_mismatches)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = StaffQuerySet.as_manager()

    class Meta:
        ordering = ["base", "until", "since", "pk"]
        verbose_name = _("专职工作人员")
        verbose_name_plural = _("专职工作人员")
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")), name="staff_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        return self.until is None


class StaffChangeKind(models.TextChoices):
    JOINED = "joined", _("到岗")
    CHANGED = "changed", _("信息变更")
    LEFT = "left", _("离岗")


class StaffChange(models.Model):
    """One change of the roster: who joined, whose details changed (old and new), who left."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("变动类型"), max_length=8, choices=StaffChangeKind.choices)
    effective_on = models.DateField(_("生效日期"))
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = ThroughStaffQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_on", "-at", "-pk"]
        verbose_name = _("人员变动")
        verbose_name_plural = _("人员变动")

    def __str__(self) -> str:
        return f"{self.staff} {self.kind} {self.effective_on}"
