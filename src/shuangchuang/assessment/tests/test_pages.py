"""The assessment's pages as their users meet them."""

from __future__ import annotations

import pytest
from conftest import sign_in
from django.test import Client
from django.urls import reverse

from shuangchuang.accounts.models import Role
from shuangchuang.assessment import services
from shuangchuang.assessment.exceptions import ConflictOfInterest
from shuangchuang.assessment.models import (
    AssessmentCycle,
    DecisionItem,
    ScoreSheet,
    SelfAssessment,
    Source,
    Stage,
)

from .factories import make_cycle, make_run, score_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user):
    return make_user(Role.NATIONAL_ADMIN)


def test_the_office_opens_the_cycle_of_a_year_with_its_finished_runs(admin):
    make_run({"B3-012": 80, "B3-009": 60})
    response = sign_in(Client(), admin).post(reverse("assessment:cycle_open"), {"year": "2025"}, follow=True)
    cycle = AssessmentCycle.objects.get(year=2025)
    assert cycle.stage == Stage.SELF and cycle.runs.count() == 1
    assert "横州市" in response.content.decode()  # its progress table lists the bases


def test_a_year_without_a_finished_run_is_refused_with_a_message(admin):
    response = sign_in(Client(), admin).post(reverse("assessment:cycle_open"), {"year": "2019"}, follow=True)
    assert "还没有已完成的评估运行" in response.content.decode()
    assert not AssessmentCycle.objects.exists()


def test_an_evaluator_submits_a_sheet_and_it_shows_locked(admin, make_user):
    cycle = make_cycle(admin, {"B3-012": 80})
    evaluator = make_user(Role.EVALUATOR)
    services.assign_reviewers(admin, cycle, Stage.CORRESPONDENCE, [evaluator], per_base=1)
    sheet = ScoreSheet.objects.get(cycle=cycle, evaluator=evaluator)
    criteria = list(cycle.forms.get().criteria.all())
    data = {f"points-{c.pk}": str(c.max_points) for c in criteria} | {"submit": "1"}
    client = sign_in(Client(), evaluator)
    client.post(reverse("assessment:sheet", args=[sheet.pk]), data)
    sheet.refresh_from_db()
    assert sheet.locked and sheet.total == pytest.approx(100.0)
    page = client.get(reverse("assessment:sheet", args=[sheet.pk])).content.decode()
    assert 'data-testid="sheet-locked"' in page and 'data-testid="submit-sheet"' not in page


def test_points_above_the_maximum_are_refused_naming_the_criterion(admin, make_user):
    cycle = make_cycle(admin, {"B3-012": 80})
    evaluator = make_user(Role.EVALUATOR)
    services.assign_reviewers(admin, cycle, Stage.CORRESPONDENCE, [evaluator], per_base=1)
    sheet = ScoreSheet.objects.get(cycle=cycle, evaluator=evaluator)
    first = cycle.forms.get().criteria.first()
    response = sign_in(Client(), evaluator).post(
        reverse("assessment:sheet", args=[sheet.pk]), {f"points-{first.pk}": "99"}, follow=True
    )
    assert "政府职能：得分须在 0 到 20.0 之间" in response.content.decode()


def test_a_base_writes_and_submits_its_self_assessment(admin, make_user):
    cycle = make_cycle(admin, {"B3-012": 80})
    operator = make_user(Role.OPERATOR, base="B3-012")
    client = sign_in(Client(), operator)
    url = reverse("assessment:self_assessment", args=[cycle.pk])
    client.post(url, {"summary": "完成三年目标的八成。", "submit": "1"})
    assessment = SelfAssessment.objects.get(cycle=cycle, base=operator.base)
    assert assessment.submitted_at is not None
    assert ScoreSheet.objects.filter(cycle=cycle, source=Source.SELF, reviewer_base=operator.base).exists()


def test_changing_a_proposal_without_a_reason_is_refused_on_the_page(admin, make_user):
    cycle = make_cycle(admin, {"B3-012": 92, "B3-009": 40})
    score_all(cycle, make_user(Role.EVALUATOR), {"B3-012": 0.95, "B3-009": 0.4})
    services.compute_results(admin, cycle)
    decision = services.propose_decision(admin, cycle)
    item = DecisionItem.objects.get(decision=decision, base__code="B3-009")
    response = sign_in(Client(), admin).post(
        reverse("assessment:decision_action", args=[decision.pk]),
        {"action": "review", f"action-{item.pk}": "none", f"reason-{item.pk}": ""},
        follow=True,
    )
    assert "改变规则建议须说明理由" in response.content.decode()
    decision.refresh_from_db()
    assert decision.state == "proposed"


def test_the_self_assessment_reads_the_approved_plans_goals_and_keeps_them_with_the_actuals(admin, make_user):
    from shuangchuang.plans.tests.factories import approved_plan

    cycle = make_cycle(admin, {"B3-012": 80})
    operator = make_user(Role.OPERATOR, base="B3-012")
    approved_plan(operator, make_user(Role.AUTHORITY, authority="drc-450000"))
    client = sign_in(Client(), operator)
    url = reverse("assessment:self_assessment", args=[cycle.pk])
    page = client.get(url).content.decode()
    assert page.count('data-testid="self-goal"') == 1 and "带动就业" in page and "160" in page  # 2025 target
    client.post(url, {"summary": "按方案推进。", "actual": "170", "evidence": "社保缴纳名单", "submit": "1"})
    goals = SelfAssessment.objects.get(cycle=cycle).goals
    assert goals == [
        goals[0] | {"goal": "带动就业", "target": "160", "actual": "170", "evidence": "社保缴纳名单"}
    ]


def test_an_evaluator_declares_a_conflict_from_the_cycle_page_and_loses_the_assignment(admin, make_user):
    cycle = make_cycle(admin, {"B3-012": 80})
    evaluator = make_user(Role.EVALUATOR)
    services.assign_reviewers(admin, cycle, Stage.CORRESPONDENCE, [evaluator], per_base=1)
    client = sign_in(Client(), evaluator)
    client.post(
        reverse("assessment:declare_conflict", args=[cycle.pk]), {"base": "B3-012", "reason": "曾任顾问"}
    )
    assert not ScoreSheet.objects.filter(cycle=cycle, evaluator=evaluator).exists()
    with pytest.raises(ConflictOfInterest, match="利益冲突"):
        services.assign_one(admin, cycle, Stage.CORRESPONDENCE, operator_base("B3-012"), evaluator)


def operator_base(code: str):
    from shuangchuang.registry.models import Base

    return Base.objects.get(code=code)


def test_an_assigned_evaluator_records_a_site_visit(admin, make_user):
    cycle = make_cycle(admin, {"B3-012": 80})
    evaluator = make_user(Role.EVALUATOR)
    services.assign_one(admin, cycle, Stage.SITE_VISIT, operator_base("B3-012"), evaluator)
    client = sign_in(Client(), evaluator)
    url = reverse("assessment:site_visit", args=[cycle.pk, "B3-012"])
    client.post(url, {"visited_on": "2026-03-01", "findings": "孵化载体运行良好。", "evidence": "照片 1-12"})
    assert "孵化载体运行良好" in client.get(url).content.decode()


def test_an_evaluator_not_assigned_to_visit_is_told_so(admin, make_user):
    cycle = make_cycle(admin, {"B3-012": 80})
    evaluator = make_user(Role.EVALUATOR, assigned=("B3-012",))
    response = sign_in(Client(), evaluator).post(
        reverse("assessment:site_visit", args=[cycle.pk, "B3-012"]),
        {"visited_on": "2026-03-01", "findings": "x"},
        follow=True,
    )
    assert "没有被指派" in response.content.decode()


def test_an_accepted_bonus_item_lifts_the_total_by_its_rubric(admin, make_user):
    from shuangchuang.assessment.scoring import BonusRule, Rules

    rules = Rules(
        replications=50, weight_noise=0.0, bonus_rules=(BonusRule("award", "获国家级表彰或奖项", 1, 1, 1, 3),)
    )
    cycle = make_cycle(admin, {"B3-012": 90}, rules=rules)
    score_all(cycle, make_user(Role.EVALUATOR), {"B3-012": 0.9})
    sign_in(Client(), admin).post(
        reverse("assessment:cycle_action", args=[cycle.pk]),
        {"action": "bonus", "base": "B3-012", "rule": "award", "quantity": "2", "evidence": "国家级奖项证书"},
    )
    services.compute_results(admin, cycle)
    result = cycle.results.get()
    assert result.bonus == 2.0 and result.total == pytest.approx(92.0)  # 90 + 1 at the floor + 1 per unit
