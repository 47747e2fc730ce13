"""The review workflow through the pages: return with comments, pass, approve, lock, reopen, the queue."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import sign_in
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shuangchuang.accounts.models import Role
from shuangchuang.monitoring.models import Report, ReportValue, state_changes
from shuangchuang.monitoring.validation import form_versions

from .factories import make_period, make_report, make_small_catalogue

pytestmark = pytest.mark.django_db

HENGZHOU = "B3-012"  # 横州市, reviewed by 广西 DRC
LIUZHOU = "B3-041"  # 柳州高新区, also 广西
XMU = "B3-023"  # 厦门大学, reviewed by 教育部
GUANGXI = "drc-450000"

COMPLETE = {"JOBS": 120, "JOBS_GRAD": 30, "REVENUE": 50000, "RD": 2500}


@pytest.fixture
def period(registry):
    make_small_catalogue()
    return make_period(2025)


@pytest.fixture
def operator(make_user):
    return make_user(Role.OPERATOR, base=HENGZHOU, last_name="黄", first_name="填报")


@pytest.fixture
def authority(make_user):
    return make_user(Role.AUTHORITY, authority=GUANGXI, last_name="韦", first_name="审核")


@pytest.fixture
def national(make_user):
    return make_user(Role.NATIONAL_ADMIN, last_name="王", first_name="国管")


def login(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def page_url(report, suffix: str = "") -> str:
    return f"/monitoring/reports/{report.pk}/{suffix}"


def act(client, report, action: str, *, version=None, **data):
    """Press an action button on the report page as it was rendered at `version` (default: now)."""
    if version is None:
        version = Report.objects.get(pk=report.pk).version
    return client.post(
        page_url(report, "action/"), {"action": action, "version": version, **data}, follow=True
    )


def save(client, report, values: dict[str, object], *, action: str = "save"):
    data = {f"value-{code}": str(text) for code, text in values.items()}
    version = Report.objects.get(pk=report.pk).version
    return client.post(page_url(report, "save/"), {**data, "action": action, "version": version}, follow=True)


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def state_of(report) -> str:
    return Report.objects.get(pk=report.pk).state


def value_of(report, code: str) -> str:
    return ReportValue.objects.get(report=report, indicator__code=code).display_value


def test_the_operator_is_refused_passing_or_approving_its_own_report(operator, period):
    report = make_report(HENGZHOU, period, state="submitted", **COMPLETE)
    client = login(operator)

    passing = act(client, report, "pass")
    approving = act(client, report, "approve")

    # a move its role never makes: refused before the report is looked up
    assert (passing.status_code, approving.status_code) == (403, 403)
    assert state_of(report) == "submitted" and not state_changes().exists()


def test_the_authority_is_told_when_a_report_is_not_in_a_state_it_can_pass(authority, period):
    report = make_report(HENGZHOU, period, state="draft", **COMPLETE)

    response = act(login(authority), report, "pass")

    assert "不能执行“审核通过”" in messages_of(response)
    assert state_of(report) == "draft" and not state_changes().exists()


def test_the_authority_returns_with_a_reason_and_the_base_sees_the_comment_beside_the_field(
    operator, authority, period
):
    report = make_report(HENGZHOU, period, state="submitted", **COMPLETE)

    response = act(
        login(authority),
        report,
        "return",
        reason="就业数据与台账不符",
        **{"comment-JOBS": "请按社保缴纳人数核实"},
    )

    assert "已退回" in messages_of(response)
    assert state_of(report) == "returned"
    page = login(operator).get(page_url(report)).content.decode()
    assert "就业数据与台账不符" in page
    jobs = page[page.index('data-testid="field-JOBS"') : page.index('data-testid="field-JOBS_GRAD"')]
    assert "请按社保缴纳人数核实" in jobs and 'name="value-JOBS"' in jobs


def test_a_return_without_a_reason_is_refused_and_keeps_the_comments(authority, period):
    report = make_report(HENGZHOU, period, state="submitted", **COMPLETE)

    response = act(login(authority), report, "return", reason=" ", **{"comment-JOBS": "请核实"})

    assert "必须填写原因" in messages_of(response)
    assert state_of(report) == "submitted"
    assert ">请核实</textarea>" in response.content.decode()


def test_the_authority_never_gets_inputs_for_values_but_comment_boxes(authority, period):
    report = make_report(HENGZHOU, period, state="submitted", **COMPLETE)

    page = login(authority).get(page_url(report)).content.decode()

    assert 'name="value-JOBS"' not in page
    assert 'form="return-form" name="comment-JOBS"' in page
    assert 'data-testid="action-pass"' in page and 'data-testid="action-return"' in page


def test_the_whole_cycle_with_a_lock_a_reopening_and_the_changes_since_approval(
    operator, authority, national, period
):
    """About a second: a report's whole life, each move through its page."""
    report = make_report(HENGZHOU, period)
    base, reviewer, office = login(operator), login(authority), login(national)

    save(base, report, {**COMPLETE, "JOBS_GRAD": 200}, action="submit")  # 其中 > 总数: refused
    assert state_of(report) == "draft"
    save(base, report, COMPLETE, action="submit")
    assert state_of(report) == "submitted"
    act(reviewer, report, "return", reason="毕业生人数偏低", **{"comment-JOBS_GRAD": "请核实"})
    save(base, report, {**COMPLETE, "JOBS_GRAD": 45}, action="submit")
    assert state_of(report) == "submitted"
    act(reviewer, report, "pass")
    assert state_of(report) == "reviewed"
    assert ReportValue.objects.get(report=report, indicator__code="JOBS_GRAD").review_comment == ""
    assert "已核准" in messages_of(act(office, report, "approve"))
    act(office, report, "lock")
    assert state_of(report) == "locked"

    # Locked means locked: a POST of values changes nothing, and the operator gets no inputs.
    refused = save(base, report, {**COMPLETE, "JOBS": 999})
    assert "数据不能修改" in messages_of(refused)
    assert value_of(report, "JOBS") == "120"
    assert 'name="value-JOBS"' not in base.get(page_url(report)).content.decode()

    no_reason = act(office, report, "reopen", reason="")
    assert "必须填写原因" in messages_of(no_reason) and state_of(report) == "locked"
    act(office, report, "reopen", reason="统计局反馈营业收入口径调整")
    assert state_of(report) == "returned"
    save(base, report, {**COMPLETE, "JOBS_GRAD": 45, "REVENUE": 52000}, action="submit")
    assert state_of(report) == "submitted"

    page = reviewer.get(page_url(report))
    assert page.context["changes"] == [
        ("RD_INTENSITY", "研发投入强度", "5", "4.8077"),
        ("REVENUE", "营业收入", "50000", "52000"),
    ]
    assert "与上次核准相比的变化" in page.content.decode()


def test_two_reviewers_on_the_same_page_one_wins_the_other_is_told(authority, make_user, period):
    colleague = make_user(Role.AUTHORITY, authority=GUANGXI)
    report = make_report(HENGZHOU, period, state="submitted", **COMPLETE)
    rendered = report.version

    first = act(login(authority), report, "pass", version=rendered)
    second = act(login(colleague), report, "return", version=rendered, reason="数据有误")

    assert "已审核通过" in messages_of(first)
    assert "已被其他人处理" in messages_of(second)
    assert state_of(report) == "reviewed"
    assert list(state_changes().values_list("action", flat=True)) == ["monitoring.pass"]


def test_bulk_pass_passes_only_clean_submitted_reports(authority, period):
    clean = make_report(HENGZHOU, period, state="submitted", **COMPLETE)
    flagged = make_report(LIUZHOU, period, state="submitted", **COMPLETE)
    ReportValue.objects.filter(report=flagged, indicator__code="JOBS").update(
        flags=[{"kind": "history", "message": "与上期相比变化为 5.00 倍"}], explanation="新园区"
    )
    draft = make_report("B3-074", period, **COMPLETE)
    elsewhere = make_report(XMU, period, state="submitted", **COMPLETE)

    response = login(authority).post(
        "/monitoring/bulk/",
        {"action": "pass", "report": [clean.pk, flagged.pk, draft.pk, elsewhere.pk]},
        follow=True,
    )

    text = messages_of(response)
    assert "已审核通过 1 份报告" in text
    assert "有异常提示，需逐份审核" in text and "当前为“草稿”" in text
    assert [state_of(r) for r in (clean, flagged, draft, elsewhere)] == [
        "reviewed",
        "submitted",
        "draft",
        "submitted",
    ]


def test_the_national_office_approves_then_locks_many_reports_at_once(national, period):
    waiting = [make_report(code, period, state="reviewed", **COMPLETE) for code in (HENGZHOU, LIUZHOU)]
    still_with_authority = make_report(XMU, period, state="submitted", **COMPLETE)
    client = login(national)

    queue = client.get("/monitoring/").content.decode()
    approved = client.post(
        "/monitoring/bulk/",
        {"action": "approve", "report": [r.pk for r in waiting] + [still_with_authority.pk]},
        follow=True,
    )

    assert queue.count('name="report"') == 2  # a check box on each report that waits for approval
    assert "已核准 2 份报告" in messages_of(approved)
    assert "未核准：" in messages_of(approved) and "当前为“已报送”" in messages_of(approved)
    assert [state_of(r) for r in waiting] == ["approved", "approved"]
    assert state_of(still_with_authority) == "submitted"
    assert set(state_changes().values_list("action", "actor")) == {("monitoring.approve", national.pk)}

    locked = client.post(
        "/monitoring/bulk/", {"action": "lock", "report": [r.pk for r in waiting]}, follow=True
    )

    assert "已锁定 2 份报告" in messages_of(locked)
    assert [state_of(r) for r in waiting] == ["locked", "locked"]


def test_an_authority_cannot_approve_in_bulk(authority, period):
    report = make_report(HENGZHOU, period, state="reviewed", **COMPLETE)

    response = login(authority).post("/monitoring/bulk/", {"action": "approve", "report": [report.pk]})

    assert response.status_code == 403
    assert state_of(report) == "reviewed"


def shown(response) -> list[Report]:
    """The reports of the list's page, in its order (the page holds their keys and versions)."""
    keys = [item[0] for item in response.context["page"]]
    from shuangchuang.monitoring.views import with_counts

    reports = with_counts(Report.objects.select_related("base")).in_bulk(keys)
    return [reports[key] for key in keys]


def test_the_queue_opens_on_what_waits_for_each_reviewer(authority, national, period):
    make_report(HENGZHOU, period, state="submitted")
    make_report(LIUZHOU, period, state="reviewed")
    make_report(XMU, period, state="submitted")

    queue = login(authority).get("/monitoring/")
    office_queue = login(national).get("/monitoring/")
    everything = login(authority).get("/monitoring/?state=")

    assert [r.base.code for r in shown(queue)] == [HENGZHOU]
    assert [r.base.code for r in shown(office_queue)] == [LIUZHOU]
    assert {r.base.code for r in shown(everything)} == {HENGZHOU, LIUZHOU}


def test_the_list_filters_by_flags_and_lateness_in_a_fixed_number_of_queries(
    national, period, django_assert_max_num_queries
):
    late = make_period(2025, 1)
    flagged = make_report(HENGZHOU, period, state="submitted", **COMPLETE)
    ReportValue.objects.filter(report=flagged, indicator__code="JOBS").update(
        flags=[{"kind": "peer", "message": "x"}]
    )
    make_report(LIUZHOU, period, state="submitted", **COMPLETE)
    Report.objects.filter(period=period).update(
        submitted_at=dt.datetime(2026, 1, 10, tzinfo=dt.UTC)
    )  # on time
    for code in ("B3-001", "B3-002", "B3-003", XMU):
        make_report(code, late)  # never submitted, due 2025-04-15
    client = login(national)

    with django_assert_max_num_queries(12):
        everything = client.get("/monitoring/?state=")
    unexplained = client.get("/monitoring/?state=&flags=unexplained")
    overdue = client.get("/monitoring/?state=&late=late")

    assert everything.context["total"] == 6
    assert [(r.base.code, r.flag_count, r.unexplained_count) for r in shown(unexplained)] == [
        (HENGZHOU, 1, 1)
    ]
    assert overdue.context["total"] == 4
    assert everything.content.decode().count('data-testid="late"') == 4


def test_the_queue_shows_the_latest_submission_and_how_many_rounds(operator, authority, make_user, period):
    """About a second: four rounds of submitting and returning through the pages, then the queue."""
    report = make_report(HENGZHOU, period, **COMPLETE)
    base, reviewer = login(operator), login(authority)
    act(base, report, "submit")
    act(reviewer, report, "return", reason="请补充台账")
    act(base, report, "submit")
    act(reviewer, report, "return", reason="请核实就业人数")
    act(base, report, "submit")
    first, latest = (
        dt.datetime(2026, 1, 5, 1, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 2, 10, 3, 45, tzinfo=dt.UTC),
    )
    Report.objects.filter(pk=report.pk).update(submitted_at=first, last_submitted_at=latest)
    once = make_report(LIUZHOU, period, **COMPLETE)
    act(login(make_user(Role.OPERATOR, base=LIUZHOU)), once, "submit")

    rows = shown(reviewer.get("/monitoring/"))

    by_code = {r.base.code: r for r in rows}
    assert (by_code[HENGZHOU].submission_count, by_code[LIUZHOU].submission_count) == (3, 1)
    page = reviewer.get("/monitoring/").content.decode()
    hengzhou = page[page.index("广西壮族自治区南宁市横州市") :]
    cell = hengzhou[hengzhou.index('data-testid="submitted-at"') :][:300]
    assert "2026-02-10 11:45" in cell and "第 3 次报送（首次 2026-01-05）" in cell
    assert page.count('data-testid="rounds"') == 1  # a report submitted once needs no note


def test_the_rounds_are_counted_in_the_query_not_per_row(operator, national, make_user, period):
    """Renders the review queue twice (one report, then several) to count its queries: about a second."""
    client = login(national)
    make_report(HENGZHOU, period, state="submitted", **COMPLETE)
    with CaptureQueriesContext(connection) as one_row:
        client.get("/monitoring/?state=")
    for code in ("B3-001", "B3-002", "B3-003", XMU, LIUZHOU):
        report = make_report(code, period, **COMPLETE)
        act(login(make_user(Role.OPERATOR, base=code)), report, "submit")

    with CaptureQueriesContext(connection) as six_rows:
        response = client.get("/monitoring/?state=")

    assert response.context["total"] == 6
    assert len(six_rows.captured_queries) == len(one_row.captured_queries)


def test_the_history_tab_lists_who_when_old_new_and_why(operator, authority, period):
    report = make_report(HENGZHOU, period)
    save(login(operator), report, {**COMPLETE, "JOBS": 100}, action="submit")
    act(login(authority), report, "return", reason="请补充台账")
    save(login(operator), report, {**COMPLETE, "JOBS": 110})

    response = login(authority).get(page_url(report) + "?tab=history")

    history = response.context["history"]
    assert response.context["tab"] == "history"
    latest = history[0]
    assert (latest.who, latest.what, latest.old, latest.new, latest.reason) == (
        "黄填报",
        "带动就业人数（JOBS）",
        "100",
        "110",
        "在线填报",
    )
    returned = next(e for e in history if e.kind == "state" and e.new == "已退回")
    assert (returned.who, returned.old, returned.reason) == ("韦审核", "已报送", "请补充台账")
    # the first save wrote every value of the form at once: one line each, in the order of the form
    first_save = [e.what for e in history if e.kind == "value" and e.old == "（空）"]
    form_order = [f"{v.name}（{code}）" for code, v in form_versions(report.base, period).items()]
    assert first_save == [what for what in form_order if what in first_save] and len(first_save) > 3
    html = response.content.decode()
    assert "请补充台账" in html and "带动就业人数（JOBS）" in html


def test_the_history_still_names_a_reviewer_whose_account_was_deleted(operator, make_user, period):
    report = make_report(HENGZHOU, period)
    save(login(operator), report, COMPLETE, action="submit")
    reviewer = make_user(Role.AUTHORITY, authority=GUANGXI, last_name="蒙", first_name="临时")
    act(login(reviewer), report, "return", reason="请补充台账")
    reviewer.delete()

    history = login(operator).get(page_url(report) + "?tab=history").context["history"]

    returned = next(e for e in history if e.kind == "state" and e.new == "已退回")
    submitted = next(e for e in history if e.kind == "state" and e.new == "已报送")
    assert (returned.who, submitted.who) == ("蒙临时", "黄填报")


def test_the_report_page_shows_where_it_is_and_who_holds_it(authority, period):
    report = make_report(HENGZHOU, period, state="submitted", **COMPLETE)

    response = login(authority).get(page_url(report))

    steps = response.context["progress"]
    assert [s["label"] for s in steps if s["active"]] == ["审核单位审核"]
    assert response.context["holder"] == "审核单位（广西壮族自治区发展改革委）"


def test_an_authority_gets_404_for_a_report_outside_its_bases(authority, period):
    report = make_report(XMU, period, state="submitted", **COMPLETE)
    client = login(authority)

    assert client.get(page_url(report)).status_code == 404
    assert client.post(page_url(report, "action/"), {"action": "pass", "version": 0}).status_code == 404
    assert state_of(report) == "submitted"
