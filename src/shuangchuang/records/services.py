"""Every write to a base's work records: recording a support policy, raising and moving a problem, writing
and moving an experience. Each checks `may`, runs in a transaction and writes its audit row."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from shuangchuang.accounts.models import Role, User
from shuangchuang.core.audit import record
from shuangchuang.core.policy import VIEW, in_scope, may
from shuangchuang.monitoring.evidence import inspect_upload
from shuangchuang.registry.models import Base

from .models import (
    EXPERIENCE_TRANSITIONS,
    PROBLEM_TRANSITIONS,
    RESPONSE_DAYS,
    Experience,
    ExperienceAction,
    ExperienceBatch,
    Problem,
    ProblemAction,
    ProblemEvent,
    ProblemState,
    SupportPolicy,
)
from .search import refresh_search_vector


class RecordsError(Exception):
    """A refusal with the message the user sees (`str(error)`), in the user's language."""


class NotAllowed(RecordsError):
    pass


class StaleRecord(RecordsError):
    """Someone else moved the record since the user loaded it; nothing was changed."""


# Support policies

POLICY_FIELDS = ("title", "issuer", "document_number", "issued_on", "kind", "summary")


def _check_bases(actor: User, bases: Iterable[Base]) -> list[Base]:
    """The bases a policy may cover when this user records it: a base only itself, an authority its own."""
    bases = list(bases)
    if not bases:
        raise RecordsError(gettext("请至少选择一个覆盖的示范基地。"))
    for base in bases:
        if not in_scope(actor, VIEW, base):
            raise NotAllowed(gettext("“%(base)s”不在您的范围内。") % {"base": base})
        if actor.role == Role.OPERATOR and base.pk != actor.base_id:
            raise NotAllowed(gettext("基地只能登记本基地的政策。"))
    return bases


def _attach(policy: SupportPolicy, upload: UploadedFile) -> str:
    """Check a policy file against the evidence allow-list and attach it; the audit words for it."""
    inspection = inspect_upload(upload)
    if inspection.kind is None:
        raise RecordsError(inspection.message)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    policy.content_type = inspection.kind.content_type
    policy.original_name = inspection.name
    policy.size = upload.size or 0
    policy.sha256 = digest.hexdigest()
    policy.file.save(inspection.name, upload, save=False)
    return inspection.name


def record_policy(
    *, actor: User, bases: Iterable[Base], upload: UploadedFile | None = None, **fields: Any
) -> SupportPolicy:
    """Register a support policy for the bases it covers (those in the user's scope), with its file."""
    if not may(actor, "records.policy.record"):
        raise NotAllowed(gettext("您的角色不能登记支持政策。"))
    covered = _check_bases(actor, bases)
    policy = SupportPolicy(**{k: v for k, v in fields.items() if k in POLICY_FIELDS}, recorded_by=actor)
    if actor.role == Role.AUTHORITY:
        policy.recorded_by_authority_id = actor.authority_id
    elif actor.role == Role.OPERATOR:
        policy.recorded_by_base_id = actor.base_id
    with transaction.atomic():
        file_name = _attach(policy, upload) if upload is not None else ""
        policy.full_clean(exclude=["bases", "file"])
        policy.save()
        policy.bases.set(covered)
        record(
            actor,
            "records.policy",
            policy,
            new={
                "title": policy.title,
                "document_number": policy.document_number,
                "issued_on": policy.issued_on.isoformat() if policy.issued_on else "",
                "kind": policy.kind,
                "bases": [b.code for b in covered],
                "file": file_name,
            },
        )
    return policy


def update_policy(
    policy: SupportPolicy,
    *,
    actor: User,
    bases: Iterable[Base],
    upload: UploadedFile | None = None,
    **fields: Any,
) -> SupportPolicy:
    """Correct a recorded policy (its fields, the bases it covers, a new file); the audit row keeps what
    changed, old and new."""
    if not may(actor, "records.policy.change", policy):
        raise NotAllowed(gettext("只有登记单位可以修改这条政策。"))
    covered = _check_bases(actor, bases)
    before = {k: str(getattr(policy, k)) for k in POLICY_FIELDS}
    before_bases = sorted(policy.bases.values_list("code", flat=True))
    for name in POLICY_FIELDS:
        if name in fields:
            setattr(policy, name, fields[name])
    with transaction.atomic():
        file_name = _attach(policy, upload) if upload is not None else ""
        policy.full_clean(exclude=["bases", "file"])
        policy.save()
        policy.bases.set(covered)
        after = {k: str(getattr(policy, k)) for k in POLICY_FIELDS}
        old: dict[str, Any] = {k: v for k, v in before.items() if after[k] != v}
        new: dict[str, Any] = {k: after[k] for k in old}
        after_bases = sorted(b.code for b in covered)
        if after_bases != before_bases:
            old["bases"], new["bases"] = before_bases, after_bases
        if file_name:
            new["file"] = file_name
        record(actor, "records.policy_change", policy, old=old, new=new)
    return policy


def delete_policy(policy: SupportPolicy, *, actor: User, reason: str) -> None:
    """Take a policy off the register (recorded by mistake); the audit log keeps what it was."""
    if not may(actor, "records.policy.change", policy):
        raise NotAllowed(gettext("只有登记单位可以删除这条政策。"))
    if not reason.strip():
        raise RecordsError(gettext("请说明删除原因。"))
    with transaction.atomic():
        record(actor, "records.policy_delete", policy, old=str(policy), reason=reason.strip())
        policy.bases.clear()
        policy.delete()


# Problems


def _default_due(today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) + dt.timedelta(days=RESPONSE_DAYS)


def raise_problem(*, actor: User, base: Base, **fields: Any) -> Problem:
    """A base raises a problem; its authority holds it from now, with RESPONSE_DAYS to answer."""
    if not may(actor, "records.problem.raise") or actor.base_id != base.pk:
        raise NotAllowed(gettext("只有基地可以提出本基地的问题。"))
    allowed = ("category", "title", "description", "needs", "needed_from")
    problem = Problem(
        base=base, raised_by=actor, due_on=_default_due(), **{k: fields[k] for k in allowed if k in fields}
    )
    problem.full_clean()
    with transaction.atomic():
        problem.save()
        ProblemEvent.objects.create(
            problem=problem,
            action="",
            to_state=ProblemState.OPEN,
            text=problem.description,
            actor=actor,
            actor_organization=actor.organization,
        )
        record(
            actor,
            "records.problem.raise",
            problem,
            new={"title": problem.title, "category": problem.category},
        )
    return problem


ACTION_NEEDS_TEXT = {
    ProblemAction.RESOLVE: gettext_noop("请填写办理结果（做了什么，解决到什么程度）。"),
    ProblemAction.ESCALATE: gettext_noop("请说明上报国家的原因。"),
    ProblemAction.REFER: gettext_noop("请说明转办事项。"),
    ProblemAction.REOPEN: gettext_noop("请说明为什么问题没有解决。"),
    ProblemAction.REPLY: gettext_noop("请填写答复内容。"),
}


def act_on_problem(
    problem: Problem,
    action: str,
    *,
    actor: User,
    text: str = "",
    due_on: dt.date | None = None,
    referred_to: str = "",
    expected_version: int | None = None,
) -> Problem:
    """Move a problem through `PROBLEM_TRANSITIONS` (or add a reply), with its history entry and audit row.
    A deadline passed on with the problem (受理, 上报, 转办, 重新办理) defaults to RESPONSE_DAYS from today."""
    if action not in ProblemAction.values:
        raise RecordsError(gettext("未知的操作。"))
    if not may(actor, f"records.problem.{action}", problem):
        raise NotAllowed(
            gettext("问题当前为“%(state)s”，您不能%(action)s。")
            % {"state": problem.get_state_display(), "action": ProblemAction(action).label}
        )
    text = text.strip()
    if action in ACTION_NEEDS_TEXT and not text:
        raise RecordsError(gettext(ACTION_NEEDS_TEXT[ProblemAction(action)]))
    today = timezone.localdate()
    if due_on is not None and due_on < today:
        raise RecordsError(gettext("办理期限不能早于今天。"))
    from_state = problem.state
    changes: dict[str, Any] = {}
    if action != ProblemAction.REPLY:
        to_state = PROBLEM_TRANSITIONS[(problem.state, action)][0]
        if action == ProblemAction.REOPEN:
            to_state = problem.reopened_state
        changes["state"] = to_state
        now = timezone.now()
        if action == ProblemAction.ESCALATE:
            changes["escalated_at"] = now
        if action == ProblemAction.REFER:
            if not referred_to.strip():
                raise RecordsError(gettext("请选择转办的联席会议成员单位。"))
            if referred_to not in member_departments():
                raise RecordsError(gettext("“%(name)s”不是联席会议成员单位。") % {"name": referred_to})
            changes["referred_to"] = referred_to.strip()
        if action == ProblemAction.RESOLVE:
            changes["resolution"] = text
            changes["resolved_at"] = now
        if action == ProblemAction.CONFIRM:
            changes["closed_at"] = now
        if action in (ProblemAction.START, ProblemAction.ESCALATE, ProblemAction.REFER, ProblemAction.REOPEN):
            changes["due_on"] = due_on or _default_due(today)
    with transaction.atomic():
        updated = Problem.objects.filter(
            pk=problem.pk, version=problem.version if expected_version is None else expected_version
        ).update(version=F("version") + 1, **changes)
        if not updated:
            raise StaleRecord(gettext("问题已被他人处理，请查看最新情况后再操作。"))
        ProblemEvent.objects.create(
            problem=problem,
            action=action,
            from_state=from_state,
            to_state=changes.get("state", from_state),
            text=text,
            actor=actor,
            actor_organization=actor.organization,
        )
        problem.refresh_from_db()
        record(
            actor,
            f"records.problem.{action}",
            problem,
            field="state" if "state" in changes else "",
            old=from_state if "state" in changes else None,
            new=problem.state if "state" in changes else None,
            reason=text[:500],
        )
    return problem


def member_departments() -> list[str]:
    """The joint-conference member departments a problem can be passed to: the organisations of active
    member accounts."""
    return list(
        User.objects.filter(role=Role.JOINT_MEMBER, is_active=True)
        .exclude(organization="")
        .order_by("organization")
        .values_list("organization", flat=True)
        .distinct()
    )


# Experiences

EXPERIENCE_FIELDS = (
    "title",
    "problem_solved",
    "actions",
    "results",
    "policy_basis",
    "contact",
    "theme",
    "keywords",
)


def save_experience(
    *, actor: User, base: Base, experience: Experience | None = None, **fields: str
) -> Experience:
    """Write or correct a base's draft write-up; its search words are rebuilt with it."""
    if experience is None:
        if not may(actor, "records.experience.write") or actor.base_id != base.pk:
            raise NotAllowed(gettext("只有基地可以撰写本基地的经验。"))
        experience = Experience(
            base=base, written_by=actor, direction_id=base.direction_id, base_kind=base.kind
        )
    elif not may(actor, "records.experience.edit", experience):
        raise NotAllowed(
            gettext("经验当前为“%(state)s”，不能修改。") % {"state": experience.get_state_display()}
        )
    before = {k: getattr(experience, k) for k in EXPERIENCE_FIELDS} if experience.pk else {}
    for name in EXPERIENCE_FIELDS:
        if name in fields:
            setattr(experience, name, fields[name])
    experience.full_clean()
    with transaction.atomic():
        experience.save()
        refresh_search_vector(Experience.objects.filter(pk=experience.pk))
        after = {k: getattr(experience, k) for k in EXPERIENCE_FIELDS}
        changed = {k: v for k, v in after.items() if before.get(k) != v}
        record(
            actor,
            "records.experience.save",
            experience,
            old={k: before.get(k) for k in changed} if before else None,
            new=changed,
        )
    return experience


def act_on_experience(
    experience: Experience,
    action: str,
    *,
    actor: User,
    comment: str = "",
    batch_number: int | None = None,
) -> Experience:
    """Move an experience through `EXPERIENCE_TRANSITIONS`: the base submits, its authority passes or
    returns it, the national office publishes it (in a numbered batch when given) or returns it."""
    if action not in ExperienceAction.values:
        raise RecordsError(gettext("未知的操作。"))
    if not may(actor, f"records.experience.{action}", experience):
        raise NotAllowed(
            gettext("经验当前为“%(state)s”，您不能%(action)s。")
            % {"state": experience.get_state_display(), "action": ExperienceAction(action).label}
        )
    comment = comment.strip()
    if action == ExperienceAction.RETURN and not comment:
        raise RecordsError(gettext("退回时请填写修改意见。"))
    from_state = experience.state
    to_state = EXPERIENCE_TRANSITIONS[(from_state, action)][0]
    with transaction.atomic():
        updated = Experience.objects.filter(pk=experience.pk, state=from_state).update(state=to_state)
        if not updated:
            raise StaleRecord(gettext("经验已被他人处理，请查看最新情况后再操作。"))
        experience.state = to_state
        fields = ["state"]
        if action == ExperienceAction.RETURN or comment:
            experience.review_comment = comment
            fields.append("review_comment")
        if action == ExperienceAction.PUBLISH:
            experience.published_at = timezone.now()
            experience.batch = _batch(batch_number) if batch_number else None
            fields += ["published_at", "batch"]
        if action == ExperienceAction.WITHDRAW:
            experience.published_at = None
            experience.batch = None
            fields += ["published_at", "batch"]
        Experience.objects.filter(pk=experience.pk).update(**{f: getattr(experience, f) for f in fields})
        record(
            actor,
            f"records.experience.{action}",
            experience,
            field="state",
            old=from_state,
            new=to_state,
            reason=comment[:500] or (f"第{batch_number}批" if batch_number else ""),
        )
    return experience


def _batch(number: int) -> ExperienceBatch:
    if number < 1:
        raise RecordsError(gettext("批次须为正整数。"))
    batch, _created = ExperienceBatch.objects.get_or_create(
        number=number, defaults={"published_on": timezone.localdate()}
    )
    return batch
