"""A problem raised by a base, followed up by its authority, the national office and a member department,
until the base confirms the resolution."""

import datetime as dt

import pytest
import time_machine

from shuangchuang.accounts.models import Role
from shuangchuang.core.models import AuditEvent
from shuangchuang.records.models import Problem, ProblemState
from shuangchuang.records.services import NotAllowed, RecordsError, StaleRecord, act_on_problem

from .factories import HENGZHOU, JINCHENG, problem_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):
    return {
        "base": make_user(Role.OPERATOR, base=HENGZHOU, organization="横州市双创办"),
        "authority": make_user(Role.AUTHORITY, authority="drc-450000", organization="广西发展改革委"),
        "other_authority": make_user(Role.AUTHORITY, authority="drc-140000"),
        "national": make_user(Role.NATIONAL_ADMIN, organization="国家发展改革委高技术司"),
        "member": make_user(Role.JOINT_MEMBER, organization="教育部"),
        "other_member": make_user(Role.JOINT_MEMBER, organization="科技部"),
    }


def test_a_raised_problem_waits_for_its_authority_with_a_deadline(people):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        problem = problem_for(people["base"])
    assert problem.state == ProblemState.OPEN
    assert problem.holder_label == "审核单位"
    assert problem.due_on == dt.date(2026, 4, 1)
    assert AuditEvent.objects.filter(action="records.problem.raise", object_id=str(problem.pk)).exists()


def test_authority_resolves_and_base_confirms(people):
    problem = problem_for(people["base"])
    act_on_problem(problem, "start", actor=people["authority"])
    act_on_problem(problem, "resolve", actor=people["authority"], text="已协调 2000 平方米厂房")
    assert problem.state == ProblemState.RESOLVED and problem.resolution == "已协调 2000 平方米厂房"
    act_on_problem(problem, "confirm", actor=people["base"])
    assert problem.state == ProblemState.CLOSED
    assert [e.action for e in problem.events.all()] == ["", "start", "resolve", "confirm"]


def test_base_reopens_a_resolution_and_it_goes_back_to_its_authority(people):
    problem = problem_for(people["base"])
    act_on_problem(problem, "resolve", actor=people["authority"], text="已答复")
    act_on_problem(problem, "reopen", actor=people["base"], text="厂房仍未落实")
    assert problem.state == ProblemState.IN_PROGRESS
    assert problem.holder_label == "审核单位"


def test_escalated_problem_is_passed_to_a_member_department_which_answers(people):
    problem = problem_for(people["base"])
    act_on_problem(problem, "escalate", actor=people["authority"], text="涉及中央部门")
    assert problem.state == ProblemState.ESCALATED and problem.escalated_at
    act_on_problem(problem, "refer", actor=people["national"], text="请教育部研究", referred_to="教育部")
    assert problem.state == ProblemState.REFERRED and problem.holder_label == "教育部"
    with pytest.raises(NotAllowed):
        act_on_problem(problem, "resolve", actor=people["other_member"], text="不归我们")
    act_on_problem(problem, "resolve", actor=people["member"], text="已出台指导意见")
    assert problem.state == ProblemState.RESOLVED
    act_on_problem(problem, "reopen", actor=people["base"], text="意见尚未落地")
    assert problem.state == ProblemState.REFERRED  # back to the level that last handled it


def test_refer_needs_a_member_department(people):
    problem = problem_for(people["base"])
    act_on_problem(problem, "escalate", actor=people["authority"], text="涉及中央部门")
    with pytest.raises(RecordsError):
        act_on_problem(problem, "refer", actor=people["national"], text="转", referred_to="某某公司")
    assert Problem.objects.get(pk=problem.pk).state == ProblemState.ESCALATED


def test_moves_outside_the_table_are_refused(people):
    problem = problem_for(people["base"])
    for actor, action in [
        (people["base"], "resolve"),  # the base never resolves its own problem
        (people["national"], "resolve"),  # not escalated yet: the authority owns it
        (people["other_authority"], "start"),  # another province's authority
        (people["authority"], "confirm"),  # only the base confirms
        (people["authority"], "refer"),  # only the national office refers
    ]:
        with pytest.raises(NotAllowed):
            act_on_problem(problem, action, actor=actor, text="x", referred_to="教育部")
    assert Problem.objects.get(pk=problem.pk).state == ProblemState.OPEN


def test_resolving_needs_what_was_done(people):
    problem = problem_for(people["base"])
    with pytest.raises(RecordsError):
        act_on_problem(problem, "resolve", actor=people["authority"], text="  ")


def test_a_move_on_a_stale_page_changes_nothing(people):
    problem = problem_for(people["base"])
    stale = Problem.objects.get(pk=problem.pk)
    act_on_problem(problem, "start", actor=people["authority"])
    with pytest.raises((StaleRecord, NotAllowed)):
        act_on_problem(stale, "escalate", actor=people["authority"], text="上报", expected_version=1)
    assert Problem.objects.get(pk=problem.pk).state == ProblemState.IN_PROGRESS


def test_replies_are_kept_in_the_history_without_moving(people):
    problem = problem_for(people["base"])
    act_on_problem(problem, "reply", actor=people["authority"], text="已转市自然资源局研究")
    act_on_problem(problem, "reply", actor=people["base"], text="补充：厂房位于工业园区")
    assert problem.state == ProblemState.OPEN
    assert [e.text for e in problem.events.all()][1:] == ["已转市自然资源局研究", "补充：厂房位于工业园区"]


def test_overdue_lists_per_authority_and_nationally(people, make_user):
    with time_machine.travel(dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC), tick=False):
        late = problem_for(people["base"])
        elsewhere = problem_for(make_user(Role.OPERATOR, base=JINCHENG), title="融资难")
        done = problem_for(people["base"], title="已办结的")
        act_on_problem(done, "resolve", actor=people["authority"], text="已解决")
    today = dt.date(2026, 3, 1)
    assert set(Problem.objects.restrict(people["authority"]).overdue(today)) == {late}
    assert set(Problem.objects.restrict(people["national"]).overdue(today)) == {late, elsewhere}
    assert late.is_overdue(today) and late.days_overdue(today) == 25  # due 4 February


def test_escalation_gives_the_national_office_a_new_deadline(people):
    with time_machine.travel(dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC), tick=False):
        problem = problem_for(people["base"])
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        assert problem.is_overdue()
        act_on_problem(
            problem, "escalate", actor=people["authority"], text="需国家协调", due_on=dt.date(2026, 3, 20)
        )
        assert problem.due_on == dt.date(2026, 3, 20) and not problem.is_overdue()


def test_problems_are_seen_where_their_base_is(people, make_user):
    problem = problem_for(people["base"])
    seen = {
        "authority": people["authority"],
        "national": people["national"],
        "member": people["member"],
        "evaluator": make_user(Role.EVALUATOR, assigned=(HENGZHOU,)),
        "auditor": make_user(Role.AUDITOR),
    }
    unseen = {
        "other_authority": people["other_authority"],
        "other_base": make_user(Role.OPERATOR, base=JINCHENG),
        "other_evaluator": make_user(Role.EVALUATOR, assigned=(JINCHENG,)),
        "secadmin": make_user(Role.SECURITY_ADMIN),
    }
    assert all(Problem.objects.restrict(u).filter(pk=problem.pk).exists() for u in seen.values())
    assert not any(Problem.objects.restrict(u).filter(pk=problem.pk).exists() for u in unseen.values())
