"""Properties that must hold for any data (hypothesis)."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from shuangchuang.evaluation.engine import (
    AggregateSettings,
    Dataset,
    Framework,
    Node,
    PairwiseMatrix,
    Settings,
    TreatSettings,
    WeightSettings,
    evaluate,
    explain,
)
from shuangchuang.evaluation.engine.weights import membership

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def framework_for(n_indicators, weights=None):
    nodes = [Node("index"), Node("D1", "index", 2.0), Node("D2", "index", 1.0)]
    for j in range(n_indicators):
        w = 1.0 if weights is None else weights[j]
        nodes.append(Node(f"i{j}", "D1" if j % 2 == 0 else "D2", w, polarity=-1 if j % 3 == 2 else 1))
    return Framework.build(nodes)


@st.composite
def datasets(draw, missing=False):
    n_units = draw(st.integers(4, 12))
    n_ind = draw(st.integers(2, 6))
    elements = st.floats(0.5, 1000.0, allow_nan=False)
    values = draw(arrays(np.float64, (n_units, n_ind), elements=elements))
    if missing:
        mask = draw(arrays(np.bool_, (n_units, n_ind)))
        mask[:, 0] = False  # every unit keeps one value
        values = np.where(mask, np.nan, values)
    units = tuple(f"u{i}" for i in range(n_units))
    return Dataset(units, tuple(f"i{j}" for j in range(n_ind)), values)


def assert_same(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True)


@FAST
@given(datasets(), st.randoms(use_true_random=False), st.sampled_from(["arithmetic", "geometric", "topsis"]))
def test_permuting_units_permutes_the_results(data, random, method):
    framework = framework_for(len(data.columns))
    order = list(range(len(data.units)))
    random.shuffle(order)
    shuffled = Dataset(tuple(data.units[i] for i in order), data.columns, data.values[order])
    config = Settings(aggregate=AggregateSettings(method, "shift"))
    before = evaluate(data, framework, config)
    after = evaluate(shuffled, framework, config)
    assert_same(after.values, before.values[order])
    assert_same(after.rank, before.rank[order])


@FAST
@given(datasets(), st.data())
def test_minmax_results_ignore_a_positive_rescaling_of_an_indicator(data, draw):
    framework = framework_for(len(data.columns))
    j = draw.draw(st.integers(0, len(data.columns) - 1))
    factor = draw.draw(st.floats(1e-3, 1e3))
    rescaled_values = data.values.copy()
    rescaled_values[:, j] *= factor
    rescaled = Dataset(data.units, data.columns, rescaled_values)
    # COINr's treatment is scale-free too (skew, kurtosis and the log transform up to a constant)
    for treatment in ("none", "coinr"):
        config = Settings(treat=TreatSettings(treatment))
        a = evaluate(data, framework, config)
        b = evaluate(rescaled, framework, config)
        np.testing.assert_allclose(a.values, b.values, rtol=1e-7, atol=1e-7)


@FAST
@given(datasets(), st.sampled_from(["given", "equal", "entropy", "ahp"]), st.data())
def test_weights_within_each_parent_sum_to_one(data, method, draw):
    n = len(data.columns)
    raw = draw.draw(st.lists(st.floats(0.01, 50.0), min_size=n, max_size=n))
    framework = framework_for(n, raw)
    ahp = {}
    if method == "ahp":
        ratio = draw.draw(st.sampled_from([1 / 9, 1 / 5, 1 / 3, 1.0, 3.0, 5.0, 9.0]))
        ahp = {"index": PairwiseMatrix(("D1", "D2"), np.array([[1.0, ratio], [1 / ratio, 1.0]]))}
    result = evaluate(data, framework, Settings(weights=WeightSettings(method, ahp=ahp)))
    sums = result.weights @ membership(framework.parent, len(framework.codes))
    np.testing.assert_allclose(sums[[framework.index_of[c] for c in framework.aggregate_codes]], 1.0)


@FAST
@given(datasets(missing=True))
def test_contributions_sum_to_the_index(data):
    framework = framework_for(len(data.columns))
    result = evaluate(data, framework)
    explanations = explain(result)
    np.testing.assert_allclose(explanations.contributions.sum(axis=1), result.index, rtol=1e-10, atol=1e-10)
