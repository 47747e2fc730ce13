"""The `shuangchuang` command line: composite-indicator evaluation for analysts, without the web app.

Usage: shuangchuang evaluate DATA METADATA --out RESULTS [options]   (see `shuangchuang evaluate -h`)
       shuangchuang serve [options]   the web app in production (see `shuangchuang serve -h`, README)

Exit codes: 0 done, 2 bad input (the message names the file, row and column), 1 anything else.
This module must not import Django: analysts run it on machines with only the engine installed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from shuangchuang.evaluation.engine.aggregate import AggregateSettings
from shuangchuang.evaluation.engine.data import DataError, EngineError, Framework, FrameworkError
from shuangchuang.evaluation.engine.impute import IMPUTE_METHODS, ImputeSettings
from shuangchuang.evaluation.engine.io import (
    DataFile,
    InputFileError,
    Metadata,
    read_ahp,
    read_data,
    read_metadata,
    write_table,
)
from shuangchuang.evaluation.engine.normalise import NormaliseSettings
from shuangchuang.evaluation.engine.pipeline import EvaluationResult, Settings, evaluate
from shuangchuang.evaluation.engine.screen import ScreenSettings
from shuangchuang.evaluation.engine.treat import TreatSettings
from shuangchuang.evaluation.engine.uncertainty import UncertaintyResult, UncertaintySpec, run_uncertainty
from shuangchuang.evaluation.engine.weights import WeightSettings

EXIT_BAD_INPUT = 2
T = TypeVar("T")

EVALUATE_DESCRIPTION = """\
Compute a composite index from DATA with the hierarchy and weights in METADATA, and write one row
per unit to RESULTS: its code, the value of every aggregate (a column per aggregate code, the index
included), its rank on the index (1 = highest; ties share the better rank: 1, 2, 2, 4) and, with
--uncertainty, its median rank and 5th/95th percentile ranks.

DATA (.csv or .xlsx): the first column is the unit code; the columns METADATA lists as indicators
or denominators are read as numbers (empty, NA or "-" = missing; full-width digits and thousands
separators such as 1,234.5 are fine); a text column gives each unit's group (--group picks one
when there are several). CSV may be UTF-8 (with or without BOM) or GBK.

METADATA (.csv or .xlsx): one row per indicator and per aggregate, columns
  code, parent, weight, polarity (positive|negative), denominator, target
(Chinese headers 代码, 上级, 权重, 方向, 分母, 目标值 also work). The one row without a parent is
the index; rows that are nobody's parent are the indicators. An indicator with a denominator is
divided by that DATA column first.

Defaults follow COINr: no imputation, COINr's Treat() (winsorise up to 5 points when
|skew| >= 2 and kurtosis >= 3.5, else log), min-max 0-100, given weights, arithmetic mean.
"""

EVALUATE_EPILOG = """\
AHP (--weighting ahp --ahp FILE): FILE (.csv or .xlsx) has one pairwise judgement per row, columns
  parent, item, compared_to, ratio
meaning "under PARENT, ITEM is RATIO times as important as COMPARED_TO" (Saaty's 1-9 scale; write
1/3 for the reverse). Every pair of a listed parent's children must appear once, in either order.
Parents not listed keep the weights from METADATA (equal weights if METADATA has none). The
consistency ratio (Saaty's random index) is printed; above 0.1 a warning is given.

Uncertainty (--uncertainty N --seed S): N Monte Carlo replications over the choices of COINr's
sensitivity vignette: winsorisation limit 1-5 (with --treat coinr), weights +/-25 % (--weight-noise)
at every level above the indicators (at the indicators if there is no other), normalisation
min-max 1-100 or z-score (mean 10, sd 2), aggregation arithmetic or geometric. --sensitivity also
prints first-order and total sensitivity indices of the mean rank shift (N (d+2) runs).

Row numbers in messages are as a spreadsheet shows them (the header is row 1).
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shuangchuang", description="双创示范基地 monitoring and evaluation tools"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    ev = commands.add_parser(
        "evaluate",
        help="compute a composite index, ranks and rank intervals from a data file",
        description=EVALUATE_DESCRIPTION,
        epilog=EVALUATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ev.add_argument("data", metavar="DATA", help="units x indicators, .csv or .xlsx")
    ev.add_argument("metadata", metavar="METADATA", help="indicator and aggregate metadata, .csv or .xlsx")
    ev.add_argument(
        "--out", required=True, metavar="RESULTS", help="results file, .csv (UTF-8 with BOM) or .xlsx"
    )
    ev.add_argument("--impute", choices=IMPUTE_METHODS, default="none", help="missing values (default: none)")
    ev.add_argument(
        "--treat", choices=("coinr", "none"), default="coinr", help="outlier treatment (default: coinr)"
    )
    ev.add_argument(
        "--normalise",
        choices=("minmax", "zscore", "rank", "target"),
        default="minmax",
        help="(default: minmax)",
    )
    ev.add_argument(
        "--weighting", choices=("given", "equal", "entropy", "ahp"), default="given", help="(default: given)"
    )
    ev.add_argument(
        "--aggregate",
        choices=("arithmetic", "geometric", "topsis"),
        default="arithmetic",
        help="(default: arithmetic)",
    )
    ev.add_argument("--group", metavar="COLUMN", help="the DATA column that gives each unit's group")
    ev.add_argument("--ahp", metavar="FILE", help="pairwise judgements for --weighting ahp (format below)")
    ev.add_argument(
        "--range", metavar="LOW,HIGH", type=_pair, default=(0.0, 100.0), help="min-max scale (default: 0,100)"
    )
    ev.add_argument(
        "--min-availability",
        metavar="SHARE",
        type=_share,
        help="leave out units that report less than this share (0-1) of the indicators",
    )
    ev.add_argument("--uncertainty", metavar="N", type=_positive_int, help="Monte Carlo replications")
    ev.add_argument(
        "--seed", metavar="S", type=int, help="random seed for --uncertainty (for reproducible runs)"
    )
    ev.add_argument(
        "--weight-noise", metavar="F", type=_noise, default=0.25, help="weight perturbation for --uncertainty"
    )
    ev.add_argument(
        "--sensitivity", action="store_true", help="with --uncertainty, print sensitivity indices"
    )
    ev.set_defaults(handler=_evaluate_command)
    from shuangchuang.config import serve  # no Django imported: it only starts processes

    sv = commands.add_parser(
        "serve",
        help="production start: migrate, collect static files, gunicorn and the task workers",
        description=serve.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_arguments(sv)
    sv.set_defaults(handler=lambda args, _parser: serve.serve(args))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = args.handler(args, parser)
    return code


def _evaluate_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.weighting == "ahp" and not args.ahp:
        parser.error("--weighting ahp needs --ahp FILE")
    if args.sensitivity and not args.uncertainty:
        parser.error("--sensitivity needs --uncertainty N")
    if Path(args.out).suffix.lower() not in (".csv", ".xlsx"):
        parser.error("--out must end in .csv or .xlsx")
    try:
        metadata = read_metadata(args.metadata)
        try:
            framework = Framework.build(metadata.nodes)
        except FrameworkError as error:
            raise metadata.framework_error(error.codes, error.field, str(error)) from None
        _check_output_names(metadata, framework)
        ahp = read_ahp(args.ahp, framework) if args.ahp else {}
        data = read_data(
            args.data, framework, metadata, group=args.group, require_group=args.impute.startswith("group")
        )
        settings = Settings(
            impute=ImputeSettings(args.impute),
            screen=ScreenSettings(args.min_availability),
            treat=TreatSettings(method=args.treat),
            normalise=NormaliseSettings(method=args.normalise, minmax_range=args.range),
            weights=WeightSettings(method=args.weighting, ahp=ahp),
            aggregate=AggregateSettings(method=args.aggregate),
        )
        result = _run(lambda: evaluate(data.dataset, framework, settings), metadata, data, args)
        uncertainty = None
        if args.uncertainty:
            spec = _cli_uncertainty_spec(framework, args)
            robust = Settings(
                impute=settings.impute,
                screen=settings.screen,
                treat=settings.treat,
                normalise=settings.normalise,
                weights=settings.weights,
                aggregate=AggregateSettings(method=args.aggregate, nonpositive="shift"),
            )
            uncertainty = _run(
                lambda: run_uncertainty(
                    data.dataset,
                    framework,
                    robust,
                    spec,
                    args.uncertainty,
                    args.seed,
                    sensitivity=args.sensitivity,
                    nominal=result,
                ),
                metadata,
                data,
                args,
            )
        _report(result, uncertainty, metadata)
        _write_results(args.out, result, uncertainty, metadata, data, args.min_availability is not None)
    except InputFileError as error:
        print(f"shuangchuang evaluate: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"shuangchuang evaluate: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


def _run(call: Callable[[], T], metadata: Metadata, data: DataFile, args: argparse.Namespace) -> T:
    """Run an engine call, turning engine errors into errors located in the input files."""
    try:
        return call()
    except FrameworkError as error:
        raise metadata.framework_error(error.codes, error.field, str(error)) from None
    except DataError as error:
        row = data.row_of.get(error.unit) if error.unit else None
        message = str(error)
        if "geometric mean" in message:
            message += " (for example --range 1,100)"
        raise data.table.error(message, row, error.column) from None
    except EngineError as error:
        raise InputFileError(args.data, str(error)) from None


def _cli_uncertainty_spec(framework: Framework, args: argparse.Namespace) -> UncertaintySpec:
    top = int(framework.level.max())
    levels = list(range(2, top)) or [1]
    return UncertaintySpec(
        weight_noise={level: args.weight_noise for level in levels},
        normalisation=(
            NormaliseSettings("minmax", minmax_range=(1.0, 100.0)),
            NormaliseSettings("zscore", zscore_mean_sd=(10.0, 2.0)),
        ),
        aggregation=("arithmetic", "geometric"),
        winsorisation_limits=(1, 2, 3, 4, 5) if args.treat == "coinr" else (),
    )


RESERVED_COLUMNS = ("rank", "median_rank", "rank_p05", "rank_p95", "note")


def _check_output_names(metadata: Metadata, framework: Framework) -> None:
    for code in framework.aggregate_codes:
        if code in RESERVED_COLUMNS:
            raise metadata.table.error(
                f"{code!r} is a column name of the results; give the aggregate another code",
                metadata.row_of[code],
                metadata.column_of["code"],
            )


def _report(result: EvaluationResult, uncertainty: UncertaintyResult | None, metadata: Metadata) -> None:
    diagnostics = result.diagnostics
    for message in diagnostics.warnings:
        print(f"warning: {message}", file=sys.stderr)
    for unit in diagnostics.screened_out:
        print(f"note: unit {unit.unit} left out: {unit.reason}", file=sys.stderr)
    for check in diagnostics.ahp:
        state = "consistent" if check.consistent else "NOT consistent (above 0.1): revise the judgements"
        stream = sys.stdout if check.consistent else sys.stderr
        print(f"AHP {check.parent}: consistency ratio {check.consistency_ratio:.3f}, {state}", file=stream)
    if uncertainty is not None and uncertainty.sensitivity is not None:
        print("sensitivity of the ranks (mean absolute rank shift):")
        print(f"  {'choice':<24} {'first-order':>12} {'total':>8}")
        for index in uncertainty.sensitivity:
            print(f"  {index.input:<24} {index.first_order:>12.3f} {index.total:>8.3f}")


def _write_results(
    out: str,
    result: EvaluationResult,
    uncertainty: UncertaintyResult | None,
    metadata: Metadata,
    data: DataFile,
    with_note: bool,
) -> None:
    framework = result.framework
    aggregates = [node.code for node in metadata.nodes if node.code in set(framework.aggregate_codes)]
    columns = [framework.index_of[code] for code in aggregates]
    header = [data.unit_column, *aggregates, "rank"]
    if uncertainty is not None:
        header += ["median_rank", "rank_p05", "rank_p95"]
    if with_note:
        header.append("note")
    reasons = {unit.unit: unit.reason for unit in result.diagnostics.screened_out}
    rows = []
    for i, unit in enumerate(result.units):
        row: list[object] = [unit, *(float(result.values[i, c]) for c in columns), float(result.rank[i])]
        if uncertainty is not None:
            row += [
                float(uncertainty.median_rank[i]),
                float(uncertainty.rank_p05[i]),
                float(uncertainty.rank_p95[i]),
            ]
        if with_note:
            row.append(reasons.get(unit, ""))
        rows.append(row)
    write_table(out, header, rows)


def _pair(text: str) -> tuple[float, float]:
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("expected two numbers LOW,HIGH") from None
    if not high > low:
        raise argparse.ArgumentTypeError("HIGH must be greater than LOW")
    return low, high


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _noise(text: str) -> float:
    value = _share(text)
    if value >= 1.0:
        raise argparse.ArgumentTypeError("must be below 1")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 2:
        raise argparse.ArgumentTypeError("must be at least 2")
    return value


if __name__ == "__main__":
    sys.exit(main())
