"""Benchmarks of the annual assessment (targets from issue 12): a what-if of the whole cycle (92 bases,
1,000 replications for the rank intervals) and the 通报 of a decision.

A child process sets up a throwaway SQLite database with the shipped registry, one finished evaluation
run per direction over the 92 third-batch bases (scores and rank intervals from a fixed seed), a cycle
over them with two submitted expert sheets per base, and a proposed, reviewed and approved decision.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

NAME = "assessment"
HERE = Path(__file__).resolve().parent
WHAT_IF_TARGET_S = 1.0
BULLETIN_TARGET_S = 2.0
REPEAT = 5


def run() -> list[dict[str, Any]]:
    from measure import row, run_child

    r = run_child(Path(__file__))
    what_if, rules_only, pdf, docx, first = r["what_if"], r["rules_only"], r["pdf"], r["docx"], r["pdf_first"]
    return [
        row(
            "what-if of a whole cycle: 92 bases, current and changed rules, 1,000 replications each",
            what_if["wall_ms"] / 1000,
            "s",
            f"< {WHAT_IF_TARGET_S:g} s",
            what_if["wall_ms"] / 1000 < WHAT_IF_TARGET_S,
            note=f"CPU {what_if['cpu_ms']:.0f} ms; server time of `save_what_if`: reads the stored run results, "
            f"sheets and reports, evaluates both rule sets, saves the what-if; median of {REPEAT}",
        ),
        row(
            "same, the rules alone (scores, ranks, rank intervals, proposals) for one rule set",
            rules_only["wall_ms"],
            "ms",
            "(information)",
            True,
            note=f"CPU {rules_only['cpu_ms']:.0f} ms; NumPy, vectorised over bases and replications",
        ),
        row(
            "通报 of a decision as PDF (GB/T 9704 layout, CJK font subset embedded)",
            pdf["wall_ms"] / 1000,
            "s",
            f"< {BULLETIN_TARGET_S:g} s",
            pdf["wall_ms"] / 1000 < BULLETIN_TARGET_S,
            note=f"CPU {pdf['cpu_ms']:.0f} ms; {r['items']} decided bases; median of {REPEAT}, fonts already read "
            f"by the process (the first document of a process: {first['wall_ms'] / 1000:.2f} s)",
        ),
        row(
            "通报 of a decision as .docx",
            docx["wall_ms"],
            "ms",
            f"< {BULLETIN_TARGET_S * 1000:.0f} ms",
            docx["wall_ms"] / 1000 < BULLETIN_TARGET_S,
            note=f"CPU {docx['cpu_ms']:.0f} ms; python-docx; median of {REPEAT}",
        ),
    ]


def _timed(call: Callable[[], Any], repeat: int = REPEAT, warmup: int = 1) -> dict[str, float]:
    for _ in range(warmup):
        call()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"wall_ms": statistics.median(walls) * 1000, "cpu_ms": statistics.median(cpus) * 1000}


def child() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-assessment-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["SHUANGCHUANG_VAR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "shuangchuang.config.settings"
    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from shuangchuang.accounts.models import Role, User
    from shuangchuang.assessment import documents, scoring, services
    from shuangchuang.assessment.models import ScoreSheet, Source, Stage
    from shuangchuang.assessment.selectors import cycle_rows
    from shuangchuang.evaluation.models import EvaluationRun, EvaluationScheme, RunResult, RunStatus
    from shuangchuang.registry.models import Base, Direction
    from shuangchuang.registry.services import load_registry

    load_registry()
    admin = User.objects.create(username="bench-admin", role=Role.NATIONAL_ADMIN)
    member = User.objects.create(username="bench-member", role=Role.JOINT_MEMBER)
    experts = [User.objects.create(username=f"bench-expert-{n}", role=Role.EVALUATOR) for n in range(2)]
    rng = np.random.default_rng(7)
    runs = []
    for direction in Direction.objects.filter(kind="direction"):
        bases = list(Base.objects.filter(direction=direction, batch__number=3))
        scheme = EvaluationScheme.objects.create(
            name=f"2025 {direction.code}", direction=direction, year=2025
        )
        run = EvaluationRun.objects.create(scheme=scheme, status=RunStatus.DONE, progress=100)
        scores = rng.uniform(35, 98, len(bases))
        order = np.argsort(-scores)
        for rank, j in enumerate(order, start=1):
            spread = float(rng.integers(0, 4))
            RunResult.objects.create(
                run=run,
                base=bases[j],
                score=float(scores[j]),
                rank=rank,
                rank_p05=max(1, rank - spread),
                rank_p95=min(len(bases), rank + spread),
                median_rank=rank,
            )
        runs.append(run)
    deadlines = {stage: timezone.localdate() for stage in Stage.values}
    cycle = services.open_cycle(admin, year=2025, deadlines=deadlines, runs=runs, rules=scoring.Rules())
    now = timezone.now()
    sheets = [
        ScoreSheet(
            cycle=cycle,
            base=base,
            source=Source.EXPERT,
            evaluator=e,
            total=float(rng.uniform(40, 98)),
            submitted_at=now,
        )
        for base in Base.objects.filter(batch__number=3)
        for e in experts
    ]
    ScoreSheet.objects.bulk_create(sheets)
    changed = cycle.get_rules().with_changes(pass_from=65.0, quantitative_weight=0.5, qualitative_weight=0.5)
    what_if = _timed(lambda: services.save_what_if(admin, cycle, "bench", changed))
    rows, _ids = cycle_rows(cycle)
    rules_only = _timed(lambda: scoring.evaluate(rows, cycle.get_rules()))
    services.compute_results(admin, cycle)
    decision = services.propose_decision(admin, cycle)
    decision.items.filter(action="human").update(action="none", change_reason="bench")
    services.review_decision(admin, decision)
    services.approve_decision(member, decision)
    first_start = (time.perf_counter(), time.process_time())
    documents.render_pdf(decision, "bulletin")
    pdf_first = {"wall_ms": (time.perf_counter() - first_start[0]) * 1000}
    result = {
        "what_if": what_if,
        "rules_only": rules_only,
        "pdf_first": pdf_first,
        "pdf": _timed(lambda: documents.render_pdf(decision, "bulletin")),
        "docx": _timed(lambda: documents.render_docx(decision, "bulletin")),
        "items": decision.items.exclude(action="none").count(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    if "--child" in sys.argv:
        sys.path.insert(0, str(HERE.parent / "src"))
        child()
    else:
        sys.path.insert(0, str(HERE))
        for item in run():
            print(item)
