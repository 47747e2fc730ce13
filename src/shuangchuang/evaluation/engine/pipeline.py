"""One evaluation: denominate → screen → impute → treat → normalise → weight → aggregate → rank.

Screening comes before imputation (as in COINr's usual `Screen()` then `Impute()`): availability is
measured on what units reported, and units screened out do not feed the means that fill other
units' gaps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from .aggregate import AggregateSettings, Aggregation, aggregate_step, aggregate_tree, prepare_leaves
from .data import BoolArray, Dataset, FloatArray, Framework, IntArray
from .denominate import denominate
from .impute import ImputeMethod, ImputeSettings, impute
from .normalise import NormaliseSettings, normalise
from .rank import competition_ranks
from .screen import ScreenSettings, screen_units
from .treat import TreatmentAction, TreatmentResult, TreatSettings, treat
from .weights import (
    AhpResult,
    WeightSettings,
    ahp_framework_weights,
    entropy_weights,
    equal_weights,
    given_weights,
    normalise_within_parents,
)


@dataclass(frozen=True)
class Settings:
    """Every method choice of an evaluation; the defaults are COINr's (no imputation, COINr
    treatment, min–max 0–100, given weights, arithmetic mean)."""

    impute: ImputeSettings = field(default_factory=ImputeSettings)
    screen: ScreenSettings = field(default_factory=ScreenSettings)
    treat: TreatSettings = field(default_factory=TreatSettings)
    normalise: NormaliseSettings = field(default_factory=NormaliseSettings)
    weights: WeightSettings = field(default_factory=WeightSettings)
    aggregate: AggregateSettings = field(default_factory=AggregateSettings)


@dataclass(frozen=True)
class ImputedCell:
    unit: str
    indicator: str
    method: ImputeMethod
    value: float


@dataclass(frozen=True)
class IndicatorTreatment:
    """What outlier treatment did to one indicator (`points` winsorised, see `treat.py`)."""

    indicator: str
    action: TreatmentAction
    points: int
    skew_before: float
    kurtosis_before: float
    skew_after: float
    kurtosis_after: float
    passes_after: bool
    units_high: tuple[str, ...]
    units_low: tuple[str, ...]


@dataclass(frozen=True)
class ScreenedUnit:
    unit: str
    availability: float
    threshold: float

    @property
    def reason(self) -> str:
        return f"reports {self.availability:.0%} of indicators, below the {self.threshold:.0%} required"


@dataclass(frozen=True, eq=False)
class Diagnostics:
    """What the engine did, for the analyst and for the record of an evaluation run.

    Imputed cells are kept as a mask (cheap to build); `imputed_cells()` lists them. `units`,
    `imputed` and `treatment` cover the units that were evaluated (not those screened out).
    """

    units: tuple[str, ...]
    indicators: tuple[str, ...]
    imputation_method: ImputeMethod
    imputed: BoolArray
    imputed_values: FloatArray
    treatment: TreatmentResult
    screened_out: tuple[ScreenedUnit, ...]
    weight_method: str
    weights: dict[str, float]
    ahp: tuple[AhpResult, ...]
    geometric_shift: float
    warnings: tuple[str, ...]

    def imputed_cells(self) -> Iterator[ImputedCell]:
        for row, col in np.argwhere(self.imputed):
            yield ImputedCell(
                unit=self.units[row],
                indicator=self.indicators[col],
                method=self.imputation_method,
                value=float(self.imputed_values[row, col]),
            )

    def treatments(self) -> list[IndicatorTreatment]:
        """One record per indicator that was treated (or could not be assessed)."""
        t = self.treatment
        out = []
        for j, code in enumerate(self.indicators):
            if t.action[j] == "none":
                continue
            out.append(
                IndicatorTreatment(
                    indicator=code,
                    action=t.action[j],
                    points=int(t.points[j]),
                    skew_before=float(t.skew_before[j]),
                    kurtosis_before=float(t.kurtosis_before[j]),
                    skew_after=float(t.skew_after[j]),
                    kurtosis_after=float(t.kurtosis_after[j]),
                    passes_after=bool(t.passes_after[j]),
                    units_high=tuple(self.units[i] for i in np.flatnonzero(t.winsorised_high[:, j])),
                    units_low=tuple(self.units[i] for i in np.flatnonzero(t.winsorised_low[:, j])),
                )
            )
        return out

    @property
    def consistency_ratios(self) -> dict[str, float]:
        return {a.parent: a.consistency_ratio for a in self.ahp}


@dataclass(frozen=True, eq=False)
class EvaluationResult:
    """Scores of every unit at every level, its rank on the index, and diagnostics.

    Rows are `units` in input order, including units screened out (their values and rank are NaN).
    `values` columns are `codes`: normalised indicators first, then aggregates, the index last.
    Ranks: 1 = highest index; ties share the best rank ("min", 1-2-2-4).
    """

    framework: Framework
    settings: Settings
    units: tuple[str, ...]
    groups: tuple[str, ...] | None
    included: BoolArray
    raw: FloatArray
    treated: FloatArray
    values: FloatArray
    weights: FloatArray
    rank: FloatArray
    aggregation: Aggregation
    diagnostics: Diagnostics

    @property
    def codes(self) -> tuple[str, ...]:
        return self.framework.codes

    @property
    def index(self) -> FloatArray:
        return np.asarray(self.values[:, -1])

    @property
    def normalised(self) -> FloatArray:
        return np.asarray(self.values[:, : self.framework.n_leaves])

    def value(self, unit: str, code: str) -> float:
        return float(self.values[self.units.index(unit), self.framework.index_of[code]])

    def rank_of(self, unit: str) -> int | None:
        r = self.rank[self.units.index(unit)]
        return None if np.isnan(r) else int(r)


def evaluate(data: Dataset, framework: Framework, settings: Settings | None = None) -> EvaluationResult:
    """Run every step on `data` with the hierarchy `framework`; return scores, ranks and diagnostics.

    Raises `FrameworkError`, `DataError` or `SettingsError` (all `EngineError`, a `ValueError`) with a
    message for the user when the inputs cannot be evaluated.
    """
    settings = settings or Settings()
    leaf_codes = framework.leaf_codes
    raw = data.column_matrix(leaf_codes)
    if any(d is not None for d in framework.denominators):
        denominators = data.column_matrix(framework.denominators)
        raw = denominate(raw, denominators, data.units, leaf_codes, framework.denominators)

    included, share = screen_units(raw, settings.screen)
    screened = tuple(
        ScreenedUnit(data.units[i], float(share[i]), float(settings.screen.min_availability or 0.0))
        for i in np.flatnonzero(~included)
    )
    kept = np.flatnonzero(included)
    everyone = bool(included.all())
    kept_units = data.units if everyone else tuple(data.units[i] for i in kept)
    kept_groups = data.groups if everyone or data.groups is None else tuple(data.groups[i] for i in kept)

    imputed_values, imputed_mask = impute(raw if everyone else raw[kept], settings.impute.method, kept_groups)
    treatment = treat(imputed_values, settings.treat)
    normalised = normalise(
        treatment.values, framework.polarity, settings.normalise, framework.targets, leaf_codes
    )
    warnings = _warnings(framework, normalised, settings)

    weights, ahp = _nominal_weights(framework, settings)
    if settings.weights.method == "entropy":
        weights, aggregation = _aggregate_with_entropy(normalised, framework, settings.aggregate)
    else:
        aggregation = aggregate_tree(normalised, weights, framework, settings.aggregate)

    n_units = len(data.units)
    values = np.full((n_units, len(framework.codes)), np.nan)
    values[kept, : framework.n_leaves] = normalised
    values[kept, framework.n_leaves :] = aggregation.values
    treated_full = np.full((n_units, framework.n_leaves), np.nan)
    treated_full[kept] = treatment.values
    rank = np.full(n_units, np.nan)
    rank[kept] = competition_ranks(aggregation.values[:, -1])

    diagnostics = Diagnostics(
        units=kept_units,
        indicators=leaf_codes,
        imputation_method=settings.impute.method,
        imputed=imputed_mask,
        imputed_values=imputed_values,
        treatment=treatment,
        screened_out=screened,
        weight_method=settings.weights.method,
        weights={code: float(w) for code, w in zip(framework.codes, weights, strict=True)},
        ahp=tuple(ahp),
        geometric_shift=aggregation.shift,
        warnings=warnings,
    )
    return EvaluationResult(
        framework=framework,
        settings=settings,
        units=data.units,
        groups=data.groups,
        included=included,
        raw=raw,
        treated=treated_full,
        values=values,
        weights=weights,
        rank=rank,
        aggregation=aggregation,
        diagnostics=diagnostics,
    )


def _nominal_weights(framework: Framework, settings: Settings) -> tuple[FloatArray, list[AhpResult]]:
    method = settings.weights.method
    if method == "equal" or method == "entropy":
        return equal_weights(framework), []
    if method == "given":
        return given_weights(framework), []
    # AHP: parents without a matrix keep their given weights, or equal ones if none were given
    has_given = not np.isnan(np.delete(framework.given_weights, framework.root)).any()
    fallback = given_weights(framework) if has_given else equal_weights(framework)
    return ahp_framework_weights(framework, settings.weights, fallback)


def _aggregate_with_entropy(
    normalised: FloatArray, framework: Framework, settings: AggregateSettings
) -> tuple[FloatArray, Aggregation]:
    """Entropy weights level by level: each level's weights come from its children's values."""
    raw_weights = np.ones(len(framework.codes))
    for step in framework.steps:
        partial = _aggregate_prefix(normalised, raw_weights, framework, settings, step.height)
        children = np.concatenate([normalised, partial], axis=1)[:, step.children]
        for p in range(len(step.parents)):
            members = step.segment == p
            raw_weights[step.children[members]] = entropy_weights(children[:, members])
    weights = normalise_within_parents(raw_weights, framework)
    return weights, aggregate_tree(normalised, weights, framework, settings)


def _aggregate_prefix(
    normalised: FloatArray,
    weights: FloatArray,
    framework: Framework,
    settings: AggregateSettings,
    height: int,
) -> FloatArray:
    """Aggregates of the levels below `height` (NaN above), on their natural scale."""
    n_leaves = framework.n_leaves
    out = np.full((normalised.shape[0], len(framework.codes) - n_leaves), np.nan)
    if height == 1:
        return out
    weights = normalise_within_parents(weights, framework)
    leaves, shift = prepare_leaves(normalised, settings)
    for step in framework.steps:
        if step.height >= height:
            break
        result, _ = aggregate_step(leaves, out, weights[step.children], step, n_leaves, settings.method)
        out[:, step.parents - n_leaves] = result
    if settings.method == "geometric":
        return np.asarray(np.exp(out) - shift)
    return out


def _warnings(framework: Framework, normalised: FloatArray, settings: Settings) -> tuple[str, ...]:
    messages = []
    constant = np.flatnonzero(np.isnan(normalised).all(axis=0) & (normalised.shape[0] > 0))
    for j in constant:
        messages.append(
            f"{framework.leaf_codes[j]}: all values are equal or missing, so it cannot be normalised "
            "and is left out of aggregation"
        )
    if settings.normalise.method == "target":
        below = np.flatnonzero((normalised < settings.normalise.minmax_range[0] - 1e-9).any(axis=0))
        for j in below:
            messages.append(f"{framework.leaf_codes[j]}: the target is worse than every unit's value")
    return tuple(messages)


def unit_positions(result: EvaluationResult) -> IntArray:
    """Row positions of the units that were evaluated (not screened out)."""
    return np.flatnonzero(result.included)
