"""Every role, through the real pages: who sees which bases, and what the others get (404, 403, login)."""

import csv
import io
import re

import pytest

from shuangchuang.accounts.models import Role
from shuangchuang.registry.models import Base

pytestmark = pytest.mark.django_db

HENGZHOU = "B3-012"  # 广西壮族自治区南宁市横县 (now 横州市), reviewed by 广西 DRC
XMU = "B3-023"  # 厦门大学, reviewed by 教育部
MOE_BASES = {"B3-004", "B3-021", "B3-022", "B3-023"}  # 同济科技园, 西安交大, 重庆大学, 厦门大学
GUANGXI_BASES = {"B3-012", "B3-041", "B3-074"}  # 横州, 柳州高新区, 桂林高新区
ASSIGNED = ("B3-012", "B3-023", "B3-026", "B3-053")

PROGRAM_PAGES = ["/", "/bases/", "/bases/provinces/", "/bases/export.csv", f"/bases/{XMU}/"]


def linked_bases(response) -> set[str]:
    """The base codes the page links to, i.e. the bases the user can see on it."""
    return set(re.findall(r'href="/bases/(B\d-\d{3})/"', response.content.decode()))


def exported_bases(response) -> set[str]:
    rows = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    return {row["基地编号"] for row in rows}


def page_without_path_and_token(response, code: str) -> str:
    html = response.content.decode().replace(code, "CODE")
    return re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+"', "TOKEN", html)


def visible_everywhere(client) -> dict[str, object]:
    """What the user can see of the registry on the list, the export, the province summary and home."""
    listing = client.get("/bases/")
    return {
        "list_total": listing.context["total"],
        "list": linked_bases(listing),
        "export": exported_bases(client.get("/bases/export.csv")),
        "provinces": client.get("/bases/provinces/").context["grand_total"],
        "home": client.get("/").context["base_count"],
    }


# Base operators


def test_operator_sees_only_its_own_base(make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=HENGZHOU))

    seen = visible_everywhere(client)

    assert seen == {"list_total": 1, "list": {HENGZHOU}, "export": {HENGZHOU}, "provinces": 1, "home": 1}


def test_operator_opens_its_own_base_page(make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=HENGZHOU))

    response = client.get(f"/bases/{HENGZHOU}/")

    assert response.status_code == 200
    assert "横州市" in response.content.decode()
    assert "广西壮族自治区南宁市横县" in response.content.decode()


def test_operator_gets_404_for_another_base(make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=HENGZHOU))

    response = client.get(f"/bases/{XMU}/")

    assert response.status_code == 404
    assert "厦门大学" not in response.content.decode()
    assert "不在您的权限范围内" in response.content.decode()


def test_another_base_looks_exactly_like_a_base_that_does_not_exist(make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=HENGZHOU))

    other = client.get(f"/bases/{XMU}/")
    missing = client.get("/bases/B3-999/")

    assert other.status_code == missing.status_code == 404
    assert page_without_path_and_token(other, XMU) == page_without_path_and_token(missing, "B3-999")


def test_operator_home_shows_its_base(make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=XMU))

    response = client.get("/")

    assert response.context["own_base"].code == XMU
    assert linked_bases(response) == {XMU}


def test_operator_cannot_filter_its_way_to_other_bases(make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=HENGZHOU))

    response = client.get("/bases/", {"q": "xmdx"})
    export = client.get("/bases/export.csv", {"province": "350000"})

    assert response.context["total"] == 0
    assert exported_bases(export) == set()


def test_operator_htmx_partial_is_scoped_too(make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=HENGZHOU))

    response = client.get("/bases/", headers={"HX-Request": "true"})

    assert linked_bases(response) == {HENGZHOU}


# Reviewing authorities


@pytest.mark.parametrize(
    ("authority", "expected"),
    [("moe", MOE_BASES), ("drc-450000", GUANGXI_BASES), ("sasac", {"B3-050", "B3-051", "B3-052"})],
)
def test_authority_sees_exactly_its_bases(make_user, client_for, registry, authority, expected):
    assert set(registry.filter(authority__code=authority).values_list("code", flat=True)) == expected
    # …and the bases of the first two batches it reviews as well (universities, central SOEs)
    expected = set(Base.objects.filter(authority__code=authority).values_list("code", flat=True))
    client = client_for(make_user(Role.AUTHORITY, authority=authority))

    seen = visible_everywhere(client)

    n = len(expected)
    assert seen == {"list_total": n, "list": expected, "export": expected, "provinces": n, "home": n}


def test_authority_home_lists_the_bases_it_reviews(make_user, client_for):
    client = client_for(make_user(Role.AUTHORITY, authority="moe"))

    response = client.get("/")

    assert linked_bases(response) > MOE_BASES  # the third batch's four, and the universities of the first two
    assert linked_bases(response) == set(
        Base.objects.filter(authority__code="moe").values_list("code", flat=True)
    )


def test_ministry_of_education_gets_404_for_a_guangxi_base(make_user, client_for):
    client = client_for(make_user(Role.AUTHORITY, authority="moe"))

    assert client.get(f"/bases/{XMU}/").status_code == 200
    assert client.get(f"/bases/{HENGZHOU}/").status_code == 404


def test_guangxi_drc_gets_404_for_a_university_base_in_another_province(make_user, client_for):
    client = client_for(make_user(Role.AUTHORITY, authority="drc-450000"))

    assert client.get(f"/bases/{HENGZHOU}/").status_code == 200
    assert client.get(f"/bases/{XMU}/").status_code == 404


def test_fujian_drc_does_not_see_xiamen_bases_reviewed_by_others(make_user, client_for, registry):
    # 厦门大学 is in 福建 but reviewed by 教育部; 厦门生物医药港 by 厦门市发展改革委 (计划单列市).
    client = client_for(make_user(Role.AUTHORITY, authority="drc-350000"))

    codes = linked_bases(client.get("/bases/"))

    fujian = set(registry.filter(province_id="350000").values_list("code", flat=True))
    assert codes < fujian
    assert XMU not in codes
    assert registry.get(name="福建省厦门生物医药港").code not in codes


# Program-wide readers


@pytest.mark.parametrize("role", [Role.NATIONAL_ADMIN, Role.JOINT_MEMBER, Role.AUDITOR])
def test_program_wide_roles_see_every_base_of_every_batch(make_user, client_for, role):
    client = client_for(make_user(role))
    n = Base.objects.count()

    seen = visible_everywhere(client)

    assert n > 92  # the first two batches are shipped too
    assert (seen["list_total"], len(seen["export"]), seen["provinces"], seen["home"]) == (n, n, n, n)
    assert f"共 {n} 个示范基地" in client.get("/bases/").content.decode()
    assert client.get(f"/bases/{XMU}/").status_code == 200
    assert client.get(f"/bases/{HENGZHOU}/").status_code == 200


# Third-party evaluators


def test_evaluator_sees_exactly_its_assigned_bases(make_user, client_for):
    client = client_for(make_user(Role.EVALUATOR, assigned=ASSIGNED))

    seen = visible_everywhere(client)

    assigned = set(ASSIGNED)
    assert seen == {"list_total": 4, "list": assigned, "export": assigned, "provinces": 4, "home": 4}


def test_evaluator_gets_404_for_a_base_it_was_not_assigned(make_user, client_for):
    client = client_for(make_user(Role.EVALUATOR, assigned=ASSIGNED))

    assert client.get(f"/bases/{XMU}/").status_code == 200
    assert client.get("/bases/B3-001/").status_code == 404


def test_evaluator_without_assignments_sees_nothing(make_user, client_for):
    client = client_for(make_user(Role.EVALUATOR))

    assert visible_everywhere(client) == {
        "list_total": 0,
        "list": set(),
        "export": set(),
        "provinces": 0,
        "home": 0,
    }


# Security administrator (三员分立: accounts, not program data)


@pytest.mark.parametrize("path", PROGRAM_PAGES[1:])
def test_security_admin_gets_403_on_program_pages(make_user, client_for, path):
    client = client_for(make_user(Role.SECURITY_ADMIN))

    response = client.get(path)

    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_security_admin_home_points_to_account_management(make_user, client_for):
    client = client_for(make_user(Role.SECURITY_ADMIN))

    response = client.get("/")

    assert response.status_code == 200
    assert "base_count" not in response.context
    assert linked_bases(response) == set()
    assert 'href="/admin/"' in response.content.decode()


# The audit log is the auditor's


def test_auditor_reads_the_audit_log(make_user, client_for):
    client = client_for(make_user(Role.AUDITOR))

    response = client.get("/audit/")

    assert response.status_code == 200
    assert "registry.create" in response.content.decode()  # the 92 bases were loaded and logged


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.NATIONAL_ADMIN, {}),
        (Role.JOINT_MEMBER, {}),
        (Role.AUTHORITY, {"authority": "moe"}),
        (Role.OPERATOR, {"base": XMU}),
        (Role.EVALUATOR, {"assigned": ASSIGNED}),
        (Role.SECURITY_ADMIN, {}),
    ],
)
def test_only_the_auditor_reads_the_audit_log(make_user, client_for, role, scope):
    client = client_for(make_user(role, **scope))

    assert client.get("/audit/").status_code == 403


def test_menu_shows_the_audit_log_to_the_auditor_only(make_user, client_for):
    auditor_home = client_for(make_user(Role.AUDITOR)).get("/")
    admin_home = client_for(make_user(Role.NATIONAL_ADMIN)).get("/")

    assert 'href="/audit/"' in auditor_home.content.decode()
    assert 'href="/audit/"' not in admin_home.content.decode()


# Anonymous and inactive users


@pytest.mark.parametrize("path", [*PROGRAM_PAGES, "/audit/"])
def test_anonymous_user_is_sent_to_the_login_page(client, registry, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_anonymous_user_lands_on_a_chinese_login_page(client, registry):
    response = client.get(f"/bases/{XMU}/", follow=True)

    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert '<html lang="zh-hans">' in response.content.decode()
    assert "用户名" in response.content.decode()
    assert "厦门大学" not in response.content.decode()


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.NATIONAL_ADMIN, {}),
        (Role.AUTHORITY, {"authority": "moe"}),
        (Role.OPERATOR, {"base": XMU}),
        (Role.AUDITOR, {}),
    ],
)
def test_inactive_user_sees_nothing(make_user, client_for, role, scope):
    client = client_for(make_user(role, is_active=False, **scope))

    for path in [*PROGRAM_PAGES, "/audit/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/")
    assert not Base.objects.restrict(make_user(role, is_active=False, **scope)).exists()
