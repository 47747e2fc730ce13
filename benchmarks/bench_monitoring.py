"""Benchmark of the completeness page (issue 3): 212 bases × 12 periods, target < 200 ms server time.

The measurement runs in a child process with a throwaway SQLite database (migrated from scratch), so it
never touches the demo database and Django is set up once with the right settings:

    .venv/bin/python benchmarks/run.py --only monitoring
    .venv/bin/python benchmarks/bench_monitoring.py --profile    # where the time goes (cProfile)

Data: the shipped registry plus synthetic monitored bases up to 212 monitored ones (the number the three
batches name; the shipped first- and second-batch bases file no reports), and the demo generator's reports for the 12 most recent periods (values, states, flags,
transitions, audit rows). The page is requested through Django's test client as the national office, so
the time is the whole server side: middleware, session, queries, template.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

NAME = "monitoring"
HERE = Path(__file__).resolve().parent
N_PERIODS = 12
TARGET_MS = 200
REPEAT = 15


def run() -> list[dict[str, Any]]:
    from measure import row, run_child

    result = run_child(Path(__file__))
    size = f"{result['bases']} bases × {result['periods']} periods, {result['values']:,} values"
    rows = []
    for key, label in (
        ("summary", "completeness page, national office: per authority + trend"),
        ("all", "completeness page, national office: every base's row (?authority=all)"),
        ("authority", "completeness page, a provincial authority (its bases)"),
    ):
        page = result[key]
        rows.append(
            row(
                label,
                page["wall_ms"],
                "ms",
                f"< {TARGET_MS} ms",
                page["wall_ms"] < TARGET_MS,
                page["memory_mb"],
                f"{size}; CPU {page['cpu_ms']:.0f} ms; {page['queries']} queries; {page['kb']:.0f} kB HTML",
            )
        )
    rows.append(
        row(
            "demo data for the benchmark (generate_demo_data, 212 bases × 12 periods)",
            result["generate_s"],
            "s",
            "(information)",
            True,
            note=f"{result['reports']:,} reports, {result['values']:,} values",
        )
    )
    return rows


# The child process: a throwaway database, the data, the measurements.


def _setup_django(workdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["SHUANGCHUANG_VAR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "shuangchuang.config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _synthetic_bases() -> None:
    """Monitored bases up to 212 (as many as the three batches name): the shipped first- and second-batch
    bases file no reports (categories), so the stand-ins get functional directions, in the third batch."""
    from shuangchuang.registry.models import Authority, Base, Batch, Direction, Province

    directions = list(Direction.objects.filter(kind="direction").order_by("order"))
    authorities = list(Authority.objects.filter(kind="provincial").order_by("code"))
    provinces = {p.code: p for p in Province.objects.all()}
    batch = Batch.objects.get(number=3)
    for i in range(1, 212 - Base.objects.monitored().count() + 1):
        authority = authorities[i % len(authorities)]
        Base.objects.create(
            batch=batch,
            seq=1000 + i,
            code=f"BENCH-{i:03d}",
            name=f"基准测试示范基地{i:03d}",
            short_name=f"测试{i:03d}",
            direction=directions[i % len(directions)],
            kind="region",
            province=provinces[authority.province_id],
            city="测试市",
            authority=authority,
        )


def child(profile: bool) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-monitoring-"))
    _setup_django(workdir)
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from shuangchuang.accounts.models import Role, User
    from shuangchuang.monitoring import demo
    from shuangchuang.monitoring.models import Report, ReportValue
    from shuangchuang.registry.models import Authority, Base
    from shuangchuang.registry.services import load_registry

    load_registry()
    _synthetic_bases()
    periods = demo.default_periods(timezone.localdate())[-N_PERIODS:]
    start = time.perf_counter()
    demo.generate(periods=periods)
    generate_seconds = time.perf_counter() - start

    national = User.objects.create(username="bench-national", role=Role.NATIONAL_ADMIN)
    busiest = (
        Authority.objects.filter(kind="provincial").annotate(n=Count("bases")).order_by("-n", "code").first()
    )
    reviewer = User.objects.create(username="bench-authority", role=Role.AUTHORITY, authority=busiest)
    url = "/monitoring/completeness/"

    def measure(user: Any, query: dict[str, str]) -> dict[str, float]:
        client = Client()
        client.force_login(user)

        def get() -> Any:
            response = client.get(url, query)
            assert response.status_code == 200, response.status_code
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
        query_count = len(queries.captured_queries)  # read now: the next request clears the log
        tracemalloc.start()
        get()
        memory = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        return {
            "wall_ms": statistics.median(walls) * 1000,
            "cpu_ms": statistics.median(cpus) * 1000,
            "queries": query_count,
            "memory_mb": memory,
            "kb": len(response.content) / 1024,
        }

    if profile:
        import cProfile
        import pstats

        client = Client()
        client.force_login(national)
        client.get(url, {"authority": "all"})
        profiler = cProfile.Profile()
        profiler.enable()
        client.get(url, {"authority": "all"})
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(20)

    result = {
        "bases": Base.objects.count(),
        "periods": len(periods),
        "reports": Report.objects.count(),
        "values": ReportValue.objects.count(),
        "generate_s": generate_seconds,
        "summary": measure(national, {}),
        "all": measure(national, {"authority": "all"}),
        "authority": measure(reviewer, {}),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    if "--child" in sys.argv or "--profile" in sys.argv:
        sys.path.insert(0, str(HERE.parent / "src"))
        child(profile="--profile" in sys.argv)
    else:
        sys.path.insert(0, str(HERE))
        for item in run():
            print(item)
