"""A direction's default evaluation scheme holds only what every kind of base in the direction reports
(厦门大学 in 创业就业 is not asked the region questions, so the scheme leaves them out and says so)."""

import pytest

from shuangchuang.evaluation.schemes import ensure_default_scheme
from shuangchuang.monitoring.catalogue import load_catalogue
from shuangchuang.registry.models import Direction

pytestmark = pytest.mark.django_db

REGION_QUESTIONS = {"ENTR_MIGRANTS", "ENTR_VETERANS", "ENTR_UNEMPLOYED", "NEW_ENTITIES_GROWTH"}


@pytest.fixture
def catalogue(registry):
    load_catalogue()


def test_the_default_schemes_hold_what_every_kind_of_base_in_the_direction_reports(catalogue):
    employment = ensure_default_scheme(
        Direction.objects.get(code="employment"), 2025
    )  # regions, universities
    integration = ensure_default_scheme(Direction.objects.get(code="integration"), 2025)  # and enterprises
    lean = ensure_default_scheme(Direction.objects.get(code="lean"), 2025)  # regions and institutes

    def nodes(scheme):
        return set(scheme.nodes.exclude(indicator=None).values_list("code", flat=True))

    assert not nodes(employment) & REGION_QUESTIONS and {"ENTR_STUDENTS", "JOBS_TOTAL"} <= nodes(employment)
    assert "返乡入乡创业农民工人数" in employment.description
    assert {"OPEN_PLATFORMS", "SUPPLY_CHAIN_SMES"} <= nodes(integration)
    assert "HIDDEN_CHAMPIONS" not in nodes(lean) and "SRDI_SMES" in nodes(lean)
