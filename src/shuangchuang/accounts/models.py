"""Users, their role and the scope of bases they act on.

A user has exactly one role. The role decides what the user may do (the rules of `policy.py` and of each
app's `policy.py`); the scope fields decide which bases (`registry.models.BaseQuerySet.scope` turns them into
a condition that every other model's scope reaches through its base).
"""

from __future__ import annotations

from typing import Any, ClassVar

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


class AccountManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]  # a generated base
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra_fields: Any
    ) -> User:
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
