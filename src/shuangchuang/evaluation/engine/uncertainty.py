"""Monte Carlo uncertainty and sensitivity analysis of the ranks (COINr's `get_sensitivity`).

The uncertain choices are: imputation method, winsorisation limit, normalisation, aggregation
method and, per level, the weights (each weight × (1 + U(−f, f)), then renormalised within its
parent, like COINr's `get_noisy_weights`). Each choice is one input of the design, sampled as a
uniform number: a discrete choice takes alternative ⌊u · k⌋, the weights of one level take noisy
weight set ⌊u · N⌋ from a pool of N drawn once (as COINr draws `Nrep` noisy sets).

How it stays fast: the data-dependent part (impute → treat → normalise) depends only on the
discrete choices, so it is computed once per combination (a handful), with the treatment for all
winsorisation limits from one pass. The replications of one combination share the indicator
matrix and differ only in weights, so each level of aggregation is one matrix product over
(units × replications), done in chunks of replications that keep memory bounded. Ranks come from
one sort per replication row, percentiles from one sort per unit column.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from .aggregate import AggregateMethod, AggregateSettings, aggregate_tree, prepare
from .data import DataError, Dataset, FloatArray, Framework, IntArray, SettingsError
from .impute import ImputeMethod, impute
from .normalise import NormaliseSettings, normalise
from .pipeline import EvaluationResult, Settings, evaluate
from .rank import competition_ranks
from .sensitivity import SensitivityIndex, saltelli_sample, sensitivity_indices
from .treat import treat, treat_for_limits
from .weights import normalise_within_parents

#: Elements of one working array (replications × units × aggregates) per chunk: 1 M doubles = 8 MB
#: (measured fastest: big enough to amortise the per-chunk calls, small enough for the caches).
CHUNK_ELEMENTS = 1_000_000


@dataclass(frozen=True)
class UncertaintySpec:
    """Which choices are uncertain and their alternatives; an empty entry keeps the nominal choice.

    `weight_noise` maps a level (COINr numbering: 1 = the indicators' weights, 2 = the weights of
    their parents, …) to a noise factor f (0.25 = ±25 %).
    """

    weight_noise: Mapping[int, float] = field(default_factory=dict)
    normalisation: tuple[NormaliseSettings, ...] = ()
    aggregation: tuple[AggregateMethod, ...] = ()
    winsorisation_limits: tuple[int | None, ...] = ()
    imputation: tuple[ImputeMethod, ...] = ()

    def __post_init__(self) -> None:
        for level, noise in self.weight_noise.items():
            if not 0 <= noise < 1:
                raise SettingsError(f"weight noise for level {level} must be in [0, 1)")


@dataclass(frozen=True, eq=False)
class UncertaintyResult:
    """Rank statistics per unit (rows align with the `EvaluationResult` units; NaN if screened out).

    Percentiles use linear interpolation (R's and NumPy's default, type 7), as COINr does.
    `ranks` holds every replication's ranks (replications × the units that were evaluated, i.e.
    the columns are `units[i]` for which the nominal result's `included[i]` is True; float32).
    `sensitivity` is set when the analysis ran a sensitivity design.
    """

    units: tuple[str, ...]
    inputs: tuple[str, ...]
    replications: int
    seed: int | None
    nominal_rank: FloatArray
    median_rank: FloatArray
    mean_rank: FloatArray
    rank_p05: FloatArray
    rank_p95: FloatArray
    ranks: np.ndarray
    mean_rank_shift: FloatArray
    sensitivity: tuple[SensitivityIndex, ...] | None
    output_variance: float | None


def run_uncertainty(
    data: Dataset,
    framework: Framework,
    settings: Settings,
    spec: UncertaintySpec,
    replications: int = 1000,
    seed: int | None = None,
    *,
    sensitivity: bool = False,
    nominal: EvaluationResult | None = None,
) -> UncertaintyResult:
    """Monte Carlo over the choices in `spec`; rank intervals per unit and, optionally, sensitivity indices.

    With `sensitivity=False`, `replications` random runs (uncertainty analysis). With
    `sensitivity=True`, a Saltelli design with N = `replications` base rows, i.e. N (d + 2) runs;
    the rank statistics then come from the 2N independent runs (as in COINr) and the sensitivity
    indices are computed on the mean absolute rank shift against the nominal ranks. Reproducible:
    the same seed gives the same result.
    """
    if replications < 2:
        raise SettingsError("an uncertainty analysis needs at least 2 replications")
    nominal = nominal or evaluate(data, framework, settings)
    rng = np.random.default_rng(seed)
    inputs = _inputs(spec, framework, replications)
    d = len(inputs)
    if d == 0:
        raise SettingsError("the uncertainty analysis has no uncertain choice to vary")
    if sensitivity and d < 2:
        raise SettingsError("a sensitivity analysis needs at least two uncertain choices")
    n = replications
    sample = saltelli_sample(rng, n, d) if sensitivity else rng.random((n, d))
    runs = sample.shape[0]
    pools = {
        level: 1.0 + (rng.random((n, len(nodes))) * 2.0 - 1.0) * noise
        for level, (nodes, noise) in _weight_levels(spec, framework).items()
    }

    kept = np.flatnonzero(nominal.included)
    n_units = len(kept)
    choice = {
        name: np.minimum((sample[:, k] * count).astype(np.intp), count - 1)
        for k, (name, count) in enumerate(inputs)
    }
    weights = _run_weights(nominal.weights, framework, spec, pools, choice, runs)
    leaf_matrices = _LeafMatrices(data, framework, settings, spec, nominal)

    nominal_rank = nominal.rank[kept]
    ranks = np.empty((runs, n_units), dtype=np.float32)
    keys = np.stack(
        [
            choice.get(name, np.zeros(runs, dtype=np.intp))
            for name in ("imputation", "winsorisation limit", "normalisation", "aggregation")
        ],
        axis=1,
    )
    combos, which = np.unique(keys, axis=0, return_inverse=True)
    which = which.reshape(-1)
    methods = spec.aggregation or (settings.aggregate.method,)
    shift = np.empty(runs)
    with _single_threaded_blas():
        _replicate(
            combos,
            which,
            methods,
            leaf_matrices,
            weights,
            framework,
            spec,
            settings,
            ranks,
            shift,
            nominal_rank,
        )

    stats_rows = ranks[: 2 * n] if sensitivity else ranks
    q05, q50, q95, mean = _column_statistics(stats_rows, (0.05, 0.5, 0.95))
    indices: tuple[SensitivityIndex, ...] | None = None
    variance: float | None = None
    if sensitivity:
        first, total, variance = sensitivity_indices(shift, n, d)
        indices = tuple(
            SensitivityIndex(name, float(s), float(t))
            for (name, _), s, t in zip(inputs, first, total, strict=True)
        )

    def full(values: FloatArray) -> FloatArray:
        out = np.full(len(nominal.units), np.nan)
        out[kept] = values
        return out

    return UncertaintyResult(
        units=nominal.units,
        inputs=tuple(name for name, _ in inputs),
        replications=runs,
        seed=seed,
        nominal_rank=nominal.rank.copy(),
        median_rank=full(q50),
        mean_rank=full(mean),
        rank_p05=full(q05),
        rank_p95=full(q95),
        ranks=ranks,
        mean_rank_shift=shift,
        sensitivity=indices,
        output_variance=variance,
    )


def _replicate(
    combos: IntArray,
    which: IntArray,
    methods: tuple[AggregateMethod, ...],
    leaf_matrices: _LeafMatrices,
    weights: FloatArray,
    framework: Framework,
    spec: UncertaintySpec,
    settings: Settings,
    ranks: np.ndarray,
    shift: FloatArray,
    nominal_rank: FloatArray,
) -> None:
    """Rank every run (and its mean absolute rank shift), one discrete combination at a time, in chunks."""
    n_units = ranks.shape[1]
    for c, (imp, win, norm, agg) in enumerate(combos):
        members = np.flatnonzero(which == c)
        leaves = leaf_matrices.get(int(imp), int(win), int(norm))
        aggregate_settings = AggregateSettings(methods[int(agg)], settings.aggregate.nonpositive)
        try:
            prepared = prepare(leaves, framework, aggregate_settings)
        except DataError as error:
            raise DataError(
                f"{error} (uncertainty alternative: {_describe(spec, settings, norm, agg)})"
            ) from error
        # the indicator matrix is shared; a replication's working set is its aggregates (units × aggregates)
        per_replication = n_units * max(1, len(framework.codes) - framework.n_leaves)
        chunk = max(1, CHUNK_ELEMENTS // per_replication)
        for start in range(0, len(members), chunk):
            rows = members[start : start + chunk]
            aggregation = aggregate_tree(
                leaves, weights[rows], framework, aggregate_settings, prepared=prepared
            )
            chunk_ranks = competition_ranks(aggregation.values[..., -1], axis=-1)
            ranks[rows] = chunk_ranks
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a replication may rank no one
                shift[rows] = np.nanmean(np.abs(chunk_ranks - nominal_rank), axis=1)


@contextlib.contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """One BLAS thread while replicating, when threadpoolctl is installed.

    The products here are many and small; on a busy machine OpenBLAS's worker threads wait for a
    core and turn a 0.1 ms product into 20 ms. Web workers and batch jobs get their parallelism
    from processes, so one BLAS thread each is also what they should run with.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _inputs(spec: UncertaintySpec, framework: Framework, pool_size: int) -> list[tuple[str, int]]:
    """(name, number of alternatives) of each uncertain input, in design-column order.

    The weights of a level have `pool_size` alternatives: the noisy weight sets drawn up front.
    """
    inputs = []
    if spec.imputation:
        inputs.append(("imputation", len(spec.imputation)))
    if spec.winsorisation_limits:
        inputs.append(("winsorisation limit", len(spec.winsorisation_limits)))
    if spec.normalisation:
        inputs.append(("normalisation", len(spec.normalisation)))
    if spec.aggregation:
        inputs.append(("aggregation", len(spec.aggregation)))
    for level in sorted(_weight_levels(spec, framework)):
        inputs.append((f"weights level {level}", pool_size))
    return inputs


def _weight_levels(spec: UncertaintySpec, framework: Framework) -> dict[int, tuple[IntArray, float]]:
    levels = {}
    non_root = np.arange(len(framework.codes)) != framework.root
    for level, noise in spec.weight_noise.items():
        nodes = np.flatnonzero((framework.level == level) & non_root)
        if nodes.size == 0:
            raise SettingsError(
                f"no weights at level {level} (levels run from 1 to {framework.level.max() - 1})"
            )
        levels[level] = (nodes, noise)
    return levels


def _run_weights(
    nominal: FloatArray,
    framework: Framework,
    spec: UncertaintySpec,
    pools: Mapping[int, FloatArray],
    choice: dict[str, IntArray],
    runs: int,
) -> FloatArray:
    """Weights of every run (runs × nodes): nominal × noise at the perturbed levels, renormalised."""
    weights = np.broadcast_to(nominal, (runs, len(nominal))).copy()
    for level, (nodes, _) in _weight_levels(spec, framework).items():
        pool = pools[level]
        weights[:, nodes] *= pool[np.minimum(choice[f"weights level {level}"], len(pool) - 1)]
    return normalise_within_parents(weights, framework)


class _LeafMatrices:
    """Normalised indicator matrices per (imputation, winsorisation limit, normalisation).

    Combinations are visited in sorted order, so only the current imputation's treated matrices
    and the current normalised matrix are kept: memory stays at a few units × indicators matrices.
    """

    def __init__(
        self,
        data: Dataset,
        framework: Framework,
        settings: Settings,
        spec: UncertaintySpec,
        nominal: EvaluationResult,
    ) -> None:
        self.framework = framework
        self.settings = settings
        self.spec = spec
        kept = np.flatnonzero(nominal.included)
        self.raw = nominal.raw[kept]
        self.groups = None if data.groups is None else tuple(data.groups[i] for i in kept)
        self.treated: dict[tuple[int, int], FloatArray] = {}
        self.normalised: tuple[tuple[int, int, int], FloatArray] | None = None

    def get(self, imp: int, win: int, norm: int) -> FloatArray:
        key = (imp, win, norm)
        if self.normalised is None or self.normalised[0] != key:
            treated = self._treated(imp, win)
            alternatives = self.spec.normalisation or (self.settings.normalise,)
            normalised = normalise(
                treated,
                self.framework.polarity,
                alternatives[norm],
                self.framework.targets,
                self.framework.leaf_codes,
            )
            self.normalised = (key, np.ascontiguousarray(normalised))  # BLAS reads it without a copy
        return self.normalised[1]

    def _treated(self, imp: int, win: int) -> FloatArray:
        if (imp, win) not in self.treated:
            self.treated.clear()
            method = self.spec.imputation[imp] if self.spec.imputation else self.settings.impute.method
            imputed, _ = impute(self.raw, method, self.groups)
            limits = self.spec.winsorisation_limits
            if limits:
                # the limits are alternatives of COINr's treatment, even if the nominal run has none
                treat_settings = replace(self.settings.treat, method="coinr")
                for k, result in enumerate(treat_for_limits(imputed, treat_settings, limits)):
                    self.treated[(imp, k)] = result.values
            else:
                self.treated[(imp, win)] = treat(imputed, self.settings.treat).values
        return self.treated[(imp, win)]


def _column_statistics(ranks: np.ndarray, probabilities: tuple[float, ...]) -> list[FloatArray]:
    """Type-7 quantiles and the mean of each column (unit), a block of units at a time.

    Sorting blocks keeps the extra memory to one block instead of a copy of every rank.
    """
    n_runs, n_units = ranks.shape
    out = [np.full(n_units, np.nan) for _ in range(len(probabilities) + 1)]
    block = max(1, CHUNK_ELEMENTS // max(1, n_runs))
    for start in range(0, n_units, block):
        columns = slice(start, start + block)
        part = ranks[:, columns]
        if np.isnan(part).any():
            data = part.astype(np.float64)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a unit never ranked
                for k, p in enumerate(probabilities):
                    out[k][columns] = np.nanquantile(data, p, axis=0)
                out[-1][columns] = np.nanmean(data, axis=0)
            continue
        ordered = np.sort(part, axis=0)
        for k, p in enumerate(probabilities):
            h = (n_runs - 1) * p
            lo = int(np.floor(h))
            hi = min(lo + 1, n_runs - 1)
            low = ordered[lo].astype(np.float64)
            out[k][columns] = low + (h - lo) * (ordered[hi].astype(np.float64) - low)
        out[-1][columns] = part.mean(axis=0, dtype=np.float64)
    return out


def _describe(spec: UncertaintySpec, settings: Settings, norm: int, agg: int) -> str:
    normalisation = (spec.normalisation or (settings.normalise,))[int(norm)]
    method = (spec.aggregation or (settings.aggregate.method,))[int(agg)]
    return f"{normalisation.method} normalisation with {method} aggregation"
