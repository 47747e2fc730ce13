"""Pages of plans and organisation: a base's plan (the version in force, its goals tracked against their
targets, its tasks with progress, every version), one version with its workflow, the forms that change a
draft, the authority's review queue, and the base's organisation and staff roster.

Each page asks the policy in the order of DEVELOPERS.md: `permission_required` (a role that never may is a
403), `get_restricted` (outside the scope is a 404), `may` on the object's state (a message), and the
service checks again and raises a `PlanError` that becomes a message.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from shuangchuang.accounts.requests import AuthenticatedRequest
from shuangchuang.core.audit import file_facts, record_export, record_upload
from shuangchuang.core.policy import REVIEW, get_restricted, may, permission_required
from shuangchuang.core.tabular import limits_note
from shuangchuang.monitoring.evidence import KIND_OF_TYPE, clean_file_name
from shuangchuang.registry.models import Base

from . import excel, selectors, services
from .forms import (
    DocumentForm,
    GoalForm,
    GoalResultForm,
    MechanismForm,
    MeetingForm,
    OrganisationForm,
    PlanForm,
    ProgressForm,
    ReturnForm,
    StaffChangeForm,
    StaffForm,
    StaffLeaveForm,
    TaskForm,
    UploadForm,
)
from .models import (
    OPEN_STATES,
    Attachment,
    Goal,
    Mechanism,
    Organisation,
    Plan,
    PlanAction,
    PlanState,
    StaffChange,
    StaffMember,
    Task,
    TaskProgress,
)


def _base_for(request: AuthenticatedRequest, code: str) -> Base:
    return get_restricted(Base.objects.select_related("authority", "direction"), request.user, code=code)


def _plan_for(request: AuthenticatedRequest, pk: int) -> Plan:
    return get_restricted(
        Plan.objects.select_related("base", "base__authority", "document"), request.user, pk=pk
    )


def _error_messages(request: AuthenticatedRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}{gettext('：')}{error}" if label else str(error))


# ---------------------------------------------------------------- a base's plan


@permission_required("plans.read")
def base_plans(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """The plan in force with its goals against their targets and its tasks' progress; every version."""
    base = _base_for(request, code)
    versions = list(selectors.plan_versions(request.user, base).select_related("decided_by"))
    current = next((p for p in versions if p.state == PlanState.APPROVED), None)
    under_work = next(
        (p for p in versions if p.state in (PlanState.DRAFT, PlanState.SUBMITTED, PlanState.RETURNED)), None
    )
    context: dict[str, Any] = {
        "base": base,
        "versions": versions,
        "current": current,
        "under_work": under_work,
        "may_draft": may(request.user, "plans.plan.draft", base),
        "plan_form": PlanForm(
            initial={
                "title": gettext("示范基地建设方案"),
                "start_year": timezone.localdate().year,
                "end_year": timezone.localdate().year + 2,
            }
        ),
    }
    if current is not None:
        context["goals"] = selectors.goal_series(current)
        context["tasks"] = _tasks_with_progress(current)
        context["may_report"] = may(request.user, "plans.progress.report", current)
        context["chart"] = _chart_data(context["goals"])
    return render(request, "plans/base_plans.html", context)


def _tasks_with_progress(plan: Plan) -> list[dict[str, Any]]:
    """Each task with its latest progress and the whole record, across versions (by key)."""
    tasks = list(plan.tasks.prefetch_related("milestones"))
    progress = (
        TaskProgress.objects.filter(task__plan__base_id=plan.base_id, task__key__in=[t.key for t in tasks])
        .select_related("period", "evidence", "task")
        .order_by("-period__ends_on", "-period__kind")
    )
    by_key: dict[str, list[TaskProgress]] = {}
    for row in progress:
        by_key.setdefault(row.task.key, []).append(row)
    return [
        {
            "task": t,
            "latest": by_key[t.key][0] if by_key.get(t.key) else None,
            "history": by_key.get(t.key, []),
        }
        for t in tasks
    ]


def _chart_data(goals: list[selectors.GoalProgress]) -> list[dict[str, Any]]:
    def number(value: Any) -> float | None:
        return None if value is None else float(value)

    return [
        {
            "id": row.goal.pk,
            "years": [p.year for p in row.series],
            "target": [number(p.target) for p in row.series],
            "expected": [number(p.expected) for p in row.series],
            "actual": [number(p.actual) for p in row.series],
            "labels": {
                "target": gettext("年度目标值"),
                "expected": gettext("直线进度"),
                "actual": gettext("实际值"),
            },
        }
        for row in goals
    ]


@permission_required("plans.plan.draft")
@require_POST
def plan_create(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """The first version of a base's plan, or a revision of the one in force."""
    base = _base_for(request, code)
    if not may(request.user, "plans.plan.draft", base):
        messages.error(request, gettext("已有正在编制或审核中的方案版本。"))
        return redirect("plans:base_plans", code=base.code)
    try:
        if Plan.objects.filter(base=base, state=PlanState.APPROVED).exists():
            plan = services.start_revision(
                base, actor=request.user, note=request.POST.get("revision_note", "")
            )
        else:
            form = PlanForm(request.POST)
            if not form.is_valid():
                _error_messages(request, form)
                return redirect("plans:base_plans", code=base.code)
            data = form.cleaned_data
            plan = services.create_plan(
                base,
                actor=request.user,
                title=data["title"],
                start_year=data["start_year"],
                end_year=data["end_year"],
                focus=data["focus"],
            )
    except services.PlanError as exc:
        messages.error(request, exc.message)
        return redirect("plans:base_plans", code=base.code)
    messages.success(request, gettext("已建立方案 v%(version)d（草稿）。") % {"version": plan.version})
    return redirect("plans:plan_detail", plan_pk=plan.pk)


# ---------------------------------------------------------------- one version


@permission_required("plans.read")
def plan_detail(request: AuthenticatedRequest, plan_pk: int) -> HttpResponse:
    plan = _plan_for(request, plan_pk)
    user = request.user
    context = {
        "plan": plan,
        "base": plan.base,
        "goals": plan.goals.select_related("indicator").prefetch_related("targets", "indicator__versions"),
        "tasks": plan.tasks.prefetch_related("milestones"),
        "transitions": plan.transitions.select_related("actor"),
        "editable": may(user, "plans.plan.edit", plan),
        "may_submit": may(user, "plans.plan.submit", plan),
        "may_return": may(user, "plans.plan.return", plan),
        "may_approve": may(user, "plans.plan.approve", plan),
        "may_discard": may(user, "plans.plan.discard", plan),
        "return_form": ReturnForm(),
        "document_form": DocumentForm(),
        "changes": selectors.changes_from_in_force(plan) if plan.state in OPEN_STATES else None,
    }
    return render(request, "plans/plan_detail.html", context)


def _editable_plan(request: AuthenticatedRequest, plan_pk: int) -> Plan | HttpResponse:
    plan = get_restricted(Plan.objects.select_related("base"), request.user, "view", pk=plan_pk)
    if not may(request.user, "plans.plan.edit", plan):
        messages.error(
            request,
            gettext("方案 v%(version)d 当前为“%(state)s”，不能修改。")
            % {"version": plan.version, "state": plan.get_state_display()},
        )
        return redirect("plans:plan_detail", plan_pk=plan.pk)
    return plan


@permission_required("plans.plan.edit")
def plan_edit(request: AuthenticatedRequest, plan_pk: int) -> HttpResponse:
    plan = _editable_plan(request, plan_pk)
    if isinstance(plan, HttpResponse):
        return plan
    form = PlanForm(
        request.POST or None,
        initial={f: getattr(plan, f) for f in ("title", "start_year", "end_year", "focus", "revision_note")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_plan(plan, actor=request.user, **form.cleaned_data)
        except services.PlanError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, gettext("已保存。"))
            return redirect("plans:plan_detail", plan_pk=plan.pk)
    return render(request, "plans/form.html", {"form": form, "plan": plan, "heading": gettext("修改方案")})


@permission_required("plans.plan.edit")
def goal_edit(request: AuthenticatedRequest, plan_pk: int, goal_pk: int | None = None) -> HttpResponse:
    plan = _editable_plan(request, plan_pk)
    if isinstance(plan, HttpResponse):
        return plan
    goal = get_restricted(Goal.objects.filter(plan=plan), request.user, pk=goal_pk) if goal_pk else None
    initial: dict[str, Any] = {}
    if goal is not None:
        initial = {
            f: getattr(goal, f) for f in ("name", "indicator", "unit", "trend", "baseline", "note", "order")
        }
        initial.update({f"target_{t.year}": t.value for t in goal.targets.all()})
    form = GoalForm(request.POST or None, plan=plan, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_goal(
                plan,
                services.GoalData(
                    name=data["name"],
                    baseline=data["baseline"],
                    targets=form.targets(),
                    indicator=data["indicator"],
                    unit=data["unit"],
                    trend=data["trend"],
                    note=data["note"],
                    order=data["order"] or 0,
                ),
                actor=request.user,
                goal=goal,
            )
        except services.PlanError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, gettext("已保存目标“%(name)s”。") % {"name": data["name"]})
            return redirect("plans:plan_detail", plan_pk=plan.pk)
    return render(
        request,
        "plans/goal_form.html",
        {"form": form, "plan": plan, "heading": gettext("修改目标") if goal else gettext("添加目标")},
    )


@permission_required("plans.plan.edit")
@require_POST
def goal_delete(request: AuthenticatedRequest, plan_pk: int, goal_pk: int) -> HttpResponse:
    plan = _editable_plan(request, plan_pk)
    if isinstance(plan, HttpResponse):
        return plan
    goal = get_restricted(Goal.objects.filter(plan=plan), request.user, pk=goal_pk)
    services.delete_goal(goal, actor=request.user)
    messages.success(request, gettext("已删除目标“%(name)s”。") % {"name": goal.name})
    return redirect("plans:plan_detail", plan_pk=plan.pk)


@permission_required("plans.plan.edit")
def task_edit(request: AuthenticatedRequest, plan_pk: int, task_pk: int | None = None) -> HttpResponse:
    plan = _editable_plan(request, plan_pk)
    if isinstance(plan, HttpResponse):
        return plan
    task = get_restricted(Task.objects.filter(plan=plan), request.user, pk=task_pk) if task_pk else None
    initial: dict[str, Any] = {}
    if task is not None:
        initial = {f: getattr(task, f) for f in ("title", "owner", "deadline", "description", "order")}
        initial["milestones"] = "\n".join(f"{m.due_on.isoformat()} {m.title}" for m in task.milestones.all())
    form = TaskForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_task(
                plan,
                services.TaskData(
                    title=data["title"],
                    owner=data["owner"],
                    deadline=data["deadline"],
                    description=data["description"],
                    milestones=data["milestones"],
                    order=data["order"] or 0,
                ),
                actor=request.user,
                task=task,
            )
        except services.PlanError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, gettext("已保存任务“%(title)s”。") % {"title": data["title"]})
            return redirect("plans:plan_detail", plan_pk=plan.pk)
    return render(
        request,
        "plans/form.html",
        {"form": form, "plan": plan, "heading": gettext("修改任务") if task else gettext("添加任务")},
    )


@permission_required("plans.plan.edit")
@require_POST
def task_delete(request: AuthenticatedRequest, plan_pk: int, task_pk: int) -> HttpResponse:
    plan = _editable_plan(request, plan_pk)
    if isinstance(plan, HttpResponse):
        return plan
    task = get_restricted(Task.objects.filter(plan=plan), request.user, pk=task_pk)
    try:
        services.delete_task(task, actor=request.user)
    except services.PlanError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, gettext("已删除任务“%(title)s”。") % {"title": task.title})
    return redirect("plans:plan_detail", plan_pk=plan.pk)


@permission_required("plans.plan.edit")
@require_POST
def document_upload(request: AuthenticatedRequest, plan_pk: int) -> HttpResponse:
    plan = _editable_plan(request, plan_pk)
    if isinstance(plan, HttpResponse):
        return plan
    form = DocumentForm(request.POST, request.FILES)
    problems: list[str] = []
    if form.is_valid():
        try:
            attachment = services.attach_document(plan, form.cleaned_data["file"], actor=request.user)
        except services.PlanError as exc:
            messages.error(request, exc.message)
            problems.append(str(exc.message))
        else:
            messages.success(request, gettext("已上传“%(name)s”。") % {"name": attachment.original_name})
    else:
        _error_messages(request, form)
        problems = _form_problems(form)
    _record_uploads(request, plan, problems, "方案文件")
    return redirect("plans:plan_detail", plan_pk=plan.pk)


@permission_required("plans.plan.discard")
@require_POST
def plan_discard(request: AuthenticatedRequest, plan_pk: int) -> HttpResponse:
    plan = get_restricted(Plan.objects.select_related("base"), request.user, pk=plan_pk)
    try:
        services.discard_plan(plan, actor=request.user)
    except services.PlanError as exc:
        messages.error(request, exc.message)
        return redirect("plans:plan_detail", plan_pk=plan.pk)
    messages.success(request, gettext("已放弃方案 v%(version)d。") % {"version": plan.version})
    return redirect("plans:base_plans", code=plan.base.code)


def _form_problems(form: Any) -> list[str]:
    return [str(error) for errors in form.errors.values() for error in errors]


def _record_uploads(request: AuthenticatedRequest, about: Any, problems: list[str], what: str) -> None:
    """Every file of the request in the audit log, accepted or refused with why (SECURITY.md)."""
    for upload in request.FILES.values():
        record_upload(
            request.user,
            about,
            file_facts(upload),
            accepted=not problems,
            reason="；".join(problems) if problems else what,
        )


MOVES: dict[str, str] = {
    PlanAction.SUBMIT: "plans.plan.submit",
    PlanAction.RETURN: "plans.plan.return",
    PlanAction.APPROVE: "plans.plan.approve",
}


@permission_required("plans.read")
@require_POST
def plan_move(request: AuthenticatedRequest, plan_pk: int, plan_action: str) -> HttpResponse:
    """Submit, return (with a comment) or approve a version."""
    if plan_action not in MOVES:
        raise Http404
    if not may(request.user, MOVES[plan_action]):
        raise PermissionDenied
    scope = "change" if plan_action == PlanAction.SUBMIT else REVIEW
    plan = get_restricted(Plan.objects.select_related("base"), request.user, scope, pk=plan_pk)
    try:
        if plan_action == PlanAction.SUBMIT:
            services.submit_plan(plan, actor=request.user)
            messages.success(request, gettext("已报送审核单位。"))
        elif plan_action == PlanAction.RETURN:
            form = ReturnForm(request.POST)
            if not form.is_valid():
                messages.error(request, gettext("退回须写明意见。"))
                return redirect("plans:plan_detail", plan_pk=plan.pk)
            services.return_plan(plan, actor=request.user, comment=form.cleaned_data["comment"])
            messages.success(request, gettext("已退回基地修改。"))
        else:
            services.approve_plan(plan, actor=request.user, comment=request.POST.get("comment", ""))
            messages.success(request, gettext("已批准，本版本现行有效。"))
    except services.PlanError as exc:
        messages.error(request, exc.message)
    return redirect("plans:plan_detail", plan_pk=plan.pk)


# ---------------------------------------------------------------- progress


def _evidence_form_page(
    request: AuthenticatedRequest,
    plan: Plan,
    form: forms.Form,
    save: Callable[[dict[str, Any]], object],
    *,
    what: str,
    saved: str,
    heading: str,
) -> HttpResponse:
    """A progress form with an evidence file: save it through `save`, record the upload as accepted or
    refused (with why), and send the base back to its plans."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except services.PlanError as exc:
            messages.error(request, exc.message)
            _record_uploads(request, plan, [str(exc.message)], what)
        else:
            _record_uploads(request, plan, [], what)
            messages.success(request, saved)
            return redirect("plans:base_plans", code=plan.base.code)
    if request.method == "POST" and form.errors:
        _record_uploads(request, plan, _form_problems(form), what)
    return render(
        request, "plans/form.html", {"form": form, "plan": plan, "heading": heading, "multipart": True}
    )


@permission_required("plans.progress.report")
def task_progress(request: AuthenticatedRequest, task_pk: int) -> HttpResponse:
    task = get_restricted(Task.objects.select_related("plan", "plan__base"), request.user, pk=task_pk)
    plan = task.plan
    if not may(request.user, "plans.progress.report", plan):
        messages.error(request, gettext("只能在现行（已批准）方案上填报进展。"))
        return redirect("plans:base_plans", code=plan.base.code)
    return _evidence_form_page(
        request,
        plan,
        ProgressForm(request.POST or None, request.FILES or None, plan=plan),
        lambda data: services.report_progress(
            task,
            data["period"],
            actor=request.user,
            status=data["status"],
            percent=data["percent"],
            done=data["done"],
            evidence=data["evidence"],
        ),
        what="任务进展佐证材料",
        saved=gettext("已保存任务进展。"),
        heading=task.title,
    )


@permission_required("plans.progress.report")
def goal_result(request: AuthenticatedRequest, goal_pk: int) -> HttpResponse:
    goal = get_restricted(Goal.objects.select_related("plan", "plan__base"), request.user, pk=goal_pk)
    plan = goal.plan
    if not may(request.user, "plans.progress.report", plan) or goal.is_linked:
        messages.error(request, gettext("该目标的实际值不由基地手工填报。"))
        return redirect("plans:base_plans", code=plan.base.code)
    return _evidence_form_page(
        request,
        plan,
        GoalResultForm(request.POST or None, request.FILES or None, plan=plan),
        lambda data: services.report_goal_result(
            goal,
            data["year"],
            actor=request.user,
            value=data["value"],
            note=data["note"],
            evidence=data["evidence"],
        ),
        what="目标完成佐证材料",
        saved=gettext("已保存目标完成情况。"),
        heading=goal.name,
    )


@permission_required("plans.read")
def attachment_download(request: AuthenticatedRequest, attachment_pk: int) -> FileResponse:
    """Always a download (never shown inline), under the cleaned original name."""
    attachment = get_restricted(Attachment.objects.all(), request.user, pk=attachment_pk)
    name = clean_file_name(attachment.original_name)
    kind = KIND_OF_TYPE.get(attachment.content_type)
    if kind and not any(name.lower().endswith(ext) for ext in kind.extensions):
        name += kind.extensions[0]
    record_export(
        request.user,
        attachment._meta.label,
        str(attachment)[:200],
        filename=name,
        object_id=str(attachment.pk),
    )
    return FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=name, content_type=attachment.content_type
    )


# ---------------------------------------------------------------- review


@permission_required("plans.staff.check")
def review_queue(request: AuthenticatedRequest) -> HttpResponse:
    """What waits for a reviewer: submitted plan versions, and bases whose roster does not match the
    reported number of full-time staff."""
    plans = (
        Plan.objects.restrict(request.user, REVIEW)
        .filter(state=PlanState.SUBMITTED)
        .select_related("base")
        .order_by("submitted_at")
    )
    # Bases that keep a roster (a base without one yet is not compared)
    bases = Base.objects.restrict(request.user).filter(
        pk__in=StaffMember.objects.restrict(request.user, REVIEW).values("base_id")
    )
    checks = [c for c in selectors.staff_checks(bases) if c.mismatch]
    return render(request, "plans/review_queue.html", {"plans": plans, "checks": checks})


# ---------------------------------------------------------------- organisation


@permission_required("plans.read")
def organisation(request: AuthenticatedRequest, code: str) -> HttpResponse:
    base = _base_for(request, code)
    user = request.user
    staff = StaffMember.objects.restrict(user).filter(base=base)
    context = {
        "base": base,
        "organisation": Organisation.objects.restrict(user).filter(base=base).first(),
        "mechanisms": Mechanism.objects.restrict(user)
        .filter(base=base)
        .prefetch_related(Prefetch("meetings")),
        "current_staff": [m for m in staff if m.until is None],
        "former_staff": [m for m in staff if m.until is not None],
        "changes": StaffChange.objects.restrict(user)
        .filter(staff__base=base)
        .select_related("staff", "actor")[:30],
        "check": selectors.staff_check(base),
        "may_edit": may(user, "plans.organisation.edit", base),
        "reviewer": may(user, "plans.staff.check"),
    }
    return render(request, "plans/organisation.html", context)


def _own_base(request: AuthenticatedRequest, code: str) -> Base:
    base = _base_for(request, code)
    if not may(request.user, "plans.organisation.edit", base):
        raise Http404
    return base


@permission_required("plans.organisation.edit")
def organisation_edit(request: AuthenticatedRequest, code: str) -> HttpResponse:
    base = _own_base(request, code)
    current = Organisation.objects.filter(base=base).first()
    form = OrganisationForm(request.POST or None, initial=OrganisationForm.initial_of(current))
    if request.method == "POST" and form.is_valid():
        services.save_organisation(base, actor=request.user, **form.cleaned_data)
        messages.success(request, gettext("已保存。"))
        return redirect("plans:organisation", code=base.code)
    return render(request, "plans/form.html", {"form": form, "base": base, "heading": gettext("管理机构")})


@permission_required("plans.organisation.edit")
def mechanism_edit(request: AuthenticatedRequest, code: str, mechanism_pk: int | None = None) -> HttpResponse:
    base = _own_base(request, code)
    mechanism = (
        get_restricted(Mechanism.objects.filter(base=base), request.user, pk=mechanism_pk)
        if mechanism_pk
        else None
    )
    form = MechanismForm(request.POST or None, initial=MechanismForm.initial_of(mechanism))
    if request.method == "POST" and form.is_valid():
        services.save_mechanism(base, actor=request.user, mechanism=mechanism, **form.cleaned_data)
        messages.success(request, gettext("已保存。"))
        return redirect("plans:organisation", code=base.code)
    return render(request, "plans/form.html", {"form": form, "base": base, "heading": gettext("协调机制")})


@permission_required("plans.organisation.edit")
def meeting_add(request: AuthenticatedRequest, code: str, mechanism_pk: int) -> HttpResponse:
    base = _own_base(request, code)
    mechanism = get_restricted(Mechanism.objects.filter(base=base), request.user, pk=mechanism_pk)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.add_meeting(mechanism, actor=request.user, **form.cleaned_data)
        messages.success(request, gettext("已记录会议。"))
        return redirect("plans:organisation", code=base.code)
    return render(request, "plans/form.html", {"form": form, "base": base, "heading": mechanism.name})


@permission_required("plans.organisation.edit")
def staff_add(request: AuthenticatedRequest, code: str) -> HttpResponse:
    base = _own_base(request, code)
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.add_staff(base, actor=request.user, **form.cleaned_data)
        messages.success(request, gettext("已加入人员名册。"))
        return redirect("plans:organisation", code=base.code)
    return render(
        request, "plans/form.html", {"form": form, "base": base, "heading": gettext("新增专职工作人员")}
    )


@permission_required("plans.organisation.edit")
def staff_edit(request: AuthenticatedRequest, code: str, staff_pk: int) -> HttpResponse:
    base = _own_base(request, code)
    member = get_restricted(StaffMember.objects.filter(base=base), request.user, pk=staff_pk)
    initial = {f: getattr(member, f) for f in services.STAFF_FIELDS} | {"effective_on": timezone.localdate()}
    form = StaffChangeForm(request.POST or None, initial=initial)
    leave_form = StaffLeaveForm(initial={"until": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        effective_on = data.pop("effective_on")
        services.change_staff(member, actor=request.user, effective_on=effective_on, **data)
        messages.success(request, gettext("已保存。"))
        return redirect("plans:organisation", code=base.code)
    return render(
        request,
        "plans/staff_form.html",
        {"form": form, "leave_form": leave_form, "base": base, "member": member, "heading": member.name},
    )


@permission_required("plans.organisation.edit")
@require_POST
def staff_leave(request: AuthenticatedRequest, code: str, staff_pk: int) -> HttpResponse:
    base = _own_base(request, code)
    member = get_restricted(StaffMember.objects.filter(base=base), request.user, pk=staff_pk)
    form = StaffLeaveForm(request.POST)
    if form.is_valid():
        try:
            services.staff_leaves(member, actor=request.user, **form.cleaned_data)
        except services.PlanError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, gettext("%(name)s 已离岗，留在名册历史中。") % {"name": member.name})
    else:
        _error_messages(request, form)
    return redirect("plans:organisation", code=base.code)


# ---------------------------------------------------------------- Excel


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PENDING_KEY = "plans.excel.pending"


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _keep_pending(request: AuthenticatedRequest, payload: dict[str, Any]) -> str:
    token = secrets.token_urlsafe(16)
    pending = dict(request.session.get(PENDING_KEY, {}))
    pending[token] = payload
    request.session[PENDING_KEY] = dict(list(pending.items())[-3:])
    return token


def _take_pending(request: AuthenticatedRequest) -> dict[str, Any] | None:
    pending = dict(request.session.get(PENDING_KEY, {}))
    payload = pending.pop(request.POST.get("token", ""), None)
    request.session[PENDING_KEY] = pending
    return payload


def _uploaded(request: AuthenticatedRequest) -> tuple[bytes, str] | None:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        _error_messages(request, form)
        return None
    upload = form.cleaned_data["file"]
    if upload.size > settings.UPLOAD_MAX_BYTES:
        messages.error(
            request,
            gettext("文件过大（上限 %(mb)d MB）。") % {"mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
        )
        return None
    return upload.read(), PurePath((upload.name or "").replace("\\", "/")).name[:100] or "upload"


@permission_required("plans.read")
def goals_template(request: AuthenticatedRequest, plan_pk: int) -> HttpResponse:
    plan = _plan_for(request, plan_pk)
    return _xlsx(
        excel.goals_workbook(plan), f"{plan.base.code}-{plan.base.short_name}-建设目标-v{plan.version}.xlsx"
    )


@permission_required("plans.plan.edit")
def goals_upload(request: AuthenticatedRequest, plan_pk: int) -> HttpResponse:
    plan = _editable_plan(request, plan_pk)
    if isinstance(plan, HttpResponse):
        return plan
    context: dict[str, Any] = {
        "plan": plan,
        "base": plan.base,
        "form": UploadForm(),
        "limits": limits_note(),
        "kind": "goals",
    }
    if request.method == "POST" and (uploaded := _uploaded(request)):
        check = excel.check_goals(plan, *uploaded)
        if check.ok:
            context.update({"check": check, "token": _keep_pending(request, check.pending())})
            return render(request, "plans/excel_preview.html", context)
        context.update({"errors": check.errors, "source": check.source})
    return render(request, "plans/excel_upload.html", context)


@permission_required("plans.plan.edit")
@require_POST
def goals_confirm(request: AuthenticatedRequest, plan_pk: int) -> HttpResponse:
    plan = _editable_plan(request, plan_pk)
    if isinstance(plan, HttpResponse):
        return plan
    payload = _take_pending(request)
    if payload is None or payload.get("plan") != plan.pk:
        messages.error(request, gettext("这份导入预览已失效（可能已经保存过，或已过期），请重新上传文件。"))
        return redirect("plans:goals_upload", plan_pk=plan.pk)
    try:
        saved = excel.save_goals(excel.recheck_goals(plan, payload), actor=request.user)
    except services.PlanError as exc:
        messages.error(request, gettext("未保存任何数据：%(reason)s") % {"reason": exc.message})
        return redirect("plans:goals_upload", plan_pk=plan.pk)
    messages.success(request, gettext("已保存 %(n)d 项目标。") % {"n": saved})
    return redirect("plans:plan_detail", plan_pk=plan.pk)


@permission_required("plans.read")
def staff_template(request: AuthenticatedRequest, code: str) -> HttpResponse:
    base = _base_for(request, code)
    return _xlsx(excel.staff_workbook(base), f"{base.code}-{base.short_name}-专职工作人员名册.xlsx")


@permission_required("plans.organisation.edit")
def staff_upload(request: AuthenticatedRequest, code: str) -> HttpResponse:
    base = _own_base(request, code)
    context: dict[str, Any] = {"base": base, "form": UploadForm(), "limits": limits_note(), "kind": "staff"}
    if request.method == "POST" and (uploaded := _uploaded(request)):
        check = excel.check_staff(base, *uploaded)
        if check.ok and not check.changes:
            messages.info(
                request, gettext("“%(file)s”与现有名册一致，没有需要保存的修改。") % {"file": check.source}
            )
            return redirect("plans:organisation", code=base.code)
        if check.ok:
            context.update({"check": check, "token": _keep_pending(request, check.pending())})
            return render(request, "plans/excel_preview.html", context)
        context.update({"errors": check.errors, "source": check.source})
    return render(request, "plans/excel_upload.html", context)


@permission_required("plans.organisation.edit")
@require_POST
def staff_confirm(request: AuthenticatedRequest, code: str) -> HttpResponse:
    base = _own_base(request, code)
    payload = _take_pending(request)
    if payload is None or payload.get("base") != base.pk:
        messages.error(request, gettext("这份导入预览已失效（可能已经保存过，或已过期），请重新上传文件。"))
        return redirect("plans:staff_upload", code=base.code)
    saved = excel.save_staff(excel.recheck_staff(base, payload), actor=request.user)
    messages.success(request, gettext("已保存 %(n)d 人的名册变动。") % {"n": saved})
    return redirect("plans:organisation", code=base.code)
