"""Screening units by data availability (COINr's `Screen(unit_screen = "byNA")`).

A unit that reports only a few indicators would be ranked on imputed numbers rather than on its
own; practitioners drop units whose share of available indicator values is below a threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import BoolArray, FloatArray, SettingsError


@dataclass(frozen=True)
class ScreenSettings:
    """`min_availability`: the least share (0–1) of indicators a unit must report; None keeps every unit."""

    min_availability: float | None = None

    def __post_init__(self) -> None:
        if self.min_availability is not None and not 0.0 <= self.min_availability <= 1.0:
            raise SettingsError("min_availability must be between 0 and 1")


def availability(values: FloatArray) -> FloatArray:
    """Share of non-missing indicator values per unit (row)."""
    if values.shape[1] == 0:
        return np.ones(values.shape[0])
    return np.asarray(1.0 - np.isnan(values).mean(axis=1), dtype=np.float64)


def screen_units(values: FloatArray, settings: ScreenSettings) -> tuple[BoolArray, FloatArray]:
    """Return (kept, availability): `kept[u]` is False for units below the threshold.

    The comparison is `availability >= threshold`, as in COINr (a unit exactly at the threshold stays).
    """
    share = availability(values)
    if settings.min_availability is None:
        return np.ones(values.shape[0], dtype=bool), share
    # a tiny tolerance so that 3/4 reported passes a threshold written as 0.75
    return share >= settings.min_availability - 1e-12, share
