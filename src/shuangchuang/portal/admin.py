from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from shuangchuang.core.admin_access import ProgramDataAdmin

from .models import PublicIndicator


@admin.register(PublicIndicator)
class PublicIndicatorAdmin(ProgramDataAdmin):
    """The national office marks an indicator public here (and unmarks it by deleting the row)."""

    list_display = ("indicator", "note", "marked_at", "marked_by")
    raw_id_fields = ("indicator",)
    readonly_fields = ("marked_at", "marked_by")

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool) -> None:
        if not change:
            obj.marked_by = request.user
        super().save_model(request, obj, form, change)
