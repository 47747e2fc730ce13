"""Evaluation on the access policy: which runs and results each role reaches, who starts a run (the page
and the service alike), and who reads the sensitivity analysis."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from shuangchuang.core.policy import CHANGE, VIEW, may
from shuangchuang.evaluation import services
from shuangchuang.evaluation.models import EvaluationRun, EvaluationScheme, RunResult, RunStatus
from shuangchuang.registry.models import Base, Direction

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(registry, make_user):
    return {
        "national": make_user("national_admin"),
        "member": make_user("joint_member"),
        "authority": make_user("authority", authority="drc-450000"),
        "operator": make_user("operator", base="B3-012"),
        "evaluator": make_user("evaluator", assigned=("B3-023",)),
        "auditor": make_user("auditor"),
        "secadmin": make_user("security_admin"),
    }


@pytest.fixture
def runs(people):
    """A run ranking 横州市 (广西) and one ranking only 晋城经开区 (山西)."""
    scheme = EvaluationScheme.objects.create(
        name="创业就业 2025", direction=Direction.objects.get(code="employment"), year=2025
    )
    made = {}
    for name, codes in {"guangxi": ["B3-012", "B3-001"], "shanxi": ["B3-001"]}.items():
        run = EvaluationRun.objects.create(scheme=scheme, status=RunStatus.DONE)
        for rank, code in enumerate(codes, 1):
            RunResult.objects.create(run=run, base=Base.objects.get(code=code), score=50, rank=rank)
        made[name] = run
    return made


def reached(user, runs) -> set[str]:
    return {name for name, run in runs.items() if EvaluationRun.objects.restrict(user).filter(pk=run.pk)}


def test_scoped_roles_reach_the_runs_that_rank_one_of_their_bases(people, runs):
    assert reached(people["national"], runs) == reached(people["member"], runs) == {"guangxi", "shanxi"}
    assert reached(people["authority"], runs) == reached(people["operator"], runs) == {"guangxi"}
    assert reached(people["evaluator"], runs) == set()
    assert reached(people["secadmin"], runs) == set()


def test_in_a_run_a_scoped_role_reaches_only_its_bases_results(people, runs):
    seen = RunResult.objects.restrict(people["operator"]).filter(run=runs["guangxi"])

    assert [r.base.code for r in seen] == ["B3-012"]
    assert not RunResult.objects.restrict(people["national"], CHANGE).exists()  # only a run writes them


def test_only_the_national_office_starts_runs_and_prepares_schemes(people, runs):
    scheme = runs["guangxi"].scheme

    assert {who for who, user in people.items() if may(user, "evaluation.run.start", scheme)} == {"national"}
    assert {who for who, user in people.items() if may(user, "evaluation.scheme.create")} == {"national"}
    assert EvaluationScheme.objects.restrict(people["operator"], VIEW).filter(pk=scheme.pk).exists()
    assert not EvaluationScheme.objects.restrict(people["operator"], CHANGE).exists()


def test_the_service_refuses_a_run_started_by_someone_else(people, runs):
    before = EvaluationRun.objects.count()

    with pytest.raises(PermissionDenied):
        services.start_run(runs["guangxi"].scheme, actor=people["member"])

    assert EvaluationRun.objects.count() == before


def test_a_base_does_not_read_the_sensitivity_analysis(people):
    readers = {who for who, user in people.items() if may(user, "evaluation.sensitivity.read")}

    assert readers == {"national", "member", "authority", "evaluator", "auditor"}
