"""The production start: `shuangchuang serve` (or `python3 dev.py serve` in a checkout).

One command a process manager (systemd, a Procfile runner, a container) keeps running:

1. `migrate` (the first machine to start applies new migrations; the others find nothing to do),
2. `collectstatic` into STATIC_ROOT (WhiteNoise serves the files, compressed, from every app process),
3. gunicorn with workers sized to the machine (WEB_WORKERS, default 2 × cores + 1; WEB_THREADS threads
   each, default 2),
4. TASK_WORKERS background-task workers (`db_worker`, default 1; 0 on machines that only serve pages);
   a worker that dies is started again, so an evaluation run that was queued still runs.

Everything else comes from the environment, as the settings read it (README, "Production"): DATABASE_URL,
CACHE_URL, SESSION_STORE, MEDIA_STORAGE, SECRET_KEY … The settings module is
`shuangchuang.config.production` unless DJANGO_SETTINGS_MODULE says otherwise.

SIGTERM or SIGINT stops gunicorn gracefully and asks the task workers to finish their task (then they are
killed after GRACEFUL_SECONDS). If gunicorn itself exits, everything stops with its exit code, so that the
process manager restarts the whole.

This module imports no Django: it only starts processes (the CLI that hosts it must not need Django).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

GRACEFUL_SECONDS = 30
# The npm packages' folders (settings.STATICFILES_DIRS) hold every build of each library, 60 MB that
# WhiteNoise would compress at every start; the pages use the minified builds only
# (core/tests/test_serve.py checks that every vendor file a template names is still collected).
STATIC_IGNORE = [
    "*.map", "*.esm*", "*.mjs", "*.rtl*", "extension", "ext", "package.json",
    "echarts.js", "echarts.common*", "echarts.simple*", "tabler.css", "tabler.js", "tabler-*", "htmx.js",
    "htmx.amd.js", "htmx.cjs.js",
]  # fmt: skip
RESTART_DELAY_SECONDS = 2.0


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_web_workers() -> int:
    """gunicorn's advice for its workers: (2 × cores) + 1 (one waits on the database while one computes)."""
    return 2 * cores() + 1


def _var_dir(env: dict[str, str]) -> Path:
    return Path(env.get("SHUANGCHUANG_VAR", Path.cwd() / "var"))


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bind",
        default=os.environ.get(
            "BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
        ),
        help="address:port (BIND; default 127.0.0.1:8000)",
    )
    parser.add_argument(
        "--web-workers",
        type=int,
        default=_int_env("WEB_WORKERS", default_web_workers()),
        help="gunicorn worker processes (WEB_WORKERS; default 2 × cores + 1)",
    )
    parser.add_argument(
        "--web-threads",
        type=int,
        default=_int_env("WEB_THREADS", 2),
        help="threads per worker (WEB_THREADS; default 2)",
    )
    parser.add_argument(
        "--task-workers",
        type=int,
        default=_int_env("TASK_WORKERS", 1),
        help="background-task workers (TASK_WORKERS; default 1, 0 for none)",
    )
    parser.add_argument("--no-migrate", action="store_true", help="skip `migrate` (another machine does it)")
    parser.add_argument("--dry-run", action="store_true", help="print the commands and stop")


@dataclass
class Child:
    name: str
    command: list[str]
    restart: bool
    process: subprocess.Popen[bytes] | None = None
    started_at: float = field(default=0.0)

    def start(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(self.command, env=env)  # noqa: S603 - our own interpreter and args
        self.started_at = time.monotonic()


def commands(args: argparse.Namespace) -> tuple[list[list[str]], list[Child]]:
    python = sys.executable
    django = [python, "-m", "django"]
    setup = []
    if not args.no_migrate:
        setup.append([*django, "migrate", "--no-input"])
    ignored = [arg for pattern in STATIC_IGNORE for arg in ("--ignore", pattern)]
    setup.append([*django, "collectstatic", "--no-input", "--verbosity", "0", *ignored])
    web = [
        python, "-m", "gunicorn", "shuangchuang.config.wsgi",
        "--bind", args.bind,
        "--workers", str(args.web_workers),
        "--threads", str(args.web_threads),
        "--worker-class", "gthread",
        # a worker is replaced now and then (memory a library never gives back), never all at once
        "--max-requests", os.environ.get("WEB_MAX_REQUESTS", "5000"),
        "--max-requests-jitter", "500",
        "--timeout", os.environ.get("WEB_TIMEOUT", "60"),
        "--graceful-timeout", str(GRACEFUL_SECONDS),
        # the proxy in front says which requests came over HTTPS and from where
        "--forwarded-allow-ips", os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        "--no-control-socket",
        "--preload",  # the app is imported once, before the fork: workers start at once and share its memory
    ]  # fmt: skip
    if os.environ.get("ACCESS_LOG", "").lower() in {"1", "true", "yes", "on"}:
        web += ["--access-logfile", "-"]  # the app's own JSON request log is usually enough
    host = socket.gethostname()
    children = [Child("web", web, restart=False)]
    for n in range(args.task_workers):
        worker = [
            *django,
            "db_worker",
            "--queue-name",
            "*",
            "--no-reload",
            "--worker-id",
            f"{host}-{os.getpid()}-{n}",
        ]
        children.append(Child(f"task-worker-{n}", worker, restart=True))
    return setup, children


def say(message: str) -> None:
    print(f"shuangchuang serve: {message}", file=sys.stderr, flush=True)


def serve(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "shuangchuang.config.production")
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.setdefault("LOG_FORMAT", "json")
    # gunicorn's processes add up their request counters in files here (cleared at each start)
    metrics_dir = Path(env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_var_dir(env) / "prometheus")))
    if not args.dry_run:
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True, exist_ok=True)
    setup, children = commands(args)
    if args.dry_run:
        for command in setup + [c.command for c in children]:
            print(" ".join(command))
        return 0
    for command in setup:
        say(" ".join(command[2:]))
        done = subprocess.run(command, env=env, check=False)  # noqa: S603
        if done.returncode:
            say(f"{command[3]} failed (exit {done.returncode}); not starting")
            return done.returncode
    stop_requested: list[int] = []
    for name in ("SIGTERM", "SIGINT", "SIGHUP"):
        signal.signal(getattr(signal, name), lambda signum, _frame: stop_requested.append(signum))
    for child in children:
        child.start(env)
    say(
        f"listening on {args.bind}: {args.web_workers} web workers × {args.web_threads} threads, "
        f"{args.task_workers} task workers ({cores()} cores)"
    )
    web = children[0]
    exit_code = 0
    try:
        while not stop_requested:
            time.sleep(0.5)
            assert web.process is not None
            if web.process.poll() is not None:
                exit_code = web.process.returncode or 1
                say(f"gunicorn exited ({web.process.returncode}); stopping")
                break
            for child in children[1:]:
                assert child.process is not None
                if (
                    child.process.poll() is not None
                    and time.monotonic() - child.started_at > RESTART_DELAY_SECONDS
                ):
                    say(f"{child.name} exited ({child.process.returncode}); starting it again")
                    child.start(env)
    finally:
        stop(children)
    return exit_code


def stop(children: Sequence[Child]) -> None:
    running = [c.process for c in children if c.process is not None and c.process.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACEFUL_SECONDS
    for process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shuangchuang serve", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return serve(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
