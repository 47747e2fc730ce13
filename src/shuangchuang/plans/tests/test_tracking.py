"""Goals are tracked from approved monitoring data only; the trajectory status on hand-computed cases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shuangchuang.monitoring.tests.factories import make_period, make_report
from shuangchuang.plans.selectors import Status, goal_progress, goal_series, status_of, trajectory

from .factories import approved_plan, indicator

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(make_user):
    return make_user("operator", base="B3-012")


@pytest.fixture
def reviewer(make_user):
    return make_user("authority", authority="drc-450000")


@pytest.mark.parametrize(
    ("year", "expected"),
    # baseline 100 at the end of 2023, final 200 at the end of 2026: a third of the way per year
    [(2024, "133.33"), (2025, "166.67"), (2026, "200.00"), (2023, "100.00"), (2030, "200.00")],
)
def test_straight_line_trajectory(year, expected):
    value = trajectory(Decimal(100), Decimal(200), 2024, 2026, year)
    assert value.quantize(Decimal("0.01")) == Decimal(expected)


@pytest.mark.parametrize(
    ("actual", "trend", "status"),
    [
        (None, "increase", Status.NO_DATA),
        (Decimal(140), "increase", Status.ON_TRACK),  # line at 133.33 after the first year
        (Decimal(133), "increase", Status.BEHIND),
        (Decimal(200), "increase", Status.ACHIEVED),
        # a goal to bring something down from 100 to 40: the line is at 80 after the first year
        (Decimal(75), "decrease", Status.ON_TRACK),
        (Decimal(85), "decrease", Status.BEHIND),
        (Decimal(40), "decrease", Status.ACHIEVED),
    ],
)
def test_status_against_the_line(actual, trend, status):
    if trend == "increase":
        expected, final = trajectory(Decimal(100), Decimal(200), 2024, 2026, 2024), Decimal(200)
    else:
        expected, final = trajectory(Decimal(100), Decimal(40), 2024, 2026, 2024), Decimal(40)
    assert status_of(actual, expected, final, trend) == status


@pytest.mark.parametrize("state", ["draft", "submitted", "returned", "reviewed"])
def test_reports_not_yet_approved_never_count(operator, reviewer, state):
    plan = approved_plan(operator, reviewer, linked=indicator())
    make_report("B3-012", make_period(2024), state=state, JOBS=150)
    [row] = goal_progress(plan, 2024)
    assert row.actual is None
    assert row.status == Status.NO_DATA


@pytest.mark.parametrize("state", ["approved", "locked"])
def test_approved_annual_report_gives_the_actual(operator, reviewer, state):
    plan = approved_plan(operator, reviewer, linked=indicator())
    make_report("B3-012", make_period(2024), state=state, JOBS=150)
    [row] = goal_progress(plan, 2024)
    assert (row.target, row.actual, row.status) == (Decimal(130), Decimal(150), Status.ON_TRACK)


def test_another_bases_report_does_not_count(operator, reviewer):
    plan = approved_plan(operator, reviewer, linked=indicator())
    make_report("B3-023", make_period(2024), state="approved", JOBS=150)
    assert goal_progress(plan, 2024)[0].actual is None


def test_series_heads_with_the_latest_year_with_data(operator, reviewer):
    plan = approved_plan(operator, reviewer, linked=indicator())
    make_report("B3-012", make_period(2024), state="locked", JOBS=150)
    make_report("B3-012", make_period(2025), state="approved", JOBS=150)
    [row] = goal_series(plan)
    assert row.year == 2025
    assert row.status == Status.BEHIND  # the line is at 166.67 after two years
    assert [p.actual for p in row.series] == [Decimal(150), Decimal(150), None]
