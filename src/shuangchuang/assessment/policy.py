"""The rules of the annual assessment. Which cycles, sheets, results and decisions a user reaches is the
scope of each model (`models.py`); here is what a role may do, and when."""

from __future__ import annotations

from shuangchuang.accounts.models import Role, User
from shuangchuang.core.policy import CHANGE, REVIEW, grant, in_scope, may, rule

from .models import (
    AssessmentCycle,
    Decision,
    DecisionState,
    Rectification,
    RectificationState,
    ScoreSheet,
    Source,
    Stage,
)

# Open a cycle, set its rules, assign reviewers, compute results, try what-ifs, propose and publish.
grant("assessment.manage", [Role.NATIONAL_ADMIN])
# Declare a conflict of interest with a base (the evaluator itself).
grant("assessment.conflict.declare", [Role.EVALUATOR])

SOURCE_STAGE = {
    Source.SELF: Stage.SELF,
    Source.EXPERT: Stage.CORRESPONDENCE,
    Source.SITE: Stage.SITE_VISIT,
    Source.PEER: Stage.PEER_REVIEW,
}


@rule("assessment.sheet.score")
def sheet_score(user: User, sheet: ScoreSheet | None = None) -> bool:
    """The evaluator its own expert and site sheets; a base's operator its self-assessment and the peer
    sheets its base writes; while the sheet is not submitted and the cycle has not passed the sheet's stage."""
    if user.role not in (Role.EVALUATOR, Role.OPERATOR):
        return False
    if sheet is None:
        return True
    if sheet.locked or not in_scope(user, CHANGE, sheet):
        return False
    return sheet.cycle.stage_index <= list(Stage).index(SOURCE_STAGE[Source(sheet.source)])


@rule("assessment.site_visit.record")
def site_visit_record(user: User, cycle: AssessmentCycle | None = None) -> bool:
    if user.role != Role.EVALUATOR:
        return False
    return cycle is None or cycle.stage_index <= list(Stage).index(Stage.SITE_VISIT)


@rule("assessment.self.submit")
def self_submit(user: User, cycle: AssessmentCycle | None = None) -> bool:
    if user.role != Role.OPERATOR or not user.base_id:
        return False
    return cycle is None or cycle.stage == Stage.SELF


@rule("assessment.decision.review")
def decision_review(user: User, decision: Decision | None = None) -> bool:
    """National review of a proposal (changes need a reason)."""
    if not may(user, "assessment.manage"):
        return False
    return decision is None or decision.state == DecisionState.PROPOSED


@rule("assessment.decision.approve")
def decision_approve(user: User, decision: Decision | None = None) -> bool:
    """The joint conference approves a reviewed decision; a member records the approval."""
    if user.role != Role.JOINT_MEMBER:
        return False
    return decision is None or decision.state == DecisionState.REVIEWED


@rule("assessment.decision.notice")
def decision_notice(user: User, decision: Decision | None = None) -> bool:
    if not may(user, "assessment.manage"):
        return False
    return decision is None or decision.state == DecisionState.APPROVED


@rule("assessment.decision.objection")
def decision_objection(user: User, decision: Decision | None = None) -> bool:
    if not may(user, "assessment.manage"):
        return False
    return decision is None or decision.state == DecisionState.NOTICE


@rule("assessment.decision.publish")
def decision_publish(user: User, decision: Decision | None = None) -> bool:
    """Only after approval and the notice period (checked with dates and objections by the service)."""
    if not may(user, "assessment.manage"):
        return False
    return decision is None or decision.state == DecisionState.NOTICE


@rule("assessment.rectification.submit")
def rectification_submit(user: User, rectification: Rectification | None = None) -> bool:
    if user.role != Role.OPERATOR:
        return False
    if rectification is None:
        return True
    return rectification.state == RectificationState.OPEN and in_scope(user, CHANGE, rectification)


@rule("assessment.rectification.review")
def rectification_review(user: User, rectification: Rectification | None = None) -> bool:
    """The base's reviewing authority (or the national office) reviews a submitted rectification report."""
    if user.role not in (Role.AUTHORITY, Role.NATIONAL_ADMIN) and not user.is_superuser:
        return False
    if rectification is None:
        return True
    return rectification.state == RectificationState.SUBMITTED and in_scope(user, REVIEW, rectification)


# The decision page's acts (review, notice, objections, publication by the office; approval by the joint
# conference): a role outside these never may, the state decides the rest.
grant("assessment.decision.act", [Role.NATIONAL_ADMIN, Role.JOINT_MEMBER])
