"""Explanations of each unit's score: contributions, strengths and weaknesses, what-if.

* Contribution of an indicator to the index (arithmetic aggregation): its normalised value times
  its effective weight, the product of the weights down the tree, where the weights are those the
  unit actually got (rescaled around its missing values). The contributions of a unit sum to its
  index exactly, so a bar chart of them explains the whole score. Geometric means and TOPSIS are
  not additive; for them contributions are not defined (NaN) and the what-if is the explanation.
* Strongest and weakest indicators: the largest and smallest differences between the unit's
  normalised value and the median of its peer group (all units when there are no groups).
* What-if: the index the unit would have if one indicator were at its group's median, everything
  else (other units, normalisation, TOPSIS's ideal points) unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .aggregate import aggregate_tree
from .data import FloatArray
from .impute import column_statistic
from .pipeline import EvaluationResult

#: Elements of the what-if batch (indicators × units × indicators) computed at once.
CHUNK_ELEMENTS = 4_000_000


@dataclass(frozen=True)
class IndicatorStanding:
    indicator: str
    value: float
    group_median: float
    difference: float


@dataclass(frozen=True)
class UnitExplanation:
    unit: str
    group: str | None
    index: float
    rank: int | None
    contributions: dict[str, float] | None
    strongest: tuple[IndicatorStanding, ...]
    weakest: tuple[IndicatorStanding, ...]
    what_if_at_median: dict[str, float]


@dataclass(frozen=True, eq=False)
class Explanations:
    """Arrays for all units (rows as in the evaluation result, columns the indicators)."""

    result: EvaluationResult
    contributions: FloatArray
    effective_weights: FloatArray
    group_median: FloatArray
    difference: FloatArray
    what_if_index: FloatArray

    def for_unit(self, unit: str, top: int = 3) -> UnitExplanation:
        """Everything about one unit, with its `top` strongest and weakest indicators."""
        result = self.result
        row = result.units.index(unit)
        codes = result.framework.leaf_codes
        gap = self.difference[row]
        order = np.argsort(np.where(np.isnan(gap), np.inf, -gap), kind="stable")
        present = [int(j) for j in order if not np.isnan(gap[j])]

        def standing(j: int) -> IndicatorStanding:
            return IndicatorStanding(
                indicator=codes[j],
                value=float(result.normalised[row, j]),
                group_median=float(self.group_median[row, j]),
                difference=float(gap[j]),
            )

        # strongest from the top of the ordering, weakest from the bottom, never the same indicator
        k = top if len(present) >= 2 * top else len(present) // 2
        additive = not np.isnan(self.contributions[row]).all()
        return UnitExplanation(
            unit=unit,
            group=None if result.groups is None else result.groups[row],
            index=float(result.index[row]),
            rank=result.rank_of(unit),
            contributions={c: float(v) for c, v in zip(codes, self.contributions[row], strict=True)}
            if additive
            else None,
            strongest=tuple(standing(j) for j in present[:k]),
            weakest=tuple(standing(j) for j in reversed(present[len(present) - k :])),
            what_if_at_median={c: float(v) for c, v in zip(codes, self.what_if_index[row], strict=True)},
        )


def explain(result: EvaluationResult) -> Explanations:
    """Contributions, peer-group comparisons and what-if indices for every unit of an evaluation."""
    framework = result.framework
    kept = np.flatnonzero(result.included)
    z = result.normalised[kept]
    n_units, n_leaves = z.shape
    groups = None if result.groups is None else [result.groups[i] for i in kept]

    median = _group_medians(z, groups)
    effective = np.full((n_units, len(framework.codes)), np.nan)
    contributions = np.full(z.shape, np.nan)
    if result.settings.aggregate.method == "arithmetic":
        effective = _unit_effective_weights(result.values[kept], result.weights, result)
        contributions = np.where(np.isnan(z), 0.0, z) * effective[:, :n_leaves]
        contributions[np.isnan(result.index[kept])] = np.nan  # no index, nothing to explain

    what_if = np.full(z.shape, np.nan)
    chunk = max(1, CHUNK_ELEMENTS // max(1, n_units * n_leaves))
    for start in range(0, n_leaves, chunk):
        columns = np.arange(start, min(start + chunk, n_leaves))
        batch = np.broadcast_to(z, (len(columns), n_units, n_leaves)).copy()
        batch[np.arange(len(columns)), :, columns] = median[:, columns].T
        aggregation = aggregate_tree(
            batch,
            result.weights,
            framework,
            result.settings.aggregate,
            bounds=result.aggregation.bounds,
        )
        what_if[:, columns] = aggregation.values[..., -1].T

    def full(values: FloatArray) -> FloatArray:
        out = np.full((len(result.units), values.shape[1]), np.nan)
        out[kept] = values
        return out

    return Explanations(
        result=result,
        contributions=full(contributions),
        effective_weights=full(effective),
        group_median=full(median),
        difference=full(z - median),
        what_if_index=full(what_if),
    )


def _group_medians(z: FloatArray, groups: list[str] | None) -> FloatArray:
    if groups is None:
        return np.broadcast_to(column_statistic(z, "median"), z.shape).copy()
    labels, codes = np.unique(np.asarray(groups, dtype=object), return_inverse=True)
    by_group = np.stack([column_statistic(z[codes == g], "median") for g in range(len(labels))])
    return np.asarray(by_group[codes])


def _unit_effective_weights(values: FloatArray, weights: FloatArray, result: EvaluationResult) -> FloatArray:
    """Per unit, the weight of each node in the index after rescaling around missing children."""
    framework = result.framework
    present = ~np.isnan(values)
    effective = np.zeros(values.shape)
    effective[:, framework.root] = 1.0
    for step in reversed(framework.steps):
        w = weights[step.children] * present[:, step.children]
        totals = np.zeros((values.shape[0], len(step.parents)))
        np.add.at(totals.T, step.segment, w.T)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(totals[:, step.segment] > 0, w / totals[:, step.segment], 0.0)
        effective[:, step.children] = effective[:, step.parents[step.segment]] * share
    return effective
