"""The national and the authority dashboards against hand-computed figures (see `factories.fixed_program`)."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook

from shuangchuang.accounts.models import Role
from shuangchuang.monitoring.models import Report, ReportState
from shuangchuang.monitoring.services import transition
from shuangchuang.monitoring.tests.approved_factories import fixed_program
from shuangchuang.registry.models import Base

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(registry: Any) -> None:
    fixed_program()


def figures(response: Any) -> dict[str, Any]:
    return {f["code"]: f for f in response.context["data"]["headline"]}


def row(rows: list[dict[str, Any]], key: str) -> dict[str, float]:
    found = next(r for r in rows if r["key"] == key)
    return {f["code"]: f["value"] for f in found["figures"]} | {"bases": found["bases"]}


def test_national_figures_sum_approved_values_only(program, make_user, client_for):
    client = client_for(make_user(Role.NATIONAL_ADMIN))
    response = client.get("/dashboards/?year=2025")
    found = figures(response)
    assert found["JOBS_TOTAL"]["value"] == 340  # 100 + 200 + 40; the reviewed 999 is not approved
    assert found["JOBS_TOTAL"]["previous"] == 200
    assert found["JOBS_TOTAL"]["change"] == 70.0
    assert found["FUNDING_RAISED"]["value"] == 100  # 50 + 30 + 20; the returned 999 is not counted
    assert found["FUNDING_RAISED"]["change"] == 150.0
    assert found["NEW_ENTITIES"]["value"] == 0 and found["NEW_ENTITIES"]["change"] is None
    assert 'data-testid="figure-JOBS_TOTAL" data-value="340.0"' in response.content.decode()


def test_joint_member_sees_the_same_program(program, make_user, client_for):
    client = client_for(make_user(Role.JOINT_MEMBER))
    assert figures(client.get("/dashboards/?year=2025"))["JOBS_TOTAL"]["value"] == 340


def test_breakdowns_by_direction_kind_and_peer_group(program, make_user, client_for):
    data = client_for(make_user(Role.NATIONAL_ADMIN)).get("/dashboards/?year=2025").context["data"]
    breakdown = data["breakdown"]
    assert row(breakdown["direction"], "employment")["JOBS_TOTAL"] == 340
    assert row(breakdown["direction"], "integration")["FUNDING_RAISED"] == 20
    assert row(breakdown["kind"], "region")["JOBS_TOTAL"] == 300
    assert row(breakdown["kind"], "university")["JOBS_TOTAL"] == 40
    assert row(breakdown["peer"], "academic")["JOBS_TOTAL"] == 40
    employment_bases = Base.objects.filter(direction__code="employment").count()
    assert row(breakdown["direction"], "employment")["bases"] == employment_bases


def test_map_has_every_division_with_its_figures(program, make_user, client_for):
    data = client_for(make_user(Role.NATIONAL_ADMIN)).get("/dashboards/?year=2025").context["data"]
    by_code = {p["code"]: p for p in data["map"]}
    assert len(by_code) >= 31
    assert by_code["440000"]["values"]["FUNDING_RAISED"] == 20
    assert by_code["140000"]["values"]["JOBS_TOTAL"] == 100
    assert by_code["440000"]["bases"] == Base.objects.filter(province_id="440000").count()
    assert by_code["440000"]["name"] == "广东"  # the name ECharts' china map gives the region
    assert by_code["440000"]["url"] == "/bases/?province=440000"


def test_trend_holds_each_year(program, make_user, client_for):
    data = client_for(make_user(Role.NATIONAL_ADMIN)).get("/dashboards/?year=2025").context["data"]
    jobs = {
        r["year"]: next(v["value"] for v in r["values"] if v["code"] == "JOBS_TOTAL") for r in data["trend"]
    }
    assert jobs == {2024: 200, 2025: 340}


def test_authority_sees_only_its_bases(program, make_user, client_for):
    client = client_for(make_user(Role.AUTHORITY, authority="drc-450000"))
    response = client.get("/dashboards/?year=2025")
    found = figures(response)
    assert found["JOBS_TOTAL"]["value"] == 200  # 横州 only
    assert found["JOBS_TOTAL"]["change"] == 66.7  # 120 → 200
    assert (
        response.context["data"]["bases"]["total"]
        == Base.objects.filter(authority__code="drc-450000").count()
    )
    assert "本单位看板" in response.content.decode()


def test_authority_queue_lists_its_reports_waiting_for_review(program, make_user, client_for, registry):
    from shuangchuang.monitoring.tests.approved_factories import report

    report("B3-012", 2023, ReportState.SUBMITTED, JOBS_TOTAL=1)
    report("B3-001", 2023, ReportState.SUBMITTED, JOBS_TOTAL=1)  # 山西's: not on 广西's desk
    queues = (
        client_for(make_user(Role.AUTHORITY, authority="drc-450000"))
        .get("/dashboards/")
        .context["data"]["queues"]
    )
    assert queues["queue_state"] == ReportState.SUBMITTED
    assert queues["queue_count"] == 1
    assert queues["queue"][0]["base"] == Base.objects.get(code="B3-012").current_name


def test_late_reports_are_listed(program, make_user, client_for):
    from shuangchuang.monitoring.tests.approved_factories import report

    report("B3-012", 2023, ReportState.DRAFT)  # due 2024-02-28, still a draft
    queues = client_for(make_user(Role.NATIONAL_ADMIN)).get("/dashboards/").context["data"]["queues"]
    # the draft of 2023 (due 2024-02-28) and 襄阳's returned report of 2025 (due 2026-02-28)
    assert queues["late_count"] == 2
    assert queues["queue_state"] == ReportState.REVIEWED  # the national office approves


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.EVALUATOR, Role.AUDITOR])
def test_other_roles_get_403(program, make_user, client_for, role):
    assert client_for(make_user(role, base="B3-012")).get("/dashboards/").status_code == 403


def test_figure_is_fresh_after_an_approval(program, make_user, client_for):
    admin = make_user(Role.NATIONAL_ADMIN)
    client = client_for(admin)
    assert figures(client.get("/dashboards/?year=2025"))["JOBS_TOTAL"]["value"] == 340
    reviewed = Report.objects.get(base__code="B3-050", period__code="2025A")
    transition(reviewed, "approve", actor=admin)
    assert figures(client.get("/dashboards/?year=2025"))["JOBS_TOTAL"]["value"] == 1339


def test_export_headline_as_xlsx(program, make_user, client_for):
    response = client_for(make_user(Role.NATIONAL_ADMIN)).get("/dashboards/export/headline/?year=2025")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1:4] == (340, 200, 70.0)


@pytest.mark.parametrize("table", ["direction", "kind", "peer", "trend", "map", "queue", "late"])
def test_every_table_exports(program, make_user, client_for, table):
    response = client_for(make_user(Role.NATIONAL_ADMIN)).get(f"/dashboards/export/{table}/?year=2025")
    assert response.status_code == 200
    assert load_workbook(BytesIO(response.content)).active.max_row >= 1


def test_unknown_table_is_404(program, make_user, client_for):
    assert client_for(make_user(Role.NATIONAL_ADMIN)).get("/dashboards/export/nothing/").status_code == 404
