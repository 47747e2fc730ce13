"""A base's construction plan from the first draft to approval, and its goal tracked from approved data.

The base drafts a plan with a goal linked to an indicator and a task, submits; its authority returns it with
a comment; the base revises and resubmits; the authority approves. After the base's annual report is
approved, the goal's actual value appears beside its target. With `--screenshots` the pages go to
var/screenshots/.

Slow on purpose (one to a dozen seconds a test): a real Chromium loads each page with its scripts and
styles.
"""

import pytest
from playwright.sync_api import expect

from shuangchuang.accounts.models import Role
from shuangchuang.monitoring.tests.factories import make_period, make_report
from shuangchuang.plans.tests.factories import indicator

pytestmark = pytest.mark.browser

LAPTOP = (1366, 900)
PHONE = (390, 844)


def page_overflows_horizontally(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


@pytest.mark.parametrize(("width", "height"), [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_plan_drafted_returned_revised_approved_and_tracked(page_as, make_user, shoot, width, height):
    indicator("JOBS", "带动就业人数", "人")
    operator = make_user(Role.OPERATOR, base="B3-012", last_name="黄", first_name="填报")
    reviewer = make_user(Role.AUTHORITY, authority="drc-450000", last_name="韦", first_name="审核")
    base_page = page_as(operator, width, height)
    review_page = page_as(reviewer, width, height)

    # the base drafts: the plan, a goal linked to an indicator, a task
    base_page.goto("/plans/bases/B3-012/")
    expect(base_page.get_by_test_id("no-plan")).to_be_visible()
    form = base_page.get_by_test_id("plan-create")
    form.locator("#id_title").fill("横州市双创示范基地建设方案")
    form.locator("#id_start_year").fill("2024")
    form.locator("#id_end_year").fill("2026")
    form.locator("#id_focus").fill("返乡入乡创业")
    form.get_by_role("button").click()
    expect(base_page.get_by_test_id("plan-state")).to_have_text("草稿")
    plan_url = base_page.url

    base_page.get_by_test_id("goal-add").click()
    base_page.locator("#id_name").fill("带动就业")
    base_page.locator("#id_indicator").select_option(label="JOBS · 带动就业人数")
    base_page.locator("#id_baseline").fill("100")
    base_page.locator("#id_target_2024").fill("130")
    base_page.locator("#id_target_2025").fill("160")
    base_page.locator("#id_target_2026").fill("200")
    base_page.get_by_test_id("goal-form").get_by_role("button", name="保存").click()
    expect(base_page.get_by_test_id("plan-goals")).to_contain_text("带动就业")

    base_page.get_by_test_id("task-add").click()
    base_page.locator("#id_title").fill("建设创业孵化基地二期")
    base_page.locator("#id_owner").fill("管委会")
    base_page.locator("#id_deadline").fill("2025-12-31")
    base_page.locator("#id_milestones").fill("2024-06-30 完成规划设计")
    base_page.get_by_test_id("plans-form").get_by_role("button", name="保存").click()
    expect(base_page.get_by_test_id("plan-tasks")).to_contain_text("完成规划设计")
    shoot(base_page, f"plan-draft-{width}.png", full_page=True)
    base_page.get_by_test_id("plan-submit").click()
    expect(base_page.get_by_test_id("plan-state")).to_have_text("已报送待审核")

    # the authority returns it with a comment
    review_page.goto("/plans/review/")
    review_page.get_by_test_id("plans-waiting").get_by_role("link").first.click()
    review_page.locator("#id_comment").fill("2025年目标偏低，请调整。")
    review_page.get_by_test_id("plan-return").click()
    expect(review_page.get_by_test_id("plan-state")).to_have_text("已退回")

    # the base reads the comment, revises the goal and resubmits
    base_page.goto(plan_url)
    expect(base_page.get_by_test_id("review-comment")).to_contain_text("2025年目标偏低")
    shoot(base_page, f"plan-returned-{width}.png", full_page=True)
    base_page.get_by_test_id("plan-goals").get_by_role("link", name="修改").click()
    base_page.locator("#id_target_2025").fill("170")
    base_page.get_by_test_id("goal-form").get_by_role("button", name="保存").click()
    expect(base_page.get_by_test_id("plan-goals")).to_contain_text("170")
    base_page.get_by_test_id("plan-submit").click()
    expect(base_page.get_by_test_id("plan-state")).to_have_text("已报送待审核")

    # the authority approves
    review_page.goto(plan_url.split("/plans/")[0] + "/plans/review/")
    review_page.get_by_test_id("plans-waiting").get_by_role("link").first.click()
    review_page.get_by_test_id("plan-approve").click()
    expect(review_page.get_by_test_id("plan-state")).to_have_text("已批准（现行）")
    expect(review_page.get_by_test_id("plan-history")).to_contain_text("2025年目标偏低")

    # an approved annual report: the goal's actual value appears beside its target
    make_report("B3-012", make_period(2024), state="approved", JOBS=150)
    base_page.goto("/plans/bases/B3-012/")
    cell = base_page.get_by_test_id("goal-cell-2024")
    expect(cell.get_by_test_id("target")).to_have_text("130")
    expect(cell.get_by_test_id("actual")).to_have_text("150")
    expect(base_page.get_by_test_id("goal-status")).to_have_text("进度正常")
    expect(base_page.locator(".plan-chart canvas")).to_have_count(1)
    shoot(base_page, f"plan-tracked-{width}.png", full_page=True)
    assert not page_overflows_horizontally(base_page)

    base_page.goto("/bases/B3-012/")
    expect(base_page.get_by_test_id("panel-goal")).to_contain_text("150")
    shoot(base_page, f"plan-base-page-{width}.png", full_page=True)
