"""Variance-based sensitivity indices (Saltelli et al. 2010; COINr's `SA_sample` and `SA_estimate`).

The design has two independent uniform samples A and B (N × d) and, for every input i, the matrix
A_B^(i): A with column i taken from B. The model is run on all N (d + 2) rows. With output
variance V estimated from the A and B runs:

* first-order index  S_i  = mean(y_B · (y_ABi − y_A)) / V      (Saltelli 2010, eq. (b) of table 2)
* total-effect index ST_i = mean((y_A − y_ABi)²) / (2 V)        (Jansen 1999)

S_i is the share of the output variance that input i causes on its own; ST_i adds its interactions.
An input that changes nothing has y_ABi = y_A, hence S_i = ST_i = 0 exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import FloatArray, SettingsError


@dataclass(frozen=True)
class SensitivityIndex:
    input: str
    first_order: float
    total: float


def saltelli_sample(rng: np.random.Generator, n: int, d: int) -> FloatArray:
    """Rows [A; B; A_B^(1); …; A_B^(d)] of uniform [0, 1) numbers: N (d + 2) × d."""
    a = rng.random((n, d))
    b = rng.random((n, d))
    blocks = [a, b]
    for i in range(d):
        ab = a.copy()
        ab[:, i] = b[:, i]
        blocks.append(ab)
    return np.concatenate(blocks, axis=0)


def sensitivity_indices(y: FloatArray, n: int, d: int) -> tuple[FloatArray, FloatArray, float]:
    """(first-order, total, variance) from the outputs of a `saltelli_sample` design, in its row order."""
    if y.shape != (n * (d + 2),):
        raise SettingsError("the outputs do not match an N (d + 2) design")
    y_a, y_b = y[:n], y[n : 2 * n]
    y_ab = y[2 * n :].reshape(d, n)
    variance = float(np.var(np.concatenate([y_a, y_b]), ddof=1))
    if variance == 0:
        zeros = np.zeros(d)
        return zeros, zeros, 0.0
    first = (y_b * (y_ab - y_a)).mean(axis=1) / variance
    total = ((y_a - y_ab) ** 2).mean(axis=1) / (2 * variance)
    return first, total, variance
