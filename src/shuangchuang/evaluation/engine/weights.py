"""Weights: given (expert), equal, entropy and AHP, always normalised within each parent.

Every node carries one weight relative to its siblings; the weights under one parent sum to 1.
A node's *effective* weight in the index is the product of the weights on its path to the root.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .data import FloatArray, Framework, FrameworkError, IntArray, SettingsError

WeightMethod = Literal["given", "equal", "entropy", "ahp"]
WEIGHT_METHODS: tuple[WeightMethod, ...] = ("given", "equal", "entropy", "ahp")

#: Saaty's random consistency index RI(n) for n = 1…15 (Saaty 1980; the values for 11–15 as
#: tabulated in Saaty's later work). CR = CI / RI, CI = (λmax − n) / (n − 1).
SAATY_RANDOM_INDEX: tuple[float, ...] = (
    0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59,
)  # fmt: skip
#: The mean random index of Tummala & Ling (1998), which pymcdm uses.
TUMMALA_LING_RANDOM_INDEX: tuple[float, ...] = (
    0.0, 0.0, 0.5799, 0.8921, 1.1159, 1.2358, 1.3322, 1.3952, 1.4537, 1.4882, 1.5117, 1.5356, 1.5571,
    1.5714, 1.5831,
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class PairwiseMatrix:
    """An AHP judgement matrix over the children of one parent: `values[i, j]` says how many times
    more important `items[i]` is than `items[j]` (Saaty's 1–9 scale and reciprocals)."""

    items: tuple[str, ...]
    values: FloatArray


@dataclass(frozen=True)
class WeightSettings:
    """`ahp` maps a parent code to its pairwise matrix; parents without one keep their given weights.

    With `reject_inconsistent`, a consistency ratio above `max_consistency_ratio` is an error;
    otherwise it is reported in the diagnostics.
    """

    method: WeightMethod = "given"
    ahp: Mapping[str, PairwiseMatrix] = field(default_factory=dict)
    random_index: Literal["saaty", "tummala-ling"] = "saaty"
    max_consistency_ratio: float = 0.1
    reject_inconsistent: bool = False

    def __post_init__(self) -> None:
        if self.method not in WEIGHT_METHODS:
            raise SettingsError(f"unknown weighting {self.method!r}; use one of {WEIGHT_METHODS}")
        if self.method == "ahp" and not self.ahp:
            raise SettingsError("AHP weighting needs at least one pairwise comparison matrix")


@dataclass(frozen=True)
class AhpResult:
    """Principal-eigenvector weights of one judgement matrix and its consistency.

    `consistency_ratio` is 0 for n ≤ 2 (such matrices are always consistent), as in pymcdm.
    """

    parent: str
    items: tuple[str, ...]
    weights: tuple[float, ...]
    lambda_max: float
    consistency_index: float
    consistency_ratio: float
    consistent: bool


def ahp_weights(
    matrix: FloatArray, random_index: Literal["saaty", "tummala-ling"] = "saaty"
) -> tuple[FloatArray, float, float, float]:
    """Return (weights, λmax, CI, CR) of a positive reciprocal matrix by Saaty's eigenvector method."""
    m = np.asarray(matrix, dtype=np.float64)
    n = m.shape[0]
    if m.shape != (n, n) or n == 0:
        raise SettingsError("a pairwise comparison matrix must be square")
    if not (np.isfinite(m).all() and (m > 0).all()):
        raise SettingsError("pairwise comparisons must be positive numbers")
    if not np.allclose(m * m.T, 1.0, rtol=1e-6):
        raise SettingsError("the pairwise matrix must be reciprocal: a[j, i] = 1 / a[i, j]")
    eigenvalues, eigenvectors = np.linalg.eig(m)
    k = int(np.argmax(eigenvalues.real))  # the Perron root of a positive matrix is real and largest
    vector = eigenvectors[:, k].real
    weights = vector / vector.sum()
    lambda_max = float(eigenvalues[k].real)
    if n <= 2:
        return weights, lambda_max, 0.0, 0.0
    table = SAATY_RANDOM_INDEX if random_index == "saaty" else TUMMALA_LING_RANDOM_INDEX
    if n > len(table):
        raise SettingsError(f"AHP consistency is tabulated up to {len(table)} items, not {n}")
    ci = (lambda_max - n) / (n - 1)
    return weights, lambda_max, ci, ci / table[n - 1]


def entropy_weights(values: FloatArray) -> FloatArray:
    """Entropy weights of the columns of `values` (axis -2 is units), for any leading batch shape.

    p = x / Σx per column, e = -Σ p ln p / ln m, weight ∝ 1 - e; 0 ln 0 is taken as 0 and missing
    values are left out (m counts the values present). Columns with more spread get more weight.
    Needs non-negative values (normalise with min–max or rank first).
    """
    missing = np.isnan(values)
    has_missing = bool(missing.any())
    x = np.where(missing, 0.0, values) if has_missing else values
    if x.size and float(np.min(x)) < 0:
        raise SettingsError(
            "entropy weights need non-negative values; use min–max or rank normalisation with them"
        )
    m = (
        (~missing).sum(axis=-2)
        if has_missing
        else np.full(values.shape[:-2] + values.shape[-1:], values.shape[-2])
    )
    from scipy import special  # (here: SciPy costs every process that imports the engine ~0.15 s to load)

    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / x.sum(axis=-2, keepdims=True)
        # entr(p) = -p ln p with entr(0) = 0, in one pass; an all-zero column gives NaN: no information
        entropy = np.where(m > 1, special.entr(p).sum(axis=-2) / np.log(np.maximum(m, 2)), 1.0)
    diversity = np.where(np.isnan(entropy), 0.0, 1.0 - entropy)
    total = diversity.sum(axis=-1, keepdims=True)
    n = values.shape[-1]
    return np.asarray(np.where(total > 0, diversity / np.where(total > 0, total, 1.0), 1.0 / n))


def membership(parent: IntArray, n_nodes: int) -> FloatArray:
    """n × n matrix with m[c, parent(c)] = 1: `w @ m` sums weights per parent (the root row is empty)."""
    m = np.zeros((n_nodes, n_nodes))
    children = np.flatnonzero(parent >= 0)
    m[children, parent[children]] = 1.0
    return m


def normalise_within_parents(weights: FloatArray, framework: Framework) -> FloatArray:
    """Divide each weight by the sum of its siblings' (any leading batch shape); the root gets 1."""
    parent = framework.parent
    sums = weights @ membership(parent, len(parent))
    children = parent >= 0
    out = np.ones(weights.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[..., children] = weights[..., children] / sums[..., parent[children]]
    return out


def given_weights(framework: Framework) -> FloatArray:
    """The metadata weights normalised within each parent; every non-root node must have one."""
    raw = framework.given_weights.copy()
    raw[framework.root] = 1.0
    missing = np.flatnonzero(np.isnan(raw))
    if missing.size:
        code = framework.codes[int(missing[0])]
        raise FrameworkError(f"{code}: the weight is empty (needed for given weights)", [code], "weight")
    _check_positive_sums(raw, framework)
    return normalise_within_parents(raw, framework)


def equal_weights(framework: Framework) -> FloatArray:
    """1 / (number of siblings) for every node."""
    return normalise_within_parents(np.ones(len(framework.codes)), framework)


def ahp_framework_weights(
    framework: Framework, settings: WeightSettings, fallback: FloatArray
) -> tuple[FloatArray, list[AhpResult]]:
    """Weights from the pairwise matrices of `settings.ahp`; other parents keep `fallback` weights."""
    weights = fallback.copy()
    results = []
    for parent_code, matrix in settings.ahp.items():
        if parent_code not in framework.index_of:
            raise FrameworkError(
                f"{parent_code}: AHP matrix for a code that is not in the metadata", [parent_code]
            )
        children = framework.children_of(parent_code)
        if not children:
            raise FrameworkError(
                f"{parent_code}: AHP matrix for an indicator (it has no children)", [parent_code]
            )
        if sorted(matrix.items) != sorted(children):
            raise FrameworkError(
                f"{parent_code}: the AHP matrix compares {', '.join(matrix.items)} but the children are "
                f"{', '.join(children)}",
                [parent_code],
            )
        w, lambda_max, ci, cr = ahp_weights(matrix.values, settings.random_index)
        for item, value in zip(matrix.items, w, strict=True):
            weights[framework.index_of[item]] = value
        consistent = cr <= settings.max_consistency_ratio
        if not consistent and settings.reject_inconsistent:
            raise FrameworkError(
                f"{parent_code}: the AHP consistency ratio is {cr:.3f}, above {settings.max_consistency_ratio}",
                [parent_code],
            )
        results.append(
            AhpResult(
                parent=parent_code,
                items=matrix.items,
                weights=tuple(float(v) for v in w),
                lambda_max=lambda_max,
                consistency_index=ci,
                consistency_ratio=cr,
                consistent=consistent,
            )
        )
    return weights, results


def _check_positive_sums(raw: FloatArray, framework: Framework) -> None:
    sums = raw @ membership(framework.parent, len(framework.codes))
    for step in framework.steps:
        for p in step.parents:
            if sums[p] <= 0:
                code = framework.codes[int(p)]
                raise FrameworkError(f"{code}: the weights of its children are all zero", [code], "weight")


def effective_weights(weights: FloatArray, framework: Framework) -> FloatArray:
    """Product of the weights down the path from the index to each node (the root gets 1)."""
    out = weights.copy()
    out[..., framework.root] = 1.0
    for step in reversed(framework.steps):
        out[..., step.children] = weights[..., step.children] * out[..., step.parents[step.segment]]
    return out


def describe(weights: FloatArray, codes: Sequence[str]) -> dict[str, float]:
    """Weights as a {code: weight} mapping (for diagnostics and reports)."""
    return {code: float(w) for code, w in zip(codes, weights, strict=True)}
