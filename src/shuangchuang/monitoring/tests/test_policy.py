"""The rules of operation monitoring (`monitoring/policy.py`): who may move a report in each state, who may
change its values and evidence and when (代填 included), and that the services ask the same rules."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shuangchuang.core.policy import CHANGE, REVIEW, VIEW, may
from shuangchuang.monitoring import services
from shuangchuang.monitoring.evidence import add_evidence, withdraw_evidence
from shuangchuang.monitoring.exceptions import NotAllowed
from shuangchuang.monitoring.models import TRANSITIONS, Action, Report, ReportState
from shuangchuang.monitoring.policy import CONFIRMATION_SECTION, changeable_reports

from .factories import make_period, make_report, make_small_catalogue

pytestmark = pytest.mark.django_db

HENGZHOU = "B3-012"  # reviewed by 广西 DRC
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def people(registry, make_user):
    make_small_catalogue()
    return {
        "operator": make_user("operator", base=HENGZHOU),
        "other_operator": make_user("operator", base="B3-001"),
        "authority": make_user("authority", authority="drc-450000"),
        "other_authority": make_user("authority", authority="moe"),
        "national": make_user("national_admin"),
        "member": make_user("joint_member"),
        "evaluator": make_user("evaluator", assigned=(HENGZHOU,)),
        "auditor": make_user("auditor"),
        "secadmin": make_user("security_admin"),
    }


@pytest.fixture
def period(people):
    return make_period(2025)


# Who may make which move in which state: exactly the table of TRANSITIONS, for the right base only.
MOVERS = {
    (ReportState.DRAFT, Action.SUBMIT): {"operator"},
    (ReportState.RETURNED, Action.SUBMIT): {"operator"},
    (ReportState.SUBMITTED, Action.RETURN): {"authority"},
    (ReportState.SUBMITTED, Action.PASS): {"authority"},
    (ReportState.REVIEWED, Action.RETURN): {"national"},
    (ReportState.REVIEWED, Action.APPROVE): {"national"},
    (ReportState.APPROVED, Action.LOCK): {"national"},
    (ReportState.LOCKED, Action.REOPEN): {"national"},
}


def test_the_table_above_is_the_state_machine():
    assert set(MOVERS) == set(TRANSITIONS)


@pytest.mark.parametrize("state", ReportState.values)
@pytest.mark.parametrize("action", Action.values)
def test_who_may_make_each_move_in_each_state(people, period, state, action):
    report = make_report(HENGZHOU, period, state=state)

    allowed = {who for who, user in people.items() if may(user, f"monitoring.report.{action}", report)}

    assert allowed == MOVERS.get((state, action), set())


def test_asked_without_a_report_a_move_is_for_the_roles_that_ever_make_it(people):
    def movers(action):
        return {who for who, user in people.items() if may(user, f"monitoring.report.{action}")}

    assert movers("submit") == {"operator", "other_operator"}
    assert movers("pass") == {"authority", "other_authority"}
    assert movers("return") == {"authority", "other_authority", "national"}
    assert movers("approve") == movers("lock") == movers("reopen") == {"national"}


@pytest.mark.parametrize(
    ("state", "changers"),
    [
        # the base, and its authority or the national office filling in on its behalf (代填)
        (ReportState.DRAFT, {"operator", "authority", "national"}),
        (ReportState.RETURNED, {"operator", "authority", "national"}),
        # once the report left the base, nobody changes a value: reviewers return it
        (ReportState.SUBMITTED, set()),
        (ReportState.REVIEWED, set()),
        (ReportState.APPROVED, set()),
        (ReportState.LOCKED, set()),
    ],
)
def test_who_may_change_the_values_in_each_state(people, period, state, changers):
    report = make_report(HENGZHOU, period, state=state)

    assert {who for who, user in people.items() if may(user, "monitoring.values.change", report)} == changers
    # typing into the form is the base's own; 代填 is by workbook only
    typists = {who for who, user in people.items() if may(user, "monitoring.values.enter", report)}
    assert typists == changers & {"operator"}


def test_the_rule_for_many_reports_answers_as_the_rule_for_one(people, period):
    own = make_report(HENGZHOU, period)
    guangxi_submitted = make_report("B3-041", period, state="submitted")
    elsewhere = make_report("B3-001", period)
    reports = [own, guangxi_submitted, elsewhere]

    for user in people.values():
        one_by_one = {r.pk for r in reports if may(user, "monitoring.values.change", r)}
        assert changeable_reports(user, reports) == one_by_one


@pytest.mark.parametrize(
    ("state", "uploaders", "confirmers"),
    [
        (ReportState.DRAFT, {"operator", "authority", "national"}, set()),
        (ReportState.RETURNED, {"operator", "authority", "national"}, set()),
        (ReportState.SUBMITTED, set(), set()),
        (ReportState.REVIEWED, set(), set()),
        # after approval the base uploads its signed and stamped summary sheet, and nothing else
        (ReportState.APPROVED, set(), {"operator"}),
        (ReportState.LOCKED, set(), {"operator"}),
    ],
)
def test_who_may_upload_evidence_in_each_state(people, period, state, uploaders, confirmers):
    report = make_report(HENGZHOU, period, state=state)

    def allowed(action):
        return {who for who, user in people.items() if may(user, action, report)}

    assert allowed("monitoring.evidence.upload") == uploaders
    assert allowed("monitoring.evidence.confirm") == confirmers


def test_a_file_is_withdrawn_by_whoever_may_still_upload_it_there(people, period):
    report = make_report(HENGZHOU, period)
    evidence = add_evidence(
        report, SimpleUploadedFile("台账.pdf", PDF), section="就业", actor=people["authority"]
    )

    withdrawers = {who for who, user in people.items() if may(user, "monitoring.evidence.withdraw", evidence)}
    Report.objects.filter(pk=report.pk).update(state=ReportState.SUBMITTED)
    evidence.report.refresh_from_db()

    assert withdrawers == {"operator", "authority", "national"}
    assert not any(may(user, "monitoring.evidence.withdraw", evidence) for user in people.values())
    with pytest.raises(NotAllowed):
        withdraw_evidence(evidence, actor=people["operator"])


def test_the_summary_sheet_is_printed_once_approved_by_whoever_sees_the_report(people, period):
    draft = make_report(HENGZHOU, period)
    approved = make_report("B3-041", period, state="approved")

    printers = {who for who, user in people.items() if may(user, "monitoring.report.print", approved)}

    assert not any(may(user, "monitoring.report.print", draft) for user in people.values())
    assert printers == {"authority", "national", "member", "auditor"}  # B3-041 is not the evaluator's


def test_excel_uploads_are_for_the_bases_their_authorities_and_the_national_office(people):
    uploaders = {who for who, user in people.items() if may(user, "monitoring.excel.upload")}

    assert uploaders == {"operator", "other_operator", "authority", "other_authority", "national"}


def test_reports_are_reached_through_their_base_for_reading_and_by_role_for_changing_and_review(
    people, period
):
    own = make_report(HENGZHOU, period)
    make_report("B3-001", period)

    def reached(who, action):
        return set(Report.objects.restrict(people[who], action).values_list("base__code", flat=True))

    assert reached("operator", VIEW) == reached("operator", CHANGE) == {HENGZHOU}
    assert reached("operator", REVIEW) == set()
    assert reached("authority", VIEW) == reached("authority", REVIEW) == {HENGZHOU}
    assert reached("national", REVIEW) == {HENGZHOU, "B3-001"}
    assert reached("evaluator", VIEW) == {HENGZHOU} and reached("evaluator", CHANGE) == set()
    assert reached("member", VIEW) == {HENGZHOU, "B3-001"} and reached("member", CHANGE) == set()
    assert reached("secadmin", VIEW) == set()
    assert list(own.values.restrict(people["other_operator"])) == []


# The services ask the same rules, whoever calls them (a page, a workbook, a command, a shell)


def test_the_service_refuses_a_move_by_an_authority_of_another_province(people, period):
    report = make_report(HENGZHOU, period, state="submitted")

    with pytest.raises(NotAllowed):
        services.transition(report, Action.PASS, actor=people["other_authority"])

    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED


def test_the_service_refuses_values_from_an_authority_that_does_not_review_the_base(people, period):
    report = make_report(HENGZHOU, period)

    with pytest.raises(NotAllowed):
        services.save_values(report, {"JOBS": "5"}, actor=people["other_authority"])

    assert not report.values.exists()


def test_the_authority_fills_in_for_its_base_and_the_audit_row_says_so(people, period):
    from shuangchuang.core.models import AuditEvent

    report = make_report(HENGZHOU, period)

    services.save_values(report, {"JOBS": "5"}, actor=people["authority"])

    event = AuditEvent.objects.get(action="monitoring.value", object_id=str(report.pk))
    assert report.values.get(indicator__code="JOBS").number == 5
    assert event.actor == people["authority"] and "代填" in event.reason


def test_the_service_refuses_the_confirmation_upload_before_approval(people, period):
    report = make_report(HENGZHOU, period, state="reviewed")

    with pytest.raises(NotAllowed):
        add_evidence(
            report,
            SimpleUploadedFile("盖章.pdf", PDF),
            section=CONFIRMATION_SECTION,
            actor=people["operator"],
        )

    assert not report.evidence.exists()
