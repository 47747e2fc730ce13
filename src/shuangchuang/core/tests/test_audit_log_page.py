"""The auditor reads the log with filters (date range, who, event, object) and exports it as .xlsx and
CSV, formula-safe, each export itself in the log; nobody edits or deletes a row from a page or the admin."""

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from shuangchuang.core.audit import record, record_about
from shuangchuang.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(make_user, client_for):
    return client_for(make_user("auditor"))


@pytest.fixture
def events(make_user):
    operator = make_user("operator", base="B3-012", first_name="填报", last_name="黄")
    with time_machine.travel(dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)):
        record(operator, "accounts.login", operator, field="source_address", new="10.0.0.7")
    with time_machine.travel(dt.datetime(2026, 3, 5, 10, tzinfo=dt.UTC)):
        record_about(
            operator, "upload.rejected", "monitoring.Report", "7", "横州市 2025年", reason="=HYPERLINK(1)"
        )
    return operator


def rows_of(page):
    return page.count('data-testid="audit-actor"')


def test_the_auditor_filters_by_date_user_event_and_object(auditor, events):
    assert rows_of(auditor.get("/audit/?from=2026-03-01&to=2026-03-01&actor=黄").content.decode()) == 1
    assert rows_of(auditor.get("/audit/?from=2026-03-02&to=2026-03-31&actor=黄").content.decode()) == 1
    assert rows_of(auditor.get(f"/audit/?actor={events.pk}").content.decode()) == 2
    assert rows_of(auditor.get("/audit/?action=upload.rejected").content.decode()) == 1
    page = auditor.get("/audit/?object_type=monitoring.Report&object=横州").content.decode()
    assert rows_of(page) == 1 and "上传文件被拒绝" in page
    assert rows_of(auditor.get("/audit/?object=没有这个对象").content.decode()) == 0


def test_the_csv_export_follows_the_filters_keeps_the_hashes_and_neutralises_formulas(auditor, events):
    response = auditor.get("/audit/export.csv?actor=黄")

    text = response.content.decode("utf-8-sig")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    lines = text.strip().split("\r\n")
    assert len(lines) == 3  # the header and the two events
    assert "'=HYPERLINK(1)" in text
    event = AuditEvent.objects.get(action="upload.rejected")
    assert event.row_hash in text and event.prev_hash in text


def test_the_xlsx_export_keeps_formula_like_text_as_text(auditor, events):
    response = auditor.get("/audit/export.xlsx?action=upload.rejected")

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 2
    reason = next(cell for cell in sheet[2] if cell.value == "=HYPERLINK(1)")
    assert reason.data_type == "s" and reason.quotePrefix


def test_each_export_of_the_log_is_itself_in_the_log(auditor, events):
    auditor.get("/audit/export.csv?action=accounts.login&actor=黄")

    export = AuditEvent.objects.get(action="export")
    assert export.object_type == "core.AuditEvent"
    assert export.new_value["rows"] == 1 and export.new_value["filters"] == {
        "action": "accounts.login",
        "actor": "黄",
    }


def test_nobody_changes_or_deletes_a_row_in_the_admin(make_user, client_for, events):
    client = client_for(make_user("national_admin"))
    event = AuditEvent.objects.get(action="upload.rejected")

    change = client.get(f"/admin/core/auditevent/{event.pk}/change/").content.decode()
    assert 'name="_save"' not in change
    assert client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_page_shows_the_chain_head_to_note_outside_the_system(auditor, events):
    from shuangchuang.core.models import AuditChainHead

    head = AuditChainHead.objects.get()
    page = auditor.get("/audit/").content.decode()

    assert head.row_hash in page and f"摘要链共 {head.seq} 条记录" in page
