"""After the switch to English, no page the app writes keeps Chinese of its own (issue 8, item 12): every
main page, as every role, over demo data (reports in every state, flags, explanations, returns, an
evaluation run, the audit log).

Data stays as entered: base, authority and people's names, cities, what bases and reviewers typed. Those
strings are taken from the database and removed from the page's text before it is searched; what is left
must have no Chinese character. Text marked lang="zh-Hans" is data the page says is Chinese on purpose.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from conftest import sign_in

from shuangchuang.accounts.models import Role, User

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-label"}  # data-label: phone layout
ALLOWED = {"中文"}  # the switch back to Chinese


class VisibleText(HTMLParser):
    """The text a reader sees (and hears), without scripts, styles and parts marked as Chinese."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("script", "style") or (attributes.get("lang") or "").startswith("zh"):
            self.skipping.append(tag)
        if not self.skipping:
            self.parts += [v for k, v in attrs if k in SHOWN_ATTRIBUTES and v]

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def data_strings() -> list[str]:
    """What people and the registry entered, longest first (so that a name inside a longer one goes whole)."""
    from shuangchuang.core.models import AuditEvent
    from shuangchuang.monitoring.models import Evidence, ReportTransition, ReportValue
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
    strings |= set(ReportTransition.objects.values_list("reason", flat=True))
    strings |= set(AuditEvent.objects.filter(action="monitoring.return").values_list("reason", flat=True))
    strings |= set(Evidence.objects.values_list("original_name", flat=True))
    return sorted((s for s in strings if s), key=len, reverse=True)


def app_chinese(html: str, data: list[str]) -> list[str]:
    text = visible_text(html)
    for entered in data:
        text = text.replace(entered, " ")
    return sorted({run for run in CHINESE.findall(text) if run not in ALLOWED})


@pytest.fixture
def demo(registry):
    from shuangchuang.evaluation.models import EvaluationRun
    from shuangchuang.evaluation.schemes import ensure_default_schemes
    from shuangchuang.evaluation.services import execute_run
    from shuangchuang.monitoring import demo

    demo.generate(periods=[(2025, None), (2025, 1)])
    schemes = ensure_default_schemes(2025)
    employment = next(s for s in schemes if s.direction.code == "employment")
    employment.uncertainty_replications = 0
    employment.save()
    return execute_run(EvaluationRun.objects.create(scheme=employment, settings_snapshot={}).pk)


def pages_for(user: User, run) -> list[str]:
    from shuangchuang.core.policy import may
    from shuangchuang.monitoring.models import Report
    from shuangchuang.registry.models import Base

    pages = ["/", "/accounts/password/"]
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
    if may(user, "audit.read"):
        pages += ["/audit/", "/audit/?action=monitoring.value", "/audit/?action=monitoring.open_period"]
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


def test_no_page_keeps_chinese_of_its_own_in_english(demo, make_user, client):
    leftovers = {}
    users = [make_user(role, last_name="林", first_name="英文", **scope) for role, scope in ROLES]
    data = data_strings()
    for user in users:
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
    client.post("/i18n/setlang/", {"language": "en", "next": "/public/"})
    data = data_strings()
    leftovers = {}
    pages = ["/public/", "/public/bases/", "/public/bases/?batch=1", "/public/index/"]
    pages += ["/public/bases/B3-012/", "/public/bases/B3-023/", "/public/bases/B1-001/"]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        if found := app_chinese(response.content.decode(), data):
            leftovers[page] = found
    assert leftovers == {}, "\n".join(f"{page}: {found[:5]}" for page, found in leftovers.items())
