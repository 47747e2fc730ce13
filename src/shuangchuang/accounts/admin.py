"""Accounts in the Django admin: the security administrator's workplace (三员分立).

Every change goes through `accounts.services` (rules from the access policy, an audit row with old and new
values); the admin only shows forms and lists. Initial passwords are made by the system and shown once.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from shuangchuang.core.admin_access import PolicyAdmin
from shuangchuang.core.policy import may

from . import services
from .forms import AccountChangeForm, AccountCreationForm
from .models import GrantState, User

admin.site.unregister(Group)


def _own_password_on_the_app_page(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin's "change my password" is the app's page, which keeps the password's history, clears an
    initial password's flag and writes the audit row."""
    return redirect("accounts:password_change")


admin.site.password_change = _own_password_on_the_app_page  # type: ignore[method-assign,assignment]
# Devices hold TOTP secrets: nobody browses them; a reset is the security administrator's action below.
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class UnusedFilter(admin.SimpleListFilter):
    """The accounts `disable_unused_accounts` disabled, and those it will disable within 30 days."""

    title = _("长期未使用")
    parameter_name = "unused"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("disabled", _("已因长期未使用停用")), ("soon", _("30 天内将被停用"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value() == "disabled":
            return queryset.filter(disabled_as_unused_at__isnull=False, is_active=False)
        if self.value() == "soon":
            days = settings.ACCOUNT_UNUSED_DAYS
            soon = services.unused_accounts(days=max(days - 30, 1))
            return queryset.filter(pk__in=soon).exclude(pk__in=services.unused_accounts(days=days))
        return queryset


@admin.register(User)
class UserAdmin(PolicyAdmin, DjangoUserAdmin):  # type: ignore[misc]  # both are ModelAdmins
    manage_action = "accounts.manage"  # 三员分立: accounts are the security administrator's

    form = AccountChangeForm
    add_form = AccountCreationForm
    list_display = (
        "username",
        "full_name",
        "role",
        "organization",
        "phone",
        "email",
        "is_active",
        "pending_grant",
        "last_login",
    )
    list_filter = ("role", "is_active", UnusedFilter)
    search_fields = ("username", "first_name", "last_name", "organization")
    filter_horizontal = ("assigned_bases",)
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password_and_second_factor")}),
        (_("个人信息"), {"fields": ("last_name", "first_name", "email", "phone", "organization")}),
        (_("角色与范围"), {"fields": ("role", "authority", "base", "assigned_bases", "pending_grant")}),
        (
            _("状态"),
            {
                "fields": (
                    "is_active",
                    "must_change_password",
                    "last_login",
                    "date_joined",
                    "disabled_as_unused_at",
                )
            },
        ),
    )
    add_fieldsets = (
        (None, {"fields": ("username",)}),
        (_("个人信息"), {"fields": ("last_name", "first_name", "email", "phone", "organization")}),
        (_("角色与范围"), {"fields": ("role", "authority", "base")}),
    )
    readonly_fields = (
        "password_and_second_factor",
        "pending_grant",
        "must_change_password",
        "last_login",
        "date_joined",
        "disabled_as_unused_at",
    )
    actions = ["deactivate"]

    # Who may do what: the access policy

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may(request.user, "accounts.manage")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, "accounts.manage")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may(request.user, "accounts.create")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, "accounts.change", obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, "accounts.delete", obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletion one account at a time, for those never used
        return actions

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # 三员分立: an administrator never widens or keeps alive its own account; a colleague does.
        if obj is not None and obj.pk == request.user.pk:
            return (*self.readonly_fields, "role", "authority", "base", "assigned_bases", "is_active")
        return self.readonly_fields

    # Columns

    @admin.display(description=_("姓名"))
    def full_name(self, obj: User) -> str:
        return obj.get_full_name()

    @admin.display(description=_("待确认授权"))
    def pending_grant(self, obj: User) -> str:
        grant = obj.grants.filter(state=GrantState.PENDING).first()
        if grant is None:
            return ""
        return gettext("待国家管理员确认：%(role)s") % {"role": grant.get_role_display()}

    @admin.display(description=_("密码与动态口令"))
    def password_and_second_factor(self, obj: User) -> str:
        if obj.pk is None:
            return ""
        password = (
            gettext("有效密码") if obj.has_usable_password() else gettext("尚无密码（待确认授权时发放）")
        )
        if obj.must_change_password:
            password += gettext("，下次登录须修改")
        second = gettext("已启用动态口令") if services.has_second_factor(obj) else gettext("未启用动态口令")
        return f"{password}；{second}"

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        user = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "may_reset_password": may(request.user, "accounts.set_password", user),
            "may_reset_second_factor": may(request.user, "accounts.reset_second_factor", user)
            and user is not None
            and services.has_second_factor(user),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    # Saving: the services

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if change:
            try:
                grant = services.save_account_changes(request.user, obj)  # type: ignore[arg-type]
            except services.AccountError as error:
                raise PermissionDenied(str(error)) from error
            if grant is not None:
                messages.warning(
                    request,
                    gettext("角色「%(role)s」须经国家管理员确认后生效，确认前账户保持原角色。")
                    % {"role": grant.get_role_display()},
                )
            return
        password, grant = services.create_account(request.user, obj)  # type: ignore[arg-type]
        self._issued = (password, grant)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        user = form.instance
        before = [str(b) for b in user.assigned_bases.all()] if change else []
        super().save_related(request, form, formsets, change)
        if change:
            after = [str(b) for b in user.assigned_bases.all()]
            services.record_assignment_change(request.user, user, before, after)  # type: ignore[arg-type]

    def log_addition(self, *args: Any, **kwargs: Any) -> Any:
        return None  # the audit log has it (Django's own admin log is not kept)

    def log_change(self, *args: Any, **kwargs: Any) -> Any:
        return None

    def log_deletion(self, *args: Any, **kwargs: Any) -> Any:
        return None

    def log_deletions(self, *args: Any, **kwargs: Any) -> Any:
        return None

    def response_add(self, request: HttpRequest, obj: User, post_url_continue: Any = None) -> HttpResponse:
        password, grant = getattr(self, "_issued", (None, None))
        return TemplateResponse(
            request,
            "admin/accounts/user/password_issued.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "account": obj,
                "password": password,
                "grant": grant,
                "title": gettext("账户已建立"),
            },
            headers={"Cache-Control": "no-store"},
        )

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        services.delete_account(request.user, obj)  # type: ignore[arg-type]

    # The password: made by the system, never typed by the security administrator

    def get_urls(self) -> list[Any]:
        from django.urls import path

        own = [
            path(
                "<id>/second-factor/",
                self.admin_site.admin_view(self.second_factor_reset_view),
                name="accounts_user_second_factor_reset",
            )
        ]
        return own + super().get_urls()

    def second_factor_reset_view(self, request: HttpRequest, id: str) -> HttpResponse:
        if not self.has_change_permission(request):  # a role that never may: 403 before any lookup
            raise PermissionDenied
        user = get_object_or_404(User, pk=id)
        if not may(request.user, "accounts.reset_second_factor", user):
            raise PermissionDenied
        if request.method == "POST":
            services.reset_second_factor(request.user, user)  # type: ignore[arg-type]
            messages.success(
                request,
                gettext("已重置 %(account)s 的动态口令，持有人下次登录时重新绑定。")
                % {"account": user.get_username()},
            )
            return redirect("admin:accounts_user_change", user.pk)
        context = {**self.admin_site.each_context(request), "opts": self.opts, "account": user}
        context["title"] = gettext("重置动态口令")
        return TemplateResponse(request, "admin/accounts/user/reset_second_factor.html", context)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        if not self.has_change_permission(request):  # a role that never may: 403 before any lookup
            raise PermissionDenied
        user = get_object_or_404(User, pk=id)
        if not may(request.user, "accounts.set_password", user):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.opts, "account": user}
        if request.method == "POST":
            password = services.reset_password(request.user, user)  # type: ignore[arg-type]
            context.update(title=gettext("密码已重置"), password=password, reset=True)
            return TemplateResponse(
                request,
                "admin/accounts/user/password_issued.html",
                context,
                headers={"Cache-Control": "no-store"},
            )
        context["title"] = gettext("重置密码")
        return TemplateResponse(request, "admin/accounts/user/reset_password.html", context)

    # Actions

    @admin.action(description=_("停用所选账户"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        done = 0
        for user in queryset.filter(is_active=True).exclude(pk=cast(User, request.user).pk):
            user.is_active = False
            services.save_account_changes(request.user, user)  # type: ignore[arg-type]
            done += 1
        messages.success(request, gettext("已停用 %(count)d 个账户。") % {"count": done})
