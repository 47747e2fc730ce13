"""What the audit log needs from plans to name its rows: a plan version and a task's progress behind their
stored (Chinese) text, and the English of the reasons this app writes. Registered from
`PlansConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext

from shuangchuang.core.audit_words import register_object_names, register_reason

from .models import Plan, TaskProgress


def plan_names(ids: set[str]) -> dict[str, str]:
    plans = Plan.objects.filter(pk__in=[int(i) for i in ids if i.isdigit()]).select_related("base")
    return {
        str(p.pk): gettext("%(base)s 建设方案 v%(version)d")
        % {"base": p.base.short_name, "version": p.version}
        for p in plans
    }


def progress_names(ids: set[str]) -> dict[str, str]:
    rows = TaskProgress.objects.filter(pk__in=[int(i) for i in ids if i.isdigit()]).select_related(
        "task", "period"
    )
    return {str(r.pk): f"{r.task.title} · {r.period.label}" for r in rows}


def register() -> None:
    register_object_names(Plan._meta.label, plan_names)
    register_object_names(TaskProgress._meta.label, progress_names)
    register_reason(r"方案 v(?P<version>\d+)", lambda m, o: gettext("方案 v%(version)s") % m.groupdict())
