"""Logging in and out, in Chinese."""

import datetime

import pytest
import time_machine
from conftest import TEST_PASSWORD

from shuangchuang.accounts.models import Role
from shuangchuang.core.models import AuditEvent

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


# As an assessor checks them: lockout, throttling, session ends, the audit trail


def test_the_sixth_attempt_with_the_right_password_is_refused(client, make_user):
    make_user(Role.NATIONAL_ADMIN, username="ndrc")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "ndrc", "password": "Wrong-password-1"})

    response = client.post("/accounts/login/", {"username": "ndrc", "password": TEST_PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_thirty_user_names_from_one_address_are_throttled_whether_they_exist_or_not(client, make_user):
    make_user(Role.OPERATOR, base=XMU, username="xmu")
    names = [f"guess{n:02d}" for n in range(29)] + ["xmu"]
    answers = [
        client.post("/accounts/login/", {"username": name, "password": "Spring-2026-spray"}) for name in names
    ]

    throttled = [r for r in answers if r.status_code == 429]
    # From the 11th name on, every answer is the same page, for made-up names and the real one alike.
    assert len(throttled) == 20
    assert {r.content.decode().split("<h1")[1][:60] for r in throttled} == {
        throttled[0].content.decode().split("<h1")[1][:60]
    }
    assert "登录尝试过于频繁" in throttled[-1].content.decode()
    assert "xmu" not in throttled[-1].content.decode()
    # The right password is refused too while the address is throttled.
    refused = client.post("/accounts/login/", {"username": "xmu", "password": TEST_PASSWORD})
    assert refused.status_code == 429 and "_auth_user_id" not in client.session


def test_another_address_is_not_throttled(client, make_user):
    make_user(Role.OPERATOR, base=XMU, username="xmu")
    for n in range(12):
        client.post("/accounts/login/", {"username": f"guess{n}", "password": "Spring-2026-spray"})

    response = client.post(
        "/accounts/login/", {"username": "xmu", "password": TEST_PASSWORD}, REMOTE_ADDR="10.1.2.3"
    )

    assert response.status_code == 302


def test_a_session_idle_for_31_minutes_is_dead(make_user, client_for):
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as clock:
        client = client_for(make_user(Role.OPERATOR, base=XMU))
        assert client.get("/bases/").status_code == 200
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get("/bases/").status_code == 200  # activity keeps it alive
        clock.shift(datetime.timedelta(minutes=31))
        response = client.get("/bases/", follow=True)

    assert response.redirect_chain[0] == ("/accounts/login/?next=/bases/", 302)
    assert "已有 30 分钟没有操作" in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.filter(action="accounts.logout").latest("pk")
    assert event.reason == "长时间未操作，自动退出"


def test_a_session_ends_eight_hours_after_sign_in_even_when_busy(make_user, client_for):
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as clock:
        client = client_for(make_user(Role.OPERATOR, base=XMU))
        for _ in range(16):
            clock.shift(datetime.timedelta(minutes=29))
            assert client.get("/bases/").status_code == 200
        clock.shift(datetime.timedelta(minutes=29))  # 8 h 13 min after sign-in
        response = client.get("/bases/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_idle_time_is_a_setting(settings, make_user, client_for):
    settings.SESSION_IDLE_MINUTES = 10
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as clock:
        client = client_for(make_user(Role.OPERATOR, base=XMU))
        client.get("/bases/")
        clock.shift(datetime.timedelta(minutes=11))
        assert client.get("/bases/").status_code == 302


def test_sign_in_failure_and_sign_out_are_in_the_audit_log_with_the_address(client, make_user):
    user = make_user(Role.OPERATOR, base=XMU, username="xmu")

    client.post(
        "/accounts/login/", {"username": "xmu", "password": "Wrong-password-1"}, REMOTE_ADDR="10.0.0.7"
    )
    client.post(
        "/accounts/login/", {"username": "nobody", "password": "Wrong-password-1"}, REMOTE_ADDR="10.0.0.7"
    )
    client.post("/accounts/login/", {"username": "xmu", "password": TEST_PASSWORD}, REMOTE_ADDR="10.0.0.7")
    client.post("/accounts/logout/", REMOTE_ADDR="10.0.0.7")

    rows = list(
        AuditEvent.objects.filter(action__startswith="accounts.lo")
        .order_by("pk")
        .values_list("action", "actor", "object_repr", "field", "new_value")
    )
    assert rows == [
        ("accounts.login_failed", None, "xmu", "source_address", "10.0.0.7"),
        ("accounts.login_failed", None, "nobody", "source_address", "10.0.0.7"),
        ("accounts.login", user.pk, "xmu", "source_address", "10.0.0.7"),
        ("accounts.logout", user.pk, "xmu", "source_address", "10.0.0.7"),
    ]
    # A failure names what was typed, the same way whether the account exists or not.
    failures = AuditEvent.objects.filter(action="accounts.login_failed")
    assert {(e.object_type, e.object_id) for e in failures} == {("accounts.User", "None")}


def test_a_throttled_attempt_is_in_the_audit_log(client, make_user):
    for n in range(11):
        client.post("/accounts/login/", {"username": f"guess{n}", "password": "Spring-2026-spray"})

    event = AuditEvent.objects.filter(action="accounts.login_failed").latest("pk")

    assert (event.object_repr, event.reason) == ("guess10", "该地址登录失败过多，已限流")
