"""The demo generator is not a second writer: a demo report's audit rows (its saves, its state changes, a
reviewer's notes) and its fields are those the pages write when the same people make the same moves at the
same times."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from shuangchuang.core.models import AuditEvent
from shuangchuang.monitoring.demo import generate
from shuangchuang.monitoring.models import Report, ReportValue, state_changes
from shuangchuang.monitoring.services import EXPLANATION_SUFFIX
from shuangchuang.site.demo import ensure_demo_accounts

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 9, 1)
REPORT_FIELDS = (
    "state", "version", "submitted_at", "last_submitted_at", "reviewed_at", "approved_at", "locked_at",
    "return_reason", "approved_snapshot", "updated_at",
)  # fmt: skip


def audit_rows(report: Report, after: int = 0) -> list[tuple]:
    rows = AuditEvent.objects.filter(object_type="monitoring.Report", object_id=str(report.pk), pk__gt=after)
    return [
        (e.at, e.action, e.field, e.old_value, e.new_value, e.reason, e.actor_id, e.actor_name)
        for e in rows.order_by("at", "pk")
    ]


def fields(report: Report) -> dict:
    report.refresh_from_db()
    return {name: getattr(report, name) for name in REPORT_FIELDS}


def values(report: Report) -> dict:
    return {
        v.indicator.code: (v.number, v.text, v.explanation, v.review_comment, v.updated_by_id, v.updated_at)
        for v in ReportValue.objects.filter(report=report).select_related("indicator")
    }


def typed(new: dict) -> dict[str, str]:
    """A save's audit row as the form's fields: values and explanations as a person types them."""
    posted = {}
    for key, value in new.items():
        if key.endswith(EXPLANATION_SUFFIX):
            posted[f"explanation-{key.removesuffix(EXPLANATION_SUFFIX)}"] = value or ""
        else:
            posted[f"value-{key}"] = "" if value is None else str(value)
    return posted


@pytest.fixture
def demo_report(registry):
    """The demo's 2025 annual report of a base whose operator and reviewer have demo accounts, with the
    longest history of the two (about a second: the demo's 2025 reports are generated)."""
    accounts = {account.username: user for account, user in ensure_demo_accounts("test-Passw0rd-long")}
    generate(periods=[(2025, None)], today=TODAY)
    reports = Report.objects.filter(base__code__in=["B3-012", "B3-023"], period__year=2025)
    report = max(reports, key=lambda r: (state_changes(r).count(), -r.pk))
    assert state_changes(report).count() >= 2, "the demo gives one of them a history"
    return report, accounts


def test_a_demo_report_holds_what_the_pages_write_for_the_same_moves(demo_report, client_for):
    report, accounts = demo_report
    users = {user.pk: user for user in accounts.values()}
    written = audit_rows(report)
    expected_fields, expected_values = fields(report), values(report)
    assert all(row[6] in users for row in written), "every step was taken by a demo account"

    # The same report, empty, and the same people making the same moves at the same times in the pages.
    base, period = report.base, report.period
    # the audit log is append-only: the demo's rows stay, the replay's are those written after them (the new
    # report may get the old one's id back)
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    report.delete()
    again = Report.objects.create(base=base, period=period)
    form: dict[str, str] = {}
    for at, action, field, _old, new, reason, actor_id, _name in written:
        client = client_for(users[actor_id])
        with time_machine.travel(at, tick=False):
            if action == "monitoring.value":
                form |= typed(new)
                response = client.post(reverse("monitoring:report_save", args=[again.pk]), form)
            elif action == "monitoring.comment":
                continue  # posted with its return below
            else:
                move = action.removeprefix("monitoring.")
                comments = {
                    f"comment-{c_field}": c_new
                    for c_at, c_action, c_field, _o, c_new, *_ in written
                    if c_action == "monitoring.comment" and c_at == at
                }
                post = {"action": move, "reason": reason, **comments}
                response = client.post(reverse("monitoring:report_transition", args=[again.pk]), post)
        assert response.status_code == 302, (action, response.content.decode()[-2000:])

    rebuilt = audit_rows(again, after=mark)
    assert [row[1:] for row in rebuilt] == [row[1:] for row in written]
    assert [row[0] for row in rebuilt] == [row[0] for row in written]
    assert fields(again) == expected_fields
    assert values(again) == expected_values


def test_the_demo_records_each_state_change_once_as_an_audit_row(registry):
    """About a second: the demo's 2025 reports of the 92 bases are generated."""
    summary = generate(periods=[(2025, None)], today=TODAY)
    assert summary is not None and summary.transitions > 0
    assert state_changes().count() == summary.transitions
