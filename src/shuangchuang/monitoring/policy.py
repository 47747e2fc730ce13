"""The rules of operation monitoring: who may move a report, change its values or its evidence, and when.

Which reports a user reaches is `models.ReportQuerySet.scope`; here is what depends on role and state.
Each rule asked without a report answers whether the user's role could ever do it (what a view checks
before it looks anything up); asked with one, it checks the report's state and scope too, so that the
services can re-check with `may` whoever calls them.

The moves of the state machine come from the one table, `models.TRANSITIONS`: `monitoring.report.<action>`
for each of its actions (submit, return, pass, approve, lock, reopen).
"""

from __future__ import annotations

from collections.abc import Iterable

from shuangchuang.accounts.models import Role, User
from shuangchuang.accounts.policy import acts_as
from shuangchuang.core.policy import CHANGE, REVIEW, VIEW, grant, in_scope, may, reaches_everything, rule

from .models import EDITABLE_STATES, TRANSITIONS, Action, Evidence, Report, ReportState

# The states after national approval, in which the summary sheet exists and the base uploads it signed.
CONFIRMED_STATES = frozenset({ReportState.APPROVED, ReportState.LOCKED})
# The section of a report's evidence that holds the signed and stamped summary sheet.
CONFIRMATION_SECTION = "盖章确认"


def _transition_rule(action: str) -> None:
    roles = {role for (_state, move), (_to, role) in TRANSITIONS.items() if move == action}

    def decide(user: User, report: Report | None = None) -> bool:
        if report is None:
            return any(acts_as(user, role) for role in roles)
        move = TRANSITIONS.get((report.state, action))
        if move is None or not acts_as(user, move[1]):
            return False
        # The base moves its own report; its authority and the national office review it.
        return in_scope(user, CHANGE if move[1] == Role.OPERATOR else REVIEW, report)

    decide.__doc__ = f"monitoring.report.{action}: {', '.join(sorted(roles))}, in the states of TRANSITIONS"
    rule(f"monitoring.report.{action}")(decide)


for _action in Action:
    _transition_rule(_action)

# The Excel round trip: the base for its report, its authority and the national office for theirs (代填).
grant("monitoring.excel.upload", [Role.OPERATOR, Role.AUTHORITY, Role.NATIONAL_ADMIN])


@rule("monitoring.values.change")
def values_change(user: User, report: Report | None = None) -> bool:
    """Any way a report's values change (the form, a workbook): the base's own operator, and its authority
    or the national office filling in on its behalf (代填), while the report is with the base."""
    if report is None:
        return may(user, "monitoring.excel.upload")
    return report.pk in changeable_reports(user, [report])


def changeable_reports(user: User, reports: Iterable[Report]) -> set[int]:
    """`monitoring.values.change` for many reports at once (an authority's workbook): the ids of those
    whose values the user may change now, in one query."""
    editable = [r.pk for r in reports if r.state in EDITABLE_STATES]
    if not editable or not values_change(user):
        return set()
    if reaches_everything(Report, user, CHANGE):
        return set(editable)
    return set(Report.objects.restrict(user, CHANGE).filter(pk__in=editable).values_list("pk", flat=True))


@rule("monitoring.values.enter")
def values_enter(user: User, report: Report | None = None) -> bool:
    """Typing into the report's form is the base's own: reviewers never type into a base's values, they
    return them (an authority fills in for a base only with a workbook, recorded as 代填)."""
    if user.role != Role.OPERATOR:
        return False
    return report is None or values_change(user, report)


@rule("monitoring.evidence.upload")
def evidence_upload(user: User, report: Report | None = None) -> bool:
    """Evidence goes with the values, also when the authority or the national office fills in (代填)."""
    return values_change(user, report)


@rule("monitoring.evidence.confirm")
def evidence_confirm(user: User, report: Report | None = None) -> bool:
    """The signed and stamped summary sheet (盖章确认): the base, once the report is approved."""
    if user.role != Role.OPERATOR:
        return False
    return report is None or (report.state in CONFIRMED_STATES and in_scope(user, CHANGE, report))


def may_upload_to(user: User, report: Report, section: str) -> bool:
    """Whether the user may add a file to this section of the report now."""
    action = (
        "monitoring.evidence.confirm" if section == CONFIRMATION_SECTION else "monitoring.evidence.upload"
    )
    return may(user, action, report)


@rule("monitoring.evidence.withdraw")
def evidence_withdraw(user: User, evidence: Evidence | None = None) -> bool:
    """A file uploaded by mistake is withdrawn by whoever may still upload it there."""
    if evidence is None:
        return evidence_upload(user) or evidence_confirm(user)
    return evidence.withdrawn_at is None and may_upload_to(user, evidence.report, evidence.section)


@rule("monitoring.report.print")
def report_print(user: User, report: Report | None = None) -> bool:
    """The summary sheet (PDF with a checksum) exists once the national office approved the report."""
    if not may(user, "program.read"):
        return False
    return report is None or (report.state in CONFIRMED_STATES and in_scope(user, VIEW, report))
