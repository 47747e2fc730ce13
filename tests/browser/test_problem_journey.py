"""A problem's whole journey in a real browser, on a laptop and on a phone: the base raises it, its
authority escalates it to the national office, which answers it, and the base confirms the answer.

Slow on purpose (one to a dozen seconds a test): a real Chromium loads each page with its scripts and
styles."""

import pytest
from playwright.sync_api import expect

from shuangchuang.accounts.models import Role

pytestmark = pytest.mark.browser

HENGZHOU = "B3-012"
GUANGXI = "drc-450000"


def act(page, action: str, text: str, expected_state: str) -> None:
    if text:
        page.get_by_test_id("problem-text").fill(text)
    page.get_by_test_id(f"action-{action}").click()
    expect(page.get_by_test_id("problem-state").first).to_have_text(expected_state)


@pytest.mark.parametrize(("device", "width", "height"), [("laptop", 1366, 800), ("phone", 390, 844)])
def test_a_problem_is_raised_escalated_answered_and_confirmed(
    page_as, make_user, shoot, device, width, height
):
    operator = make_user(Role.OPERATOR, base=HENGZHOU, last_name="黄", first_name="填报")
    authority = make_user(Role.AUTHORITY, authority=GUANGXI, last_name="韦", first_name="审核")
    office = make_user(Role.NATIONAL_ADMIN, last_name="王", first_name="国管")

    # The base raises the problem from the problems page.
    base = page_as(operator, width, height)
    base.goto("/records/problems/")
    base.get_by_test_id("problem-new").click()
    base.get_by_label("类别").select_option("space")
    base.get_by_label("问题", exact=True).fill("孵化用地指标不足")
    base.get_by_label("问题描述").fill("园区二期需新增用地约 80 亩。")
    base.get_by_label("需要的支持").fill("协调新增建设用地指标")
    base.get_by_test_id("problem-submit").click()
    expect(base.get_by_test_id("problem-state").first).to_have_text("待受理")
    url = base.url

    # Its authority takes it up and escalates it: the national office holds it now.
    reviewer = page_as(authority, width, height)
    reviewer.goto(url)
    act(reviewer, "start", "", "办理中")
    act(reviewer, "escalate", "涉及国家用地指标，请国家层面协调。", "已上报国家")
    expect(reviewer.get_by_test_id("holder")).to_have_text("国家发展改革委")
    expect(reviewer.get_by_test_id("problem-actions")).to_have_count(0)

    # The national office answers it.
    national = page_as(office, width, height)
    national.goto(url)
    act(national, "resolve", "已商自然资源部单列 80 亩指标。", "已办结待确认")

    # The base reads the answer in the history and confirms it.
    base.goto(url)
    expect(base.get_by_test_id("resolution")).to_contain_text("单列 80 亩指标")
    history = base.get_by_test_id("problem-history")
    expect(history).to_contain_text("涉及国家用地指标")
    act(base, "confirm", "", "已确认办结")
    expect(base.get_by_test_id("problem-actions")).to_have_count(0)
    shoot(base, f"problem-confirmed-{device}.png", full_page=True)
