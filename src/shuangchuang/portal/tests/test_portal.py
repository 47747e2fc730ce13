"""The public portal, read anonymously: the registry, a base's public page, the index."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from shuangchuang.monitoring.models import Indicator, ReportState
from shuangchuang.monitoring.tests.approved_factories import fixed_program, report
from shuangchuang.portal.models import PublicIndicator
from shuangchuang.registry.models import Base

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(registry: Any) -> None:
    fixed_program()


def test_home_shows_every_batch_without_login(registry):
    response = Client().get("/public/")
    assert response.status_code == 200
    assert response.context["summary"]["total"] == Base.objects.count()
    assert {b["batch__number"] for b in response.context["summary"]["by_batch"]} == {1, 2, 3}


def test_base_list_filters_by_province(registry):
    page = Client().get("/public/bases/?province=440000").content.decode()
    assert f"共 {Base.objects.filter(province_id='440000').count()} 个示范基地" in page
    assert "/public/bases/B3-040/" in page and "/public/bases/B3-012/" not in page


def test_base_list_is_rendered_again_when_a_base_changes(registry):
    client = Client()
    assert "横州市" in client.get("/public/bases/?q=hzs").content.decode()
    Base.objects.filter(code="B3-012").update(current_name="横州市（更名测试）")
    Base.objects.get(code="B3-012").save()  # a change through the model moves updated_at
    assert "横州市（更名测试）" in client.get("/public/bases/?q=hzs").content.decode()


def test_base_page_shows_public_information(registry):
    page = Client().get("/public/bases/B3-023/").content.decode()
    assert "厦门大学" in page and "创业就业" in page


def test_missing_base_is_404(registry):
    assert Client().get("/public/bases/B3-999/").status_code == 404


def test_a_figure_not_marked_public_never_reaches_the_portal(program):
    # 晋城's approved jobs (100) and funding (50): neither indicator is public
    page = Client().get("/public/bases/B3-001/").content.decode()
    assert 'data-testid="public-figures"' not in page


def test_a_figure_marked_public_appears_once_approved(program):
    PublicIndicator.objects.create(indicator=Indicator.objects.get(code="FUNDING_RAISED"))
    report("B3-001", 2023, ReportState.REVIEWED, FUNDING_RAISED=777)  # not approved: never shown
    response = Client().get("/public/bases/B3-001/")
    page = response.content.decode()
    assert 'data-testid="public-figures"' in page
    values = [v.number for _label, _unit, rows in response.context["figures"] for v in rows]
    assert values == [50]  # funding of 2025; not the jobs (not public), not the reviewed 777


def test_index_against_hand_computed_values(program):
    index = Client().get("/public/index/").context["index"]
    assert index["base_year"] == 2024
    series = {s["key"]: s for s in index["series"]}
    # national: jobs per base 100 → 113.33 (output), funding per base 40 → 33.33 (input); mean of the two
    assert series["national"]["composite"] == [100.0, 98.3]
    assert series["national"]["yoy"] == [None, -1.7]
    subs = {s["key"]: s["values"] for s in series["national"]["subs"]}
    assert subs["output"] == [100.0, 113.3] and subs["input"] == [100.0, 83.3]
    assert subs["entities"] == [None, None]
    # 创业就业: jobs 113.33, funding per base 40 → 40 (100)
    assert series["employment"]["composite"] == [100.0, 106.7]
    # 融通创新 had nothing approved in the base year: no index
    assert series["integration"]["composite"] == [None, None]


def test_index_changes_on_the_next_request_after_an_approval(program, make_user):
    from shuangchuang.accounts.models import Role
    from shuangchuang.monitoring.models import Report
    from shuangchuang.monitoring.services import transition

    client = Client()
    assert client.get("/public/index/").context["index"]["series"][0]["composite"][-1] == 98.3
    transition(Report.objects.get(base__code="B3-050"), "approve", actor=make_user(Role.NATIONAL_ADMIN))
    assert client.get("/public/index/").context["index"]["series"][0]["composite"][-1] != 98.3


def test_index_page_describes_its_method(program):
    page = Client().get("/public/index/").content.decode()
    assert "编制方法" in page and "带动就业人数" in page and "0.25" in page


def test_index_page_before_any_approval(registry):
    response = Client().get("/public/index/")
    assert response.status_code == 200 and response.context["index"] is None


def make_experience(code: str, state: str, title: str) -> Any:
    from django.utils import timezone

    from shuangchuang.records.models import Experience

    base = Base.objects.get(code=code)
    return Experience.objects.create(
        base=base,
        title=title,
        problem_solved="问题",
        actions="做法",
        results="成效",
        theme="employment",
        direction=base.direction,
        base_kind=base.kind,
        state=state,
        published_at=timezone.now() if state == "published" else None,
    )


def test_published_experiences_are_public_and_others_are_404(registry):
    published = make_experience("B3-012", "published", "横州返乡创业经验")
    submitted = make_experience("B3-012", "submitted", "尚未发布的经验")
    client = Client()
    listing = client.get("/public/experiences/").content.decode()
    assert "横州返乡创业经验" in listing and "尚未发布的经验" not in listing
    assert client.get(f"/public/experiences/{published.pk}/").status_code == 200
    assert client.get(f"/public/experiences/{submitted.pk}/").status_code == 404
    base_page = client.get("/public/bases/B3-012/").content.decode()
    assert "横州返乡创业经验" in base_page and "尚未发布的经验" not in base_page


def test_only_published_decisions_reach_the_portal(registry):
    from django.utils import timezone

    from shuangchuang.assessment.models import AssessmentCycle, Decision, DecisionItem

    cycle = AssessmentCycle.objects.create(year=2025, name="2025年度评估")
    published = Decision.objects.create(
        cycle=cycle, title="表彰激励通报", state="published", published_at=timezone.now()
    )
    DecisionItem.objects.create(
        decision=published, base=Base.objects.get(code="B3-012"), proposed="commend", action="commend"
    )
    proposed = Decision.objects.create(cycle=cycle, title="尚在公示的决定", state="notice")
    DecisionItem.objects.create(
        decision=proposed, base=Base.objects.get(code="B3-001"), proposed="rectify", action="rectify"
    )
    client = Client()
    page = client.get("/public/decisions/").content.decode()
    assert "表彰激励通报" in page and "尚在公示的决定" not in page
    assert "表彰激励通报" in client.get("/public/bases/B3-012/").content.decode()
    assert "尚在公示的决定" not in client.get("/public/bases/B3-001/").content.decode()
