"""Overdue problems are e-mailed to whoever holds them, once a day."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from shuangchuang.accounts.models import Role
from shuangchuang.records.services import act_on_problem

from .factories import HENGZHOU, problem_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(make_user):
    base = make_user(Role.OPERATOR, base=HENGZHOU)
    with time_machine.travel(dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC), tick=False):
        problem = problem_for(base)
    return problem


def test_the_authority_gets_a_reminder_for_an_overdue_problem(overdue, make_user):
    make_user(Role.AUTHORITY, authority="drc-450000", email="gx@example.cn")
    make_user(Role.AUTHORITY, authority="drc-140000", email="sx@example.cn")
    out = StringIO()
    call_command("send_problem_reminders", "--date", "2026-02-10", stdout=out)
    assert [m.to for m in mail.outbox] == [["gx@example.cn"]]
    assert "已逾期 6 天" in mail.outbox[0].subject
    assert "已发送提醒 1 个" in out.getvalue()


def test_a_problem_is_reminded_once_a_day(overdue, make_user):
    make_user(Role.AUTHORITY, authority="drc-450000", email="gx@example.cn")
    call_command("send_problem_reminders", "--date", "2026-02-10", stdout=StringIO())
    call_command("send_problem_reminders", "--date", "2026-02-10", stdout=StringIO())
    call_command("send_problem_reminders", "--date", "2026-02-11", stdout=StringIO())
    assert len(mail.outbox) == 2


def test_an_escalated_problem_reminds_the_national_office(overdue, make_user):
    authority = make_user(Role.AUTHORITY, authority="drc-450000", email="gx@example.cn")
    make_user(Role.NATIONAL_ADMIN, email="ndrc@example.cn")
    with time_machine.travel(dt.datetime(2026, 1, 6, 9, tzinfo=dt.UTC), tick=False):
        act_on_problem(overdue, "escalate", actor=authority, text="需国家协调")
    call_command("send_problem_reminders", "--date", "2026-03-01", stdout=StringIO())
    assert [m.to for m in mail.outbox] == [["ndrc@example.cn"]]


def test_dry_run_sends_nothing(overdue, make_user):
    make_user(Role.AUTHORITY, authority="drc-450000", email="gx@example.cn")
    out = StringIO()
    call_command("send_problem_reminders", "--dry-run", "--date", "2026-02-10", stdout=out)
    assert mail.outbox == [] and "[演练]" in out.getvalue()
