"""Pages of operation monitoring: the report list (an authority's review queue), the report page with its
data, evidence and history tabs, and every action on a report.

Views are thin and ask the access policy in one order: a role that never may do what the page does gets a
403 before anything is looked up (`permission_required`), a report outside the user's scope is a 404
(`get_restricted`), and a refusal that depends on the report's state is a message. Writes go through
`services` and `evidence`, which re-check with `may` and raise `MonitoringError`s that become messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import CharField, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from shuangchuang.accounts.models import User
from shuangchuang.accounts.requests import AuthenticatedRequest
from shuangchuang.core.audit import file_facts, record_export, record_upload
from shuangchuang.core.audit_words import reason_words
from shuangchuang.core.fragments import rendered_rows
from shuangchuang.core.models import AuditEvent
from shuangchuang.core.policy import REVIEW, get_restricted, may, permission_required, require
from shuangchuang.registry.models import Direction

from . import services
from .audit_words import EVIDENCE_PREFIX, report_field_names
from .evidence import (
    CONFIRMATION_SECTION,
    TOO_LARGE,
    SizeLimitedUpload,
    add_evidence,
    download_name,
    section_label,
    withdraw_evidence,
)
from .exceptions import MonitoringError, StaleReport, ValidationFailed
from .forms import (
    EvidenceForm,
    Section,
    build_sections,
    posted_comments,
    posted_explanations,
    raw_values,
    shown_value,
    upload_sections,
)
from .models import (
    STATE_CHANGE_ACTIONS,
    TRANSITIONS,
    Action,
    Evidence,
    IndicatorVersion,
    Report,
    ReportingPeriod,
    ReportState,
    ValueType,
    state_changes,
)
from .services import BULK_ACTIONS, EXPLANATION_SUFFIX
from .summary_pdf import FontMissing, render_summary, report_checksum, short_code
from .validation import form_versions, plan_changes

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # django-stubs (a development package)

PAGE_SIZE = 50


# The report list and the review queue


def _default_state(user: User) -> str:
    """An authority opens its queue on what waits for it; the national office on what waits for approval."""
    if may(user, "monitoring.report.pass"):
        return ReportState.SUBMITTED
    if may(user, "monitoring.report.approve"):
        return ReportState.REVIEWED
    return ""


class ReportCounts(TypedDict):
    flag_count: int
    unexplained_count: int
    submission_count: int


def with_counts(reports: QuerySet[Report]) -> QuerySet[WithAnnotations[Report, ReportCounts]]:
    """Flag counts and the number of submissions (rounds: the first submission and every resubmission after
    a return or a reopening), annotated in the same query, never counted per row."""
    flagged = ~Q(values__flags=[])
    submissions = (
        state_changes()
        .filter(object_id=Cast(OuterRef("pk"), CharField()), action=f"monitoring.{Action.SUBMIT}")
        .order_by()
        .values("object_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return reports.annotate(
        flag_count=Count("values", filter=flagged),
        unexplained_count=Count("values", filter=flagged & Q(values__explanation="")),
        submission_count=Coalesce(Subquery(submissions, output_field=IntegerField()), Value(0)),
    )


def filter_reports(
    reports: QuerySet[Report], params: QueryDict, *, default_state: str = ""
) -> QuerySet[WithAnnotations[Report, ReportCounts]]:
    """The list's filters, over the reports with their counts (`with_counts`)."""
    counted = with_counts(reports)
    if period := params.get("period"):
        counted = counted.filter(period__code=period)
    state = params.get("state", default_state)
    if state in ReportState.values:
        counted = counted.filter(state=state)
    if direction := params.get("direction"):
        counted = counted.filter(base__direction__code=direction)
    match params.get("flags"):
        case "unexplained":
            counted = counted.filter(unexplained_count__gt=0)
        case "any":
            counted = counted.filter(flag_count__gt=0)
        case "none":
            counted = counted.filter(flag_count=0)
    late = Q(submitted_at__date__gt=F("period__due_on")) | Q(
        submitted_at__isnull=True, period__due_on__lt=timezone.localdate()
    )
    match params.get("late"):
        case "late":
            counted = counted.filter(late)
        case "on_time":
            counted = counted.exclude(late)
    return counted.order_by("-period__year", "-period__quarter", "period__kind", "base__code")


@permission_required("program.read")
def report_list(request: AuthenticatedRequest) -> HttpResponse:
    default_state = _default_state(request.user)
    reports = filter_reports(
        Report.objects.restrict(request.user).listed(), request.GET, default_state=default_state
    )
    # the page's reports as keys and versions; the rows come from the cache, the reports only for rows not
    # there (core.fragments)
    page = Paginator(reports.values_list(*ROW_VERSION), PAGE_SIZE).get_page(request.GET.get("page"))
    actions = bulk_actions(request.user)
    selectable = {state for (state, move) in TRANSITIONS for action, _, _ in actions if move == action}
    context = {
        "page": page,
        "rows": rendered_rows(
            "monitoring/_report_row.html",
            list(page.object_list),
            repr,
            load=_listed_reports,
            name="report",
            # whether a row has a check box is the reader's role's, the same for every reader of that role;
            # the day: a report not sent becomes late
            context={"bulk": bool(actions), "selectable": sorted(selectable), "today": timezone.localdate()},
        ),
        "total": page.paginator.count,
        "state": request.GET.get("state", default_state),
        "periods": ReportingPeriod.objects.restrict(request.user),
        "states": ReportState.choices,
        "directions": Direction.objects.restrict(request.user)
        .filter(kind=Direction.Kind.DIRECTION, bases__isnull=False)
        .distinct(),
        "bulk_actions": actions,
        "is_queue": bool(default_state) and "state" not in request.GET,
        "queue_title": gettext("待审核的报告")
        if may(request.user, "monitoring.report.pass")
        else gettext("待核准的报告"),
        "list_title": list_title(request.user),
    }
    template = (
        "monitoring/_report_rows.html" if request.headers.get("HX-Request") else "monitoring/report_list.html"
    )
    return render(request, template, context)


# What a row of the list shows changes with: the report (its state, times and counts: updated_at and the
# version every save raises), its base (name, direction, authority: registry.signals keeps base.updated_at)
# and its period's due date (its label follows its code)
ROW_VERSION = ("pk", "updated_at", "version", "base__updated_at", "period__code", "period__due_on")


def _listed_reports(items: list[tuple[object, ...]]) -> list[Report]:
    reports = with_counts(Report.objects.listed()).in_bulk([item[0] for item in items])
    return [reports[item[0]] for item in items]


def list_title(user: User) -> str:
    """Those who fill in reports (the bases, and their authorities and the national office filling in on
    their behalf) work on them; the others (joint-conference members, evaluators, auditors) only read."""
    if may(user, "monitoring.values.change"):
        return gettext("运行监测填报")
    return gettext("运行监测报告查阅")


BULK_DONE = {
    Action.PASS: _("已审核通过 %(n)d 份报告。"),
    Action.APPROVE: _("已核准 %(n)d 份报告。"),
    Action.LOCK: _("已锁定 %(n)d 份报告。"),
}
BULK_SKIPPED = {
    Action.PASS: _("未通过：%(report)s——%(reason)s"),
    Action.APPROVE: _("未核准：%(report)s——%(reason)s"),
    Action.LOCK: _("未锁定：%(report)s——%(reason)s"),
}


BULK_BUTTONS = {
    Action.PASS: (_("批量审核通过"), _("只通过勾选中已报送且无异常提示的报告")),
    Action.APPROVE: (_("批量核准"), _("核准勾选中已审核通过的报告")),
    Action.LOCK: (_("批量锁定"), _("锁定勾选中已核准的报告")),
}


def bulk_actions(user: User) -> list[tuple[str, str, str]]:
    """(action, button label, which reports it takes) for the reviewer's list: the moves of the state
    machine the user's role makes (the authority passes, the national office approves and locks)."""
    return [
        (action, str(BULK_BUTTONS[action][0]), str(BULK_BUTTONS[action][1]))
        for action in BULK_ACTIONS
        if may(user, f"monitoring.report.{action}")
    ]


@permission_required("program.read")
@require_POST
def bulk_action(request: AuthenticatedRequest) -> HttpResponse:
    """Make one move on every selected report the user may make it on; list the others with the reason."""
    action = request.POST.get("action", "")
    back = _safe_next(request, reverse("monitoring:report_list"))
    if action not in BULK_ACTIONS:
        raise PermissionDenied
    require(request.user, f"monitoring.report.{action}")
    ids = [int(i) for i in request.POST.getlist("report") if i.isdigit()]
    if not ids:
        messages.warning(request, gettext("请先勾选要办理的报告。"))
        return redirect(back)
    reports = list(
        Report.objects.restrict(request.user, REVIEW).listed().filter(pk__in=ids).order_by("base__code")
    )
    done, skipped = services.act_on_reports(reports, action, actor=request.user)
    if done:
        messages.success(request, BULK_DONE[Action(action)] % {"n": len(done)})
    for report, reason in skipped:
        messages.warning(request, BULK_SKIPPED[Action(action)] % {"report": report, "reason": reason})
    return redirect(back)


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


# The report page


STEPS = [
    (ReportState.DRAFT, _("基地填报")),
    (ReportState.SUBMITTED, _("审核单位审核")),
    (ReportState.REVIEWED, _("国家核准")),
    (ReportState.APPROVED, _("已核准")),
    (ReportState.LOCKED, _("已锁定")),
]
STEP_OF_STATE = {
    ReportState.DRAFT: 0,
    ReportState.RETURNED: 0,
    ReportState.SUBMITTED: 1,
    ReportState.REVIEWED: 2,
    ReportState.APPROVED: 3,
    ReportState.LOCKED: 4,
}


def _progress(report: Report) -> list[dict[str, Any]]:
    """The chain draft → submitted → reviewed → approved → locked, with the time each step was reached."""
    current = STEP_OF_STATE[ReportState(report.state)]
    reached = [report.last_submitted_at, report.reviewed_at, report.approved_at, report.locked_at]
    steps = []
    for index, (_state, label) in enumerate(STEPS):
        moment = reached[index - 1] if index else None
        steps.append(
            {
                "label": label,
                "active": index == current,
                "done": index < current,
                "at": moment if index <= current else None,
            }
        )
    return steps


def holder_name(report: Report) -> str:
    """Who holds the report now, naming the base or the authority where that helps."""
    if report.state in (ReportState.DRAFT, ReportState.RETURNED):
        return gettext("%(holder)s（%(name)s）") % {"holder": report.holder, "name": report.base.current_name}
    if report.state == ReportState.SUBMITTED:
        return gettext("%(holder)s（%(name)s）") % {"holder": report.holder, "name": report.base.authority}
    return str(report.holder)


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str
    kind: str  # value, state or evidence
    what: str
    old: str
    new: str
    reason: str


def report_history(report: Report, versions: dict[str, IndicatorVersion]) -> list[HistoryEntry]:
    """Every value change and every state change of the report, newest first: both are audit rows, each
    written once by the service that made the change, with the actor's name at the time."""
    states = dict(ReportState.choices)
    actions = dict(Action.choices)
    # The report's own history, read by whoever reads the report (its scope was checked); the audit log's own
    # scope (`AuditEvent.objects.restrict`) is the auditor's page of every event.
    events = AuditEvent.objects.filter(object_type=Report._meta.label, object_id=str(report.pk))
    entries = [
        HistoryEntry(
            at=event.at,
            who=event.actor_name or "—",
            kind="state",
            what=gettext("状态：%(action)s")
            % {"action": actions.get(event.action.removeprefix("monitoring."), event.action)},
            old=str(states.get(str(event.old_value), event.old_value)),
            new=str(states.get(str(event.new_value), event.new_value)),
            reason=reason_words(event.reason, action=event.action),
        )
        for event in events
        if event.field == "state" and event.action in STATE_CHANGE_ACTIONS
    ]
    position = {code: index for index, code in enumerate(versions)}  # values in the order of the form
    for event in events:
        if event.field == "state" and event.action in STATE_CHANGE_ACTIONS:
            continue
        for field, old, new in sorted(
            event.changes, key=lambda c: position.get(c[0].removesuffix(EXPLANATION_SUFFIX), len(position))
        ):
            code = field.removesuffix(EXPLANATION_SUFFIX)
            version = versions.get(code)
            kind = "evidence" if event.action.startswith("monitoring.evidence") else "value"
            if version is None and field.startswith(EVIDENCE_PREFIX):
                what = report_field_names({field})[field]
            elif version is None:
                what = field or event.action
            elif code != field:  # the explanation of a value: text, shown as it is
                what = gettext("%(name)s（%(code)s）的情况说明") % {"name": version.label, "code": code}
                version = None
            else:
                what = gettext("%(label)s（%(code)s）") % {"label": version.label, "code": field}
            entries.append(
                HistoryEntry(
                    at=event.at,
                    who=event.actor_name or "—",
                    kind=kind,
                    what=what,
                    old=_history_value(old, version),
                    new=_history_value(new, version),
                    reason=reason_words(event.reason, action=event.action),
                )
            )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def _history_value(value: Any, version: IndicatorVersion | None) -> str:
    if value is None or value == "":
        return gettext("（空）")
    if version is None or version.value_type == ValueType.TEXT:
        return str(value)
    try:
        return shown_value(Decimal(str(value)), version)
    except InvalidOperation:
        return str(value)


def _render_report(
    request: AuthenticatedRequest,
    report: Report,
    *,
    posted: QueryDict | None = None,
    errors: dict[str, str] | None = None,
    version: int | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    versions = form_versions(report.base, report.period)
    sections = build_sections(report, posted=posted, errors=errors, versions=versions)
    actions = services.allowed_actions(user, report)
    printable = may(user, "monitoring.report.print", report)
    checksum = report_checksum(report) if printable else ""
    confirmation_only = report.state not in (ReportState.DRAFT, ReportState.RETURNED)
    evidence = list(report.evidence.select_related("uploaded_by", "withdrawn_by"))
    evidence_sections = upload_sections(report, confirmation_only=confirmation_only, versions=versions)
    upload_action = "monitoring.evidence.confirm" if confirmation_only else "monitoring.evidence.upload"
    can_upload = may(user, upload_action, report)
    changes = services.changes_since_approval(report) if report.approved_snapshot and not printable else []
    tab = request.GET.get("tab", "data")
    if errors:
        tab = "data"
    context = {
        "report": report,
        "version": report.version if version is None else version,
        "sections": sections,
        "problems": _problem_list(sections, errors or {}),
        "entering": may(user, "monitoring.values.enter", report),
        "actions": actions,
        "can_comment": Action.RETURN in actions,
        "progress": _progress(report),
        "holder": holder_name(report),
        "changes": changes,
        "printable": printable,
        "checksum": checksum,
        "short_code": short_code(checksum) if checksum else "",
        "evidence": _group_evidence(evidence, evidence_sections),
        "withdrawable": _withdrawable(user, evidence),
        "upload_form": EvidenceForm(sections=evidence_sections) if can_upload else None,
        "confirmation_section": CONFIRMATION_SECTION,
        "confirmation_uploaded": any(
            e.section == CONFIRMATION_SECTION and e.withdrawn_at is None for e in evidence
        ),
        "history": report_history(report, versions),
        "tab": tab if tab in ("data", "evidence", "history") else "data",
        "posted": posted,
        "flag_count": sum(1 for s in sections for r in s.rows if r.flags),
    }
    return render(request, "monitoring/report_detail.html", context, status=status)


def _problem_list(sections: list[Section], errors: dict[str, str]) -> list[tuple[str, str]]:
    """Every problem in form order (code, message), for the summary above the form."""
    known = {row.code for s in sections for row in s.rows}
    ordered = [(row.code, errors[row.code]) for s in sections for row in s.rows if row.code in errors]
    return ordered + [(code, message) for code, message in errors.items() if code not in known]


def _group_evidence(evidence: list[Evidence], sections: list[str]) -> list[tuple[str, list[Evidence], int]]:
    """(section, its files, how many of them are not withdrawn) for every section with a form or a file."""
    grouped: dict[str, list[Evidence]] = {section: [] for section in sections}
    for item in evidence:
        grouped.setdefault(item.section, []).append(item)
    return [
        (section_label(section), items, sum(1 for item in items if item.withdrawn_at is None))
        for section, items in grouped.items()
    ]


def _withdrawable(user: User, evidence: list[Evidence]) -> set[int]:
    """The files this user may withdraw now."""
    return {e.pk for e in evidence if may(user, "monitoring.evidence.withdraw", e)}


def _report_for(request: AuthenticatedRequest, pk: int) -> Report:
    """The report, or 404 when it does not exist or lies outside the user's scope."""
    return get_restricted(Report.objects.listed(), request.user, pk=pk)


def _posted_version(request: HttpRequest) -> int | None:
    text = request.POST.get("version", "")
    return int(text) if text.isdigit() else None


@permission_required("program.read")
def report_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _render_report(request, _report_for(request, pk))


@permission_required("monitoring.values.enter")
@require_POST
def report_save(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Save the draft (保存草稿) and, when asked, submit it (报送). What the user typed is kept on error."""
    report = _report_for(request, pk)
    version = _posted_version(request)
    submit = request.POST.get("action") == "submit"
    if not may(request.user, "monitoring.values.enter", report):  # the report left the base meanwhile
        messages.error(
            request,
            gettext("%(report)s 当前为“%(state)s”，数据不能修改。")
            % {"report": report, "state": report.get_state_display()},
        )
        return redirect("monitoring:report_detail", pk=report.pk)

    raw = raw_values(build_sections(report), request.POST)
    try:
        plan = services.save_values(
            report,
            raw,
            actor=request.user,
            explanations=posted_explanations(request.POST),
            expected_version=version,
        )
    except ValidationFailed as exc:
        messages.error(
            request, gettext("未保存：有 %(n)d 处需要修改，见各项旁的提示。") % {"n": len(exc.errors)}
        )
        return _render_report(request, report, posted=request.POST, errors=exc.errors, version=version)
    except MonitoringError as exc:
        messages.error(request, str(exc))
        return _render_report(request, report, posted=request.POST, version=version)

    saved = bool(plan.changes)
    if not submit:
        if saved:
            messages.success(request, gettext("草稿已保存（%(n)d 项有修改）。") % {"n": len(plan.changes)})
        else:
            messages.info(request, gettext("没有需要保存的修改。"))
        return redirect("monitoring:report_detail", pk=report.pk)

    try:
        services.transition(
            report, Action.SUBMIT, actor=request.user, expected_version=report.version if saved else version
        )
    except ValidationFailed as exc:
        report = _report_for(request, pk)
        text = (
            gettext("草稿已保存，但还不能报送：有 %(n)d 个问题需要处理，见各项旁的提示。")
            if saved
            else gettext("还不能报送：有 %(n)d 个问题需要处理，见各项旁的提示。")
        )
        messages.warning(request, text % {"n": len(exc.errors)})
        return _render_report(request, report, errors=exc.errors)
    except MonitoringError as exc:
        messages.error(request, str(exc))
        return redirect("monitoring:report_detail", pk=report.pk)
    messages.success(
        request, gettext("已报送，等待%(authority)s审核。") % {"authority": report.base.authority}
    )
    return redirect("monitoring:report_detail", pk=report.pk)


@permission_required("monitoring.values.enter")
@require_POST
def report_preview(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Derived values, flags and errors for what is typed so far, computed without saving (htmx). A report
    that left the base since the page was opened has nothing to preview (204: htmx leaves the page)."""
    report = _report_for(request, pk)
    if not may(request.user, "monitoring.values.enter", report):
        return HttpResponse(status=204)
    plan = plan_changes([(report, raw_values(build_sections(report), request.POST))])
    errors = {e.code: e.message for e in plan.errors}
    sections = build_sections(report, posted=request.POST, errors=errors, plan=plan)
    return render(
        request, "monitoring/_preview.html", {"sections": sections, "report": report, "entering": True}
    )


ACTION_DONE = {
    Action.SUBMIT: _("已报送，等待审核单位审核。"),
    Action.RETURN: _("已退回基地修改，退回原因和逐项意见基地可见。"),
    Action.PASS: _("已审核通过，报国家发展改革委核准。"),
    Action.APPROVE: _("已核准。基地可打印数据汇总表签字盖章后上传。"),
    Action.LOCK: _("已锁定，数据不再修改。"),
    Action.REOPEN: _("已重新开放，报告退回基地修改。"),
}


@permission_required("program.read")
@require_POST
def report_transition(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """审核通过, 退回, 核准, 锁定, 重新开放 (and 报送 without changes). What was typed is kept on error.
    A role that never makes the move is refused before the report is looked up."""
    action = request.POST.get("action", "")
    if action in Action.values:
        require(request.user, f"monitoring.report.{action}")
    report = _report_for(request, pk)
    version = _posted_version(request)
    if action not in Action.values:
        messages.error(request, gettext("未知的操作。"))
        return redirect("monitoring:report_detail", pk=report.pk)
    try:
        services.transition(
            report,
            action,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            expected_version=version,
            comments=posted_comments(request.POST) if action == Action.RETURN else None,
        )
    except ValidationFailed as exc:
        messages.warning(
            request, gettext("还不能报送：有 %(n)d 个问题需要处理，见各项旁的提示。") % {"n": len(exc.errors)}
        )
        return _render_report(request, report, errors=exc.errors)
    except StaleReport as exc:
        messages.error(request, str(exc))
        return redirect("monitoring:report_detail", pk=report.pk)
    except MonitoringError as exc:
        messages.error(request, str(exc))
        return _render_report(request, report, posted=request.POST)
    messages.success(request, ACTION_DONE[Action(action)])
    return redirect("monitoring:report_detail", pk=report.pk)


# Evidence files


@csrf_exempt  # only so that the size limit is installed before the body is read; csrf_protect follows
@permission_required("program.read")
@require_POST
def evidence_upload(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    if not (may(user, "monitoring.evidence.upload") or may(user, "monitoring.evidence.confirm")):
        raise PermissionDenied  # a role that never uploads: before the body is read
    limit = SizeLimitedUpload(request)
    request.upload_handlers.insert(0, limit)
    return _evidence_upload(request, pk, limit)


@csrf_protect
def _evidence_upload(request: AuthenticatedRequest, pk: int, limit: SizeLimitedUpload) -> HttpResponse:
    report = _report_for(request, pk)
    files = request.FILES  # reads the body (unless the CSRF check already did)
    if limit.exceeded:
        messages.error(request, str(TOO_LARGE))
        record_upload(request.user, report, limit.facts(), accepted=False, reason=str(TOO_LARGE))
        return redirect(reverse("monitoring:report_detail", args=[report.pk]) + "?tab=evidence")
    confirmation_only = report.state not in (ReportState.DRAFT, ReportState.RETURNED)
    form = EvidenceForm(
        request.POST, files, sections=upload_sections(report, confirmation_only=confirmation_only)
    )
    upload = files.get("file")
    facts = file_facts(upload) if upload is not None else None
    problems: list[str] = []
    if form.is_valid():
        try:
            evidence = add_evidence(
                report, form.cleaned_data["file"], section=form.cleaned_data["section"], actor=request.user
            )
        except MonitoringError as exc:
            problems.append(str(exc))
        else:
            messages.success(request, gettext("已上传“%(name)s”。") % {"name": evidence.original_name})
            if facts is not None:
                record_upload(request.user, report, facts, accepted=True, reason="佐证材料")
    else:
        problems = [str(error) for field_errors in form.errors.values() for error in field_errors]
    for problem in problems:
        messages.error(request, problem)
    if problems and facts is not None:
        record_upload(request.user, report, facts, accepted=False, reason="；".join(problems))
    return redirect(reverse("monitoring:report_detail", args=[report.pk]) + "?tab=evidence")


@permission_required("monitoring.evidence.withdraw")
@require_POST
def evidence_withdraw(request: AuthenticatedRequest, pk: int, evidence_pk: int) -> HttpResponse:
    report = _report_for(request, pk)
    evidence = get_restricted(Evidence.objects.filter(report=report), request.user, pk=evidence_pk)
    try:
        withdraw_evidence(evidence, actor=request.user)
    except MonitoringError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("已撤回“%(name)s”。") % {"name": evidence.original_name})
    return redirect(reverse("monitoring:report_detail", args=[report.pk]) + "?tab=evidence")


@permission_required("program.read")
def evidence_download(request: AuthenticatedRequest, pk: int, evidence_pk: int) -> FileResponse:
    """Always a download (never shown inline), with the original name RFC 5987-encoded. A withdrawn file
    is no longer offered (it stays stored, on record in the history)."""
    report = _report_for(request, pk)
    offered = Evidence.objects.filter(report=report, withdrawn_at__isnull=True)
    evidence = get_restricted(offered, request.user, pk=evidence_pk)
    record_export(
        request.user,
        "monitoring.Report",
        str(report),
        filename=evidence.original_name,
        object_id=str(report.pk),
    )
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=download_name(evidence),
        content_type=evidence.content_type,
    )


# The summary sheet


@permission_required("program.read")
def report_summary_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = _report_for(request, pk)
    if not may(request.user, "monitoring.report.print", report):
        messages.error(request, gettext("报告经国家核准后才能打印数据汇总表。"))
        return redirect("monitoring:report_detail", pk=report.pk)
    try:
        content = render_summary(report, printed_by=request.user)
    except FontMissing as exc:
        messages.error(request, str(exc))
        return redirect("monitoring:report_detail", pk=report.pk)
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"{report.base.code}-{report.period.code}-运行监测数据汇总表.pdf"
    record_export(request.user, "monitoring.Report", str(report), filename=filename, object_id=str(report.pk))
    response["Content-Disposition"] = content_disposition_header(False, filename) or ""
    return response
