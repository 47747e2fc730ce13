import datetime as dt
from collections import Counter
from decimal import Decimal
from statistics import median

import pytest
from conftest import ensure_registry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from shuangchuang.core.chain import erase_for_demo
from shuangchuang.core.models import AuditEvent
from shuangchuang.monitoring import demo
from shuangchuang.monitoring.models import Report, ReportState, ReportValue, state_changes

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 26)
# A settled annual form and the last two quarters (the second has a quarter to compare with): quick to generate.
PERIODS = [(2025, None), (2026, 2), (2026, 3)]


def generate(seed=demo.DEMO_SEED, **kwargs):
    return demo.generate(seed, today=TODAY, periods=PERIODS, **kwargs)


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The default demo data, generated once for the tests of this module that only read it (with the demo
    operator of 横州市, whom it names as the actor of that base's moves). It lives in a transaction of its own,
    rolled back after the module; each test's own transaction nests in it as a savepoint."""
    from shuangchuang.accounts.models import User
    from shuangchuang.registry.models import Base

    with django_db_blocker.unblock():
        ensure_registry()
    with django_db_blocker.unblock(), transaction.atomic():
        operator = User(username="hengzhou", role="operator", base=Base.objects.get(code="B3-012"))
        operator.set_unusable_password()
        operator.save()
        summary = generate()
        yield summary, operator
        transaction.set_rollback(True)


def snapshot():
    values = ReportValue.objects.values_list(
        "report__base__code",
        "report__period__code",
        "indicator__code",
        "number",
        "text",
        "flags",
        "explanation",
    )
    reports = Report.objects.values_list(
        "base__code", "period__code", "state", "submitted_at", "return_reason", "approved_snapshot"
    )
    return sorted(values), sorted(reports, key=str)


def test_the_same_seed_gives_the_same_data_and_another_seed_does_not(registry):
    """Slow on purpose (three generations): determinism can only be seen by generating again."""
    generate(seed=7)
    first = snapshot()
    generate(seed=7, reset=True)
    assert snapshot() == first
    generate(seed=8, reset=True)
    assert snapshot()[0] != first[0]


def test_every_active_base_reports_for_every_period_in_every_workflow_state(demo_data):
    summary, _operator = demo_data
    assert Report.objects.count() == 92 * len(PERIODS) == summary.reports
    assert set(Report.objects.values_list("state", flat=True)) == set(ReportState.values)
    recent = Counter(Report.objects.filter(period__code="2026Q3").values_list("state", flat=True))
    settled = Counter(Report.objects.filter(period__code="2025A").values_list("state", flat=True))
    assert recent["locked"] < recent["reviewed"] + recent["submitted"] + recent["returned"]
    assert settled["locked"] > 92 * 0.6


def test_some_reports_came_late_and_some_never_came(demo_data):
    submitted = Report.objects.filter(submitted_at__isnull=False).select_related("period")
    late = [r for r in submitted if r.is_late]
    missing = Report.objects.filter(submitted_at__isnull=True, period__due_on__lt=TODAY)
    assert 0 < len(late) < submitted.count() / 3
    assert 0 < missing.count() < Report.objects.count() / 10
    assert missing.filter(state=ReportState.DRAFT).count() == missing.count()


def test_state_changes_follow_each_report_to_its_state_once_each(demo_data):
    _summary, operator = demo_data
    chains: dict[str, list[tuple[str, str]]] = {}
    for object_id, old, new in state_changes().values_list("object_id", "old_value", "new_value"):
        chains.setdefault(object_id, []).append((old, new))
    for report in Report.objects.all():
        state = ReportState.DRAFT
        for old, new in chains.get(str(report.pk), []):
            assert old == state
            state = new
        assert state == report.state
    hengzhou = [str(pk) for pk in Report.objects.filter(base__code="B3-012").values_list("pk", flat=True)]
    submits = state_changes().filter(action="monitoring.submit", object_id__in=hengzhou)
    assert submits.exists() and set(submits.values_list("actor", flat=True)) == {operator.pk}
    report_rows = AuditEvent.objects.filter(object_type="monitoring.Report")
    # each value entered (one row per save, holding its values), each step taken
    entered = sum(len(e.changes) for e in report_rows.filter(action="monitoring.value"))
    assert entered >= ReportValue.objects.exclude(number=None, text="").count()
    assert report_rows.filter(action="monitoring.value").count() < ReportValue.objects.count() / 10
    assert not report_rows.filter(at__date__gte=TODAY).exists()  # history happened before today


def test_returned_reports_say_why_and_point_at_values(demo_data):
    returned = Report.objects.filter(state=ReportState.RETURNED)
    assert returned.exists() and not returned.filter(return_reason="").exists()
    assert ReportValue.objects.filter(report__in=returned).exclude(review_comment="").exists()
    reopened_ids = state_changes().filter(action="monitoring.reopen").values_list("object_id", flat=True)
    reopened = returned.filter(pk__in=[int(pk) for pk in reopened_ids]).first()
    assert reopened is not None and reopened.approved_snapshot


def test_outliers_are_flagged_and_submitted_ones_are_explained(demo_data):
    flagged = ReportValue.objects.exclude(flags=[])
    assert {f["kind"] for flags in flagged.values_list("flags", flat=True) for f in flags} == {
        "history",
        "peer",
    }
    assert flagged.count() < ReportValue.objects.count() / 10
    assert not flagged.filter(report__submitted_at__isnull=False, explanation="").exists()


def test_no_base_has_values_for_indicators_its_kind_does_not_report(demo_data):
    pairs = ReportValue.objects.values_list(
        "report__base__kind", "indicator_version__kinds", "indicator__code"
    )
    assert [(kind, code) for kind, kinds, code in pairs if kinds and kind not in kinds] == []
    universities = ReportValue.objects.filter(report__base__kind="university")
    assert universities.filter(indicator__code="ENTR_STUDENTS").exists()
    assert not universities.filter(indicator__code__in=["ENTR_MIGRANTS", "NEW_ENTITIES_GROWTH"]).exists()
    assert ReportValue.objects.filter(report__base__kind="region", indicator__code="ENTR_MIGRANTS").exists()


def test_derived_values_follow_their_formula_and_scale_differs_by_kind(demo_data):
    lean = Report.objects.filter(
        period__code="2025A", base__direction__code="lean", submitted_at__isnull=False
    )
    for report in lean[:5]:
        values = {v.indicator.code: v.number for v in report.values.select_related("indicator")}
        expected = (values["RD_SPEND"] / values["REVENUE"] * 100).quantize(Decimal("0.0001"))
        assert values["RD_INTENSITY"] == expected

    def revenue(**where):
        return median(
            ReportValue.objects.filter(
                indicator__code="REVENUE", report__period__code="2025A", **where
            ).values_list("number", flat=True)
        )

    assert (
        revenue(report__base__authority__code="sasac")
        > revenue(report__base__kind="region")
        > revenue(report__base__kind="university")
    )


def test_generating_twice_does_nothing_and_real_data_is_never_touched(registry, monkeypatch, capsys):
    monkeypatch.setattr(demo, "default_periods", lambda today: PERIODS)
    call_command("generate_demo_data")
    count = ReportValue.objects.count()
    call_command("generate_demo_data")
    assert "已存在" in capsys.readouterr().out
    assert ReportValue.objects.count() == count

    erase_for_demo(AuditEvent.objects.filter(action=demo.MARKER))  # as if the reports had been filed for real
    with pytest.raises(CommandError, match="非演示"):
        call_command("generate_demo_data", "--reset")
    assert ReportValue.objects.count() == count
