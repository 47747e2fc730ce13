"""The report list's rows come from the cache (core/fragments.py, issue 14): a row never shows an old state,
old counts or an old name, and a reader never gets another role's check boxes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from conftest import sign_in
from django.test import Client

from shuangchuang.accounts.models import Role
from shuangchuang.monitoring import services
from shuangchuang.monitoring.models import Report
from shuangchuang.registry.models import Base

from .factories import make_period, make_report, make_small_catalogue

pytestmark = pytest.mark.django_db

HENGZHOU = "B3-012"
COMPLETE = {"JOBS": 120, "JOBS_GRAD": 30, "REVENUE": 50000, "RD": 2500}


@pytest.fixture
def period(registry):
    make_small_catalogue()
    return make_period(2025, due=dt.date(2026, 2, 28))


def row_of(client, code: str = HENGZHOU, query: str = "?state=") -> str:
    html = client.get("/monitoring/" + query).content.decode()
    name = Base.objects.get(code=code).current_name
    start = html.rindex("<tr", 0, html.index(name))
    return html[start : html.index("</tr>", start)]


def test_a_state_change_and_new_counts_show_at_once(period, make_user, client_for):
    report = make_report(HENGZHOU, period, **COMPLETE)
    operator = make_user(Role.OPERATOR, base=HENGZHOU)
    client = client_for(make_user(Role.NATIONAL_ADMIN))
    assert "草稿" in row_of(client)  # the row is now kept

    services.transition(report, "submit", actor=operator)
    assert "已报送" in row_of(client) and "草稿" not in row_of(client)

    fresh = Report.objects.get(pk=report.pk)
    services.transition(
        fresh, "return", actor=make_user(Role.AUTHORITY, authority="drc-450000"), reason="补充"
    )
    services.transition(Report.objects.get(pk=report.pk), "submit", actor=operator)
    assert "第 2 次报送" in row_of(client)


def test_a_report_not_sent_becomes_late_the_day_after_its_due_date(period, make_user, client_for):
    make_report(HENGZHOU, period)
    client = client_for(make_user(Role.NATIONAL_ADMIN))
    # 18:00 and 01:00 in Beijing (the platform's time zone): the row kept at six is not the one shown at one
    with time_machine.travel(dt.datetime(2026, 2, 28, 10, tzinfo=dt.UTC)):
        assert 'data-testid="late"' not in row_of(client)
    with time_machine.travel(dt.datetime(2026, 2, 28, 17, tzinfo=dt.UTC)):
        client = client_for(
            make_user(Role.NATIONAL_ADMIN)
        )  # a new sign-in: the first session has been idle for hours
        assert 'data-testid="late"' in row_of(client)


def test_a_moved_due_date_and_a_renamed_base_show_at_once(period, make_user, client_for):
    make_report(HENGZHOU, period)
    client = client_for(make_user(Role.NATIONAL_ADMIN))
    assert "2026-02-28" in row_of(client)

    period.due_on = dt.date(2026, 3, 31)
    period.save()
    assert "2026-03-31" in row_of(client)

    base = Base.objects.get(code=HENGZHOU)
    base.current_name = "横州市（更名测试）"
    base.save()
    assert "横州市（更名测试）" in row_of(client)


def test_check_boxes_are_the_readers_own(period, make_user):
    make_report(HENGZHOU, period, state="submitted", **COMPLETE)
    reviewer = sign_in(Client(), make_user(Role.AUTHORITY, authority="drc-450000"))
    member = sign_in(Client(), make_user(Role.JOINT_MEMBER))

    assert 'name="report"' in row_of(reviewer)
    assert 'name="report"' not in row_of(member) and "<td" in row_of(member)
    assert 'name="report"' in row_of(reviewer)


def test_each_reader_gets_rows_in_their_language(period, make_user, client_for):
    make_report(HENGZHOU, period, state="submitted")
    chinese = client_for(make_user(Role.NATIONAL_ADMIN))
    assert "已报送" in row_of(chinese)
    from conftest import sign_in
    from django.test import Client

    english = sign_in(Client(), make_user(Role.NATIONAL_ADMIN))
    english.post("/i18n/setlang/", {"language": "en", "next": "/"})
    row = row_of(english)
    assert "已报送" not in row and "Submitted" in row
