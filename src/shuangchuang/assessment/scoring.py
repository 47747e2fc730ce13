"""The arithmetic of an annual assessment, as pure functions over plain values (no Django).

A base's total combines the engine's quantitative index (from a stored evaluation run, never recomputed
here) with the qualitative scores of the reviewers, by the cycle's weights, plus bonus items (加分项) that
may lift it past 100. Grades come from configurable cut-offs; ranks are taken within the direction and
within the peer group. `propose` turns the ranked rows into proposals with their reasons, and
`simulate` gives each base's interval of totals and ranks under perturbed weights and scores, which the
uncertainty guard compares with the cut-offs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

EXCELLENT, GOOD, PASS, FAIL = "excellent", "good", "pass", "fail"
GRADE_ORDER = (EXCELLENT, GOOD, PASS, FAIL)

COMMEND, RECTIFY, WITHDRAW, HUMAN, NONE = "commend", "rectify", "withdraw", "human", "none"


def rubric_points(value: float, *, floor: float, at_floor: float, per_unit: float, cap: float) -> float:
    """Officials' rubric: 0 below the floor, `at_floor` points at it, `per_unit` more for each unit above,
    never more than `cap`."""
    if value < floor:
        return 0.0
    return float(min(cap, at_floor + per_unit * (value - floor)))


@dataclass(frozen=True)
class BonusRule:
    code: str
    name: str
    floor: float = 1.0
    at_floor: float = 1.0
    per_unit: float = 1.0
    cap: float = 3.0

    def points(self, value: float) -> float:
        return rubric_points(
            value, floor=self.floor, at_floor=self.at_floor, per_unit=self.per_unit, cap=self.cap
        )


@dataclass(frozen=True)
class Rules:
    """A cycle's settings: weights, grade cut-offs and the adjustment rules (stored as JSON on the cycle)."""

    quantitative_weight: float = 0.6
    qualitative_weight: float = 0.4
    # qualitative sources and their weights (renormalised over the sources a base has)
    expert_weight: float = 0.5
    site_weight: float = 0.3
    peer_weight: float = 0.2
    # lowest total of each grade (优秀 ≥ 85, 良好 ≥ 75, 合格 ≥ 60, 不合格 below)
    excellent_from: float = 85.0
    good_from: float = 75.0
    pass_from: float = 60.0
    max_bonus: float = 5.0
    commend_top: int = 1  # places per peer group
    commend_min_grade: str = EXCELLENT
    max_missed_periods: int = 1  # a base that missed more periods failed the mandatory condition
    spread: float = 20.0  # reviewers of one base further apart than this: arbitration
    min_reviewers: int = 2
    rectification_days: int = 90
    replications: int = 1000
    weight_noise: float = 0.25
    bonus_rules: tuple[BonusRule, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "bonus_rules"}
        data["bonus_rules"] = [vars(rule) for rule in self.bonus_rules]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rules:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "bonus_rules"}
        bonus = tuple(BonusRule(**rule) for rule in data.get("bonus_rules", ()))
        return cls(**known, bonus_rules=bonus)

    def with_changes(self, **changes: Any) -> Rules:
        return replace(self, **changes)

    def cut_offs(self) -> tuple[float, float, float]:
        return (self.excellent_from, self.good_from, self.pass_from)


def grade_of(total: float, rules: Rules) -> str:
    if total >= rules.excellent_from:
        return EXCELLENT
    if total >= rules.good_from:
        return GOOD
    if total >= rules.pass_from:
        return PASS
    return FAIL


def grade_at_least(grade: str, minimum: str) -> bool:
    return GRADE_ORDER.index(grade) <= GRADE_ORDER.index(minimum)


def qualitative_score(
    expert: Sequence[float], site: Sequence[float], peer: Sequence[float], rules: Rules
) -> float | None:
    """The weighted mean of each source's mean (0–100), over the sources that have scores."""
    parts = [
        (rules.expert_weight, expert),
        (rules.site_weight, site),
        (rules.peer_weight, peer),
    ]
    used = [(w, float(np.mean(s))) for w, s in parts if len(s) and w > 0]
    if not used:
        return None
    return sum(w * m for w, m in used) / sum(w for w, _m in used)


def combined_total(
    quantitative: float | None, qualitative: float | None, bonus: float, rules: Rules
) -> float | None:
    """quantitative × its weight + qualitative × its weight (renormalised when one is missing) + bonus
    (capped at `max_bonus`)."""
    parts = [(rules.quantitative_weight, quantitative), (rules.qualitative_weight, qualitative)]
    used = [(w, v) for w, v in parts if v is not None and w > 0]
    if not used:
        return None
    base = sum(w * v for w, v in used) / sum(w for w, _v in used)
    return base + min(max(bonus, 0.0), rules.max_bonus)


def competition_ranks(values: Sequence[float]) -> list[int]:
    """Ranks with ties sharing the better place (1, 2, 2, 4), the highest value first."""
    return [1 + sum(1 for other in values if other > v) for v in values]


def spread_of(scores: Sequence[float]) -> float:
    return float(max(scores) - min(scores)) if len(scores) > 1 else 0.0


@dataclass
class Row:
    """One base in a cycle: what the rules need, in plain values."""

    base_id: int
    direction: str
    peer_group: str
    quantitative: float | None
    # the engine's interval of the quantitative score (from its rank interval), or the score itself
    quantitative_low: float | None = None
    quantitative_high: float | None = None
    expert: list[float] = field(default_factory=list)
    site: list[float] = field(default_factory=list)
    peer: list[float] = field(default_factory=list)
    bonus: float = 0.0
    missed_periods: int = 0
    late_periods: int = 0
    open_flags: int = 0
    failed_last_cycle: bool = False
    # computed
    qualitative: float | None = None
    total: float | None = None
    grade: str = ""
    rank: int | None = None
    peer_rank: int | None = None
    total_low: float | None = None
    total_high: float | None = None
    rank_low: float | None = None
    rank_high: float | None = None
    arbitration: bool = False
    outcome: str = NONE
    reasons: list[dict[str, Any]] = field(default_factory=list)


def score_rows(rows: list[Row], rules: Rules) -> list[Row]:
    """Totals, grades, ranks in direction and peer group, and the arbitration flag, set on the rows."""
    for row in rows:
        row.qualitative = qualitative_score(row.expert, row.site, row.peer, rules)
        row.total = combined_total(row.quantitative, row.qualitative, row.bonus, rules)
        row.grade = grade_of(row.total, rules) if row.total is not None else ""
        reviewers = row.expert + row.site
        row.arbitration = spread_of(reviewers) > rules.spread
    for key, attribute in (("direction", "rank"), ("peer_group", "peer_rank")):
        groups: dict[tuple[str, ...], list[Row]] = defaultdict(list)
        for row in rows:
            if row.total is not None:
                groups[(row.direction,) if key == "direction" else (row.direction, row.peer_group)].append(
                    row
                )
        for members in groups.values():
            for row, rank in zip(members, competition_ranks([r.total or 0.0 for r in members]), strict=True):
                setattr(row, attribute, rank)
    return rows


def simulate(rows: list[Row], rules: Rules, seed: int = 20201231) -> list[Row]:
    """Each base's 5–95 % interval of total and of peer-group rank over `rules.replications` draws: the
    two weights perturbed by ±`weight_noise`, the quantitative score drawn within the engine's interval,
    each qualitative source's mean bootstrapped from its reviewers. Vectorised: one array per quantity."""
    scored = [r for r in rows if r.total is not None]
    if not scored:
        return rows
    n, reps = len(scored), max(rules.replications, 1)
    rng = np.random.default_rng(seed)
    noise = rules.weight_noise
    wq = rules.quantitative_weight * rng.uniform(1 - noise, 1 + noise, reps)
    wl = rules.qualitative_weight * rng.uniform(1 - noise, 1 + noise, reps)
    quant = np.empty((reps, n))
    qual = np.empty((reps, n))
    has_quant = np.array([r.quantitative is not None for r in scored])
    has_qual = np.array([r.qualitative is not None for r in scored])
    for j, row in enumerate(scored):
        if row.quantitative is None:
            quant[:, j] = 0.0
        else:
            low = row.quantitative_low if row.quantitative_low is not None else row.quantitative
            high = row.quantitative_high if row.quantitative_high is not None else row.quantitative
            quant[:, j] = rng.uniform(min(low, high), max(low, high), reps)
        qual[:, j] = _bootstrap_qualitative(row, rules, rng, reps) if row.qualitative is not None else 0.0
    weight_q = np.where(has_quant, 1.0, 0.0)[None, :] * wq[:, None]
    weight_l = np.where(has_qual, 1.0, 0.0)[None, :] * wl[:, None]
    bonus = np.array([min(max(r.bonus, 0.0), rules.max_bonus) for r in scored])[None, :]
    totals = (weight_q * quant + weight_l * qual) / (weight_q + weight_l) + bonus
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for j, row in enumerate(scored):
        groups[(row.direction, row.peer_group)].append(j)
    ranks = np.empty_like(totals)
    for members in groups.values():
        block = totals[:, members]
        # rank 1 for the highest: 1 + how many in the group score more, per replication
        ranks[:, members] = 1 + (block[:, None, :] > block[:, :, None]).sum(axis=2)
    low_t, high_t = np.percentile(totals, [5, 95], axis=0)
    low_r, high_r = np.percentile(ranks, [5, 95], axis=0)
    for j, row in enumerate(scored):
        row.total_low, row.total_high = float(low_t[j]), float(high_t[j])
        row.rank_low, row.rank_high = float(low_r[j]), float(high_r[j])
    return rows


def _bootstrap_qualitative(row: Row, rules: Rules, rng: np.random.Generator, reps: int) -> np.ndarray:
    parts = [(rules.expert_weight, row.expert), (rules.site_weight, row.site), (rules.peer_weight, row.peer)]
    used = [(w, np.asarray(s, dtype=float)) for w, s in parts if len(s) and w > 0]
    total_weight = sum(w for w, _s in used)
    result = np.zeros(reps)
    for w, scores in used:
        draws = scores[rng.integers(0, len(scores), size=(reps, len(scores)))].mean(axis=1)
        result += w * draws
    return result / total_weight


def _crosses(low: float | None, high: float | None, cut: float) -> bool:
    return low is not None and high is not None and low < cut <= high


def reason(code: str, **params: Any) -> dict[str, Any]:
    return {"code": code, "params": params}


def propose(rows: list[Row], rules: Rules) -> list[Row]:
    """Set each row's proposed outcome and the reasons for it (codes with parameters, shown translated).

    - withdrawal: failing this cycle and the last one (two consecutive failing cycles), or more periods
      without a report than `max_missed_periods` (the mandatory condition);
    - rectification: the bottom grade;
    - commendation: within the top `commend_top` of the peer group, at least `commend_min_grade`, every
      period reported on time, no open data-quality flags;
    - human decision instead of any of these when the base's interval crosses the cut-off that decides it
      (the uncertainty guard), or its reviewers disagree beyond the spread (arbitration). A failed
      mandatory condition is a fact, not a score: it is never held back by the guard.
    """
    for row in rows:
        row.outcome, row.reasons = NONE, []
        if row.missed_periods > rules.max_missed_periods:
            row.outcome = WITHDRAW
            row.reasons.append(reason("missed_periods", count=row.missed_periods))
            continue
        if row.total is None:
            row.reasons.append(reason("no_score"))
            continue
        if row.arbitration:
            row.outcome = HUMAN
            row.reasons.append(reason("arbitration", spread=round(spread_of(row.expert + row.site), 1)))
            continue
        if row.grade == FAIL:
            if _crosses(row.total_low, row.total_high, rules.pass_from):
                row.outcome = HUMAN
                row.reasons.append(
                    reason(
                        "interval_crosses_pass",
                        low=_r(row.total_low),
                        high=_r(row.total_high),
                        cut=rules.pass_from,
                    )
                )
            elif row.failed_last_cycle:
                row.outcome = WITHDRAW
                row.reasons.append(reason("two_fails", total=_r(row.total)))
            else:
                row.outcome = RECTIFY
                row.reasons.append(reason("fail_grade", total=_r(row.total), cut=rules.pass_from))
            continue
        if row.peer_rank is not None and row.peer_rank <= rules.commend_top:
            blockers = []
            if not grade_at_least(row.grade, rules.commend_min_grade):
                blockers.append(reason("grade_too_low", grade=row.grade))
            if row.late_periods or row.missed_periods:
                blockers.append(
                    reason("reporting_incomplete", late=row.late_periods, missed=row.missed_periods)
                )
            if row.open_flags:
                blockers.append(reason("open_flags", count=row.open_flags))
            if blockers:
                row.reasons.extend(blockers)
                continue
            cut = _commend_cut(rules)
            if (row.rank_high is not None and row.rank_high > rules.commend_top) or _crosses(
                row.total_low, row.total_high, cut
            ):
                row.outcome = HUMAN
                row.reasons.append(
                    reason(
                        "interval_crosses_commend",
                        rank_low=_r(row.rank_low),
                        rank_high=_r(row.rank_high),
                        places=rules.commend_top,
                    )
                )
                continue
            row.outcome = COMMEND
            row.reasons.append(
                reason("top_of_group", rank=row.peer_rank, group=row.peer_group, total=_r(row.total))
            )
    return rows


def _commend_cut(rules: Rules) -> float:
    return {EXCELLENT: rules.excellent_from, GOOD: rules.good_from, PASS: rules.pass_from}.get(
        rules.commend_min_grade, rules.pass_from
    )


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def evaluate(rows: Iterable[Row], rules: Rules) -> list[Row]:
    """Score, simulate and propose: the whole of a cycle's rules over fresh copies of the rows."""
    fresh = [
        replace(r, expert=list(r.expert), site=list(r.site), peer=list(r.peer), reasons=[]) for r in rows
    ]
    return propose(simulate(score_rows(fresh, rules), rules), rules)
