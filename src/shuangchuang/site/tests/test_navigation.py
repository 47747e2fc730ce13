"""The main menu: every entry a role sees opens for that role, and one entry at a time is marked active."""

import pytest

from shuangchuang.accounts.models import Role

pytestmark = pytest.mark.django_db

ROLES = [
    (Role.NATIONAL_ADMIN, {}),
    (Role.JOINT_MEMBER, {}),
    (Role.AUTHORITY, {"authority": "drc-450000"}),
    (Role.OPERATOR, {"base": "B3-012"}),
    (Role.EVALUATOR, {"assigned": ("B3-012", "B3-023")}),
    (Role.AUDITOR, {}),
    (Role.SECURITY_ADMIN, {}),
]


@pytest.mark.parametrize(("role", "scope"), ROLES)
def test_every_menu_entry_opens_for_the_role_that_sees_it(role, scope, make_user, client_for):
    client = client_for(make_user(role, **scope))

    menu = client.get("/").context["nav_items"]

    refused = {str(item["label"]): client.get(item["url"]).status_code for item in menu}
    assert {label: code for label, code in refused.items() if code != 200} == {}


@pytest.mark.parametrize("role", [Role.JOINT_MEMBER, Role.EVALUATOR, Role.AUDITOR])
def test_readers_do_not_get_the_excel_upload_entry(role, make_user, client_for):
    client = client_for(make_user(role, assigned=("B3-012",) if role == Role.EVALUATOR else ()))

    urls = [item["url"] for item in client.get("/").context["nav_items"]]

    assert "/monitoring/excel/" not in urls and "/monitoring/" in urls


@pytest.mark.parametrize(
    ("path", "active"),
    [
        ("/monitoring/", "/monitoring/"),
        ("/monitoring/reports/1/", "/monitoring/"),
        ("/monitoring/excel/", "/monitoring/excel/"),
        ("/monitoring/completeness/", "/monitoring/completeness/"),
        ("/bases/provinces/", "/bases/provinces/"),
        ("/bases/B3-012/", "/bases/"),
    ],
)
def test_one_menu_entry_is_active(path, active, make_user):
    from shuangchuang.site.navigation import menu_for

    menu = menu_for(make_user(Role.NATIONAL_ADMIN), path)

    assert [item["url"] for item in menu if item["active"]] == [active]


def test_entries_gather_in_drop_downs_and_a_lone_entry_stands_alone(make_user):
    from shuangchuang.site.navigation import menu_for, menu_tree

    national = menu_tree(menu_for(make_user(Role.NATIONAL_ADMIN), "/bases/provinces/"))
    bases = next(entry for entry in national if entry.get("key") == "bases")
    assert bases["active"] and [c["url"] for c in bases["children"] if c["active"]] == ["/bases/provinces/"]
    assert "/bases/provinces/" not in [entry.get("url") for entry in national]

    one = {"label": "绩效评估", "url": "/evaluation/", "active": False, "group": "evaluation"}
    assert menu_tree([one]) == [one]  # a role that sees one entry of a group gets it on the bar


@pytest.mark.django_db
def test_home_shows_what_waits_for_the_authority(registry, make_user, client_for):
    from shuangchuang.monitoring.tests.factories import make_period, make_report

    make_report("B3-012", make_period(2025, 3), state="submitted")
    page = client_for(make_user("authority", authority="drc-450000")).get("/").content.decode()
    assert "待审核" in page and "?state=submitted" in page
    assert (
        "?state=submitted"
        not in client_for(make_user("authority", authority="moe")).get("/").content.decode()
    )
