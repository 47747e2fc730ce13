"""`python3 dev.py start` stopped the way a process manager or a container stop does it (SIGTERM to the
one process it started) takes the web server and the task worker down with it and frees the port.

The app runs against its own var folder and SQLite database on a free port, so that nobody's data or
server is touched; DEMO_DATA=false leaves out the generated monitoring data (the registry and the demo
accounts are still loaded), which keeps the start to a few seconds.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def processes_in_group(group: int) -> dict[int, str]:
    """pid → command line of every live process in the process group (Linux /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state ppid pgrp …
        if fields[0] != "Z" and int(fields[2]) == group:
            found[int(entry.name)] = cmdline
    return found


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.fixture
def started_app(tmp_path):
    """`dev.py start` on a free port. Its database starts migrated where an earlier test session kept a
    migrated SQLite database (conftest.py): `migrate` then has nothing to apply, as on every start but the
    first, and the test does not wait seconds for the ~80 migrations."""
    from conftest import migrated_database

    port = free_port()
    if migrated := migrated_database():
        (tmp_path / "var").mkdir()
        shutil.copyfile(migrated, tmp_path / "var" / "db.sqlite3")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        PORT=str(port),
        SHUANGCHUANG_VAR=str(tmp_path / "var"),
        MEDIA_ROOT=str(tmp_path / "media"),
        DEMO_DATA="false",
        WEB_WORKERS="1",
    )
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "dev.py"), "start"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: what it started can be found, and cleaned up
    )
    try:
        yield process, port
    finally:
        if processes_in_group(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


@pytest.mark.first
def test_sigterm_stops_the_web_server_and_the_task_worker_and_frees_the_port(started_app):
    """Slow on purpose (about ten seconds): a real `dev.py start`, its migrate and setup_demo, gunicorn and
    the task worker each a Python process of its own that imports the app, then a real stop."""
    process, port = started_app
    assert wait_until(lambda: not port_is_free(port) or process.poll() is not None, timeout=180)
    assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
    assert wait_until(lambda: "db_worker" in " ".join(processes_in_group(process.pid).values()), 30)
    running = " ".join(processes_in_group(process.pid).values())

    process.send_signal(signal.SIGTERM)  # to dev.py alone, as `kill PID` does
    process.wait(timeout=30)

    assert "gunicorn" in running and "db_worker" in running
    assert wait_until(lambda: not processes_in_group(process.pid), timeout=5), processes_in_group(process.pid)
    assert port_is_free(port)
