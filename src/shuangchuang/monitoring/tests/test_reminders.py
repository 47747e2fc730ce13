import datetime as dt

import pytest
from django.core.management import call_command

from shuangchuang.core.models import AuditEvent
from shuangchuang.monitoring.models import Report, ReportingPeriod
from shuangchuang.monitoring.reminders import send_reminders
from shuangchuang.registry.models import Base, BaseStatus

from .factories import make_period, make_report, make_small_catalogue

pytestmark = pytest.mark.django_db

DUE = dt.date(2025, 10, 15)


@pytest.fixture
def quarter(registry, make_user):
    """2025Q3 (due 15 October): 横县 still has a draft with one of two required values, 柳州 has submitted."""
    make_small_catalogue()
    period = make_period(2025, 3)
    make_report("B3-012", period, "draft", JOBS=120)
    make_report("B3-041", period, "submitted", JOBS=80, JOBS_GRAD=10)
    make_user("operator", base="B3-012", email="hengzhou@example.cn")
    make_user("operator", base="B3-012", email="hengzhou-2@example.cn")
    make_user("operator", base="B3-041", email="liuzhou@example.cn")
    return period


def test_operators_of_a_base_with_a_report_due_this_week_get_one_mail_naming_what_is_missing(
    quarter, mailoutbox
):
    run = send_reminders(today=dt.date(2025, 10, 10))

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert sorted(mail.to) == ["hengzhou-2@example.cn", "hengzhou@example.cn"]
    assert "横州市" in mail.subject and "2025年第3季度" in mail.subject and "即将截止" in mail.subject
    assert "2025年10月15日" in mail.body and "距截止还有 5 天" in mail.body
    assert "其中：吸纳应届高校毕业生" in mail.body  # the missing required value
    assert "带动就业人数" not in mail.body  # filled in already
    assert len(run.sent) == 1


def test_nothing_is_sent_more_than_a_week_ahead(quarter, mailoutbox):
    send_reminders(today=dt.date(2025, 10, 1))
    assert mailoutbox == []


def test_a_late_report_is_reminded_with_the_days_overdue(quarter, mailoutbox):
    send_reminders(today=dt.date(2025, 10, 20))
    [mail] = mailoutbox
    assert "已逾期" in mail.subject and "已逾期 5 天" in mail.body


def test_a_returned_report_is_reminded_with_the_reason(quarter, mailoutbox):
    Report.objects.filter(base__code="B3-041").update(state="returned", return_reason="请补充佐证材料。")
    send_reminders(today=dt.date(2025, 10, 10))
    returned = next(m for m in mailoutbox if m.to == ["liuzhou@example.cn"])
    assert "被退回" in returned.subject and "退回原因：请补充佐证材料。" in returned.body


def test_reminders_go_out_once_a_day(quarter, mailoutbox):
    send_reminders(today=dt.date(2025, 10, 10))
    second = send_reminders(today=dt.date(2025, 10, 10))
    assert len(mailoutbox) == 1 and second.already_today == 1
    send_reminders(today=dt.date(2025, 10, 11))
    assert len(mailoutbox) == 2
    assert AuditEvent.objects.filter(action="monitoring.reminder").count() == 2


def test_a_dry_run_sends_and_records_nothing(quarter, mailoutbox, capsys):
    call_command("send_reminders", "--dry-run", "--date", "2025-10-10")
    assert mailoutbox == []
    assert not AuditEvent.objects.filter(action="monitoring.reminder").exists()
    out = capsys.readouterr().out
    assert "[演练]" in out and "hengzhou@example.cn" in out and "将发送提醒 1 份" in out


def test_bases_without_an_operator_address_are_listed_not_marked_done(quarter, mailoutbox, capsys):
    make_report("B3-074", quarter, "draft")  # 桂林: no operator account at all
    call_command("send_reminders", "--date", "2025-10-10")
    assert "无填报员邮箱：广西壮族自治区桂林高新技术产业开发区" in capsys.readouterr().out
    assert not AuditEvent.objects.filter(
        action="monitoring.reminder", object_repr__startswith="桂林"
    ).exists()


def test_closed_periods_and_withdrawn_bases_get_no_reminders(quarter, mailoutbox):
    Base.objects.filter(code="B3-012").update(status=BaseStatus.WITHDRAWN)
    assert send_reminders(today=dt.date(2025, 10, 10)).reminders == []
    Base.objects.filter(code="B3-012").update(status=BaseStatus.ACTIVE)
    ReportingPeriod.objects.filter(pk=quarter.pk).update(is_open=False)
    assert send_reminders(today=dt.date(2025, 10, 10)).reminders == []
    assert mailoutbox == []
