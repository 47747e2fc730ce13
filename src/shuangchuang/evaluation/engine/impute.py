"""Imputation of missing indicator values (COINr's `i_mean`, `i_median`, `i_mean_grp`, `i_median_grp`).

Aggregation already copes with gaps by re-weighting the values a unit has (COINr's `a_amean`),
so "none" is a legitimate choice; imputation instead assumes the unit is typical of all units or
of its peer group on what it did not report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .data import BoolArray, FloatArray, SettingsError

ImputeMethod = Literal["none", "mean", "median", "group-mean", "group-median"]
IMPUTE_METHODS: tuple[ImputeMethod, ...] = ("none", "mean", "median", "group-mean", "group-median")


@dataclass(frozen=True)
class ImputeSettings:
    method: ImputeMethod = "none"

    def __post_init__(self) -> None:
        if self.method not in IMPUTE_METHODS:
            raise SettingsError(f"unknown imputation method {self.method!r}; use one of {IMPUTE_METHODS}")


def impute(
    values: FloatArray, method: ImputeMethod, groups: Sequence[str] | None = None
) -> tuple[FloatArray, BoolArray]:
    """Fill missing cells column by column; return (filled matrix, mask of the cells that were filled).

    Group methods use the mean/median of the unit's group for that indicator. As in COINr, a cell
    stays missing when its group (or the whole column) has no value to take it from; aggregation
    then re-weights around it.
    """
    missing = np.isnan(values)
    if method == "none" or not missing.any():
        return values, np.zeros_like(missing)
    if method in ("mean", "median"):
        fill = column_statistic(values, method)
        out = np.where(missing, fill[None, :], values)
    elif method in ("group-mean", "group-median"):
        if groups is None:
            raise SettingsError(f"{method} imputation needs a group for each unit")
        labels, codes = np.unique(np.asarray(groups, dtype=object), return_inverse=True)
        statistic: Literal["mean", "median"] = "mean" if method == "group-mean" else "median"
        fill_by_group = np.full((len(labels), values.shape[1]), np.nan)
        for g in range(len(labels)):  # one pass per group, vectorised over indicators
            fill_by_group[g] = column_statistic(values[codes == g], statistic)
        out = np.where(missing, fill_by_group[codes], values)
    else:
        raise SettingsError(f"unknown imputation method {method!r}")
    filled = missing & ~np.isnan(out)
    return out, filled


def column_statistic(values: FloatArray, statistic: Literal["mean", "median"]) -> FloatArray:
    """Mean or median of each column over the values present (NaN for a column with none)."""
    available = ~np.isnan(values)
    counts = available.sum(axis=0)
    result = np.full(values.shape[1], np.nan)
    ok = counts > 0
    if not ok.any():
        return result
    if statistic == "mean":
        result[ok] = np.where(available, values, 0.0).sum(axis=0)[ok] / counts[ok]
    else:
        # NaN sorts last, so the median of the k available values sits at positions (k-1)//2 and k//2
        ordered = np.sort(values[:, ok], axis=0)
        k = counts[ok]
        columns = np.arange(ordered.shape[1])
        result[ok] = 0.5 * (ordered[(k - 1) // 2, columns] + ordered[k // 2, columns])
    return result
