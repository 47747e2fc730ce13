"""Normalisation: bring indicators onto a common scale, with polarity applied.

Follows COINr's `Normalise()`: the indicator is first multiplied by its polarity (so that higher is
always better), then scaled by `n_minmax` (default 0–100), `n_zscore` (default mean 0, sd 1, with
the sample standard deviation), `n_rank` (ranks 1…n, ties "min") or `n_dist2targ`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .data import FloatArray, FrameworkError, SettingsError
from .rank import competition_ranks

NormaliseMethod = Literal["minmax", "zscore", "rank", "target"]
NORMALISE_METHODS: tuple[NormaliseMethod, ...] = ("minmax", "zscore", "rank", "target")


@dataclass(frozen=True)
class NormaliseSettings:
    """`minmax_range` is COINr's `l_u` (also the scale of distance-to-target: worst unit → lower,
    target → upper); `zscore_mean_sd` is COINr's `m_sd`; `target_cap` is COINr's `cap_max`."""

    method: NormaliseMethod = "minmax"
    minmax_range: tuple[float, float] = (0.0, 100.0)
    zscore_mean_sd: tuple[float, float] = (0.0, 1.0)
    target_cap: bool = False

    def __post_init__(self) -> None:
        if self.method not in NORMALISE_METHODS:
            raise SettingsError(f"unknown normalisation {self.method!r}; use one of {NORMALISE_METHODS}")
        low, high = self.minmax_range
        if not high > low:
            raise SettingsError("the min–max range must have upper > lower")
        if not self.zscore_mean_sd[1] > 0:
            raise SettingsError("the z-score standard deviation must be > 0")


def normalise(
    values: FloatArray,
    polarity: FloatArray,
    settings: NormaliseSettings,
    targets: FloatArray | None = None,
    codes: Sequence[str] = (),
) -> FloatArray:
    """Normalise each indicator column (axis -2 is units) after multiplying it by its polarity.

    An indicator whose values are all equal has no spread to scale: min–max and z-score return NaN
    for it as COINr does, and aggregation then leaves it out (re-weighting the others). Values equal but
    for floating-point rounding (a spread below `ROUNDING_SPREAD` of their magnitude: 0.1 + 0.2 beside 0.3)
    count as equal too — scaled, rounding noise would put one base at the bottom and another at the top
    of an indicator on which they are the same, and a change of unit could turn that around.
    """
    x = values * polarity
    method = settings.method
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "minmax":
            low, high = settings.minmax_range
            lo = np.fmin.reduce(x, axis=-2, keepdims=True)  # fmin ignores NaN without warning
            hi = np.fmax.reduce(x, axis=-2, keepdims=True)
            span = np.where(_rounding_only(hi - lo, np.fmax(np.abs(lo), np.abs(hi))), np.nan, hi - lo)
            return np.asarray((x - lo) / span * (high - low) + low, dtype=np.float64)
        if method == "zscore":
            mean, sd = settings.zscore_mean_sd
            mu, sigma = _mean_sd(x)
            sigma = np.where(_rounding_only(sigma, np.abs(mu)), np.nan, sigma)
            return np.asarray((x - mu) / sigma * sd + mean, dtype=np.float64)
        if method == "rank":
            return competition_ranks(x, axis=-2, descending=False)
        # distance to target: 1 - (target - x) / (target - min), with the target turned by polarity too
        if targets is None or np.isnan(targets).any():
            missing = (
                [] if targets is None else [c for c, t in zip(codes, targets, strict=False) if np.isnan(t)]
            )
            name = missing[0] if missing else "an indicator"
            raise FrameworkError(
                f"{name}: distance-to-target normalisation needs a target", missing[:1], "target"
            )
        target = targets * polarity
        lo = np.fmin.reduce(x, axis=-2, keepdims=True)
        score = 1.0 - (target - x) / (target - lo)
        if settings.target_cap:
            score = np.minimum(score, 1.0)
        low, high = settings.minmax_range
        return np.asarray(low + (high - low) * score, dtype=np.float64)


# A spread this small relative to the values is floating-point rounding, not a difference (a double carries
# about 16 significant digits; sums and ratios of reported figures lose a few).
ROUNDING_SPREAD = 1e-12


def _rounding_only(spread: FloatArray, magnitude: FloatArray) -> FloatArray:
    return np.asarray(spread <= ROUNDING_SPREAD * magnitude)


def _mean_sd(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Mean and sample standard deviation (n - 1, as R's `sd`) along units, ignoring NaN."""
    valid = ~np.isnan(x)
    n = valid.sum(axis=-2, keepdims=True)
    filled = np.where(valid, x, 0.0)
    mu = filled.sum(axis=-2, keepdims=True) / n
    deviation = np.where(valid, x - mu, 0.0)
    sigma = np.sqrt((deviation * deviation).sum(axis=-2, keepdims=True) / (n - 1))
    return mu, sigma
