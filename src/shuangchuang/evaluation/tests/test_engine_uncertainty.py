import numpy as np
import pytest

from shuangchuang.evaluation.engine import (
    AggregateSettings,
    DataError,
    Dataset,
    Framework,
    Node,
    NormaliseSettings,
    Settings,
    UncertaintySpec,
    evaluate,
    run_uncertainty,
)
from shuangchuang.evaluation.engine import uncertainty as uncertainty_module


def example(n_units=40, seed=5):
    rng = np.random.default_rng(seed)
    nodes = [Node("index"), Node("D1", "index", 1), Node("D2", "index", 1)]
    nodes += [Node(f"i{j}", f"D{1 + j % 2}", 1) for j in range(6)]
    framework = Framework.build(nodes)
    units = tuple(f"u{i:02d}" for i in range(n_units))
    data = Dataset(units, tuple(f"i{j}" for j in range(6)), rng.lognormal(0, 0.8, size=(n_units, 6)))
    return data, framework


SPEC = UncertaintySpec(
    weight_noise={1: 0.25, 2: 0.25},
    normalisation=(
        NormaliseSettings("minmax", minmax_range=(1, 100)),
        NormaliseSettings("zscore", zscore_mean_sd=(10, 2)),
    ),
    aggregation=("arithmetic", "geometric"),
    winsorisation_limits=(1, 2, 3, 4, 5),
)


def test_the_same_seed_gives_the_same_result():
    data, framework = example()
    first = run_uncertainty(data, framework, Settings(), SPEC, 200, seed=11)
    again = run_uncertainty(data, framework, Settings(), SPEC, 200, seed=11)
    other = run_uncertainty(data, framework, Settings(), SPEC, 200, seed=12)
    np.testing.assert_array_equal(first.ranks, again.ranks)
    np.testing.assert_array_equal(first.median_rank, again.median_rank)
    assert not np.array_equal(first.ranks, other.ranks)


def test_an_impossible_alternative_is_reported_with_the_choice():
    data, framework = example()
    spec = UncertaintySpec(aggregation=("arithmetic", "geometric"))
    with pytest.raises(DataError, match="minmax normalisation with geometric aggregation"):
        run_uncertainty(data, framework, Settings(), spec, 50, seed=0)


def test_the_nominal_rank_lies_inside_the_interval():
    data, framework = example()
    spec = UncertaintySpec(weight_noise={1: 0.25, 2: 0.25}, winsorisation_limits=(1, 2, 3, 4, 5))
    result = run_uncertainty(data, framework, Settings(), spec, 500, seed=1)
    assert (result.rank_p05 <= result.nominal_rank).all()
    assert (result.nominal_rank <= result.rank_p95).all()
    assert (result.rank_p05 <= result.median_rank).all() and (result.median_rank <= result.rank_p95).all()
    assert result.ranks.shape == (500, 40)


def test_a_choice_that_does_nothing_has_zero_sensitivity():
    data, framework = example()  # no missing values: the imputation method cannot matter
    spec = UncertaintySpec(
        imputation=("mean", "median", "none"),
        aggregation=("arithmetic", "geometric"),
        weight_noise={2: 0.5},
        normalisation=(NormaliseSettings("minmax", minmax_range=(1, 100)), NormaliseSettings("rank")),
    )
    result = run_uncertainty(data, framework, Settings(), spec, 300, seed=3, sensitivity=True)
    indices = {s.input: s for s in result.sensitivity}
    assert result.replications == 300 * (4 + 2)
    assert indices["imputation"].first_order == 0.0 and indices["imputation"].total == 0.0
    assert indices["normalisation"].total > 0.05
    assert result.output_variance > 0


def test_chunking_does_not_change_the_answer(monkeypatch):
    data, framework = example(n_units=25)
    whole = run_uncertainty(data, framework, Settings(), SPEC, 120, seed=2)
    monkeypatch.setattr(uncertainty_module, "CHUNK_ELEMENTS", 500)  # a few replications per chunk
    chunked = run_uncertainty(data, framework, Settings(), SPEC, 120, seed=2)
    np.testing.assert_array_equal(whole.ranks, chunked.ranks)


def test_each_replication_equals_an_evaluation_with_its_choices():
    data, framework = example(n_units=15)
    spec = UncertaintySpec(aggregation=("arithmetic", "geometric"))
    # min-max 0-100 gives zeros, so the geometric alternative needs the shift policy
    settings = Settings(aggregate=AggregateSettings("arithmetic", "shift"))
    result = run_uncertainty(data, framework, settings, spec, 50, seed=4)
    arithmetic = evaluate(data, framework, settings).rank
    geometric = evaluate(data, framework, Settings(aggregate=AggregateSettings("geometric", "shift"))).rank
    for ranks in result.ranks:
        assert np.array_equal(ranks, arithmetic) or np.array_equal(ranks, geometric)


def test_screened_units_have_no_interval():
    data, framework = example(n_units=10)
    values = data.values.copy()
    values[0, :4] = np.nan
    data = Dataset(data.units, data.columns, values)
    from shuangchuang.evaluation.engine import ScreenSettings

    result = run_uncertainty(data, framework, Settings(screen=ScreenSettings(0.8)), SPEC, 30, seed=0)
    assert np.isnan(result.median_rank[0]) and not np.isnan(result.median_rank[1:]).any()


def test_sensitivity_needs_two_choices():
    data, framework = example()
    from shuangchuang.evaluation.engine import SettingsError

    with pytest.raises(SettingsError):
        run_uncertainty(
            data,
            framework,
            Settings(),
            UncertaintySpec(aggregation=("arithmetic", "topsis")),
            10,
            sensitivity=True,
        )
