"""The program's reference data of the assessment, kept by the national office in the admin: evaluation
institutions and their evaluators, peer groups (moving a base to another group), the scoring forms'
criteria and guides. Cycles, sheets and decisions move only through their pages (state machines)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import ManyToManyField
from django.forms import ModelMultipleChoiceField
from django.http import HttpRequest

from shuangchuang.accounts.models import Role, User
from shuangchuang.core.admin_access import PolicyInline, ProgramDataAdmin

from .models import Criterion, Institution, PeerGroup, ScoringForm


@admin.register(Institution)
class InstitutionAdmin(ProgramDataAdmin):
    list_display = ("name", "contact")
    filter_horizontal = ("members",)

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelMultipleChoiceField | None:
        if db_field.name == "members":
            kwargs["queryset"] = User.objects.filter(role=Role.EVALUATOR)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(PeerGroup)
class PeerGroupAdmin(ProgramDataAdmin):
    list_display = ("name", "cycle", "direction")
    list_filter = ("cycle", "direction")
    filter_horizontal = ("bases",)


class CriterionInline(PolicyInline):
    model = Criterion
    extra = 0
    fields = ("order", "code", "name", "max_points", "guide")


@admin.register(ScoringForm)
class ScoringFormAdmin(ProgramDataAdmin):
    list_display = ("__str__", "cycle", "direction")
    list_filter = ("cycle",)
    inlines = [CriterionInline]
