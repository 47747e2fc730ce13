"""Heartbeats of the task worker and of the run it computes.

A worker process (`manage.py db_worker`, this app's command around django-tasks-db's) keeps one
`WorkerHeartbeat` row fresh while it lives, busy or idle, and sweeps runs whose worker died
(`services.sweep_stale_runs`). A run being computed gets its own `heartbeat_at`, written by a small thread
beside the computation, so a long Monte Carlo stage still shows it is alive. Nothing here can stop the work
it watches: a beat that fails (a locked SQLite file, a lost connection) is logged and tried again.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections
from django.utils import timezone

from .models import EvaluationRun, RunStatus, WorkerHeartbeat

logger = logging.getLogger(__name__)


def worker_name() -> str:
    """This process, as named on its runs and its heartbeat: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def interval() -> float:
    return float(settings.EVALUATION_HEARTBEAT_SECONDS)


class Beater:
    """Call `beat` every `every` seconds in a daemon thread, from `start()` until `stop()`."""

    def __init__(self, beat: Callable[[], None], every: float, name: str) -> None:
        self._beat = beat
        self._every = every
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=max(self._every, 1) * 2)

    def _loop(self) -> None:
        try:
            while not self._stopped.wait(self._every):
                try:
                    self._beat()
                except Exception:  # a missed beat is not a reason to stop beating
                    logger.warning("heartbeat failed", exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections


@contextmanager
def run_beating(run_id: int) -> Iterator[None]:
    """While the block computes run `run_id`, keep its heartbeat fresh."""

    def beat() -> None:
        EvaluationRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(heartbeat_at=timezone.now())

    beater = Beater(beat, interval(), f"run-{run_id}-heartbeat")
    beater.start()
    try:
        yield
    finally:
        beater.stop()


def beat_worker(name: str) -> None:
    """One beat of a live worker: its own heartbeat, then a sweep for the runs of workers that died."""
    from .services import sweep_stale_runs

    now = timezone.now()
    WorkerHeartbeat.objects.filter(name=name).update(beat_at=now, stopped_at=None)
    sweep_stale_runs(now=now)


@contextmanager
def worker_beating(name: str | None = None) -> Iterator[str]:
    """While the block runs the worker's loop, keep its heartbeat fresh; mark it stopped at the end."""
    name = name or worker_name()
    now = timezone.now()
    # Each process has its row (host:pid); those of workers silent for a week are history, not news.
    WorkerHeartbeat.objects.filter(beat_at__lt=now - datetime.timedelta(days=7)).delete()
    WorkerHeartbeat.objects.update_or_create(
        name=name, defaults={"started_at": now, "beat_at": now, "stopped_at": None}
    )
    beat_worker(name)  # a worker starting after a crash finds its predecessor's runs at once
    beater = Beater(lambda: beat_worker(name), interval(), "worker-heartbeat")
    beater.start()
    try:
        yield name
    finally:
        beater.stop()
        WorkerHeartbeat.objects.filter(name=name).update(stopped_at=timezone.now())
