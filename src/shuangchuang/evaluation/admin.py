from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shuangchuang.core.admin_access import PolicyInline, ProgramDataAdmin

from .models import EvaluationRun, EvaluationScheme, SchemeNode


class SchemeNodeInline(PolicyInline):
    model = SchemeNode
    extra = 0
    fields = ("code", "name", "parent", "indicator", "weight", "polarity", "order")
    raw_id_fields = ("parent", "indicator")


@admin.register(EvaluationScheme)
class EvaluationSchemeAdmin(ProgramDataAdmin):
    list_display = ("name", "direction", "year", "normalise", "weighting", "aggregate")
    list_filter = ("direction", "year")
    inlines = [SchemeNodeInline]


@admin.register(EvaluationRun)
class EvaluationRunAdmin(ProgramDataAdmin):
    """A run is started from the evaluation page (`evaluation.run.start`, with its audit row and its task),
    never added or edited here; a national administrator may delete one."""

    list_display = ("pk", "scheme", "status", "progress", "created_at", "fingerprint")
    readonly_fields = [f.name for f in EvaluationRun._meta.fields]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
