"""A base operator's first visit, in a real browser: log in, find its base, and nothing else.

Slow on purpose (one to a dozen seconds a test): a real Chromium loads each page with its scripts and
styles."""

import pytest
from conftest import TEST_PASSWORD
from playwright.sync_api import expect

from shuangchuang.accounts.models import Role

pytestmark = pytest.mark.browser

HENGZHOU = "B3-012"
XMU = "B3-023"


def log_in(page, username: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_operator_logs_in_sees_its_base_and_gets_404_for_another(open_page, make_user, console_errors):
    make_user(Role.OPERATOR, base=HENGZHOU, username="hengzhou", last_name="黄", first_name="填报")
    page = open_page()

    page.goto("/")
    expect(page).to_have_url("/accounts/login/?next=/")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    log_in(page, "hengzhou")

    expect(page.get_by_role("heading", name="您好，黄填报")).to_be_visible()
    expect(page.get_by_test_id("base-count")).to_have_text("1")
    page.get_by_role("link", name="广西壮族自治区南宁市横州市").click()

    expect(page).to_have_url(f"/bases/{HENGZHOU}/")
    expect(page.get_by_role("heading", name="广西壮族自治区南宁市横州市")).to_be_visible()
    expect(page.get_by_test_id("official-name")).to_have_text("广西壮族自治区南宁市横县")

    page.get_by_role("button", name="示范基地", exact=True).click()
    page.get_by_role("link", name="基地名录").click()
    expect(page.get_by_test_id("result-count")).to_have_text("共 1 个示范基地")
    expect(page.locator("#base-rows tbody tr")).to_have_count(1)

    response = page.goto(f"/bases/{XMU}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
    # the browser reports the 404 itself on the console: expected here, and nothing else
    console_errors.remove("Failed to load resource: the server responded with a status of 404 (Not Found)")
    expect(page.get_by_text("厦门大学")).to_have_count(0)

    page.get_by_role("link", name="用户菜单").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url("/accounts/login/")


def test_wrong_password_is_explained_in_chinese(open_page, make_user):
    make_user(Role.OPERATOR, base=HENGZHOU, username="hengzhou")
    page = open_page()

    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("hengzhou")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_role("alert")).to_have_text("用户名或密码不正确，请重新输入。")
