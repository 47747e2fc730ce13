import csv
import shutil
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from shuangchuang.core.models import AuditEvent
from shuangchuang.monitoring.catalogue import (
    DATA_DIR,
    CatalogueError,
    form_for,
    format_money,
    load_catalogue,
)
from shuangchuang.monitoring.formulas import references
from shuangchuang.monitoring.models import CrossCheck, Indicator, IndicatorVersion, ReportValue

from .factories import make_period, make_report

pytestmark = pytest.mark.django_db

DIRECTIONS = ("employment", "integration", "lean", "global")


@pytest.fixture
def catalogue(registry):
    load_catalogue()
    return Indicator.objects.all()


def edited_copy(tmp_path, code: str, **changes: str):
    """A copy of the shipped data files with one indicator's row edited."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    path = target / "indicators.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["code"] == code:
            row.update(changes)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return target


def test_the_catalogue_has_30_to_50_indicators_covering_every_direction(catalogue):
    assert 30 <= catalogue.count() <= 50
    covered = Counter(catalogue.values_list("directions__code", flat=True))
    assert covered[None] >= 8  # common indicators
    for direction in DIRECTIONS:
        assert covered[direction] >= 4, direction


def test_the_issue_s_indicators_are_there(catalogue):
    names = set(IndicatorVersion.objects.values_list("name", flat=True))
    for expected in [
        "有效知识产权数",
        "其中：有效发明专利数",
        "获得投融资额",
        "专职工作人员数",
        "出台支持政策数",
        "双创投入",
        "带动就业人数",
        "新登记市场主体数",
        "新登记市场主体增速",
        "其中：大学生创业人数",
        "其中：科研人员创业人数",
        "其中：返乡入乡创业农民工人数",
        "其中：退役军人创业人数",
        "其中：下岗失业人员创业人数",
        "其中：吸纳应届高校毕业生就业人数",
        "新孵化初创企业数",
        "技术合同成交额",
        "科技成果转化项目数",
        "专精特新中小企业数",
        "高新技术企业数",
        "研发投入强度",
        "国际化双创平台数",
        "引进海外高层次人才数",
    ]:
        assert expected in names, expected


def test_codes_are_identifiers_and_formulas_only_name_codes(catalogue):
    codes = set(catalogue.values_list("code", flat=True))
    assert all(code.isidentifier() and code.isupper() for code in codes)
    for version in IndicatorVersion.objects.exclude(formula=""):
        assert references(version.formula) <= codes
    assert IndicatorVersion.objects.get(indicator__code="RD_INTENSITY").formula == "RD_SPEND / REVENUE * 100"


def test_money_is_entered_in_thousand_yuan(catalogue):
    units = set(IndicatorVersion.objects.filter(value_type="money").values_list("unit", flat=True))
    assert units == {"千元"}


def test_every_part_has_a_check_against_its_total_and_teams_are_checked_against_members(catalogue):
    checks = {
        (c.left.code, c.operator, c.right.code) for c in CrossCheck.objects.select_related("left", "right")
    }
    for part in catalogue.filter(part_of__isnull=False).select_related("part_of"):
        assert (part.code, "<=", part.part_of.code) in checks
    assert ("TEAM_MEMBERS", ">=", "STARTUP_TEAMS") in checks
    groups = set(Indicator.objects.get(code="ENTREPRENEURS").parts.values_list("code", flat=True))
    assert {
        "ENTR_STUDENTS",
        "ENTR_RESEARCHERS",
        "ENTR_MIGRANTS",
        "ENTR_VETERANS",
        "ENTR_UNEMPLOYED",
    } <= groups


def test_a_first_load_writes_the_whole_catalogue_in_a_few_statements(registry, django_assert_max_num_queries):
    """Indicators, their directions, versions, totals and checks in bulk, not a handful of statements per
    indicator (the first load of a new deployment, and every demo start)."""
    with django_assert_max_num_queries(20):
        report = load_catalogue()

    assert len(report.created) == Indicator.objects.count() >= 30
    assert len(report.new_versions) == IndicatorVersion.objects.count()
    assert report.checks_created == CrossCheck.objects.count() > 0
    by_code = {i.code: i for i in Indicator.objects.prefetch_related("directions")}
    with (DATA_DIR / "indicators.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            named = {c for c in row["directions"].replace("；", ";").split(";") if c.strip()}
            assert {d.code for d in by_code[row["code"]].directions.all()} == named, row["code"]
            assert (by_code[row["code"]].part_of.code if by_code[row["code"]].part_of else "") == row[
                "part_of"
            ]
    created = AuditEvent.objects.filter(action="monitoring.catalogue", field="")
    assert sorted(created.values_list("object_id", flat=True)) == sorted(str(i.pk) for i in by_code.values())


def test_a_first_load_where_the_database_returns_no_ids_from_a_bulk_insert(registry, monkeypatch):
    """SQLite before 3.35 (still in some long-term distributions) gives no ids back from a bulk insert."""
    from django.db import connection

    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    report = load_catalogue()

    assert len(report.created) == Indicator.objects.count() >= 30
    assert Indicator.objects.filter(directions__isnull=False).exists()
    assert (
        Indicator.objects.filter(part_of__isnull=False).count()
        == CrossCheck.objects.filter(operator="<=").values("left").distinct().count()
    )


def test_reloading_changes_nothing(catalogue):
    versions, checks, events = (
        IndicatorVersion.objects.count(),
        CrossCheck.objects.count(),
        AuditEvent.objects.count(),
    )
    report = load_catalogue()
    assert not report.changed_anything
    assert report.unchanged == catalogue.count()
    assert (IndicatorVersion.objects.count(), CrossCheck.objects.count(), AuditEvent.objects.count()) == (
        versions,
        checks,
        events,
    )


def test_a_changed_definition_for_2026_is_a_new_version_and_2025_values_keep_the_old_one(catalogue, tmp_path):
    report = make_report("B3-001", make_period(2025, 3), JOBS_TOTAL=120)
    old = ReportValue.objects.get(report=report).indicator_version
    data = edited_copy(tmp_path, "JOBS_TOTAL", counting_rule="按本期新增数统计，含灵活就业人员。")

    result = load_catalogue(data, from_year=2026)

    assert result.new_versions == [("JOBS_TOTAL", 2026)]
    jobs = Indicator.objects.get(code="JOBS_TOTAL")
    assert jobs.version_for(2025) == old
    assert jobs.version_for(2026).counting_rule == "按本期新增数统计，含灵活就业人员。"
    old.refresh_from_db()
    assert "含灵活就业人员" not in old.counting_rule
    assert ReportValue.objects.get(report=report).indicator_version == old
    assert load_catalogue(data, from_year=2026).changed_anything is False


def test_a_definition_with_values_is_never_rewritten_in_place(catalogue, tmp_path):
    make_report("B3-001", make_period(2025, 3), JOBS_TOTAL=120)
    data = edited_copy(tmp_path, "JOBS_TOTAL", name="带动就业人数（新口径）")

    with pytest.raises(CatalogueError, match="不能改写"):
        load_catalogue(data)

    assert Indicator.objects.get(code="JOBS_TOTAL").versions.get().name == "带动就业人数"


def test_a_file_with_errors_lists_them_all_and_writes_nothing(registry, tmp_path):
    data = edited_copy(tmp_path, "JOBS_TOTAL", value_type="amount", directions="employment;space")
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(data)
    assert len(raised.value.errors) == 2
    assert not Indicator.objects.exists()


def test_forms_differ_by_direction_and_the_quarterly_form_is_part_of_the_annual_one(catalogue):
    forms = {}
    for direction in DIRECTIONS:
        annual = [v.indicator.code for _, versions in form_for(direction, "annual", 2025) for v in versions]
        quarterly = [
            v.indicator.code for _, versions in form_for(direction, "quarterly", 2025) for v in versions
        ]
        assert set(quarterly) < set(annual)
        assert "FULLTIME_STAFF" in quarterly and "IP_VALID" in annual and "IP_VALID" not in quarterly
        forms[direction] = frozenset(annual)
    assert len(set(forms.values())) == 4
    assert "JOBS_TOTAL" in forms["employment"] and "JOBS_TOTAL" not in forms["lean"]
    assert "RD_INTENSITY" in forms["lean"]


def test_the_form_is_grouped_by_section_in_order(catalogue):
    sections = form_for("employment", "annual", 2025)
    assert [name for name, _ in sections][:2] == ["基本情况", "经营与创新"]
    jobs = dict(sections)["创业就业"]
    assert [v.indicator.code for v in jobs][:2] == ["JOBS_TOTAL", "GRADUATES_HIRED"]


def test_the_form_uses_the_definition_in_force_that_year(catalogue, tmp_path):
    load_catalogue(edited_copy(tmp_path, "REVENUE", name="营业收入（新口径）"), from_year=2026)

    def name(year):
        return next(
            v.name for _, vs in form_for("lean", "annual", year) for v in vs if v.indicator.code == "REVENUE"
        )

    assert (name(2025), name(2026)) == ("营业收入", "营业收入（新口径）")


def test_load_indicators_command_is_idempotent(registry, capsys):
    call_command("load_indicators")
    call_command("load_indicators")
    assert "新增指标 0 个，更新 0 个，新增定义版本 0 个" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("thousand_yuan", "text"),
    [
        (123_456, "1.23亿元"),
        (4567, "456.7万元"),
        (Decimal("100000"), "1.00亿元"),
        (5, "0.5万元"),
        (3_200_000_000, "3.20万亿元"),
        (None, "—"),
    ],
)
def test_money_is_summarised_in_wan_or_yi_yuan(thousand_yuan, text):
    assert format_money(thousand_yuan) == text


# ---- the admin: national administrators edit the catalogue; reports stay locked for every way in ----------


def test_a_national_admin_adds_a_new_version_in_the_admin_and_it_is_audited(catalogue, make_user, client_for):
    client = client_for(make_user("national_admin", is_staff=True))
    jobs = Indicator.objects.get(code="JOBS_TOTAL")
    response = client.post(
        reverse("admin:monitoring_indicatorversion_add"),
        {
            "indicator": jobs.pk,
            "valid_from_year": 2027,
            "name": "带动就业人数",
            "unit": "人",
            "value_type": "count",
            "polarity": "positive",
            "formula": "",
        },
    )
    assert response.status_code == 302
    assert jobs.version_for(2027).valid_from_year == 2027
    assert AuditEvent.objects.filter(action="admin.add", object_type="monitoring.IndicatorVersion").exists()


def test_the_admin_refuses_a_formula_over_unknown_codes(catalogue, make_user, client_for):
    client = client_for(make_user("national_admin", is_staff=True))
    response = client.post(
        reverse("admin:monitoring_indicatorversion_add"),
        {
            "indicator": Indicator.objects.get(code="RD_INTENSITY").pk,
            "valid_from_year": 2027,
            "name": "研发投入强度",
            "value_type": "percent",
            "polarity": "positive",
            "formula": "RD_SPEND / TURNOVER * 100",
        },
    )
    assert response.status_code == 200 and "TURNOVER" in response.content.decode()


def test_a_definition_with_values_cannot_be_changed_in_the_admin(catalogue, make_user, client_for):
    make_report("B3-001", make_period(2025, 3), JOBS_TOTAL=120)
    version = Indicator.objects.get(code="JOBS_TOTAL").versions.get()
    client = client_for(make_user("national_admin", is_staff=True))
    url = reverse("admin:monitoring_indicatorversion_change", args=[version.pk])
    client.post(
        url,
        {
            "indicator": version.indicator_id,
            "valid_from_year": 2021,
            "name": "改写",
            "value_type": "count",
            "polarity": "positive",
        },
    )
    version.refresh_from_db()
    assert version.name == "带动就业人数"


def test_reports_and_values_are_read_only_in_the_admin(catalogue, make_user, client_for):
    report = make_report("B3-001", make_period(2025, 3), "draft", JOBS_TOTAL=120)
    value = report.values.get()
    client = client_for(make_user("national_admin", is_staff=True))
    assert client.get(reverse("admin:monitoring_report_change", args=[report.pk])).status_code == 200  # view
    assert client.get(reverse("admin:monitoring_report_add")).status_code == 403
    assert (
        client.post(reverse("admin:monitoring_report_delete", args=[report.pk]), {"post": "yes"}).status_code
        == 403
    )
    client.post(reverse("admin:monitoring_reportvalue_change", args=[value.pk]), {"number": "999"})
    value.refresh_from_db()
    assert value.number == 120


def test_opening_a_period_from_the_admin_creates_the_reports(catalogue, make_user, client_for):
    from shuangchuang.monitoring.periods import create_period

    period = create_period(2025, 3)
    client = client_for(make_user("national_admin", is_staff=True))
    client.post(
        reverse("admin:monitoring_reportingperiod_changelist"),
        {"action": "open_selected", "_selected_action": [period.pk]},
    )
    assert period.reports.count() == 92


def test_others_cannot_reach_the_catalogue_admin(catalogue, make_user, client_for):
    client = client_for(make_user("authority", authority="moe", is_staff=True))
    # the app's 403 page, not the admin's login form
    assert client.get(reverse("admin:monitoring_indicator_changelist")).status_code == 403
