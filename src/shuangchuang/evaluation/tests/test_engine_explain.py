import numpy as np
import pytest

from shuangchuang.evaluation.engine import (
    AggregateSettings,
    Dataset,
    Framework,
    ImputeSettings,
    Node,
    Settings,
    TreatSettings,
    evaluate,
    explain,
)

FRAMEWORK = Framework.build(
    [
        Node("index"),
        Node("A", "index", 3),
        Node("B", "index", 1),
        Node("a1", "A", 1),
        Node("a2", "A", 1),
        Node("b1", "B", 1),
    ]
)
DATA = Dataset(
    ("u1", "u2", "u3", "u4"),
    ("a1", "a2", "b1"),
    np.array([[0.0, 10.0, 4.0], [10.0, np.nan, 0.0], [5.0, 0.0, 2.0], [2.0, 5.0, 1.0]]),
    groups=("g", "g", "h", "h"),
)
SETTINGS = Settings(treat=TreatSettings("none"))


def test_contributions_are_value_times_effective_weight_and_sum_to_the_index():
    result = evaluate(DATA, FRAMEWORK, SETTINGS)
    explanations = explain(result)
    # u1: a1 = 0, a2 = 100, b1 = 100; effective weights 0.75·0.5, 0.75·0.5, 0.25
    #     contributions 0, 37.5, 25 -> index 62.5
    u1 = explanations.for_unit("u1")
    assert u1.contributions == {"a1": 0.0, "a2": 37.5, "b1": 25.0}
    assert u1.index == 62.5
    # u2 has no a2: a1 takes A's whole weight 0.75 -> 75 + 0 = 75
    assert explanations.for_unit("u2").contributions == {"a1": 75.0, "a2": 0.0, "b1": 0.0}
    np.testing.assert_allclose(explanations.contributions.sum(axis=1), result.index)


def test_strongest_and_weakest_against_the_group_median():
    explanations = explain(evaluate(DATA, FRAMEWORK, SETTINGS))
    u3 = explanations.for_unit("u3", top=1)
    # group h (u3, u4): a1 medians (50 + 20) / 2 = 35; a2 (0 + 50) / 2 = 25; b1 (50 + 25) / 2 = 37.5
    # u3: a1 50 (+15), a2 0 (-25), b1 50 (+12.5)
    assert u3.strongest[0].indicator == "a1" and u3.strongest[0].difference == pytest.approx(15.0)
    assert u3.weakest[0].indicator == "a2" and u3.weakest[0].group_median == pytest.approx(25.0)


def test_what_if_an_indicator_were_at_the_group_median():
    result = evaluate(DATA, FRAMEWORK, SETTINGS)
    explanations = explain(result)
    u3 = explanations.for_unit("u3")
    # arithmetic: index + effective weight × (median - value); for a2: 0.375 × (25 - 0)
    assert u3.what_if_at_median["a2"] == pytest.approx(u3.index + 0.375 * 25)
    # a missing value set to the median enters the mean: u2 with a2 at its group's 100 (only u1 has one)
    assert explanations.for_unit("u2").what_if_at_median["a2"] == pytest.approx(0.75 * (100 + 100) / 2)


def test_geometric_and_topsis_have_what_if_but_no_additive_contributions():
    for method in ("geometric", "topsis"):
        result = evaluate(
            DATA,
            FRAMEWORK,
            Settings(treat=TreatSettings("none"), aggregate=AggregateSettings(method, "shift")),
        )
        u4 = explain(result).for_unit("u4")
        assert u4.contributions is None
        assert set(u4.what_if_at_median) == {"a1", "a2", "b1"}
        assert all(np.isfinite(v) for v in u4.what_if_at_median.values())


def test_strengths_and_weaknesses_agree_with_the_median_shown_and_with_the_what_if():
    # "star" is better than the median on every indicator, 有效发明专利数-like `p` only just (13 against
    # 11.9); `c` is a cost (lower is better), where star's 2 against a median of 6 is a strength.
    framework = Framework.build(
        [
            Node("index"),
            Node("p", "index", 1),
            Node("j", "index", 1),
            Node("r", "index", 1),
            Node("c", "index", 1, polarity=-1),
        ]
    )
    data = Dataset(
        ("star", "a", "b", "d", "laggard"),
        ("p", "j", "r", "c"),
        np.array(
            [
                [13.0, 900, 5000, 2],
                [11.9, 300, 3000, 6],
                [12.0, 400, 4000, 5],
                [8.0, 200, 2000, 7],
                [4.0, 100, 1000, 8],
            ]
        ),
    )
    explanations = explain(evaluate(data, framework, SETTINGS))

    star = explanations.for_unit("star", top=4)
    laggard = explanations.for_unit("laggard", top=4)

    assert star.weakest == () and laggard.strongest == ()
    assert [s.indicator for s in star.strongest] == ["j", "c", "r", "p"]  # by what reaching the median costs
    standing = {s.indicator: (s.raw_value, s.raw_median) for s in star.strongest}
    assert standing["p"] == (13.0, 11.9) and standing["c"] == (2.0, 6.0)
    for s in star.strongest:
        assert star.what_if_at_median[s.indicator] < star.index and s.effect > 0
    for s in laggard.weakest:
        assert laggard.what_if_at_median[s.indicator] > laggard.index and s.raw_value != s.raw_median


def test_a_value_the_unit_did_not_report_is_neither_strength_nor_weakness():
    # u2 left a2 empty; the mean of the others (20) puts it well above their median (0)
    data = Dataset(
        ("u1", "u2", "u3", "u4", "u5"),
        ("a1", "a2", "b1"),
        np.array([[0.0, 60.0, 4.0], [3.0, np.nan, 0.0], [5.0, 0.0, 2.0], [2.0, 0.0, 1.0], [1.0, 0.0, 3.0]]),
    )
    settings = Settings(treat=TreatSettings("none"), impute=ImputeSettings("mean"))

    u2 = explain(evaluate(data, FRAMEWORK, settings)).for_unit("u2")

    assert "a2" not in {s.indicator for s in u2.strongest + u2.weakest}
    assert "a1" in {s.indicator for s in u2.strongest}
