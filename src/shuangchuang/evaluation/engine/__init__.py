"""Composite-indicator evaluation engine: NumPy/SciPy only, no Django.

The web app (and the `shuangchuang evaluate` command) build a `Framework` from indicator metadata
and a `Dataset` from approved values, then call:

    result = evaluate(dataset, framework, Settings(...))          # scores, ranks, diagnostics
    uncertainty = run_uncertainty(dataset, framework, settings, UncertaintySpec(...), 1000, seed=1)
    explanations = explain(result)                               # contributions, what-if

Each step is also usable on its own (see the modules `impute`, `treat`, `normalise`, `weights`,
`aggregate`, `rank`, `sensitivity`).
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
