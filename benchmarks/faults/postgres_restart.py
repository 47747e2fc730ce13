"""Drill: PostgreSQL restarted under load (issue 14, item 6). Run as root on a machine with PostgreSQL 15:

    .venv/bin/python benchmarks/faults/postgres_restart.py

It never touches the machine's own cluster: it makes a throwaway cluster of its own (initdb as the
`postgres` user, in a temporary directory, on port 5499, trusting loopback), loads the demo data into
database `production_drill`, starts the production start against it (`shuangchuang serve`, no task
worker), keeps 8 clients asking for the base list, restarts the cluster (`pg_ctl restart -m fast`) after
10 s, and records every answer for 40 s. Then it removes the cluster and writes what was observed to
`benchmarks/faults/postgres_restart.md`: answers by status in each second, whether the failures were the
app's own page (503, "服务暂时不可用", Retry-After), and how long after the restart pages came back.
"""

from __future__ import annotations

import collections
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "src"))

import bench_http  # noqa: E402

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PORT = 5499
CLIENTS = 8
SECONDS = 40
RESTART_AT = 10


def as_postgres(*command: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, stdout=subprocess.DEVNULL)


def main() -> int:
    datadir = Path(tempfile.mkdtemp(prefix="production_drill_pg_"))
    shutil.chown(datadir, "postgres", "postgres")
    pg_log = datadir / "server.log"
    workdir = Path(tempfile.mkdtemp(prefix="production-drill-"))
    app = None
    try:
        as_postgres(str(PG_BIN / "initdb"), "-D", str(datadir / "data"), "--auth=trust", "-U", "postgres")
        pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(datadir / "data"), "-l", str(pg_log), "-w"]
        options = f"-p {PORT} -k {datadir} -c listen_addresses=127.0.0.1"
        as_postgres(*pg_ctl, "-o", options, "start")
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-p", str(PORT), "-U", "postgres", "production_drill"], check=True
        )
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{PORT}/production_drill"
        env = bench_http.django_env(workdir)
        demo = dict(env, DJANGO_SETTINGS_MODULE="shuangchuang.config.settings")
        subprocess.run([sys.executable, "-m", "django", "migrate", "-v", "0"], env=demo, check=True)
        subprocess.run(
            [sys.executable, "-m", "django", "setup_demo"], env=demo, check=True, stdout=subprocess.DEVNULL
        )
        keys = json.loads(
            subprocess.run(
                [sys.executable, str(BENCH / "bench_http.py"), "--sessions", "moe_member"],
                env=env, check=True, capture_output=True, text=True,
            ).stdout.strip().splitlines()[-1]
        )["keys"]  # fmt: skip
        port = bench_http.free_port()
        app = bench_http.start(
            [
                str(Path(sys.executable).parent / "shuangchuang"),
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--task-workers",
                "0",
            ],
            dict(env, WEB_WORKERS="3"),
            workdir / "app.log",
        )
        bench_http.wait_for(f"http://127.0.0.1:{port}/accounts/login/", 300)
        answers: list[tuple[float, int, bool, str]] = []
        lock = threading.Lock()
        started = time.monotonic()

        def client() -> None:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/bases/", headers={"Cookie": f"sessionid={keys['moe_member']}"}
            )
            while time.monotonic() - started < SECONDS:
                t = time.monotonic() - started
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        status, body, retry = response.status, response.read().decode(), ""
                except urllib.error.HTTPError as error:
                    status, body, retry = (
                        error.code,
                        error.read().decode(),
                        error.headers.get("Retry-After", ""),
                    )
                except OSError as error:
                    status, body, retry = 0, str(error), ""
                own_page = "服务暂时不可用" in body and "双创示范基地监测评估平台" in body and retry == "30"
                with lock:
                    answers.append((t, status, own_page, body[:200] if status not in (200, 503) else ""))

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(RESTART_AT)
        restart_began = time.monotonic() - started
        as_postgres(*pg_ctl, "-m", "fast", "restart", "-o", options)
        restart_done = time.monotonic() - started
        for thread in threads:
            thread.join()
    finally:
        if app is not None:
            bench_http.stop(app)
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(datadir / "data"), "-m", "immediate", "stop"],
            check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        shutil.rmtree(datadir, ignore_errors=True)

    by_second: dict[int, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for t, status, own, _ in answers:
        by_second[int(t)][f"{status}{' (app page)' if status == 503 and own else ''}"] += 1
    failures = [a for a in answers if a[1] != 200]
    after = [a for a in answers if a[0] > restart_done]
    first_ok = next((a[0] for a in sorted(after) if a[1] == 200), None)
    last_failure = max((a[0] for a in failures), default=None)
    other = collections.Counter(a[1] for a in failures if not (a[1] == 503 and a[2]))
    lines = [
        "# PostgreSQL restarted under load — observed",
        "",
        f"Run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC by `benchmarks/faults/postgres_restart.py`: "
        f"{CLIENTS} clients on GET /bases/ (signed in) against `shuangchuang serve` (3 workers × 2 threads, "
        f"CONN_MAX_AGE 60 with health checks) on a throwaway PostgreSQL 15 cluster; `pg_ctl restart -m fast` "
        f"from {restart_began:.1f} s to {restart_done:.1f} s. Load average {os.getloadavg()[0]:.1f} (other work on the machine).",
        "",
        f"- answers: {len(answers):,}; failed: {len(failures):,}, of which the app's own 503 page (layout, "
        f"“服务暂时不可用”, Retry-After: 30): {sum(1 for a in failures if a[1] == 503 and a[2]):,}; other: {dict(other) or 'none'}",
        f"- last failure at {last_failure:.1f} s; first success after the restart at "
        f"{first_ok:.1f} s ({first_ok - restart_done:.1f} s after it finished)"
        if first_ok and last_failure
        else f"- last failure: {last_failure}; first success after the restart: {first_ok}",
        f"- every answer after {max(last_failure or 0, restart_done):.1f} s was 200: "
        f"{all(a[1] == 200 for a in answers if a[0] > (last_failure or restart_done))}",
        "",
        "| second | answers |",
        "| --- | --- |",
        *(
            f"| {s} | {', '.join(f'{k}: {v}' for k, v in sorted(c.items()))} |"
            for s, c in sorted(by_second.items())
        ),
        "",
    ]
    if other:
        examples = [f"- {a[1]}: {a[3]!r}" for a in failures if a[3]][:5]
        lines += ["Examples of other failures:", "", *examples, ""]
    (HERE / "postgres_restart.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
