"""One annual assessment from opening to publication, through the pages of each role: the office opens
the cycle, a base writes its self-assessment, an evaluator scores, the office computes the results and
proposes, the joint conference approves, the notice runs its seven days, the office publishes, and the
base's page shows its new status.

Slow on purpose (one to a dozen seconds a test): a real Chromium loads each page with its scripts and
styles."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from shuangchuang.accounts.models import Role
from shuangchuang.assessment import services
from shuangchuang.assessment.models import ScoreSheet
from shuangchuang.assessment.tests.factories import make_run

pytestmark = pytest.mark.browser

SHARES = {"B3-012": 0.95, "B3-009": 0.4, "B3-010": 0.7}


def test_a_full_cycle_through_the_pages(page_as, make_user, shoot):
    make_run({"B3-012": 92, "B3-009": 45, "B3-010": 70})
    admin = make_user(Role.NATIONAL_ADMIN, last_name="王", first_name="国管")
    member = make_user(Role.JOINT_MEMBER, last_name="李", first_name="联席")
    operator = make_user(Role.OPERATOR, base="B3-012", last_name="黄", first_name="填报")
    first, second = (make_user(Role.EVALUATOR, last_name="赵", first_name=n) for n in ("一", "二"))

    office = page_as(admin)
    office.goto("/assessment/")
    office.get_by_test_id("open-cycle").click()
    expect(office.get_by_test_id("cycle-stage")).to_have_text("自评估")
    cycle_url = office.url

    base = page_as(operator)
    base.goto(cycle_url)
    base.get_by_test_id("self-assessment-link").click()
    base.get_by_test_id("self-summary").fill("对照建设方案，本年度完成主要建设任务。")
    base.get_by_test_id("submit-self").click()
    expect(base.get_by_test_id("self-submitted")).to_be_visible()

    office.goto(cycle_url)
    office.get_by_test_id("advance").click()
    expect(office.get_by_test_id("cycle-stage")).to_have_text("专家函评")
    office.get_by_test_id("assign-expert").click()
    expect(office.get_by_test_id("progress")).to_contain_text("0/2")

    evaluator = page_as(first)
    evaluator.goto(cycle_url)
    for n in range(evaluator.get_by_test_id("my-sheet").count()):
        evaluator.goto(cycle_url)
        evaluator.get_by_test_id("my-sheet").nth(n).click()
        evaluator.wait_for_url(re.compile(r"/sheets/\d+/$"))
        sheet = ScoreSheet.objects.get(pk=int(evaluator.url.rstrip("/").rsplit("/", 1)[1]))
        share = SHARES[sheet.base.code]
        criteria = list(sheet.cycle.forms.get().criteria.all())
        # the URL changes before the sheet's page has finished loading: wait for all its fields
        expect(evaluator.get_by_test_id("points")).to_have_count(len(criteria))
        for criterion, field in zip(criteria, evaluator.get_by_test_id("points").all(), strict=True):
            field.fill(str(round(float(criterion.max_points) * share, 1)))
        evaluator.get_by_test_id("submit-sheet").click()
        expect(evaluator.get_by_test_id("cycle-stage")).to_be_visible()
    for other in ScoreSheet.objects.filter(evaluator=second).select_related("base", "cycle"):
        form = other.cycle.forms.get()
        services.save_sheet(
            second,
            other,
            {c.pk: round(float(c.max_points) * SHARES[other.base.code], 1) for c in form.criteria.all()},
            submit=True,
        )

    office.goto(cycle_url)
    office.get_by_test_id("compute").click()
    expect(office.get_by_test_id("result-B3-012").get_by_test_id("outcome")).to_have_text("表彰激励")
    expect(office.get_by_test_id("result-B3-009").get_by_test_id("outcome")).to_have_text("警示并限期整改")
    shoot(office, "assessment-results.png", full_page=True)
    office.goto(cycle_url + "what-if/")
    office.get_by_test_id("pass-from").fill("75")
    office.get_by_test_id("run-what-if").click()
    expect(office.get_by_test_id("what-if-summary")).to_contain_text("1 个基地的结果不同")
    shoot(office, "assessment-what-if.png", full_page=True)
    office.goto(cycle_url)
    office.get_by_test_id("propose").click()
    expect(office.get_by_test_id("decision-state")).to_have_text("已提出")
    decision_url = office.url
    office.get_by_test_id("review").click()
    expect(office.get_by_test_id("decision-state")).to_have_text("国家审核通过")

    conference = page_as(member)
    conference.goto(decision_url)
    conference.get_by_role("textbox", name="会议纪要").fill("第十次联席会议")
    conference.get_by_test_id("approve").click()
    expect(conference.get_by_test_id("approved")).to_contain_text("李联席")

    office.goto(decision_url)
    office.get_by_test_id("start-notice").click()
    expect(office.get_by_test_id("decision-state")).to_have_text("公示中")
    shoot(office, "assessment-decision.png", full_page=True)
    # eight days later (a new sign-in: the session of a week ago has expired)
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        office = page_as(admin)
        office.goto(decision_url)
        office.get_by_test_id("publish").click()
        expect(office.get_by_test_id("decision-state")).to_have_text("已发布")
        base = page_as(operator)
        base.goto("/bases/B3-012/")
        expect(base.get_by_test_id("base-assessment")).to_be_visible()
        expect(base.locator("dd", has_text="通报表扬")).to_be_visible()
        shoot(base, "assessment-base-page.png", full_page=True)
