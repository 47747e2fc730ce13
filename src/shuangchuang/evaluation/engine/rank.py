"""Ranking with ties, vectorised along any axis.

Ties get the "min" (competition, 1-2-2-4) rank, as in sport tables and in COINr's `rank(ties.method =
"min")`: two bases with the same index share the better rank and the next rank is skipped.
"""

from __future__ import annotations

import numpy as np

from .data import FloatArray

#: Scores closer than this share of the largest absolute score are ties: floating-point noise
#: (1e-14) must not split units with identical data, while any real difference (1e-6 of a point on a
#: 0–100 scale) still separates them.
TIE_TOLERANCE = 1e-10


def competition_ranks(
    scores: FloatArray, axis: int = -1, *, descending: bool = True, tolerance: float = TIE_TOLERANCE
) -> FloatArray:
    """Rank `scores` along `axis`: 1 = best (highest when `descending`), ties share the lowest rank.

    Missing scores (NaN) get a missing rank and do not count. Works for any number of leading
    dimensions (replications × units), with one sort along the axis.
    """
    moved = np.moveaxis(np.asarray(scores, dtype=np.float64), axis, -1)
    key = -moved if descending else moved
    order = np.argsort(key, axis=-1, kind="stable")  # NaN sorts last
    ordered = np.take_along_axis(key, order, axis=-1)
    n = ordered.shape[-1]
    ranks_sorted = np.empty(ordered.shape)
    if n:
        with np.errstate(invalid="ignore"):
            scale = np.fmax.reduce(np.abs(ordered), axis=-1, keepdims=True)  # ignores NaN, no warning
            gap = np.diff(ordered, axis=-1) > tolerance * np.maximum(scale, 1e-300)
        starts = np.zeros(ordered.shape, dtype=np.intp)
        starts[..., 1:] = np.where(gap, np.arange(1, n), 0)
        ranks_sorted[...] = np.maximum.accumulate(starts, axis=-1) + 1.0
        ranks_sorted[np.isnan(ordered)] = np.nan
    ranks = np.empty_like(ranks_sorted)
    np.put_along_axis(ranks, order, ranks_sorted, axis=-1)
    return np.moveaxis(ranks, -1, axis)
