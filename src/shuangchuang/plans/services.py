"""The only writers of plans and organisation records. Each service takes the acting user, checks the rule
with `may`, writes in one transaction and leaves an audit row.

Plan versions: `create_plan` (the first version) or `start_revision` (a copy of the one in force, with the
same goal and task keys) → `save_plan`, `save_goal`, `save_task`, `attach_document` while it is a draft or
returned → `submit_plan` → `return_plan` (with a comment) or `approve_plan` (the previous version in force
becomes superseded, in the same transaction).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from shuangchuang.accounts.models import User
from shuangchuang.core.audit import record
from shuangchuang.core.policy import may
from shuangchuang.monitoring.evidence import inspect_upload
from shuangchuang.monitoring.models import Indicator, ReportingPeriod
from shuangchuang.registry.models import Base

from .models import (
    TRANSITIONS,
    Attachment,
    Goal,
    GoalReport,
    GoalTarget,
    Mechanism,
    Meeting,
    Milestone,
    Organisation,
    Plan,
    PlanAction,
    PlanState,
    PlanTransition,
    StaffChange,
    StaffChangeKind,
    StaffMember,
    Task,
    TaskProgress,
)


class PlanError(Exception):
    """A refusal with a message for the user (translated when raised)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(PlanError):
    pass


def _require(user: User, action: str, obj: object, message: str | None = None) -> None:
    if not may(user, action, obj):
        raise NotAllowed(message or gettext("您不能进行此操作。"))


def _audit_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


def _apply(obj: Any, fields: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set the fields, returning {field: [old, new]} of those that changed."""
    changed: dict[str, list[Any]] = {}
    for name, value in fields.items():
        old = getattr(obj, name)
        if old != value:
            changed[name] = [_audit_value(old), _audit_value(value)]
            setattr(obj, name, value)
    return changed


def _record_save(actor: User, action: str, obj: Any, changed: dict[str, list[Any]], reason: str = "") -> None:
    if not changed:
        return
    record(
        actor,
        action,
        obj,
        old={k: v[0] for k, v in changed.items()},
        new={k: v[1] for k, v in changed.items()},
        reason=reason,
    )


# ---------------------------------------------------------------- attachments


def store_attachment(base: Base, upload: UploadedFile, *, actor: User) -> Attachment:
    """Check a file against the evidence allow-list and store it for the base; a `PlanError` naming why
    when it is refused (nothing is stored)."""
    inspection = inspect_upload(upload)
    if inspection.kind is None:
        raise PlanError(inspection.message)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment.objects.create(
        base=base,
        file=upload,
        original_name=inspection.name,
        content_type=inspection.kind.content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    record(
        actor,
        "plans.attachment",
        attachment,
        new=attachment.original_name,
        reason=f"上传{inspection.kind.label}（{attachment.size:,} 字节，SHA-256 {attachment.sha256[:12]}）",
    )
    return attachment


# ---------------------------------------------------------------- plan versions


@transaction.atomic
def create_plan(base: Base, *, actor: User, title: str, start_year: int, end_year: int, focus: str) -> Plan:
    """The base's first plan, as a draft."""
    _require(actor, "plans.plan.draft", base, gettext("已有正在编制或审核中的方案版本。"))
    if Plan.objects.filter(base=base).exists():
        raise PlanError(gettext("本基地已有建设方案，请在现行方案基础上修订。"))
    _check_years(start_year, end_year)
    plan = Plan.objects.create(
        base=base,
        version=1,
        title=title,
        start_year=start_year,
        end_year=end_year,
        focus=focus,
        created_by=actor,
    )
    record(actor, "plans.plan_create", plan, new={"title": title, "years": f"{start_year}-{end_year}"})
    return plan


def _check_years(start_year: int, end_year: int) -> None:
    if end_year < start_year or end_year - start_year > 9:
        raise PlanError(gettext("建设期的结束年度须不早于起始年度，且不超过十年。"))


@transaction.atomic
def start_revision(base: Base, *, actor: User, note: str = "") -> Plan:
    """A new draft version copied from the one in force (goals, targets, tasks, milestones, document), with
    the same keys; the version in force stays in force until the revision is approved."""
    _require(actor, "plans.plan.draft", base, gettext("已有正在编制或审核中的方案版本。"))
    current = Plan.objects.select_for_update().filter(base=base, state=PlanState.APPROVED).first()
    if current is None:
        raise PlanError(gettext("还没有已批准的方案，无需修订：请编辑正在编制的版本。"))
    latest = (
        Plan.objects.filter(base=base).order_by("-version").values_list("version", flat=True).first() or 0
    )
    plan = Plan.objects.create(
        base=base,
        version=latest + 1,
        title=current.title,
        start_year=current.start_year,
        end_year=current.end_year,
        focus=current.focus,
        revision_note=note,
        document=current.document,
        created_by=actor,
    )
    for goal in current.goals.prefetch_related("targets"):
        targets = list(goal.targets.all())
        goal.pk = None
        goal.plan = plan
        goal.save()
        GoalTarget.objects.bulk_create(GoalTarget(goal=goal, year=t.year, value=t.value) for t in targets)
    for task in current.tasks.prefetch_related("milestones"):
        milestones = list(task.milestones.all())
        task.pk = None
        task.plan = plan
        task.save()
        Milestone.objects.bulk_create(
            Milestone(task=task, title=m.title, due_on=m.due_on) for m in milestones
        )
    record(actor, "plans.plan_revise", plan, new={"from_version": current.version}, reason=note)
    return plan


def _editable(plan: Plan, actor: User) -> None:
    _require(
        actor,
        "plans.plan.edit",
        plan,
        gettext("方案 v%(version)d 当前为“%(state)s”，不能修改。")
        % {"version": plan.version, "state": plan.get_state_display()},
    )


@transaction.atomic
def save_plan(plan: Plan, *, actor: User, **fields: Any) -> Plan:
    """Change the title, the years, the focus or the revision note of a draft or returned version."""
    _editable(plan, actor)
    allowed = {"title", "start_year", "end_year", "focus", "revision_note"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    changed = _apply(plan, fields)
    _check_years(plan.start_year, plan.end_year)
    if changed:
        plan.save()
        GoalTarget.objects.filter(goal__plan=plan).exclude(
            year__range=(plan.start_year, plan.end_year)
        ).delete()
    _record_save(actor, "plans.plan_change", plan, changed)
    return plan


@dataclass
class GoalData:
    name: str
    baseline: Decimal
    targets: dict[int, Decimal]
    indicator: Indicator | None = None
    unit: str = ""
    trend: str = "increase"
    note: str = ""
    order: int = 0


@transaction.atomic
def save_goal(plan: Plan, data: GoalData, *, actor: User, goal: Goal | None = None) -> Goal:
    """Add a goal to a draft or returned version, or change one of it, with its yearly targets."""
    _editable(plan, actor)
    if goal is not None and goal.plan_id != plan.pk:
        raise PlanError(gettext("目标不属于此方案。"))
    outside = sorted(y for y in data.targets if not plan.start_year <= y <= plan.end_year)
    if outside:
        raise PlanError(
            gettext("目标年度 %(years)s 不在建设期 %(start)d–%(end)d 年内。")
            % {"years": "、".join(map(str, outside)), "start": plan.start_year, "end": plan.end_year}
        )
    if not data.targets:
        raise PlanError(gettext("请至少填写一个年度的目标值。"))
    unit = data.unit
    if data.indicator is not None and not unit:
        version = data.indicator.version_for(plan.end_year)
        unit = version.unit if version else ""
    fields = {
        "name": data.name,
        "baseline": data.baseline,
        "indicator": data.indicator,
        "unit": unit,
        "trend": data.trend,
        "note": data.note,
        "order": data.order,
    }
    if goal is None:
        goal = Goal.objects.create(plan=plan, **fields)
        changed = {k: [None, _audit_value(v)] for k, v in fields.items()}
    else:
        changed = _apply(goal, fields)
        goal.save()
    old_targets = {t.year: t.value for t in goal.targets.all()}
    if old_targets != data.targets:
        changed["targets"] = [
            {str(y): _audit_value(v) for y, v in sorted(old_targets.items())},
            {str(y): _audit_value(v) for y, v in sorted(data.targets.items())},
        ]
        goal.targets.all().delete()
        GoalTarget.objects.bulk_create(
            GoalTarget(goal=goal, year=y, value=v) for y, v in data.targets.items()
        )
    _record_save(actor, "plans.goal", goal, changed, reason=f"方案 v{plan.version}")
    return goal


@transaction.atomic
def delete_goal(goal: Goal, *, actor: User) -> None:
    _editable(goal.plan, actor)
    record(actor, "plans.goal_delete", goal, old=goal.name, reason=f"方案 v{goal.plan.version}")
    goal.delete()


@dataclass
class TaskData:
    title: str
    owner: str
    deadline: dt.date
    description: str = ""
    milestones: list[tuple[str, dt.date]] | None = None
    order: int = 0


@transaction.atomic
def save_task(plan: Plan, data: TaskData, *, actor: User, task: Task | None = None) -> Task:
    """Add a key task to a draft or returned version, or change one, with its milestones."""
    _editable(plan, actor)
    if task is not None and task.plan_id != plan.pk:
        raise PlanError(gettext("任务不属于此方案。"))
    fields = {
        "title": data.title,
        "owner": data.owner,
        "deadline": data.deadline,
        "description": data.description,
        "order": data.order,
    }
    if task is None:
        task = Task.objects.create(plan=plan, **fields)
        changed = {k: [None, _audit_value(v)] for k, v in fields.items()}
    else:
        changed = _apply(task, fields)
        task.save()
    if data.milestones is not None:
        old = [(m.title, m.due_on) for m in task.milestones.all()]
        new = sorted(data.milestones, key=lambda m: m[1])
        if old != new:
            changed["milestones"] = [[f"{t} {d}" for t, d in old], [f"{t} {d}" for t, d in new]]
            task.milestones.all().delete()
            Milestone.objects.bulk_create(Milestone(task=task, title=t, due_on=d) for t, d in new)
    _record_save(actor, "plans.task", task, changed, reason=f"方案 v{plan.version}")
    return task


@transaction.atomic
def delete_task(task: Task, *, actor: User) -> None:
    _editable(task.plan, actor)
    if task.progress.exists():
        raise PlanError(gettext("该任务已有进展记录，不能删除。"))
    record(actor, "plans.task_delete", task, old=task.title, reason=f"方案 v{task.plan.version}")
    task.delete()


@transaction.atomic
def attach_document(plan: Plan, upload: UploadedFile, *, actor: User) -> Attachment:
    """The plan document (PDF or Word) of a draft or returned version."""
    _editable(plan, actor)
    attachment = store_attachment(plan.base, upload, actor=actor)
    if attachment.content_type not in DOCUMENT_TYPES:
        raise PlanError(gettext("方案文件须为 PDF 或 Word（.docx）文档。"))
    old = plan.document
    plan.document = attachment
    plan.save(update_fields=["document", "updated_at"])
    record(
        actor, "plans.plan_change", plan, field="document", old=str(old) if old else None, new=str(attachment)
    )
    return attachment


DOCUMENT_TYPES = frozenset(
    {"application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
)


def _move(plan: Plan, action: str, *, actor: User, comment: str = "") -> Plan:
    """One move of the state machine, under a row lock, with its transition and audit rows."""
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if not may(actor, f"plans.plan.{action}", locked):
        raise NotAllowed(
            gettext("方案 v%(version)d 当前为“%(state)s”，不能%(action)s。")
            % {
                "version": locked.version,
                "state": locked.get_state_display(),
                "action": PlanAction(action).label,
            }
        )
    to_state = TRANSITIONS[(locked.state, action)][0]
    from_state = locked.state
    now = timezone.now()
    locked.state = to_state
    if action == PlanAction.SUBMIT:
        locked.submitted_at = now
    else:
        locked.decided_at, locked.decided_by = now, actor
        locked.review_comment = comment
    locked.save()
    PlanTransition.objects.create(
        plan=locked, action=action, from_state=from_state, to_state=to_state, actor=actor, comment=comment
    )
    record(actor, f"plans.plan_{action}", locked, field="state", old=from_state, new=to_state, reason=comment)
    return locked


@transaction.atomic
def discard_plan(plan: Plan, *, actor: User) -> None:
    """Delete a version the base drafted and never submitted; the version in force is untouched. The
    audit log keeps what was discarded."""
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    _require(
        actor,
        "plans.plan.discard",
        locked,
        gettext("只能放弃尚未报送过的草稿版本。"),
    )
    record(
        actor,
        "plans.plan_discard",
        locked,
        old={
            "title": locked.title,
            "goals": list(locked.goals.values_list("name", flat=True)),
            "tasks": list(locked.tasks.values_list("title", flat=True)),
        },
        reason=f"方案 v{locked.version}",
    )
    locked.delete()


@transaction.atomic
def submit_plan(plan: Plan, *, actor: User) -> Plan:
    if not plan.goals.exists():
        raise PlanError(gettext("方案至少须有一项建设目标才能报送。"))
    if not plan.tasks.exists():
        raise PlanError(gettext("方案至少须有一项重点任务才能报送。"))
    return _move(plan, PlanAction.SUBMIT, actor=actor)


@transaction.atomic
def return_plan(plan: Plan, *, actor: User, comment: str) -> Plan:
    if not comment.strip():
        raise PlanError(gettext("退回须写明意见。"))
    return _move(plan, PlanAction.RETURN, actor=actor, comment=comment.strip())


@transaction.atomic
def approve_plan(plan: Plan, *, actor: User, comment: str = "") -> Plan:
    """Approve a submitted version: it comes into force, and the version in force until now is superseded."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    previous = list(
        Plan.objects.select_for_update()
        .filter(base_id=plan.base_id, state=PlanState.APPROVED)
        .exclude(pk=plan.pk)
    )
    if not may(actor, "plans.plan.approve", plan):
        return _move(plan, PlanAction.APPROVE, actor=actor)  # refuses, with the message
    for old in previous:
        Plan.objects.filter(pk=old.pk).update(state=PlanState.SUPERSEDED, updated_at=timezone.now())
        record(
            actor,
            "plans.plan_supersede",
            old,
            field="state",
            old=PlanState.APPROVED,
            new=PlanState.SUPERSEDED,
            reason=f"v{plan.version}",
        )
    return _move(plan, PlanAction.APPROVE, actor=actor, comment=comment.strip())


# ---------------------------------------------------------------- progress


@transaction.atomic
def report_progress(
    task: Task,
    period: ReportingPeriod,
    *,
    actor: User,
    status: str,
    percent: int,
    done: str,
    evidence: UploadedFile | None = None,
) -> TaskProgress:
    """The base's progress on a task of its plan in force for one period (replaces what it said before
    for that period; the audit row keeps the old)."""
    _require(actor, "plans.progress.report", task.plan, gettext("只能在现行（已批准）方案上填报进展。"))
    if not 0 <= percent <= 100:
        raise PlanError(gettext("完成比例须在 0 到 100 之间。"))
    attachment = store_attachment(task.plan.base, evidence, actor=actor) if evidence else None
    progress = TaskProgress.objects.filter(task=task, period=period).first()
    fields: dict[str, Any] = {"status": status, "percent": percent, "done": done}
    if attachment is not None:
        fields["evidence"] = attachment
    if progress is None:
        progress = TaskProgress.objects.create(task=task, period=period, reported_by=actor, **fields)
        changed = {k: [None, _audit_value(v)] for k, v in fields.items()}
    else:
        changed = _apply(progress, fields)
        progress.reported_by = actor
        progress.save()
    _record_save(actor, "plans.progress", progress, changed)
    return progress


@transaction.atomic
def report_goal_result(
    goal: Goal,
    year: int,
    *,
    actor: User,
    value: Decimal,
    note: str = "",
    evidence: UploadedFile | None = None,
) -> GoalReport:
    """The actual value of a goal no indicator measures, for a year, with evidence."""
    _require(
        actor, "plans.progress.report", goal.plan, gettext("只能在现行（已批准）方案上填报目标完成情况。")
    )
    if goal.is_linked:
        raise PlanError(gettext("该目标对应监测指标，实际值取自已核准的监测数据，无需手工填报。"))
    if not goal.plan.start_year <= year <= goal.plan.end_year:
        raise PlanError(gettext("年度不在建设期内。"))
    if (
        evidence is None
        and not GoalReport.objects.filter(goal=goal, year=year, evidence__isnull=False).exists()
    ):
        raise PlanError(gettext("手工填报的目标完成情况须附佐证材料。"))
    attachment = store_attachment(goal.plan.base, evidence, actor=actor) if evidence else None
    result = GoalReport.objects.filter(goal=goal, year=year).first()
    fields: dict[str, Any] = {"value": value, "note": note}
    if attachment is not None:
        fields["evidence"] = attachment
    if result is None:
        result = GoalReport.objects.create(goal=goal, year=year, reported_by=actor, **fields)
        changed = {k: [None, _audit_value(v)] for k, v in fields.items()}
    else:
        changed = _apply(result, fields)
        result.reported_by = actor
        result.save()
    _record_save(actor, "plans.goal_result", result, changed)
    return result


# ---------------------------------------------------------------- organisation


@transaction.atomic
def save_organisation(base: Base, *, actor: User, **fields: Any) -> Organisation:
    _require(actor, "plans.organisation.edit", base)
    organisation = Organisation.objects.filter(base=base).first()
    if organisation is None:
        organisation = Organisation(base=base)
        changed = {k: [None, _audit_value(v)] for k, v in fields.items()}
        for name, value in fields.items():
            setattr(organisation, name, value)
    else:
        changed = _apply(organisation, fields)
    organisation.save()
    _record_save(actor, "plans.organisation", organisation, changed)
    return organisation


@transaction.atomic
def save_mechanism(
    base: Base, *, actor: User, mechanism: Mechanism | None = None, **fields: Any
) -> Mechanism:
    _require(actor, "plans.organisation.edit", base)
    if mechanism is not None and mechanism.base_id != base.pk:
        raise PlanError(gettext("协调机制不属于此基地。"))
    if mechanism is None:
        mechanism = Mechanism(base=base)
        changed = {k: [None, _audit_value(v)] for k, v in fields.items()}
        for name, value in fields.items():
            setattr(mechanism, name, value)
    else:
        changed = _apply(mechanism, fields)
    mechanism.save()
    _record_save(actor, "plans.mechanism", mechanism, changed)
    return mechanism


@transaction.atomic
def add_meeting(
    mechanism: Mechanism, *, actor: User, held_on: dt.date, title: str, decisions: str
) -> Meeting:
    _require(actor, "plans.organisation.edit", mechanism.base)
    meeting = Meeting.objects.create(mechanism=mechanism, held_on=held_on, title=title, decisions=decisions)
    record(actor, "plans.meeting", meeting, new={"held_on": held_on.isoformat(), "title": title})
    return meeting


STAFF_FIELDS = ("name", "role", "phone", "email", "since")


@transaction.atomic
def add_staff(
    base: Base,
    *,
    actor: User,
    name: str,
    role: str,
    since: dt.date,
    phone: str = "",
    email: str = "",
) -> StaffMember:
    _require(actor, "plans.organisation.edit", base)
    member = StaffMember.objects.create(
        base=base, name=name, role=role, since=since, phone=phone, email=email
    )
    values = {"name": name, "role": role, "since": since.isoformat()}
    StaffChange.objects.create(
        staff=member, kind=StaffChangeKind.JOINED, effective_on=since, changes=values, actor=actor
    )
    record(actor, "plans.staff_join", member, new=values)
    return member


@transaction.atomic
def change_staff(
    member: StaffMember, *, actor: User, effective_on: dt.date | None = None, **fields: Any
) -> StaffMember:
    _require(actor, "plans.organisation.edit", member.base)
    unknown = set(fields) - set(STAFF_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    changed = _apply(member, fields)
    if not changed:
        return member
    member.save()
    StaffChange.objects.create(
        staff=member,
        kind=StaffChangeKind.CHANGED,
        effective_on=effective_on or timezone.localdate(),
        changes=changed,
        actor=actor,
    )
    _record_save(actor, "plans.staff_change", member, changed)
    return member


@transaction.atomic
def staff_leaves(member: StaffMember, *, actor: User, until: dt.date, reason: str = "") -> StaffMember:
    _require(actor, "plans.organisation.edit", member.base)
    if member.until is not None:
        raise PlanError(gettext("%(name)s 已离岗。") % {"name": member.name})
    if until < member.since:
        raise PlanError(gettext("离岗日期不能早于到岗日期。"))
    member.until = until
    member.save(update_fields=["until", "updated_at"])
    StaffChange.objects.create(
        staff=member,
        kind=StaffChangeKind.LEFT,
        effective_on=until,
        changes={"until": until.isoformat(), "reason": reason},
        actor=actor,
    )
    record(actor, "plans.staff_leave", member, field="until", new=until.isoformat(), reason=reason)
    return member


def staff_rows(base: Base) -> Iterable[StaffMember]:
    return StaffMember.objects.filter(base=base, until__isnull=True)
