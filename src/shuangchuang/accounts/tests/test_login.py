"""Logging in and out, in Chinese."""

import pytest
from conftest import TEST_PASSWORD

from shuangchuang.accounts.models import Role

pytestmark = pytest.mark.django_db

XMU = "B3-023"


def test_login_page_is_in_chinese(client):
    response = client.get("/accounts/login/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert all(word in html for word in ["登录", "用户名", "密码"])


def test_operator_logs_in_and_lands_on_home(client, make_user):
    make_user(Role.OPERATOR, base=XMU, username="xmu", last_name="林", first_name="填报")

    response = client.post("/accounts/login/", {"username": "xmu", "password": TEST_PASSWORD}, follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert "您好，林填报" in response.content.decode()
    assert "厦门大学" in response.content.decode()


def test_login_returns_to_the_page_that_was_asked_for(client, make_user):
    make_user(Role.OPERATOR, base=XMU, username="xmu")

    response = client.post(
        "/accounts/login/", {"username": "xmu", "password": TEST_PASSWORD, "next": f"/bases/{XMU}/"}
    )

    assert response["Location"] == f"/bases/{XMU}/"


def test_wrong_password_is_refused_in_chinese(client, make_user):
    make_user(Role.OPERATOR, base=XMU, username="xmu")

    response = client.post("/accounts/login/", {"username": "xmu", "password": "wrong-password"})

    assert response.status_code == 200
    assert "用户名或密码不正确，请重新输入。" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_password_keeps_the_user_name_but_not_the_password(client, make_user):
    make_user(Role.OPERATOR, base=XMU, username="xmu")

    response = client.post("/accounts/login/", {"username": "xmu", "password": "wrong-password"})

    assert 'value="xmu"' in response.content.decode()
    assert "wrong-password" not in response.content.decode()


def test_inactive_user_cannot_log_in(client, make_user):
    make_user(Role.NATIONAL_ADMIN, username="former", is_active=False)

    response = client.post("/accounts/login/", {"username": "former", "password": TEST_PASSWORD})

    assert response.status_code == 200
    assert "用户名或密码不正确，请重新输入。" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logged_in_user_visiting_login_goes_home(make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=XMU))

    response = client.get("/accounts/login/")

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_logout_is_a_post_from_the_user_menu(make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=XMU))

    html = client.get("/").content.decode()

    assert '<form method="post" action="/accounts/logout/">' in html
    assert "退出登录" in html


def test_logout_ends_the_session_and_returns_to_login(make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=XMU))

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.get("/bases/").status_code == 302


def test_logout_by_get_is_refused(make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=XMU))

    response = client.get("/accounts/logout/")

    assert response.status_code == 405
    assert client.get("/bases/").status_code == 200


def test_password_change_page_is_in_chinese(make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=XMU))

    response = client.get("/accounts/password/")

    assert response.status_code == 200
    assert "修改密码" in response.content.decode()
    assert "旧密码" in response.content.decode()


def test_five_wrong_passwords_lock_the_account_on_this_machine_for_a_while(client, make_user):
    make_user(Role.OPERATOR, base=XMU, username="xmu")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "xmu", "password": "wrong-password"})

    response = client.post("/accounts/login/", {"username": "xmu", "password": TEST_PASSWORD})

    assert response.status_code == 429
    assert "连续 5 次输入错误的密码" in response.content.decode()
    assert "已暂停 15 分钟" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_lockout_does_not_lock_other_accounts(client, make_user):
    make_user(Role.OPERATOR, base=XMU, username="xmu")
    make_user(Role.OPERATOR, base="B3-012", username="hengzhou")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "xmu", "password": "wrong-password"})

    response = client.post("/accounts/login/", {"username": "hengzhou", "password": TEST_PASSWORD})

    assert response.status_code == 302
