"""The assessment's arithmetic on hand-computed cases: rubric, bonus, grades, ranks, proposals."""

from __future__ import annotations

import pytest

from shuangchuang.assessment import scoring
from shuangchuang.assessment.scoring import Row, Rules


def test_rubric_gives_nothing_below_the_floor_k_at_it_and_delta_per_unit_up_to_the_cap():
    rubric = {"floor": 10, "at_floor": 4, "per_unit": 0.5, "cap": 6}
    assert scoring.rubric_points(9.9, **rubric) == 0
    assert scoring.rubric_points(10, **rubric) == 4
    assert scoring.rubric_points(12, **rubric) == 5  # 4 + 2 × 0.5
    assert scoring.rubric_points(100, **rubric) == 6


def test_grade_bands_follow_the_configured_cut_offs():
    rules = Rules(excellent_from=90, good_from=80, pass_from=60)
    assert [scoring.grade_of(t, rules) for t in (95, 90, 89.9, 80, 60, 59.9)] == [
        "excellent",
        "excellent",
        "good",
        "good",
        "pass",
        "fail",
    ]


def test_total_weights_quantitative_and_qualitative_and_bonus_may_pass_100():
    rules = Rules(quantitative_weight=0.6, qualitative_weight=0.4, max_bonus=5)
    assert scoring.combined_total(80, 90, 0, rules) == pytest.approx(84.0)  # 0.6×80 + 0.4×90
    assert scoring.combined_total(100, 100, 3, rules) == pytest.approx(103.0)
    assert scoring.combined_total(100, 100, 9, rules) == pytest.approx(105.0)  # bonus capped
    assert scoring.combined_total(None, 70, 0, rules) == pytest.approx(70.0)  # renormalised


def test_qualitative_score_weights_each_source_mean():
    rules = Rules(expert_weight=0.5, site_weight=0.3, peer_weight=0.2)
    # experts 80 and 90 → 85; site 70; peer 60 → 0.5×85 + 0.3×70 + 0.2×60 = 75.5
    assert scoring.qualitative_score([80, 90], [70], [60], rules) == pytest.approx(75.5)
    assert scoring.qualitative_score([80], [], [], rules) == pytest.approx(80.0)


def test_ties_share_the_better_place():
    assert scoring.competition_ranks([90, 80, 80, 70]) == [1, 2, 2, 4]


def row(base_id: int, quantitative: float, experts: list[float], **kw) -> Row:
    return Row(
        base_id=base_id,
        direction=kw.pop("direction", "employment"),
        peer_group=kw.pop("peer_group", "区县（行政区）"),
        quantitative=quantitative,
        expert=experts,
        **kw,
    )


RULES = Rules(commend_top=1, replications=200, weight_noise=0.0)


def outcomes(rows: list[Row], rules: Rules = RULES) -> dict[int, str]:
    return {r.base_id: r.outcome for r in scoring.evaluate(rows, rules)}


def test_ranks_are_taken_within_the_peer_group():
    rows = scoring.score_rows(
        [row(1, 90, [90]), row(2, 80, [80]), row(3, 70, [70], peer_group="开发区和高新区")], RULES
    )
    assert [(r.rank, r.peer_rank) for r in rows] == [(1, 1), (2, 2), (3, 1)]


def test_top_of_group_with_excellent_grade_is_commended_and_the_bottom_grade_is_warned():
    rows = [row(1, 95, [95, 95]), row(2, 70, [70, 70]), row(3, 40, [40, 40])]
    assert outcomes(rows) == {1: "commend", 2: "none", 3: "rectify"}
    commended = next(r for r in scoring.evaluate(rows, RULES) if r.base_id == 1)
    assert commended.reasons == [
        {"code": "top_of_group", "params": {"rank": 1, "group": "区县（行政区）", "total": 95.0}}
    ]


def test_a_top_base_with_late_reports_or_open_flags_is_not_commended():
    assert outcomes([row(1, 95, [95], late_periods=1)]) == {1: "none"}
    assert outcomes([row(1, 95, [95], open_flags=2)]) == {1: "none"}


def test_two_consecutive_failing_cycles_propose_withdrawal():
    assert outcomes([row(1, 40, [40], failed_last_cycle=True), row(2, 40, [40])]) == {
        1: "withdraw",
        2: "rectify",
    }


def test_missing_two_periods_fails_the_mandatory_condition_whatever_the_score():
    rows = [row(1, 99, [99], missed_periods=2)]
    evaluated = scoring.evaluate(rows, RULES)
    assert evaluated[0].outcome == "withdraw"
    assert evaluated[0].reasons[0]["code"] == "missed_periods"


def test_uncertainty_guard_sends_a_base_whose_interval_crosses_the_pass_line_to_a_human():
    # quantitative 50 within the engine's interval 40–80: the total's interval crosses 60
    rows = [row(1, 50, [52, 54], quantitative_low=40, quantitative_high=80)]
    evaluated = scoring.evaluate(rows, RULES)
    assert evaluated[0].grade == "fail"
    assert evaluated[0].outcome == "human"
    assert evaluated[0].reasons[0]["code"] == "interval_crosses_pass"


def test_uncertainty_guard_holds_back_a_commendation_whose_rank_interval_crosses_the_places():
    rows = [
        row(1, 95, [95, 95], quantitative_low=80, quantitative_high=100),
        row(2, 94, [95, 95], quantitative_low=80, quantitative_high=100),
    ]
    assert outcomes(rows)[1] == "human"


def test_reviewers_far_apart_flag_the_base_for_arbitration():
    rows = scoring.evaluate([row(1, 80, [95, 60])], Rules(spread=20, replications=50))
    assert rows[0].arbitration and rows[0].outcome == "human"


def test_rules_survive_their_json_form():
    rules = Rules(pass_from=55, bonus_rules=(scoring.BonusRule("award", "奖项", cap=2),))
    assert Rules.from_dict(rules.as_dict()) == rules


def test_a_whole_cycle_of_92_bases_gets_rank_intervals():
    import random

    rng = random.Random(1)
    rows = [
        row(
            n,
            rng.uniform(30, 95),
            [rng.uniform(50, 95) for _ in range(3)],
            quantitative_low=20,
            quantitative_high=99,
            peer_group=str(n % 4),
            direction=str(n % 4),
        )
        for n in range(92)
    ]
    evaluated = scoring.evaluate(rows, Rules(replications=1000))
    assert len(evaluated) == 92 and all(r.rank_low is not None for r in evaluated)
