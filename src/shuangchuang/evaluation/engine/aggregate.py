"""Aggregation level by level up the hierarchy: weighted arithmetic, weighted geometric, TOPSIS.

Each level is a matrix product: the children's values (units × children) times a block matrix of
weights (children × parents). With a leading batch dimension (replications), the same code runs the
whole uncertainty analysis; when the indicator values are shared by all replications (only the
weights differ) the product is one large GEMM instead of one small one per replication.

Missing values follow COINr's `a_amean`/`a_gmean`: a unit's missing children are left out and the
weights of the others are rescaled to sum to 1; an aggregate is missing only when all its children
are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .data import BoolArray, DataError, FloatArray, Framework, IntArray, SettingsError, Step

AggregateMethod = Literal["arithmetic", "geometric", "topsis"]
AGGREGATE_METHODS: tuple[AggregateMethod, ...] = ("arithmetic", "geometric", "topsis")
NonPositivePolicy = Literal["error", "shift"]


@dataclass(frozen=True)
class AggregateSettings:
    """`nonpositive` decides what the geometric mean does with values ≤ 0: "error" (COINr's
    `a_gmean` stops) or "shift" (add 1 − min to every normalised value so the smallest is 1)."""

    method: AggregateMethod = "arithmetic"
    nonpositive: NonPositivePolicy = "error"

    def __post_init__(self) -> None:
        if self.method not in AGGREGATE_METHODS:
            raise SettingsError(f"unknown aggregation {self.method!r}; use one of {AGGREGATE_METHODS}")
        if self.nonpositive not in ("error", "shift"):
            raise SettingsError("nonpositive must be 'error' or 'shift'")


@dataclass(frozen=True, eq=False)
class Aggregation:
    """Aggregate values (batch × units × aggregates, in `framework.aggregate_codes` order).

    `shift` is what was added to the indicator values for the geometric mean (0 if nothing);
    `bounds` holds, per level, the (low, high) of the children that TOPSIS scaled by.
    """

    values: FloatArray
    shift: float
    bounds: tuple[tuple[FloatArray, FloatArray], ...] | None


def weighted_arithmetic(values: FloatArray, weights: FloatArray) -> FloatArray:
    """Σ w x / Σ w over the values present (axis -1), like COINr's `a_amean`."""
    present = ~np.isnan(values)
    w = np.where(present, weights, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray((np.where(present, values, 0.0) * w).sum(-1) / w.sum(-1), dtype=np.float64)


def weighted_geometric(values: FloatArray, weights: FloatArray) -> FloatArray:
    """exp(Σ w ln x / Σ w) over the values present (axis -1), like COINr's `a_gmean`; needs x > 0."""
    if (values <= 0).any():
        raise DataError("the geometric mean needs values > 0")
    present = ~np.isnan(values)
    w = np.where(present, weights, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        logs = np.log(np.where(present, values, 1.0))
        return np.asarray(np.exp((logs * w).sum(-1) / w.sum(-1)), dtype=np.float64)


def topsis(values: FloatArray, weights: FloatArray) -> FloatArray:
    """TOPSIS closeness of each unit (axis -2 units, axis -1 criteria, any batch shape).

    Criteria are min–max scaled (as pymcdm's default; all are "more is better" since polarity is
    applied in normalisation), weighted, and compared with the ideal (best on every criterion) and
    anti-ideal: closeness = D⁻ / (D⁺ + D⁻). A constant criterion separates no one and adds nothing.
    """
    lo = np.fmin.reduce(values, axis=-2, keepdims=True)
    hi = np.fmax.reduce(values, axis=-2, keepdims=True)
    spread = hi - lo
    w2 = weights[..., None, :] ** 2
    if np.isnan(values).any():
        scaled, present = _topsis_scale(values, lo, hi)
        d_plus = np.sqrt((np.where(present, (1.0 - scaled) ** 2, 0.0) * w2).sum(-1))
        d_minus = np.sqrt((np.where(present, scaled**2, 0.0) * w2).sum(-1))
    else:
        # no gaps: (1 - s)² = 1 - 2s + s², so two matrix-vector products give both distances
        w2 = np.where(spread > 0, w2, 0.0)  # a constant criterion adds nothing
        scaled = (values - lo) / np.where(spread > 0, spread, 1.0)
        w2_column = np.swapaxes(w2, -1, -2)
        linear = (scaled @ w2_column)[..., 0]
        square = ((scaled * scaled) @ w2_column)[..., 0]
        d_minus = np.sqrt(square)
        d_plus = np.sqrt(np.maximum(w2.sum(-1) - 2.0 * linear + square, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(d_minus / (d_plus + d_minus), dtype=np.float64)


def _topsis_scale(values: FloatArray, lo: FloatArray, hi: FloatArray) -> tuple[FloatArray, BoolArray]:
    spread = hi - lo
    present = ~np.isnan(values) & (spread > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = (values - lo) / np.where(spread > 0, spread, 1.0)
    return scaled, present


@dataclass(frozen=True, eq=False)
class PreparedLeaves:
    """Indicator-side work of `aggregate_tree` done once, for many calls with other weights.

    Uncertainty analysis aggregates the same indicator matrix with thousands of weight sets; logs,
    missing-value masks and TOPSIS scaling of the indicators do not depend on the weights.
    """

    values: FloatArray
    shift: float
    operands: tuple[tuple[FloatArray, ...] | None, ...]


def prepare(leaf_values: FloatArray, framework: Framework, settings: AggregateSettings) -> PreparedLeaves:
    """Precompute the weight-independent operands of each level's indicator children."""
    leaves, shift = prepare_leaves(leaf_values, settings)
    n_leaves = framework.n_leaves
    operands: list[tuple[FloatArray, ...] | None] = []
    for step in framework.steps:
        is_leaf = step.children < n_leaves
        if not is_leaf.any():
            operands.append(None)
            continue
        values = leaves[..., step.children[is_leaf]]
        operands.append(_operands(values, settings.method, None))
    return PreparedLeaves(leaves, shift, tuple(operands))


def _operands(
    values: FloatArray, method: AggregateMethod, fixed_bounds: tuple[FloatArray, FloatArray] | None
) -> tuple[FloatArray, ...]:
    """What the weights multiply: (values, present) for means; squared distances and bounds for TOPSIS."""
    missing = np.isnan(values)
    if method != "topsis":
        if missing.any():
            return np.where(missing, 0.0, values), (~missing).astype(np.float64)
        return (values,)
    if fixed_bounds is None:
        lo = np.fmin.reduce(values, axis=-2, keepdims=True)
        hi = np.fmax.reduce(values, axis=-2, keepdims=True)
    else:
        lo, hi = fixed_bounds
    scaled, present = _topsis_scale(values, lo, hi)
    return np.where(present, (1.0 - scaled) ** 2, 0.0), np.where(present, scaled**2, 0.0), lo, hi


def aggregate_tree(
    leaf_values: FloatArray,
    weights: FloatArray,
    framework: Framework,
    settings: AggregateSettings,
    *,
    bounds: tuple[tuple[FloatArray, FloatArray], ...] | None = None,
    prepared: PreparedLeaves | None = None,
) -> Aggregation:
    """Aggregate the normalised indicators up to the index, level by level.

    `leaf_values` is (units × indicators) or (batch × units × indicators); `weights` is (nodes,) or
    (batch × nodes), normalised within parents. A 2-D `leaf_values` with batched weights is the
    uncertainty-analysis case: the indicator values are shared, only the weights vary (pass
    `prepared = prepare(leaf_values, …)` to do the indicator-side work once).
    `bounds` (from a previous TOPSIS run) fixes the scaling of each level, for what-if questions.
    """
    if prepared is None or bounds is not None:
        leaves, shift = prepare_leaves(leaf_values, settings)
        operands: tuple[tuple[FloatArray, ...] | None, ...] = (None,) * len(framework.steps)
    else:
        leaves, shift, operands = prepared.values, prepared.shift, prepared.operands
    batch = np.broadcast_shapes(leaf_values.shape[:-2], weights.shape[:-1])
    n_units = leaf_values.shape[-2]
    n_leaves = framework.n_leaves
    out = np.empty((*batch, n_units, len(framework.codes) - n_leaves))
    used_bounds: list[tuple[FloatArray, FloatArray]] = []
    for k, step in enumerate(framework.steps):
        fixed = bounds[k] if bounds is not None else None
        result, step_bounds = aggregate_step(
            leaves, out, weights[..., step.children], step, n_leaves, settings.method, fixed, operands[k]
        )
        out[..., step.parents - n_leaves] = result
        used_bounds.append(step_bounds)
    if settings.method == "geometric":
        np.exp(out, out=out)
        out -= shift
    return Aggregation(
        values=out, shift=shift, bounds=tuple(used_bounds) if settings.method == "topsis" else None
    )


def prepare_leaves(leaf_values: FloatArray, settings: AggregateSettings) -> tuple[FloatArray, float]:
    """For the geometric mean, work in logs (and shift first if asked); otherwise values as they are."""
    if settings.method != "geometric":
        return leaf_values, 0.0
    smallest = float(np.fmin.reduce(leaf_values, axis=None)) if leaf_values.size else 1.0
    shift = 0.0
    if smallest <= 0:
        if settings.nonpositive == "error":
            raise DataError(
                "the geometric mean needs normalised values > 0, and some are ≤ 0; normalise onto a "
                "positive range (e.g. min–max 1–100) or allow shifting"
            )
        shift = 1.0 - smallest
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(leaf_values + shift), shift


def aggregate_step(
    leaves: FloatArray,
    aggregates: FloatArray,
    child_weights: FloatArray,
    step: Step,
    n_leaves: int,
    method: AggregateMethod,
    fixed_bounds: tuple[FloatArray, FloatArray] | None = None,
    leaf_operands: tuple[FloatArray, ...] | None = None,
) -> tuple[FloatArray, tuple[FloatArray, FloatArray]]:
    """Values of the parents of one level from their children's values.

    `leaves` holds indicator values (already in logs for the geometric mean), `aggregates` the
    aggregates computed so far (logs too); `child_weights` are the weights of `step.children`.
    `leaf_operands` are the indicator children's operands from `prepare`, if already computed.
    Returns the parents' values (logs for geometric) and, for TOPSIS, the scaling bounds used.
    """
    is_leaf = step.children < n_leaves
    n_parents = len(step.parents)
    parts: list[tuple[tuple[FloatArray, ...], FloatArray]] = []
    width = 0
    for mask, source, offset in ((is_leaf, leaves, 0), (~is_leaf, aggregates, n_leaves)):
        if not mask.any():
            continue
        block = _block_weights(child_weights[..., mask], step.segment[mask], n_parents)
        if offset == 0 and leaf_operands is not None:
            operands = leaf_operands
        else:
            fixed = None
            if fixed_bounds is not None:
                count = int(mask.sum())
                fixed = (
                    fixed_bounds[0][..., width : width + count],
                    fixed_bounds[1][..., width : width + count],
                )
            operands = _operands(source[..., step.children[mask] - offset], method, fixed)
        width += int(mask.sum())
        parts.append((operands, block))
    if method == "topsis":
        return _topsis_step(parts)
    numerator: FloatArray | float = 0.0
    denominator: FloatArray | float = 0.0
    for operands, block in parts:
        numerator = numerator + _matmul(operands[0], block)
        if len(operands) > 1:
            denominator = denominator + _matmul(operands[1], block)
        else:
            denominator = denominator + block.sum(axis=-2)[..., None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        result = np.asarray(numerator / np.where(denominator > 0, denominator, np.nan), dtype=np.float64)
    empty = np.zeros(0)
    return result, (empty, empty)


def _topsis_step(
    parts: list[tuple[tuple[FloatArray, ...], FloatArray]],
) -> tuple[FloatArray, tuple[FloatArray, FloatArray]]:
    d_plus: FloatArray | float = 0.0
    d_minus: FloatArray | float = 0.0
    lows, highs = [], []
    for (plus_squared, minus_squared, lo, hi), block in parts:
        squared = block * block
        d_plus = d_plus + _matmul(plus_squared, squared)
        d_minus = d_minus + _matmul(minus_squared, squared)
        lows.append(lo)
        highs.append(hi)
    with np.errstate(invalid="ignore", divide="ignore"):
        root_minus = np.sqrt(d_minus)
        result = np.asarray(root_minus / (np.sqrt(d_plus) + root_minus), dtype=np.float64)
    bounds = (np.concatenate(lows, axis=-1), np.concatenate(highs, axis=-1))
    return result, bounds


def _block_weights(child_weights: FloatArray, segment: IntArray, n_parents: int) -> FloatArray:
    """(batch ×) children × parents matrix with each child's weight in its parent's column."""
    block = np.zeros((*child_weights.shape, n_parents))
    block[..., np.arange(child_weights.shape[-1]), segment] = child_weights
    return block


def _matmul(values: FloatArray, block: FloatArray) -> FloatArray:
    """values (… × units × children) @ block (… × children × parents), batching shared values as one GEMM."""
    if values.ndim == 2 and block.ndim == 3:
        reps, children, parents = block.shape
        flat = values @ block.transpose(1, 0, 2).reshape(children, reps * parents)
        return np.asarray(flat.reshape(values.shape[0], reps, parents).transpose(1, 0, 2))
    if block.ndim == 2 and values.ndim > 2:
        flat = np.ascontiguousarray(values).reshape(-1, values.shape[-1]) @ block
        return np.asarray(flat.reshape(*values.shape[:-1], block.shape[-1]))
    return np.asarray(values @ block)
