"""Every write of operation monitoring: values and the report's state machine.

Each public function owns its transaction and writes its audit rows inside it: core.AuditEvent is the one
record of every value and state change (a report's history tab reads it). Concurrency is optimistic: a
report's `version` goes up with every change, and an update that finds another version (someone acted
in between) changes nothing and raises `StaleReport`. That works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction
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
    why = save_reason(actor.role, source, reason)
    actor_name = audit_event(actor, "", reports[0]).actor_name if reports else ""
    to_create, to_update = [], []
    actor_id = actor.pk
    # One audit row per report and save, holding every changed value (code → old, code → new), as
    # django-auditlog keeps one entry per save: an authority workbook writes 212 rows, not 10,000.
    befores: dict[int, dict[str, Any]] = defaultdict(dict)
    afters: dict[int, dict[str, Any]] = defaultdict(dict)
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
        code = change.indicator.code
        befores[report_id][code], afters[report_id][code] = change.old, new
        key = code + EXPLANATION_SUFFIX  # the base's explanation of a flagged value is on record too
        befores[report_id][key], afters[report_id][key] = old_explanation, explanation
    audited = {report_id: value_changes(befores[report_id], after) for report_id, after in afters.items()}
    values_changed = sum(
        1 for _olds, news in audited.values() for key in news if not key.endswith(EXPLANATION_SUFFIX)
    )
    value_fields = ["indicator_version", "number", "text", "flags", "explanation", "updated_by", "updated_at"]
    insert_rows(ReportValue, ["report", "indicator", "review_comment", *value_fields], to_create)
    update_rows(ReportValue, value_fields, to_update)
    names = {r.id: str(r)[:200] for r in reports}
    head = [now, actor_id, actor_name, "monitoring.value", "monitoring.Report"]
    events = [
        [*head, str(report_id), names[report_id], "", olds, news, why]
        for report_id, (olds, news) in audited.items()
        if news
    ]
    # the audit rows join the hash chain one by one (core/chain.py), so they go through the model
    record_many(AuditEvent(**dict(zip(AUDIT_FIELDS, row, strict=True))) for row in events)
    return values_changed


AUDIT_FIELDS = [
    "at", "actor_id", "actor_name", "action", "object_type", "object_id", "object_repr", "field",
    "old_value", "new_value", "reason",
]  # fmt: skip


def save_reason(role: str, source: str = "form", reason: str = "") -> str:
    """The reason on a save's audit row: the user's own, or the way in, marked 代填 when a reviewer filled
    in for the base."""
    return (reason or {"form": "在线填报", "excel": "Excel 导入"}.get(source, source)) + (
        "（代填）" if role != Role.OPERATOR else ""
    )


def value_changes(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The audit row's (old, new) of a save: every changed value by code as stored (numbers as text), and
    every changed explanation under `<code>.explanation`. `new` holds values (Decimal or text) and
    explanations (`str` under the suffixed key)."""
    olds: dict[str, Any] = {}
    news: dict[str, Any] = {}
    for key, value in new.items():
        before = old.get(key)
        if key.endswith(EXPLANATION_SUFFIX):
            if (value or "") != (before or ""):
                olds[key], news[key] = before or None, value or None
        elif _as_json(before) != _as_json(value):
            olds[key], news[key] = _as_json(before), _as_json(value)
    return olds, news


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
    fields: dict[str, Any] = move_fields(
        report,
        action,
        timezone.now(),
        reason,
        snapshot=lambda: approved_snapshot(report.values.select_related("indicator")),
    )
    fields["version"] = F("version") + 1

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

    events.append(state_event(actor, report, action, from_state, fields["state"], reason))
    record_many(events)
    report.refresh_from_db()
    return report


def move_fields(
    report: Report, action: str, at: datetime, reason: str, *, snapshot: Callable[[], dict[str, str]]
) -> dict[str, Any]:
    """What one move of the state machine changes on a report (its state, the times, the reason the base
    sees, the approved snapshot), as of `at`: the one definition, which `transition` writes for a move made
    now and `write_history` for moves made before."""
    to_state = TRANSITIONS[(report.state, action)][0]
    fields: dict[str, Any] = {"state": to_state, "updated_at": at}
    if action == Action.SUBMIT:
        fields["last_submitted_at"] = at
        if report.submitted_at is None:
            fields["submitted_at"] = at
        fields["return_reason"] = ""
    elif action in (Action.RETURN, Action.REOPEN):
        fields["return_reason"] = reason
    elif action == Action.PASS:
        fields["reviewed_at"] = at
    elif action == Action.APPROVE:
        fields["approved_at"] = at
        fields["approved_snapshot"] = snapshot()
    elif action == Action.LOCK:
        fields["locked_at"] = at
    return fields


def approved_snapshot(values: Iterable[ReportValue]) -> dict[str, str]:
    """The values as approved (code → value as shown), for "changes since approval" after a reopening."""
    return {v.indicator.code: v.display_value for v in values}


def state_event(
    actor: User | None, report: Report, action: str, from_state: str, to_state: str, reason: str
) -> AuditEvent:
    """The one record of a state change: an audit row (`monitoring.<action>`, field `state`)."""
    return audit_event(
        actor, f"monitoring.{action}", report, field="state", old=from_state, new=to_state, reason=reason
    )


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


# History made elsewhere: the demo generator, or records carried over from before the platform


@dataclass
class Save:
    """A save of values, as `apply_plan` writes one: code → value (Decimal or text), and the explanation of
    a flagged value under `<code>.explanation`."""

    at: datetime
    actor: User | None
    actor_name: str
    values: dict[str, Any]
    reason: str = ""


@dataclass
class Move:
    """A move of the state machine, as `transition` makes one (`comments`: a return's notes on values)."""

    action: str
    at: datetime
    actor: User | None
    actor_name: str
    reason: str = ""
    comments: dict[str, str] | None = None


@dataclass
class History:
    """A report that does not exist yet, its values (each with its indicator, version and flags; their
    numbers and texts come from the saves) and what happened to it, oldest first."""

    report: Report
    values: list[ReportValue]
    steps: list[Save | Move]


@contextmanager
def _given_timestamps(*fields: models.DateTimeField) -> Iterator[None]:
    """Let bulk_create write the times the history gives instead of "now" (auto_now/auto_now_add)."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


@transaction.atomic
def write_history(histories: list[History]) -> int:
    """Write reports with a past: each save and each move made on the report in memory by the same
    definitions the pages' writes use (`value_changes`, `save_reason`, `move_fields`, `state_event`, the
    review comments of `transition`), at the history's own times, then everything in a few statements.
    Nobody acts now, so the policy is not asked; the state machine is (`InvalidTransition`). An actor
    without an account (history kept under a name) is `None` with its `actor_name`. Returns the number of
    audit rows written."""
    pending: list[tuple[History, Callable[[], AuditEvent], datetime]] = []
    for history in histories:
        report, values = history.report, history.values
        by_code = {v.indicator.code: v for v in values}
        current: dict[str, Any] = {}
        report.version = 0
        report.updated_at = report.updated_at or timezone.now()
        for step in history.steps:
            if isinstance(step, Save):
                olds, news = value_changes(current, step.values)
                current.update(step.values)
                for code, value in step.values.items():
                    if code.endswith(EXPLANATION_SUFFIX):
                        by_code[code.removesuffix(EXPLANATION_SUFFIX)].explanation = value or ""
                        continue
                    target = by_code[code]
                    target.number = value if isinstance(value, Decimal) else None
                    target.text = value if isinstance(value, str) else ""
                    target.updated_by, target.updated_at = step.actor, step.at
                report.version += 1
                report.updated_at = step.at
                reason = step.reason or save_reason(step.actor.role if step.actor else Role.OPERATOR, "form")
                pending.append(
                    (
                        history,
                        _history_event(step, "monitoring.value", report, old=olds, new=news, reason=reason),
                        step.at,
                    )
                )
                continue
            if (report.state, step.action) not in TRANSITIONS:
                raise InvalidTransition(f"{report}: {report.state} → {step.action}")
            from_state = report.state
            fields = move_fields(
                report,
                step.action,
                step.at,
                step.reason,
                snapshot=functools.partial(approved_snapshot, values),
            )
            for name, value in fields.items():
                setattr(report, name, value)
            report.version += 1
            if step.action == Action.RETURN and step.comments:
                for code, text in step.comments.items():
                    if text.strip() and code in by_code:
                        by_code[code].review_comment = text.strip()
                        pending.append(
                            (
                                history,
                                _history_event(
                                    step,
                                    "monitoring.comment",
                                    report,
                                    field=code,
                                    new=text.strip(),
                                    reason=step.reason,
                                ),
                                step.at,
                            )
                        )
            elif step.action == Action.PASS:
                for value in values:
                    value.review_comment = ""
            pending.append(
                (
                    history,
                    _history_event(
                        step,
                        f"monitoring.{step.action}",
                        report,
                        field="state",
                        old=from_state,
                        new=fields["state"],
                        reason=step.reason,
                    ),
                    step.at,
                ),
            )
    with _given_timestamps(
        Report._meta.get_field("updated_at"),  # type: ignore[arg-type]
        ReportValue._meta.get_field("updated_at"),  # type: ignore[arg-type]
        AuditEvent._meta.get_field("at"),  # type: ignore[arg-type]
    ):
        Report.objects.bulk_create([h.report for h in histories], batch_size=1000)
        for history in histories:
            for value in history.values:
                value.report = history.report
        ReportValue.objects.bulk_create([v for h in histories for v in h.values], batch_size=2000)
        events = []
        for _history, build, at in pending:
            event = build()
            event.at = at
            events.append(event)
        record_many(events)
    return len(events)


def _history_event(step: Save | Move, action: str, report: Report, **fields: Any) -> Callable[[], AuditEvent]:
    """The audit row of a step, built once the report has its primary key (as `audit_event` builds it)."""
    if isinstance(step, Move) and fields.get("field") == "state":

        def build() -> AuditEvent:
            event = state_event(
                step.actor, report, step.action, fields["old"], fields["new"], fields["reason"]
            )
            event.actor_name = (
                (step.actor_name or event.actor_name) if step.actor is None else event.actor_name
            )
            return event

        return build

    def build_other() -> AuditEvent:
        event = audit_event(step.actor, action, report, **fields)
        event.actor_name = (step.actor_name or event.actor_name) if step.actor is None else event.actor_name
        return event

    return build_other
