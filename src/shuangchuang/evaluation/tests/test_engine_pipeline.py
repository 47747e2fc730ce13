"""A whole evaluation on a case small enough to compute by hand."""

import numpy as np
import pytest

from shuangchuang.evaluation.engine import (
    AggregateSettings,
    Dataset,
    Framework,
    ImputeSettings,
    Node,
    ScreenSettings,
    Settings,
    TreatSettings,
    WeightSettings,
    evaluate,
)

FRAMEWORK = Framework.build(
    [
        Node("index"),
        Node("A", "index", 1),
        Node("B", "index", 1),
        Node("a1", "A", 1, denominator="pop"),
        Node("a2", "A", 1),
        Node("b1", "B", 1, polarity=-1),
    ]
)
DATA = Dataset(
    ("u1", "u2", "u3", "u4"),
    ("a1", "pop", "a2", "b1"),
    np.array(
        [
            [100.0, 10.0, 5.0, 2.0],
            [60.0, 20.0, np.nan, 4.0],
            [90.0, 30.0, 7.0, 6.0],
            [40.0, 10.0, 9.0, 8.0],
        ]
    ),
)


def test_every_step_by_hand():
    settings = Settings(impute=ImputeSettings("mean"), treat=TreatSettings("none"))
    result = evaluate(DATA, FRAMEWORK, settings)
    # denominated a1: 100/10, 60/20, 90/30, 40/10 = 10, 3, 3, 4
    # a2: the missing u2 gets the mean (5 + 7 + 9) / 3 = 7
    # min-max 0-100: a1 -> 100, 0, 0, 14.2857; a2 (5, 7, 7, 9) -> 0, 50, 50, 100;
    #                b1 (less is better: 2, 4, 6, 8) -> 100, 66.667, 33.333, 0
    # A = (a1 + a2) / 2 -> 50, 25, 25, 57.1429; B = b1; index = (A + B) / 2 -> 75, 45.833, 29.167, 28.571
    np.testing.assert_allclose(result.normalised[:, 0], [100, 0, 0, 100 / 7])
    np.testing.assert_allclose(result.values[:, FRAMEWORK.index_of["A"]], [50, 25, 25, 400 / 7])
    np.testing.assert_allclose(result.index, [75, 275 / 6, 175 / 6, 200 / 7])
    assert result.rank.tolist() == [1, 2, 3, 4]
    assert result.rank_of("u3") == 3
    cells = list(result.diagnostics.imputed_cells())
    assert [(c.unit, c.indicator, c.method, c.value) for c in cells] == [("u2", "a2", "mean", 7.0)]
    assert result.diagnostics.weights["A"] == 0.5


def test_units_below_the_availability_threshold_are_left_out_and_explained():
    settings = Settings(screen=ScreenSettings(0.9), treat=TreatSettings("none"))
    result = evaluate(DATA, FRAMEWORK, settings)
    # u2 reports 2 of 3 indicators (67 % < 90 %)
    assert [s.unit for s in result.diagnostics.screened_out] == ["u2"]
    assert "67%" in result.diagnostics.screened_out[0].reason
    assert np.isnan(result.index[1]) and np.isnan(result.rank[1])
    assert result.rank_of("u2") is None
    # the others are ranked among themselves: 1, 2, 3
    assert sorted(result.rank[[0, 2, 3]].tolist()) == [1, 2, 3]


def test_ties_on_the_index_share_the_better_rank():
    data = Dataset(
        ("x", "y", "z"), ("a1", "pop", "a2", "b1"), np.array([[1, 1, 1, 1], [1, 1, 1, 1], [2, 1, 2, 0.0]])
    )
    result = evaluate(data, FRAMEWORK, Settings(treat=TreatSettings("none")))
    assert result.rank.tolist() == [2, 2, 1]


def test_entropy_weights_are_reported_and_sum_to_one_per_parent():
    result = evaluate(
        DATA, FRAMEWORK, Settings(weights=WeightSettings("entropy"), treat=TreatSettings("none"))
    )
    w = result.diagnostics.weights
    assert w["a1"] + w["a2"] == pytest.approx(1.0)
    assert w["A"] + w["B"] == pytest.approx(1.0)
    assert w["a1"] != w["a2"]


def test_geometric_and_topsis_rank_the_same_clear_case():
    for method in ("geometric", "topsis"):
        settings = Settings(aggregate=AggregateSettings(method, "shift"), treat=TreatSettings("none"))
        result = evaluate(DATA, FRAMEWORK, settings)
        assert result.rank[0] == 1
