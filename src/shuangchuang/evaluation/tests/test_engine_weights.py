import numpy as np
import pytest

from shuangchuang.evaluation.engine.data import Framework, FrameworkError, Node
from shuangchuang.evaluation.engine.weights import (
    PairwiseMatrix,
    WeightSettings,
    ahp_framework_weights,
    ahp_weights,
    effective_weights,
    entropy_weights,
    equal_weights,
    given_weights,
)

FRAMEWORK = Framework.build(
    [
        Node("index"),
        Node("jobs", "index", 3),
        Node("innovation", "index", 1),
        Node("j1", "jobs", 1),
        Node("j2", "jobs", 1),
        Node("i1", "innovation", 2),
        Node("i2", "innovation", 6),
    ]
)


def weights_by_code(weights):
    return dict(zip(FRAMEWORK.codes, np.round(weights, 12), strict=True))


def test_given_weights_are_normalised_within_each_parent():
    w = weights_by_code(given_weights(FRAMEWORK))
    # jobs 3/(3+1) = 0.75; i1 2/(2+6) = 0.25; i2 0.75
    assert w == {"j1": 0.5, "j2": 0.5, "i1": 0.25, "i2": 0.75, "jobs": 0.75, "innovation": 0.25, "index": 1.0}


def test_effective_weights_multiply_down_the_tree():
    effective = weights_by_code(effective_weights(given_weights(FRAMEWORK), FRAMEWORK))
    # j1: 0.75 · 0.5 = 0.375; i2: 0.25 · 0.75 = 0.1875
    assert effective["j1"] == 0.375 and effective["i2"] == 0.1875
    assert sum(effective[c] for c in FRAMEWORK.leaf_codes) == pytest.approx(1.0)


def test_equal_weights():
    assert weights_by_code(equal_weights(FRAMEWORK))["i1"] == 0.5


def test_missing_given_weight_names_the_node():
    framework = Framework.build([Node("index"), Node("a", "index", 1), Node("b", "index")])
    with pytest.raises(FrameworkError, match="b: the weight is empty") as caught:
        given_weights(framework)
    assert caught.value.field == "weight"


def test_entropy_weights_by_hand():
    values = np.array([[1.0, 1.0], [1.0, 3.0]])
    # column 1: p = 1/2, 1/2: e = -(2 · 0.5 ln 0.5) / ln 2 = 1, no information, d = 0
    # column 2: p = 1/4, 3/4: e = -(0.25 ln 0.25 + 0.75 ln 0.75) / ln 2 = 0.811278, d = 0.188722
    # weights: d / Σd = 0, 1
    np.testing.assert_allclose(entropy_weights(values), [0.0, 1.0], atol=1e-15)
    values = np.array([[1.0, 2.0], [3.0, 2.0], [0.0, 4.0]])
    # column 1: p = 1/4, 3/4, 0 (0 ln 0 = 0): e = 0.811278 / ln 3 · ln 2 = 0.511866, d = 0.488134
    # column 2: p = 1/4, 1/4, 1/2: e = 1.039721 / 1.098612 = 0.946395, d = 0.053605
    e1 = -(0.25 * np.log(0.25) + 0.75 * np.log(0.75)) / np.log(3)
    e2 = -(2 * 0.25 * np.log(0.25) + 0.5 * np.log(0.5)) / np.log(3)
    d = np.array([1 - e1, 1 - e2])
    np.testing.assert_allclose(entropy_weights(values), d / d.sum())


def test_entropy_weights_batched_over_a_leading_axis():
    rng = np.random.default_rng(0)
    batch = rng.random((4, 10, 3))
    np.testing.assert_allclose(entropy_weights(batch)[2], entropy_weights(batch[2]))


def test_ahp_of_a_consistent_matrix():
    # a consistent matrix a_ij = w_i / w_j with w = (4, 2, 1) / 7: λmax = n = 3, CI = CR = 0
    m = np.array([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]])
    weights, lambda_max, ci, cr = ahp_weights(m)
    np.testing.assert_allclose(weights, [4 / 7, 2 / 7, 1 / 7])
    assert lambda_max == pytest.approx(3.0) and abs(ci) < 1e-12 and abs(cr) < 1e-12


def test_ahp_consistency_ratio_uses_saatys_random_index():
    m = np.array([[1, 3, 1 / 3], [1 / 3, 1, 1 / 5], [3, 5, 1]])
    _, lambda_max, ci, cr = ahp_weights(m)
    # CI = (λmax - 3) / 2 and RI(3) = 0.58
    assert ci == pytest.approx((lambda_max - 3) / 2)
    assert cr == pytest.approx(ci / 0.58)
    assert 0 < cr < 0.1


def test_ahp_framework_weights_and_the_consistency_check():
    matrix = PairwiseMatrix(("i2", "i1"), np.array([[1.0, 3.0], [1 / 3, 1.0]]))
    weights, results = ahp_framework_weights(
        FRAMEWORK, WeightSettings("ahp", ahp={"innovation": matrix}), given_weights(FRAMEWORK)
    )
    w = weights_by_code(weights)
    # i2 is 3 times as important as i1: 0.75 and 0.25; the other parents keep their given weights
    assert w["i2"] == 0.75 and w["i1"] == 0.25 and w["jobs"] == 0.75
    assert results[0].consistency_ratio == 0.0

    inconsistent = PairwiseMatrix(("jobs", "innovation"), np.array([[1.0, 2.0], [0.5, 1.0]]))
    assert ahp_framework_weights(FRAMEWORK, WeightSettings("ahp", ahp={"index": inconsistent}), weights)[1][
        0
    ].consistent
    wrong = PairwiseMatrix(("jobs", "j1"), np.ones((2, 2)))
    with pytest.raises(FrameworkError, match="compares jobs, j1 but the children are jobs, innovation"):
        ahp_framework_weights(FRAMEWORK, WeightSettings("ahp", ahp={"index": wrong}), weights)


def test_an_inconsistent_matrix_can_be_rejected():
    m = np.array([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])
    framework = Framework.build(
        [Node("index"), Node("a", "index", 1), Node("b", "index", 1), Node("c", "index", 1)]
    )
    matrix = PairwiseMatrix(("a", "b", "c"), m)
    _, results = ahp_framework_weights(
        framework, WeightSettings("ahp", ahp={"index": matrix}), equal_weights(framework)
    )
    assert results[0].consistency_ratio > 0.1 and not results[0].consistent
    with pytest.raises(FrameworkError, match="consistency ratio"):
        ahp_framework_weights(
            framework,
            WeightSettings("ahp", ahp={"index": matrix}, reject_inconsistent=True),
            equal_weights(framework),
        )
