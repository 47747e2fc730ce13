from django.contrib import admin

from shuangchuang.core.admin_access import ProgramDataAdmin

from .models import EvaluationRun, EvaluationScheme, SchemeNode


class SchemeNodeInline(admin.TabularInline):
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
    list_display = ("pk", "scheme", "status", "progress", "created_at", "fingerprint")
    readonly_fields = [f.name for f in EvaluationRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
