"""The rules of plans and organisation records. Which records a user reaches is `models.BaseRecordQuerySet`
(view where the base is seen; change: the base's own operator; review: its authority and the national
office); here is what depends on role and state.

Each rule asked without an object answers whether the role could ever do it (what a view checks before it
looks anything up); asked with one, it checks state and scope, so that services can re-check with `may`.
"""

from __future__ import annotations

from shuangchuang.accounts.models import Role, User
from shuangchuang.accounts.policy import acts_as
from shuangchuang.core.policy import CHANGE, REVIEW, in_scope, may, rule
from shuangchuang.registry.models import Base

from .models import EDITABLE_STATES, TRANSITIONS, Plan, PlanState


def _is_base(user: User) -> bool:
    return user.role == Role.OPERATOR and bool(user.base_id)


def _is_reviewer(user: User) -> bool:
    return acts_as(user, Role.NATIONAL_ADMIN) or (user.role == Role.AUTHORITY and bool(user.authority_id))


def _own_base(user: User, base: Base) -> bool:
    return _is_base(user) and user.base_id == base.pk


@rule("plans.read")
def plans_read(user: User, obj: object = None) -> bool:
    """Reading plans and organisation records: every role that reads the program's data."""
    return may(user, "program.read")


@rule("plans.plan.draft")
def plan_draft(user: User, base: Base | None = None) -> bool:
    """A base drafts its plan, or starts a revision of the one in force, when no version is under work."""
    if base is None:
        return _is_base(user)
    if not _own_base(user, base):
        return False
    return not Plan.objects.filter(base=base).open().exists()


@rule("plans.plan.edit")
def plan_edit(user: User, plan: Plan | None = None) -> bool:
    """The base edits its draft (or returned) version: focus, goals, targets, tasks, the document."""
    if plan is None:
        return _is_base(user)
    return _is_base(user) and plan.state in EDITABLE_STATES and in_scope(user, CHANGE, plan)


def _transition_rule(action: str) -> None:
    actors = {who for (_state, move), (_to, who) in TRANSITIONS.items() if move == action}

    def decide(user: User, plan: Plan | None = None) -> bool:
        if plan is None:
            return ("base" in actors and _is_base(user)) or ("reviewer" in actors and _is_reviewer(user))
        move = TRANSITIONS.get((plan.state, action))
        if move is None:
            return False
        if move[1] == "base":
            return _is_base(user) and in_scope(user, CHANGE, plan)
        return _is_reviewer(user) and in_scope(user, REVIEW, plan)

    decide.__doc__ = f"plans.plan.{action}: {', '.join(sorted(actors))}, in the states of TRANSITIONS"
    rule(f"plans.plan.{action}")(decide)


for _action in ("submit", "return", "approve"):
    _transition_rule(_action)


@rule("plans.plan.discard")
def plan_discard(user: User, plan: Plan | None = None) -> bool:
    """The base discards a version it drafted and never submitted (a revision started by mistake)."""
    if plan is None:
        return _is_base(user)
    return _is_base(user) and plan.state == PlanState.DRAFT and in_scope(user, CHANGE, plan)


@rule("plans.progress.report")
def progress_report(user: User, plan: Plan | None = None) -> bool:
    """Progress on tasks and hand-reported goal results: the base, on its plan in force."""
    if plan is None:
        return _is_base(user)
    return _is_base(user) and plan.state == PlanState.APPROVED and in_scope(user, CHANGE, plan)


@rule("plans.organisation.edit")
def organisation_edit(user: User, base: Base | None = None) -> bool:
    """The management body, the coordination mechanism and the staff roster: the base's own operator."""
    if base is None:
        return _is_base(user)
    return _own_base(user, base)


@rule("plans.staff.check")
def staff_check(user: User, obj: object = None) -> bool:
    """The list of bases whose roster does not match the reported 专职工作人员数: their reviewers."""
    return _is_reviewer(user)
