"""Two reviewers press their buttons at the same moment, on PostgreSQL, each in its own connection."""

import threading

import pytest
from django.db import connection, connections

from shuangchuang.monitoring import services
from shuangchuang.monitoring.exceptions import StaleReport
from shuangchuang.monitoring.models import Action, Report, ReportState, state_changes

from .factories import make_period, make_report, make_small_catalogue


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_racing_on_postgres_one_wins_no_lost_update(registry, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of .ci/run (row-level concurrency needs a real server)")
    make_small_catalogue()
    report = make_report("B3-012", make_period(2025), state=ReportState.SUBMITTED)
    reviewers = [make_user("authority", authority="drc-450000") for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(user, action, reason):
        mine = Report.objects.select_related("base").get(pk=report.pk)  # both read version 0
        barrier.wait()
        try:
            services.transition(mine, action, actor=user, reason=reason)
            outcomes.append(action)
        except StaleReport:
            outcomes.append("stale")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=(reviewers[0], Action.PASS, "")),
        threading.Thread(target=act, args=(reviewers[1], Action.RETURN, "数据有误")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) in (["pass", "stale"], ["return", "stale"])
    final = Report.objects.get(pk=report.pk)
    assert state_changes(report).count() == 1
    assert final.version == 1
    assert final.state == (ReportState.REVIEWED if "pass" in outcomes else ReportState.RETURNED)
