"""Runs that cannot hang: every way a run ends is on the run, with its reason, in both languages."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from shuangchuang.core.models import AuditEvent
from shuangchuang.evaluation import heartbeat, services
from shuangchuang.evaluation.models import EvaluationRun, WorkerHeartbeat
from shuangchuang.evaluation.selectors import worker_alive

pytestmark = pytest.mark.django_db


def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_a_run_and_its_audit_row_are_written_together_or_not_at_all(approved_year, make_user, monkeypatch):
    def audit_fails(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "record", audit_fails)
    with pytest.raises(RuntimeError):
        services.start_run(approved_year, actor=make_user("national_admin"))
    assert not EvaluationRun.objects.exists()


def test_a_program_error_in_the_task_fails_the_run_with_its_message(
    approved_year, make_user, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise ValueError("matrix is singular")

    monkeypatch.setattr(services, "evaluate", broken)
    national = make_user("national_admin")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_run(approved_year, actor=national)
    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "计算时发生程序错误：ValueError: matrix is singular")
    assert AuditEvent.objects.filter(action="evaluation.fail", object_id=str(run.pk)).count() == 1
    page = client_for(national).get(reverse("evaluation:run_detail", args=[run.pk])).content.decode()
    assert "评估失败" in page and "ValueError: matrix is singular" in page and "hx-get" not in page
    page = english(client_for(national)).get(reverse("evaluation:run_detail", args=[run.pk])).content.decode()
    assert "A program error occurred during the computation: ValueError: matrix is singular" in page


def test_a_queue_that_refuses_the_task_fails_the_run(
    approved_year, make_user, monkeypatch, django_capture_on_commit_callbacks
):
    from shuangchuang.evaluation import tasks

    class RefusingQueue:
        def enqueue(self, *args, **kwargs):
            raise ConnectionError("queue is down")

    monkeypatch.setattr(tasks, "run_evaluation", RefusingQueue())
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_run(approved_year, actor=make_user("national_admin"))
    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "无法提交到任务队列：ConnectionError: queue is down")


def test_a_worker_stopped_mid_run_fails_the_run_and_stops_too(approved_year, make_user, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(services, "evaluate", interrupted)
    run = EvaluationRun.objects.create(scheme=approved_year, created_by=make_user("national_admin"))
    with pytest.raises(KeyboardInterrupt):
        services.execute_run(run.pk)
    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", services.INTERRUPTED)


def test_a_finished_run_is_never_computed_again(approved_year, make_user):
    run = EvaluationRun.objects.create(scheme=approved_year, status="failed", error="旧的失败")
    assert services.execute_run(run.pk).status == "failed"
    assert EvaluationRun.objects.get(pk=run.pk).error == "旧的失败"


def running_run(scheme, beat_at):
    return EvaluationRun.objects.create(
        scheme=scheme, status="running", started_at=beat_at, heartbeat_at=beat_at, progress=45
    )


def test_a_run_whose_heartbeat_stopped_is_failed_by_the_sweep_command(approved_year, settings):
    settings.EVALUATION_RUN_STALE_SECONDS = 60
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False):
        now = timezone.now()
        stale = running_run(approved_year, now - datetime.timedelta(seconds=61))
        alive = running_run(approved_year, now - datetime.timedelta(seconds=30))
        call_command("sweep_runs", stdout=None)
    stale.refresh_from_db()
    alive.refresh_from_db()
    assert stale.status == "failed" and "最后心跳 2026-03-02 16:58:59" in stale.error
    assert alive.status == "running"


def test_the_run_page_finds_a_run_whose_worker_died_and_says_so(approved_year, make_user, client_for):
    national = make_user("national_admin")
    run = running_run(approved_year, timezone.now())
    url = reverse("evaluation:run_detail", args=[run.pk])
    assert "计算中" in client_for(national).get(url).content.decode()
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        page = client_for(national).get(url).content.decode()
        english_page = english(client_for(national)).get(url).content.decode()
    assert EvaluationRun.objects.get(pk=run.pk).status == "failed"
    assert "评估失败" in page and "任务执行器已失联" in page
    assert "The task worker stopped responding" in english_page


def test_a_queued_run_says_when_no_worker_is_running(approved_year, make_user, client_for):
    national = make_user("national_admin")
    run = EvaluationRun.objects.create(scheme=approved_year)
    url = reverse("evaluation:run_detail", args=[run.pk])
    assert 'data-testid="no-worker"' in client_for(national).get(url).content.decode()
    with heartbeat.worker_beating("test-host:1"):
        assert 'data-testid="no-worker"' not in client_for(national).get(url).content.decode()


def test_a_worker_is_alive_while_it_beats_and_not_after(settings):
    settings.EVALUATION_RUN_STALE_SECONDS = 60
    assert not worker_alive()
    with heartbeat.worker_beating("test-host:2"):
        assert worker_alive()
        assert not worker_alive(now=timezone.now() + datetime.timedelta(seconds=61))
    assert not worker_alive()
    assert WorkerHeartbeat.objects.get(name="test-host:2").stopped_at is not None


def test_a_live_worker_sweeps_runs_of_a_dead_one(approved_year):
    run = running_run(approved_year, timezone.now() - datetime.timedelta(hours=1))
    with heartbeat.worker_beating("test-host:3"):
        pass
    assert EvaluationRun.objects.get(pk=run.pk).status == "failed"


def test_a_worker_starting_forgets_workers_silent_for_a_week():
    long_ago = timezone.now() - datetime.timedelta(days=8)
    WorkerHeartbeat.objects.create(name="old-host:9", started_at=long_ago, beat_at=long_ago)
    with heartbeat.worker_beating("test-host:4"):
        assert list(WorkerHeartbeat.objects.values_list("name", flat=True)) == ["test-host:4"]
