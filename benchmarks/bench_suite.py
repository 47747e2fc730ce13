"""The test suite's speed on this machine (issue 9 item 7): the non-browser tests per second and the
browser tests' time, wall clock.

    .venv/bin/python benchmarks/run.py --only suite            # one run, its rows into RESULTS.md
    .venv/bin/python benchmarks/bench_suite.py                 # the same, printed (no RESULTS.md)
    SUITE_ARGS="-n 0" .venv/bin/python benchmarks/run.py --only suite   # in one process, without xdist

Runs `pytest -m "not browser"`, then `pytest -m browser`, each once in a child process exactly as `dev.py
test` starts it (one xdist worker per core, bytecode kept: `dev.py`'s `pytest_command` and
`test_environment`; on SQLite unless DATABASE_URL says otherwise), reads pytest's own summary line (passed,
skipped, failed, seconds) and the child's CPU time (for the browser tests that leaves out most of
Chromium's, whose processes are not the test processes' children). The wall clock is what the issue asks
for; on a machine shared with other work it includes the time spent waiting for a core, so the row also
gives the CPU seconds and the load average while it ran: tests per CPU second is the figure that does not
depend on the neighbours. The slowest tests (`--durations`) are written to var/suite-durations.txt and
var/suite-durations-browser.txt.
"""

from __future__ import annotations

import os
import re
import resource
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

NAME = "suite"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import dev  # noqa: E402  (the project's dev.py: the test command and environment)

# the arguments every run has, left out of the row's name
QUIET = {"-q", "-p", "no:cacheprovider", "-m", "not browser", "browser", "--durations=30"}
TARGET = 40.0  # tests per second, wall clock
BROWSER_TARGET = 60.0  # seconds, wall clock, for all the browser tests
# pytest's last line: "1245 passed, 2 skipped, 26 deselected in 611.32s (0:10:11)" (with -q no banner)
SUMMARY = re.compile(r"^=*\s*(?P<counts>\d+ \w+(?:, \d+ \w+)*) in (?P<seconds>[\d.]+)s", re.MULTILINE)


def _counts(line: str) -> dict[str, int]:
    return {word: int(number) for number, word in re.findall(r"(\d+) (\w+)", line)}


def measure(marker: str = "not browser") -> dict[str, Any]:
    extra = shlex.split(os.environ.get("SUITE_ARGS", ""))
    command = dev.pytest_command(["-q", "-p", "no:cacheprovider", "-m", marker, "--durations=30", *extra])
    command[0] = sys.executable
    load_before = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=ROOT, env=dev.test_environment(), capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_after = os.getloadavg()[0]
    out = result.stdout
    (ROOT / "var").mkdir(exist_ok=True)
    (ROOT / "var" / f"suite-durations{'' if marker == 'not browser' else '-browser'}.txt").write_text(
        out[out.find("slowest") - 40 :] if "slowest" in out else out
    )
    matches = list(SUMMARY.finditer(out))  # pytest's own summary is the last such line
    match = matches[-1] if matches else None
    if match is None:
        raise SystemExit(f"no pytest summary in the output:\n{out[-3000:]}\n{result.stderr[-3000:]}")
    counts = _counts(match["counts"])
    ran = (
        counts.get("passed", 0) + counts.get("failed", 0) + counts.get("skipped", 0) + counts.get("error", 0)
    )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "tests": ran,
        "counts": counts,
        "wall": wall,
        "pytest_seconds": float(match["seconds"]),
        "cpu": cpu,
        "load": (load_before, load_after),
        "args": " ".join(a for a in command[3:] if a not in QUIET) or "(none)",
        "returncode": result.returncode,
    }


def run() -> list[dict[str, Any]]:
    m = measure()
    b = measure("browser")
    per_second = m["tests"] / m["wall"]
    per_cpu_second = m["tests"] / m["cpu"] if m["cpu"] else 0.0
    counts = ", ".join(f"{n} {w}" for w, n in m["counts"].items())
    noisy = f"load average {m['load'][0]:.1f} → {m['load'][1]:.1f} on 2 cores (the test workers themselves load both)"
    if m["load"][0] > 2.5:  # more than the two workers were running before the suite started
        noisy += ": other work ran at the same time, so the wall clock is noisy (mostly waiting for a core)"
    return [
        {
            "name": f"non-browser suite, wall clock (pytest args: {m['args']})",
            "value": per_second,
            "unit": "tests/s",
            "target": f"≥ {TARGET:.0f} tests/s",
            "passed": per_second >= TARGET and m["returncode"] == 0,
            "peak_memory_mb": None,
            "note": f"{counts} in {m['wall']:.1f} s; {noisy}",
        },
        {
            "name": "same run, per CPU second of the test processes",
            "value": per_cpu_second,
            "unit": "tests/CPU s",
            "target": "(information)",
            "passed": True,
            "peak_memory_mb": None,
            "note": f"{m['cpu']:.1f} CPU s (user + system, pytest and its workers); slowest: var/suite-durations.txt",
        },
        {
            "name": f"browser tests, wall clock (pytest args: {b['args']})",
            "value": b["wall"],
            "unit": "s",
            "target": f"< {BROWSER_TARGET:.0f} s",
            "passed": b["wall"] < BROWSER_TARGET and b["returncode"] == 0,
            "peak_memory_mb": None,
            "note": (
                f"{', '.join(f'{n} {w}' for w, n in b['counts'].items())}; pytest's own count "
                f"{b['pytest_seconds']:.1f} s; slowest: var/suite-durations-browser.txt"
            ),
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']}: {row['value']:.1f} {row['unit']} ({row['note']})")
