"""The second factor (TOTP with recovery codes) as an assessor checks it: required for the national
administrators, reviewing authorities, the security administrator and the auditor; optional for others;
enrolment and resets in the audit log. Codes are computed here as the holder's phone would."""

import datetime

import pytest
import time_machine
from conftest import TEST_PASSWORD
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from shuangchuang.accounts.models import Role
from shuangchuang.core.models import AuditEvent

pytestmark = pytest.mark.django_db

XMU = "B3-023"


def code_for(device: TOTPDevice) -> str:
    """What an authenticator app shows now for this device."""
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():0{device.digits}d}"


def sign_in_with_password(client, username: str):
    return client.post("/accounts/login/", {"username": username, "password": TEST_PASSWORD})


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.NATIONAL_ADMIN, {}),
        (Role.AUTHORITY, {"authority": "moe"}),
        (Role.SECURITY_ADMIN, {}),
        (Role.AUDITOR, {}),
    ],
)
def test_these_roles_reach_no_page_before_enrolling_a_second_factor(client, make_user, role, scope):
    make_user(role, username="official", **scope)

    sign_in_with_password(client, "official")

    for path in ["/", "/bases/", "/monitoring/", "/admin/", "/audit/", "/accounts/security/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/second-factor/enrol/"), path


def test_a_national_admin_with_a_device_needs_the_code_and_then_reaches_pages(client, make_user):
    device = enrolled(make_user(Role.NATIONAL_ADMIN, username="ndrc"))

    with time_machine.travel("2026-03-02 09:00:05 +0800", tick=False) as clock:
        sign_in_with_password(client, "ndrc")
        before = client.get("/bases/")
        wrong = client.post("/accounts/second-factor/", {"token": "000000", "next": "/bases/"})
        clock.shift(datetime.timedelta(seconds=30))  # django-otp makes one wait after a wrong code
        right = client.post("/accounts/second-factor/", {"token": code_for(device), "next": "/bases/"})
        after = client.get("/bases/")

    assert before.status_code == 302
    assert before["Location"] == "/accounts/second-factor/?next=%2Fbases%2F"
    assert wrong.status_code == 200 and "动态口令不正确" in wrong.content.decode()
    assert right.status_code == 302 and right["Location"] == "/bases/"
    assert after.status_code == 200
    assert AuditEvent.objects.filter(action="accounts.otp_failed", actor__username="ndrc").count() == 1


def test_the_same_code_is_not_accepted_twice(client, make_user):
    device = enrolled(make_user(Role.NATIONAL_ADMIN, username="ndrc"))
    with time_machine.travel("2026-03-02 09:00:05 +0800", tick=False):
        code = code_for(device)
        sign_in_with_password(client, "ndrc")
        client.post("/accounts/second-factor/", {"token": code})
        client.post("/accounts/logout/")
        sign_in_with_password(client, "ndrc")
        replay = client.post("/accounts/second-factor/", {"token": code})

    assert replay.status_code == 200 and "动态口令不正确" in replay.content.decode()


def test_enrolment_with_a_code_from_the_qr_codes_key_then_recovery_codes_shown_once(client, make_user):
    user = make_user(Role.AUDITOR, username="auditor")
    sign_in_with_password(client, "auditor")

    page = client.get("/accounts/second-factor/enrol/")
    qr = client.get("/accounts/second-factor/qr.svg")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = client.post("/accounts/second-factor/enrol/", {"token": code_for(device), "next": "/audit/"})

    secret = "".join(page.context["secret_groups"])
    assert device.config_url.count(f"secret={secret}") == 1
    assert qr["Content-Type"] == "image/svg+xml" and qr.content.startswith(b"<svg")
    assert "no-store" in qr["Cache-Control"]
    assert done.status_code == 200 and len(done.context["codes"]) == 10
    assert all(code in done.content.decode() for code in done.context["codes"])
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get("/audit/").status_code == 200
    assert AuditEvent.objects.filter(action="accounts.otp_enrol", actor=user).exists()


def test_the_qr_code_is_drawn_by_the_app_and_the_page_loads_nothing_from_outside(client, make_user):
    make_user(Role.AUDITOR, username="auditor")
    sign_in_with_password(client, "auditor")

    html = client.get("/accounts/second-factor/enrol/").content.decode()

    assert 'src="/accounts/second-factor/qr.svg"' in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org', "") and "https://" not in html


def test_a_recovery_code_works_once(client, make_user):
    user = make_user(Role.NATIONAL_ADMIN, username="ndrc")
    enrolled(user)
    static = StaticDevice.objects.create(user=user, name="恢复码")
    static.token_set.create(token="k7m2p9q4")

    sign_in_with_password(client, "ndrc")
    first = client.post("/accounts/second-factor/", {"token": "k7m2p9q4"})
    client.post("/accounts/logout/")
    sign_in_with_password(client, "ndrc")
    second = client.post("/accounts/second-factor/", {"token": "k7m2p9q4"})

    assert first.status_code == 302
    assert second.status_code == 200 and "动态口令不正确" in second.content.decode()
    assert AuditEvent.objects.filter(action="accounts.recovery_code_used", actor=user).count() == 1


def test_an_operator_may_sign_in_without_a_second_factor_and_may_enrol_one(client, make_user):
    user = make_user(Role.OPERATOR, base=XMU, username="xmu")
    sign_in_with_password(client, "xmu")
    assert client.get("/bases/").status_code == 200

    client.get("/accounts/second-factor/enrol/")
    device = TOTPDevice.objects.get(user=user)
    client.post("/accounts/second-factor/enrol/", {"token": code_for(device)})
    client.post("/accounts/logout/")
    sign_in_with_password(client, "xmu")

    assert client.get("/bases/")["Location"].startswith("/accounts/second-factor/")  # now it asks


def test_an_operator_may_remove_its_own_second_factor_but_a_national_admin_may_not(make_user, client_for):
    operator = make_user(Role.OPERATOR, base=XMU)
    enrolled(operator)
    admin = make_user(Role.NATIONAL_ADMIN)

    client_for(operator).post("/accounts/second-factor/remove/")
    refused = client_for(admin).post("/accounts/second-factor/remove/")

    assert not TOTPDevice.objects.filter(user=operator).exists()
    assert refused.status_code == 403 and TOTPDevice.objects.filter(user=admin).exists()
    assert AuditEvent.objects.filter(action="accounts.otp_remove", actor=operator).exists()


def test_new_recovery_codes_replace_the_old_ones(make_user, client_for):
    user = make_user(Role.NATIONAL_ADMIN)
    client = client_for(user)
    first = client.post("/accounts/second-factor/recovery-codes/").context["codes"]
    second = client.post("/accounts/second-factor/recovery-codes/").context["codes"]

    kept = set(StaticDevice.objects.get(user=user).token_set.values_list("token", flat=True))
    assert kept == set(second) and not kept & set(first)


def test_the_security_admin_resets_another_accounts_second_factor_and_it_is_audited(make_user, client_for):
    secadmin = make_user(Role.SECURITY_ADMIN, username="sec")
    official = make_user(Role.AUTHORITY, authority="moe", username="moe_reviewer")
    enrolled(official)
    client = client_for(secadmin)

    page = client.get(f"/admin/accounts/user/{official.pk}/change/").content.decode()
    response = client.post(f"/admin/accounts/user/{official.pk}/second-factor/")

    assert "重置动态口令" in page
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=official).exists()
    event = AuditEvent.objects.get(action="accounts.otp_reset")
    assert (event.actor, event.object_id) == (secadmin, str(official.pk))


def test_nobody_else_resets_a_second_factor(make_user, client_for):
    official = make_user(Role.AUTHORITY, authority="moe")
    enrolled(official)
    national = make_user(Role.NATIONAL_ADMIN)
    secadmin = make_user(Role.SECURITY_ADMIN)

    by_national = client_for(national).post(f"/admin/accounts/user/{official.pk}/second-factor/")
    own = client_for(secadmin).post(f"/admin/accounts/user/{secadmin.pk}/second-factor/")

    assert by_national.status_code == 403 and own.status_code == 403
    assert TOTPDevice.objects.filter(user=official).exists()


def test_a_second_factor_reset_ends_the_holders_verified_session(make_user, client_for, client):
    official = make_user(Role.AUTHORITY, authority="moe")
    client_for(official)
    from django.test import Client

    from shuangchuang.accounts.services import reset_second_factor

    reset_second_factor(make_user(Role.SECURITY_ADMIN), official)

    assert client.get("/bases/")["Location"].startswith("/accounts/second-factor/enrol/")
    assert Client().get("/bases/").status_code == 302


def test_wrong_codes_slow_down_the_device(client, make_user):
    device = enrolled(make_user(Role.NATIONAL_ADMIN, username="ndrc"))
    sign_in_with_password(client, "ndrc")
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC), tick=False):
        for _ in range(3):
            client.post("/accounts/second-factor/", {"token": "123456"})
        right_but_throttled = client.post("/accounts/second-factor/", {"token": code_for(device)})

    assert right_but_throttled.status_code == 200


def test_a_device_enrolled_in_another_browser_is_asked_for_at_the_next_request(make_user):
    """The account's has_second_factor follows its devices at once (accounts/signals.py), so a session
    signed in before the enrolment cannot go on without the code."""
    from django.test import Client

    user = make_user(Role.OPERATOR, base=XMU, username="xmu")
    first, second = Client(), Client()
    sign_in_with_password(first, "xmu")
    assert first.get("/bases/").status_code == 200

    sign_in_with_password(second, "xmu")
    second.get("/accounts/second-factor/enrol/")
    second.post("/accounts/second-factor/enrol/", {"token": code_for(TOTPDevice.objects.get(user=user))})
    user.refresh_from_db()
    assert user.has_second_factor

    assert first.get("/bases/")["Location"].startswith("/accounts/second-factor/")

    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    user.refresh_from_db()
    assert not user.has_second_factor
    assert first.get("/bases/").status_code == 200


def test_a_session_without_a_second_factor_asks_nothing_of_the_device_tables(
    client, make_user, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_user(Role.OPERATOR, base=XMU, username="xmu")
    sign_in_with_password(client, "xmu")
    client.get("/accounts/password/done/")

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/accounts/password/done/").status_code == 200
    assert not [q for q in queries.captured_queries if "otp_" in q["sql"]]
