"""Outlier treatment, reproducing COINr's `Treat()` default exactly.

COINr (R/treat.R, functions `Treat.numeric`, `winsorise`, `check_SkewKurt`, `skew`, `kurt`,
`log_CT`, `log_CT_plus`) treats each indicator on its own:

1. An indicator *fails* when |skewness| ≥ 2 AND kurtosis ≥ 3.5 (both type 2, as `e1071` and Excel
   compute them; kurtosis is excess kurtosis). With fewer than 3 (skew) or 4 (kurtosis) values the
   test is "not assessable" and the indicator is left alone.
2. A failing indicator is winsorised one step at a time: if the current skew is ≥ 0 every value equal
   to the maximum is set to the next value below it, otherwise every value equal to the minimum is set
   to the next value above. Ties are moved together, so one step can move several points, and the
   points moved in earlier steps stay tied with the extreme and are counted again: the count `nwin`
   is the number of points currently at the clipped top plus those at the clipped bottom. Steps
   continue while the indicator fails and `nwin < winmax` (default 5).
3. If it still fails, the winsorised values are thrown away and the *original* values are
   log-transformed: `log(x - min + 0.01 (max - min))` (`log_CT`, COINr's default). COINr's
   `log_CT_plus` (used by its own index templates) instead mirrors a negatively skewed indicator:
   `-log(max + 0.01 (max - min) - x)`; choose it with `log_transform="log_CT_plus"`.

The implementation is vectorised over indicators: each winsorisation step is a handful of array
operations on all failing indicators at once. Because the path of steps does not depend on
`winmax` (the limit only decides where to stop), `treat_for_limits` returns the treated data for
several limits from a single pass; uncertainty analysis uses that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .data import BoolArray, FloatArray, IntArray, SettingsError

TreatMethod = Literal["coinr", "none"]
LogTransform = Literal["log_CT", "log_CT_plus"]
TreatmentAction = Literal["none", "winsorised", "log", "not-assessable"]


@dataclass(frozen=True)
class TreatSettings:
    """COINr's `Treat()` defaults: `winmax = 5`, `skew_thresh = 2`, `kurt_thresh = 3.5`, `f2 = "log_CT"`.

    `winmax=None` means no limit on the number of winsorised points.
    """

    method: TreatMethod = "coinr"
    winmax: int | None = 5
    skew_threshold: float = 2.0
    kurtosis_threshold: float = 3.5
    log_transform: LogTransform = "log_CT"

    def __post_init__(self) -> None:
        if self.method not in ("coinr", "none"):
            raise SettingsError(f"unknown treatment {self.method!r}; use 'coinr' or 'none'")
        if self.winmax is not None and self.winmax < 0:
            raise SettingsError("winmax must be ≥ 0")
        if self.log_transform not in ("log_CT", "log_CT_plus"):
            raise SettingsError("log_transform must be 'log_CT' or 'log_CT_plus'")


@dataclass(frozen=True, eq=False)
class TreatmentResult:
    """Treated values plus, per indicator, what was done and the statistics before and after.

    `points` is COINr's `nwin` for winsorised indicators (0 otherwise); `winsorised_high` and
    `winsorised_low` mark the cells COINr marks "winhi"/"winlo".
    """

    values: FloatArray
    action: tuple[TreatmentAction, ...]
    points: IntArray
    winsorised_high: BoolArray
    winsorised_low: BoolArray
    skew_before: FloatArray
    kurtosis_before: FloatArray
    skew_after: FloatArray
    kurtosis_after: FloatArray
    passes_after: BoolArray


def skewness(values: FloatArray) -> FloatArray:
    """Sample skewness of each column, type 2 (e1071 `skewness(type = 2)`, Excel `SKEW`), NaN ignored.

    G1 = sqrt(n (n-1)) / (n-2) · g1, with g1 = sqrt(n) Σd³ / (Σd²)^(3/2) and d = x - mean.
    NaN when fewer than 3 values or no spread.
    """
    return skewness_kurtosis(values)[0]


def kurtosis(values: FloatArray) -> FloatArray:
    """Sample excess kurtosis of each column, type 2 (e1071 `kurtosis(type = 2)`, Excel `KURT`), NaN ignored.

    G2 = ((n+1) (r - 3) + 6) (n-1) / ((n-2) (n-3)), with r = n Σd⁴ / (Σd²)². NaN when fewer than 4
    values or no spread.
    """
    return skewness_kurtosis(values)[1]


def skewness_kurtosis(values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Both type-2 statistics from one pass over the data (see `skewness` and `kurtosis`)."""
    n, m2, m3, m4 = _central_sums(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        g1 = np.sqrt(n) * m3 / m2**1.5
        skew = g1 * np.sqrt(n * (n - 1)) / (n - 2)
        r = n * m4 / (m2 * m2)
        kurt = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    spread = m2 > 0
    return (
        np.asarray(np.where((n >= 3) & spread, skew, np.nan), dtype=np.float64),
        np.asarray(np.where((n >= 4) & spread, kurt, np.nan), dtype=np.float64),
    )


def _central_sums(values: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    missing = np.isnan(values)
    if missing.any():
        valid = ~missing
        n = valid.sum(axis=0).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(valid, values, 0.0).sum(axis=0) / n
            d = np.where(valid, values - mean, 0.0)
    else:
        n = np.full(values.shape[1], float(values.shape[0]))
        with np.errstate(invalid="ignore"):  # a log of a constant column is -inf
            d = values - values.mean(axis=0) if values.shape[0] else values
    d2 = d * d
    m2 = d2.sum(axis=0)
    # an indicator whose values are all equal has no spread, whatever rounding the mean picked up
    m2 = np.where(np.fmax.reduce(values, axis=0) > np.fmin.reduce(values, axis=0), m2, 0.0)
    return n, m2, (d2 * d).sum(axis=0), (d2 * d2).sum(axis=0)


def check_skew_kurtosis(
    skew: FloatArray, kurt: FloatArray, settings: TreatSettings
) -> tuple[BoolArray, BoolArray]:
    """COINr's `check_SkewKurt` with R's three-valued logic: return (passes, assessable).

    Passes when |skew| < threshold OR kurtosis < threshold. `TRUE | NA` is TRUE in R, so one
    statistic suffices to pass; failing needs both.
    """
    with np.errstate(invalid="ignore"):
        low_skew = np.abs(skew) < settings.skew_threshold
        low_kurt = kurt < settings.kurtosis_threshold
    passes = low_skew | low_kurt
    assessable = passes | (~np.isnan(skew) & ~np.isnan(kurt))
    return passes, assessable


def treat(values: FloatArray, settings: TreatSettings) -> TreatmentResult:
    """Treat every indicator (column) of `values` as COINr's `Treat()` does with these settings."""
    if settings.method == "none":
        return _untreated(values)
    return treat_for_limits(values, settings, [settings.winmax])[0]


def treat_for_limits(
    values: FloatArray, settings: TreatSettings, limits: Sequence[int | None]
) -> list[TreatmentResult]:
    """COINr treatment for several winsorisation limits at once (one result per limit, same order).

    The sequence of winsorisation steps is the same whatever the limit; only the step at which each
    indicator stops differs, so the steps run once, up to the largest limit.
    """
    n_units, n_ind = values.shape
    caps = [n_units if w is None else int(w) for w in limits]
    skew0, kurt0 = skewness_kurtosis(values)
    passes0, assessable0 = check_skew_kurtosis(skew0, kurt0, settings)

    x = values.copy()
    hi_count = np.zeros(n_ind, dtype=np.intp)
    lo_count = np.zeros(n_ind, dtype=np.intp)
    hi_mask = np.zeros(values.shape, dtype=bool)
    lo_mask = np.zeros(values.shape, dtype=bool)
    skew, kurt = skew0.copy(), kurt0.copy()
    passes = passes0.copy()
    failed = np.zeros(n_ind, dtype=bool)  # COINr errors (returns the indicator untreated)

    # per limit: the step state at which each indicator stopped
    stopped = [~assessable0 | passes0 | (cap <= 0) for cap in caps]
    snap_x = [values.copy() for _ in caps]
    snap_n = [np.zeros(n_ind, dtype=np.intp) for _ in caps]
    snap_hi = [np.zeros(values.shape, dtype=bool) for _ in caps]
    snap_lo = [np.zeros(values.shape, dtype=bool) for _ in caps]
    snap_pass = [passes0.copy() for _ in caps]
    snap_skew = [skew0.copy() for _ in caps]
    snap_kurt = [kurt0.copy() for _ in caps]

    running = ~np.logical_and.reduce(stopped) if caps else np.zeros(n_ind, dtype=bool)
    while running.any():
        cols = np.flatnonzero(running)
        s = skew[cols]
        broken = np.isnan(s)
        failed[cols[broken]] = True
        high = s >= 0
        # clip only on the side of the skew: the extreme value(s) take the next value inside
        for side, counts, marks, reduce in (
            (cols[high], hi_count, hi_mask, np.fmax.reduce),
            (cols[~high & ~broken], lo_count, lo_mask, np.fmin.reduce),
        ):
            if side.size == 0:
                continue
            xs = x[:, side]
            hit = xs == reduce(xs, axis=0)
            with np.errstate(invalid="ignore"):
                inside = reduce(np.where(hit, np.nan, xs), axis=0)
            x[:, side] = np.where(hit, inside, xs)
            counts[side] = hit.sum(axis=0)
            marks[:, side] = hit
        xs = x[:, cols]
        skew[cols], kurt[cols] = skewness_kurtosis(xs)
        p, ok = check_skew_kurtosis(skew[cols], kurt[cols], settings)
        passes[cols] = p
        failed[cols[~ok]] = True
        nwin = hi_count + lo_count
        for k, cap in enumerate(caps):
            now = running & ~stopped[k] & (passes | (nwin >= cap) | failed)
            if now.any():
                idx = np.flatnonzero(now)
                snap_x[k][:, idx] = x[:, idx]
                snap_n[k][idx] = nwin[idx]
                snap_hi[k][:, idx] = hi_mask[:, idx]
                snap_lo[k][:, idx] = lo_mask[:, idx]
                snap_pass[k][idx] = passes[idx]
                snap_skew[k][idx] = skew[idx]
                snap_kurt[k][idx] = kurt[idx]
                stopped[k] = stopped[k] | now
        running = ~np.logical_and.reduce(stopped)

    logged = _log_transform(values, settings.log_transform, skew0)
    log_skew, log_kurt = skewness_kurtosis(logged)
    log_pass, _ = check_skew_kurtosis(log_skew, log_kurt, settings)
    results = []
    for k in range(len(caps)):
        untouched = ~assessable0 | failed
        already = passes0 & assessable0
        winsorised = ~untouched & ~already & snap_pass[k]
        to_log = ~untouched & ~already & ~snap_pass[k]
        out = np.where(winsorised, snap_x[k], values)
        out = np.where(to_log, logged, out)
        action: list[TreatmentAction] = []
        for j in range(n_ind):
            if untouched[j]:
                action.append("not-assessable")
            elif already[j]:
                action.append("none")
            elif winsorised[j]:
                action.append("winsorised")
            else:
                action.append("log")
        results.append(
            TreatmentResult(
                values=out,
                action=tuple(action),
                points=np.where(winsorised, snap_n[k], 0),
                winsorised_high=snap_hi[k] & winsorised,
                winsorised_low=snap_lo[k] & winsorised,
                skew_before=skew0,
                kurtosis_before=kurt0,
                skew_after=np.where(to_log, log_skew, np.where(winsorised, snap_skew[k], skew0)),
                kurtosis_after=np.where(to_log, log_kurt, np.where(winsorised, snap_kurt[k], kurt0)),
                passes_after=np.where(to_log, log_pass, np.where(untouched, passes0, snap_pass[k] | already)),
            )
        )
    return results


def _log_transform(values: FloatArray, variant: LogTransform, skew: FloatArray) -> FloatArray:
    """COINr's `log_CT` (or `log_CT_plus`, which mirrors indicators whose skew is not > 0)."""
    top = np.fmax.reduce(values, axis=0)
    bottom = np.fmin.reduce(values, axis=0)
    a = 0.01 * (top - bottom)
    with np.errstate(invalid="ignore", divide="ignore"):
        positive = np.log(values - bottom + a)
        if variant == "log_CT":
            return np.asarray(positive, dtype=np.float64)
        mirrored = -np.log(top + a - values)
    with np.errstate(invalid="ignore"):
        return np.asarray(np.where(skew > 0, positive, mirrored), dtype=np.float64)


def _untreated(values: FloatArray) -> TreatmentResult:
    n_ind = values.shape[1]
    skew, kurt = skewness_kurtosis(values)
    nothing = np.zeros(values.shape, dtype=bool)
    return TreatmentResult(
        values=values,
        action=("none",) * n_ind,
        points=np.zeros(n_ind, dtype=np.intp),
        winsorised_high=nothing,
        winsorised_low=nothing,
        skew_before=skew,
        kurtosis_before=kurt,
        skew_after=skew,
        kurtosis_after=kurt,
        passes_after=np.ones(n_ind, dtype=bool),
    )
