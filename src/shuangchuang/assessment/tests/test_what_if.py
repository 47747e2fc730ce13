"""The what-if bench: another cut-off shows who would be warned, side by side, and changes nothing stored."""

from __future__ import annotations

import pytest
from conftest import sign_in
from django.test import Client
from django.urls import reverse

from shuangchuang.accounts.models import Role
from shuangchuang.assessment import services
from shuangchuang.assessment.models import CycleResult, WhatIf

from .factories import make_cycle, score_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user):
    return make_user(Role.NATIONAL_ADMIN)


@pytest.fixture
def cycle(admin, make_user):
    evaluator = make_user(Role.EVALUATOR)
    cycle = make_cycle(admin, {"B3-012": 92, "B3-009": 62, "B3-010": 70})
    score_all(cycle, evaluator, {"B3-012": 0.92, "B3-009": 0.62, "B3-010": 0.7})
    services.compute_results(admin, cycle)
    return cycle


def test_a_higher_pass_line_warns_one_more_base_and_stored_results_stay(admin, cycle):
    before = list(CycleResult.objects.filter(cycle=cycle).values_list("base__code", "outcome", "total"))
    what_if = services.save_what_if(admin, cycle, "合格线 65", cycle.get_rules().with_changes(pass_from=65.0))
    changed = {
        row["name"]: (row["current"]["outcome"], row["alternative"]["outcome"])
        for row in what_if.outcome["rows"]
        if row["changed"]
    }
    assert changed == {"郑州金水区": ("none", "rectify")}
    assert what_if.rules["pass_from"] == 65.0
    assert (
        list(CycleResult.objects.filter(cycle=cycle).values_list("base__code", "outcome", "total")) == before
    )
    assert cycle.get_rules().pass_from == 60.0


def test_the_bench_page_saves_the_settings_and_shows_both_sides(admin, cycle):
    client = sign_in(Client(), admin)
    url = reverse("assessment:what_if", args=[cycle.pk])
    response = client.post(url, {"name": "严格", "pass_from": "65"}, follow=True)
    assert WhatIf.objects.get(cycle=cycle).name == "严格"
    assert "郑州金水区" in response.content.decode()


def test_the_bench_refuses_a_negative_cut_off_by_name(admin, cycle):
    client = sign_in(Client(), admin)
    response = client.post(reverse("assessment:what_if", args=[cycle.pk]), {"pass_from": "-5"}, follow=True)
    assert "pass_from" in response.content.decode()
    assert not WhatIf.objects.exists()


def test_the_office_adopts_a_what_ifs_rules_for_the_cycle(admin, cycle):
    what_if = services.save_what_if(admin, cycle, "合格线 65", cycle.get_rules().with_changes(pass_from=65.0))
    client = sign_in(Client(), admin)
    client.post(reverse("assessment:what_if", args=[cycle.pk]), {"adopt": str(what_if.pk)})
    cycle.refresh_from_db()
    assert cycle.get_rules().pass_from == 65.0
    services.compute_results(admin, cycle)
    assert cycle.results.get(base__code="B3-009").outcome == "rectify"
