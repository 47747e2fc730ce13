"""Who may use which part of the Django admin (三员分立), through the access policy like every other way in.

National administrators edit program data (`program.manage`); the security administrator manages accounts
only (`accounts.manage`); the auditor reads the audit log in the app, not here. Every ModelAdmin of the
project is a `PolicyAdmin`: its pages open for the users its rule allows, its rows are the model's scope
(`restrict(user, "view")`), an object is changed or deleted only inside `restrict(user, "change")`, and a
saved object must still lie inside that scope afterwards or the save is rolled back (NetBox's re-check).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from .audit import audit_event, record, record_many
from .policy import CHANGE, VIEW, RestrictedQuerySet, in_scope, may, require_in_scope


class PolicyAdmin(admin.ModelAdmin[Any]):
    """A ModelAdmin whose pages follow the access policy: `manage_action` says who uses them (a rule of
    the policy), the model's scope which objects they reach; `read_only` pages show and never write."""

    manage_action = "program.manage"
    read_only = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        if not self._may_use(request):
            raise PermissionDenied  # a role that never uses these pages: 403 before any lookup (not 404)
        queryset = super().get_queryset(request)
        if not isinstance(queryset, RestrictedQuerySet):
            raise ImproperlyConfigured(f"{self.model.__name__} is not on the access policy")
        return queryset.restrict(request.user, VIEW)

    def _may_use(self, request: HttpRequest) -> bool:
        return may(request.user, self.manage_action)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_use(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_use(request) and (obj is None or in_scope(request.user, VIEW, obj))

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return not self.read_only and self._may_use(request)

    def _may_write(self, request: HttpRequest, obj: Any) -> bool:
        if self.read_only or not self._may_use(request):
            return False
        return obj is None or in_scope(request.user, CHANGE, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_write(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool) -> None:
        super().save_model(request, obj, form, change)
        # the admin saves inside a transaction: refusing here rolls the change back
        require_in_scope(request.user, CHANGE, obj)


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


class PolicyInline(admin.TabularInline[Any, Any]):
    """An inline of a `PolicyAdmin`: its rows are the related model's scope too."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if not isinstance(queryset, RestrictedQuerySet):
            raise ImproperlyConfigured(f"{self.model.__name__} is not on the access policy")
        return queryset.restrict(request.user, VIEW)


class ProgramDataAdmin(PolicyAdmin):
    """Editable by national administrators only; every change made here is in the audit log.

    The admin saves inside a transaction, so the audit rows commit or roll back with the change.
    """

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool) -> None:
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

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record(request.user, "admin.delete", obj, reason="系统管理：删除")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        record_many(
            audit_event(request.user, "admin.delete", obj, reason="系统管理：删除") for obj in queryset
        )
        super().delete_queryset(request, queryset)


class ForeignAdmin(admin.ModelAdmin[Any]):
    """Another package's admin pages (axes' login records, the task queue) on the policy too: nobody of the
    program uses them (`admin.foreign`, which only a superuser passes), and a role that never does gets its
    403 before any lookup. The package's own permission checks still apply on top."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        if not may(request.user, "admin.foreign"):
            raise PermissionDenied
        return super().get_queryset(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may(request.user, "admin.foreign") and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, "admin.foreign") and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return may(request.user, "admin.foreign") and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, "admin.foreign") and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may(request.user, "admin.foreign") and super().has_delete_permission(request, obj)


def put_foreign_admins_on_the_policy(site: admin.AdminSite) -> None:
    """Register again every ModelAdmin of another package with `ForeignAdmin` in front of it."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, PolicyAdmin | ForeignAdmin):
            continue
        site.unregister(model)
        site.register(model, type(type(model_admin).__name__, (ForeignAdmin, type(model_admin)), {}))


def admin_site_permission(request: HttpRequest) -> bool:
    """Who enters the admin at all: those who manage the program or the accounts."""
    return may(request.user, "program.manage") or may(request.user, "accounts.manage")


admin.site.has_permission = admin_site_permission  # type: ignore[method-assign]


def _signed_in_outsiders_forbidden(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A signed-in user without admin access gets the app's 403 page, not the admin's login form (which
    would invite them to sign in as someone else); its logout still signs anyone out. Visitors who are not
    signed in go to the login."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        outsider = request.user.is_authenticated and not admin_site_permission(request)
        if outsider and request.path != reverse("admin:logout"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


def _login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """One login page for everyone: a visitor who is not signed in goes to the app's, and comes back."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
    return _django_admin_login(request, extra_context)


_django_admin_view = admin.site.admin_view
_django_admin_login = admin.site.login


def _admin_view(view: Callable[..., HttpResponse], cacheable: bool = False) -> Callable[..., HttpResponse]:
    return _signed_in_outsiders_forbidden(_django_admin_view(view, cacheable))


# The admin builds its URLs from these two when the URLconf is loaded, after every app's admin module
# (which imports this one) has been read.
admin.site.admin_view = _admin_view  # type: ignore[method-assign,assignment]
admin.site.login = _signed_in_outsiders_forbidden(_login)  # type: ignore[method-assign]
