from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shuangchuang.core.admin_access import PolicyAdmin
from shuangchuang.core.audit import record

from .models import User

admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(PolicyAdmin, DjangoUserAdmin):  # type: ignore[misc]  # both are ModelAdmins
    manage_action = "accounts.manage"  # 三员分立: accounts are the security administrator's

    list_display = ("username", "last_name", "first_name", "role", "organization", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name", "organization")
    filter_horizontal = ("assigned_bases",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("last_name", "first_name", "email", "phone", "organization")}),
        (_("角色与范围"), {"fields": ("role", "authority", "base", "assigned_bases")}),
        (_("状态"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "password1", "password2")}),
        (_("角色与范围"), {"fields": ("role", "organization", "authority", "base")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # 三员分立: an administrator never widens or keeps alive its own account; a colleague does.
        if obj is not None and obj.pk == request.user.pk:
            return (*self.readonly_fields, "role", "authority", "base", "assigned_bases", "is_active")
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool) -> None:
        super().save_model(request, obj, form, change)
        changed = ", ".join(form.changed_data) if change else "新建账户"
        record(request.user, "accounts.change" if change else "accounts.create", obj, reason=changed)
