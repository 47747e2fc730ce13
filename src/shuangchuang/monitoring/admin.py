"""The admin of operation monitoring.

National administrators edit the catalogue (indicators, definition versions, cross checks) and the
reporting periods. A definition that values were entered under is shown read-only: a change becomes a new
version from a later year. Reports and their values are shown read-only to everyone, because
the lock on reports holds for every way in — only `monitoring.services` changes them.
Every change made here is written to the audit log like any other.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shuangchuang.accounts.requests import account_of
from shuangchuang.core.admin_access import PolicyInline, ProgramDataAdmin
from shuangchuang.core.audit import audit_event, record_many
from shuangchuang.registry.models import BaseKind

from .catalogue import parse_kinds
from .formulas import FormulaError, references
from .models import (
    CrossCheck,
    Indicator,
    IndicatorVersion,
    Report,
    ReportingPeriod,
    ReportValue,
)
from .periods import close_period, open_period


class AuditedAdmin(ProgramDataAdmin):
    """Writes an audit row for every field changed, every object added or deleted through the admin."""

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            events = [audit_event(request.user, "admin.add", obj, reason="系统管理新增")]
        else:
            events = [
                audit_event(
                    request.user,
                    "admin.change",
                    obj,
                    field=name,
                    old=str(form.initial.get(name, "")),
                    new=str(form.cleaned_data.get(name, "")),
                    reason="系统管理修改",
                )
                for name in form.changed_data
            ]
        record_many(events)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record_many([audit_event(request.user, "admin.delete", obj, reason="系统管理删除")])
        super().delete_model(request, obj)


class ReadOnlyAdmin(ProgramDataAdmin):
    """Visible to national administrators, changeable by nobody."""

    read_only = True


class ReadOnlyInline(PolicyInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# ---- the catalogue ------------------------------------------------------------------------------------------


class VersionInline(ReadOnlyInline):
    model = IndicatorVersion
    fields = ("valid_from_year", "name", "unit", "value_type", "formula", "kinds_label")
    readonly_fields = fields
    verbose_name_plural = "定义版本（在“指标定义版本”中新增）"


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin):
    list_display = (
        "code",
        "current_name",
        "section",
        "frequency",
        "required",
        "applies_to",
        "part_of",
        "is_active",
    )
    list_filter = ("section", "frequency", "required", "is_active", "directions")
    search_fields = ("code", "versions__name")
    filter_horizontal = ("directions",)
    autocomplete_fields = ("part_of",)
    inlines = [VersionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super().get_queryset(request).select_related("part_of").prefetch_related("directions", "versions")
        )

    @admin.display(description=_("指标名称（最新定义）"))
    def current_name(self, obj: Indicator) -> str:
        versions = list(obj.versions.all())
        return max(versions, key=lambda v: v.valid_from_year).name if versions else ""

    @admin.display(description=_("适用方向"))
    def applies_to(self, obj: Indicator) -> str:
        return "、".join(d.name for d in obj.directions.all()) or "通用"

    def save_model(self, request: HttpRequest, obj: Indicator, form: ModelForm[Any], change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.part_of_id:  # 其中 ≤ 总数 follows from part_of, as when the catalogue is loaded
            CrossCheck.objects.get_or_create(
                left=obj, operator=CrossCheck.Operator.AT_MOST, right_id=obj.part_of_id
            )


class VersionForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        label="适用基地类型",
        choices=BaseKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="不勾选或全部勾选：适用于全部类型的基地",
    )

    class Meta:
        model = IndicatorVersion
        fields = (
            "indicator",
            "valid_from_year",
            "name",
            "name_en",
            "unit",
            "value_type",
            "polarity",
            "definition",
            "counting_rule",
            "min_value",
            "max_value",
            "formula",
            "kinds",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.instance.kinds:
            self.initial["kinds"] = list(BaseKind.values)  # every kind: shown as every box ticked

    def clean_kinds(self) -> list[str]:
        """In BaseKind's order; every kind (all boxes or none) is stored as [] like the catalogue file."""
        kinds, _ = parse_kinds(";".join(self.cleaned_data.get("kinds") or []))
        return kinds

    def clean_formula(self) -> str:
        formula = self.cleaned_data.get("formula", "").strip()
        if formula:
            try:
                codes = references(formula)
            except FormulaError as exc:
                raise forms.ValidationError(str(exc)) from exc
            unknown = codes - set(Indicator.objects.filter(code__in=codes).values_list("code", flat=True))
            if unknown:
                raise forms.ValidationError(f"公式引用了不存在的指标：{', '.join(sorted(unknown))}")
        return formula


@admin.register(IndicatorVersion)
class IndicatorVersionAdmin(AuditedAdmin):
    form = VersionForm
    list_display = (
        "indicator",
        "valid_from_year",
        "name",
        "unit",
        "value_type",
        "formula",
        "kinds_label",
        "values_entered",
    )
    list_filter = ("valid_from_year", "value_type")
    search_fields = ("indicator__code", "name", "name_en")
    autocomplete_fields = ("indicator",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("indicator").annotate(n_values=Count("values"))

    @admin.display(description=_("适用基地类型"))
    def kinds_label(self, obj: IndicatorVersion) -> str:
        return obj.kinds_label

    @admin.display(description=_("已填报数值"), ordering="n_values")
    def values_entered(self, obj: IndicatorVersion) -> int:
        return int(getattr(obj, "n_values", 0))  # annotated by get_queryset

    def _in_use(self, obj: IndicatorVersion | None) -> bool:
        return obj is not None and obj.values.exists()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A definition that values were entered under is history: a change is a new version.
        return super().has_change_permission(request, obj) and not self._in_use(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and not self._in_use(obj)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        if self._in_use(obj) and request.method == "GET":
            messages.info(
                request, "此定义已有填报数据，不能修改；如需修改定义，请新增一个以后年度起适用的版本。"
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(CrossCheck)
class CrossCheckAdmin(AuditedAdmin):
    list_display = ("left", "operator", "right", "message")
    autocomplete_fields = ("left", "right")
    list_select_related = ("left", "right")


# ---- periods ------------------------------------------------------------------------------------------------


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(AuditedAdmin):
    list_display = ("code", "__str__", "opens_on", "due_on", "is_open", "report_count")
    list_filter = ("kind", "year", "is_open")
    readonly_fields = ("is_open", "opened_at")
    actions = ["open_selected", "close_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).annotate(n_reports=Count("reports"))

    @admin.display(description=_("填报份数"), ordering="n_reports")
    def report_count(self, obj: ReportingPeriod) -> int:
        return int(getattr(obj, "n_reports", 0))  # annotated by get_queryset

    @admin.action(description=_("开放填报（为每个建设中的基地建立填报）"))
    def open_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for period in queryset:
            created = open_period(period, actor=account_of(request))
            messages.success(
                request,
                gettext("%(period)s：已开放，新建 %(n)d 份填报。") % {"period": period.label, "n": created},
            )

    @admin.action(description=_("停止填报"))
    def close_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for period in queryset:
            close_period(period, actor=account_of(request))
        messages.success(request, gettext("已停止 %(n)d 个报告期的填报。") % {"n": queryset.count()})


# ---- reports: read-only ------------------------------------------------------------------------------------


class ValueInline(ReadOnlyInline):
    model = ReportValue
    fields = ("indicator", "display_value", "flags", "explanation", "review_comment")
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("indicator")


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("base", "period", "state", "submitted_at", "holder", "open_in_app")
    list_filter = ("state", "period", "base__direction", "base__authority")
    search_fields = ("base__name", "base__short_name", "base__current_name", "base__code")
    list_select_related = ("base", "period")
    inlines = [ValueInline]  # its state changes: the audit log (and the report's history tab)

    @admin.display(description=_("在平台中查看"))
    def open_in_app(self, obj: Report) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("monitoring:report_detail", args=[obj.pk]), gettext("查看")
        )


@admin.register(ReportValue)
class ReportValueAdmin(ReadOnlyAdmin):
    list_display = ("report", "indicator", "display_value", "updated_at")
    list_filter = ("report__period", "indicator")
    search_fields = ("report__base__short_name", "indicator__code")
    list_select_related = ("report__base", "report__period", "indicator")
