"""The bar at the top of every page is kept between requests (site/templatetags/site_tags.py): it must
still show each reader their own name, menu and language, carry a working CSRF token of their own
session, and bring them back to the page they were on."""

from __future__ import annotations

import re

import pytest
from conftest import sign_in
from django.test import Client

from shuangchuang.accounts.models import Role
from shuangchuang.registry.models import Base

pytestmark = pytest.mark.django_db


def header(html: str) -> str:
    return html[html.index("<header") : html.index("</header>")]


def test_each_reader_sees_their_own_name_and_menu(make_user, client_for):
    national = header(
        client_for(make_user(Role.NATIONAL_ADMIN, last_name="王", first_name="国管"))
        .get("/")
        .content.decode()
    )
    operator = header(
        sign_in(Client(), make_user(Role.OPERATOR, base="B3-012", last_name="黄", first_name="填报"))
        .get("/")
        .content.decode()
    )

    assert "王国管" in national and "黄填报" not in national and "/admin/" in national
    assert "黄填报" in operator and "王国管" not in operator
    assert "/admin/" not in operator
    assert str(Base.objects.get(code="B3-012")) in operator  # the scope under the name


def test_the_header_forms_carry_the_sessions_own_token(make_user):
    client = sign_in(Client(enforce_csrf_checks=True), make_user(Role.NATIONAL_ADMIN))
    other = sign_in(Client(enforce_csrf_checks=True), make_user(Role.NATIONAL_ADMIN))
    other.get("/bases/")  # the header is now kept

    html = client.get("/bases/?batch=3").content.decode()
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', header(html)))
    assert len(tokens) == 1
    assert 'name="next" type="hidden" value="/bases/?batch=3"' in html

    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/bases/", "csrfmiddlewaretoken": tokens.pop()}
    )
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/bases/").content.decode()


def test_the_page_to_come_back_to_is_escaped(make_user, client_for):
    html = client_for(make_user(Role.NATIONAL_ADMIN)).get('/bases/?q="><script>x</script>').content.decode()
    assert "<script>x</script>" not in header(html)
    assert 'name="next" type="hidden" value="/bases/?q=%22%3E%3Cscript%3Ex%3C/script%3E"' in header(html)


def test_each_language_gets_its_own_header(make_user):
    chinese = sign_in(Client(), make_user(Role.NATIONAL_ADMIN))
    english = sign_in(Client(), make_user(Role.NATIONAL_ADMIN))
    english.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert "基地名录" in header(chinese.get("/").content.decode())
    english_header = header(english.get("/").content.decode())
    assert "基地名录" not in english_header and 'lang-switch">中文</button>' in english_header
    assert "基地名录" in header(chinese.get("/").content.decode())


def test_the_pages_of_an_accounts_obligations_have_no_menu(make_user, client_for):
    user = make_user(Role.NATIONAL_ADMIN, must_change_password=True)
    html = client_for(user).get("/accounts/password/").content.decode()
    assert "退出登录" in header(html)  # the way out stays
    assert "基地名录" not in header(html) and "/bases/" not in header(html)


def test_a_page_title_names_the_page_then_the_platform(make_user, client_for):
    html = client_for(make_user(Role.NATIONAL_ADMIN)).get("/bases/").content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.endswith(" · 双创示范基地监测评估平台") and not title.startswith(" · ")
    assert "·" in title and title != " · 双创示范基地监测评估平台"


def test_a_page_rendered_without_a_request_has_a_header_without_an_account():
    from django.template.loader import render_to_string

    html = render_to_string("404.html")
    assert "<header" in html and 'data-testid="user-name"' not in html and "退出登录" not in html
