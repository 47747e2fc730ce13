"""The task worker is killed (SIGKILL) in the middle of a run: the run is found by its heartbeat and marked
failed, never left "running", and its page says so. A real `db_worker` process on the test database, so
PostgreSQL only (the SQLite test database lives in the test process's memory)."""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from shuangchuang.evaluation import services
from shuangchuang.evaluation.models import EvaluationRun, WorkerHeartbeat
from shuangchuang.evaluation.selectors import worker_alive

ROOT = Path(__file__).resolve().parents[4]


def wait_for(condition, seconds: float = 90.0) -> None:
    """Wait for another process (not for time to pass): poll the database until `condition` holds."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the worker did not get there in time")
        time.sleep(0.05)


def worker_process() -> subprocess.Popen:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "EVALUATION_HEARTBEAT_SECONDS": "0.2", "LOG_LEVEL": "ERROR"}
    env.pop("TASKS_BACKEND", None)
    command = [sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_leaves_a_failed_run_and_the_page_says_so(
    approved_year, make_user, client_for, settings
):
    """Slow on purpose (about 5 s: a worker process starts and computes): the only test of a real kill."""
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of .ci/run (a worker process needs a shared database)")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    approved_year.uncertainty_replications = 2_000_000  # long enough to be killed in the middle
    approved_year.save()
    national = make_user("national_admin")
    run = services.start_run(approved_year, actor=national)  # queued in the database (autocommit)
    worker = worker_process()
    try:
        # In the Monte Carlo stage, with the run's own heartbeat written by the worker after it started.
        beating = EvaluationRun.objects.filter(pk=run.pk, progress=45, heartbeat_at__gt=F("started_at"))
        wait_for(beating.exists)
        assert worker_alive()
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    run.refresh_from_db()
    assert run.status == "running"  # killed: nothing in the worker could mark it
    assert WorkerHeartbeat.objects.get().stopped_at is None

    later = timezone.now() + datetime.timedelta(seconds=settings.EVALUATION_RUN_STALE_SECONDS + 1)
    with time_machine.travel(later):
        assert not worker_alive()
        url = reverse("evaluation:run_detail", args=[run.pk])
        client = client_for(national)
        page = client.get(url).content.decode()
        client.cookies["django_language"] = "en"
        english = client.get(url).content.decode()
    run.refresh_from_db()
    assert run.status == "failed" and run.error.startswith("任务执行器已失联")
    assert "评估失败" in page and "任务执行器已失联" in page and "hx-get" not in page
    assert "The task worker stopped responding" in english
