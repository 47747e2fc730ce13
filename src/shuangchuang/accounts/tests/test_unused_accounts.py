"""Accounts unused for 90 days are disabled by a daily command, in the audit log, and listed for the
security administrator."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from shuangchuang.accounts.models import Role
from shuangchuang.core.models import AuditEvent

pytestmark = pytest.mark.django_db

XMU = "B3-023"


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def run() -> str:
    out = StringIO()
    call_command("disable_unused_accounts", stdout=out)
    return out.getvalue()


def test_accounts_unused_for_ninety_days_are_disabled_and_audited(make_user):
    stale = make_user(Role.OPERATOR, base=XMU, username="stale", last_login=days_ago(91))
    never = make_user(Role.EVALUATOR, username="never", date_joined=days_ago(120))
    recent = make_user(Role.OPERATOR, base=XMU, username="recent", last_login=days_ago(89))
    new = make_user(Role.EVALUATOR, username="new", date_joined=days_ago(10))

    output = run()

    for user in (stale, never, recent, new):
        user.refresh_from_db()
    assert (stale.is_active, never.is_active, recent.is_active, new.is_active) == (False, False, True, True)
    assert stale.disabled_as_unused_at is not None
    assert "停用 2 个" in output
    rows = AuditEvent.objects.filter(action="accounts.disable_unused").order_by("object_repr")
    assert [(e.object_repr, e.actor, e.old_value, e.new_value, e.reason) for e in rows] == [
        ("never", None, True, False, "90 天未登录"),
        ("stale", None, True, False, "90 天未登录"),
    ]


def test_running_it_again_changes_nothing(make_user):
    make_user(Role.OPERATOR, base=XMU, last_login=days_ago(91))
    run()

    second = run()

    assert "停用 0 个" in second
    assert AuditEvent.objects.filter(action="accounts.disable_unused").count() == 1


def test_the_number_of_days_is_a_setting(settings, make_user):
    settings.ACCOUNT_UNUSED_DAYS = 30
    user = make_user(Role.OPERATOR, base=XMU, last_login=days_ago(31))

    run()

    user.refresh_from_db()
    assert not user.is_active


def test_a_disabled_account_cannot_sign_in(client, make_user):
    from conftest import TEST_PASSWORD

    make_user(Role.OPERATOR, base=XMU, username="stale", last_login=days_ago(91))
    run()

    response = client.post("/accounts/login/", {"username": "stale", "password": TEST_PASSWORD})

    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_the_security_admin_lists_disabled_and_soon_disabled_accounts(make_user, client_for):
    make_user(Role.OPERATOR, base=XMU, username="stale", last_login=days_ago(91))
    make_user(Role.OPERATOR, base=XMU, username="soon", last_login=days_ago(75))
    make_user(Role.OPERATOR, base=XMU, username="busy", last_login=days_ago(1))
    run()
    client = client_for(make_user(Role.SECURITY_ADMIN))

    def listed(query: str) -> set[str]:
        response = client.get(f"/admin/accounts/user/?unused={query}")
        return {user.username for user in response.context["cl"].result_list}

    assert listed("disabled") == {"stale"}
    assert listed("soon") == {"soon"}


def test_the_command_is_what_a_daily_schedule_runs_after_a_holiday(make_user):
    user = make_user(Role.OPERATOR, base=XMU)
    user.last_login = timezone.now()
    user.save()

    with time_machine.travel(datetime.timedelta(days=91)):
        run()

    user.refresh_from_db()
    assert not user.is_active
