"""A base's own page: the registry's record with its monitoring reports and evaluation results, each read
through its own scope."""

import pytest

from shuangchuang.monitoring.tests.factories import make_period, make_report

pytestmark = pytest.mark.django_db


def test_the_base_page_links_to_its_own_reports_only(registry, make_user, client_for):
    period = make_period(2025, 3)
    own = make_report("B3-012", period)
    other = make_report("B3-001", period)
    page = client_for(make_user("operator", base="B3-012")).get("/bases/B3-012/").content.decode()
    assert f"/monitoring/reports/{own.pk}/" in page and f"/monitoring/reports/{other.pk}/" not in page
