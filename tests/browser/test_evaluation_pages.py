"""An evaluation run as the national office watches it, and the results as a base reads them.

With `--screenshots` the pages go to var/screenshots/ for a person to look at; the assertions are what a user
would notice.

Slow on purpose (one to a dozen seconds a test): a real Chromium loads each page with its scripts and
styles.
"""

import re

import pytest
from playwright.sync_api import expect

from shuangchuang.accounts.models import Role
from shuangchuang.evaluation.models import EvaluationRun
from shuangchuang.evaluation.services import execute_run
from shuangchuang.evaluation.tests.conftest import approved_year  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

LAPTOP = (1366, 900)
PHONE = (390, 844)


def page_overflows_horizontally(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


@pytest.mark.parametrize(("width", "height"), [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_a_run_that_finishes_within_a_second_shows_its_true_state(
    approved_year,  # noqa: F811
    page_as,
    make_user,
    shoot,
    width,
    height,
):
    approved_year.uncertainty_replications = 0
    approved_year.save()
    admin = make_user(Role.NATIONAL_ADMIN, last_name="王", first_name="国管")
    run = EvaluationRun.objects.create(scheme=approved_year, created_by=admin)
    page = page_as(admin, width, height)

    page.goto(f"/evaluation/runs/{run.pk}/")
    expect(page.get_by_test_id("run-status")).to_have_text("排队中")
    shoot(page, f"evaluation-run-queued-{width}.png", full_page=True)
    execute_run(run.pk)  # the task worker, done before the page's first poll

    expect(page.get_by_test_id("run-status")).to_have_text("计算完成")
    expect(page.get_by_test_id("progress-value")).to_have_text("100%")
    # set by core/app.js from data-css-width (the policy allows no style="" in the page itself)
    expect(page.locator("#run-progress .progress-bar")).to_have_attribute("style", re.compile(r"width: 100%"))
    expect(page.get_by_test_id("ranking").locator("tbody tr")).to_have_count(25)
    expect(page.get_by_text("排队中")).to_have_count(0)
    expect(page.locator(".page-pretitle")).to_contain_text(f"评估运行 #{run.pk}")
    expect(page.locator(".page-pretitle")).to_contain_text("王国管发起")
    shoot(page, f"evaluation-run-done-{width}.png", full_page=True)
    assert not page_overflows_horizontally(page)


@pytest.mark.parametrize(("width", "height"), [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_a_base_reads_its_runs_and_its_scorecard(
    approved_year,  # noqa: F811
    page_as,
    make_user,
    shoot,
    width,
    height,
):
    approved_year.uncertainty_replications = 50
    approved_year.save()
    admin = make_user(Role.NATIONAL_ADMIN, last_name="王", first_name="国管")
    runs = [
        execute_run(EvaluationRun.objects.create(scheme=approved_year, created_by=admin).pk) for _ in "ab"
    ]
    page = page_as(make_user(Role.OPERATOR, base="B3-012"), width, height)

    page.goto("/bases/B3-012/")
    results = page.get_by_test_id("base-result")
    expect(results).to_have_count(2)
    expect(results.first).to_contain_text(f"评估运行 #{runs[1].pk}")
    expect(results.first.get_by_test_id("latest-run")).to_have_text("最新")
    expect(results.nth(1).get_by_test_id("latest-run")).to_have_count(0)
    shoot(page, f"base-page-runs-{width}.png", full_page=True)
    assert not page_overflows_horizontally(page)

    results.first.click()
    expect(page.get_by_test_id("strengths")).to_be_visible()
    shoot(page, f"scorecard-{width}.png", full_page=True)
    assert not page_overflows_horizontally(page)
