"""Evaluation runs: load approved data into the engine, run it, store what it returns.

A run is reproducible: its fingerprint is a hash of the scheme's settings and hierarchy and of every input
value, and the Monte Carlo seed is derived from that fingerprint, so running the same scheme on the same
data again gives identical numbers.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shuangchuang.accounts.models import User
from shuangchuang.core.audit import record
from shuangchuang.core.policy import require
from shuangchuang.monitoring.models import ReportState, ReportValue
from shuangchuang.registry.models import PEER_GROUPS, Base, BaseKind, BaseStatus

from .engine.aggregate import AggregateMethod, AggregateSettings
from .engine.data import Dataset, EngineError, Framework, Node
from .engine.explain import Explanations, IndicatorStanding, explain
from .engine.impute import ImputeMethod, ImputeSettings
from .engine.normalise import NormaliseMethod, NormaliseSettings
from .engine.pipeline import EvaluationResult, Settings, evaluate
from .engine.rank import competition_ranks
from .engine.screen import ScreenSettings
from .engine.treat import TreatMethod, TreatSettings
from .engine.uncertainty import UncertaintyResult, UncertaintySpec, run_uncertainty
from .engine.weights import WeightMethod, WeightSettings
from .models import EvaluationRun, EvaluationScheme, RunResult, RunStatus, SchemeNode

USABLE_STATES = (ReportState.APPROVED, ReportState.LOCKED)
logger = logging.getLogger(__name__)


class EvaluationFailed(Exception):
    """The run cannot be computed; the message says why, for the administrator."""


@dataclass(frozen=True)
class RunInputs:
    bases: list[Base]
    dataset: Dataset
    framework: Framework
    settings: Settings
    names: dict[str, str]
    fingerprint: str


def engine_settings(scheme: EvaluationScheme) -> Settings:
    impute = scheme.impute
    if scheme.peer_grouping == "none":
        impute = impute.removeprefix("group-")  # no peer groups: the direction is the group
    # The model's choices are the engine's options; the engine checks them again (SettingsError).
    return Settings(
        impute=ImputeSettings(method=cast(ImputeMethod, impute)),
        screen=ScreenSettings(min_availability=scheme.min_availability),
        treat=TreatSettings(method=cast(TreatMethod, scheme.treat)),
        normalise=NormaliseSettings(method=cast(NormaliseMethod, scheme.normalise)),
        weights=WeightSettings(method=cast(WeightMethod, scheme.weighting)),
        aggregate=AggregateSettings(method=cast(AggregateMethod, scheme.aggregate), nonpositive="shift"),
    )


def load_inputs(scheme: EvaluationScheme) -> RunInputs:
    """The direction's bases and their approved annual values for the scheme's year, as engine inputs."""
    nodes = list(scheme.nodes.select_related("indicator", "parent"))
    if not nodes:
        raise EvaluationFailed("评估方案没有任何指标。")
    leaves = [n for n in nodes if n.indicator_id]
    framework = Framework.build(
        [
            Node(
                code=n.code, parent=n.parent.code if n.parent else None, weight=n.weight, polarity=n.polarity
            )
            for n in nodes
        ]
    )
    bases = list(
        Base.objects.filter(direction=scheme.direction, status__in=[BaseStatus.ACTIVE, BaseStatus.RECTIFYING])
        .select_related("province")
        .order_by("code")
    )
    if len(bases) < 3:
        raise EvaluationFailed("参评基地少于 3 个，无法排名。")
    position = {b.pk: i for i, b in enumerate(bases)}
    column = {int(n.indicator_id): j for j, n in enumerate(leaves) if n.indicator_id is not None}
    matrix = np.full((len(bases), len(leaves)), np.nan)
    rows = ReportValue.objects.filter(
        report__base__in=bases,
        report__period__kind="annual",
        report__period__year=scheme.year,
        report__state__in=USABLE_STATES,
        indicator_id__in=column,
        number__isnull=False,
    ).values_list("report__base_id", "indicator_id", "number")
    for base_id, indicator_id, number in rows:
        matrix[position[base_id], column[indicator_id]] = float(number or 0)  # number__isnull=False above
    by_code = {n.code: n for n in leaves}
    dataset = Dataset(
        units=tuple(b.code for b in bases),
        columns=tuple(by_code),
        values=matrix,
        groups=tuple(PEER_GROUPS[BaseKind(b.kind)] for b in bases)
        if scheme.peer_grouping == "kind"
        else None,
    )
    fingerprint = _fingerprint(scheme, nodes, dataset)
    names = {n.code: n.name for n in nodes}
    return RunInputs(bases, dataset, framework, engine_settings(scheme), names, fingerprint)


def _fingerprint(scheme: EvaluationScheme, nodes: list[SchemeNode], dataset: Dataset) -> str:
    payload = {
        "settings": scheme.settings_dict(),
        "nodes": [[n.code, n.parent.code if n.parent else None, n.weight, n.polarity] for n in nodes],
        "units": dataset.units,
        "groups": dataset.groups,
        "columns": dataset.columns,
        "values": [[None if np.isnan(v) else repr(float(v)) for v in row] for row in dataset.values],
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def uncertainty_spec(scheme: EvaluationScheme, framework: Framework) -> UncertaintySpec:
    levels = int(framework.level.max()) - 1  # weights of every level below the index
    noise = {level: scheme.weight_noise for level in range(1, levels + 1)} if scheme.weight_noise else {}
    return UncertaintySpec(
        weight_noise=noise,
        normalisation=(NormaliseSettings("minmax"), NormaliseSettings("zscore")),
        aggregation=("arithmetic", "geometric"),
        winsorisation_limits=(1, 2, 3, 4, 5) if scheme.treat == "coinr" else (),
    )


def start_run(scheme: EvaluationScheme, *, actor: User, queue: bool = True) -> EvaluationRun:
    """Queue a run; the task worker computes it and reports progress on the run's row. The run and its audit
    row are written together or not at all; the task is queued once they are committed, and a queue that
    refuses it leaves the run failed with the reason, never queued for ever. `queue=False`: the caller
    computes it at once with `execute_run` (`setup_demo`)."""
    require(actor, "evaluation.run.start", scheme)
    with transaction.atomic():
        run = EvaluationRun.objects.create(
            scheme=scheme, created_by=actor, settings_snapshot=scheme.settings_dict()
        )
        record(actor, "evaluation.start", run, reason=f"发起{scheme}")
        if queue:
            transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    from .tasks import run_evaluation

    try:
        run_evaluation.enqueue(run_id)
    except Exception as exc:  # the queue itself failed: the run will never be picked up
        _fail(run_id, f"{NOT_QUEUED}{_exception_text(exc)}", from_states=(RunStatus.QUEUED,))


# What the app stores as a run's stage and error (Chinese, as the record); `audit_words` gives the English.
STAGE_READ = "读取已核准数据"
STAGE_SCORE = "计算综合得分"
STAGE_UNCERTAINTY = "不确定性分析（{n} 次蒙特卡洛模拟）"
STAGE_STORE = "保存结果"
STAGE_DONE = "完成"
STAGE_FAILED = "失败"
NOT_QUEUED = "无法提交到任务队列："
UNEXPECTED = "计算时发生程序错误："
INTERRUPTED = "任务执行器在计算中被停止，本次评估未完成，请重新发起。"
LOST_WORKER = "任务执行器已失联（最后心跳 {at}，超过 {seconds} 秒未更新），本次评估未完成，请重新发起。"


def _exception_text(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _fail(
    run_id: int, error: str, *, from_states: tuple[str, ...] = (RunStatus.QUEUED, RunStatus.RUNNING)
) -> bool:
    """Mark a run failed with its reason, unless it already ended; with an audit row. True if it was."""
    with transaction.atomic():
        now = timezone.now()
        failed = EvaluationRun.objects.filter(pk=run_id, status__in=from_states).update(
            status=RunStatus.FAILED, error=error[:2000], finished_at=now, stage=STAGE_FAILED
        )
        if failed:
            run = EvaluationRun.objects.select_related("scheme").get(pk=run_id)
            record(None, "evaluation.fail", run, field="status", new=RunStatus.FAILED, reason=error[:500])
    return bool(failed)


def _progress(run: EvaluationRun, percent: int, stage: str) -> None:
    EvaluationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        progress=percent, stage=stage, heartbeat_at=timezone.now()
    )


def execute_run(
    run_id: int, progress: Callable[[EvaluationRun, int, str], None] = _progress
) -> EvaluationRun:
    """Compute a run and store its results. Every way out leaves the run finished: done, or failed with
    the reason (the engine's own words, a program error with its message, the worker being stopped). A run
    that is not queued (done, failed, or taken by another worker) is left as it is."""
    from .heartbeat import run_beating, worker_name

    run = EvaluationRun.objects.select_related("scheme", "scheme__direction").get(pk=run_id)
    now = timezone.now()
    claimed = EvaluationRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=now, heartbeat_at=now, worker=worker_name()
    )
    if not claimed:
        run.refresh_from_db()
        return run
    try:
        with run_beating(run.pk):
            _compute(run, progress)
    except (EngineError, EvaluationFailed) as exc:
        _fail(run.pk, str(exc))
    except Exception as exc:
        logger.exception("evaluation run %s failed", run.pk)
        _fail(run.pk, UNEXPECTED + _exception_text(exc))
    except BaseException:  # KeyboardInterrupt, SystemExit: the worker is being stopped
        _fail(run.pk, INTERRUPTED)
        raise
    run.refresh_from_db()
    return run


def _compute(run: EvaluationRun, progress: Callable[[EvaluationRun, int, str], None]) -> None:
    progress(run, 5, STAGE_READ)
    inputs = load_inputs(run.scheme)
    progress(run, 20, STAGE_SCORE)
    result = evaluate(inputs.dataset, inputs.framework, inputs.settings)
    explanations = explain(result)
    seed = int(inputs.fingerprint[:12], 16)
    uncertainty = None
    replications = run.scheme.uncertainty_replications
    if replications:
        progress(run, 45, STAGE_UNCERTAINTY.format(n=replications))
        # A Saltelli design with N base rows gives 2N independent runs for the rank intervals and
        # N(d + 2) runs in all for the first-order and total sensitivity indices.
        uncertainty = run_uncertainty(
            inputs.dataset,
            inputs.framework,
            inputs.settings,
            uncertainty_spec(run.scheme, inputs.framework),
            replications=max(50, replications // 2),
            seed=seed,
            sensitivity=True,
            nominal=result,
        )
    progress(run, 90, STAGE_STORE)
    _store(run, inputs, result, explanations, uncertainty, seed)


def sweep_stale_runs(now: datetime.datetime | None = None) -> list[int]:
    """Mark failed every running run whose heartbeat is older than `EVALUATION_RUN_STALE_SECONDS` (its
    worker was killed, ran out of memory, or the machine restarted) and return their ids. A run is never
    left "running" without a live worker: the run's page, every live worker and `manage.py sweep_runs`
    call this."""
    now = now or timezone.now()
    seconds = float(settings.EVALUATION_RUN_STALE_SECONDS)
    cutoff = now - datetime.timedelta(seconds=seconds)
    stale = EvaluationRun.objects.filter(status=RunStatus.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    swept = []
    for run_id, beat, started in stale.values_list("pk", "heartbeat_at", "started_at"):
        last = timezone.localtime(beat or started).strftime("%Y-%m-%d %H:%M:%S")
        if _fail(run_id, LOST_WORKER.format(at=last, seconds=int(seconds)), from_states=(RunStatus.RUNNING,)):
            swept.append(run_id)
    return swept


def _number(value: float) -> float | None:
    return None if value is None or np.isnan(value) else round(float(value), 6)


@transaction.atomic
def _store(
    run: EvaluationRun,
    inputs: RunInputs,
    result: EvaluationResult,
    explanations: Explanations,
    uncertainty: UncertaintyResult | None,
    seed: int,
) -> None:
    codes = result.codes
    groups = inputs.dataset.groups
    peer_rank = np.full(len(result.units), np.nan)
    if groups is not None:
        labels = np.asarray(groups, dtype=object)
        for label in set(groups):
            members = labels == label
            peer_rank[members] = competition_ranks(result.index[members])
    screened = {s.unit: s for s in result.diagnostics.screened_out}
    rows = []
    for i, base in enumerate(inputs.bases):
        unit = result.units[i]
        included = bool(result.included[i])
        explanation = explanations.for_unit(unit) if included else None
        rows.append(
            RunResult(
                run=run,
                base=base,
                included=included,
                excluded_reason=""
                if included
                else f"数据完整率 {screened[unit].availability:.0%}，低于方案要求",
                peer_group=groups[i] if groups else "",
                score=_number(result.index[i]),
                rank=None if np.isnan(result.rank[i]) else int(result.rank[i]),
                peer_rank=None if np.isnan(peer_rank[i]) else int(peer_rank[i]),
                median_rank=_number(uncertainty.median_rank[i]) if uncertainty else None,
                rank_p05=_number(uncertainty.rank_p05[i]) if uncertainty else None,
                rank_p95=_number(uncertainty.rank_p95[i]) if uncertainty else None,
                scores={code: _number(result.values[i, j]) for j, code in enumerate(codes)},
                contributions={k: _number(v) for k, v in (explanation.contributions or {}).items()}
                if explanation
                else {},
                strengths=[_standing(s) for s in explanation.strongest] if explanation else [],
                weaknesses=[_standing(s) for s in explanation.weakest] if explanation else [],
                what_if={k: _number(v) for k, v in explanation.what_if_at_median.items()}
                if explanation
                else {},
            )
        )
    RunResult.objects.filter(run=run).delete()
    RunResult.objects.bulk_create(rows)
    diagnostics = result.diagnostics
    stored = EvaluationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=RunStatus.DONE,
        progress=100,
        stage=STAGE_DONE,
        fingerprint=inputs.fingerprint,
        seed=seed,
        unit_count=int(result.included.sum()),
        finished_at=timezone.now(),
        diagnostics={
            "weights": {k: round(v, 6) for k, v in diagnostics.weights.items()},
            "imputed": len(list(diagnostics.imputed_cells())),
            "treated": [
                {"indicator": t.indicator, "action": str(t.action), "points": t.points}
                for t in diagnostics.treatments()
            ],
            "screened_out": [s.unit for s in diagnostics.screened_out],
            "warnings": list(diagnostics.warnings),
            "names": inputs.names,
        },
        sensitivity=[
            {"input": s.input, "first_order": _number(s.first_order), "total": _number(s.total)}
            for s in (uncertainty.sensitivity or ())
        ]
        if uncertainty and uncertainty.sensitivity
        else [],
    )
    if not stored:  # marked failed meanwhile (its heartbeat stopped): the failure stands, no results
        raise EvaluationFailed(INTERRUPTED)


def _standing(s: IndicatorStanding) -> dict[str, Any]:
    """A strength or weakness as stored: value and peer median in the indicator's units, the same two as
    normalised scores, and what the index would lose (gain, when negative) with the value at the median."""
    return {
        "indicator": s.indicator,
        "value": _number(s.raw_value),
        "median": _number(s.raw_median),
        "score": _number(s.value),
        "score_median": _number(s.group_median),
        "effect": _number(s.effect),
    }
