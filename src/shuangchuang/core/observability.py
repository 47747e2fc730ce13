"""Logs an operator can follow across processes (issue 14, item 3).

- Every request gets an id: the proxy's ``X-Request-ID`` when it sends a sane one, else a new one. It is sent
  back in the response's ``X-Request-ID``, written on every log line made while the request runs, and
  carried to the background tasks the request enqueues (the task's log lines carry it and the task's id).
- ``LOG_FORMAT=json`` (the production start's default) writes one JSON object a line: time, level, logger,
  message, request_id, task_id and the record's extra fields; the text format is for a developer's
  terminal. One line per request (logger ``shuangchuang.request``: method, path, view, status, ms, user).
- Statements slower than ``SLOW_QUERY_MS`` (default 200; 0 = off) are logged by
  ``shuangchuang.slow_query`` with their time and SQL (parameters left out: they may be personal data).
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
task_id: contextvars.ContextVar[str] = contextvars.ContextVar("task_id", default="")

_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
request_log = logging.getLogger("shuangchuang.request")
slow_query_log = logging.getLogger("shuangchuang.slow_query")

# attributes every LogRecord has: the rest are a call's `extra=` fields
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id", "task_id"}


def new_request_id(offered: str | None = None) -> str:
    if offered and _VALID_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


class ContextFilter(logging.Filter):
    """Puts the current request's and task's ids on every record (handlers: add it as a filter)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", "") or request_id.get()
        record.task_id = getattr(record, "task_id", "") or task_id.get()
        return True


class ClientErrorsWithoutTraceback(logging.Filter):
    """Django logs every 4xx answer (a page not found, a page refused) as a warning carrying the exception
    that made it. That is the visitor's mistake or the access policy at work, not the program's: its line
    keeps the status and the path, without a traceback (a crawler's 404s would otherwise fill the log with
    stack traces, each costing more to format than the page cost to answer). A 5xx keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "task_id"):
            if value := getattr(record, key, ""):
                entry[key] = value
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestIdMiddleware:
    """First in the chain: the id exists before anything logs, and the request line is written last."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = new_request_id(request.headers.get("X-Request-ID"))
        token = request_id.set(rid)
        request.request_id = rid  # type: ignore[attr-defined]
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            match = getattr(request, "resolver_match", None)
            user = getattr(request, "user", None)
            request_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "view": match.view_name if match else "",
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                },
            )
            return response
        finally:
            request_id.reset(token)


def slow_query_wrapper(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    threshold = settings.SLOW_QUERY_MS
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        ms = (time.perf_counter() - started) * 1000
        if threshold and ms >= threshold:
            slow_query_log.warning(
                "slow query: %.0f ms",
                ms,
                extra={
                    "ms": round(ms, 1),
                    "sql": sql[:2000],
                    "many": many,
                    "database": context["connection"].alias,
                },
            )


@receiver(connection_created)
def _watch_for_slow_queries(sender: Any, connection: Any, **kwargs: Any) -> None:
    if settings.SLOW_QUERY_MS and slow_query_wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.append(slow_query_wrapper)


# Background tasks: the request that enqueued one, and the task's own id, on the task's log lines. The
# request id travels through the shared cache (Redis in production; a task run by another process of a
# machine without CACHE_URL gets only its task id — the "task enqueued" line still ties the two).

tasks_log = logging.getLogger("shuangchuang.tasks")
TASK_REQUEST_SECONDS = 7 * 24 * 3600


def _task_cache_key(result_id: Any) -> str:
    return f"task-request:{result_id}"


def _on_task_enqueued(sender: Any, task_result: Any, **kwargs: Any) -> None:
    from django.core.cache import cache

    rid = request_id.get()
    if rid:
        cache.set(_task_cache_key(task_result.id), rid, TASK_REQUEST_SECONDS)
    tasks_log.info(
        "task enqueued: %s",
        task_result.task.name,
        extra={"task": task_result.task.name, "task_result_id": str(task_result.id)},
    )


def _on_task_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    from django.core.cache import cache

    task_id.set(str(task_result.id))
    request_id.set(cache.get(_task_cache_key(task_result.id)) or "")
    tasks_log.info("task started: %s", task_result.task.name, extra={"task": task_result.task.name})


def _on_task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    started, finished = task_result.started_at, task_result.finished_at
    seconds = (finished - started).total_seconds() if started and finished else None
    tasks_log.info(
        "task finished: %s %s",
        task_result.task.name,
        task_result.status,
        extra={"task": task_result.task.name, "status": str(task_result.status), "seconds": seconds},
    )
    task_id.set("")
    request_id.set("")


def connect_task_signals() -> None:
    from django_tasks.signals import task_enqueued, task_finished, task_started

    task_enqueued.connect(_on_task_enqueued, dispatch_uid="shuangchuang.task_enqueued")
    task_started.connect(_on_task_started, dispatch_uid="shuangchuang.task_started")
    task_finished.connect(_on_task_finished, dispatch_uid="shuangchuang.task_finished")
