"""Explanations of each unit's score: contributions, strengths and weaknesses, what-if.

* Contribution of an indicator to the index (arithmetic aggregation): its normalised value times
  its effective weight, the product of the weights down the tree, where the weights are those the
  unit actually got (rescaled around its missing values). The contributions of a unit sum to its
  index exactly, so a bar chart of them explains the whole score. Geometric means and TOPSIS are
  not additive; for them contributions are not defined (NaN) and the what-if is the explanation.
* What-if: the index the unit would have if one indicator were at its group's median, everything
  else (other units, normalisation, TOPSIS's ideal points) unchanged.
* Strengths and weaknesses: the indicators on which the unit is better (strengths) or worse
  (weaknesses) than the median of its peer group (all units when there are no groups), judged on the
  normalised values, where polarity is already applied (higher is better). An indicator counts only
  when the what-if agrees — bringing a strength down to the median lowers the index, bringing a
  weakness up raises it — and they are ordered by that change, so the list and the what-if tell one
  story. A value the unit did not report (missing or imputed) is neither. Each comes with its value
  and the group's median in the indicator's own units (after imputation, before treatment and
  normalisation): treatment and normalisation are monotone, so a higher-is-better strength is
  always above that median and a weakness below it.
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
    """One indicator of a unit against its group: normalised `value` and `group_median` (polarity
    applied), their `difference`, the same two in the indicator's units (`raw_value`, `raw_median`),
    and `effect`: how much the index would fall (negative: rise) with the indicator at the median."""

    indicator: str
    value: float
    group_median: float
    difference: float
    raw_value: float = float("nan")
    raw_median: float = float("nan")
    effect: float = float("nan")


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
    raw_values: FloatArray  # the values as reported (imputed cells NaN), in the indicators' units
    raw_group_median: FloatArray  # the group's median of the values the normalised median comes from

    def for_unit(self, unit: str, top: int = 3) -> UnitExplanation:
        """Everything about one unit, with its `top` strongest and weakest indicators."""
        result = self.result
        row = result.units.index(unit)
        codes = result.framework.leaf_codes
        # NaN (not reported, or no median) compares false either way, so it is never a strength or weakness
        gap = np.where(np.isnan(self.raw_values[row]), np.nan, self.difference[row])
        effect = result.index[row] - self.what_if_index[row]
        tolerance = 1e-9
        with np.errstate(invalid="ignore"):
            above = np.flatnonzero((gap > tolerance) & (effect > tolerance))
            below = np.flatnonzero((gap < -tolerance) & (effect < -tolerance))

        def standing(j: int) -> IndicatorStanding:
            return IndicatorStanding(
                indicator=codes[j],
                value=float(result.normalised[row, j]),
                group_median=float(self.group_median[row, j]),
                difference=float(gap[j]),
                raw_value=float(self.raw_values[row, j]),
                raw_median=float(self.raw_group_median[row, j]),
                effect=float(effect[j]),
            )

        strongest = sorted(above, key=lambda j: (-effect[j], -gap[j], j))[:top]
        weakest = sorted(below, key=lambda j: (effect[j], gap[j], j))[:top]
        additive = not np.isnan(self.contributions[row]).all()
        return UnitExplanation(
            unit=unit,
            group=None if result.groups is None else result.groups[row],
            index=float(result.index[row]),
            rank=result.rank_of(unit),
            contributions={c: float(v) for c, v in zip(codes, self.contributions[row], strict=True)}
            if additive
            else None,
            strongest=tuple(standing(int(j)) for j in strongest),
            weakest=tuple(standing(int(j)) for j in weakest),
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
    # The values the normalised ones come from (after imputation), and the medians of exactly those:
    # their order is that of the normalised values, so each side of the median is the same in both.
    filled = result.diagnostics.imputed_values
    raw_median = _group_medians(filled, groups)
    reported = np.where(result.diagnostics.imputed, np.nan, filled)
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
        raw_values=full(reported),
        raw_group_median=full(raw_median),
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
