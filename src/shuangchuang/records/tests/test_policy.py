"""The records' rules: asked without an object, whether the role could ever; with one, now and here."""

import pytest

from shuangchuang.accounts.models import Role
from shuangchuang.core.policy import may
from shuangchuang.records.services import act_on_problem

from .factories import HENGZHOU, XMU, problem_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("action", "roles"),
    [
        ("records.policy.record", {Role.NATIONAL_ADMIN, Role.AUTHORITY, Role.OPERATOR}),
        ("records.policy.check", {Role.NATIONAL_ADMIN, Role.AUTHORITY, Role.JOINT_MEMBER, Role.AUDITOR}),
        ("records.problem.raise", {Role.OPERATOR}),
        ("records.problem.escalate", {Role.AUTHORITY}),
        ("records.problem.refer", {Role.NATIONAL_ADMIN}),
        ("records.problem.resolve", {Role.AUTHORITY, Role.NATIONAL_ADMIN, Role.JOINT_MEMBER}),
        ("records.problem.confirm", {Role.OPERATOR}),
        ("records.experience.write", {Role.OPERATOR}),
        ("records.experience.pass", {Role.AUTHORITY}),
        ("records.experience.publish", {Role.NATIONAL_ADMIN}),
        ("records.experience.read", set(Role)),
    ],
)
def test_which_roles_could_ever(make_user, action, roles):
    scope = {Role.OPERATOR: {"base": HENGZHOU}, Role.AUTHORITY: {"authority": "drc-450000"}}
    allowed = {role for role in Role if may(make_user(role, **scope.get(role, {})), action)}
    assert allowed == roles


def test_the_base_replies_while_its_problem_is_handled_but_not_after_it_is_closed(make_user):
    base = make_user(Role.OPERATOR, base=HENGZHOU)
    authority = make_user(Role.AUTHORITY, authority="drc-450000")
    problem = problem_for(base)
    assert may(base, "records.problem.reply", problem)
    assert not may(make_user(Role.OPERATOR, base=XMU), "records.problem.reply", problem)
    act_on_problem(problem, "resolve", actor=authority, text="已办")
    act_on_problem(problem, "confirm", actor=base)
    assert not may(base, "records.problem.reply", problem)
    assert not may(authority, "records.problem.reply", problem)


def test_a_member_department_handles_only_what_was_referred_to_it(make_user):
    base = make_user(Role.OPERATOR, base=HENGZHOU)
    problem = problem_for(base)
    act_on_problem(problem, "escalate", actor=make_user(Role.AUTHORITY, authority="drc-450000"), text="上报")
    member = make_user(Role.JOINT_MEMBER, organization="教育部")
    assert not may(member, "records.problem.resolve", problem)
    act_on_problem(problem, "refer", actor=make_user(Role.NATIONAL_ADMIN), text="转", referred_to="教育部")
    assert may(member, "records.problem.resolve", problem)
    assert may(member, "records.problem.reply", problem)
    assert not may(make_user(Role.JOINT_MEMBER, organization="科技部"), "records.problem.resolve", problem)
