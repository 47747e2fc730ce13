"""Operation monitoring (运行监测): the indicator catalogue, reporting periods, reports and their values.

The report's life is an explicit state machine (`ReportState`, `TRANSITIONS`); only
`shuangchuang.monitoring.services` moves a report between states or changes a value, and it writes the
audit rows in the same transaction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, pgettext
from django.utils.translation import gettext_lazy as _

from shuangchuang.accounts.models import Role, as_account
from shuangchuang.accounts.policy import acts_as
from shuangchuang.core.models import AuditEvent
from shuangchuang.core.policy import (
    CHANGE,
    EVERYTHING,
    NOTHING,
    REVIEW,
    VIEW,
    ProgramDataQuerySet,
    RestrictedQuerySet,
    scope_through,
)
from shuangchuang.registry.models import Base, BaseKind, Direction


class ValueType(models.TextChoices):
    COUNT = "count", _("数量")
    MONEY = "money", _("金额")
    PERCENT = "percent", _("百分比")
    RATIO = "ratio", _("比值")
    BOOLEAN = "boolean", _("是/否")
    TEXT = "text", _("文本")


class Polarity(models.TextChoices):
    POSITIVE = "positive", _("越大越好")
    NEGATIVE = "negative", _("越小越好")
    NEUTRAL = "neutral", _("不评价")


class Frequency(models.TextChoices):
    QUARTERLY = "quarterly", _("季报与年报")
    ANNUAL = "annual", _("仅年报")


class Indicator(models.Model):
    """A monitored quantity. What it means lives in `IndicatorVersion`, versioned by year."""

    code = models.SlugField(_("指标代码"), max_length=20, unique=True)
    section = models.CharField(_("分组"), max_length=40)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    directions = models.ManyToManyField(
        Direction,
        verbose_name=_("适用方向"),
        blank=True,
        related_name="indicators",
        help_text=_("留空表示通用指标，适用于全部方向"),
    )
    frequency = models.CharField(
        _("填报频次"), max_length=12, choices=Frequency.choices, default=Frequency.ANNUAL
    )
    required = models.BooleanField(_("必填"), default=True)
    part_of = models.ForeignKey(
        "self",
        verbose_name=_("所属总数"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="parts",
        help_text=_("“其中”项：本指标的值不得超过所属总数"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ProgramDataQuerySet["Indicator"].as_manager()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("监测指标")
        verbose_name_plural = _("监测指标")

    def __str__(self) -> str:
        return self.code

    def version_for(self, year: int) -> IndicatorVersion | None:
        return self.versions.filter(valid_from_year__lte=year).order_by("-valid_from_year").first()


class IndicatorVersion(models.Model):
    """The definition of an indicator from a year on. Past values keep the version they were entered under."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="versions")
    valid_from_year = models.PositiveSmallIntegerField(_("起始年度"))
    name = models.CharField(_("指标名称"), max_length=80)
    name_en = models.CharField(_("英文名称"), max_length=120, blank=True)
    unit = models.CharField(_("计量单位"), max_length=20, blank=True)
    value_type = models.CharField(_("数据类型"), max_length=10, choices=ValueType.choices)
    polarity = models.CharField(_("极性"), max_length=10, choices=Polarity.choices, default=Polarity.POSITIVE)
    definition = models.TextField(_("指标解释"), blank=True)
    counting_rule = models.TextField(_("统计口径"), blank=True)
    min_value = models.DecimalField(_("最小值"), max_digits=20, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(_("最大值"), max_digits=20, decimal_places=4, null=True, blank=True)
    formula = models.CharField(
        _("计算公式"),
        max_length=200,
        blank=True,
        help_text=_(
            "派生指标的公式，引用其他指标代码，例如 RD_SPEND / REVENUE * 100；growth(CODE) 为同比增速"
        ),
    )
    # Which kinds of base (registry.models.BaseKind) report this indicator under this definition; empty:
    # every kind. Versioned with the definition, so that a change starts in a year and past forms keep theirs.
    kinds = models.JSONField(
        _("适用基地类型"), default=list, blank=True, help_text=_("留空表示适用于全部类型的基地")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProgramDataQuerySet["IndicatorVersion"].as_manager()

    class Meta:
        ordering = ["indicator", "valid_from_year"]
        verbose_name = _("指标定义版本")
        verbose_name_plural = _("指标定义版本")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "valid_from_year"], name="one_version_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.valid_from_year}年起）"

    @property
    def label(self) -> str:
        """The name in the reader's language, for pages and messages; files and stored records keep `name`."""
        return self.name_en if self.name_en and get_language() == "en" else self.name

    @property
    def is_derived(self) -> bool:
        return bool(self.formula)

    def applies_to(self, kind: str) -> bool:
        """Whether a base of this kind (region, university, institute, enterprise) reports it."""
        return not self.kinds or kind in self.kinds

    @property
    def kinds_label(self) -> str:
        """The kinds in words (区域、高校), or 全部类型."""
        if not self.kinds:
            return gettext("全部类型")
        separator = pgettext("list separator", "、")
        return separator.join(str(BaseKind(k).label) for k in BaseKind.values if k in self.kinds)


class CrossCheck(models.Model):
    """A logic check between two indicators of the same report (其中 ≤ 总数, 团队人数 ≥ 团队数)."""

    class Operator(models.TextChoices):
        AT_MOST = "<=", _("不大于")
        AT_LEAST = ">=", _("不小于")

    left = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.CASCADE, related_name="+")
    operator = models.CharField(_("关系"), max_length=2, choices=Operator.choices)
    right = models.ForeignKey(
        Indicator, verbose_name=_("比较指标"), on_delete=models.CASCADE, related_name="+"
    )
    message = models.CharField(_("提示"), max_length=200, blank=True)

    objects = ProgramDataQuerySet["CrossCheck"].as_manager()

    class Meta:
        verbose_name = _("逻辑校验")
        verbose_name_plural = _("逻辑校验")
        constraints = [
            models.UniqueConstraint(fields=["left", "operator", "right"], name="unique_cross_check")
        ]

    def __str__(self) -> str:
        return f"{self.left.code} {self.operator} {self.right.code}"


class PeriodKind(models.TextChoices):
    QUARTERLY = "quarterly", _("季度")
    ANNUAL = "annual", _("年度")


class ReportingPeriod(models.Model):
    code = models.SlugField(_("代码"), max_length=10, unique=True, help_text=_("例如 2025Q3、2025A"))
    kind = models.CharField(_("类型"), max_length=10, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), null=True, blank=True)
    starts_on = models.DateField(_("统计期起"))
    ends_on = models.DateField(_("统计期止"))
    opens_on = models.DateField(_("填报开始"))
    due_on = models.DateField(_("截止日期"))
    is_open = models.BooleanField(_("开放填报"), default=False)
    opened_at = models.DateTimeField(_("开放时间"), null=True, blank=True)

    objects = ProgramDataQuerySet["ReportingPeriod"].as_manager()

    class Meta:
        ordering = ["-year", "-quarter"]
        verbose_name = _("报告期")
        verbose_name_plural = _("报告期")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="annual", quarter__isnull=True)
                | models.Q(kind="quarterly", quarter__gte=1, quarter__lte=4),
                name="quarter_matches_kind",
            )
        ]

    def __str__(self) -> str:
        if self.kind == PeriodKind.ANNUAL:
            return f"{self.year}年年报"
        return f"{self.year}年第{self.quarter}季度"

    @property
    def label(self) -> str:
        """The name in the user's language, for pages. `str()` stays Chinese: it goes into audit rows,
        file names and templates that officials file."""
        if self.kind == PeriodKind.ANNUAL:
            return gettext("%(year)d年年报") % {"year": self.year}
        return gettext("%(year)d年第%(quarter)d季度") % {"year": self.year, "quarter": self.quarter}

    def previous(self) -> ReportingPeriod | None:
        """The period a value is compared with: the quarter before, or the year before."""
        if self.kind == PeriodKind.ANNUAL or self.quarter is None:
            return ReportingPeriod.objects.filter(kind=self.kind, year=self.year - 1).first()
        year, quarter = (self.year, self.quarter - 1) if self.quarter > 1 else (self.year - 1, 4)
        return ReportingPeriod.objects.filter(kind=self.kind, year=year, quarter=quarter).first()

    def same_period_last_year(self) -> ReportingPeriod | None:
        return ReportingPeriod.objects.filter(
            kind=self.kind, year=self.year - 1, quarter=self.quarter
        ).first()


class ReportState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送")
    RETURNED = "returned", _("已退回")
    REVIEWED = "reviewed", _("审核通过")
    APPROVED = "approved", _("国家已核准")
    LOCKED = "locked", _("已锁定")


class Action(models.TextChoices):
    SUBMIT = "submit", _("报送")
    RETURN = "return", _("退回")
    PASS = "pass", _("审核通过")
    APPROVE = "approve", _("核准")
    LOCK = "lock", _("锁定")
    REOPEN = "reopen", _("重新开放")


# (from state, action) → (to state, the role that may act). The only table of allowed moves.
TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    (ReportState.DRAFT, Action.SUBMIT): (ReportState.SUBMITTED, "operator"),
    (ReportState.RETURNED, Action.SUBMIT): (ReportState.SUBMITTED, "operator"),
    (ReportState.SUBMITTED, Action.RETURN): (ReportState.RETURNED, "authority"),
    (ReportState.SUBMITTED, Action.PASS): (ReportState.REVIEWED, "authority"),
    (ReportState.REVIEWED, Action.RETURN): (ReportState.RETURNED, "national_admin"),
    (ReportState.REVIEWED, Action.APPROVE): (ReportState.APPROVED, "national_admin"),
    (ReportState.APPROVED, Action.LOCK): (ReportState.LOCKED, "national_admin"),
    (ReportState.LOCKED, Action.REOPEN): (ReportState.RETURNED, "national_admin"),
}
EDITABLE_STATES = frozenset({ReportState.DRAFT, ReportState.RETURNED})
# Who holds the report in each state (shown on every report).
HOLDER: dict[str, Promise] = {
    ReportState.DRAFT: _("基地"),
    ReportState.RETURNED: _("基地"),
    ReportState.SUBMITTED: _("审核单位"),
    ReportState.REVIEWED: _("国家发展改革委"),
    ReportState.APPROVED: _("国家发展改革委"),
    ReportState.LOCKED: _("—（已锁定）"),
}


class ReportQuerySet(RestrictedQuerySet["Report"]):
    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        """`VIEW`: where the user sees the base. `CHANGE` (values and evidence): the base's own operator,
        and its authority and the national office, who may fill in on its behalf (代填). `REVIEW`: its
        authority and the national office. When each may act is a rule of `policy.py`."""
        if action == VIEW:
            return scope_through(Base, "base", user, VIEW)
        account = as_account(user)
        if action in (CHANGE, REVIEW) and acts_as(account, Role.NATIONAL_ADMIN):
            return EVERYTHING
        if action in (CHANGE, REVIEW) and account.role == Role.AUTHORITY and account.authority_id:
            return Q(base__authority_id=account.authority_id)
        if action == CHANGE and account.role == Role.OPERATOR and account.base_id:
            return Q(base_id=account.base_id)
        return NOTHING

    def listed(self) -> ReportQuerySet:
        """With what a list of reports shows of each (base, its direction, authority, province; period)."""
        return self.select_related("base", "base__direction", "base__authority", "base__province", "period")


class ReportPartQuerySet(RestrictedQuerySet[Any]):
    """What belongs to a report (values, evidence): reached where the report is."""

    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        return scope_through(Report, "report", user, action)


class Report(models.Model):
    """One base's report for one period."""

    base = models.ForeignKey(
        Base, verbose_name=_("示范基地"), on_delete=models.PROTECT, related_name="reports"
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("报告期"), on_delete=models.PROTECT, related_name="reports"
    )
    state = models.CharField(_("状态"), max_length=10, choices=ReportState.choices, default=ReportState.DRAFT)
    version = models.PositiveIntegerField(
        _("版本"), default=0, help_text=_("每次修改或流转加一，用于发现并发修改")
    )
    submitted_at = models.DateTimeField(_("首次报送时间"), null=True, blank=True)
    last_submitted_at = models.DateTimeField(_("最近报送时间"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("核准时间"), null=True, blank=True)
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    approved_snapshot = models.JSONField(
        _("核准时的数据"), null=True, blank=True, help_text=_("重新开放后用于显示与上次核准相比的变化")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["period", "base"]
        verbose_name = _("填报")
        verbose_name_plural = _("填报")
        constraints = [models.UniqueConstraint(fields=["base", "period"], name="one_report_per_base_period")]
        indexes = [models.Index(fields=["period", "state"])]

    def __str__(self) -> str:
        return f"{self.base.short_name} · {self.period}"

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def holder(self) -> str:
        return str(HOLDER[self.state])

    @property
    def is_late(self) -> bool:
        from django.utils import timezone

        due = self.period.due_on
        if self.submitted_at:
            return timezone.localdate(self.submitted_at) > due
        return timezone.localdate() > due


class ReportValue(models.Model):
    """One indicator's value in one report, with the definition version it was entered under."""

    # Indexes cost every one of the 10,000 rows an authority workbook writes, so only those that reads use:
    # the unique (report, indicator) serves lookups by report; `indicator` has its own. The definition
    # version and the last editor are only ever read with their value (deleting a definition or an account,
    # rare acts of an administrator, then scans the table).
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="values", db_index=False)
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    indicator_version = models.ForeignKey(
        IndicatorVersion, on_delete=models.PROTECT, related_name="values", db_index=False
    )
    number = models.DecimalField(_("数值"), max_digits=20, decimal_places=4, null=True, blank=True)
    text = models.TextField(_("文本"), blank=True)
    flags = models.JSONField(
        _("异常提示"), default=list, blank=True, help_text=_("异常值提示（不拒收，须说明原因）")
    )
    explanation = models.TextField(_("情况说明"), blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    objects = ReportPartQuerySet.as_manager()

    class Meta:
        ordering = ["report", "indicator__order"]
        verbose_name = _("填报数值")
        verbose_name_plural = _("填报数值")
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="one_value_per_indicator")
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}={self.display_value}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The lock holds for every way in: a value of a report that is not open for editing cannot be saved,
        # whether the call comes from a page, an upload, the admin or a shell.
        if not Report.objects.filter(pk=self.report_id, state__in=EDITABLE_STATES).exists():
            from .exceptions import ReportLocked

            raise ReportLocked(self.report)
        super().save(*args, **kwargs)

    @property
    def display_value(self) -> str:
        if self.number is None:
            return self.text
        return format(self.number.normalize(), "f") if isinstance(self.number, Decimal) else str(self.number)

    @property
    def is_empty(self) -> bool:
        return self.number is None and not self.text


def evidence_path(instance: Evidence, filename: str) -> str:
    """Uploaded files are stored under a random name with the extension of their checked type; the
    user's file name never chooses a path."""
    import uuid

    from .evidence import KIND_OF_TYPE

    kind = KIND_OF_TYPE.get(instance.content_type)
    extension = kind.extensions[0] if kind else ""
    return f"evidence/{instance.report.period.code}/{uuid.uuid4().hex}{extension}"


class Evidence(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="evidence")
    section = models.CharField(_("分组"), max_length=40)
    file = models.FileField(_("文件"), upload_to=evidence_path)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=120)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # A file uploaded by mistake is withdrawn, not deleted: it leaves the report but stays on record.
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ReportPartQuerySet.as_manager()

    class Meta:
        ordering = ["report", "section", "uploaded_at"]
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    def __str__(self) -> str:
        return self.original_name


# A report's state changes are recorded once, in the audit log (core.AuditEvent): one row per move,
# `action` "monitoring.<action>", `field` "state", `old_value`/`new_value` the states, the actor and the
# actor's name at the time, the reason. Written by `services.transition` (and `services.write_history` for
# history made elsewhere); read with `state_changes`.
STATE_CHANGE_ACTIONS = tuple(f"monitoring.{action}" for action in Action)


def state_changes(report: Report | None = None) -> models.QuerySet[AuditEvent]:
    """The audit rows of state changes, of one report or of all, oldest first."""
    rows = AuditEvent.objects.filter(
        object_type=Report._meta.label, field="state", action__in=STATE_CHANGE_ACTIONS
    ).order_by("at", "pk")
    return rows if report is None else rows.filter(object_id=str(report.pk))
