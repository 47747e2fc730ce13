"""One report's whole journey in a real browser: the base fills and submits it, the authority returns it
with a comment, the base corrects and resubmits, the authority passes it, the national office approves and
locks it, and the base can no longer change a value.

Slow on purpose (one to a dozen seconds a test): a real Chromium loads each page with its scripts and
styles."""

import pytest
from playwright.sync_api import expect

from shuangchuang.accounts.models import Role
from shuangchuang.monitoring.tests.factories import make_period, make_report, make_small_catalogue

pytestmark = pytest.mark.browser

HENGZHOU = "B3-012"
GUANGXI = "drc-450000"


def press(page, test_id: str, expected_state: str) -> None:
    page.get_by_test_id(test_id).click()
    expect(page.get_by_test_id("state")).to_have_text(expected_state)


def test_a_report_goes_from_the_base_through_review_to_locked(page_as, make_user, shoot):
    make_small_catalogue()
    report = make_report(HENGZHOU, make_period(2025))
    operator = make_user(Role.OPERATOR, base=HENGZHOU, last_name="黄", first_name="填报")
    authority = make_user(Role.AUTHORITY, authority=GUANGXI, last_name="韦", first_name="审核")
    office = make_user(Role.NATIONAL_ADMIN, last_name="王", first_name="国管")
    url = f"/monitoring/reports/{report.pk}/"

    # The base fills in the form; the derived R&D intensity appears as it types.
    base = page_as(operator)
    base.goto(url)
    base.locator("#value-JOBS").fill("120")
    base.locator("#value-JOBS_GRAD").fill("30")
    base.locator("#value-REVENUE").fill("50,000")
    base.locator("#value-RD").fill("2500")
    expect(base.locator("#derived-RD_INTENSITY")).to_have_text("5")
    press(base, "submit", "已报送")
    expect(base.locator("input[name^='value-']")).to_have_count(0)

    # The authority returns it with a reason and a comment on one value; it gets no inputs for values.
    reviewer = page_as(authority)
    reviewer.goto(url)
    expect(reviewer.locator("input[name^='value-']")).to_have_count(0)
    reviewer.get_by_test_id("return-reason-input").fill("毕业生人数与台账不一致")
    reviewer.get_by_label("逐项意见：其中：吸纳应届高校毕业生").fill("请按派遣证核实")
    press(reviewer, "action-return", "已退回")

    # The base sees the reason and the comment beside the field, corrects and resubmits.
    base.goto(url)
    expect(base.get_by_test_id("return-reason")).to_contain_text("毕业生人数与台账不一致")
    expect(base.get_by_test_id("comment-JOBS_GRAD")).to_contain_text("请按派遣证核实")
    base.locator("#value-JOBS_GRAD").fill("45")
    press(base, "submit", "已报送")

    # The authority passes it; the national office approves and locks it.
    reviewer.goto(url)
    press(reviewer, "action-pass", "审核通过")
    national = page_as(office)
    national.goto(url)
    press(national, "action-approve", "国家已核准")
    press(national, "action-lock", "已锁定")

    # Locked: the base sees the values, no inputs, and can print the summary sheet.
    base.goto(url)
    expect(base.get_by_test_id("state")).to_have_text("已锁定")
    expect(
        base.locator("input[name^='value-'], textarea[name^='value-'], select[name^='value-']")
    ).to_have_count(0)
    expect(base.get_by_test_id("value-JOBS_GRAD")).to_have_text("45")
    expect(base.get_by_test_id("summary-pdf")).to_be_visible()
    base.get_by_role("tab", name="历史").click()
    history = base.get_by_test_id("history")
    expect(history).to_be_visible()
    expect(history).to_contain_text("毕业生人数与台账不一致")
    expect(history.get_by_role("row").filter(has_text="JOBS_GRAD").first).to_contain_text("30 → 45")
    shoot(base, "report-locked-operator.png", full_page=True)
