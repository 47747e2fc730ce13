"""Throughput under 50 connections, the platform beside a bare Django page, in the same run (issue 14).

    .venv/bin/python benchmarks/run.py --only http
    DATABASE_URL=postgres://…/production_bench CACHE_URL=redis://127.0.0.1:6479/0 \\
        .venv/bin/python benchmarks/run.py --only http          # against PostgreSQL (+ Redis)

What it does:
1. the bare project (`benchmarks/bare/`: one page of 92 rows × 5 cells from SQLite, nothing else) and the
   platform's production start (`shuangchuang serve`, production settings, no task worker) are started
   under gunicorn with the same workers and threads (the production start's defaults for this machine);
2. the platform's database is a throwaway SQLite made by `setup_demo`, or DATABASE_URL when set (then it
   must already hold the demo data: `setup_demo`);
3. each page gets 50 users asking for it in a closed loop for DURATION seconds (locust headless,
   FastHttpUser: wrk is not on these machines; locust is one kept package that also runs the mixed load
   of `benchmarks/load/`, reports p50/p95/p99 itself and, through geventhttpclient, needs little CPU per
   request — a Python asyncio + httpx client needs several times more, which on 2 shared cores is taken
   from the servers being measured). The load generator runs on the same 2 cores as the servers and
   takes its share of them: that is the same for every row, so the ratio to the bare page is the fair
   figure.

Other helpers' tests and servers were running on the same machine during the recorded runs: the load
average is in each row's note.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

NAME = "http"
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
DURATION = int(os.environ.get("BENCH_SECONDS", "20"))
USERS = 50
WARM_UP = 4

# (label, user, path, target): target "bare/2" = at least half the bare page's throughput
PAGES = [
    # what every signed-in page costs before its own content (session, account, second factor, the menu,
    # CSP and the other security headers, the audit and metrics middleware): the floor of the rows below
    (
        "a signed-in page with nothing on it (password changed)",
        "moe_member",
        "/accounts/password/done/",
        None,
    ),
    ("base list, 50 rows", "moe_member", "/bases/", "bare/2"),
    ("base list, third batch", "moe_member", "/bases/?batch=3", "bare/2"),
    ("home, national administrator", "ndrc", "/", "100"),
    ("report list, national administrator", "ndrc", "/monitoring/", None),
    ("completeness, national", "ndrc", "/monitoring/completeness/", None),
    ("ranking (a run's results)", "ndrc", "/evaluation/runs/{run}/", None),
    ("national dashboard", "ndrc", "/dashboards/", "100"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def django_env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'platform.sqlite3'}")
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "shuangchuang.config.production",
            "SECRET_KEY": "bench-http-" + "x" * 50,
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SHUANGCHUANG_VAR": str(workdir),
            "STATIC_ROOT": str(workdir / "static"),
            "MEDIA_ROOT": str(workdir / "media"),
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(HERE)]),
        }
    )
    return env


def prepare(env: dict[str, str]) -> dict[str, Any]:
    """Demo data in a throwaway SQLite database (unless DATABASE_URL names one), and signed-in sessions."""
    if env["DATABASE_URL"].startswith("sqlite:") and "DATABASE_URL" not in os.environ:
        demo = dict(env, DJANGO_SETTINGS_MODULE="shuangchuang.config.settings")
        subprocess.run([sys.executable, "-m", "django", "migrate", "-v", "0"], env=demo, check=True)
        subprocess.run(
            [sys.executable, "-m", "django", "setup_demo"], env=demo, check=True, stdout=subprocess.DEVNULL
        )
    users = sorted({user for _, user, _, _ in PAGES})
    output = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--sessions", *users],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def sessions_child(users: list[str]) -> None:
    import django

    django.setup()
    from sessions import session_key

    from shuangchuang.evaluation.models import EvaluationRun

    run = EvaluationRun.objects.filter(status="done").order_by("pk").first()
    print(json.dumps({"keys": {u: session_key(u) for u in users}, "run": run.pk if run else 0}))


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def load(
    base_url: str, path: str, cookie: str, workdir: Path, tag: str, seconds: int = DURATION
) -> dict[str, float]:
    prefix = workdir / f"locust-{tag}"
    env = dict(os.environ, TARGET_PATH=path, SESSION_COOKIE=cookie)
    subprocess.run(
        [
            str(BIN / "locust"), "-f", str(HERE / "load" / "one_page.py"), "--headless",
            "-u", str(USERS), "-r", str(USERS), "-t", f"{seconds}s", "--host", base_url,
            "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5",
        ],
        env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    with open(f"{prefix}_stats.csv", newline="") as handle:
        total = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")
    count = int(total["Request Count"])
    return {
        "rps": float(total["Requests/s"]),
        "requests": count,
        "failures": int(total["Failure Count"]),
        "p50": float(total["50%"] or 0),
        "p95": float(total["95%"] or 0),
        "p99": float(total["99%"] or 0),
        "load": os.getloadavg()[0],
    }


def measure() -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-http-"))
    env = django_env(workdir)
    sessions = prepare(env)
    sys.path.insert(0, str(ROOT / "src"))
    from shuangchuang.config.serve import default_web_workers

    workers = os.environ.get("WEB_WORKERS", str(default_web_workers()))
    threads = os.environ.get("WEB_THREADS", "2")
    bare_db = workdir / "bare.sqlite3"
    bare_env = dict(os.environ, BARE_DB=str(bare_db))
    subprocess.run([sys.executable, str(HERE / "bare" / "bare.py"), "setup"], env=bare_env, check=True)
    bare_port, app_port = free_port(), free_port()
    gunicorn = [sys.executable, "-m", "gunicorn", "--workers", workers, "--threads", threads]
    gunicorn += ["--worker-class", "gthread", "--preload", "--no-control-socket"]
    bare = start(
        [*gunicorn, "--chdir", str(HERE / "bare"), "--bind", f"127.0.0.1:{bare_port}", "bare:application"],
        bare_env,
        workdir / "bare.log",
    )
    app = start(
        [str(BIN / "shuangchuang"), "serve", "--bind", f"127.0.0.1:{app_port}", "--task-workers", "0"],
        # workers are not replaced during the run (the production start replaces one every ~5,000 requests,
        # which would put cold workers into whichever rows come late in the run)
        dict(env, WEB_WORKERS=workers, WEB_THREADS=threads, WEB_MAX_REQUESTS="0"),
        workdir / "app.log",
    )
    try:
        wait_for(f"http://127.0.0.1:{bare_port}/")
        wait_for(f"http://127.0.0.1:{app_port}/accounts/login/", 300)
        results: dict[str, Any] = {"workers": workers, "threads": threads, "database": env["DATABASE_URL"]}
        # every worker process compiles its templates and reads its translations on first use: a few
        # seconds of each page before the measured run, for both servers
        load(f"http://127.0.0.1:{bare_port}", "/", "", workdir, "bare-warm", WARM_UP)
        results["bare"] = load(f"http://127.0.0.1:{bare_port}", "/", "", workdir, "bare")
        pages = []
        for n, (label, user, path, target) in enumerate(PAGES):
            path = path.replace("{run}", str(sessions["run"]))
            url = f"http://127.0.0.1:{app_port}"
            try:
                with urllib.request.urlopen(
                    urllib.request.Request(
                        url + path, headers={"Cookie": f"sessionid={sessions['keys'][user]}"}
                    ),
                    timeout=30,
                ) as response:
                    response.read()
            except OSError:
                continue  # a page this version does not have (the dashboards come with another issue)
            load(url, path, sessions["keys"][user], workdir, f"warm{n}", WARM_UP)
            figures = load(url, path, sessions["keys"][user], workdir, f"page{n}")
            pages.append({"label": label, "path": path, "target": target, **figures})
        results["pages"] = pages
        results["bare_after"] = load(f"http://127.0.0.1:{bare_port}", "/", "", workdir, "bare-after")
        return results
    finally:
        stop(app)
        stop(bare)


def run() -> list[dict[str, Any]]:
    from measure import row

    result = measure()
    bare = (result["bare"]["rps"] + result["bare_after"]["rps"]) / 2
    setup = f"gunicorn {result['workers']} workers × {result['threads']} threads; {USERS} users, {DURATION} s"
    database = "PostgreSQL" if result["database"].startswith("postgres") else "SQLite"

    def note(f: dict[str, float]) -> str:
        return (
            f"{f['requests']:,} requests, {f['failures']} errors; p50 {f['p50']:.0f} ms, p95 {f['p95']:.0f} ms, "
            f"p99 {f['p99']:.0f} ms; load average {f['load']:.1f}"
        )

    rows = [
        row(
            "bare Django page, 92 rows × 5 cells from SQLite (before and after the platform's pages)",
            bare,
            "req/s",
            "(yardstick)",
            True,
            note=f"{setup}; {result['bare']['rps']:.0f} then {result['bare_after']['rps']:.0f} req/s; "
            + note(result["bare"]),
        )
    ]
    for page in result["pages"]:
        target, passed = "(information)", page["failures"] == 0
        if page["target"] == "bare/2":
            target = f"≥ {bare / 2:.0f} req/s (half the bare page)"
            passed = passed and page["rps"] >= bare / 2
        elif page["target"]:
            target = f"≥ {page['target']} req/s, no errors"
            passed = passed and page["rps"] >= float(page["target"])
        rows.append(
            row(
                f"{page['label']}: GET {page['path']} ({database}, signed in)",
                page["rps"],
                "req/s",
                target,
                passed,
                note=f"{page['rps'] / bare:.0%} of the bare page; " + note(page),
            )
        )
    return rows


if __name__ == "__main__":
    if "--sessions" in sys.argv:
        sys.path.insert(0, str(HERE))
        sessions_child(sys.argv[sys.argv.index("--sessions") + 1 :])
    else:
        sys.path.insert(0, str(HERE))
        for item in run():
            print(item)
