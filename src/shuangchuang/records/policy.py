"""The rules of a base's work records: who records support policies, who moves a problem or an experience,
and when.

Which rows a user reaches is each model's `scope` (`models.py`); here is what depends on role and state.
A rule asked without an object answers whether the role could ever do it (what a view checks before it
looks anything up); asked with one, it checks the object's state and scope too, so that the services can
re-check with `may` whoever calls them. The moves come from the tables `PROBLEM_TRANSITIONS` and
`EXPERIENCE_TRANSITIONS`: `records.problem.<action>` and `records.experience.<action>`.
"""

from __future__ import annotations

from typing import Any

from shuangchuang.accounts.models import Role, User
from shuangchuang.accounts.policy import acts_as
from shuangchuang.core.policy import CHANGE, REVIEW, grant, in_scope, may, rule

from .models import (
    AUTHORITY,
    BASE,
    EXPERIENCE_TRANSITIONS,
    MEMBER,
    NATIONAL,
    OPEN_STATES,
    PROBLEM_TRANSITIONS,
    Experience,
    ExperienceAction,
    ExperienceState,
    Problem,
    ProblemAction,
    ProblemState,
    SupportPolicy,
)

# Who each holder of the tables is.
HOLDER_ROLES = {
    BASE: Role.OPERATOR,
    AUTHORITY: Role.AUTHORITY,
    NATIONAL: Role.NATIONAL_ADMIN,
    MEMBER: Role.JOINT_MEMBER,
}

# Support policies: the national office, an authority for its bases, a base for itself.
grant("records.policy.record", [Role.NATIONAL_ADMIN, Role.AUTHORITY, Role.OPERATOR])
# The check of the reported 出台支持政策数 against the register is the reviewers' tool.
grant("records.policy.check", [Role.NATIONAL_ADMIN, Role.AUTHORITY, Role.JOINT_MEMBER, Role.AUDITOR])
# The library of published experiences: every signed-in role (the public portal will show them too).
grant("records.experience.read", list(Role))
# A base raises its own problems and writes its own experiences.
grant("records.problem.raise", [Role.OPERATOR])
grant("records.experience.write", [Role.OPERATOR])


@rule("records.policy.change")
def policy_change(user: User, policy: SupportPolicy | None = None) -> bool:
    """Whoever recorded a policy corrects or removes it (and the national office any)."""
    if not may(user, "records.policy.record"):
        return False
    return policy is None or in_scope(user, CHANGE, policy)


def _acts_for(user: User, holder: str, problem: Problem | None) -> bool:
    role = HOLDER_ROLES[holder]
    if not acts_as(user, role):
        return False
    if problem is None:
        return True
    if holder == BASE:
        return in_scope(user, CHANGE, problem)
    if holder == MEMBER:
        return bool(user.organization) and problem.referred_to == user.organization
    return in_scope(user, REVIEW, problem)


def _problem_rule(action: str) -> None:
    holders = {holder for (_state, move), (_to, holder) in PROBLEM_TRANSITIONS.items() if move == action}

    def decide(user: User, problem: Problem | None = None) -> bool:
        if problem is None:
            return any(acts_as(user, HOLDER_ROLES[h]) for h in holders)
        move = PROBLEM_TRANSITIONS.get((problem.state, action))
        return move is not None and _acts_for(user, move[1], problem)

    decide.__doc__ = f"records.problem.{action}: {', '.join(sorted(holders))}, in the states of the table"
    rule(f"records.problem.{action}")(decide)


for _move in ProblemAction:
    if _move != ProblemAction.REPLY:
        _problem_rule(_move)


@rule("records.problem.reply")
def problem_reply(user: User, problem: Problem | None = None) -> bool:
    """While a problem is being handled, its current holder answers and the base adds information."""
    roles = (Role.OPERATOR, Role.AUTHORITY, Role.NATIONAL_ADMIN, Role.JOINT_MEMBER)
    if problem is None:
        return any(acts_as(user, r) for r in roles)
    if problem.state not in OPEN_STATES:
        return False
    return _acts_for(user, BASE, problem) or _acts_for(user, problem.holder, problem)


def may_handle(user: User, problem: Problem) -> list[str]:
    """The moves the user may make on this problem now (for the page's buttons)."""
    return [a for a in ProblemAction if may(user, f"records.problem.{a}", problem)]


def _experience_rule(action: str) -> None:
    holders = {holder for (_state, move), (_to, holder) in EXPERIENCE_TRANSITIONS.items() if move == action}

    def decide(user: User, experience: Experience | None = None) -> bool:
        if experience is None:
            return any(acts_as(user, HOLDER_ROLES[h]) for h in holders)
        move = EXPERIENCE_TRANSITIONS.get((experience.state, action))
        if move is None or not acts_as(user, HOLDER_ROLES[move[1]]):
            return False
        return in_scope(user, CHANGE if move[1] == BASE else REVIEW, experience)

    decide.__doc__ = f"records.experience.{action}: {', '.join(sorted(holders))}, in the states of the table"
    rule(f"records.experience.{action}")(decide)


for _action in ExperienceAction:
    _experience_rule(_action)


@rule("records.experience.edit")
def experience_edit(user: User, experience: Experience | None = None) -> bool:
    """The base edits its write-up while it is a draft (a returned one comes back as a draft)."""
    if user.role != Role.OPERATOR:
        return False
    return experience is None or (
        experience.state == ExperienceState.DRAFT and in_scope(user, CHANGE, experience)
    )


def experience_moves(user: User, experience: Experience) -> list[str]:
    return [a for a in ExperienceAction if may(user, f"records.experience.{a}", experience)]


def problem_states_handled_by(user: Any) -> list[str]:
    """The open states in which this user's role holds a problem (its to-do list)."""
    from .models import HOLDER_OF_STATE

    return [
        str(state)
        for state, holder in HOLDER_OF_STATE.items()
        if holder and holder != BASE and acts_as(user, HOLDER_ROLES[holder]) and state in OPEN_STATES
    ] + ([str(ProblemState.RESOLVED)] if user.role == Role.OPERATOR else [])
