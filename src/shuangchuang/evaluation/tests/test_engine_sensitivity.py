import numpy as np
import pytest

from shuangchuang.evaluation.engine.sensitivity import saltelli_sample, sensitivity_indices


def test_design_rows_swap_one_column_at_a_time():
    x = saltelli_sample(np.random.default_rng(0), 5, 3)
    a, b = x[:5], x[5:10]
    ab2 = x[10 + 5 : 10 + 10]
    assert x.shape == (25, 3)
    np.testing.assert_array_equal(ab2[:, [0, 2]], a[:, [0, 2]])
    np.testing.assert_array_equal(ab2[:, 1], b[:, 1])


def test_indices_of_a_linear_function():
    # y = x1 + 2 x2 + 0 x3 with uniform inputs: V(x1) = 1/12, V(2 x2) = 4/12, so S1 = 0.2, S2 = 0.8, S3 = 0
    n, d = 20_000, 3
    x = saltelli_sample(np.random.default_rng(1), n, d)
    y = x[:, 0] + 2 * x[:, 1]
    first, total, variance = sensitivity_indices(y, n, d)
    assert variance == pytest.approx(5 / 12, rel=0.02)
    np.testing.assert_allclose(first, [0.2, 0.8, 0.0], atol=0.03)
    np.testing.assert_allclose(total, [0.2, 0.8, 0.0], atol=0.03)
    assert first[2] == 0.0 and total[2] == 0.0  # an input that changes nothing: exactly zero
