"""Entropy weights, TOPSIS and AHP agree with pymcdm to 1e-9 on random matrices."""

from types import SimpleNamespace

import numpy as np
import pytest

from shuangchuang.evaluation.engine import (
    AggregateSettings,
    Dataset,
    Framework,
    Node,
    Settings,
    TreatSettings,
    evaluate,
)
from shuangchuang.evaluation.engine.aggregate import topsis
from shuangchuang.evaluation.engine.weights import ahp_weights, entropy_weights

SEEDS = range(20)


@pytest.fixture(scope="module")
def pymcdm():
    """pymcdm's TOPSIS, entropy weights and AHP, imported when a test of this module runs: pymcdm imports
    matplotlib's pyplot, ~0.7 s that every test process would otherwise spend collecting this file."""
    from pymcdm.methods import TOPSIS
    from pymcdm.weights import entropy_weights
    from pymcdm.weights.subjective import AHP

    return SimpleNamespace(TOPSIS=TOPSIS, entropy_weights=entropy_weights, AHP=AHP)


@pytest.mark.parametrize("seed", SEEDS)
def test_entropy_weights_match_pymcdm(pymcdm, seed):
    rng = np.random.default_rng(seed)
    # strictly positive values: pymcdm's sum normalisation requires them (with a zero, pymcdm sets
    # the whole column's entropy to 0, while we use the usual 0 · ln 0 = 0)
    matrix = rng.uniform(0.1, 100, size=(rng.integers(3, 60), rng.integers(2, 15)))
    np.testing.assert_allclose(entropy_weights(matrix), pymcdm.entropy_weights(matrix), rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_topsis_matches_pymcdm(pymcdm, seed):
    rng = np.random.default_rng(seed)
    m, n = rng.integers(3, 60), rng.integers(2, 12)
    matrix = rng.uniform(-50, 200, size=(m, n))
    weights = rng.random(n)
    weights /= weights.sum()
    types = rng.choice([1, -1], size=n)
    # our TOPSIS takes "more is better" columns: polarity is applied in normalisation
    ours = topsis(matrix * types, weights)
    np.testing.assert_allclose(ours, pymcdm.TOPSIS()(matrix, weights, types), rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_a_one_level_topsis_evaluation_matches_pymcdm(pymcdm, seed):
    rng = np.random.default_rng(seed)
    m, n = 30, 5
    matrix = rng.uniform(1, 100, size=(m, n))
    weights = rng.uniform(0.5, 3, size=n)
    types = np.array([1, -1, 1, 1, -1])
    framework = Framework.build(
        [Node("index")]
        + [Node(f"c{j}", "index", float(weights[j]), polarity=int(types[j])) for j in range(n)]
    )
    data = Dataset(tuple(f"u{i}" for i in range(m)), tuple(f"c{j}" for j in range(n)), matrix)
    result = evaluate(
        data, framework, Settings(treat=TreatSettings("none"), aggregate=AggregateSettings("topsis"))
    )
    expected = pymcdm.TOPSIS()(matrix, weights / weights.sum(), types)
    np.testing.assert_allclose(result.index, expected, rtol=0, atol=1e-9)


def random_saaty_matrix(rng, n):
    scale = [1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    m = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            m[i, j] = rng.choice(scale)
            m[j, i] = 1 / m[i, j]
    return m


@pytest.mark.parametrize("seed", SEEDS)
def test_ahp_weights_and_consistency_match_pymcdm(pymcdm, seed):
    rng = np.random.default_rng(seed)
    matrix = random_saaty_matrix(rng, int(rng.integers(3, 10)))
    reference = pymcdm.AHP(matrix=matrix)
    weights, _, _, cr = ahp_weights(matrix, random_index="tummala-ling")
    np.testing.assert_allclose(weights, reference(), rtol=0, atol=1e-9)
    assert cr == pytest.approx(reference.get_cr(), abs=1e-9)
