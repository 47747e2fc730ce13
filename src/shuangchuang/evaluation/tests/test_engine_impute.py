import numpy as np

from shuangchuang.evaluation.engine.impute import impute

NAN = np.nan
VALUES = np.array(
    [
        [1.0, 10.0],
        [NAN, 20.0],
        [5.0, NAN],
        [6.0, 40.0],
        [NAN, NAN],
    ]
)
GROUPS = ["a", "a", "b", "b", "c"]


def test_none_leaves_gaps():
    out, filled = impute(VALUES, "none")
    assert np.isnan(out).sum() == 4 and not filled.any()


def test_indicator_mean_and_median():
    out, filled = impute(VALUES, "mean")
    # column 0: (1 + 5 + 6) / 3 = 4; column 1: (10 + 20 + 40) / 3 = 70 / 3
    assert out[1, 0] == 4.0 and out[4, 0] == 4.0
    assert out[2, 1] == 70 / 3
    assert filled.sum() == 4
    out, _ = impute(VALUES, "median")
    # medians: column 0 of {1, 5, 6} is 5; column 1 of {10, 20, 40} is 20
    assert out[1, 0] == 5.0 and out[2, 1] == 20.0


def test_group_mean_uses_the_units_group_and_leaves_empty_groups_missing():
    out, filled = impute(VALUES, "group-mean", GROUPS)
    # u2 is in group a, whose only value in column 0 is 1; u3 in group b: column 1 has only 40
    assert out[1, 0] == 1.0
    assert out[2, 1] == 40.0
    # group c has no values at all: as in COINr, the cells stay missing
    assert np.isnan(out[4]).all()
    assert filled.tolist() == [[False, False], [True, False], [False, True], [False, False], [False, False]]


def test_group_median_of_an_even_group():
    values = np.array([[1.0], [3.0], [NAN], [100.0]])
    out, _ = impute(values, "group-median", ["g", "g", "g", "h"])
    # group g has {1, 3}: median (1 + 3) / 2 = 2
    assert out[2, 0] == 2.0
