"""The pages of a base's work records: support policies, problems, experiences. Thin: each page checks
the role (403), looks the object up in the user's scope (404), asks the rule for the object's state (a
message), and calls the service, which checks again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from shuangchuang.accounts.models import Role
from shuangchuang.accounts.requests import AuthenticatedRequest
from shuangchuang.core.audit import file_facts, record_export, record_upload
from shuangchuang.core.policy import get_restricted, may, permission_required, reaches_everything, require
from shuangchuang.registry.models import Authority, Base

from . import services
from .forms import ExperienceForm, PolicyForm, ProblemForm
from .models import (
    OPEN_STATES,
    Experience,
    ExperienceAction,
    ExperienceBatch,
    ExperienceState,
    ExperienceTheme,
    Problem,
    ProblemAction,
    ProblemState,
    SupportPolicy,
)
from .policy import experience_moves, may_handle
from .selectors import overdue_by_authority, policy_checks, visible_experiences
from .services import RecordsError

PAGE_SIZE = 30


# Support policies


@permission_required("program.read")
def policy_list(request: AuthenticatedRequest) -> HttpResponse:
    """The register per base (`?base=`), per authority (`?authority=`) or nationally, in the user's scope."""
    user = request.user
    policies = SupportPolicy.objects.restrict(user).prefetch_related("bases")
    base = authority = None
    if code := request.GET.get("base"):
        base = get_restricted(Base.objects, user, code=code)
        policies = policies.filter(bases=base)
    if code := request.GET.get("authority"):
        authority = Authority.objects.filter(code=code).first()
        if authority is None:
            raise Http404
        policies = policies.filter(bases__authority=authority).distinct()
    if kind := request.GET.get("kind"):
        policies = policies.filter(kind=kind)
    page = Paginator(policies, PAGE_SIZE).get_page(request.GET.get("page"))
    by_authority = []
    if base is None and authority is None and reaches_everything(SupportPolicy, user):
        by_authority = list(
            policies.order_by()
            .values("bases__authority__code", "bases__authority__short_name")
            .annotate(n=Count("pk", distinct=True))
            .order_by("-n", "bases__authority__code")
        )
    context = {
        "page": page,
        "base": base,
        "authority": authority,
        "by_authority": by_authority,
        "total": page.paginator.count,
        "kinds": SupportPolicy._meta.get_field("kind").choices,
    }
    return render(request, "records/policy_list.html", context)


@permission_required("records.policy.record")
def policy_create(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    form = PolicyForm(request.POST if request.method == "POST" else None, request.FILES or None, user=user)
    if not request.POST and (code := request.GET.get("base")):
        form.fields["bases"].initial = list(form.base_choices.filter(code=code).values_list("pk", flat=True))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            policy = services.record_policy(actor=user, upload=data.pop("upload"), **data)
        except RecordsError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("已登记政策“%(title)s”。") % {"title": policy.title})
            for upload in request.FILES.values():
                record_upload(user, policy, file_facts(upload), accepted=True, reason="政策文件")
            return redirect(policy)
    if request.method == "POST" and form.errors:
        problems = "；".join(str(error) for errors in form.errors.values() for error in errors)
        for upload in request.FILES.values():
            about = ("records.SupportPolicy", "", str(form.data.get("title", ""))[:200])
            record_upload(user, about, file_facts(upload), accepted=False, reason=problems)
    return render(request, "records/policy_form.html", {"form": form})


@permission_required("program.read")
def policy_detail(request: AuthenticatedRequest, policy_id: int) -> HttpResponse:
    policy = get_restricted(
        SupportPolicy.objects.select_related("recorded_by_base", "recorded_by_authority"),
        request.user,
        pk=policy_id,
    )
    bases = policy.bases.restrict(request.user).select_related("province")
    return render(
        request,
        "records/policy_detail.html",
        {"policy": policy, "bases": bases, "may_change": may(request.user, "records.policy.change", policy)},
    )


@permission_required("records.policy.record")
def policy_edit(request: AuthenticatedRequest, policy_id: int) -> HttpResponse:
    user = request.user
    policy = get_restricted(SupportPolicy.objects, user, pk=policy_id)
    if not may(user, "records.policy.change", policy):
        messages.error(request, gettext("只有登记单位可以修改这条政策。"))
        return redirect(policy)
    form = PolicyForm(
        request.POST if request.method == "POST" else None, request.FILES or None, user=user, instance=policy
    )
    if request.method != "POST":
        form.fields["bases"].initial = list(policy.bases.values_list("pk", flat=True))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.update_policy(
                SupportPolicy.objects.get(pk=policy.pk), actor=user, upload=data.pop("upload"), **data
            )
        except RecordsError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("已保存。"))
            for upload in request.FILES.values():
                record_upload(user, policy, file_facts(upload), accepted=True, reason="政策文件")
            return redirect(policy)
    if request.method == "POST" and form.errors:
        problems = "；".join(str(error) for errors in form.errors.values() for error in errors)
        for upload in request.FILES.values():
            record_upload(user, policy, file_facts(upload), accepted=False, reason=problems)
    return render(request, "records/policy_form.html", {"form": form, "policy": policy})


@permission_required("program.read")
def policy_file(request: AuthenticatedRequest, policy_id: int) -> FileResponse:
    """Always a download, never shown inline, under the cleaned original name."""
    policy = get_restricted(SupportPolicy.objects.exclude(file=""), request.user, pk=policy_id)
    record_export(
        request.user,
        policy._meta.label,
        str(policy)[:200],
        filename=policy.original_name,
        object_id=str(policy.pk),
    )
    return FileResponse(
        policy.file.open("rb"),
        as_attachment=True,
        filename=policy.original_name,
        content_type=policy.content_type,
    )


@permission_required("records.policy.record")
@require_POST
def policy_delete(request: AuthenticatedRequest, policy_id: int) -> HttpResponse:
    policy = get_restricted(SupportPolicy.objects, request.user, pk=policy_id)
    try:
        services.delete_policy(policy, actor=request.user, reason=request.POST.get("reason", ""))
    except RecordsError as exc:
        messages.error(request, str(exc))
        return redirect(policy)
    messages.success(request, gettext("已删除该政策。"))
    return redirect("records:policy_list")


@permission_required("records.policy.check")
def policy_check(request: AuthenticatedRequest) -> HttpResponse:
    """The reported 出台支持政策数 of approved reports beside the register; mismatches first."""
    checks = policy_checks(request.user)
    shown = checks if request.GET.get("all") == "1" else [c for c in checks if c.mismatch]
    return render(
        request,
        "records/policy_check.html",
        {"checks": shown, "total": len(checks), "mismatches": sum(c.mismatch for c in checks)},
    )


# Problems


@permission_required("program.read")
def problem_list(request: AuthenticatedRequest) -> HttpResponse:
    """Problems in the user's scope; `?overdue=1` the overdue list (per authority for an authority, all
    of them nationally), `?state=` one state, `?open=1` those still being handled."""
    user = request.user
    today = timezone.localdate()
    problems = Problem.objects.restrict(user).listed()
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        problems = problems.overdue(today).order_by("due_on")
    elif request.GET.get("open") == "1":
        problems = problems.filter(state__in=OPEN_STATES).order_by("due_on")
    if (state := request.GET.get("state")) in ProblemState.values:
        problems = problems.filter(state=state)
    if code := request.GET.get("base"):
        problems = problems.filter(base__code=code)
    page = Paginator(problems, PAGE_SIZE).get_page(request.GET.get("page"))
    national = reaches_everything(Problem, user)
    context: dict[str, Any] = {
        "page": page,
        "today": today,
        "overdue": overdue,
        "states": ProblemState.choices,
        "by_authority": overdue_by_authority(user, today) if national and overdue else [],
    }
    return render(request, "records/problem_list.html", context)


@permission_required("records.problem.raise")
def problem_create(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if user.base is None:
        raise PermissionDenied
    form = ProblemForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            problem = services.raise_problem(actor=user, base=user.base, **form.cleaned_data)
        except RecordsError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("问题已提交，审核单位将在办理期限内答复。"))
            return redirect(problem)
    return render(request, "records/problem_form.html", {"form": form})


@permission_required("program.read")
def problem_detail(request: AuthenticatedRequest, problem_id: int) -> HttpResponse:
    problem = get_restricted(Problem.objects.listed(), request.user, pk=problem_id)
    moves = may_handle(request.user, problem)
    context = {
        "problem": problem,
        "events": problem.events.select_related("actor"),
        "moves": [(m, ProblemAction(m).label) for m in moves if m != ProblemAction.REPLY],
        "may_reply": ProblemAction.REPLY in moves,
        "may_refer": ProblemAction.REFER in moves,
        "departments": services.member_departments() if ProblemAction.REFER in moves else [],
        "overdue_days": problem.days_overdue(),
        "default_due": timezone.localdate() + dt.timedelta(days=30),
    }
    return render(request, "records/problem_detail.html", context)


@permission_required("program.read")
@require_POST
def problem_act(request: AuthenticatedRequest, problem_id: int) -> HttpResponse:
    """A move or a reply. A role that never makes the move is refused before the problem is looked up."""
    action = request.POST.get("action", "")
    if action in ProblemAction.values:
        require(request.user, f"records.problem.{action}")
    problem = get_restricted(Problem.objects, request.user, pk=problem_id)
    if action not in ProblemAction.values:
        messages.error(request, gettext("未知的操作。"))
        return redirect(problem)
    due_on = None
    if raw := request.POST.get("due_on", "").strip():
        try:
            due_on = dt.date.fromisoformat(raw)
        except ValueError:
            messages.error(request, gettext("办理期限“%(value)s”不是有效日期。") % {"value": raw})
            return redirect(problem)
    version = request.POST.get("version", "")
    try:
        services.act_on_problem(
            problem,
            action,
            actor=request.user,
            text=request.POST.get("text", ""),
            due_on=due_on,
            referred_to=request.POST.get("referred_to", ""),
            expected_version=int(version) if version.isdigit() else None,
        )
    except RecordsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("已%(action)s。") % {"action": ProblemAction(action).label})
    return redirect(problem)


# Experiences


@permission_required("records.experience.read")
def experience_list(request: AuthenticatedRequest) -> HttpResponse:
    """The library: published experiences for everyone, searched in Chinese; `?state=` shows a base's
    drafts and the reviewers' queue in the user's scope."""
    user = request.user
    query = request.GET.get("q", "").strip()
    state = request.GET.get("state", "")
    if state not in ExperienceState.values:
        state = ExperienceState.PUBLISHED
    raw_batch = request.GET.get("batch", "")
    found = visible_experiences(
        user,
        query,
        state,
        theme=request.GET.get("theme", ""),
        batch=int(raw_batch) if raw_batch.isdigit() else None,
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    queue_states = [
        (value, label)
        for value, label in ExperienceState.choices
        if value != ExperienceState.PUBLISHED
        and Experience.objects.restrict(user).filter(state=value).exists()
    ]
    context = {
        "page": page,
        "query": query,
        "state": state,
        "queue_states": queue_states,
        "themes": ExperienceTheme.choices,
        "batches": ExperienceBatch.objects.all(),
        "may_write": may(user, "records.experience.write"),
    }
    return render(request, "records/experience_list.html", context)


@permission_required("records.experience.write")
def experience_create(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if user.base is None:
        raise PermissionDenied
    form = ExperienceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            experience = services.save_experience(actor=user, base=user.base, **form.cleaned_data)
        except RecordsError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("已保存草稿；核对后请点击“报送”。"))
            return redirect(experience)
    return render(request, "records/experience_form.html", {"form": form})


@permission_required("records.experience.edit")
def experience_edit(request: AuthenticatedRequest, experience_id: int) -> HttpResponse:
    experience = get_restricted(Experience.objects, request.user, pk=experience_id)
    if not may(request.user, "records.experience.edit", experience):
        messages.error(request, gettext("只有草稿可以修改。"))
        return redirect(experience)
    form = ExperienceForm(request.POST if request.method == "POST" else None, instance=experience)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_experience(
                actor=request.user, base=experience.base, experience=experience, **form.cleaned_data
            )
        except RecordsError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("已保存。"))
            return redirect(experience)
    return render(request, "records/experience_form.html", {"form": form, "experience": experience})


@permission_required("records.experience.read")
def experience_detail(request: AuthenticatedRequest, experience_id: int) -> HttpResponse:
    experience = get_restricted(Experience.objects.listed(), request.user, pk=experience_id)
    moves = experience_moves(request.user, experience)
    context = {
        "experience": experience,
        "moves": [(m, ExperienceAction(m).label) for m in moves],
        "may_edit": may(request.user, "records.experience.edit", experience),
        "next_batch": ExperienceBatch.objects.order_by("-number").values_list("number", flat=True).first()
        or 1,
        "is_national": request.user.role == Role.NATIONAL_ADMIN,
    }
    return render(request, "records/experience_detail.html", context)


@permission_required("records.experience.read")
@require_POST
def experience_act(request: AuthenticatedRequest, experience_id: int) -> HttpResponse:
    action = request.POST.get("action", "")
    if action in ExperienceAction.values:
        require(request.user, f"records.experience.{action}")
    experience = get_restricted(Experience.objects, request.user, pk=experience_id)
    if action not in ExperienceAction.values:
        messages.error(request, gettext("未知的操作。"))
        return redirect(experience)
    raw_batch = request.POST.get("batch", "").strip()
    if raw_batch and not raw_batch.isdigit():
        messages.error(request, gettext("批次须为正整数。"))
        return redirect(experience)
    try:
        services.act_on_experience(
            experience,
            action,
            actor=request.user,
            comment=request.POST.get("comment", ""),
            batch_number=int(raw_batch) if raw_batch else None,
        )
    except RecordsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("已%(action)s。") % {"action": ExperienceAction(action).label})
    return redirect(experience)
