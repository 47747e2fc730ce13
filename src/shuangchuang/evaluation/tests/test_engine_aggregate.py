import numpy as np
import pytest

from shuangchuang.evaluation.engine.aggregate import (
    AggregateSettings,
    aggregate_tree,
    topsis,
    weighted_arithmetic,
    weighted_geometric,
)
from shuangchuang.evaluation.engine.data import DataError, Framework, Node
from shuangchuang.evaluation.engine.weights import given_weights

FRAMEWORK = Framework.build(
    [
        Node("index"),
        Node("jobs", "index", 3),
        Node("innovation", "index", 1),
        Node("j1", "jobs", 1),
        Node("j2", "jobs", 1),
        Node("i1", "innovation", 1),
        Node("i2", "innovation", 3),
    ]
)
WEIGHTS = given_weights(FRAMEWORK)  # j 0.5/0.5, i 0.25/0.75, jobs 0.75, innovation 0.25
LEAVES = np.array(
    [
        [40.0, 60.0, 20.0, 100.0],
        [10.0, np.nan, 80.0, 40.0],
    ]
)


def test_weighted_means_skip_missing_values():
    assert (
        weighted_arithmetic(np.array([10.0, np.nan, 40.0]), np.array([1.0, 5.0, 3.0])) == 32.5
    )  # (10 + 120) / 4
    # exp((1 ln 2 + 1 ln 8) / 2) = 4
    assert weighted_geometric(np.array([2.0, 8.0, np.nan]), np.array([1.0, 1.0, 7.0])) == pytest.approx(4.0)


def test_arithmetic_tree_by_hand():
    out = aggregate_tree(LEAVES, WEIGHTS, FRAMEWORK, AggregateSettings()).values
    # unit 1: jobs = (40 + 60) / 2 = 50; innovation = 0.25·20 + 0.75·100 = 80; index = 0.75·50 + 0.25·80 = 57.5
    # unit 2: jobs = 10 (j2 missing, j1 takes all the weight); innovation = 0.25·80 + 0.75·40 = 50;
    #         index = 0.75·10 + 0.25·50 = 20
    np.testing.assert_allclose(out, [[50, 80, 57.5], [10, 50, 20]])


def test_geometric_tree_by_hand():
    out = aggregate_tree(LEAVES, WEIGHTS, FRAMEWORK, AggregateSettings("geometric")).values
    # unit 1: jobs = √(40·60) = 48.98979; innovation = 20^0.25 · 100^0.75 = 66.87403;
    #         index = 48.98979^0.75 · 66.87403^0.25
    jobs, innovation = np.sqrt(2400), 20**0.25 * 100**0.75
    np.testing.assert_allclose(out[0], [jobs, innovation, jobs**0.75 * innovation**0.25])


def test_geometric_refuses_zero_unless_shifting():
    zero = np.array([[0.0, 50.0, 50.0, 50.0], [100.0, 50.0, 50.0, 50.0]])
    with pytest.raises(DataError, match="geometric mean needs normalised values > 0"):
        aggregate_tree(zero, WEIGHTS, FRAMEWORK, AggregateSettings("geometric"))
    out = aggregate_tree(zero, WEIGHTS, FRAMEWORK, AggregateSettings("geometric", "shift"))
    # shift 1 - 0 = 1: jobs of unit 1 = √(1·51) - 1
    assert out.shift == 1.0
    assert out.values[0, 0] == pytest.approx(np.sqrt(51) - 1)


def test_topsis_by_hand():
    values = np.array([[0.0, 10.0], [10.0, 0.0], [5.0, 5.0]])
    # min-max scaled: (0, 1), (1, 0), (0.5, 0.5); weights 0.75, 0.25
    # unit 1: D+ = √(0.75²·1²) = 0.75, D- = √(0.25²·1²) = 0.25 -> 0.25
    # unit 3: D+ = D- = √(0.75²·0.25 + 0.25²·0.25) = 0.395285 -> 0.5
    np.testing.assert_allclose(topsis(values, np.array([0.75, 0.25])), [0.25, 0.75, 0.5])


def test_batched_weights_with_shared_indicators_equal_one_by_one():
    rng = np.random.default_rng(4)
    leaves = rng.random((30, 4)) * 100
    leaves[3, 1] = np.nan
    batch = rng.random((7, len(FRAMEWORK.codes)))
    for method in ("arithmetic", "geometric", "topsis"):
        settings = AggregateSettings(method)
        together = aggregate_tree(leaves, batch, FRAMEWORK, settings).values
        for k in range(7):
            alone = aggregate_tree(leaves, batch[k], FRAMEWORK, settings).values
            np.testing.assert_allclose(together[k], alone, rtol=1e-12)
