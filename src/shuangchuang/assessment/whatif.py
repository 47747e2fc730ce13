"""The what-if bench: the cycle's stored inputs evaluated under the current rules and under changed ones,
side by side. Nothing here writes: the stored results stay as they are."""

from __future__ import annotations

from typing import Any

from shuangchuang.registry.models import Base

from . import scoring
from .models import AssessmentCycle
from .selectors import cycle_rows


def compare(
    cycle: AssessmentCycle, rules: scoring.Rules, rows: list[scoring.Row] | None = None
) -> dict[str, Any]:
    """Who would be commended, warned (rectification) or proposed for withdrawal under the current rules
    and under `rules`, each with total, grade and rank interval; `changed` counts the bases whose outcome
    differs."""
    if rows is None:
        rows, _ids = cycle_rows(cycle)
    current = {r.base_id: r for r in scoring.evaluate(rows, cycle.get_rules())}
    alternative = {r.base_id: r for r in scoring.evaluate(rows, rules)}
    names = dict(Base.objects.filter(pk__in=current).values_list("pk", "short_name"))
    out = []
    for base_id, now in current.items():
        then = alternative[base_id]
        if now.outcome == scoring.NONE and then.outcome == scoring.NONE:
            continue
        out.append(
            {
                "base_id": base_id,
                "name": names.get(base_id, ""),
                "direction": now.direction,
                "peer_group": now.peer_group,
                "current": _side(now),
                "alternative": _side(then),
                "changed": now.outcome != then.outcome,
            }
        )
    out.sort(key=lambda row: (not row["changed"], row["direction"], row["name"]))

    def tally(rows_by_id: dict[int, scoring.Row]) -> dict[str, int]:
        counts = dict.fromkeys((scoring.COMMEND, scoring.RECTIFY, scoring.WITHDRAW, scoring.HUMAN), 0)
        for row in rows_by_id.values():
            if row.outcome in counts:
                counts[row.outcome] += 1
        return counts

    return {
        "rows": out,
        "current": tally(current),
        "alternative": tally(alternative),
        "changed": sum(1 for row in out if row["changed"]),
    }


def _side(row: scoring.Row) -> dict[str, Any]:
    return {
        "outcome": row.outcome,
        "total": None if row.total is None else round(row.total, 2),
        "grade": row.grade,
        "peer_rank": row.peer_rank,
        "rank_low": None if row.rank_low is None else round(row.rank_low, 1),
        "rank_high": None if row.rank_high is None else round(row.rank_high, 1),
        "reasons": row.reasons,
    }
