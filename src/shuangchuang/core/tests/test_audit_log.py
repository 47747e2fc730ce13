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
    assert '<li><span class="text-secondary">JOBS</span> 120 → 150</li>' in page
    assert '<li><span class="text-secondary">REVENUE</span> — → 50000</li>' in page
