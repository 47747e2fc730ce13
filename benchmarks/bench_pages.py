"""Server time and queries of every main page at the demo's data size (issue 14: no signed-in page above
50 ms of server time).

The measurement runs in a child process with a throwaway SQLite database made by `setup_demo` (the data a
demo install shows), so it never touches the demo database:

    .venv/bin/python benchmarks/run.py --only pages
    .venv/bin/python benchmarks/bench_pages.py --profile /bases/ moe_member   # where one page's time goes

Each page is requested through Django's test client with a signed-in session (`sessions.py`): the time is
the whole server side — middleware, session, queries, template — without the network. Wall time is the
median of 15 requests after 3 warm-up ones; CPU is this process's time (on a shared machine the wall clock
also counts waiting for a core: with other work on both cores it was 2-4x the CPU time). The measured
column is the server process's CPU time, SQLite's queries included (they run in the process); the note
gives the wall time and the machine's load average (runnable processes per 2 cores) during the run.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

NAME = "pages"
HERE = Path(__file__).resolve().parent
TARGET_MS = 50
REPEAT = 15

# (label, user, path): {run}, {report}, {base} are filled from the demo data
PAGES = [
    ("home, national administrator", "ndrc", "/"),
    ("home, provincial authority", "gx_drc", "/"),
    ("home, base operator", "hengzhou", "/"),
    ("base list, 50 of 142 bases", "moe_member", "/bases/"),
    ("base list, third batch (92 bases, page 1)", "moe_member", "/bases/?batch=3"),
    ("base list, rows only (htmx filter)", "moe_member", "/bases/?batch=3&hx=1"),
    ("provinces summary", "ndrc", "/bases/provinces/"),
    ("a base's page", "ndrc", "/bases/{base}/"),
    ("report list, national administrator", "ndrc", "/monitoring/"),
    ("report list, provincial authority", "gx_drc", "/monitoring/"),
    ("a report", "ndrc", "/monitoring/reports/{report}/"),
    ("completeness, national", "ndrc", "/monitoring/completeness/"),
    ("completeness, every base", "ndrc", "/monitoring/completeness/?authority=all"),
    ("evaluation runs", "ndrc", "/evaluation/"),
    ("ranking (a run's results)", "ndrc", "/evaluation/runs/{run}/"),
    ("audit log, auditor", "auditor", "/audit/"),
    ("a base's page with its work records", "hengzhou", "/bases/B3-012/"),
    ("support policies, national register", "ndrc", "/records/policies/"),
    ("policy-count check, provincial authority", "gx_drc", "/records/policies/check/"),
    ("overdue problems, national", "ndrc", "/records/problems/?overdue=1"),
    ("experiences library, searched", "moe_member", "/records/experiences/?q=科技成果转化"),
]


def run() -> list[dict[str, Any]]:
    from measure import row, run_child

    result = run_child(Path(__file__))
    rows = []
    for page in result["pages"]:
        rows.append(
            row(
                f"{page['label']}: GET {page['path']}",
                page["cpu_ms"],
                "ms",
                f"< {TARGET_MS} ms",
                page["cpu_ms"] < TARGET_MS,
                None,
                f"{page['queries']} queries ({page['sql_ms']:.1f} ms SQL); {page['kb']:.0f} kB; "
                f"wall {page['wall_ms']:.1f} ms at load {result['load']:.1f}",
            )
        )
    return rows


def _setup(workdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["SHUANGCHUANG_VAR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "shuangchuang.config.settings"
    # connections kept between requests, as the production settings keep them (config/production.py); the
    # demo's default of one connection per request would add its opening to every page
    os.environ.setdefault("CONN_MAX_AGE", "60")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("setup_demo", stdout=quiet)


def _fill(path: str) -> str:
    from shuangchuang.evaluation.models import EvaluationRun
    from shuangchuang.monitoring.models import Report
    from shuangchuang.registry.models import Base

    if "{run}" in path:
        path = path.replace(
            "{run}", str(EvaluationRun.objects.filter(status="done").order_by("pk").first().pk)
        )
    if "{report}" in path:
        report = Report.objects.filter(state="approved").order_by("pk").first() or Report.objects.first()
        path = path.replace("{report}", str(report.pk))
    if "{base}" in path:
        path = path.replace(
            "{base}", Base.objects.filter(reports__isnull=False).order_by("code").first().code
        )
    return path


def measure(client: Any, path: str) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"HTTP_HX_REQUEST": "true"} if "hx=1" in path else {}

    def get() -> Any:
        response = client.get(path, **headers)
        assert response.status_code == 200, (path, response.status_code)
        return response

    for _ in range(3):
        get()
    walls, cpus = [], []
    for _ in range(REPEAT):
        wall, cpu = time.perf_counter(), time.process_time()
        response = get()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    with CaptureQueriesContext(connection) as queries:
        get()
    return {
        "wall_ms": statistics.median(walls) * 1000,
        "cpu_ms": statistics.median(cpus) * 1000,
        "queries": len(queries.captured_queries),
        "sql_ms": sum(float(q["time"]) for q in queries.captured_queries) * 1000,
        "kb": len(response.content) / 1024,
    }


def child(profile: list[str]) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    _setup(workdir)
    from sessions import client_for

    if profile:
        import cProfile
        import pstats

        path, username = profile[0], (profile[1:] or ["ndrc"])[0]
        client = client_for(username)
        measure(client, _fill(path))
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(10):
            client.get(_fill(path))
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
        return
    clients: dict[str, Any] = {}
    pages = []
    for label, username, path in PAGES:
        client = clients.setdefault(username, client_for(username))
        path = _fill(path)
        pages.append({"label": label, "path": path, **measure(client, path)})
    print(json.dumps({"pages": pages, "load": os.getloadavg()[0]}))


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent / "src"))
    sys.path.insert(0, str(HERE))
    if "--child" in sys.argv:
        child([])
    elif "--profile" in sys.argv:
        child(sys.argv[sys.argv.index("--profile") + 1 :])
    else:
        for item in run():
            print(item)
