"""Denomination: turn counts into intensities (per resident, per yuan of revenue …).

Large bases would otherwise win every count indicator simply by being large; dividing by a size
measure is the usual first step of a composite indicator (COINr's `Denominate()`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .data import DataError, FloatArray


def denominate(
    values: FloatArray,
    denominators: FloatArray,
    units: Sequence[str],
    indicator_codes: Sequence[str],
    denominator_codes: Sequence[str | None],
) -> FloatArray:
    """Divide each indicator column by its denominator column; columns without a denominator pass through.

    `denominators` is a units × indicators matrix aligned with `values` (its columns for indicators
    without a denominator are ignored). A missing denominator gives a missing value; a zero
    denominator is an error naming the unit, because dividing by zero silently would put an
    infinite or missing value in the index without anyone noticing.
    """
    has_denominator = np.array([code is not None for code in denominator_codes], dtype=bool)
    if not has_denominator.any():
        return values
    zero = (denominators == 0) & has_denominator[None, :]
    if zero.any():
        row, col = (int(i) for i in np.argwhere(zero)[0])
        raise DataError(
            f"unit {units[row]}: the denominator {denominator_codes[col]} of {indicator_codes[col]} is zero",
            unit=units[row],
            column=denominator_codes[col],
        )
    out = values.copy()
    out[:, has_denominator] = values[:, has_denominator] / denominators[:, has_denominator]
    return out
