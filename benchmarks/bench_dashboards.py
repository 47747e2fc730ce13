"""Benchmarks of the dashboards and the portal (issue 13): the national dashboard's server time with three
years of demo data (< 150 ms median), the public base list (< 30 ms) and the annual report PDF (< 10 s).

Measured in a child process with a throwaway SQLite database (migrated from scratch), through Django's test
client, so the time is the whole server side (middleware, session, queries, template):

    .venv/bin/python benchmarks/run.py --only dashboards

The dashboard is measured twice: as a reader usually gets it (the figures cached until the data changes)
and with the cache emptied before every request (what the first reader after an approval waits for).
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

NAME = "dashboards"
HERE = Path(__file__).resolve().parent
DASHBOARD_TARGET_MS = 150
PUBLIC_LIST_TARGET_MS = 30
ANNUAL_TARGET_S = 10
REPEAT = 9


def run() -> list[dict[str, Any]]:
    from measure import row, run_child

    r = run_child(Path(__file__))
    data = f"{r['reports']:,} reports, {r['values']:,} values, years {r['years']}"
    return [
        row(
            "national dashboard: GET /dashboards/ (figures cached until the data changes)",
            r["dashboard"],
            "ms",
            f"< {DASHBOARD_TARGET_MS} ms",
            r["dashboard"] < DASHBOARD_TARGET_MS,
            note=f"median of {REPEAT}; {data}",
        ),
        row(
            "same, cache emptied before each request (the first reader after an approval)",
            r["dashboard_cold"],
            "ms",
            f"< {DASHBOARD_TARGET_MS} ms",
            r["dashboard_cold"] < DASHBOARD_TARGET_MS,
            note=f"median of {REPEAT}",
        ),
        row(
            "public base list: GET /public/bases/ anonymously (142 bases, 50 a page)",
            r["public_list"],
            "ms",
            f"< {PUBLIC_LIST_TARGET_MS} ms",
            r["public_list"] < PUBLIC_LIST_TARGET_MS,
            note=f"median of {REPEAT}",
        ),
        row(
            "annual report PDF (background task, whole year, map drawn on the server)",
            r["annual"],
            "s",
            f"< {ANNUAL_TARGET_S} s",
            r["annual"] < ANNUAL_TARGET_S,
            note=f"{r['annual_pages']} pages, {r['annual_kb']:.0f} KB, Chinese font subset embedded; "
            "first in the process (reads the font)",
        ),
    ]


def _median_ms(call: Callable[[], Any], repeat: int = REPEAT, warmup: int = 2) -> float:
    for _ in range(warmup):
        call()
    walls = []
    for _ in range(repeat):
        wall = time.perf_counter()
        call()
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls) * 1000


def child() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-dashboards-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["SHUANGCHUANG_VAR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "shuangchuang.config.settings"
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    call_command("migrate", verbosity=0)
    from shuangchuang.accounts.models import Role, User
    from shuangchuang.dashboards.annual_pdf import render_annual_report
    from shuangchuang.monitoring import demo
    from shuangchuang.monitoring.models import Report, ReportValue
    from shuangchuang.registry.services import load_registry

    load_registry()
    demo.generate()  # every quarter and year from 2023 whose window has opened: three years and more
    admin = User.objects.create(username="bench-ndrc", role=Role.NATIONAL_ADMIN)
    client = Client()
    client.force_login(admin)
    device = TOTPDevice.objects.create(user=admin, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    def dashboard() -> None:
        response = client.get("/dashboards/")
        assert response.status_code == 200, response.status_code

    def cold() -> None:
        cache.clear()
        dashboard()

    anonymous = Client()

    def public_list() -> None:
        response = anonymous.get("/public/bases/")
        assert response.status_code == 200, response.status_code

    warm_ms = _median_ms(dashboard)
    cold_ms = _median_ms(cold)
    list_ms = _median_ms(public_list)
    year = max(
        Report.objects.filter(period__kind="annual", state__in=("approved", "locked")).values_list(
            "period__year", flat=True
        )
    )
    started = time.perf_counter()
    pdf, pages = render_annual_report(year, admin, lambda p, s: None)
    annual_s = time.perf_counter() - started
    years = sorted(set(Report.objects.values_list("period__year", flat=True)))
    print(
        json.dumps(
            {
                "dashboard": warm_ms,
                "dashboard_cold": cold_ms,
                "public_list": list_ms,
                "annual": annual_s,
                "annual_pages": pages,
                "annual_kb": len(pdf) / 1024,
                "reports": Report.objects.count(),
                "values": ReportValue.objects.count(),
                "years": f"{years[0]}–{years[-1]}",
            }
        )
    )


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent / "src"))
    child()
