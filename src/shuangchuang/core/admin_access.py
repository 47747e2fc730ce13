"""Who may use which part of the Django admin (三员分立).

National administrators edit program data; the security administrator manages accounts only; the auditor
reads the audit log only. Every ModelAdmin in the project mixes in one of these.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.urls import reverse

from .audit import audit_event, record, record_many


def _user(request: Any) -> Any:
    return request.user


def _plain(value: Any) -> Any:
    """A value as the audit log keeps it (JSON): model instances, querysets and dates become text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | models.QuerySet):
        return [_plain(v) for v in value]
    return str(value)


def _stored_value(obj: models.Model, name: str) -> Any:
    try:
        field = obj._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if field.many_to_many:
        return [str(related) for related in getattr(obj, name).all()]
    return _plain(getattr(obj, name))


class ProgramDataAdmin(admin.ModelAdmin):
    """Editable by national administrators only; every change made here is in the audit log.

    The admin saves inside a transaction, so the audit rows commit or roll back with the change.
    """

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            record(request.user, "admin.create", obj, reason="系统管理：新建")
            return
        before = type(obj)._default_manager.get(pk=obj.pk)
        super().save_model(request, obj, form, change)
        record_many(
            audit_event(
                request.user,
                "admin.change",
                obj,
                field=name,
                old=_stored_value(before, name),
                new=_plain(form.cleaned_data.get(name)),
                reason="系统管理：修改",
            )
            for name in form.changed_data
        )

    def delete_model(self, request: Any, obj: Any) -> None:
        record(request.user, "admin.delete", obj, reason="系统管理：删除")
        super().delete_model(request, obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        record_many(
            audit_event(request.user, "admin.delete", obj, reason="系统管理：删除") for obj in queryset
        )
        super().delete_queryset(request, queryset)

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


def _signed_in_outsiders_forbidden(view: Callable[..., Any]) -> Callable[..., Any]:
    """A signed-in user without admin access gets the app's 403 page, not the admin's login form (which
    would invite them to sign in as someone else). Visitors who are not signed in still go to the login."""

    @functools.wraps(view)
    def guarded(request: Any, *args: Any, **kwargs: Any) -> Any:
        outsider = request.user.is_authenticated and not admin_site_permission(request)
        if outsider and request.path != reverse("admin:logout"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


_django_admin_view = admin.site.admin_view


def _admin_view(view: Callable[..., Any], cacheable: bool = False) -> Callable[..., Any]:
    return _signed_in_outsiders_forbidden(_django_admin_view(view, cacheable))


# The admin builds its URLs from these two when the URLconf is loaded, after every app's admin module
# (which imports this one) has been read.
admin.site.admin_view = _admin_view  # type: ignore[method-assign]
admin.site.login = _signed_in_outsiders_forbidden(admin.site.login)  # type: ignore[method-assign]
