"""The auditor's audit log page."""

import pytest

from shuangchuang.accounts.models import Role

pytestmark = pytest.mark.django_db


def test_actions_are_shown_in_words_with_the_code_kept_for_filtering(make_user, client_for):
    client = client_for(make_user(Role.AUDITOR))

    page = client.get("/audit/").content.decode()
    filtered = client.get("/audit/?action=registry.create")

    assert '<span title="registry.create">新增示范基地</span>' in page
    assert '<option value="registry.create">新增示范基地</option>' in page
    assert {e.action for e in filtered.context["page"]} == {"registry.create"}


def test_an_action_without_a_label_is_shown_as_its_code():
    from shuangchuang.core.audit import action_label

    assert action_label("plugin.something") == "plugin.something"


def test_a_save_of_many_values_shows_each_value_old_and_new(make_user, client_for):
    from shuangchuang.core.models import AuditEvent

    AuditEvent.objects.create(
        actor_name="黄填报",
        action="monitoring.value",
        object_type="monitoring.Report",
        object_id="7",
        object_repr="横州市 2025年第1季度",
        old_value={"JOBS": "120", "REVENUE": None},
        new_value={"JOBS": "150", "REVENUE": "50000"},
        reason="Excel 导入（填报.xlsx）",
    )
    client = client_for(make_user(Role.AUDITOR))

    page = client.get("/audit/?action=monitoring.value").content.decode()

    assert "2 项变更" in page
    assert '<li><span class="text-secondary">JOBS</span> 120 → 150</li>' in page  # no such indicator here
    assert '<li><span class="text-secondary">REVENUE</span> — → 50000</li>' in page


# Codes in words (issue 8, item 13): what rows store as codes is named in the reader's language


@pytest.fixture
def report(registry):
    from shuangchuang.monitoring.tests.factories import make_period, make_report, make_small_catalogue

    make_small_catalogue()
    make_report("B3-012", make_period(2025, 2), state="approved", JOBS=100, JOBS_GRAD=20)
    return make_report("B3-012", make_period(2025, 3), JOBS=120, JOBS_GRAD=30)


def rows_of(client, action: str) -> list[dict]:
    response = client.get("/audit/", {"action": action})
    return [
        {
            "type": row.object_type,
            "object": row.object,
            "changes": [(c.field, c.old, c.new) for c in row.changes],
            "reason": row.reason,
        }
        for row in response.context["rows"]
    ]


def test_a_state_change_is_named_by_field_and_state_not_by_code(report, make_user, client_for):
    from shuangchuang.monitoring import services

    services.transition(report, "submit", actor=make_user(Role.OPERATOR, base="B3-012"))
    client = client_for(make_user(Role.AUDITOR))

    [row] = rows_of(client, "monitoring.submit")
    html = client.get("/audit/", {"action": "monitoring.submit"}).content.decode()

    assert row == {
        "type": "填报",
        "object": "横州市 · 2025年第3季度",
        "changes": [("状态", "草稿", "已报送")],
        "reason": "",
    }
    assert ">state<" not in html and ">submitted<" not in html and ">draft<" not in html


def test_a_save_of_values_names_the_indicators_and_their_explanations(report, make_user, client_for):
    from shuangchuang.monitoring import services

    operator = make_user(Role.OPERATOR, base="B3-012")
    services.save_values(report, {"JOBS": "150", "JOBS_GRAD": "40"}, actor=operator)
    # 9,000 is 90 times last quarter's 100: flagged, so its explanation is kept with it
    services.save_values(report, {"JOBS": "9000"}, actor=operator, explanations={"JOBS": "新园区投产"})
    client = client_for(make_user(Role.AUDITOR))

    first, second = rows_of(client, "monitoring.value")[::-1]

    assert first["changes"] == [("带动就业人数", "120", "150"), ("其中：吸纳应届高校毕业生", "30", "40")]
    assert ("带动就业人数 · 情况说明", "—", "新园区投产") in second["changes"]


def test_opening_a_period_names_its_field_and_object_in_english(report, make_user, client_for):
    from shuangchuang.monitoring.periods import create_period, open_period

    open_period(create_period(2026, 1))
    client = client_for(make_user(Role.AUDITOR))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    [opened] = rows_of(client, "monitoring.open_period")
    [created] = rows_of(client, "monitoring.create_period")

    assert opened["type"] == "Reporting period" and opened["object"] == "2026 Q1"
    assert opened["changes"][0][0] == "Reports created"
    assert opened["reason"].startswith("Opened for reporting") and "份" not in opened["reason"]
    assert created["reason"] == "Due on April 15, 2026"


def test_an_account_change_names_the_changed_fields(make_user, client_for):
    from shuangchuang.core.audit import record

    secadmin = make_user(Role.SECURITY_ADMIN)
    record(secadmin, "accounts.change", make_user(Role.JOINT_MEMBER), reason="organization, phone")
    client = client_for(make_user(Role.AUDITOR))

    [row] = rows_of(client, "accounts.change")

    assert row["type"] == "用户" and row["reason"] == "修改了：所在单位、联系电话"


def test_a_reason_somebody_typed_is_shown_as_typed_in_english_too(report, make_user, client_for):
    from shuangchuang.monitoring import services

    operator = make_user(Role.OPERATOR, base="B3-012")
    services.transition(report, "submit", actor=operator)
    services.transition(
        report, "return", actor=make_user(Role.AUTHORITY, authority="drc-450000"), reason="请补充台账"
    )
    client = client_for(make_user(Role.AUDITOR))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    [row] = rows_of(client, "monitoring.return")

    assert row["reason"] == "请补充台账"
    assert row["changes"] == [("Status", "Submitted", "Returned")]
