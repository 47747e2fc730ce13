"""Timing and memory helpers shared by the benchmark modules."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any


def seconds(call: Callable[[], Any], repeat: int = 5, warmup: int = 1) -> float:
    """Median wall-clock seconds of `repeat` calls after `warmup` untimed ones."""
    return timing(call, repeat, warmup)[0]


def timing(call: Callable[[], Any], repeat: int = 5, warmup: int = 1) -> tuple[float, float]:
    """(median wall-clock seconds, median CPU seconds of this process) of `repeat` calls.

    On a machine shared with other work the wall clock includes waiting for a core; the CPU time
    does not, so it shows what the code itself costs.
    """
    for _ in range(warmup):
        call()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def peak_memory_mb(call: Callable[[], Any]) -> float:
    """Peak memory traced during one call, in MB (tracemalloc sees NumPy's array buffers)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return (peak - base) / 1e6


def row(
    name: str,
    value: float,
    unit: str,
    target: str,
    passed: bool,
    memory: float | None = None,
    note: str = "",
) -> dict[str, Any]:
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "target": target,
        "passed": bool(passed),
        "peak_memory_mb": memory,
        "note": note,
    }


def run_child(script: Path) -> dict[str, Any]:
    """Run `script --child` in a fresh interpreter (its own Django set-up and database) and return the
    JSON object it prints last."""
    import json
    import os
    import subprocess
    import sys

    here = Path(__file__).resolve().parent
    output = subprocess.run(
        [sys.executable, str(script.resolve()), "--child"],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(here.parent / "src"), str(here)])},
    )
    return json.loads(output.stdout.strip().splitlines()[-1])
