"""Run the benchmarks and rewrite benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/run.py                # every benchmarks/bench_*.py
    .venv/bin/python benchmarks/run.py --only engine  # one module (its NAME); the others' sections stay
    .venv/bin/python benchmarks/run.py --blas-threads default   # let OpenBLAS pick its thread count

BLAS runs with one thread unless told otherwise: on this shared 2-core machine OpenBLAS's worker
threads wait for a core and make small matrix products 10-100x slower, and the app's workers
(several processes) should run with one BLAS thread each anyway.

A benchmark module is any `benchmarks/bench_<name>.py` that defines `NAME = "<name>"` and
`run() -> list[dict]`, one dict per measurement with keys:

    name            what was measured
    value           the measured number (float)
    unit            "ms", "s", "x" …
    target          the target as text ("< 5 ms")
    passed          bool
    peak_memory_mb  peak traced memory of the measured call (tracemalloc), or None
    note            optional remark

`measure.py` has helpers for timing and peak memory. Adding a module needs no change here.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import os
import platform
import re
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
sys.path.insert(0, str(HERE.parent / "src"))  # the package is not pip-installed yet
sys.path.insert(0, str(HERE))


def available() -> list[str]:
    """Benchmark names: `bench_<name>.py` defines NAME = "<name>"."""
    return [path.stem.removeprefix("bench_") for path in sorted(HERE.glob("bench_*.py"))]


def load(name: str) -> ModuleType:
    """Import one benchmark module (only the chosen ones are imported: some need Django set up)."""
    path = HERE / f"bench_{name}.py"
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if name != module.NAME:
        raise SystemExit(f"{path.name} must define NAME = {name!r}")
    return module


def host() -> str:
    """The processor and its cores, as the results name the machine they were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cpu}, {os.cpu_count()} cores ({usable} usable by this process), shared with other work"


def machine(date: str) -> list[str]:
    import numpy as np
    import scipy

    blas = "unknown"
    try:
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{config.get('name')} {config.get('version')}"
    except (KeyError, TypeError, AttributeError):  # the config format differs between NumPy versions
        pass
    threads = {k: v for k, v in os.environ.items() if k.endswith("_NUM_THREADS")}
    return [
        f"- Machine: {host()}",
        f"- Python {platform.python_version()}, NumPy {np.__version__} (BLAS: {blas}), SciPy {scipy.__version__}",
        f"- Thread settings: {threads or 'defaults'}",
        f"- Date: {date}",
    ]


def render(name: str, rows: list[dict], measured_on: str) -> str:
    lines = [
        f"<!-- bench:{name} -->",
        f"## {name}",
        "",
        measured_on,
        "",
        "| benchmark | measured | target | peak memory | result | note |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        memory = row.get("peak_memory_mb")
        memory_text = "—" if memory is None else f"{memory:,.1f} MB"
        value = row["value"]
        value_text = f"{value:,.3g} {row['unit']}" if abs(value) < 1000 else f"{value:,.0f} {row['unit']}"
        lines.append(
            f"| {row['name']} | {value_text} | {row['target']} | {memory_text} | "
            f"{'pass' if row['passed'] else 'FAIL'} | {row.get('note', '')} |"
        )
    lines.append(f"<!-- /bench:{name} -->")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="run benchmarks and rewrite benchmarks/RESULTS.md")
    parser.add_argument("--only", action="append", metavar="NAME", help="run only this module (repeatable)")
    parser.add_argument(
        "--blas-threads",
        default="1",
        metavar="N",
        help="BLAS threads (default 1; 'default' = the library's choice)",
    )
    args = parser.parse_args()
    if args.blas_threads != "default":  # must happen before NumPy is imported
        for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[variable] = args.blas_threads
    names = available()
    chosen = args.only or names
    unknown = [name for name in chosen if name not in names]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; there are: {', '.join(names)}")

    sections: dict[str, str] = {}
    if RESULTS.exists():
        text = RESULTS.read_text(encoding="utf-8")
        for match in re.finditer(r"<!-- bench:(\w+) -->.*?<!-- /bench:\1 -->", text, flags=re.S):
            sections[match.group(1)] = match.group(0)
    failed = False
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    measured_on = f"Measured on {host()}; {date}."
    for name in chosen:
        print(f"running {name} …", flush=True)
        rows = load(name).run()
        for row in rows:
            status = "pass" if row["passed"] else "FAIL"
            print(f"  {row['name']}: {row['value']:.4g} {row['unit']} (target {row['target']}) {status}")
            failed |= not row["passed"]
        sections[name] = render(name, rows, measured_on)

    header = [
        "# Benchmark results",
        "",
        "Written by `benchmarks/run.py`; do not edit by hand. Times are wall-clock: the median of",
        "several runs for short measurements, one run for long ones. Peak memory is what tracemalloc",
        "saw allocated during one run of the measured call (NumPy reports its arrays to it).",
        "Machines differ from run to run (and a shared one from hour to hour): each section names the",
        "machine and time it was measured on; a section without that line is older than the line.",
        "",
        "The latest run:",
        "",
        *machine(date),
        "",
    ]
    body = "\n\n".join(sections[name] for name in sorted(sections))
    RESULTS.write_text("\n".join(header) + "\n" + body + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
