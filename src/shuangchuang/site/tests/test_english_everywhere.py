"""After the switch to English, no page the app writes keeps Chinese of its own (issue 8, item 12): every
main page, as every role, over demo data (reports in every state, flags, explanations, returns, an
evaluation run, the audit log).

Data stays as entered: base, authority and people's names, cities, what bases and reviewers typed. Those
strings are taken from the database and removed from the page's text before it is searched; what is left
must have no Chinese character. Text marked lang="zh-Hans" is data the page says is Chinese on purpose.
"""

from __future__ import annotations

import re

import lxml.html
import pytest
from conftest import ensure_registry, sign_in

from shuangchuang.accounts.models import Role, User

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-label"}  # data-label: phone layout
ALLOWED = {"中文"}  # the switch back to Chinese


HIDDEN = "//script | //style | //*[starts-with(@lang, 'zh')]"


def visible_text(html: str) -> str:
    """The text a reader sees (and hears), without scripts, styles and parts marked as Chinese."""
    root = lxml.html.document_fromstring(html)
    for hidden in root.xpath(HIDDEN):
        if hidden is root:
            return ""
        hidden.drop_tree()  # (its tail, the text after it, stays: that belongs to the parent)
    shown = [v for e in root.iter() for k, v in e.attrib.items() if k in SHOWN_ATTRIBUTES and v]
    return "\n".join([*shown, root.text_content()])


def data_strings() -> list[str]:
    """What people and the registry entered, longest first (so that a name inside a longer one goes whole)."""
    from shuangchuang.core.models import AuditEvent
    from shuangchuang.monitoring.models import Evidence, ReportValue, state_changes
    from shuangchuang.registry.models import Authority, Base, BaseNameHistory

    strings: set[str] = set()
    for base in Base.objects.all():
        strings |= {base.name, base.short_name, base.current_name, base.city}
    for authority in Authority.objects.all():
        strings |= {authority.name, authority.short_name}
    strings |= set(BaseNameHistory.objects.values_list("name", flat=True))
    for user in User.objects.all():
        name = user.get_full_name()
        strings |= {name, name[:1], user.username, user.organization}  # name[:1]: the avatar's letter
    strings |= set(AuditEvent.objects.values_list("actor_name", flat=True)) - {"系统"}
    for field in ("text", "explanation", "review_comment"):
        strings |= set(ReportValue.objects.values_list(field, flat=True))
    strings |= set(state_changes().values_list("reason", flat=True))
    strings |= set(AuditEvent.objects.filter(action="monitoring.return").values_list("reason", flat=True))
    strings |= set(Evidence.objects.values_list("original_name", flat=True))
    strings |= assessment_strings()
    strings |= plans_data_strings()
    strings |= records_data_strings()
    # (only what holds Chinese can hide Chinese: the rest would be replaced for nothing on every page)
    return sorted((s for s in strings if s and CHINESE.search(s)), key=len, reverse=True)


def assessment_strings() -> set[str]:
    """What evaluators, bases and the office typed in the annual assessment."""
    from shuangchuang.assessment import models

    strings: set[str] = set(models.ScoreSheet.objects.values_list("comment", flat=True))
    strings |= set(models.DecisionItem.objects.values_list("change_reason", flat=True))
    strings |= set(models.Decision.objects.values_list("approval_note", flat=True))
    for field in ("received_from", "text", "answer"):
        strings |= set(models.Objection.objects.values_list(field, flat=True))
    for field in ("report", "review_comment"):
        strings |= set(models.Rectification.objects.values_list(field, flat=True))
    strings |= set(models.RewardMeasure.objects.values_list("note", flat=True))
    strings |= set(models.SelfAssessment.objects.values_list("summary", flat=True))
    for goals in models.SelfAssessment.objects.values_list("goals", flat=True):
        strings |= {str(v) for goal in goals for v in goal.values()}
    strings |= set(models.WhatIf.objects.values_list("name", flat=True))
    strings |= set(models.Institution.objects.values_list("name", flat=True))
    return strings


def plans_data_strings() -> set[str]:
    """What bases typed into their plans and organisation records."""
    from shuangchuang.plans import models as plans

    strings: set[str] = set()
    fields = {
        plans.Plan: ("title", "focus", "revision_note", "review_comment"),
        plans.PlanTransition: ("comment",),
        plans.Goal: ("name", "unit", "note"),
        plans.GoalReport: ("note",),
        plans.Task: ("title", "owner", "description"),
        plans.Milestone: ("title",),
        plans.TaskProgress: ("done",),
        plans.Attachment: ("original_name",),
        plans.Organisation: ("name", "head", "head_title", "host", "duties"),
        plans.Mechanism: ("name", "convener", "member_units"),
        plans.Meeting: ("title", "decisions"),
        plans.StaffMember: ("name", "role"),
    }
    for model, names in fields.items():
        for row in model._default_manager.values_list(*names):
            strings |= set(row)
    for units in plans.Mechanism.objects.values_list("member_units", flat=True):
        strings |= {line.strip() for line in units.splitlines()}
    for text in plans.Plan.objects.values_list("focus", flat=True):
        strings |= set(text.splitlines())
    return {s for s in strings if isinstance(s, str)}


def records_data_strings() -> set[str]:
    """What bases and reviewers typed into the work records (policies, problems, experiences)."""
    from shuangchuang.records.models import Experience, ExperienceBatch, Problem, ProblemEvent, SupportPolicy

    strings: set[str] = set()
    for fields in (
        ("title", "issuer", "document_number", "summary", "original_name"),
        ("title", "description", "needs", "needed_from", "resolution", "referred_to"),
        (
            "title",
            "problem_solved",
            "actions",
            "results",
            "policy_basis",
            "contact",
            "keywords",
            "review_comment",
        ),
    ):
        model = {5: SupportPolicy, 6: Problem, 8: Experience}[len(fields)]
        for row in model.objects.values_list(*fields):
            strings |= set(row)
    strings |= set(ProblemEvent.objects.values_list("text", flat=True))
    strings |= set(ProblemEvent.objects.values_list("actor_organization", flat=True))
    strings |= set(ExperienceBatch.objects.values_list("title", flat=True))
    for text in list(strings):  # multi-line text is shown with <br>: each line on its own
        strings |= set(text.splitlines())
    return strings


def app_chinese(html: str, data: list[str]) -> list[str]:
    text = visible_text(html)
    if not CHINESE.search(text):
        return []
    for entered in data:
        text = text.replace(entered, " ")
    return sorted({run for run in CHINESE.findall(text) if run not in ALLOWED})


def demo_plans() -> None:
    """The demo plans (a plan in force, a returned and a submitted revision, rosters) as accounts of the
    demo's names."""
    from shuangchuang.plans.demo import ensure_demo_plans
    from shuangchuang.registry.models import Authority, Base

    def account(username: str, role: str, **scope: object) -> User:
        return User.objects.create(username=f"plans-{username}", role=role, **scope)

    ensure_demo_plans(
        {
            "hengzhou": account("hengzhou", Role.OPERATOR, base=Base.objects.get(code="B3-012")),
            "xmu": account("xmu", Role.OPERATOR, base=Base.objects.get(code="B3-023")),
            "gx_drc": account("gx_drc", Role.AUTHORITY, authority=Authority.objects.get(code="drc-450000")),
            "moe_reviewer": account(
                "moe_reviewer", Role.AUTHORITY, authority=Authority.objects.get(code="moe")
            ),
        }
    )


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data (monitoring, plans, records, an evaluation run, the assessment), made once for the
    module's tests, which only read it: in a transaction of its own, rolled back after the module (each
    test's own transaction nests in it as a savepoint; monitoring/tests/test_demo_data.py's pattern)."""
    from django.db import transaction

    from shuangchuang.evaluation.models import EvaluationRun
    from shuangchuang.evaluation.schemes import ensure_default_schemes
    from shuangchuang.evaluation.services import execute_run
    from shuangchuang.monitoring import demo

    with django_db_blocker.unblock():
        ensure_registry()
    with django_db_blocker.unblock(), transaction.atomic():
        demo.generate(periods=[(2025, None), (2025, 1)])
        demo_plans()
        schemes = ensure_default_schemes(2025)
        employment = next(s for s in schemes if s.direction.code == "employment")
        employment.uncertainty_replications = 0
        employment.save()
        _records_demo()
        run = execute_run(EvaluationRun.objects.create(scheme=employment, settings_snapshot={}).pk)
        assessment_demo(run)
        yield run
        transaction.set_rollback(True)


def assessment_demo(run) -> None:
    """The assessment's demo over the run: a published 2025 cycle, a 2026 cycle in progress, a what-if."""
    from shuangchuang.assessment import services
    from shuangchuang.assessment.demo import ensure_demo_assessment
    from shuangchuang.assessment.models import AssessmentCycle

    admin = User.objects.create(username="english-ndrc", role=Role.NATIONAL_ADMIN)
    User.objects.create(username="english-member", role=Role.JOINT_MEMBER)
    ensure_demo_assessment(admin)
    cycle = AssessmentCycle.objects.get(year=2025)
    services.save_what_if(admin, cycle, "what-if", cycle.get_rules().with_changes(pass_from=40.0))


def _records_demo() -> None:
    from shuangchuang.records import demo as records_demo

    def user(username: str, role: str, **scope: str) -> User:
        from shuangchuang.registry.models import Authority, Base

        account = User(username=username, role=role, organization=scope.pop("organization", ""))
        if "base" in scope:
            account.base = Base.objects.get(code=scope["base"])
        if "authority" in scope:
            account.authority = Authority.objects.get(code=scope["authority"])
        account.save()
        return account

    records_demo.generate(
        records_demo.DemoPeople(
            national=user("demo-ndrc", Role.NATIONAL_ADMIN),
            member=user("demo-member", Role.JOINT_MEMBER, organization="教育部"),
            region_authority=user("demo-gx", Role.AUTHORITY, authority="drc-450000"),
            region_base=user("demo-hz", Role.OPERATOR, base="B3-012"),
            university_authority=user("demo-moe", Role.AUTHORITY, authority="moe"),
            university_base=user("demo-xmu", Role.OPERATOR, base="B3-023"),
        )
    )


def records_pages(user: User) -> list[str]:
    from shuangchuang.core.policy import may
    from shuangchuang.records.models import Experience, Problem, SupportPolicy

    pages = ["/records/experiences/", "/records/experiences/?q=科技成果转化"]
    experience = Experience.objects.restrict(user).order_by("state", "pk").first()
    if experience is not None:
        pages.append(experience.get_absolute_url())
    for state in ("draft", "submitted", "reviewed"):
        if Experience.objects.restrict(user).filter(state=state).exists():
            pages.append(f"/records/experiences/?state={state}")
    if may(user, "records.experience.write"):
        pages.append("/records/experiences/new/")
    if not may(user, "program.read"):
        return pages
    pages += ["/records/policies/", "/records/problems/", "/records/problems/?overdue=1"]
    for model in (SupportPolicy, Problem):
        for obj in model.objects.restrict(user).order_by("pk")[:2]:
            pages.append(obj.get_absolute_url())
    if may(user, "records.policy.check"):
        pages += ["/records/policies/check/", "/records/policies/check/?all=1"]
    if may(user, "records.policy.record"):
        pages.append("/records/policies/new/")
        changeable = SupportPolicy.objects.restrict(user, "change").order_by("pk").first()
        if changeable is not None:
            pages.append(f"/records/policies/{changeable.pk}/edit/")
    if may(user, "records.problem.raise"):
        pages.append("/records/problems/new/")
    return pages


def pages_for(user: User, run) -> list[str]:
    from shuangchuang.core.policy import may
    from shuangchuang.monitoring.models import Report
    from shuangchuang.registry.models import Base

    pages = ["/", "/accounts/password/", *records_pages(user)]
    if not may(user, "program.read"):
        return pages
    pages += [
        "/bases/",
        "/bases/?batch=3",
        "/bases/provinces/",
        "/monitoring/",
        "/monitoring/?state=returned",
    ]
    pages += ["/monitoring/completeness/", "/monitoring/completeness/?authority=all", "/evaluation/"]
    pages += [f"/evaluation/schemes/{run.scheme_id}/", f"/evaluation/runs/{run.pk}/"]
    base = Base.objects.restrict(user).filter(code__in=["B3-012", "B3-023", "B3-001"]).first()
    if base is not None:
        pages.append(base.get_absolute_url())
        pages.append(f"/dashboards/bases/{base.code}/")
        if run.results.filter(base=base, included=True).exists():
            pages.append(f"/evaluation/runs/{run.pk}/bases/{base.code}/")
    reports = Report.objects.restrict(user).exclude(values__isnull=True)
    chosen = (
        reports.filter(state="returned").order_by("base__code").first(),
        reports.filter(period__quarter__isnull=True).order_by("base__code").first(),  # yes/no and text values
    )
    for report in chosen:
        if report is not None:
            pages += [
                f"/monitoring/reports/{report.pk}/{tab}" for tab in ("", "?tab=history", "?tab=evidence")
            ]
    pages += assessment_pages(user)
    if may(user, "monitoring.excel.upload"):
        pages.append("/monitoring/excel/")
    if may(user, "dashboards.annual_report"):
        pages.append("/dashboards/annual/")
    if may(user, "dashboards.view"):
        pages += [
            "/dashboards/",
            "/dashboards/figures/JOBS_TOTAL/2025/",
            "/dashboards/figures/JOBS_TOTAL/2025/?direction=employment",
        ]
    pages += plans_pages(user)
    if may(user, "audit.read"):
        pages += ["/audit/", "/audit/?action=monitoring.value", "/audit/?action=monitoring.open_period"]
    return pages


def assessment_pages(user: User) -> list[str]:
    from shuangchuang.assessment.models import AssessmentCycle, Rectification, ScoreSheet
    from shuangchuang.core.policy import may

    pages = ["/assessment/"]
    for cycle in AssessmentCycle.objects.order_by("year"):
        pages += [f"/assessment/{cycle.pk}/", f"/assessment/{cycle.pk}/results/"]
        pages += [f"/assessment/decisions/{d.pk}/" for d in cycle.decisions.all()]
        if may(user, "assessment.manage"):
            pages.append(f"/assessment/{cycle.pk}/what-if/")
            pages += [f"/assessment/{cycle.pk}/what-if/?saved={w.pk}" for w in cycle.what_ifs.all()]
        if may(user, "assessment.self.submit"):
            pages.append(f"/assessment/{cycle.pk}/self/")
    if rectification := Rectification.objects.restrict(user).order_by("pk").first():
        pages.append(f"/assessment/rectifications/{rectification.pk}/")
    if may(user, "assessment.sheet.score"):
        sheet = ScoreSheet.objects.restrict(user, "change").order_by("pk").first()
        if sheet is not None:
            pages.append(f"/assessment/sheets/{sheet.pk}/")
    return pages


def plans_pages(user: User) -> list[str]:
    """The demo plans' bases: their plan, each version, their organisation; the review queue for reviewers."""
    from django.urls import reverse

    from shuangchuang.core.policy import may
    from shuangchuang.plans.models import Plan
    from shuangchuang.registry.models import Base

    pages = [reverse("plans:review_queue")] if may(user, "plans.staff.check") else []
    for base in Base.objects.restrict(user).filter(code__in=["B3-012", "B3-023"]):
        pages += [
            reverse("plans:base_plans", args=[base.code]),
            reverse("plans:organisation", args=[base.code]),
        ]
        pages.append(base.get_absolute_url())
        for plan in Plan.objects.restrict(user).filter(base=base):
            pages.append(reverse("plans:plan_detail", args=[plan.pk]))
    return pages


ROLES = [
    (Role.NATIONAL_ADMIN, {}),
    (Role.JOINT_MEMBER, {}),
    (Role.AUTHORITY, {"authority": "drc-450000"}),
    (Role.OPERATOR, {"base": "B3-012"}),
    (Role.OPERATOR, {"base": "B3-023"}),
    (Role.EVALUATOR, {"assigned": ("B3-012", "B3-023")}),
    (Role.AUDITOR, {}),
    (Role.SECURITY_ADMIN, {}),
]


def role_id(role: str, scope: dict) -> str:
    codes = [c for value in scope.values() for c in ([value] if isinstance(value, str) else value)]
    return "-".join([role, *codes])


@pytest.mark.parametrize(("role", "scope"), ROLES, ids=[role_id(r, s) for r, s in ROLES])
def test_no_page_keeps_chinese_of_its_own_in_english(demo, make_user, client, role, scope):
    """Slow on purpose (seconds: the national office's dozens of pages): every main page of the role over
    demo data."""
    leftovers = {}
    user = make_user(role, last_name="林", first_name="英文", **scope)
    data = data_strings()
    sign_in(client, user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    for page in pages_for(user, demo):
        response = client.get(page)
        assert response.status_code == 200, (user.role, page, response.status_code)
        if found := app_chinese(response.content.decode(), data):
            leftovers[f"{user.role} {page}"] = found

    assert leftovers == {}, "\n".join(f"{page}: {found[:5]}" for page, found in leftovers.items())


def test_the_check_finds_chinese_the_app_writes_but_not_data(registry):
    html = (
        '<p title="单位">厦门大学 · University</p><span lang="zh-Hans">资料来源</span>'
        "<script>var x = '脚本';</script><button>中文</button>"
    )

    assert app_chinese(html, ["厦门大学"]) == ["单位"]


def test_the_public_portal_in_english(demo, client):
    from shuangchuang.monitoring.models import Indicator
    from shuangchuang.portal.models import PublicIndicator

    PublicIndicator.objects.create(indicator=Indicator.objects.get(code="JOBS_TOTAL"))
    from shuangchuang.assessment.models import Decision

    client.post("/i18n/setlang/", {"language": "en", "next": "/public/"})
    # a published decision's title is the official document's, as issued (data)
    data = sorted(
        set(data_strings()) | set(Decision.objects.values_list("title", flat=True)), key=len, reverse=True
    )
    leftovers = {}
    pages = ["/public/", "/public/bases/", "/public/bases/?batch=1", "/public/index/", "/public/experiences/"]
    pages += ["/public/decisions/"]
    pages += ["/public/bases/B3-012/", "/public/bases/B3-023/", "/public/bases/B1-001/"]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        if found := app_chinese(response.content.decode(), data):
            leftovers[page] = found
    assert leftovers == {}, "\n".join(f"{page}: {found[:5]}" for page, found in leftovers.items())
