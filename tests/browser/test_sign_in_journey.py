"""Signing in as a national administrator: password, then the one-time code of the authenticator app
(computed here as the phone would), on a laptop and on a phone; and a first enrolment from the QR code
page. No console errors on the way.

Slow on purpose (one to a dozen seconds a test): a real Chromium loads each page with its scripts and
styles."""

import pytest
from conftest import TEST_PASSWORD
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from shuangchuang.accounts.models import Role

pytestmark = pytest.mark.browser

LAPTOP = (1366, 900)
PHONE = (390, 844)


def code_for(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def watch_console(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()


@pytest.mark.parametrize(("width", "height", "name"), [(*LAPTOP, "laptop"), (*PHONE, "phone")])
def test_national_admin_signs_in_with_the_authenticators_code(
    open_page, make_user, shoot, width, height, name
):
    user = make_user(Role.NATIONAL_ADMIN, username="ndrc", last_name="王", first_name="国管")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    page = open_page(width, height)
    errors = watch_console(page)

    sign_in(page, "ndrc")
    expect(page.get_by_role("heading", name="输入动态口令")).to_be_visible()
    shoot(page, f"second-factor-{name}.png", full_page=True)
    page.get_by_label("动态口令").fill(code_for(device))
    page.get_by_role("button", name="验证").click()

    expect(page.get_by_text("您好，王国管")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert errors == []


def test_an_auditor_enrols_from_the_qr_code_page(open_page, make_user, shoot):
    user = make_user(Role.AUDITOR, username="auditor", last_name="周", first_name="审计")
    page = open_page(*PHONE)
    errors = watch_console(page)

    sign_in(page, "auditor")
    expect(page.get_by_role("heading", name="绑定动态口令")).to_be_visible()
    expect(page.get_by_alt_text("动态口令二维码")).to_be_visible()
    page.wait_for_load_state(
        "load"
    )  # images included (wait_for_function evaluates strings: refused by the CSP)
    assert page.evaluate("document.querySelector('img.otp-qr').naturalWidth") > 100  # the SVG loaded
    shoot(page, "second-factor-enrol-phone.png", full_page=True)
    page.get_by_label("动态口令").fill(code_for(TOTPDevice.objects.get(user=user)))
    page.get_by_role("button", name="完成绑定").click()

    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    shoot(page, "recovery-codes-phone.png", full_page=True)
    page.get_by_role("link", name="已妥善保存，继续").click()
    expect(page.get_by_text("您好，周审计")).to_be_visible()
    assert errors == []
