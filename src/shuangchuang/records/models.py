"""A base's work records beyond its figures: the support policies issued for it (支持政策), the problems it
meets and how they are followed up (问题困难), and the reform experiences it writes up for others to copy
(可复制推广的改革经验).

Which rows a user reaches is each model's `scope` here; what a role may do to a row in its state is a rule of
`policy.py`; every write goes through `services.py`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shuangchuang.accounts.models import Role, as_account
from shuangchuang.accounts.policy import acts_as
from shuangchuang.core.policy import (
    CHANGE,
    EVERYTHING,
    NOTHING,
    REVIEW,
    VIEW,
    ProgramDataQuerySet,
    RestrictedQuerySet,
    scope_of,
    scope_through,
)
from shuangchuang.registry.models import Authority, Base, BaseKind, Direction

# Support policies


class PolicyKind(models.TextChoices):
    FUNDING = "funding", _("资金支持")
    TAX = "tax", _("税收优惠")
    TALENT = "talent", _("人才政策")
    SPACE = "space", _("用地与空间")
    FINANCE = "finance", _("金融支持")
    SERVICES = "services", _("公共服务")


def record_file_path(instance: Any, filename: str) -> str:
    """Files are stored under a random name with the extension of their checked type (see
    `monitoring.evidence`): the user's file name never chooses a path."""
    from shuangchuang.monitoring.evidence import KIND_OF_TYPE

    kind = KIND_OF_TYPE.get(instance.content_type)
    extension = kind.extensions[0] if kind else ""
    return f"records/{instance._meta.model_name}/{uuid.uuid4().hex}{extension}"


class SupportPolicyQuerySet(RestrictedQuerySet["SupportPolicy"]):
    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        """`VIEW`: the policies that cover a base the user sees, and those the user's own office recorded.
        `CHANGE`: the national office all; an authority what it recorded; a base what it recorded."""
        account = as_account(user)
        if action == VIEW:
            bases = scope_of(Base, account, VIEW)
            if bases is NOTHING:
                return NOTHING
            if bases == EVERYTHING:
                return EVERYTHING
            covered = SupportPolicy.bases.through.objects.filter(base__in=Base.objects.filter(bases))
            condition = Q(pk__in=covered.values("supportpolicy_id"))
            if account.role == Role.AUTHORITY and account.authority_id:
                condition |= Q(recorded_by_authority_id=account.authority_id)
            if account.role == Role.OPERATOR and account.base_id:
                condition |= Q(recorded_by_base_id=account.base_id)
            return condition
        if action == CHANGE:
            if acts_as(account, Role.NATIONAL_ADMIN):
                return EVERYTHING
            if account.role == Role.AUTHORITY and account.authority_id:
                return Q(recorded_by_authority_id=account.authority_id)
            if account.role == Role.OPERATOR and account.base_id:
                return Q(recorded_by_base_id=account.base_id)
        return NOTHING


class SupportPolicy(models.Model):
    """A policy document issued to support the bases (出台支持政策): who issued it, its number, which
    bases it covers, and the file itself."""

    title = models.CharField(_("政策名称"), max_length=200)
    issuer = models.CharField(_("发文机关"), max_length=200)
    document_number = models.CharField(
        _("文号"), max_length=80, blank=True, help_text=_("例如 桂政办发〔2024〕12号")
    )
    issued_on = models.DateField(_("印发日期"))
    kind = models.CharField(_("政策类型"), max_length=16, choices=PolicyKind.choices)
    summary = models.TextField(_("主要内容"), blank=True)
    bases = models.ManyToManyField(Base, verbose_name=_("覆盖基地"), related_name="support_policies")
    file = models.FileField(_("政策文件"), upload_to=record_file_path, blank=True)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=120, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by_authority = models.ForeignKey(
        Authority,
        verbose_name=_("登记单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by_base = models.ForeignKey(
        Base, verbose_name=_("登记基地"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = SupportPolicyQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("支持政策")
        verbose_name_plural = _("支持政策")
        indexes = [models.Index(fields=["issued_on"])]

    def __str__(self) -> str:
        return f"{self.title} {self.document_number}" if self.document_number else self.title

    def get_absolute_url(self) -> str:
        return reverse("records:policy_detail", args=[self.pk])

    @property
    def recorded_by_label(self) -> str:
        if self.recorded_by_base_id:
            return str(self.recorded_by_base)
        if self.recorded_by_authority_id:
            return str(self.recorded_by_authority)
        return gettext("国家发展改革委")


# Problems


class ProblemCategory(models.TextChoices):
    FUNDING = "funding", _("资金")
    SPACE = "space", _("用地与空间")
    TALENT = "talent", _("人才")
    APPROVAL = "approval", _("审批与政务服务")
    FINANCE = "finance", _("融资")
    POLICY = "policy", _("政策落实")
    OTHER = "other", _("其他")


class ProblemState(models.TextChoices):
    OPEN = "open", _("待受理")
    IN_PROGRESS = "in_progress", _("办理中")
    ESCALATED = "escalated", _("已上报国家")
    REFERRED = "referred", _("成员单位办理中")
    RESOLVED = "resolved", _("已办结待确认")
    CLOSED = "closed", _("已确认办结")


class ProblemAction(models.TextChoices):
    START = "start", _("受理")
    RESOLVE = "resolve", _("办结")
    ESCALATE = "escalate", _("上报国家")
    REFER = "refer", _("转成员单位")
    CONFIRM = "confirm", _("确认办结")
    REOPEN = "reopen", _("重新办理")
    REPLY = "reply", _("答复")


# Who holds a problem in each state, and so who answers for its deadline: the authority owns it until it
# goes up to the national office, which may pass it to a joint-conference member department.
AUTHORITY = "authority"
NATIONAL = "national"
MEMBER = "member"
BASE = "base"
HOLDER_OF_STATE = {
    ProblemState.OPEN: AUTHORITY,
    ProblemState.IN_PROGRESS: AUTHORITY,
    ProblemState.ESCALATED: NATIONAL,
    ProblemState.REFERRED: MEMBER,
    ProblemState.RESOLVED: BASE,
    ProblemState.CLOSED: "",
}
HOLDER_LABELS: dict[str, Promise] = {
    AUTHORITY: _("审核单位"),
    NATIONAL: _("国家发展改革委"),
    MEMBER: _("联席会议成员单位"),
    BASE: _("基地（待确认）"),
}

# (state, action) → (state after, who acts). The one table of allowed moves; `reopen` goes back to where
# the problem was last handled (`Problem.reopened_state`). `reply` adds to the history without moving.
PROBLEM_TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    (ProblemState.OPEN, ProblemAction.START): (ProblemState.IN_PROGRESS, AUTHORITY),
    (ProblemState.OPEN, ProblemAction.RESOLVE): (ProblemState.RESOLVED, AUTHORITY),
    (ProblemState.OPEN, ProblemAction.ESCALATE): (ProblemState.ESCALATED, AUTHORITY),
    (ProblemState.IN_PROGRESS, ProblemAction.RESOLVE): (ProblemState.RESOLVED, AUTHORITY),
    (ProblemState.IN_PROGRESS, ProblemAction.ESCALATE): (ProblemState.ESCALATED, AUTHORITY),
    (ProblemState.ESCALATED, ProblemAction.RESOLVE): (ProblemState.RESOLVED, NATIONAL),
    (ProblemState.ESCALATED, ProblemAction.REFER): (ProblemState.REFERRED, NATIONAL),
    (ProblemState.REFERRED, ProblemAction.RESOLVE): (ProblemState.RESOLVED, MEMBER),
    (ProblemState.RESOLVED, ProblemAction.CONFIRM): (ProblemState.CLOSED, BASE),
    (ProblemState.RESOLVED, ProblemAction.REOPEN): (ProblemState.IN_PROGRESS, BASE),
}
OPEN_STATES = frozenset(
    {ProblemState.OPEN, ProblemState.IN_PROGRESS, ProblemState.ESCALATED, ProblemState.REFERRED}
)
# Days a holder has to answer, counted from when the problem reaches it (raised, escalated, referred,
# reopened), unless the one who passes it on sets another deadline.
RESPONSE_DAYS = 30


class ProblemQuerySet(RestrictedQuerySet["Problem"]):
    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        """`VIEW`: where the user sees the base. `CHANGE` (raise, add to, confirm or reopen): the base's own
        operator. `REVIEW` (handle): its authority, the national office, and a joint-conference member
        department for the problems referred to it. When each may act is a rule of `policy.py`."""
        if action == VIEW:
            return scope_through(Base, "base", user, VIEW)
        account = as_account(user)
        if action == CHANGE:
            if account.role == Role.OPERATOR and account.base_id:
                return Q(base_id=account.base_id)
            return NOTHING
        if action == REVIEW:
            if acts_as(account, Role.NATIONAL_ADMIN):
                return EVERYTHING
            if account.role == Role.AUTHORITY and account.authority_id:
                return Q(base__authority_id=account.authority_id)
            if account.role == Role.JOINT_MEMBER and account.organization:
                return Q(referred_to=account.organization)
        return NOTHING

    def overdue(self, today: dt.date | None = None) -> ProblemQuerySet:
        """Still with a holder and past its deadline."""
        return self.filter(state__in=OPEN_STATES, due_on__lt=today or timezone.localdate())

    def listed(self) -> ProblemQuerySet:
        return self.select_related("base", "base__authority", "base__province")


class Problem(models.Model):
    """A difficulty a base meets and asks help with (问题困难), followed up until the base confirms it is
    solved."""

    base = models.ForeignKey(
        Base, verbose_name=_("示范基地"), on_delete=models.PROTECT, related_name="problems"
    )
    category = models.CharField(_("类别"), max_length=16, choices=ProblemCategory.choices)
    title = models.CharField(_("问题"), max_length=120)
    description = models.TextField(_("问题描述"))
    needs = models.TextField(_("需要的支持"))
    needed_from = models.CharField(_("希望由谁协调"), max_length=200, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=ProblemState.choices, default=ProblemState.OPEN
    )
    due_on = models.DateField(_("办理期限"))
    referred_to = models.CharField(
        _("转办成员单位"), max_length=200, blank=True, help_text=_("联席会议成员单位账户的所在单位")
    )
    resolution = models.TextField(_("办理结果"), blank=True)
    escalated_at = models.DateTimeField(_("上报国家时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    raised_by = models.ForeignKey(
        "accounts.User", verbose_name=_("提出人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("问题困难")
        verbose_name_plural = _("问题困难")
        indexes = [models.Index(fields=["state", "due_on"])]

    def __str__(self) -> str:
        return f"{self.base.short_name} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("records:problem_detail", args=[self.pk])

    @property
    def holder(self) -> str:
        return HOLDER_OF_STATE.get(ProblemState(self.state), "")

    @property
    def holder_label(self) -> str:
        if self.holder == MEMBER and self.referred_to:
            return self.referred_to
        return str(HOLDER_LABELS.get(self.holder, "—"))

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.state in OPEN_STATES and self.due_on < (today or timezone.localdate())

    def days_overdue(self, today: dt.date | None = None) -> int:
        return max(0, ((today or timezone.localdate()) - self.due_on).days) if self.is_overdue(today) else 0

    @property
    def reopened_state(self) -> str:
        """Where a reopened problem goes back to: the level that last handled it."""
        if self.referred_to:
            return ProblemState.REFERRED
        if self.escalated_at:
            return ProblemState.ESCALATED
        return ProblemState.IN_PROGRESS


class ProblemEventQuerySet(RestrictedQuerySet["ProblemEvent"]):
    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        """A problem's history is seen where the problem is."""
        return scope_through(Problem, "problem", user, action)


class ProblemEvent(models.Model):
    """One entry of a problem's history: a move or a reply, with who, when and what they wrote."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=16, choices=ProblemAction.choices, blank=True)
    from_state = models.CharField(_("原状态"), max_length=16, choices=ProblemState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, choices=ProblemState.choices, blank=True)
    text = models.TextField(_("内容"), blank=True)
    actor = models.ForeignKey(
        "accounts.User", verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_organization = models.CharField(_("单位"), max_length=200, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    objects = ProblemEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    def __str__(self) -> str:
        return f"{self.problem_id} {self.action}"


# Experiences


class ExperienceTheme(models.TextChoices):
    TECH_TRANSFER = "tech_transfer", _("科技成果转化")
    FINANCE = "finance", _("创新创业金融")
    EMPLOYMENT = "employment", _("创业带动就业")
    INCUBATION = "incubation", _("孵化载体建设")
    TALENT = "talent", _("人才引育")
    SERVICES = "services", _("政务服务与营商环境")
    INDUSTRY = "industry", _("融通创新与产业链")
    OTHER = "other", _("其他")


class ExperienceState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    REVIEWED = "reviewed", _("审核通过待发布")
    PUBLISHED = "published", _("已发布")


class ExperienceAction(models.TextChoices):
    SUBMIT = "submit", _("报送")
    RETURN = "return", _("退回")
    PASS = "pass", _("审核通过")
    PUBLISH = "publish", _("发布")
    WITHDRAW = "withdraw", _("撤回发布")


EXPERIENCE_TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    (ExperienceState.DRAFT, ExperienceAction.SUBMIT): (ExperienceState.SUBMITTED, BASE),
    (ExperienceState.SUBMITTED, ExperienceAction.RETURN): (ExperienceState.DRAFT, AUTHORITY),
    (ExperienceState.SUBMITTED, ExperienceAction.PASS): (ExperienceState.REVIEWED, AUTHORITY),
    (ExperienceState.REVIEWED, ExperienceAction.RETURN): (ExperienceState.DRAFT, NATIONAL),
    (ExperienceState.REVIEWED, ExperienceAction.PUBLISH): (ExperienceState.PUBLISHED, NATIONAL),
    (ExperienceState.PUBLISHED, ExperienceAction.WITHDRAW): (ExperienceState.REVIEWED, NATIONAL),
}


class ExperienceBatch(models.Model):
    """A numbered batch of promoted experiences (第N批可复制推广的改革经验), published together."""

    number = models.PositiveSmallIntegerField(_("批次"), unique=True)
    title = models.CharField(_("名称"), max_length=200, blank=True)
    published_on = models.DateField(_("发布日期"), null=True, blank=True)

    objects = ProgramDataQuerySet["ExperienceBatch"].as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("经验推广批次")
        verbose_name_plural = _("经验推广批次")

    def __str__(self) -> str:
        return f"第{self.number}批"

    @property
    def label(self) -> str:
        return gettext("第 %(n)d 批") % {"n": self.number}


class ExperienceQuerySet(RestrictedQuerySet["Experience"]):
    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        """`VIEW`: published ones for every signed-in role; a base all of its own; its authority those
        submitted onwards; the national office and the auditor everything past the draft. `CHANGE` (write,
        submit): the base's own operator. `REVIEW`: its authority and the national office."""
        account = as_account(user)
        if action == VIEW:
            condition = Q(state=ExperienceState.PUBLISHED)
            if account.role == Role.OPERATOR and account.base_id:
                condition |= Q(base_id=account.base_id)
            elif account.role == Role.AUTHORITY and account.authority_id:
                condition |= Q(base__authority_id=account.authority_id) & ~Q(state=ExperienceState.DRAFT)
            elif acts_as(account, Role.NATIONAL_ADMIN) or account.role == Role.AUDITOR:
                condition |= ~Q(state=ExperienceState.DRAFT)
            return condition
        if action == CHANGE:
            if account.role == Role.OPERATOR and account.base_id:
                return Q(base_id=account.base_id)
            return NOTHING
        if action == REVIEW:
            if acts_as(account, Role.NATIONAL_ADMIN):
                return EVERYTHING
            if account.role == Role.AUTHORITY and account.authority_id:
                return Q(base__authority_id=account.authority_id)
        return NOTHING

    def published(self) -> ExperienceQuerySet:
        return self.filter(state=ExperienceState.PUBLISHED)

    def listed(self) -> ExperienceQuerySet:
        return self.select_related("base", "base__province", "direction", "batch")


class Experience(models.Model):
    """A practice a base writes up for others to copy (可复制推广的改革经验)."""

    base = models.ForeignKey(
        Base, verbose_name=_("示范基地"), on_delete=models.PROTECT, related_name="experiences"
    )
    title = models.CharField(_("标题"), max_length=200)
    problem_solved = models.TextField(_("解决的问题"))
    actions = models.TextField(_("主要做法"))
    results = models.TextField(_("取得成效"), help_text=_("请用数据说明，例如转化合同金额、带动就业人数"))
    policy_basis = models.TextField(_("政策依据"), blank=True)
    contact = models.CharField(_("联系人及电话"), max_length=200, blank=True)
    theme = models.CharField(_("主题"), max_length=20, choices=ExperienceTheme.choices)
    direction = models.ForeignKey(
        Direction, verbose_name=_("功能方向"), on_delete=models.PROTECT, related_name="experiences"
    )
    base_kind = models.CharField(_("基地类型"), max_length=12, choices=BaseKind.choices)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True, help_text=_("用空格或顿号分隔"))
    state = models.CharField(
        _("状态"), max_length=12, choices=ExperienceState.choices, default=ExperienceState.DRAFT
    )
    review_comment = models.TextField(_("审核意见"), blank=True)
    batch = models.ForeignKey(
        ExperienceBatch,
        verbose_name=_("推广批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="experiences",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    written_by = models.ForeignKey(
        "accounts.User", verbose_name=_("撰写人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # jieba's words of the title (search_title) and of the rest (search_body), space-separated with a space
    # at each end, so that " 转化 " finds a whole word; on PostgreSQL also as a weighted search vector.
    search_title = models.TextField(editable=False, blank=True)
    search_body = models.TextField(editable=False, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ExperienceQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-updated_at", "-pk"]
        verbose_name = _("改革经验")
        verbose_name_plural = _("改革经验")
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        from .search import index_words

        self.search_title, self.search_body = index_words(self)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("records:experience_detail", args=[self.pk])
