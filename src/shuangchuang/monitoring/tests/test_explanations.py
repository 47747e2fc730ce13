"""An explanation (情况说明) belongs to an outlier flag: when a save clears the flag, the explanation goes with
it — on the page, in a report workbook and in an authority's workbook — and stays in the audit history."""

from __future__ import annotations

import io

import pytest
from conftest import sign_in
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from shuangchuang.accounts.models import Role
from shuangchuang.core.audit import field_history
from shuangchuang.core.models import AuditEvent
from shuangchuang.monitoring import services
from shuangchuang.monitoring.models import Action, Report, ReportValue

from .factories import make_period, make_report, make_small_catalogue

pytestmark = pytest.mark.django_db

HENGZHOU = "B3-012"  # 横州市, reviewed by 广西 DRC
EXPLANATION = "新园区投产，带动就业大幅增加"


@pytest.fixture
def operator(registry, make_user):
    return make_user(Role.OPERATOR, base=HENGZHOU)


@pytest.fixture
def report(operator):
    """A draft whose 带动就业人数 is ten times last year's: flagged, and explained by the base."""
    make_small_catalogue()
    make_report(HENGZHOU, make_period(2024), state="locked", JOBS=100, JOBS_GRAD=10, REVENUE=50000, RD=2500)
    report = make_report(HENGZHOU, make_period(2025))
    values = {"JOBS": "1000", "JOBS_GRAD": "30", "REVENUE": "52000", "RD": "2600"}
    services.save_values(report, values, explanations={"JOBS": EXPLANATION}, actor=operator)
    assert (jobs(report).flags, jobs(report).explanation) != ([], "")
    report.refresh_from_db()
    return report


def jobs(report: Report) -> ReportValue:
    return ReportValue.objects.get(report=report, indicator__code="JOBS")


def login(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def explanation_history(report: Report) -> list[tuple[object, object]]:
    events = AuditEvent.objects.filter(object_type="monitoring.Report", object_id=str(report.pk)).order_by(
        "pk"
    )
    return [(old, new) for _, old, new in field_history(events, "JOBS.explanation")]


def workbook_with(data: bytes, cells: dict[tuple[object, object], object]) -> bytes:
    """Type into a template: (row key in column A, column key in the row of codes or header) → value."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["填报数据"]
    for (row_key, column_key), value in cells.items():
        row = next(c.row for c in sheet["A"] if c.value == row_key)
        column = next(c.column for r in sheet.iter_rows(max_row=4) for c in r if c.value == column_key)
        sheet.cell(row, column).value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload_and_confirm(client: Client, data: bytes):
    preview = client.post(
        "/monitoring/excel/", {"period": "2025A", "file": SimpleUploadedFile("填报.xlsx", data)}
    )
    assert preview.status_code == 200 and "token" in preview.context, preview.context.get("errors")
    client.post("/monitoring/excel/confirm/", {"token": preview.context["token"]})
    return preview


def test_correcting_the_value_on_the_page_takes_the_explanation_off_the_form(operator, report):
    client = login(operator)
    data = {"value-JOBS": "110", "explanation-JOBS": EXPLANATION, "action": "save", "version": report.version}
    data.update({f"value-{c}": v for c, v in {"JOBS_GRAD": "30", "REVENUE": "52000", "RD": "2600"}.items()})

    client.post(f"/monitoring/reports/{report.pk}/save/", data)

    value = jobs(report)
    assert (value.number, value.flags, value.explanation) == (110, [], "")
    page = client.get(f"/monitoring/reports/{report.pk}/").content.decode()
    field = page[page.index('data-testid="field-JOBS"') : page.index('data-testid="field-JOBS_GRAD"')]
    assert EXPLANATION not in field and 'name="explanation-JOBS"' not in field
    assert explanation_history(report) == [(None, EXPLANATION), (EXPLANATION, None)]


def test_correcting_the_value_in_the_report_workbook_drops_the_explanation_it_still_holds(operator, report):
    client = login(operator)
    template = client.get(f"/monitoring/excel/2025A/{HENGZHOU}.xlsx").content
    filled = workbook_with(template, {("JOBS", "本期数值"): 110})  # 情况说明 still holds the old text

    preview = upload_and_confirm(client, filled)

    lines = {line.code: line for _, group, _ in preview.context["groups"] for line in group}
    assert lines["JOBS"].explanation_dropped == EXPLANATION
    assert 'data-testid="explanation-dropped"' in preview.content.decode()
    assert (jobs(report).flags, jobs(report).explanation) == ([], "")
    assert explanation_history(report)[-1] == (EXPLANATION, None)


def test_correcting_the_value_in_an_authority_workbook_clears_the_explanation(make_user, report):
    client = login(make_user(Role.AUTHORITY, authority="drc-450000"))
    template = client.get("/monitoring/excel/2025A/bases.xlsx").content

    upload_and_confirm(client, workbook_with(template, {(HENGZHOU, "JOBS"): 110}))

    assert (jobs(report).number, jobs(report).flags, jobs(report).explanation) == (110, [], "")
    assert explanation_history(report)[-1] == (EXPLANATION, None)


def test_an_outlier_corrected_to_another_outlier_keeps_its_explanation(operator, report):
    services.save_values(report, {"JOBS": "900"}, actor=operator)

    assert jobs(report).flags and jobs(report).explanation == EXPLANATION


def test_an_explanation_typed_for_an_ordinary_value_is_not_kept(operator, report):
    services.save_values(report, {"REVENUE": "53000"}, explanations={"REVENUE": "正常增长"}, actor=operator)

    value = ReportValue.objects.get(report=report, indicator__code="REVENUE")
    assert (value.number, value.explanation) == (53000, "")


def test_a_saved_flag_that_no_longer_holds_leaves_with_its_explanation_and_frees_the_submission(
    operator, report
):
    ReportValue.objects.filter(report=report, indicator__code="REVENUE").update(
        flags=[{"kind": "peer", "median": "1 千元", "z": "9.0"}]  # raised when the peers looked different
    )
    report.refresh_from_db()

    services.save_values(report, {}, explanations={"REVENUE": "规模较大"}, actor=operator)
    report.refresh_from_db()

    revenue = ReportValue.objects.get(report=report, indicator__code="REVENUE")
    assert (revenue.flags, revenue.explanation) == ([], "")
    assert services.transition(report, Action.SUBMIT, actor=operator).state == "submitted"
