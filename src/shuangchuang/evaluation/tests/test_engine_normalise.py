import numpy as np
import pytest

from shuangchuang.evaluation.engine.data import FrameworkError
from shuangchuang.evaluation.engine.normalise import NormaliseSettings, normalise

X = np.array([[2.0, 10.0], [4.0, 30.0], [10.0, 20.0]])
POSITIVE_NEGATIVE = np.array([1.0, -1.0])


def test_minmax_with_polarity():
    out = normalise(X, POSITIVE_NEGATIVE, NormaliseSettings())
    # column 1: (x - 2) / (10 - 2) * 100 -> 0, 25, 100
    # column 2 is "less is better": -x is -10, -30, -20 -> (-x + 30) / 20 * 100 -> 100, 0, 50
    np.testing.assert_allclose(out, [[0, 100], [25, 0], [100, 50]])


def test_minmax_onto_another_range():
    out = normalise(X[:, :1], np.ones(1), NormaliseSettings(minmax_range=(1, 10)))
    # 1 + (x - 2) / 8 * 9 -> 1, 3.25, 10
    np.testing.assert_allclose(out[:, 0], [1, 3.25, 10])


def test_zscore_uses_the_sample_standard_deviation():
    out = normalise(X[:, :1], np.ones(1), NormaliseSettings("zscore", zscore_mean_sd=(10, 2)))
    # mean 16/3, sd = sqrt(((2-16/3)² + (4-16/3)² + (10-16/3)²) / (3-1)) = sqrt((100/9 + 16/9 + 196/9) / 2)
    #                = sqrt(52/3) = 4.1633 (n - 1, as R's sd)
    sd = np.sqrt(52 / 3)
    np.testing.assert_allclose(out[:, 0], 10 + 2 * (np.array([2, 4, 10]) - 16 / 3) / sd)


def test_rank_is_coinr_n_rank_with_min_ties():
    out = normalise(np.array([[3.0], [1.0], [3.0], [np.nan]]), np.array([-1.0]), NormaliseSettings("rank"))
    # polarity -1: -3, -1, -3 -> ascending ranks 1, 3, 1 (ties "min"); missing stays missing
    assert out[:3, 0].tolist() == [1.0, 3.0, 1.0] and np.isnan(out[3, 0])


def test_distance_to_target_for_both_polarities():
    targets = np.array([8.0, 15.0])
    out = normalise(X, POSITIVE_NEGATIVE, NormaliseSettings("target"), targets)
    # column 1: 100 (1 - (8 - x) / (8 - 2)): 2 -> 0, 4 -> 33.33, 10 -> 133.33 (beyond the target)
    # column 2 (less is better, target 15): 100 (1 - (x - 15) / (30 - 15)): 10 -> 133.33, 30 -> 0, 20 -> 66.67
    np.testing.assert_allclose(out, [[0, 400 / 3], [100 / 3, 0], [400 / 3, 200 / 3]])
    capped = normalise(X, POSITIVE_NEGATIVE, NormaliseSettings("target", target_cap=True), targets)
    assert capped.max() == 100


def test_distance_to_target_needs_a_target_for_every_indicator():
    with pytest.raises(FrameworkError, match="b: distance-to-target normalisation needs a target"):
        normalise(X, POSITIVE_NEGATIVE, NormaliseSettings("target"), np.array([1.0, np.nan]), ["a", "b"])


def test_a_constant_indicator_cannot_be_scaled():
    out = normalise(np.array([[5.0], [5.0]]), np.ones(1), NormaliseSettings())
    assert np.isnan(out).all()


@pytest.mark.parametrize("method", ["minmax", "zscore"])
def test_values_equal_but_for_rounding_are_equal(method):
    """0.1 + 0.2 and 0.3 differ in the last bit; scaled, that bit would put one base at 0 and the other
    at 100. Both are the same figure, so the indicator has no spread, as if the values were equal."""
    rounded = np.array([[0.1 + 0.2, 5.0], [0.3, 7.0], [0.3, 9.0]])
    assert rounded[0, 0] != rounded[1, 0]

    out = normalise(rounded, np.ones(2), NormaliseSettings(method))

    assert np.isnan(out[:, 0]).all()
    assert not np.isnan(out[:, 1]).any()


def test_a_small_real_spread_is_still_scaled():
    close = np.array([[1000.0], [1000.001], [1000.002]])
    np.testing.assert_allclose(
        normalise(close, np.ones(1), NormaliseSettings())[:, 0], [0, 50, 100], atol=1e-6
    )
