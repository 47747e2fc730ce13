"""Benchmark of the audit log's hash chain (issue 10 item 3): what chaining adds to writing a row, and how
long `verify_audit` takes to walk the log.

Runs in a child process with a throwaway SQLite database (migrated from scratch):

    .venv/bin/python benchmarks/run.py --only audit

Rows are like the platform's: a save of 50 values (old → new of each) with a reason.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

NAME = "audit"
ROWS = 20_000
APPEND_TARGET_MS = 5
VERIFY_TARGET_S = 10  # for 100,000 rows, about a month of a busy filing season


def run() -> list[dict[str, Any]]:
    from measure import row, run_child

    r = run_child(Path(__file__))
    per_100k = r["verify_s"] / ROWS * 100_000
    cpu_per_100k = r["verify_cpu_s"] / ROWS * 100_000  # the shared machine's wall clock waits for a core
    return [
        row(
            "append one audit row in its own transaction (lock the chain head, hash, insert)",
            r["append_ms"],
            "ms",
            f"< {APPEND_TARGET_MS} ms",
            r["append_ms"] < APPEND_TARGET_MS,
            note=f"median of 200; SHA-256 of the canonical content {r['hash_us']:.0f} µs, SM3 {r['sm3_us']:.0f} µs",
        ),
        row(
            "append 1,000 rows at once (record_many: one lock, one multi-row INSERT)",
            r["bulk_ms"],
            "ms",
            "(information)",
            True,
            note="as a workbook of 212 bases writes its rows",
        ),
        row(
            f"verify_audit over {ROWS:,} rows",
            r["verify_s"],
            "s",
            f"< {VERIFY_TARGET_S} s CPU per 100,000 rows",
            cpu_per_100k < VERIFY_TARGET_S,
            note=f"CPU {r['verify_cpu_s']:.2f} s, so {cpu_per_100k:.1f} s CPU per 100,000 rows (wall {per_100k:.1f} s "
            "on this shared machine); rows of 50 values old → new each",
        ),
    ]


def child() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["SHUANGCHUANG_VAR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "shuangchuang.config.settings"
    import django

    django.setup()
    import statistics

    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    from shuangchuang.core import chain
    from shuangchuang.core.audit import record_about, record_many
    from shuangchuang.core.models import AuditEvent

    old = {f"IND_{i:02d}": str(i * 100) for i in range(50)}
    new = {f"IND_{i:02d}": str(i * 101) for i in range(50)}

    def event(i: int) -> AuditEvent:
        return AuditEvent(
            actor_name="黄填报",
            action="monitoring.value",
            object_type="monitoring.Report",
            object_id=str(i),
            object_repr=f"横州市 2025年年报 {i}",
            old_value=old,
            new_value=new,
            reason="Excel 导入（填报.xlsx）",
        )

    times = []
    for i in range(200):
        start = time.perf_counter()
        with transaction.atomic():
            record_about(
                None, "monitoring.value", "monitoring.Report", str(i), "x", old=old, new=new, reason="r"
            )
        times.append(time.perf_counter() - start)
    sample = AuditEvent.objects.order_by("-seq").first()
    assert sample is not None
    content = chain.canonical(sample)
    start = time.perf_counter()
    for _ in range(1000):
        chain.digest("sha256", content)
    hash_us = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    for _ in range(1000):
        chain.digest("sm3", content)
    sm3_us = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    record_many(event(i) for i in range(1000))
    bulk_ms = (time.perf_counter() - start) * 1000
    remaining = ROWS - AuditEvent.objects.count()
    for offset in range(0, remaining, 2000):
        record_many(event(i) for i in range(offset, min(remaining, offset + 2000)))
    start, cpu = time.perf_counter(), time.process_time()
    result = chain.verify()
    verify_s, verify_cpu_s = time.perf_counter() - start, time.process_time() - cpu
    assert result.ok and result.rows == ROWS, result
    print(
        json.dumps(
            {
                "append_ms": statistics.median(times) * 1000,
                "bulk_ms": bulk_ms,
                "hash_us": hash_us,
                "sm3_us": sm3_us,
                "verify_s": verify_s,
                "verify_cpu_s": verify_cpu_s,
            }
        )
    )


if __name__ == "__main__":
    if "--child" in sys.argv:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
        child()
    else:
        raise SystemExit("run it through benchmarks/run.py --only audit")
