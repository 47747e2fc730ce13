"""Benchmark of a base's page with all its panels (issue 11): target < 100 ms server time.

The measurement runs in a child process with a throwaway SQLite database (migrated from scratch):

    .venv/bin/python benchmarks/run.py --only plans
    .venv/bin/python benchmarks/bench_plans.py --profile    # where the time goes (cProfile)

Data: the shipped registry, the demo generator's reports for every period from 2023 (three years and more of
quarterly and annual reports for every monitored base), and the demo plans (横州: an approved plan with a
returned revision, linked and hand-reported goals, tasks with progress, an organisation with a coordination
mechanism and meetings, a roster of some 40 staff). The page `site:base_detail` is requested through
Django's test client, so the time is the whole server side: middleware, session, queries, templates.

As in `bench_pages.py`, the measured column is the server process's CPU time (median of 15 requests after 3
warm-up ones; SQLite's queries run in the process and are included); the note gives the wall time and the
machine's load average, since on this shared 2-core machine the wall clock also counts waiting for a core.
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

NAME = "plans"
HERE = Path(__file__).resolve().parent
TARGET_MS = 100
REPEAT = 15


def run() -> list[dict[str, Any]]:
    from measure import row, run_child

    result = run_child(Path(__file__))
    load = os.getloadavg()[0]
    size = (
        f"{result['reports']:,} reports, {result['goals']} goals, {result['progress']} progress rows, "
        f"{result['staff']} staff"
    )
    rows = []
    for key, label in (
        ("operator", "base page with all panels (B3-012), as its operator"),
        ("authority", "base page with all panels (B3-012), as its authority"),
        ("national", "base page with all panels (B3-012), as the national office"),
        ("plans", "the base's plan page with goal charts and task progress (B3-012), as its operator"),
    ):
        page = result[key]
        rows.append(
            row(
                label,
                page["cpu_ms"],
                "ms",
                f"< {TARGET_MS} ms",
                page["cpu_ms"] < TARGET_MS,
                page["memory_mb"],
                f"{size}; {page['queries']} queries; {page['kb']:.0f} kB HTML; "
                f"wall {page['wall_ms']:.1f} ms at load {load:.1f}",
            )
        )
    return rows


def _setup_django(workdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["SHUANGCHUANG_VAR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "shuangchuang.config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def child(profile: bool) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-plans-"))
    _setup_django(workdir)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from shuangchuang.accounts.models import Role, User
    from shuangchuang.monitoring import demo
    from shuangchuang.monitoring.models import Report
    from shuangchuang.plans.demo import ensure_demo_plans
    from shuangchuang.plans.models import Goal, StaffMember, TaskProgress
    from shuangchuang.registry.models import Authority, Base
    from shuangchuang.registry.services import load_registry

    load_registry()
    demo.generate(periods=demo.default_periods(timezone.localdate()))
    users = {
        "hengzhou": User.objects.create(
            username="hengzhou", role=Role.OPERATOR, base=Base.objects.get(code="B3-012")
        ),
        "xmu": User.objects.create(username="xmu", role=Role.OPERATOR, base=Base.objects.get(code="B3-023")),
        "gx_drc": User.objects.create(
            username="gx_drc", role=Role.AUTHORITY, authority=Authority.objects.get(code="drc-450000")
        ),
        "moe_reviewer": User.objects.create(
            username="moe_reviewer", role=Role.AUTHORITY, authority=Authority.objects.get(code="moe")
        ),
    }
    ensure_demo_plans(users)
    national = User.objects.create(username="bench-national", role=Role.NATIONAL_ADMIN)
    base_url, plans_url = "/bases/B3-012/", "/plans/bases/B3-012/"

    def signed_in(user: Any) -> Any:
        """Logged in, past the second factor for the roles that need one (as the tests' `sign_in`)."""
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        client = Client()
        client.force_login(user)
        if user.needs_second_factor:
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return client

    def measure(user: Any, url: str) -> dict[str, float]:
        client = signed_in(user)

        def get() -> Any:
            response = client.get(url)
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
        query_count = len(queries.captured_queries)
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

        client = signed_in(users["gx_drc"])
        client.get(base_url)
        profiler = cProfile.Profile()
        profiler.enable()
        client.get(base_url)
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)

    result = {
        "reports": Report.objects.count(),
        "goals": Goal.objects.filter(plan__base__code="B3-012").count(),
        "progress": TaskProgress.objects.filter(task__plan__base__code="B3-012").count(),
        "staff": StaffMember.objects.filter(base__code="B3-012").count(),
        "operator": measure(users["hengzhou"], base_url),
        "authority": measure(users["gx_drc"], base_url),
        "national": measure(national, base_url),
        "plans": measure(users["hengzhou"], plans_url),
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
