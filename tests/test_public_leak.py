"""Nothing unpublished is reachable without signing in.

Every URL pattern of the site outside the public portal, with an existing object of every kind filled in,
answers an anonymous request with the login page or a 404 (or 405 for a page that only takes a form); the
portal's own pages, asked for the same objects, show no reported figure of a single base unless its
indicator is marked public.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shuangchuang.evaluation.models import EvaluationRun, EvaluationScheme, RunResult, RunStatus
from shuangchuang.monitoring.models import Indicator, Report, ReportState
from shuangchuang.monitoring.tests.approved_factories import fixed_program, report
from shuangchuang.portal.models import PublicIndicator
from shuangchuang.registry.models import Authority, Direction
from tests.test_permission_matrix import url_patterns

pytestmark = pytest.mark.django_db

# Pages anyone may open: signing in and its steps, the language switch, the load balancer's health check
# and readiness checks (they say "ok", nothing of the program), the portal (tested below). /metrics answers
# only the monitoring system's addresses: the visitor here comes from outside.
PUBLIC = re.compile(
    r"^(accounts:(login|logout|second_factor.*|password_reset.*)|set_language|site:(healthz|readyz)|portal:.*)$"
)


@pytest.fixture
def objects(registry: Any) -> dict[str, Any]:
    fixed_program()
    draft = report("B3-012", 2023, ReportState.DRAFT, JOBS_TOTAL=4321)
    scheme = EvaluationScheme.objects.create(
        name="创业就业 2025", direction=Direction.objects.get(code="employment"), year=2025
    )
    run = EvaluationRun.objects.create(scheme=scheme, status=RunStatus.DONE, progress=100)
    RunResult.objects.create(run=run, base=draft.base, included=True, score=50, rank=1)
    value = {
        "code": "B3-012",
        "base": "B3-012",
        "base_code": "B3-012",
        "pk": draft.pk,
        "evidence_pk": 1,
        "period": "2023A",
        "scheme_id": scheme.pk,
        "run_id": run.pk,
        "app_label": "registry",
        "id": 1,
        "indicator": "JOBS_TOTAL",
        "year": 2025,
        "table": "headline",
        "authority": Authority.objects.first().pk if Authority.objects.exists() else 1,
    }
    return value


def _fill(route: str, values: dict[str, Any]) -> str | None:
    """The route with every parameter filled from `values` (None when one is unknown)."""
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    if any(n not in values for n in names):
        return None
    if "(?P<" in route or "^" in route:  # regular-expression routes of the admin
        return None
    path = route
    for n in names:
        path = re.sub(rf"<(?:\w+:)?{n}>", str(values[n]), path)
    return "/" + path


def test_no_signed_in_page_answers_anonymously(objects):
    client = Client(REMOTE_ADDR="203.0.113.7")  # a visitor from outside (not the monitoring system's address)
    opened = []
    for name, route in url_patterns().items():
        if PUBLIC.match(name) or name.startswith("admin:"):
            continue
        path = _fill(route, objects)
        if path is None:
            continue
        response = client.get(path)
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"], (name, path, response["Location"])
        else:
            assert response.status_code in (403, 404, 405), (name, path, response.status_code)
        opened.append(name)
    assert len(opened) > 25
    assert {
        "dashboards:dashboard",
        "dashboards:trace",
        "site:base_detail",
        "monitoring:report_detail",
    } <= set(opened)


def test_admin_pages_send_anonymous_users_to_sign_in(objects):
    response = Client().get("/admin/monitoring/report/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_portal_shows_no_figure_of_a_base_unless_public(objects):
    client = Client()
    pages = [reverse("portal:home"), reverse("portal:base_list"), reverse("portal:index")]
    pages += [
        reverse("portal:base_detail", args=(code,)) for code in ("B3-001", "B3-012", "B3-023", "B3-050")
    ]
    for path in pages:
        page = client.get(path).content.decode()
        # approved values (100, 200, 40 jobs; 50, 30, 20 funding), unapproved 999 and the draft's 4321
        for figure in ("4321", "4,321", "999"):
            assert figure not in page, (path, figure)
        assert 'data-testid="public-figures"' not in page, path


def test_unpublished_value_of_a_public_indicator_stays_hidden(objects):
    PublicIndicator.objects.create(indicator=Indicator.objects.get(code="JOBS_TOTAL"))
    page = Client().get(reverse("portal:base_detail", args=("B3-012",))).content.decode()
    assert "4321" not in page and "4,321" not in page  # the draft's value
    assert Report.objects.filter(base__code="B3-012", state=ReportState.DRAFT).exists()
