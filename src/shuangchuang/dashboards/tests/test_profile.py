"""A base over time: its values against the direction median and peer quartiles, its ranks with intervals."""

from __future__ import annotations

from typing import Any

import pytest

from shuangchuang.accounts.models import Role
from shuangchuang.evaluation.models import EvaluationRun, EvaluationScheme, RunResult, RunStatus
from shuangchuang.monitoring.tests.approved_factories import fixed_program, report
from shuangchuang.registry.models import Base, Direction

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(registry: Any) -> None:
    fixed_program()


def jobs(response: Any) -> dict[int, dict[str, Any]]:
    series = next(s for s in response.context["series"]["series"] if s["code"] == "JOBS_TOTAL")
    return {p["year"]: p for p in series["points"]}


def test_values_against_the_direction_median(program, make_user, client_for):
    response = client_for(make_user(Role.NATIONAL_ADMIN)).get("/dashboards/bases/B3-012/")
    points = jobs(response)
    assert points[2025]["value"] == 200 and points[2024]["value"] == 120
    assert points[2025]["median"] == 100  # 晋城 100, 横州 200, 厦门大学 40
    assert points[2024]["median"] is None  # two bases only: not shown
    assert points[2025]["p25"] is None  # two regional peers only: no quartiles


def test_peer_quartiles_with_enough_peers(program, make_user, client_for):
    others = Base.objects.filter(direction__code="employment", kind="region").exclude(
        code__in=["B3-001", "B3-012"]
    )[:3]
    for base, value in zip(others, (300, 400, 500), strict=True):
        report(base.code, 2025, JOBS_TOTAL=value)
    points = jobs(client_for(make_user(Role.NATIONAL_ADMIN)).get("/dashboards/bases/B3-012/"))
    # regional peers 100, 200, 300, 400, 500 (厦门大学 is in another peer group)
    assert (points[2025]["p25"], points[2025]["p50"], points[2025]["p75"]) == (200, 300, 400)
    assert points[2025]["median"] == 250  # the direction: 40, 100, 200, 300, 400, 500


def test_rank_history_with_intervals(program, make_user, client_for):
    scheme = EvaluationScheme.objects.create(
        name="创业就业 2025", direction=Direction.objects.get(code="employment"), year=2025
    )
    base = Base.objects.get(code="B3-012")
    for rank, (low, high) in ((3, (2, 5)), (1, (1, 2))):
        run = EvaluationRun.objects.create(scheme=scheme, status=RunStatus.DONE, progress=100, unit_count=9)
        RunResult.objects.create(
            run=run, base=base, included=True, score=50, rank=rank, rank_p05=low, rank_p95=high
        )
    ranks = client_for(make_user(Role.NATIONAL_ADMIN)).get("/dashboards/bases/B3-012/").context["ranks"]
    assert [(r["rank"], r["p05"], r["p95"]) for r in ranks] == [(3, 2, 5), (1, 1, 2)]


def test_operator_sees_own_base_only(program, make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base="B3-012"))
    assert client.get("/dashboards/bases/B3-012/").status_code == 200
    assert client.get("/dashboards/bases/B3-001/").status_code == 404


def test_base_page_links_to_the_profile(program, make_user, client_for):
    page = client_for(make_user(Role.NATIONAL_ADMIN)).get("/bases/B3-012/").content.decode()
    assert "/dashboards/bases/B3-012/" in page
