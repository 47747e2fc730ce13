"""The permission matrix: every URL pattern × every role × (an object in scope, one out of scope, a missing
one) → the answer the user gets (200, 302 to the login page, 403 or 404).

One table, `MATRIX`, holds a row per URL pattern of the site; the admin's pages get theirs from
`ADMIN_MODELS` (one line per model registered in the admin). `test_every_url_pattern_has_a_row` fails when a
URL pattern has neither, so a new page cannot be added without saying who may open it. Outside scope and
missing are the same 404 everywhere.

Each cell is the status code of the first response (no redirects followed). A row's answers are given per
role either as one code (the same for every object) or as `(in scope, out of scope, missing)`.
Set `MATRIX_PRINT=1` to print what the site answers instead of comparing (to write a new row).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from conftest import ensure_registry, sign_in
from django.apps import apps
from django.contrib import admin
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from shuangchuang.accounts.models import Role, User
from shuangchuang.assessment.models import (
    AssessmentCycle,
    Criterion,
    Decision,
    Institution,
    PeerGroup,
    Rectification,
    ScoreSheet,
    ScoringForm,
    Source,
)
from shuangchuang.dashboards.models import AnnualReport
from shuangchuang.evaluation.models import EvaluationRun, EvaluationScheme, RunResult, RunStatus
from shuangchuang.monitoring.models import Evidence, Report, ReportValue
from shuangchuang.monitoring.tests.factories import make_period, make_small_catalogue
from shuangchuang.plans.models import Attachment, Goal, GoalTarget, Mechanism, Plan, StaffMember, Task
from shuangchuang.portal.models import PublicIndicator
from shuangchuang.records.models import Experience, ExperienceBatch, ExperienceState, Problem, SupportPolicy
from shuangchuang.registry.models import Authority, Base, Direction

pytestmark = pytest.mark.django_db

IN_BASE = "B3-012"  # 横州市 (创业就业), reviewed by 广西 DRC; the operator's base, assigned to the evaluator
OUT_BASE = "B3-001"  # 晋城经开区 (创业就业), reviewed by 山西 DRC: outside every scoped role
MISSING = 987654

ROLES = [
    "anonymous",
    Role.NATIONAL_ADMIN,
    Role.JOINT_MEMBER,
    Role.AUTHORITY,
    Role.OPERATOR,
    Role.EVALUATOR,
    Role.AUDITOR,
    Role.SECURITY_ADMIN,
]
SCOPES = ("in", "out", "missing")
A = "anonymous"
NA, JM, AU, OP, EV, AD, SA = (
    Role.NATIONAL_ADMIN,
    Role.JOINT_MEMBER,
    Role.AUTHORITY,
    Role.OPERATOR,
    Role.EVALUATOR,
    Role.AUDITOR,
    Role.SECURITY_ADMIN,
)


# The world every row is tried in


@dataclass
class World:
    users: dict[str, User]
    clients: dict[str, Client]
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)

    def client(self, role: str) -> Client:
        client = Client()
        if role in self.users:
            sign_in(client, self.users[role])
        return client

    def kwargs(self, scope: str) -> dict[str, Any]:
        return self.objects[scope]


def _user(role: str, **scope: Any) -> User:
    user = User(username=f"matrix-{role}", role=role)
    if base := scope.get("base"):
        user.base = Base.objects.get(code=base)
    if authority := scope.get("authority"):
        user.authority = Authority.objects.get(code=authority)
    user.set_unusable_password()
    user.save()
    if assigned := scope.get("assigned"):
        user.assigned_bases.set(Base.objects.filter(code__in=assigned))
    return user


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Users of every role and two of everything (in and out of scope), made once for the module inside a
    transaction that is rolled back afterwards; each test's own changes roll back as usual. A second or
    two, once per module (per xdist worker that runs some of its rows)."""
    with django_db_blocker.unblock():
        ensure_registry()
    cache.clear()
    with django_db_blocker.unblock(), transaction.atomic():
        yield _make_world()
        transaction.set_rollback(True)
    cache.clear()


@pytest.fixture(autouse=True)
def empty_cache():
    """Emptied when the world is made and when it goes, not before each row (the root conftest's
    `empty_cache`): the rows look at status codes only, and a page's kept parts (the reader's bar, table
    rows) are kept from one row to the next as from one request to the next in production."""


def _make_admin_rows() -> None:
    """One row for each third-party model in the admin, so that its pages have something to open."""
    now = timezone.now()
    seen = {"user_agent": "matrix", "ip_address": "127.0.0.1", "username": "x", "http_accept": "*/*"}
    AccessAttempt.objects.create(**seen, path_info="/", get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**seen, path_info="/")
    AccessFailureLog.objects.create(**seen, path_info="/")
    DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="shuangchuang.evaluation.tasks.run_evaluation",
        backend_name="default",
        run_after=now,
        exception_class_path="",
        traceback="",
    )


def _make_world() -> World:
    jobs = make_small_catalogue()["JOBS"]
    period = make_period(2025)
    bases = {"in": Base.objects.get(code=IN_BASE), "out": Base.objects.get(code=OUT_BASE)}
    users = {
        NA: _user(NA),
        JM: _user(JM),
        AU: _user(AU, authority="drc-450000"),
        OP: _user(OP, base=IN_BASE),
        EV: _user(EV, assigned=(IN_BASE,)),
        AD: _user(AD),
        SA: _user(SA),
    }
    clients = {A: Client()}
    for role, user in users.items():
        clients[role] = Client()
        sign_in(clients[role], user)
    scheme = EvaluationScheme.objects.create(
        name="创业就业 2025", direction=Direction.objects.get(code="employment"), year=2025
    )
    _make_admin_rows()
    PublicIndicator.objects.create(indicator=jobs)
    annual = AnnualReport.objects.create(year=2025, status="done", progress=100, pdf=b"%PDF-1.4\n%%EOF\n")
    world = World(users, clients)
    # a ranking holding the scoped roles' base, and one that does not
    runs = {
        s: EvaluationRun.objects.create(scheme=scheme, status=RunStatus.DONE, progress=100) for s in bases
    }
    RunResult.objects.create(run=runs["in"], base=bases["out"], included=True, score=40, rank=2)
    for scope, base in bases.items():
        report = Report.objects.create(base=base, period=period)
        evidence = Evidence.objects.create(
            report=report,
            section="就业",
            file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="a.pdf"),
            original_name="证明.pdf",
            content_type="application/pdf",
            size=15,
            sha256="0" * 64,
            uploaded_by=users[OP],
        )
        RunResult.objects.create(run=runs[scope], base=base, included=True, score=50, rank=1)
        ReportValue.objects.create(
            report=report, indicator=jobs, indicator_version=jobs.versions.get(), number=Decimal(12)
        )
        plan = Plan.objects.create(
            base=base, version=1, title="建设方案", start_year=2025, end_year=2027, focus="成果转化"
        )
        goal = Goal.objects.create(plan=plan, name="带动就业", baseline=Decimal(100))
        GoalTarget.objects.create(goal=goal, year=2027, value=Decimal(200))
        task = Task.objects.create(plan=plan, title="建设中试基地", owner="管委会", deadline="2027-12-31")
        attachment = Attachment.objects.create(
            base=base,
            file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="a.pdf"),
            original_name="方案.pdf",
            content_type="application/pdf",
            size=15,
            sha256="0" * 64,
        )
        mechanism = Mechanism.objects.create(base=base, name="领导小组", member_units="发展改革委")
        staff = StaffMember.objects.create(base=base, name="张三", role="主任", since="2024-01-01")
        world.objects[scope] = {
            "plan_pk": plan.pk,
            "goal_pk": goal.pk,
            "task_pk": task.pk,
            "attachment_pk": attachment.pk,
            "mechanism_pk": mechanism.pk,
            "staff_pk": staff.pk,
            "plan_action": "submit",
            "code": base.code,
            "base": base.code,
            "base_code": base.code,
            "pk": report.pk,
            "evidence_pk": evidence.pk,
            "period": period.code,
            "scheme_id": scheme.pk,
            "run_id": runs[scope].pk,
            "app_label": "registry",
            "id": users[OP].pk if scope == "in" else users[JM].pk,
            "indicator": "JOBS",
            "year": 2025,
            "table": "headline",
            "report_id": annual.pk,
            **_records_of(base, users[OP]),
        }
    _make_assessment(world, bases, users)
    world.objects["missing"] = {
        **{
            k: MISSING for k in ("plan_pk", "goal_pk", "task_pk", "attachment_pk", "mechanism_pk", "staff_pk")
        },
        "plan_action": "submit",
        "code": "B3-999",
        "base": "B3-999",
        "base_code": "B3-999",
        "pk": MISSING,
        "evidence_pk": MISSING,
        "period": "1999A",
        "scheme_id": MISSING,
        "run_id": MISSING,
        "app_label": "registry",
        "id": MISSING,
        "cycle_id": MISSING,
        "sheet_id": MISSING,
        "decision_id": MISSING,
        "rectification_id": MISSING,
        "kind": "bulletin",
        "fmt": "pdf",
        "indicator": "NO_SUCH",
        "year": 2025,
        "table": "nothing",
        "report_id": MISSING,
        "policy_id": MISSING,
        "problem_id": MISSING,
        "experience_id": MISSING,
    }
    return world


def _make_assessment(world: World, bases: dict[str, Base], users: dict[str, User]) -> None:
    """A 2025 cycle (program data: one for in and out), an expert sheet of each base (the evaluator's for
    its assigned base), a proposed decision and a rectification of each base."""
    cycle = AssessmentCycle.objects.create(year=2025, name="2025年度")
    form = ScoringForm.objects.create(cycle=cycle, direction=Direction.objects.get(code="employment"))
    Criterion.objects.create(form=form, code="policy", name="政策落实", max_points=20)
    Institution.objects.create(name="评估机构（矩阵）").members.add(users[EV])
    PeerGroup.objects.create(
        cycle=cycle, direction=form.direction, code="district", name="区县（行政区）"
    ).bases.set(bases.values())
    other_evaluator = _user(EV + "-other")
    other_evaluator.role = EV
    other_evaluator.save()
    decision = Decision.objects.create(cycle=cycle, title="关于2025年度双创示范基地评估结果和动态调整的通报")
    for scope, base in bases.items():
        evaluator = users[EV] if scope == "in" else other_evaluator
        sheet = ScoreSheet.objects.create(cycle=cycle, base=base, source=Source.EXPERT, evaluator=evaluator)
        rectification = Rectification.objects.create(decision=decision, base=base, deadline="2026-06-30")
        world.objects[scope] |= {
            "cycle_id": cycle.pk,
            "sheet_id": sheet.pk,
            "decision_id": decision.pk,
            "rectification_id": rectification.pk,
            "kind": "bulletin",
            "fmt": "pdf",
        }


def _records_of(base: Base, operator: User) -> dict[str, int]:
    """A support policy (with its file) the base recorded for itself, a problem it raised, and an experience it
    submitted (past the draft: its authority and the national office see it; published, everyone would)."""
    policy = SupportPolicy.objects.create(
        title="支持政策",
        issuer="市政府",
        issued_on=timezone.localdate(),
        kind="funding",
        recorded_by=operator,
        recorded_by_base=base,
    )
    policy.file.save("a.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    policy.original_name, policy.content_type = "政策.pdf", "application/pdf"
    policy.save()
    policy.bases.set([base])
    problem = Problem.objects.create(
        base=base, category="space", title="用房", description="d", needs="n", due_on=timezone.localdate()
    )
    experience = Experience.objects.create(
        base=base,
        title="经验",
        problem_solved="p",
        actions="a",
        results="r",
        theme="other",
        direction=base.direction,
        base_kind=base.kind,
        state=ExperienceState.SUBMITTED,
    )
    ExperienceBatch.objects.get_or_create(number=1)
    return {"policy_id": policy.pk, "problem_id": problem.pk, "experience_id": experience.pk}


# The table


LOGIN = 302
SCOPED = (200, 404, 404)  # the object in scope opens; outside scope is the same 404 as missing
EVERY = (200, 200, 404)  # program-wide readers: every existing object opens


@dataclass(frozen=True)
class Row:
    answers: dict[str, int | tuple[int, int, int]]
    method: str = "GET"
    data: dict[str, Any] = field(default_factory=dict)
    # which kwargs of the world the URL takes (None: the URL takes none)
    args: tuple[str, ...] = ()
    # the request ends the session or changes it (logout, language): made with a client of its own
    fresh_client: bool = False


def readers(
    *, anonymous: int = LOGIN, scoped: int | tuple[int, int, int] = 200, secadmin: int = 403, **override: Any
) -> dict[str, int | tuple[int, int, int]]:
    """The answers of a page every program role reads, scoped roles seeing `scoped`."""
    answers: dict[str, int | tuple[int, int, int]] = {
        A: anonymous,
        NA: EVERY if isinstance(scoped, tuple) else scoped,
        JM: EVERY if isinstance(scoped, tuple) else scoped,
        AU: scoped,
        OP: scoped,
        EV: scoped,
        AD: EVERY if isinstance(scoped, tuple) else scoped,
        SA: secadmin,
    }
    answers.update({getattr(Role, k.upper(), k): v for k, v in override.items()})
    return answers


def only(role: str, allowed: int | tuple[int, int, int] = 200, others: int = 403) -> dict[str, Any]:
    answers: dict[str, Any] = {r: others for r in ROLES}
    answers[A] = LOGIN
    answers[role] = allowed
    return answers


# A role that can never do what a URL does gets 403 before anything is looked up; a role that may gets 404 for
# what lies outside its scope. Evidence: the base, and its authority or the national office filling in on
# its behalf (代填) while the report is with the base.
ENTERS_VALUES = {NA: (302, 302, 404), AU: (302, 404, 404), OP: (302, 404, 404)}

DASHBOARD_READERS = only(NA) | {JM: 200, AU: 200}
DASHBOARD_EVERY = only(NA, EVERY) | {JM: EVERY, AU: EVERY}
PUBLIC = {r: 200 for r in ROLES}

MATRIX: dict[str, Row] = {
    # core
    "core:audit_log": Row(only(AD)),
    # the load balancer's and the monitoring system's (site/health.py): no session needed, no program data;
    # /metrics answers this machine's address (the test client's) or a bearer token
    "site:healthz": Row({r: 200 for r in ROLES}),
    "site:readyz": Row({r: 200 for r in ROLES}),
    "site:metrics": Row({r: 200 for r in ROLES}),
    "core:audit_export_csv": Row(only(AD)),
    "core:audit_export_xlsx": Row(only(AD)),
    # accounts
    "accounts:login": Row({r: 302 for r in ROLES} | {A: 200}),
    "accounts:logout": Row({r: 302 for r in ROLES}, method="POST", fresh_client=True),
    "accounts:password_change": Row({r: 200 for r in ROLES} | {A: LOGIN}),
    "accounts:password_change_done": Row({r: 200 for r in ROLES} | {A: LOGIN}),
    # one's own account: every role; the second factor's pages (verified already here: nothing to verify)
    "accounts:security": Row({r: 200 for r in ROLES} | {A: LOGIN}),
    "accounts:second_factor_verify": Row({r: 302 for r in ROLES}),
    "accounts:second_factor_enrol": Row({r: 200 for r in ROLES} | {A: LOGIN}),
    "accounts:second_factor_qr": Row({r: 200 for r in ROLES} | {A: LOGIN}),
    # new recovery codes for an enrolled account (the roles that must have a second factor have one here)
    "accounts:recovery_codes": Row(
        {r: 302 for r in ROLES} | {NA: 200, AU: 200, AD: 200, SA: 200}, method="POST"
    ),
    # only roles that may sign in without a second factor remove theirs
    "accounts:remove_second_factor": Row(
        {r: 302 for r in ROLES} | {NA: 403, AU: 403, AD: 403, SA: 403}, method="POST"
    ),
    # the two-person rule: national administrators confirm grants (there is no pending grant here: 404)
    "accounts:grant_list": Row(only(NA)),
    "accounts:grant_decide": Row(only(NA, 404), method="POST", args=("pk",), data={"decision": "confirm"}),
    "set_language": Row(
        {r: 302 for r in ROLES}, method="POST", data={"language": "en", "next": "/"}, fresh_client=True
    ),
    # site: the pages that gather several apps (moved here from core and registry, issue 9)
    "site:home": Row({r: 200 for r in ROLES} | {A: LOGIN}),
    "site:base_detail": Row(readers(scoped=SCOPED), args=("code",)),
    # registry
    "registry:base_list": Row(readers()),
    "registry:base_export": Row(readers()),
    "registry:province_summary": Row(readers()),
    "registry:base_import": Row(only(NA)),
    "registry:base_import_template": Row(only(NA)),
    # monitoring: reading
    "monitoring:report_list": Row(readers()),
    "monitoring:completeness": Row(readers()),
    "monitoring:report_detail": Row(readers(scoped=SCOPED), args=("pk",)),
    # the summary sheet exists once a report is approved: before that, its page says so (a redirect)
    "monitoring:report_summary_pdf": Row(
        readers(scoped=(302, 404, 404)) | {r: (302, 302, 404) for r in (NA, JM, AD)}, args=("pk",)
    ),
    "monitoring:evidence_download": Row(readers(scoped=SCOPED), args=("pk", "evidence_pk")),
    "monitoring:excel_download_report": Row(readers(scoped=SCOPED), args=("period", "base")),
    "monitoring:excel_download_authority": Row(readers(scoped=(200, 200, 404)), args=("period",)),
    # monitoring: writing
    "monitoring:excel_upload": Row(only(NA) | {AU: 200, OP: 200}),
    "monitoring:excel_confirm": Row(only(NA, 302) | {AU: 302, OP: 302}, method="POST"),
    # the authority passes, the national office approves and locks many at once (here: approve)
    "monitoring:bulk_action": Row(only(NA, 302), method="POST", data={"action": "approve"}),
    # the form is the base's own: reviewers never type into a base's values, they return them
    "monitoring:report_save": Row(only(OP, (302, 404, 404)), method="POST", args=("pk",)),
    "monitoring:report_preview": Row(only(OP, SCOPED), method="POST", args=("pk",)),
    # 报送 is the base's move (here refused with the problems listed: the draft is incomplete)
    "monitoring:report_transition": Row(
        only(OP, SCOPED), method="POST", args=("pk",), data={"action": "submit"}
    ),
    # evidence goes with the values, also when an authority fills in for the base (代填)
    "monitoring:evidence_upload": Row(only(OP) | ENTERS_VALUES, method="POST", args=("pk",)),
    "monitoring:evidence_withdraw": Row(only(OP) | ENTERS_VALUES, method="POST", args=("pk", "evidence_pk")),
    # evaluation
    "evaluation:run_list": Row(readers()),
    "evaluation:create_default_schemes": Row(only(NA, 302), method="POST", data={"year": "2025"}),
    "evaluation:scheme_detail": Row(readers(scoped=(200, 200, 404)), args=("scheme_id",)),
    "evaluation:start_run": Row(only(NA, (302, 302, 404)), method="POST", args=("scheme_id",)),
    "evaluation:run_detail": Row(readers(scoped=SCOPED), args=("run_id",)),
    "evaluation:run_export": Row(readers(scoped=SCOPED), args=("run_id",)),
    "evaluation:result_detail": Row(readers(scoped=SCOPED), args=("run_id", "base_code")),
    # assessment: cycles and decisions are the program's (every reader), a base's parts are seen where
    # the base is; the office runs the cycle, evaluators and bases score, the joint conference approves
    "assessment:cycle_list": Row(readers()),
    "assessment:cycle_open": Row(only(NA, 302), method="POST"),
    "assessment:cycle_detail": Row(readers(scoped=EVERY), args=("cycle_id",)),
    "assessment:cycle_action": Row(only(NA, (302, 302, 404)), method="POST", args=("cycle_id",)),
    "assessment:results": Row(readers(scoped=EVERY), args=("cycle_id",)),
    "assessment:self_assessment": Row(only(OP, EVERY), args=("cycle_id",)),
    "assessment:declare_conflict": Row(
        only(EV, (302, 302, 404)), method="POST", args=("cycle_id",), data={"base": IN_BASE}
    ),
    "assessment:site_visit": Row(only(EV, SCOPED), args=("cycle_id", "base_code")),
    "assessment:what_if": Row(only(NA, EVERY), args=("cycle_id",)),
    "assessment:sheet": Row(only(EV, SCOPED) | {OP: 404}, args=("sheet_id",)),
    "assessment:decision_detail": Row(readers(scoped=EVERY), args=("decision_id",)),
    "assessment:decision_action": Row(
        only(NA, (302, 302, 404)) | {JM: (302, 302, 404)}, method="POST", args=("decision_id",)
    ),
    # a proposed decision has no documents yet: the page says so (a redirect)
    "assessment:decision_document": Row(
        readers(scoped=(302, 302, 404)) | {r: (302, 302, 404) for r in (NA, JM, AD)},
        args=("decision_id", "kind", "fmt"),
    ),
    "assessment:rectification": Row(readers(scoped=SCOPED), args=("rectification_id",)),
    # dashboards: the program's (national office, joint conference) and an authority's own
    "dashboards:dashboard": Row(DASHBOARD_READERS),
    "dashboards:trace": Row(DASHBOARD_EVERY, args=("indicator", "year")),
    "dashboards:export": Row(DASHBOARD_EVERY, args=("table",)),
    "dashboards:profile": Row(readers(scoped=SCOPED), args=("code",)),
    # the program's annual report: the national office and the joint conference
    "dashboards:annual_list": Row(only(NA) | {JM: 200}),
    "dashboards:annual_detail": Row(only(NA, EVERY) | {JM: EVERY}, args=("report_id",)),
    "dashboards:annual_download": Row(only(NA, EVERY) | {JM: EVERY}, args=("report_id",)),
    # the public portal: no login
    "portal:home": Row(PUBLIC),
    "portal:base_list": Row(PUBLIC),
    "portal:base_detail": Row({r: EVERY for r in ROLES}, args=("code",)),
    "portal:index": Row(PUBLIC),
    "portal:experience_list": Row(PUBLIC),
    "portal:decision_list": Row(PUBLIC),
    # the world's experiences are submitted, not published: the portal shows none of them to anyone
    "portal:experience_detail": Row({r: 404 for r in ROLES}, args=("experience_id",)),
    # plans (issue 11): a base's plan versions, goals, tasks, progress; its organisation and staff roster.
    # Reading: where the base is seen. Writing: the base's own operator (the world's plans are drafts: editing
    # opens, progress on a plan not yet approved is a message). Reviewing: its authority and the office.
    "plans:review_queue": Row(only(NA) | {AU: 200}),
    "plans:base_plans": Row(readers(scoped=SCOPED), args=("code",)),
    "plans:plan_create": Row(only(OP, (302, 404, 404)), method="POST", args=("code",)),
    "plans:plan_detail": Row(readers(scoped=SCOPED), args=("plan_pk",)),
    "plans:plan_edit": Row(only(OP, SCOPED), args=("plan_pk",)),
    "plans:document_upload": Row(only(OP, (302, 404, 404)), method="POST", args=("plan_pk",)),
    "plans:goal_add": Row(only(OP, SCOPED), args=("plan_pk",)),
    "plans:goal_edit": Row(only(OP, SCOPED), args=("plan_pk", "goal_pk")),
    "plans:goal_delete": Row(only(OP, (302, 404, 404)), method="POST", args=("plan_pk", "goal_pk")),
    "plans:task_add": Row(only(OP, SCOPED), args=("plan_pk",)),
    "plans:task_edit": Row(only(OP, SCOPED), args=("plan_pk", "task_pk")),
    "plans:task_delete": Row(only(OP, (302, 404, 404)), method="POST", args=("plan_pk", "task_pk")),
    # 报送 is the base's move; returning and approving are its reviewers' (other roles: 403)
    # the base discards a draft it never submitted (the world's plans are such drafts)
    "plans:plan_discard": Row(only(OP, (302, 404, 404)), method="POST", args=("plan_pk",)),
    "plans:plan_move": Row(only(OP, (302, 404, 404)), method="POST", args=("plan_pk", "plan_action")),
    "plans:task_progress": Row(only(OP, (302, 404, 404)), args=("task_pk",)),
    "plans:goal_result": Row(only(OP, (302, 404, 404)), args=("goal_pk",)),
    "plans:attachment": Row(readers(scoped=SCOPED), args=("attachment_pk",)),
    "plans:organisation": Row(readers(scoped=SCOPED), args=("code",)),
    "plans:organisation_edit": Row(only(OP, SCOPED), args=("code",)),
    "plans:mechanism_add": Row(only(OP, SCOPED), args=("code",)),
    "plans:mechanism_edit": Row(only(OP, SCOPED), args=("code", "mechanism_pk")),
    "plans:meeting_add": Row(only(OP, SCOPED), args=("code", "mechanism_pk")),
    "plans:staff_add": Row(only(OP, SCOPED), args=("code",)),
    "plans:staff_edit": Row(only(OP, SCOPED), args=("code", "staff_pk")),
    # Excel: templates for every reader of the records, uploads for the base (a preview; confirming a
    # preview that is not in the session is a message)
    "plans:goals_template": Row(readers(scoped=SCOPED), args=("plan_pk",)),
    "plans:goals_upload": Row(only(OP, SCOPED), args=("plan_pk",)),
    "plans:goals_confirm": Row(only(OP, (302, 404, 404)), method="POST", args=("plan_pk",)),
    "plans:staff_template": Row(readers(scoped=SCOPED), args=("code",)),
    "plans:staff_upload": Row(only(OP, SCOPED), args=("code",)),
    "plans:staff_confirm": Row(only(OP, (302, 404, 404)), method="POST", args=("code",)),
    "plans:staff_leave": Row(only(OP, (302, 404, 404)), method="POST", args=("code", "staff_pk")),
    # records: support policies (the national office, an authority for its bases, a base for itself record
    # them; deleting one the user did not record is refused with a message)
    "records:policy_list": Row(readers()),
    "records:policy_create": Row(only(NA) | {AU: 200, OP: 200}),
    "records:policy_detail": Row(readers(scoped=SCOPED), args=("policy_id",)),
    # the world's policies were recorded by the base (its operator): others are sent back with a message
    "records:policy_edit": Row(
        only(NA, (200, 200, 404)) | {AU: (302, 404, 404), OP: SCOPED}, args=("policy_id",)
    ),
    "records:policy_file": Row(readers(scoped=SCOPED), args=("policy_id",)),
    "records:policy_delete": Row(
        only(NA, (302, 302, 404)) | {AU: (302, 404, 404), OP: (302, 404, 404)},
        method="POST",
        args=("policy_id",),
    ),
    # the reported 出台支持政策数 against the register: the reviewers and readers of the whole program
    "records:policy_check": Row(only(NA) | {JM: 200, AU: 200, AD: 200}),
    # problems: the base raises, its authority handles (受理 here), the national office and members later
    "records:problem_list": Row(readers()),
    "records:problem_create": Row(only(OP)),
    "records:problem_detail": Row(readers(scoped=SCOPED), args=("problem_id",)),
    "records:problem_act": Row(
        only(AU, (302, 404, 404)), method="POST", args=("problem_id",), data={"action": "start"}
    ),
    # experiences: the published library for every signed-in role; a submitted one (here) is seen by its
    # base, its authority, the national office and the auditor; its authority passes it
    "records:experience_list": Row({r: 200 for r in ROLES} | {A: LOGIN}),
    "records:experience_create": Row(only(OP)),
    "records:experience_detail": Row(
        {r: 404 for r in ROLES} | {A: LOGIN, NA: EVERY, AD: EVERY, AU: SCOPED, OP: SCOPED},
        args=("experience_id",),
    ),
    "records:experience_edit": Row(only(OP, (302, 404, 404)), args=("experience_id",)),
    "records:experience_act": Row(
        only(AU, (302, 404, 404)), method="POST", args=("experience_id",), data={"action": "pass"}
    ),
    # the admin site (its model pages come from ADMIN_MODELS below); one login page for everyone
    "admin:index": Row(only(NA) | {SA: 200}),
    "admin:login": Row(only(NA, 302) | {SA: 302}),
    "admin:logout": Row({r: 302 for r in ROLES}, method="POST", fresh_client=True),
    # one's own password is changed on the app's page (history, audit row): the admin's sends there
    "admin:password_change": Row(only(NA, 302) | {SA: 302}),
    "admin:password_change_done": Row(only(NA) | {SA: 200}),
    "admin:autocomplete": Row(only(NA, 403) | {SA: 403}),
    "admin:jsi18n": Row(only(NA) | {SA: 200}),
    "admin:view_on_site": Row(only(NA, 404) | {SA: 404}, args=("content_type_id", "object_id")),
    "admin:app_list": Row(only(NA) | {SA: 404}, args=("app_label",)),
    # the security administrator sets passwords of ordinary accounts (in: an operator, out: a member)
    "admin:auth_user_password_change": Row(only(SA, (200, 200, 404)), args=("id",)),
    # and resets another account's second factor
    "admin:accounts_user_second_factor_reset": Row(only(SA, (200, 200, 404)), args=("id",)),
}

# Every model in the admin: who owns its pages, and whether they are read only. Everyone else gets 403.
ADMIN_MODELS: dict[str, tuple[str | None, str]] = {
    # an account that has signed in is deactivated, never deleted (the admin's object here has signed in)
    "accounts.user": (SA, "in-use"),
    "core.auditevent": (NA, "read"),
    "registry.base": (NA, "edit"),
    "registry.authority": (NA, "edit"),
    "registry.province": (NA, "edit"),
    "registry.batch": (NA, "edit"),
    "registry.direction": (NA, "edit"),
    "monitoring.indicator": (NA, "edit"),
    # the admin's object is the version the world's values use: a definition in use cannot be deleted
    "monitoring.indicatorversion": (NA, "in-use"),
    "monitoring.crosscheck": (NA, "edit"),
    "monitoring.reportingperiod": (NA, "edit"),
    "monitoring.report": (NA, "read"),
    "monitoring.reportvalue": (NA, "read"),
    "evaluation.evaluationscheme": (NA, "edit"),
    "evaluation.evaluationrun": (NA, "no-add"),  # runs are started from the scheme page
    # the assessment's reference data (cycles, sheets and decisions move only through their pages)
    "assessment.institution": (NA, "edit"),
    "assessment.peergroup": (NA, "edit"),
    "assessment.scoringform": (NA, "edit"),
    "records.experiencebatch": (NA, "edit"),
    "portal.publicindicator": (NA, "edit"),
    # third-party models: nobody uses them through the admin
    "axes.accessattempt": (None, "read"),
    "axes.accesslog": (None, "read"),
    "axes.accessfailurelog": (None, "read"),
    "django_tasks_database.dbtaskresult": (None, "read"),
}
ADMIN_PAGES = ("changelist", "add", "change", "history", "delete")
ADMIN_SITE_USERS = (NA, SA)


def admin_row(model_label: str, page: str) -> Row:
    owner, mode = ADMIN_MODELS[model_label]
    refused = {"edit": (), "no-add": ("add",), "in-use": ("delete",), "read": ("add", "delete")}[mode]
    allowed = 403 if owner is None or page in refused else 200
    answers: dict[str, Any] = only(owner or NA, allowed) | ({NA: 403} if owner is None else {})
    if page in ("change", "history", "delete"):
        for role in ADMIN_SITE_USERS:
            want = answers[role]
            # Django's admin sends a missing object's owner back to the index with a message. Its history
            # page would do so before it checks permissions, so that a 302 or a 403 told someone without
            # access whether an object exists; on the policy a role that never uses the page gets its 403
            # before any lookup (`PolicyAdmin.get_queryset`), missing object or not (issue 9)
            may_open = role == owner and (allowed == 200 or mode == "in-use")
            missing = 302 if may_open else want
            answers[role] = (want, want, missing)
    return Row(answers)


# Walking the URL patterns


@functools.cache
def url_patterns() -> dict[str, str]:
    """Every named URL pattern of the site: name → route (walked once per process)."""
    found: dict[str, str] = {}

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}:{p.namespace}".strip(":") if p.namespace else namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}".strip(":") if p.name else f"{namespace}:<unnamed {p.pattern}>"
                found[name] = prefix + str(p.pattern)

    walk(get_resolver().url_patterns, "", "")
    return found


def admin_model_of(name: str) -> tuple[str, str] | None:
    """`admin:registry_base_change` → ("registry.base", "change")."""
    for model in admin.site._registry:
        label = model._meta.label_lower
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            return label, name.removeprefix(prefix)
    return None


def row_for(name: str) -> Row | None:
    if name in MATRIX:
        return MATRIX[name]
    if (found := admin_model_of(name)) and found[0] in ADMIN_MODELS and found[1] in ADMIN_PAGES:
        return admin_row(*found)
    return None


def test_every_url_pattern_has_a_row():
    patterns = url_patterns()
    unnamed_admin = {n for n in patterns if n.startswith("admin:<unnamed")}  # the admin's own redirects
    missing = sorted(n for n in patterns if n not in unnamed_admin and row_for(n) is None)
    assert missing == [], "URL patterns without a row in the permission matrix: " + ", ".join(missing)
    stale = sorted(set(MATRIX) - set(patterns))
    assert stale == [], "rows for URL patterns that no longer exist: " + ", ".join(stale)
    registered = {m._meta.label_lower for m in admin.site._registry}
    assert registered == set(ADMIN_MODELS), "admin models without (or with a stale) row"


def _admin_object(model_label: str, scope: str) -> str:
    """The admin is all or nothing: the first object of the model, for "in" and "out" alike."""
    obj = apps.get_model(model_label)._default_manager.order_by("pk").first()
    return str(MISSING) if scope == "missing" or obj is None else str(obj.pk)


def url_for(name: str, route_kwargs: list[str], world: World, scope: str) -> str:
    values = world.kwargs(scope)
    kwargs = {k: values.get(k) for k in route_kwargs}
    if (found := admin_model_of(name)) and "object_id" in kwargs:
        kwargs["object_id"] = _admin_object(found[0], scope)
    if name == "admin:view_on_site":
        kwargs = {"content_type_id": "1", "object_id": str(MISSING)}
    return reverse(name, kwargs=kwargs)


def answers_of(client: Client, row: Row, urls: dict[str, str]) -> dict[str, int]:
    """scope → the status code. Where two scopes name the same address (the admin's pages, all or nothing,
    open the same object for "in" and "out"; a route whose arguments do not depend on the base) a GET is
    asked once: the same request of the same reader gets the same answer. A POST is sent each time."""
    got: dict[str, int] = {}
    for scope, url in urls.items():
        earlier = next((s for s in got if urls[s] == url), None) if row.method == "GET" else None
        got[scope] = got[earlier] if earlier is not None else answer(client, row, url)
    return got


def answer(client: Client, row: Row, url: str) -> int:
    response = client.post(url, row.data) if row.method == "POST" else client.get(url)
    assert_security_headers(response, url)
    return response.status_code


def assert_security_headers(response: Any, url: str) -> None:
    """Every answer, whatever its status, carries the policy headers (issue 10 item 4, SECURITY.md)."""
    policy = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in policy and "style-src 'self'" in policy, url
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
    assert "camera=()" in response.headers.get("Permissions-Policy", ""), url
    if response.wsgi_request.user.is_authenticated:
        assert response.headers.get("Cache-Control") == "no-store", url


def route_kwargs(route: str) -> list[str]:
    return re.findall(r"<(?:\w+:)?(\w+)>", route)


def rows_to_try() -> list[str]:
    patterns = url_patterns()
    return sorted(n for n in patterns if row_for(n) is not None)


# Rows whose answers the site does not give yet (issue 9: the views move onto the one policy). Each is an
# expected failure that must fail: when a row starts passing, take it out of this set.
PENDING: set[str] = set()


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason="not on the policy yet"))
        if n in PENDING or (n.startswith("admin:") and "admin" in PENDING)
        else n
        for n in rows_to_try()
    ],
)
def test_answers(world: World, name: str):
    """Up to 24 requests (8 roles × in scope, out of scope, missing): a row of heavy pages (a base's page,
    an Excel download, /metrics) takes about a second."""
    row = row_for(name)
    assert row is not None
    kwargs = route_kwargs(url_patterns()[name])
    scopes = SCOPES if kwargs else ("in",)
    urls = {scope: url_for(name, kwargs, world, scope) for scope in scopes}
    observed: dict[str, Any] = {}
    for role in ROLES:
        client = world.client(role) if row.fresh_client else world.clients[role]
        codes = tuple(answers_of(client, row, urls).values())
        observed[role] = codes if len(codes) > 1 else codes[0]
    if os.environ.get("MATRIX_PRINT"):
        print(f"\n{name}: {observed}")
        return
    expected = {
        role: (want if not isinstance(want, tuple) or len(scopes) > 1 else want[0])
        for role, want in row.answers.items()
    }
    expected = {
        role: (tuple([want] * len(scopes)) if isinstance(want, int) and len(scopes) > 1 else want)
        for role, want in expected.items()
    }
    mismatches = {role: (expected[role], got) for role, got in observed.items() if expected[role] != got}
    assert mismatches == {}, f"{name}: role → (expected, got)"
