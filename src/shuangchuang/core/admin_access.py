"""Who may use which part of the Django admin (三员分立).

National administrators edit program data; the security administrator manages accounts only; the auditor
reads the audit log only. Every ModelAdmin in the project mixes in one of these.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin


def _user(request: Any) -> Any:
    return request.user


class ProgramDataAdmin(admin.ModelAdmin):
    """Editable by national administrators only."""

    def has_module_permission(self, request: Any) -> bool:
        return _user(request).is_national_admin

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return _user(request).is_national_admin

    def has_add_permission(self, request: Any) -> bool:
        return _user(request).is_national_admin

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return _user(request).is_national_admin

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return _user(request).is_national_admin


class AccountAdminAccess:
    """Accounts are the security administrator's."""

    def has_module_permission(self, request: Any) -> bool:
        return _user(request).is_security_admin

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return _user(request).is_security_admin

    def has_add_permission(self, request: Any) -> bool:
        return _user(request).is_security_admin

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return _user(request).is_security_admin

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return _user(request).is_security_admin


def admin_site_permission(request: Any) -> bool:
    user = request.user
    return user.is_active and (user.is_national_admin or user.is_security_admin)


admin.site.has_permission = admin_site_permission  # type: ignore[method-assign]
