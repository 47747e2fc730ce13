"""Refusals in the app's own layout, in the reader's language: a GET on an address that only takes a form
(405), and the admin for a signed-in user without access to it (403)."""

import pytest

pytestmark = pytest.mark.django_db


def test_opening_a_form_only_address_shows_the_apps_page(make_user, client_for):
    client = client_for(make_user("authority", authority="moe"))

    response = client.get("/monitoring/bulk/")

    html = response.content.decode()
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "不能直接打开此地址" in html and "请从相应页面上的按钮进入" in html
    assert 'href="/monitoring/"' in html  # the navigation is there to go on from


def test_the_405_page_speaks_english_after_the_switch(make_user, client_for):
    client = client_for(make_user("national_admin"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = client.get("/evaluation/schemes/defaults/")

    assert response.status_code == 405
    assert "This address cannot be opened directly" in response.content.decode()


def test_the_admin_is_a_403_page_in_the_apps_layout_for_an_auditor(make_user, client_for):
    client = client_for(make_user("auditor"))

    response = client.get("/admin/")

    html = response.content.decode()
    assert response.status_code == 403
    assert "无权访问" in html and 'href="/audit/"' in html
