"""Health, readiness and metrics for the load balancer and the monitoring system (issue 14, item 3)."""

from __future__ import annotations

import datetime
import json
import logging

import pytest
import time_machine
from django.db import connection
from django.test import Client

from shuangchuang.core import observability
from shuangchuang.site import health

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_a_session():
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_readyz_reports_each_check_when_all_is_well():
    response = Client().get("/readyz")

    assert response.status_code == 200
    checks = response.json()["checks"]
    assert set(checks) == {"database", "cache", "migrations", "task_workers"}
    assert all(check["ok"] for check in checks.values())
    assert checks["migrations"]["pending"] == 0


def test_readyz_fails_when_the_database_does_not_answer(monkeypatch):
    def down() -> dict:
        raise ConnectionError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", down)

    response = Client().get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {
        "ok": False,
        "error": "ConnectionError: connection refused",
        "ms": body["checks"]["database"]["ms"],
    }


def test_readyz_fails_when_queued_tasks_are_not_taken_by_any_worker(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.READYZ_TASK_WAIT_SECONDS = 300
    from shuangchuang.evaluation.tasks import run_evaluation

    with time_machine.travel(datetime.datetime(2026, 12, 4, 9, 0, tzinfo=datetime.UTC), tick=False):
        run_evaluation.enqueue(987654)
        assert Client().get("/readyz").status_code == 200
    with time_machine.travel(datetime.datetime(2026, 12, 4, 9, 6, tzinfo=datetime.UTC), tick=False):
        response = Client().get("/readyz")

    assert response.status_code == 503
    check = response.json()["checks"]["task_workers"]
    assert (check["ok"], check["waiting"], check["oldest_seconds"], check["worker_alive"]) == (
        False,
        1,
        360,
        False,
    )


def test_readyz_can_require_a_live_task_worker(settings):
    settings.READYZ_REQUIRE_TASK_WORKER = True
    from shuangchuang.evaluation.heartbeat import worker_beating

    assert Client().get("/readyz").status_code == 503
    with worker_beating("web-1:4242"):
        response = Client().get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["task_workers"]["worker_alive"] is True


def test_metrics_give_requests_per_view_and_the_task_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from shuangchuang.evaluation.tasks import run_evaluation

    run_evaluation.enqueue(987654)
    Client().get("/healthz")

    response = Client().get("/metrics")

    text = response.content.decode()
    assert response.status_code == 200
    assert (
        'django_http_requests_total_by_view_transport_method_total{method="GET",transport="http",view="site:healthz"}'
        in text
    )
    assert 'shuangchuang_task_queue_length{queue="default"} 1.0' in text
    assert "shuangchuang_evaluation_run_seconds_bucket" in text


def test_metrics_are_refused_to_other_addresses_unless_they_bring_the_token(settings):
    settings.METRICS_TOKEN = "s3cret-scraper-token"
    far = Client(REMOTE_ADDR="10.1.2.3")

    assert far.get("/metrics").status_code == 403
    assert far.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert far.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scraper-token").status_code == 200


def test_every_response_carries_a_request_id_and_keeps_a_sane_one_from_the_proxy():
    mine = Client().get("/healthz")
    theirs = Client().get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a-0001")
    hostile = Client().get("/healthz", HTTP_X_REQUEST_ID="<script>" * 20)

    assert len(mine["X-Request-ID"]) == 32
    assert theirs["X-Request-ID"] == "lb-7f3a-0001"
    assert hostile["X-Request-ID"] != "<script>" * 20


def test_the_request_line_is_one_json_object_with_the_request_id(caplog):
    formatter = observability.JsonFormatter()
    with caplog.at_level(logging.INFO, logger="shuangchuang.request"):
        response = Client().get("/healthz", HTTP_X_REQUEST_ID="req-42")

    record = next(r for r in caplog.records if r.name == "shuangchuang.request")
    observability.ContextFilter().filter(record)
    line = json.loads(formatter.format(record))
    assert response.status_code == 200
    assert line["request_id"] == "req-42"
    assert line["view"] == "site:healthz" and line["status"] == 200 and line["method"] == "GET"
    assert isinstance(line["ms"], float)


def test_a_slow_statement_is_logged_with_its_time_and_sql(settings, caplog):
    settings.SLOW_QUERY_MS = 0.000001  # every statement is "slow" here
    with (
        caplog.at_level(logging.WARNING, logger="shuangchuang.slow_query"),
        connection.execute_wrapper(observability.slow_query_wrapper),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT 1 + 1")

    record = next(r for r in caplog.records if r.name == "shuangchuang.slow_query")
    assert record.sql == "SELECT 1 + 1"
    assert record.ms >= 0


class _Task:
    name = "run_evaluation"


class _Result:
    id = "4f1c0b8e-task"
    task = _Task()
    status = "SUCCESSFUL"
    started_at = finished_at = None


def test_a_task_logs_with_the_id_of_the_request_that_enqueued_it(caplog):
    token = observability.request_id.set("req-from-the-page")
    try:
        observability._on_task_enqueued(None, _Result())
    finally:
        observability.request_id.reset(token)
    assert observability.request_id.get() == ""

    # the worker (here the same process, the cache shared as Redis is between machines)
    observability._on_task_started(None, _Result())
    with caplog.at_level(logging.INFO, logger="shuangchuang.tasks"):
        logging.getLogger("shuangchuang.tasks").info("computing")
    record = caplog.records[-1]
    observability.ContextFilter().filter(record)
    observability._on_task_finished(None, _Result())

    assert record.request_id == "req-from-the-page"
    assert record.task_id == "4f1c0b8e-task"
    assert observability.task_id.get() == ""


def test_a_page_not_found_or_refused_is_one_line_without_a_traceback(caplog, make_user, client_for):
    """4xx answers are the visitor's mistake or the access policy at work (core/observability.py)."""
    client = client_for(make_user("operator", base="B3-012"))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/no-such-page/").status_code == 404
        assert client.get("/audit/").status_code == 403

    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.status_code for r in records] == [404, 403]
    assert all(r.exc_info is None for r in records)
    assert "Traceback" not in caplog.text and "/no-such-page/" in caplog.text


def test_a_server_error_keeps_its_traceback(caplog):
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error", (), None
    )
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    record.status_code = 500
    assert observability.ClientErrorsWithoutTraceback().filter(record)
    assert "RuntimeError: boom" in observability.JsonFormatter().format(record)
