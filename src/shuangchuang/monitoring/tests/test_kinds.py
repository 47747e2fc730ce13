"""Which indicators a base reports depends on its kind (region, university, research institute, enterprise)
as well as its direction: 厦门大学 in 创业就业 is not asked the region questions — on its form, in its
templates, in what is required and in completeness (the default evaluation scheme: evaluation's
test_default_schemes_by_kind.py)."""

from __future__ import annotations

import csv
import io
import shutil

import pytest
from conftest import sign_in
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from shuangchuang.accounts.models import Role
from shuangchuang.monitoring import services
from shuangchuang.monitoring.catalogue import DATA_DIR, CatalogueError, form_for, load_catalogue
from shuangchuang.monitoring.completeness import period_completeness, trend
from shuangchuang.monitoring.models import Action, IndicatorVersion, ReportValue
from shuangchuang.monitoring.validation import form_versions

from .factories import make_period, make_report

pytestmark = pytest.mark.django_db

XMU, HENGZHOU = "B3-023", "B3-012"  # 厦门大学 (university) and 横州市 (region), both 创业就业
REGION_QUESTIONS = {"ENTR_MIGRANTS", "ENTR_VETERANS", "ENTR_UNEMPLOYED", "NEW_ENTITIES_GROWTH"}
LARGE_FIRM_QUESTIONS = {
    "OPEN_PLATFORMS",
    "PLATFORM_SMES",
    "SUPPLY_CHAIN_SMES",
    "JOINT_RD_PROJECTS",
    "HIDDEN_CHAMPIONS",
}


@pytest.fixture
def catalogue(registry):
    load_catalogue()


@pytest.fixture
def period(catalogue):
    return make_period(2025)


def login(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def codes(base, period) -> set[str]:
    return set(form_versions(base, period))


def complete_values(base, period) -> dict[str, str]:
    """A value for every indicator a base types in (parts small enough for their totals)."""
    values = {}
    for code, version in form_versions(base, period).items():
        if version.is_derived:
            continue
        if version.value_type == "boolean":
            values[code] = "是"
        elif version.value_type == "text":
            values[code] = "进展顺利"
        else:
            values[code] = "1000" if version.indicator.part_of_id is None else "10"
    values["TEAM_MEMBERS"] = "3000"
    return values


def test_the_catalogue_file_says_which_kinds_report_each_indicator(catalogue):
    kinds = dict(IndicatorVersion.objects.values_list("indicator__code", "kinds"))
    assert {code for code, k in kinds.items() if k == ["region"]} == REGION_QUESTIONS
    assert {code for code, k in kinds.items() if k == ["region", "enterprise"]} == LARGE_FIRM_QUESTIONS
    assert kinds["ENTR_STUDENTS"] == kinds["NEW_ENTITIES"] == kinds["REVENUE"] == []  # every kind


def test_a_university_in_employment_is_not_asked_region_questions_on_its_form_page(period, make_user):
    university = make_report(XMU, period)
    region = make_report(HENGZHOU, period)

    page = login(make_user(Role.OPERATOR, base=XMU)).get(f"/monitoring/reports/{university.pk}/")
    region_page = login(make_user(Role.OPERATOR, base=HENGZHOU)).get(f"/monitoring/reports/{region.pk}/")

    html, region_html = page.content.decode(), region_page.content.decode()
    for code in REGION_QUESTIONS:
        assert f'data-testid="field-{code}"' not in html and f'data-testid="field-{code}"' in region_html
    assert "返乡入乡创业农民工人数" not in html and "新登记市场主体增速" not in html
    for code in ("ENTR_STUDENTS", "ENTR_RESEARCHERS", "JOBS_TOTAL", "NEW_ENTITIES", "NEW_STARTUPS"):
        assert f'data-testid="field-{code}"' in html


def test_the_university_s_template_has_no_region_rows_and_the_bases_sheet_greys_them_out(period, make_user):
    make_report(XMU, period)
    make_report(HENGZHOU, period)

    own = login(make_user(Role.OPERATOR, base=XMU)).get(f"/monitoring/excel/2025A/{XMU}.xlsx").content
    bases = login(make_user(Role.NATIONAL_ADMIN)).get("/monitoring/excel/2025A/bases.xlsx").content

    rows = {
        row[0] for row in load_workbook(io.BytesIO(own))["填报数据"].iter_rows(min_row=4, values_only=True)
    }
    assert not rows & REGION_QUESTIONS and {"ENTR_STUDENTS", "NEW_ENTITIES"} <= rows
    sheet = load_workbook(io.BytesIO(bases))["填报数据"]
    column = {cell.value: cell.column for cell in sheet[2]}
    row = {sheet.cell(r, 1).value: r for r in range(3, sheet.max_row + 1)}
    migrants = column["ENTR_MIGRANTS"]
    assert sheet.cell(row[XMU], migrants).protection.locked
    assert not sheet.cell(row[HENGZHOU], migrants).protection.locked


def test_a_region_value_typed_for_the_university_is_refused_with_the_reason(period, make_user):
    make_report(XMU, period)
    make_report(HENGZHOU, period)
    client = login(make_user(Role.NATIONAL_ADMIN))
    workbook = load_workbook(io.BytesIO(client.get("/monitoring/excel/2025A/bases.xlsx").content))
    sheet = workbook["填报数据"]
    column = {cell.value: cell.column for cell in sheet[2]}
    row = {sheet.cell(r, 1).value: r for r in range(3, sheet.max_row + 1)}
    sheet.protection.sheet = False
    sheet.cell(row[XMU], column["ENTR_MIGRANTS"]).value = 12  # in the grey cell
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = client.post(
        "/monitoring/excel/", {"period": "2025A", "file": SimpleUploadedFile("b.xlsx", buffer.getvalue())}
    )

    assert [(e.field, e.message) for e in response.context["errors"]] == [
        ("其中：返乡入乡创业农民工人数", "高校基地不填报此指标（本指标由区域基地填报）")
    ]
    assert not ReportValue.objects.exists()


def test_the_university_submits_without_the_region_values_and_the_region_cannot(period, make_user):
    university, region = make_report(XMU, period), make_report(HENGZHOU, period)
    xmu, hengzhou = make_user(Role.OPERATOR, base=XMU), make_user(Role.OPERATOR, base=HENGZHOU)
    services.save_values(university, complete_values(university.base, period), actor=xmu)
    services.save_values(region, complete_values(university.base, period), actor=hengzhou)  # the same
    university.refresh_from_db()
    region.refresh_from_db()

    assert services.submission_problems(university) == []
    assert {p.code for p in services.submission_problems(region)} == REGION_QUESTIONS - {
        "NEW_ENTITIES_GROWTH"  # computed, never typed
    }
    assert services.transition(university, Action.SUBMIT, actor=xmu).state == "submitted"


def test_completeness_counts_what_each_kind_is_asked(period, make_user):
    university, region = make_report(XMU, period), make_report(HENGZHOU, period)
    services.save_values(
        university, complete_values(university.base, period), actor=make_user(Role.OPERATOR, base=XMU)
    )
    national = make_user(Role.NATIONAL_ADMIN)

    rows = {
        row.base.code: row
        for block in period_completeness(national, period).authorities
        for row in block.rows
    }
    (_, tally) = trend(national, [period])[0]

    assert rows[XMU].required_expected == rows[HENGZHOU].required_expected - 3
    assert rows[XMU].completeness_rate == 100.0
    assert tally.required_expected == rows[XMU].required_expected + rows[HENGZHOU].required_expected
    assert tally.required_present == rows[XMU].required_present
    assert region.values.count() == 0


def without_kinds(tmp_path):
    """The shipped data files as they were before the kinds column."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    path = target / "indicators.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=[f for f in rows[0] if f != "kinds"], extrasaction="ignore"
        )
        writer.writeheader()
        writer.writerows(rows)
    return target


def test_on_a_database_with_values_the_kinds_start_as_a_new_version_and_past_forms_keep_theirs(
    registry, tmp_path
):
    load_catalogue(without_kinds(tmp_path))
    last_year = make_period(2025)
    make_report(XMU, last_year, ENTR_MIGRANTS=2)
    xmu = last_year.reports.get().base

    with pytest.raises(CatalogueError, match="不能改写"):
        load_catalogue()
    result = load_catalogue(from_year=2026)

    assert sorted(result.new_versions) == sorted(
        (code, 2026) for code in REGION_QUESTIONS | LARGE_FIRM_QUESTIONS
    )
    assert "ENTR_MIGRANTS" in codes(xmu, last_year)
    assert "ENTR_MIGRANTS" not in codes(xmu, make_period(2026))
    assert ReportValue.objects.get().indicator_version.kinds == []


def test_a_kind_that_does_not_exist_is_an_error_in_the_file(registry, tmp_path):
    data = without_kinds(tmp_path)
    path = data / "indicators.csv"
    text = path.read_text(encoding="utf-8").replace("counting_rule\n", "counting_rule,kinds\n", 1)
    path.write_text(text.replace("。\n", "。,campus\n", 1), encoding="utf-8")

    with pytest.raises(CatalogueError, match="适用基地类型“campus”无效"):
        load_catalogue(data)


def test_forms_for_a_direction_of_any_kind_still_hold_every_question(catalogue):
    codes_any = {v.indicator.code for _, vs in form_for("employment", "annual", 2025) for v in vs}
    codes_university = {
        v.indicator.code for _, vs in form_for("employment", "annual", 2025, kind="university") for v in vs
    }
    assert codes_any - codes_university == REGION_QUESTIONS


def test_a_national_admin_sets_the_kinds_of_a_new_version_in_the_admin(catalogue, make_user):
    client = login(make_user(Role.NATIONAL_ADMIN, is_staff=True))
    migrants = IndicatorVersion.objects.get(indicator__code="ENTR_MIGRANTS")

    client.post(
        reverse("admin:monitoring_indicatorversion_add"),
        {
            "indicator": migrants.indicator_id,
            "valid_from_year": 2027,
            "name": migrants.name,
            "unit": "人",
            "value_type": "count",
            "polarity": "positive",
            "formula": "",
            "kinds": ["region", "enterprise"],
        },
    )
    client.post(
        reverse("admin:monitoring_indicatorversion_change", args=[migrants.pk]),
        {
            "indicator": migrants.indicator_id,
            "valid_from_year": 2021,
            "name": migrants.name,
            "unit": "人",
            "value_type": "count",
            "polarity": "positive",
            "formula": "",
            "kinds": ["region", "university", "institute", "enterprise"],
        },
    )

    kinds = dict(
        IndicatorVersion.objects.filter(indicator__code="ENTR_MIGRANTS").values_list(
            "valid_from_year", "kinds"
        )
    )
    assert kinds == {2021: [], 2027: ["region", "enterprise"]}
