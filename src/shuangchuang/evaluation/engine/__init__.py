"""Composite-indicator evaluation engine: NumPy/SciPy only, no Django.

The web app (and the `shuangchuang evaluate` command) build a `Framework` from indicator metadata
and a `Dataset` from approved values, then call:

    result = evaluate(dataset, framework, Settings(...))          # scores, ranks, diagnostics
    uncertainty = run_uncertainty(dataset, framework, settings, UncertaintySpec(...), 1000, seed=1)
    explanations = explain(result)                               # contributions, what-if

Each step is also usable on its own (see the modules `impute`, `treat`, `normalise`, `weights`,
`aggregate`, `rank`, `sensitivity`).

Where the engine differs from COINr (everything else follows COINr's R sources):

* Screening runs before imputation, so screened-out units do not feed the imputed means.
* Distance to target is put on the min–max scale (default 0–100; COINr's `n_dist2targ` gives
  0–1: use `minmax_range=(0, 1)`), and the target is turned by the polarity like the values.
* The geometric mean stops on values ≤ 0 as COINr's `a_gmean` does, unless `nonpositive="shift"`
  (shifted geometric mean: add 1 − min, take the mean, subtract it again).
* TOPSIS, entropy and AHP weights are not in COINr; they follow pymcdm (TOPSIS with min–max
  scaling; entropy with the usual 0 · ln 0 = 0, where pymcdm zeroes a column's entropy if it has a
  zero; AHP with Saaty's random index, Tummala–Ling's as an option, which pymcdm uses).
* Ranks treat scores within 1e-10 (relative) as ties, so floating-point noise cannot split them.
* Uncertainty analysis perturbs the weights actually used (given, equal, entropy or AHP) and does
  not recompute data-driven weights per replication.
"""

from .aggregate import AggregateSettings
from .data import DataError, Dataset, EngineError, Framework, FrameworkError, Node, SettingsError
from .explain import Explanations, UnitExplanation, explain
from .impute import ImputeSettings
from .normalise import NormaliseSettings
from .pipeline import Diagnostics, EvaluationResult, Settings, evaluate
from .screen import ScreenSettings
from .sensitivity import SensitivityIndex
from .treat import TreatSettings
from .uncertainty import UncertaintyResult, UncertaintySpec, run_uncertainty
from .weights import PairwiseMatrix, WeightSettings

__all__ = [
    "AggregateSettings",
    "DataError",
    "Dataset",
    "Diagnostics",
    "EngineError",
    "EvaluationResult",
    "Explanations",
    "Framework",
    "FrameworkError",
    "ImputeSettings",
    "Node",
    "NormaliseSettings",
    "PairwiseMatrix",
    "ScreenSettings",
    "SensitivityIndex",
    "Settings",
    "SettingsError",
    "TreatSettings",
    "UncertaintyResult",
    "UncertaintySpec",
    "UnitExplanation",
    "WeightSettings",
    "evaluate",
    "explain",
    "run_uncertainty",
]
