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
