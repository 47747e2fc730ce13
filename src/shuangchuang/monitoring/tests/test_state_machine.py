"""The report's life: every step in order, nothing skipped, and locked means locked for every way in."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from shuangchuang.core.audit import field_history
from shuangchuang.core.models import AuditEvent
from shuangchuang.monitoring import services
from shuangchuang.monitoring.exceptions import (
    InvalidTransition,
    NotAllowed,
    ReportLocked,
    StaleReport,
    ValidationFailed,
)
from shuangchuang.monitoring.models import Action, Report, ReportState, ReportValue, state_changes
from shuangchuang.monitoring.validation import plan_changes

from .factories import make_period, make_report, make_small_catalogue

pytestmark = pytest.mark.django_db

FULL = {"JOBS": "120", "JOBS_GRAD": "30", "REVENUE": "40000", "RD": "1200"}


@pytest.fixture
def people(registry, make_user):
    make_small_catalogue()
    return {
        "operator": make_user("operator", base="B3-012"),
        "other_operator": make_user("operator", base="B3-001"),
        "authority": make_user("authority", authority="drc-450000"),
        "other_authority": make_user("authority", authority="moe"),
        "national": make_user("national_admin"),
        "member": make_user("joint_member"),
    }


@pytest.fixture
def report(people):
    return make_report("B3-012", make_period(2025))


def walk_to(report, state, people):
    steps = [
        (Action.SUBMIT, "operator"),
        (Action.PASS, "authority"),
        (Action.APPROVE, "national"),
        (Action.LOCK, "national"),
    ]
    services.save_values(report, FULL, actor=people["operator"])
    report.refresh_from_db()
    for action, who in steps:
        if report.state == state:
            break
        report = services.transition(report, action, actor=people[who])
    return report


def test_the_full_chain_draft_to_locked(report, people):
    report = walk_to(report, ReportState.LOCKED, people)
    assert report.state == ReportState.LOCKED
    chain = list(state_changes(report).values_list("old_value", "new_value"))
    assert chain == [
        ("draft", "submitted"),
        ("submitted", "reviewed"),
        ("reviewed", "approved"),
        ("approved", "locked"),
    ]
    assert report.approved_snapshot["JOBS"] == "120"


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("draft", Action.PASS),
        ("draft", Action.APPROVE),
        ("submitted", Action.APPROVE),
        ("submitted", Action.LOCK),
        ("reviewed", Action.LOCK),
        ("locked", Action.SUBMIT),
        ("approved", Action.RETURN),
    ],
)
def test_no_step_can_be_skipped(people, state, action):
    report = make_report("B3-012", make_period(2025), state=state)
    with pytest.raises(InvalidTransition):
        services.transition(report, action, actor=people["national"], reason="x")
    assert Report.objects.get(pk=report.pk).state == state


@pytest.mark.parametrize(
    ("state", "action", "who"),
    [
        ("draft", Action.SUBMIT, "other_operator"),
        ("draft", Action.SUBMIT, "authority"),
        ("submitted", Action.PASS, "operator"),
        ("submitted", Action.PASS, "other_authority"),
        ("submitted", Action.PASS, "member"),
        ("reviewed", Action.APPROVE, "authority"),
        ("locked", Action.REOPEN, "authority"),
    ],
)
def test_only_the_right_role_may_act(people, state, action, who):
    report = make_report("B3-012", make_period(2025), state=state)
    with pytest.raises(NotAllowed):
        services.transition(report, action, actor=people[who], reason="x")
    assert Report.objects.get(pk=report.pk).state == state


def test_submission_needs_every_required_value_and_explained_flags(report, people):
    make_report("B3-012", make_period(2024), state="locked", JOBS=12)  # 120 is ten times last year's
    with pytest.raises(ValidationFailed) as missing:
        services.transition(report, Action.SUBMIT, actor=people["operator"])
    assert set(missing.value.errors) == {"JOBS", "JOBS_GRAD", "REVENUE", "RD"}
    services.save_values(report, FULL, actor=people["operator"])
    report.refresh_from_db()
    with pytest.raises(ValidationFailed, match="须填写情况说明"):
        services.transition(report, Action.SUBMIT, actor=people["operator"])
    services.save_values(report, {}, explanations={"JOBS": "新引进龙头企业带动"}, actor=people["operator"])
    report.refresh_from_db()
    assert services.transition(report, Action.SUBMIT, actor=people["operator"]).state == "submitted"
    assert ReportValue.objects.get(report=report, indicator__code="JOBS").explanation == "新引进龙头企业带动"


def test_a_return_needs_a_reason_and_puts_comments_beside_values(report, people):
    report = walk_to(report, ReportState.SUBMITTED, people)
    with pytest.raises(InvalidTransition, match="必须填写原因"):
        services.transition(report, Action.RETURN, actor=people["authority"], reason=" ")
    report = services.transition(
        report,
        Action.RETURN,
        actor=people["authority"],
        reason="就业数据与台账不符",
        comments={"JOBS": "请核对"},
    )
    assert (report.state, report.return_reason) == ("returned", "就业数据与台账不符")
    assert ReportValue.objects.get(report=report, indicator__code="JOBS").review_comment == "请核对"


@pytest.mark.parametrize("state", ["submitted", "reviewed", "approved", "locked"])
def test_values_cannot_change_once_submitted_by_any_way_in(people, state):
    report = walk_to(make_report("B3-012", make_period(2025)), state, people)
    with pytest.raises(ReportLocked):
        services.save_values(report, {"JOBS": "1"}, actor=people["operator"])
    plan = plan_changes([(report, {"JOBS": "1"})])
    with pytest.raises(ReportLocked):
        services.apply_plan(plan, actor=people["national"])
    value = ReportValue.objects.get(report=report, indicator__code="JOBS")
    value.number = Decimal(1)
    with pytest.raises(ReportLocked):
        value.save()  # the admin, a shell, a command
    assert ReportValue.objects.get(report=report, indicator__code="JOBS").number == 120


def test_reviewers_never_edit_submitted_values(report, people):
    report = walk_to(report, ReportState.SUBMITTED, people)
    with pytest.raises(ReportLocked):
        services.save_values(report, {"JOBS": "1"}, actor=people["authority"])


def test_reopening_is_the_national_office_with_a_reason_and_shows_what_changed(report, people):
    report = walk_to(report, ReportState.LOCKED, people)
    with pytest.raises(InvalidTransition):
        services.transition(report, Action.REOPEN, actor=people["national"], reason="")
    report = services.transition(report, Action.REOPEN, actor=people["national"], reason="统计口径更正")
    assert report.state == ReportState.RETURNED
    services.save_values(report, {"JOBS": "125"}, actor=people["operator"], reason="更正")
    report.refresh_from_db()
    report = services.transition(report, Action.SUBMIT, actor=people["operator"])
    assert services.changes_since_approval(report) == [("JOBS", "带动就业人数", "120", "125")]


def test_every_value_change_is_audited_with_old_new_who_and_why(report, people):
    services.save_values(report, {"JOBS": "100"}, actor=people["operator"])
    report.refresh_from_db()
    services.save_values(report, {"JOBS": "110"}, actor=people["operator"], reason="补录")
    events = AuditEvent.objects.filter(object_type="monitoring.Report", object_id=str(report.pk))
    jobs = field_history(events.order_by("pk"), "JOBS")
    assert [(old, new, e.reason, e.actor_id) for e, old, new in jobs] == [
        (None, "100", "在线填报", people["operator"].pk),
        ("100", "110", "补录", people["operator"].pk),
    ]


def test_an_authority_may_fill_in_only_while_the_base_holds_the_report(report, people):
    services.save_values(report, {"JOBS": "7"}, actor=people["authority"])
    [(event, _, _)] = field_history(AuditEvent.objects.all(), "JOBS")
    assert event.reason.endswith("（代填）")
    with pytest.raises(NotAllowed):
        report.refresh_from_db()
        services.save_values(report, {"JOBS": "8"}, actor=people["other_authority"])


def test_two_reviewers_at_once_one_wins_the_other_is_told(report, people):
    report = walk_to(report, ReportState.SUBMITTED, people)
    first, second = Report.objects.get(pk=report.pk), Report.objects.get(pk=report.pk)
    colleague = type(people["authority"]).objects.create(
        username="colleague", role="authority", authority=people["authority"].authority
    )
    services.transition(first, Action.PASS, actor=people["authority"])
    with pytest.raises(StaleReport, match="已被其他人处理（当前状态：审核通过）"):
        services.transition(second, Action.RETURN, actor=colleague, reason="有误")
    assert Report.objects.get(pk=report.pk).state == ReportState.REVIEWED
    assert state_changes(report).filter(action="monitoring.return").count() == 0


def test_a_stale_draft_save_changes_nothing(report, people):
    services.save_values(report, {"JOBS": "1"}, actor=people["operator"])
    with pytest.raises(StaleReport):
        services.save_values(report, {"JOBS": "2"}, actor=people["operator"], expected_version=0)
    assert ReportValue.objects.get(report=report, indicator__code="JOBS").number == 1


def test_bulk_pass_takes_only_clean_submitted_reports(people):
    period = make_period(2025)
    clean = walk_to(make_report("B3-012", period), ReportState.SUBMITTED, people)
    flagged = make_report("B3-014", period, state="submitted", JOBS=5)
    ReportValue.objects.filter(report=flagged).update(flags=[{"kind": "history", "message": "x"}])
    draft = make_report("B3-076", period)
    passed, skipped = services.act_on_reports([clean, flagged, draft], Action.PASS, actor=people["authority"])
    assert [r.pk for r in passed] == [clean.pk]
    assert [(r.pk, why) for r, why in skipped] == [
        (flagged.pk, "有异常提示，需逐份审核"),
        (draft.pk, "当前为“草稿”"),
    ]


def test_the_lock_holds_for_management_commands_too(report, people):
    report = walk_to(report, ReportState.LOCKED, people)
    with pytest.raises(ReportLocked):
        call_command(
            "shell",
            command=f"from shuangchuang.monitoring.models import ReportValue as V; "
            f"v = V.objects.filter(report_id={report.pk}).first(); v.number = 1; v.save()",
        )
