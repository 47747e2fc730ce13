"""Users, their role and the scope of bases they act on.

A user has exactly one role. The role decides what the user may do (the rules of `policy.py` and of each
app's `policy.py`); the scope fields decide which bases (`registry.models.BaseQuerySet.scope` turns them into
a condition that every other model's scope reaches through its base).
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shuangchuang.core.policy import EVERYTHING, NOTHING, VIEW, RestrictedQuerySet, may


class Role(models.TextChoices):
    NATIONAL_ADMIN = "national_admin", _("国家管理员")
    JOINT_MEMBER = "joint_member", _("联席会议成员单位")
    AUTHORITY = "authority", _("审核单位")
    OPERATOR = "operator", _("基地填报员")
    EVALUATOR = "evaluator", _("第三方评估机构")
    AUDITOR = "auditor", _("安全审计员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")


class UserQuerySet(RestrictedQuerySet["User"]):
    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        """The security administrator reaches every account (三员分立); everyone else only their own, to read."""
        if may(user, "accounts.manage"):
            return EVERYTHING
        return Q(pk=user.pk) if action == VIEW else NOTHING


# Roles whose accounts sign in with a second factor (TOTP): they reach every base, or hold one of the
# three duties of 三员分立. Others may enrol one.
SECOND_FACTOR_ROLES = frozenset({Role.NATIONAL_ADMIN, Role.AUTHORITY, Role.SECURITY_ADMIN, Role.AUDITOR})

# The security administrator's own grant list: roles it may give alone. Every other role reaches all
# bases or one of the three duties, and is given only when a national administrator confirms it
# (two-person rule, `RoleGrant`).
GRANT_LIST = frozenset({Role.OPERATOR, Role.EVALUATOR})
CONFIRMED_ROLES = frozenset(Role) - GRANT_LIST

# Roles whose password the security administrator never sets (三员分立: the system administrator, who is
# the national administrator here, and the auditor who audits the security administrator).
PASSWORD_PROTECTED_ROLES = frozenset({Role.NATIONAL_ADMIN, Role.AUDITOR})


class AccountManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]  # a generated base
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra_fields: Any
    ) -> User:
        """Refused where `ALLOW_SUPERUSER` is off (the production settings): a superuser holds every role
        at once, which 三员分立 forbids. `manage.py createsuperuser` reports the message."""
        if not settings.ALLOW_SUPERUSER:
            raise ValidationError(
                gettext("生产环境不允许超级用户（三员分立）：请由安全管理员建立各角色的账户。")
            )
        extra_fields.setdefault("role", Role.NATIONAL_ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, default=Role.OPERATOR)
    organization = models.CharField(
        _("所在单位"), max_length=200, blank=True, help_text=_("例如：国家发展改革委高技术司、教育部")
    )
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    authority = models.ForeignKey(
        "registry.Authority",
        verbose_name=_("审核单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("审核单位账户必填：该账户可审核此单位负责的全部基地。"),
    )
    base = models.ForeignKey(
        "registry.Base",
        verbose_name=_("示范基地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="operators",
        help_text=_("基地填报员账户必填。"),
    )
    assigned_bases = models.ManyToManyField(
        "registry.Base",
        verbose_name=_("评估对象"),
        blank=True,
        related_name="evaluators",
        help_text=_("第三方评估机构账户：国家发展改革委指派其评估的基地。"),
    )
    must_change_password = models.BooleanField(
        _("下次登录须修改密码"),
        default=False,
        help_text=_("初始密码或他人重置的密码：本人登录后须先改为自己的密码。"),
    )
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # Whether the account has a confirmed second-factor device, kept by `signals.second_factor_changed`
    # whenever a device is saved or deleted: the middleware asks it at every request of an unverified
    # session, and reading it from the account costs nothing where django-otp's own question costs a
    # query per device type.
    has_second_factor = models.BooleanField(_("已设置第二因素"), default=False, editable=False)
    disabled_as_unused_at = models.DateTimeField(
        _("因长期未使用停用于"),
        null=True,
        blank=True,
        help_text=_("由每日运行的 disable_unused_accounts 命令填写。"),
    )

    objects: ClassVar[AccountManager] = AccountManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="operator") | models.Q(base__isnull=False),
                name="operator_has_base",
                violation_error_message=_("基地填报员必须关联一个示范基地。"),
            ),
            models.CheckConstraint(
                condition=~models.Q(role="authority") | models.Q(authority__isnull=False),
                name="authority_user_has_authority",
                violation_error_message=_("审核单位账户必须关联一个审核单位。"),
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.role == Role.OPERATOR and not self.base_id:
            raise ValidationError({"base": _("基地填报员必须关联一个示范基地。")})
        if self.role == Role.AUTHORITY and not self.authority_id:
            raise ValidationError({"authority": _("审核单位账户必须关联一个审核单位。")})
        if self.role != Role.OPERATOR and self.base_id:
            raise ValidationError({"base": _("只有基地填报员账户关联单个基地。")})
        if self.role != Role.AUTHORITY and self.authority_id:
            raise ValidationError({"authority": _("只有审核单位账户关联审核单位。")})

    def get_full_name(self) -> str:
        """Chinese order: family name first, no space (林填报); Western names keep Django's order."""
        if any("\u4e00" <= ch <= "\u9fff" for ch in self.last_name + self.first_name):
            return f"{self.last_name}{self.first_name}".strip()
        return super().get_full_name()

    @property
    def needs_second_factor(self) -> bool:
        return self.role in SECOND_FACTOR_ROLES or self.is_superuser

    @property
    def password_set_on(self) -> datetime.datetime:
        """When the current password was set (accounts from before the record: when they were made)."""
        return self.password_changed_at or self.date_joined

    def scope_label(self) -> str:
        if self.role == Role.OPERATOR and self.base_id:
            return str(self.base)
        if self.role == Role.AUTHORITY and self.authority_id:
            return str(self.authority)
        if self.role == Role.EVALUATOR:
            return gettext("指派的基地")
        if self.role == Role.SECURITY_ADMIN:
            return gettext("账户与安全设置")
        return gettext("全部基地")


def as_account(user: AbstractBaseUser) -> User:
    """The account the policy hands a scope or a rule: always a `User` in this project (the policy's
    mechanism in `core` knows only Django's base class)."""
    if not isinstance(user, User):
        raise TypeError(f"not an account of this project: {user!r}")
    return user


class PasswordHistory(models.Model):
    """The hashes of a user's last passwords (`PASSWORD_HISTORY` of them), so that none is used again.

    Kept as the same salted hashes as the password itself; never the password."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"


class GrantState(models.TextChoices):
    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")


class RoleGrant(models.Model):
    """A role outside the security administrator's grant list, asked for and not yet given (two-person
    rule): a new account of that role stays inactive, an existing account keeps its old role, until a
    national administrator confirms. Both acts are in the audit log."""

    user = models.ForeignKey(User, verbose_name=_("账户"), on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("申请的角色"), max_length=32, choices=Role.choices)
    authority = models.ForeignKey(
        "registry.Authority", verbose_name=_("审核单位"), null=True, blank=True, on_delete=models.PROTECT
    )
    new_account = models.BooleanField(_("新建账户"), default=False)
    old_role = models.CharField(_("原角色"), max_length=32, choices=Role.choices, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=GrantState.choices, default=GrantState.PENDING)
    requested_by = models.ForeignKey(
        User, verbose_name=_("申请人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("确认人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    reason = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("待确认授权")
        verbose_name_plural = _("待确认授权")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(state="pending"), name="one_pending_grant_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.get_username()} → {self.get_role_display()}"
