from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shuangchuang.core.admin_access import PolicyInline, ProgramDataAdmin

from .models import Authority, Base, BaseNameHistory, BaseStatusHistory, Batch, Direction, Province


class NameHistoryInline(PolicyInline):
    model = BaseNameHistory
    extra = 0


class StatusHistoryInline(PolicyInline):
    model = BaseStatusHistory
    extra = 0
    readonly_fields = ("status", "changed_at", "changed_by", "reason")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Base)
class BaseAdmin(ProgramDataAdmin):
    list_display = ("code", "current_name", "batch", "direction", "kind", "province", "authority", "status")
    list_filter = ("batch", "direction", "kind", "status", "province")
    search_fields = ("name", "short_name", "current_name", "search_text", "code")
    readonly_fields = ("status",)
    inlines = [NameHistoryInline, StatusHistoryInline]


@admin.register(Authority)
class AuthorityAdmin(ProgramDataAdmin):
    list_display = ("code", "name", "kind", "province")
    list_filter = ("kind",)
    search_fields = ("name", "short_name", "code")


@admin.register(Province)
class ProvinceAdmin(ProgramDataAdmin):
    list_display = ("code", "name", "short_name")


@admin.register(Batch)
class BatchAdmin(ProgramDataAdmin):
    list_display = ("number", "name", "year", "document")


@admin.register(Direction)
class DirectionAdmin(ProgramDataAdmin):
    list_display = ("code", "name", "kind", "order")
