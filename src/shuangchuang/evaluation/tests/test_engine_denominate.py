import numpy as np
import pytest

from shuangchuang.evaluation.engine.data import DataError
from shuangchuang.evaluation.engine.denominate import denominate


def test_indicators_with_a_denominator_are_divided_and_others_pass_through():
    values = np.array([[100.0, 7.0], [30.0, 8.0]])
    population = np.array([[50.0, np.nan], [np.nan, np.nan]])
    out = denominate(values, population, ["u1", "u2"], ["jobs", "score"], ["population", None])
    # u1: 100 / 50 = 2; u2: the denominator is missing, so the value is missing
    assert out[0].tolist() == [2.0, 7.0]
    assert np.isnan(out[1, 0]) and out[1, 1] == 8.0


def test_zero_denominator_names_the_unit():
    with pytest.raises(
        DataError, match="unit 厦门大学: the denominator population of jobs is zero"
    ) as caught:
        denominate(
            np.array([[1.0], [2.0]]), np.array([[4.0], [0.0]]), ["北京", "厦门大学"], ["jobs"], ["population"]
        )
    assert caught.value.unit == "厦门大学"
    assert caught.value.column == "population"
