"""Every figure opens the approved values it was computed from, and they sum to it."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook

from shuangchuang.accounts.models import Role
from shuangchuang.monitoring.tests.approved_factories import fixed_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(registry: Any, make_user: Any, client_for: Any) -> Any:
    fixed_program()
    return client_for(make_user(Role.NATIONAL_ADMIN))


def total_of(client: Any, url: str) -> Decimal:
    response = client.get(url)
    assert response.status_code == 200, url
    lines = response.context["lines"]
    assert sum((line.number for line in lines), start=Decimal(0)) == response.context["total"]
    return response.context["total"]


def test_trace_lists_base_period_value_approver_and_time(admin_client):
    response = admin_client.get("/dashboards/figures/JOBS_TOTAL/2025/")
    page = response.content.decode()
    assert [line.base.code for line in response.context["lines"]] == ["B3-001", "B3-012", "B3-023"]
    assert response.context["total"] == 340
    assert "核准人" in page and "2026-03-10 09:30" in page
    assert "B3-050" not in page  # reviewed, not approved


def test_every_dashboard_figure_sums_from_its_trace(admin_client):
    """About a second and a half: the trace page of every figure of the dashboard is opened."""
    data = admin_client.get("/dashboards/?year=2025").context["data"]
    links = [(f["url"], f["value"]) for f in data["headline"]]
    for rows in data["breakdown"].values():
        links += [(f["url"], f["value"]) for r in rows for f in r["figures"]]
    for r in data["trend"]:
        links += [(v["url"], v["value"]) for v in r["values"]]
    assert len(links) > 20
    for url, value in links:
        assert urlsplit(url).path.startswith("/dashboards/figures/")
        assert total_of(admin_client, url) == Decimal(str(value)), url


def test_trace_filters_by_province(admin_client):
    assert total_of(admin_client, "/dashboards/figures/FUNDING_RAISED/2025/?province=440000") == 20


def test_trace_exports_xlsx_with_its_total(admin_client):
    response = admin_client.get("/dashboards/figures/JOBS_TOTAL/2025/?format=xlsx")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:4]] == ["B3-001", "B3-012", "B3-023"]
    assert rows[-1][3] == 340


def test_authority_trace_shows_only_its_bases(registry, make_user, client_for):
    fixed_program()
    client = client_for(make_user(Role.AUTHORITY, authority="drc-450000"))
    response = client.get("/dashboards/figures/JOBS_TOTAL/2025/")
    assert [line.base.code for line in response.context["lines"]] == ["B3-012"]


def test_unknown_indicator_is_404(admin_client):
    assert admin_client.get("/dashboards/figures/NO_SUCH/2025/").status_code == 404
