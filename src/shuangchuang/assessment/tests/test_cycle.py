"""Opening a cycle, assigning reviewers, scoring, and the cycle's results on crafted data."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shuangchuang.accounts.models import Role
from shuangchuang.assessment import services
from shuangchuang.assessment.exceptions import ConflictOfInterest, NotAllowed, SheetLocked
from shuangchuang.assessment.models import Assignment, CycleResult, PeerGroup, ScoreSheet, Source, Stage
from shuangchuang.assessment.scoring import Rules
from shuangchuang.registry.models import Base

from .factories import DISTRICTS, make_cycle, score_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user):
    return make_user(Role.NATIONAL_ADMIN)


def test_a_cycle_splits_regions_into_districts_and_zones_and_keeps_universities_apart(admin):
    cycle = make_cycle(admin, {"B3-001": 70, "B3-012": 60, "B3-021": 50, "B3-006": 40})
    groups = {
        g.code: sorted(g.bases.values_list("code", flat=True)) for g in PeerGroup.objects.filter(cycle=cycle)
    }
    assert groups == {"district": ["B3-012"], "zone": ["B3-001", "B3-006"], "university": ["B3-021"]}
    assert cycle.forms.get().criteria.count() == 6


def test_reviewers_are_balanced_and_a_declared_conflict_blocks_the_assignment(admin, make_user):
    cycle = make_cycle(admin, {code: 70 for code in DISTRICTS})
    first, second, third = (make_user(Role.EVALUATOR) for _ in range(3))
    base = Base.objects.get(code="B3-012")
    services.declare_conflict(first, cycle, base, "曾为该基地编制建设方案")
    services.assign_reviewers(admin, cycle, Stage.CORRESPONDENCE, [first, second, third], per_base=2)
    reviewers = set(Assignment.objects.filter(cycle=cycle, base=base).values_list("evaluator_id", flat=True))
    assert reviewers == {second.pk, third.pk}
    loads = [Assignment.objects.filter(cycle=cycle, evaluator=e).count() for e in (first, second, third)]
    assert sorted(loads) == [3, 3, 4]  # 10 assignments over 3 evaluators
    assert base in second.assigned_bases.all()


def test_too_few_reviewers_without_conflict_is_refused_with_the_base_named(admin, make_user):
    cycle = make_cycle(admin, {"B3-012": 70})
    only = make_user(Role.EVALUATOR)
    services.declare_conflict(only, cycle, Base.objects.get(code="B3-012"), "亲属任职")
    with pytest.raises(ConflictOfInterest, match="横州市"):
        services.assign_reviewers(admin, cycle, Stage.CORRESPONDENCE, [only], per_base=1)


def test_declaring_a_conflict_after_assignment_withdraws_it(admin, make_user):
    cycle = make_cycle(admin, {"B3-012": 70})
    evaluator = make_user(Role.EVALUATOR)
    services.assign_reviewers(admin, cycle, Stage.CORRESPONDENCE, [evaluator], per_base=1)
    services.declare_conflict(evaluator, cycle, Base.objects.get(code="B3-012"), "受聘为该基地顾问")
    assert not Assignment.objects.filter(cycle=cycle).exists()
    assert not ScoreSheet.objects.filter(cycle=cycle, evaluator=evaluator).exists()


def test_peer_review_never_of_oneself_nor_of_the_own_authority(admin):
    # 横州市 and 钦州? only districts here; add a second 广西 base to test the authority rule
    cycle = make_cycle(admin, {code: 70 for code in (*DISTRICTS, "B3-001", "B3-002")})
    sheets = services.assign_peer_reviews(admin, cycle, per_base=2)
    assert sheets
    assert all(s.reviewer_base_id != s.base_id for s in sheets)
    assert all(s.reviewer_base.authority_id != s.base.authority_id for s in sheets)
    assert all(s.reviewer_base.direction_id == s.base.direction_id for s in sheets)


def test_a_submitted_sheet_is_locked(admin, make_user):
    cycle = make_cycle(admin, {"B3-012": 70})
    evaluator = make_user(Role.EVALUATOR)
    score_all(cycle, evaluator, {"B3-012": 0.8})
    sheet = ScoreSheet.objects.get(cycle=cycle, source=Source.EXPERT)
    assert sheet.total == pytest.approx(80.0)
    with pytest.raises(SheetLocked):
        services.save_sheet(evaluator, sheet, {}, comment="改")


def test_a_draft_saved_again_keeps_one_score_per_criterion_and_the_scores_left_empty(admin, make_user):
    cycle = make_cycle(admin, {"B3-012": 70})
    evaluator = make_user(Role.EVALUATOR)
    sheet = ScoreSheet.objects.create(
        cycle=cycle, base=Base.objects.get(code="B3-012"), source=Source.EXPERT, evaluator=evaluator
    )
    first, second, *rest = cycle.forms.get().criteria.all()

    services.save_sheet(evaluator, sheet, {first.pk: "5", second.pk: "6"}, comments={first.pk: "初评"})
    services.save_sheet(evaluator, sheet, {first.pk: "7.5", second.pk: " "}, comments={first.pk: "复核"})

    assert {(s.criterion_id, s.points, s.comment) for s in sheet.scores.all()} == {
        (first.pk, Decimal("7.5"), "复核"),
        (second.pk, Decimal("6"), ""),
    }
    full = {c.pk: str(c.max_points) for c in (first, second, *rest)}
    services.save_sheet(evaluator, sheet, full, submit=True)
    sheet.refresh_from_db()
    assert sheet.scores.count() == 2 + len(rest)
    assert sheet.total == pytest.approx(100.0)


def test_an_evaluator_cannot_score_a_sheet_of_another(admin, make_user):
    cycle = make_cycle(admin, {"B3-012": 70})
    evaluator, other = make_user(Role.EVALUATOR), make_user(Role.EVALUATOR)
    sheet = ScoreSheet.objects.create(
        cycle=cycle, base=Base.objects.get(code="B3-012"), source=Source.EXPERT, evaluator=evaluator
    )
    with pytest.raises(NotAllowed):
        services.save_sheet(other, sheet, {}, comment="x")


def test_results_combine_the_stored_run_score_with_the_reviewers(admin, make_user):
    rules = Rules(quantitative_weight=0.6, qualitative_weight=0.4, replications=100, weight_noise=0.0)
    cycle = make_cycle(admin, {"B3-012": 90, "B3-009": 50}, rules=rules)
    evaluator = make_user(Role.EVALUATOR)
    score_all(cycle, evaluator, {"B3-012": 0.9, "B3-009": 0.5})
    services.compute_results(admin, cycle)
    results = {r.base.code: r for r in CycleResult.objects.filter(cycle=cycle).select_related("base")}
    assert results["B3-012"].total == pytest.approx(90.0)  # 0.6×90 + 0.4×90
    assert results["B3-012"].grade == "excellent" and results["B3-012"].outcome == "commend"
    assert results["B3-009"].total == pytest.approx(50.0)
    assert results["B3-009"].outcome == "rectify"
    assert results["B3-009"].reasons[0]["code"] == "fail_grade"
    assert results["B3-012"].run_result.score == 90


def test_failing_two_cycles_in_a_row_proposes_withdrawal(admin, make_user):
    evaluator = make_user(Role.EVALUATOR)
    for year in (2024, 2025):
        cycle = make_cycle(admin, {"B3-012": 90, "B3-009": 40}, year=year)
        score_all(cycle, evaluator, {"B3-012": 0.9, "B3-009": 0.4})
        services.compute_results(admin, cycle)
    assert cycle.results.get(base__code="B3-009").outcome == "withdraw"
