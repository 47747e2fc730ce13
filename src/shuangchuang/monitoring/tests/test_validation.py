from decimal import Decimal

import pytest

from shuangchuang.monitoring.models import IndicatorVersion, ReportValue
from shuangchuang.monitoring.validation import parse_raw, plan_changes

from .factories import make_period, make_report, make_small_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(registry):
    return make_small_catalogue()


def version(kind: str, **fields) -> IndicatorVersion:
    return IndicatorVersion(name="x", unit="人", value_type=kind, **fields)


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("count", "１２３", Decimal(123)),
        ("count", "1,234 ", Decimal(1234)),
        ("count", "1，234", Decimal(1234)),
        ("money", "12.5", Decimal("12.5")),
        ("percent", "12.5%", Decimal("12.5")),
        ("boolean", "是", Decimal(1)),
        ("boolean", "否", Decimal(0)),
        ("text", "  亮点 ", "亮点"),
        ("count", "", None),
        ("count", "—", None),
    ],
)
def test_values_are_read_the_way_officials_type_them(kind, raw, expected):
    assert parse_raw(version(kind), raw) == (expected, None)


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        ("count", "12.5", "“12.5”应为整数"),
        ("count", "十二", "“十二”不是数字"),
        ("count", "1e400", "超出可填报的范围"),
        ("money", "5%", "带有百分号"),
        ("boolean", "也许", "应填“是”或“否”"),
    ],
)
def test_bad_values_get_a_reason(kind, raw, message):
    value, error = parse_raw(version(kind), raw)
    assert value is None and message in error


def test_a_plan_lists_every_change_and_every_error_and_writes_nothing(catalogue):
    report = make_report("B3-001", make_period(2025), JOBS=100)
    plan = plan_changes(
        [(report, {"JOBS": "120", "JOBS_GRAD": "130", "REVENUE": "-5", "RD": "abc", "NOPE": "1"})]
    )
    assert sorted(str(e) for e in plan.errors) == [
        "晋城经开区 JOBS_GRAD：其中：吸纳应届高校毕业生（130）不应大于带动就业人数（120）",
        "晋城经开区 NOPE：不是本报表的指标",
        "晋城经开区 RD：研发投入：“abc”不是数字",
        "晋城经开区 REVENUE：营业收入：-5 小于允许的最小值 0",
    ]
    assert ReportValue.objects.get(report=report).number == 100


def test_derived_values_follow_the_entered_ones(catalogue):
    report = make_report("B3-001", make_period(2025))
    plan = plan_changes([(report, {"REVENUE": "40000", "RD": "1200", "RD_INTENSITY": "99"})])
    assert plan.ok
    assert {c.code: c.new for c in plan.changes}["RD_INTENSITY"] == Decimal("3.0000")


def test_quarterly_form_has_only_quarterly_indicators(catalogue):
    report = make_report("B3-001", make_period(2025, 2))
    plan = plan_changes([(report, {"REVENUE": "1"})])
    assert [str(e) for e in plan.errors] == ["晋城经开区 REVENUE：不是本报表的指标"]


def test_a_jump_against_own_history_is_flagged_not_refused(catalogue):
    make_report("B3-001", make_period(2024, 2), JOBS=100)
    report = make_report("B3-001", make_period(2025, 2))
    plan = plan_changes([(report, {"JOBS": "450"})])
    assert plan.ok
    jobs = next(c for c in plan.changes if c.code == "JOBS")
    assert [f["kind"] for f in jobs.flags] == ["history"]
    assert "4.50 倍" in jobs.flags[0]["message"]


def test_the_previous_quarter_counts_as_history(catalogue):
    make_report("B3-001", make_period(2025, 1), JOBS=100)
    report = make_report("B3-001", make_period(2025, 2))
    jobs = next(c for c in plan_changes([(report, {"JOBS": "30"})]).changes if c.code == "JOBS")
    assert "与上期（100 人）相比变化为 0.30 倍" in jobs.flags[0]["message"]


def test_a_flag_writes_the_earlier_value_with_grouped_digits_and_its_unit(catalogue):
    make_report("B3-001", make_period(2025, 1), JOBS=12000)
    report = make_report("B3-001", make_period(2025, 2))
    jobs = next(c for c in plan_changes([(report, {"JOBS": "3000"})]).changes if c.code == "JOBS")
    assert jobs.flags[0]["message"] == "与上期（12,000 人）相比变化为 0.25 倍"


def test_peers_use_the_robust_modified_z_score(catalogue):
    period = make_period(2025, 3)
    # eight peers of the 创业就业 direction with typical, skewed values
    for code, jobs in zip(
        ["B3-002", "B3-003", "B3-004", "B3-005", "B3-006", "B3-007", "B3-008", "B3-009"],
        [100, 120, 90, 300, 150, 80, 110, 130],
        strict=True,
    ):
        make_report(code, period, JOBS=jobs)
    report = make_report("B3-001", period)
    ordinary = next(c for c in plan_changes([(report, {"JOBS": "400"})]).changes if c.code == "JOBS")
    extreme = next(c for c in plan_changes([(report, {"JOBS": "5000"})]).changes if c.code == "JOBS")
    # median of the nine values with 400 is 120, MAD 30: z = 0.6745·280/30 = 6.3 > 3.5 → flagged
    assert [f["kind"] for f in ordinary.flags] == ["peer"]
    assert [f["kind"] for f in extreme.flags] == ["peer"]
    modest = next(c for c in plan_changes([(report, {"JOBS": "200"})]).changes if c.code == "JOBS")
    # with 200: median 120, MAD 30 → z = 0.6745·80/30 = 1.8 → not flagged
    assert modest.flags == []


def test_an_authority_workbook_is_judged_as_a_whole_its_bases_are_each_others_peers(catalogue):
    period = make_period(2025, 3)
    # nine districts (区域 bases) of the 创业就业 direction; nothing is saved yet
    codes = ["B3-001", "B3-002", "B3-003", "B3-005", "B3-006", "B3-007", "B3-008", "B3-009", "B3-010"]
    jobs = ["100", "120", "90", "5000", "150", "80", "110", "130", "140"]
    entries = [(make_report(code, period), {"JOBS": value}) for code, value in zip(codes, jobs, strict=True)]

    plan = plan_changes(entries)

    flagged = [c for c in plan.changes if c.code == "JOBS" and c.flags]
    # the peers are the other rows of the same upload: median 120, MAD 20, z(5000) = 0.6745·4880/20 = 165
    assert [c.report.base.code for c in flagged] == ["B3-005"]
    assert flagged[0].flags[0]["message"] == "明显偏离同方向基地（中位数 120 人，修正 z 值 164.6）"


def test_a_base_changing_its_value_is_not_compared_with_its_own_old_value(catalogue):
    period = make_period(2025, 3)
    peers = zip(["B3-002", "B3-003", "B3-005", "B3-006", "B3-007"], [100, 120, 90, 150, 80], strict=True)
    for code, jobs in peers:
        make_report(code, period, JOBS=jobs)
    report = make_report("B3-001", period, JOBS=100_000)  # saved earlier

    [jobs] = [c for c in plan_changes([(report, {"JOBS": "5000"})]).changes if c.code == "JOBS"]

    # the group is the five peers and the new 5000 (median 110); with the old 100,000 as well it would be 120
    assert [f["message"] for f in jobs.flags if f["kind"] == "peer"] == [
        "明显偏离同方向基地（中位数 110 人，修正 z 值 131.9）"  # MAD 25
    ]


def test_peers_are_bases_of_the_same_kind_a_university_is_not_judged_against_districts(catalogue):
    period = make_period(2025, 3)
    for code, jobs in zip(
        ["B3-002", "B3-003", "B3-005", "B3-006", "B3-007", "B3-008", "B3-009"],
        [100, 120, 90, 150, 80, 110, 130],
        strict=True,
    ):
        make_report(code, period, JOBS=jobs)
    university = make_report("B3-021", period)  # 西安交通大学: no university peers have reported yet
    district = make_report("B3-001", period)
    assert (
        next(c for c in plan_changes([(university, {"JOBS": "5000"})]).changes if c.code == "JOBS").flags
        == []
    )
    assert next(c for c in plan_changes([(district, {"JOBS": "5000"})]).changes if c.code == "JOBS").flags


def test_growth_rates_are_not_compared_with_last_periods_growth_rate(catalogue):
    make_report("B3-001", make_period(2024, 1), JOBS=100, JOBS_GROWTH=2)
    make_report("B3-001", make_period(2024, 2), JOBS=100)
    report = make_report("B3-001", make_period(2025, 2))
    make_report("B3-001", make_period(2025, 1), JOBS=120, JOBS_GROWTH=20)
    growth = next(c for c in plan_changes([(report, {"JOBS": "110"})]).changes if c.code == "JOBS_GROWTH")
    assert growth.new == Decimal("10.0000") and growth.flags == []


def test_a_blank_value_with_a_blank_explanation_where_nothing_is_saved_is_no_change(catalogue):
    report = make_report("B3-001", make_period(2025, 3))

    plan = plan_changes([(report, {"JOBS": ""})], explanations={(report.pk, "JOBS"): ""})

    assert plan.changes == []
