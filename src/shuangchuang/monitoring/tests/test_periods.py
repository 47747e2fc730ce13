import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shuangchuang.core.models import AuditEvent
from shuangchuang.monitoring.models import Report, ReportingPeriod
from shuangchuang.monitoring.periods import create_period, open_period, parse_period_code
from shuangchuang.registry.models import Base, BaseStatus

pytestmark = pytest.mark.django_db


def test_a_quarter_is_filed_in_the_first_half_of_the_next_month(registry):
    period = create_period(2025, 3)
    assert (period.code, period.kind, str(period)) == ("2025Q3", "quarterly", "2025年第3季度")
    assert (period.starts_on, period.ends_on) == (dt.date(2025, 7, 1), dt.date(2025, 9, 30))
    assert (period.opens_on, period.due_on) == (dt.date(2025, 10, 1), dt.date(2025, 10, 15))
    q4 = create_period(2025, 4)
    assert (q4.opens_on, q4.due_on) == (dt.date(2026, 1, 1), dt.date(2026, 1, 15))


def test_the_annual_form_follows_the_torch_survey_window(registry):
    period = create_period(2023)
    assert (period.code, period.starts_on, period.ends_on) == (
        "2023A",
        dt.date(2023, 1, 1),
        dt.date(2023, 12, 31),
    )
    assert (period.opens_on, period.due_on) == (dt.date(2024, 1, 1), dt.date(2024, 2, 29))  # leap year
    assert create_period(2024).due_on == dt.date(2025, 2, 28)


def test_creating_a_period_twice_keeps_the_first(registry):
    period = create_period(2025, 3)
    ReportingPeriod.objects.filter(pk=period.pk).update(due_on=dt.date(2025, 10, 20))  # moved on purpose
    assert create_period(2025, 3).due_on == dt.date(2025, 10, 20)
    assert ReportingPeriod.objects.count() == 1


def test_opening_creates_one_report_per_active_base_and_is_idempotent(registry):
    withdrawn = Base.objects.get(code="B3-001")
    withdrawn.status = BaseStatus.WITHDRAWN
    withdrawn.save()
    Base.objects.filter(code="B3-002").update(status=BaseStatus.RECTIFYING)
    period = create_period(2025, 3)

    assert open_period(period) == 91
    assert open_period(period) == 0

    period.refresh_from_db()
    assert period.is_open and period.opened_at
    reports = Report.objects.filter(period=period)
    assert reports.count() == 91
    assert set(reports.values_list("state", flat=True)) == {"draft"}
    assert not reports.filter(base=withdrawn).exists()
    assert reports.filter(base__code="B3-002").exists()
    assert AuditEvent.objects.filter(action="monitoring.open_period").count() == 1


def test_a_base_that_joins_later_gets_its_report_when_the_period_is_opened_again(registry):
    Base.objects.filter(code="B3-005").update(status=BaseStatus.WITHDRAWN)
    period = create_period(2025, 3)
    open_period(period)
    Base.objects.filter(code="B3-005").update(status=BaseStatus.ACTIVE)
    assert open_period(period) == 1
    assert Report.objects.filter(period=period).count() == 92


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("2025Q3", (2025, 3)),
        ("2025q1", (2025, 1)),
        ("2025A", (2025, None)),
        ("2025", (2025, None)),
        ("2025年第2季度", (2025, 2)),
    ],
)
def test_period_codes_are_read_as_officials_write_them(text, parsed):
    assert parse_period_code(text) == parsed


def test_open_period_command(registry, capsys):
    call_command("open_period", "2025Q3")
    assert "新建 92 份填报，共 92 份" in capsys.readouterr().out
    call_command("open_period", "2025Q3")
    assert "新建 0 份填报，共 92 份" in capsys.readouterr().out


def test_open_period_command_refuses_a_bad_code(registry):
    with pytest.raises(CommandError, match="2025Q3"):
        call_command("open_period", "2025Q5")


def test_opening_a_period_asks_only_the_monitored_bases_for_reports(registry):
    period = create_period(2031, 1)

    created = open_period(period)

    assert created == registry.count() == Base.objects.monitored().count()
    assert not Report.objects.filter(period=period, base__batch__number__in=[1, 2]).exists()
