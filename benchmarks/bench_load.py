"""A day at the end of a reporting period under load, on the production start (issue 14, item 5).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/production CACHE_URL=redis://127.0.0.1:6479/0 \\
        .venv/bin/python benchmarks/run.py --only load

DATABASE_URL must name a database with the demo data (`setup_demo`); CACHE_URL (Redis) is used when set.
The platform is started with `shuangchuang serve` (production settings, one task worker) and the bare
Django page beside it; an evaluation run with 1,000 replications is queued; then `benchmarks/load/
period_end.py` runs LOAD_USERS users (default 60) for LOAD_SECONDS (default 60) on loopback, and the bare
page is loaded for the same comparison as `bench_http`. Results per kind of request: throughput, p50, p95,
p99, errors. Other helpers' work shared the 2 cores during the recorded run: see the load average.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

NAME = "load"
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
USERS = int(os.environ.get("LOAD_USERS", "60"))
ROLES = {
    "operator": ["hengzhou", "xmu"],
    "authority": ["gx_drc", "moe_reviewer"],
    "national": ["ndrc", "moe_member"],
}


def plan_child() -> None:
    import django

    django.setup()
    from sessions import session_key

    from shuangchuang.accounts.models import User
    from shuangchuang.evaluation import services
    from shuangchuang.evaluation.models import EvaluationRun, EvaluationScheme, RunStatus
    from shuangchuang.monitoring.models import Report

    plan: dict[str, Any] = {}
    for role, names in ROLES.items():
        plan[role] = []
        for name in names:
            user = User.objects.get(username=name)
            reports = list(Report.objects.restrict(user).order_by("-pk").values_list("pk", flat=True)[:40])
            plan[role].append({"cookie": session_key(name), "reports": reports})
    done = EvaluationRun.objects.filter(status=RunStatus.DONE).order_by("pk").first()
    plan["run"] = done.pk if done else 0
    scheme = EvaluationScheme.objects.order_by("pk").first()
    if scheme is not None:
        scheme.uncertainty_replications = 1000
        scheme.save(update_fields=["uncertainty_replications"])
        plan["background_run"] = services.start_run(scheme, actor=User.objects.get(username="ndrc")).pk
    print(json.dumps(plan))


def run() -> list[dict[str, Any]]:
    import bench_http
    from measure import row

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("bench_load runs against PostgreSQL: set DATABASE_URL (with the demo data)")
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    env = bench_http.django_env(workdir)
    output = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--plan"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    plan_file = workdir / "plan.json"
    plan_file.write_text(output.stdout.strip().splitlines()[-1], encoding="utf-8")
    plan = json.loads(plan_file.read_text(encoding="utf-8"))
    bare_env = dict(os.environ, BARE_DB=str(workdir / "bare.sqlite3"))
    subprocess.run([sys.executable, str(HERE / "bare" / "bare.py"), "setup"], env=bare_env, check=True)
    from shuangchuang.config.serve import default_web_workers

    workers, threads = (
        os.environ.get("WEB_WORKERS", str(default_web_workers())),
        os.environ.get("WEB_THREADS", "2"),
    )
    bare_port, app_port = bench_http.free_port(), bench_http.free_port()
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        workers,
        "--threads",
        threads,
        "--worker-class",
    ]
    gunicorn += ["gthread", "--preload", "--no-control-socket", "--chdir", str(HERE / "bare")]
    bare = bench_http.start(
        [*gunicorn, "--bind", f"127.0.0.1:{bare_port}", "bare:application"], bare_env, workdir / "bare.log"
    )
    app = bench_http.start(
        [
            str(BIN / "shuangchuang"),
            "serve",
            "--no-migrate",
            "--bind",
            f"127.0.0.1:{app_port}",
            "--task-workers",
            "1",
        ],
        dict(env, WEB_WORKERS=workers, WEB_THREADS=threads),
        workdir / "app.log",
    )
    try:
        bench_http.wait_for(f"http://127.0.0.1:{bare_port}/")
        bench_http.wait_for(f"http://127.0.0.1:{app_port}/accounts/login/", 300)
        prefix = workdir / "period-end"
        subprocess.run(
            [
                str(BIN / "locust"), "-f", str(HERE / "load" / "period_end.py"), "--headless",
                "-u", str(USERS), "-r", "10", "-t", f"{SECONDS}s", "--host", f"http://127.0.0.1:{app_port}",
                "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10",
            ],
            env=dict(os.environ, LOAD_PLAN=str(plan_file)), check=False,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        load_avg = os.getloadavg()[0]
        bare_figures = bench_http.load(f"http://127.0.0.1:{bare_port}", "/", "", workdir, "bare", 20)
        run_state = subprocess.run(
            [sys.executable, "-m", "django", "shell", "-c",
             f"from shuangchuang.evaluation.models import EvaluationRun as R; r = R.objects.get(pk={plan.get('background_run', 0)}); "
             "print(r.status, (r.finished_at - r.started_at).total_seconds() if r.finished_at and r.started_at else '')"],
            env=env, capture_output=True, text=True, check=False,
        ).stdout.strip().splitlines()  # fmt: skip
    finally:
        bench_http.stop(app)
        bench_http.stop(bare)
    with open(f"{prefix}_stats.csv", newline="") as handle:
        stats = list(csv.DictReader(handle))
    database = "PostgreSQL" + (" + Redis" if os.environ.get("CACHE_URL") else " (no Redis)")
    rows = []
    for entry in stats:
        rps, failures = float(entry["Requests/s"]), int(entry["Failure Count"])
        name = "all requests" if entry["Name"] == "Aggregated" else entry["Name"]
        rows.append(
            row(
                f"period end, {USERS} users, {SECONDS} s ({database}): {name}",
                rps,
                "req/s",
                "no errors",
                failures == 0,
                note=f"{int(entry['Request Count']):,} requests, {failures} errors; p50 {entry['50%']} ms, "
                f"p95 {entry['95%']} ms, p99 {entry['99%']} ms; load average {load_avg:.1f}",
            )
        )
    rows.append(
        row(
            "bare Django page (92 rows × 5 cells), right after the load, 50 users",
            bare_figures["rps"],
            "req/s",
            "(yardstick)",
            True,
            note=f"p50 {bare_figures['p50']:.0f} ms, p95 {bare_figures['p95']:.0f} ms; gunicorn {workers} × {threads} "
            f"for both; load average {bare_figures['load']:.1f}",
        )
    )
    rows.append(
        row(
            "evaluation run with 1,000 replications computed during the load (task worker)",
            float(run_state[-1].split()[1]) if run_state and len(run_state[-1].split()) > 1 else 0.0,
            "s",
            "(information)",
            bool(run_state) and run_state[-1].startswith("done"),
            note=f"state at the end: {run_state[-1] if run_state else 'unknown'}",
        )
    )
    return rows


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parent / "src"))
    if "--plan" in sys.argv:
        plan_child()
    else:
        for item in run():
            print(item)
