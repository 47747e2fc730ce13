"""COINr's Treat() default, checked by hand and against a line-by-line transcription of its R loop."""

import math

import numpy as np
import pytest

from shuangchuang.evaluation.engine.treat import (
    TreatSettings,
    check_skew_kurtosis,
    kurtosis,
    skewness,
    treat,
    treat_for_limits,
)


def column(values):
    return np.array(values, dtype=float)[:, None]


def test_skew_and_kurtosis_are_e1071_type_2():
    # x = 1, 2, 3, 4, 10: n = 5, mean 4, d = -3, -2, -1, 0, 6
    # Σd² = 9+4+1+0+36 = 50, Σd³ = -27-8-1+0+216 = 180, Σd⁴ = 81+16+1+0+1296 = 1394
    # g1 = √5·180 / 50^1.5 ; G1 = g1·√(5·4)/3 = 1800 / (150·√50) = 12/√50 = 1.6970562748…
    # r = 5·1394 / 50² = 2.788 ; G2 = ((6)(2.788 - 3) + 6)·4 / (3·2) = 4.728·4/6 = 3.152
    x = column([1, 2, 3, 4, 10])
    assert skewness(x)[0] == pytest.approx(12 / math.sqrt(50), rel=1e-12)
    assert kurtosis(x)[0] == pytest.approx(3.152, rel=1e-12)


def test_statistics_ignore_missing_values_and_need_enough_points():
    x = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, np.nan], [4.0, 5.0], [10.0, np.nan]])
    assert skewness(x)[0] == pytest.approx(12 / math.sqrt(50))
    # column 2 has 3 values: skewness is defined, kurtosis needs 4
    assert not np.isnan(skewness(x)[1]) and np.isnan(kurtosis(x)[1])
    # no spread: undefined
    assert np.isnan(skewness(column([2, 2, 2, 2]))[0])


def test_an_indicator_fails_only_when_both_skew_and_kurtosis_are_high():
    settings = TreatSettings()
    skew = np.array([2.5, 2.5, 1.0, -2.0, np.nan])
    kurt = np.array([4.0, 3.0, 9.0, 3.5, 9.0])
    passes, assessable = check_skew_kurtosis(skew, kurt, settings)
    # |skew| >= 2 and kurt >= 3.5 fails (the thresholds themselves fail, as in COINr's strict "<")
    assert passes.tolist() == [False, True, True, False, False]
    # with one statistic missing and the other over its threshold, R gives NA: not assessable
    assert assessable.tolist() == [True, True, True, True, False]


def test_winsorisation_that_passes_after_two_points():
    x = column([*range(1, 21), 60, 100, 200])
    # before: skew 3.397, kurtosis 12.31: fails (|skew| >= 2 and kurtosis >= 3.5)
    # step 1 (skew > 0): the maximum 200 becomes the next value, 100 -> 1..20, 60, 100, 100;
    #        skew 2.416, kurtosis 5.003: still fails
    # step 2: both 100s become 60 -> 1..20, 60, 60, 60; skew 1.915 < 2: passes
    #        COINr's nwin counts the points now at the clipped top: 2
    result = treat(x, TreatSettings())
    assert result.values[:, 0].tolist() == [*range(1, 21), 60, 60, 60]
    assert result.action == ("winsorised",)
    assert result.points.tolist() == [2]
    assert np.flatnonzero(result.winsorised_high[:, 0]).tolist() == [21, 22]
    assert result.skew_before[0] == pytest.approx(3.39699302, rel=1e-8)
    assert result.passes_after[0]


def test_negative_skew_is_winsorised_at_the_bottom():
    x = column([*range(1, 21), -100, -150])
    # skew -3.15: -150 -> -100, then both -100 -> 1 (the next value above)
    result = treat(x, TreatSettings())
    assert result.values[-2:, 0].tolist() == [1.0, 1.0]
    assert result.points.tolist() == [2]
    assert result.winsorised_low[-2:, 0].all()


def test_falls_back_to_log_of_the_original_values_when_five_points_are_not_enough():
    x = column([1] * 60 + [10, 20, 30, 40, 50, 60, 70])
    # steps: 70 -> 60 (nwin 1), the two 60s -> 50 (2), three 50s -> 40 (3), four 40s -> 30 (4),
    # five 30s -> 20 (5 = winmax, stop); the indicator still fails (skew 2.80, kurtosis 6.13), so
    # COINr throws the winsorised values away and applies log(x - min + 0.01 (max - min)) to the
    # ORIGINAL values:
    # min 1, max 70, a = 0.69: 1 -> log(0.69), 10 -> log(9.69), …, 70 -> log(69.69)
    result = treat(x, TreatSettings())
    assert result.action == ("log",)
    assert result.points.tolist() == [0]
    expected = np.log(np.array([1] * 60 + [10, 20, 30, 40, 50, 60, 70]) - 1 + 0.69)
    np.testing.assert_allclose(result.values[:, 0], expected, rtol=1e-12)


def test_a_lower_limit_is_a_setting():
    x = column([*range(1, 21), 60, 100, 200])
    # with winmax = 1 the single step (200 -> 100) does not pass, so the log of the original is used
    result = treat(x, TreatSettings(winmax=1))
    assert result.action == ("log",)
    np.testing.assert_allclose(result.values[:, 0], np.log(x[:, 0] - 1 + 0.01 * 199))


def test_log_ct_plus_mirrors_a_negatively_skewed_indicator():
    x = column([-1] * 60 + [-10, -20, -30, -40, -50, -60, -70])
    # -log(max + a - x): max -1, a = 0.69
    result = treat(x, TreatSettings(log_transform="log_CT_plus"))
    np.testing.assert_allclose(result.values[:, 0], -np.log(-1 + 0.69 - x[:, 0]))
    default = treat(x, TreatSettings())
    np.testing.assert_allclose(default.values[:, 0], np.log(x[:, 0] + 70 + 0.69))


def test_indicators_that_pass_or_cannot_be_assessed_are_left_alone():
    x = np.column_stack([[1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 1.0, 1.0, 1.0, 1.0]])
    result = treat(x, TreatSettings())
    assert result.action == ("none", "not-assessable")
    np.testing.assert_array_equal(result.values, x)


def test_treatment_none_changes_nothing():
    x = column([*range(1, 21), 60, 100, 200])
    result = treat(x, TreatSettings(method="none"))
    np.testing.assert_array_equal(result.values, x)


def coinr_reference(x, winmax=5, skew_thresh=2.0, kurt_thresh=3.5):
    """COINr's Treat.numeric + winsorise + log_CT for one vector, transcribed loop by loop."""

    def skew(v):
        v = v[~np.isnan(v)]
        n = len(v)
        d = v - v.mean()
        return math.sqrt(n) * (d**3).sum() / (d**2).sum() ** 1.5 * math.sqrt(n * (n - 1)) / (n - 2)

    def kurt(v):
        v = v[~np.isnan(v)]
        n = len(v)
        d = v - v.mean()
        r = n * (d**4).sum() / (d**2).sum() ** 2
        return ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))

    def passing(v):
        return abs(skew(v)) < skew_thresh or kurt(v) < kurt_thresh

    if passing(x):
        return x, 0
    v = x.copy()
    nwin, imax, imin = 0, [], []
    ok = False
    while not ok and nwin < winmax:
        if skew(v) >= 0:
            imax = [i for i in range(len(v)) if v[i] == np.nanmax(v)]
            rest = np.delete(v, imax)
            v[imax] = np.nanmax(rest)
        else:
            imin = [i for i in range(len(v)) if v[i] == np.nanmin(v)]
            rest = np.delete(v, imin)
            v[imin] = np.nanmin(rest)
        nwin = len(imax) + len(imin)
        ok = passing(v)
    if ok:
        return v, nwin
    lo, hi = np.nanmin(x), np.nanmax(x)
    return np.log(x - lo + 0.01 * (hi - lo)), 0


def test_vectorised_treatment_matches_the_transcribed_r_loop_on_random_indicators():
    rng = np.random.default_rng(7)
    x = rng.lognormal(0.0, 1.5, size=(40, 30)).round(2)  # rounding makes ties, which COINr moves together
    x[rng.random(x.shape) < 0.05] = np.nan
    for winmax in (1, 3, 5):
        result = treat(x, TreatSettings(winmax=winmax))
        for j in range(x.shape[1]):
            expected, nwin = coinr_reference(x[:, j], winmax=winmax)
            np.testing.assert_allclose(result.values[:, j], expected, rtol=1e-12, equal_nan=True)
            assert result.points[j] == nwin


def test_several_limits_from_one_pass_equal_separate_runs():
    rng = np.random.default_rng(3)
    x = rng.lognormal(0.0, 1.2, size=(50, 20))
    together = treat_for_limits(x, TreatSettings(), [1, 2, 3, 4, 5])
    for limit, result in zip([1, 2, 3, 4, 5], together, strict=True):
        alone = treat(x, TreatSettings(winmax=limit))
        np.testing.assert_array_equal(result.values, alone.values)
        assert result.action == alone.action
