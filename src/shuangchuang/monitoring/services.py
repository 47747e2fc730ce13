"""Every write of operation monitoring: values and the report's state machine.

Each public function owns its transaction and writes its audit rows inside it (core.AuditEvent for every
value and state change, ReportTransition for the report's own history). Concurrency is optimistic: a
report's `version` goes up with every change, and an update that finds another version (someone acted
in between) changes nothing and raises `StaleReport`. That works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from shuangchuang.accounts.models import Role, User
from shuangchuang.core.audit import audit_event, record_many
from shuangchuang.core.bulk import insert_rows, update_rows
from shuangchuang.core.models import AuditEvent
from shuangchuang.core.policy import may

from .exceptions import InvalidTransition, NotAllowed, ReportLocked, StaleReport, ValidationFailed
from .models import (
    EDITABLE_STATES,
    TRANSITIONS,
    Action,
    Report,
    ReportTransition,
    ReportValue,
)
from .policy import changeable_reports
from .validation import Plan, Value, format_number, missing_required, plan_changes

# The audit key of a value's explanation (情况说明): the indicator's code with this suffix.
EXPLANATION_SUFFIX = ".explanation"


def _as_json(value: Value) -> Any:
    return format_number(value) if isinstance(value, Decimal) else value


@transaction.atomic
def apply_plan(
    plan: Plan,
    *,
    actor: User,
    reason: str = "",
    source: str = "form",
    expected_versions: dict[int, int] | None = None,
) -> int:
    """Write a validated plan. All of it or, on any problem, nothing. Returns the number of values changed.
    Every report must be one whose values the actor may change now (`monitoring.values.change`)."""
    expected_versions = expected_versions or {}
    reports = plan.reports
    involved = list({r.id: r for r in reports + [e.report for e in plan.errors]}.values())
    allowed = changeable_reports(actor, involved)
    for report in involved:
        if report.state not in EDITABLE_STATES:
            raise ReportLocked(report)
        if report.pk not in allowed:
            raise NotAllowed(gettext("您无权修改 %(report)s 的数据。") % {"report": report})
    if not plan.ok:
        raise ValidationFailed({e.code: e.message for e in plan.errors})
    _bump_versions(reports, expected_versions)

    existing = {
        (report_id, indicator_id): (pk, explanation)
        for pk, report_id, indicator_id, explanation in ReportValue.objects.filter(
            report__in=reports, indicator__in={c.indicator.id for c in plan.changes}
        ).values_list("pk", "report_id", "indicator_id", "explanation")
    }
    now = timezone.now()
    why = (reason or {"form": "在线填报", "excel": "Excel 导入"}.get(source, source)) + (
        "（代填）" if actor.role != Role.OPERATOR else ""
    )
    actor_name = audit_event(actor, "", reports[0]).actor_name if reports else ""
    to_create, to_update = [], []
    actor_id = actor.pk
    # One audit row per report and save, holding every changed value (code → old, code → new), as
    # django-auditlog keeps one entry per save: an authority workbook writes 212 rows, not 10,000.
    values_changed = 0
    olds: dict[int, dict[str, Any]] = defaultdict(dict)
    news: dict[int, dict[str, Any]] = defaultdict(dict)
    for change in plan.changes:
        report_id, indicator_id = change.report.id, change.indicator.id
        new = change.new
        number = new if isinstance(new, Decimal) else None
        text = new if isinstance(new, str) else ""
        pk, old_explanation = existing.get((report_id, indicator_id), (None, ""))
        explanation = old_explanation if change.explanation is None else change.explanation
        row = [change.version.id, number, text, change.flags, explanation, actor_id, now]
        if pk is None:
            to_create.append([report_id, indicator_id, "", *row])
        else:
            to_update.append([pk, *row])
        old_json, new_json = _as_json(change.old), _as_json(new)
        if old_json != new_json:
            olds[report_id][change.indicator.code] = old_json
            news[report_id][change.indicator.code] = new_json
            values_changed += 1
        if explanation != old_explanation:  # the base's explanation of a flagged value is on record too
            key = change.indicator.code + EXPLANATION_SUFFIX
            olds[report_id][key], news[report_id][key] = old_explanation or None, explanation or None
    value_fields = ["indicator_version", "number", "text", "flags", "explanation", "updated_by", "updated_at"]
    insert_rows(ReportValue, ["report", "indicator", "review_comment", *value_fields], to_create)
    update_rows(ReportValue, value_fields, to_update)
    names = {r.id: str(r)[:200] for r in reports}
    head = [now, actor_id, actor_name, "monitoring.value", "monitoring.Report"]
    events = [
        [*head, str(report_id), names[report_id], "", olds[report_id], changed, why]
        for report_id, changed in news.items()
    ]
    # the audit rows join the hash chain one by one (core/chain.py), so they go through the model
    record_many(AuditEvent(**dict(zip(AUDIT_FIELDS, row, strict=True))) for row in events)
    return values_changed


AUDIT_FIELDS = [
    "at", "actor_id", "actor_name", "action", "object_type", "object_id", "object_repr", "field",
    "old_value", "new_value", "reason",
]  # fmt: skip


def _bump_versions(reports: list[Report], expected_versions: dict[int, int]) -> None:
    """Raise every report's version in one statement, if and only if none changed since it was read."""
    if not reports:
        return
    expected = {r.pk: expected_versions.get(r.pk, r.version) for r in reports}
    by_version: dict[int, list[int]] = defaultdict(list)
    for pk, version in expected.items():
        by_version[version].append(pk)
    condition = Q()
    for version, pks in by_version.items():  # a few terms, not one per report
        condition |= Q(pk__in=pks, version=version)
    updated = Report.objects.filter(condition, state__in=EDITABLE_STATES).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if updated != len(reports):
        for fresh in Report.objects.filter(pk__in=expected).select_related("base", "period"):
            if fresh.state not in EDITABLE_STATES:
                raise ReportLocked(fresh)
            if fresh.version != expected[fresh.pk]:
                raise StaleReport(
                    gettext("%(report)s 在您打开之后已被修改，请刷新后重新填写。") % {"report": fresh}
                )
        raise StaleReport(gettext("数据在您打开之后已被修改，请刷新后重新填写。"))
    for report in reports:
        report.version = expected[report.pk] + 1


def save_values(
    report: Report,
    raw: dict[str, Any],
    *,
    actor: User,
    explanations: dict[str, str] | None = None,
    reason: str = "",
    expected_version: int | None = None,
    source: str = "form",
) -> Plan:
    """Validate and save one report's values (a draft save: completeness is checked at submission)."""
    if not may(actor, "monitoring.values.change", report):
        if report.state not in EDITABLE_STATES:
            raise ReportLocked(report)
        raise NotAllowed(gettext("您无权修改 %(report)s 的数据。") % {"report": report})
    plan = plan_changes(
        [(report, raw)], explanations={(report.pk, c): t.strip() for c, t in (explanations or {}).items()}
    )
    if not plan.ok:
        raise ValidationFailed({e.code: e.message for e in plan.errors})
    expected = {report.pk: report.version if expected_version is None else expected_version}
    apply_plan(plan, actor=actor, reason=reason, source=source, expected_versions=expected)
    return plan


@dataclass(frozen=True)
class SubmissionProblem:
    code: str
    message: str


def submission_problems(report: Report) -> list[SubmissionProblem]:
    """What stops a report from being submitted: missing required values, logic errors, unexplained flags."""
    plan = plan_changes([(report, {})])
    values = plan.values.get(report.pk, {})
    problems = [SubmissionProblem(e.code, e.message) for e in plan.errors]
    problems += [
        SubmissionProblem(v.indicator.code, gettext("%(name)s：必填，尚未填写") % {"name": v.label})
        for v in missing_required(report, values)
    ]
    # Derived values too: a ratio can jump while each of its inputs stays within bounds.
    for value in report.values.select_related("indicator", "indicator_version").exclude(flags=[]):
        if value.flags and not value.explanation.strip():
            problems.append(
                SubmissionProblem(
                    value.indicator.code,
                    gettext("%(name)s：数值异常，须填写情况说明") % {"name": value.indicator_version.label},
                )
            )
    return problems


def allowed_actions(actor: User, report: Report) -> list[str]:
    """The moves of the state machine this actor may make on this report now (to show the buttons);
    `transition` decides again when one is made."""
    return [
        action
        for (state, action) in TRANSITIONS
        if state == report.state and may(actor, f"monitoring.report.{action}", report)
    ]


@transaction.atomic
def transition(
    report: Report,
    action: str,
    *,
    actor: User,
    reason: str = "",
    expected_version: int | None = None,
    comments: dict[str, str] | None = None,
) -> Report:
    """Move a report along the state machine, or raise a domain error and change nothing."""
    if expected_version is not None and expected_version != report.version:
        # The page the user acted on is out of date: someone acted in between. Say that, not "not allowed".
        raise StaleReport(
            gettext("%(report)s 已被其他人处理（当前状态：%(state)s），您的操作未生效，请刷新后查看。")
            % {"report": report, "state": report.get_state_display()}
        )
    if (report.state, action) not in TRANSITIONS:
        raise InvalidTransition(
            gettext("%(report)s 当前为“%(state)s”，不能执行“%(action)s”。")
            % {"report": report, "state": report.get_state_display(), "action": Action(action).label}
        )
    if not may(actor, f"monitoring.report.{action}", report):
        raise NotAllowed(gettext("您的角色不能对 %(report)s 执行此操作。") % {"report": report})
    reason = reason.strip()
    if action in (Action.RETURN, Action.REOPEN) and not reason:
        raise InvalidTransition(gettext("退回或重新开放必须填写原因。"))
    if action == Action.SUBMIT and (problems := submission_problems(report)):
        raise ValidationFailed({p.code: p.message for p in problems})

    from_state = report.state
    to_state = TRANSITIONS[(from_state, action)][0]
    now = timezone.now()
    fields: dict[str, Any] = {"state": to_state, "version": F("version") + 1, "updated_at": now}
    if action == Action.SUBMIT:
        fields["last_submitted_at"] = now
        if report.submitted_at is None:
            fields["submitted_at"] = now
        fields["return_reason"] = ""
    elif action == Action.RETURN:
        fields["return_reason"] = reason
    elif action == Action.PASS:
        fields["reviewed_at"] = now
    elif action == Action.APPROVE:
        fields["approved_at"] = now
        fields["approved_snapshot"] = {
            v.indicator.code: v.display_value for v in report.values.select_related("indicator")
        }
    elif action == Action.LOCK:
        fields["locked_at"] = now
    elif action == Action.REOPEN:
        fields["return_reason"] = reason

    expected = report.version if expected_version is None else expected_version
    updated = Report.objects.filter(pk=report.pk, state=from_state, version=expected).update(**fields)
    if not updated:
        fresh = Report.objects.get(pk=report.pk)
        raise StaleReport(
            gettext("%(report)s 已被其他人处理（当前状态：%(state)s），您的操作未生效，请刷新后查看。")
            % {"report": report, "state": fresh.get_state_display()}
        )
    # Review comments are the reviewer's words beside the base's values (never the values themselves):
    # written with update() because the values are not editable in this state, and audited here.
    events = []
    if action == Action.RETURN and comments:
        for code, text in comments.items():
            if text.strip() and report.values.filter(indicator__code=code).update(
                review_comment=text.strip()
            ):
                events.append(
                    audit_event(
                        actor, "monitoring.comment", report, field=code, new=text.strip(), reason=reason
                    )
                )
    elif action == Action.PASS:
        report.values.exclude(review_comment="").update(review_comment="")

    ReportTransition.objects.create(
        report=report, action=action, from_state=from_state, to_state=to_state, actor=actor, reason=reason
    )
    events.append(
        audit_event(
            actor, f"monitoring.{action}", report, field="state", old=from_state, new=to_state, reason=reason
        )
    )
    record_many(events)
    report.refresh_from_db()
    return report


# The moves a reviewer may make on many reports at once; returning always needs a reason per report.
BULK_ACTIONS = (Action.PASS, Action.APPROVE, Action.LOCK)


def act_on_reports(
    reports: Iterable[Report], action: str, *, actor: User
) -> tuple[list[Report], list[tuple[Report, str]]]:
    """Make one move of the state machine on each report, each in its own transaction, and list those
    it was not made on with the reason. An authority passes only clean reports (no outlier flags: a
    flagged value needs its explanation read); the national office approves or locks any it holds."""
    if action not in BULK_ACTIONS:
        raise InvalidTransition(gettext("不能批量执行“%(action)s”。") % {"action": Action(action).label})
    done, skipped = [], []
    for report in reports:
        if (report.state, action) not in TRANSITIONS:
            skipped.append((report, gettext("当前为“%(state)s”") % {"state": report.get_state_display()}))
        elif action == Action.PASS and report.values.exclude(flags=[]).exists():
            skipped.append((report, gettext("有异常提示，需逐份审核")))
        else:
            try:
                done.append(transition(report, action, actor=actor))
            except (StaleReport, NotAllowed, InvalidTransition) as exc:
                skipped.append((report, str(exc)))
    return done, skipped


def changes_since_approval(report: Report) -> list[tuple[str, str, str, str]]:
    """(code, name, value at the last approval, value now) for every value that differs."""
    snapshot = report.approved_snapshot or {}
    if not snapshot:
        return []
    now = {v.indicator.code: v for v in report.values.select_related("indicator", "indicator_version")}
    rows = []
    for code in sorted(set(snapshot) | set(now)):
        value = now.get(code)
        current = value.display_value if value else ""
        if snapshot.get(code, "") != current:
            name = value.indicator_version.label if value else code
            rows.append((code, name, snapshot.get(code, ""), current))
    return rows
