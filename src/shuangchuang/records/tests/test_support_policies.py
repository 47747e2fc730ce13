"""The register of support policies: who records them for which bases, the file, and the check of the
reported 出台支持政策数 against it."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shuangchuang.accounts.models import Role
from shuangchuang.monitoring.models import Indicator, IndicatorVersion
from shuangchuang.monitoring.tests.factories import make_period, make_report
from shuangchuang.records.models import SupportPolicy
from shuangchuang.records.selectors import policy_checks
from shuangchuang.records.services import NotAllowed, RecordsError, delete_policy, record_policy
from shuangchuang.registry.models import Base

from .factories import HENGZHOU, JINCHENG, XMU

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def fields(**extra):
    return {
        "title": "关于支持双创示范基地的若干措施",
        "issuer": "广西壮族自治区人民政府办公厅",
        "document_number": "桂政办发〔2025〕18号",
        "issued_on": dt.date(2025, 3, 12),
        "kind": "funding",
        "summary": "孵化载体补助",
    } | extra


def bases(*codes):
    return list(Base.objects.filter(code__in=codes))


def test_an_authority_records_a_policy_for_its_bases_with_the_file(make_user):
    authority = make_user(Role.AUTHORITY, authority="drc-450000")
    upload = SimpleUploadedFile("措施.pdf", PDF, content_type="application/octet-stream")
    policy = record_policy(actor=authority, bases=bases(HENGZHOU), upload=upload, **fields())
    assert policy.recorded_by_authority_id == authority.authority_id
    assert policy.content_type == "application/pdf" and policy.original_name == "措施.pdf"
    assert list(policy.bases.values_list("code", flat=True)) == [HENGZHOU]


def test_an_authority_cannot_record_for_another_provinces_base(make_user):
    authority = make_user(Role.AUTHORITY, authority="drc-450000")
    with pytest.raises(NotAllowed):
        record_policy(actor=authority, bases=bases(HENGZHOU, JINCHENG), **fields())
    assert not SupportPolicy.objects.exists()


def test_a_base_records_only_its_own(make_user):
    operator = make_user(Role.OPERATOR, base=XMU)
    record_policy(actor=operator, bases=bases(XMU), **fields(issuer="厦门大学"))
    with pytest.raises(NotAllowed):
        record_policy(actor=operator, bases=bases(HENGZHOU), **fields())


def test_a_file_outside_the_allow_list_is_refused_and_nothing_is_saved(make_user):
    authority = make_user(Role.AUTHORITY, authority="drc-450000")
    upload = SimpleUploadedFile("措施.pdf.exe", b"MZ\x90\x00 executable", content_type="application/pdf")
    with pytest.raises(RecordsError, match="不是允许的类型"):
        record_policy(actor=authority, bases=bases(HENGZHOU), upload=upload, **fields())
    assert not SupportPolicy.objects.exists()


def test_policies_are_seen_where_their_bases_are(make_user):
    gx = make_user(Role.AUTHORITY, authority="drc-450000")
    policy = record_policy(actor=gx, bases=bases(HENGZHOU), **fields())
    assert list(SupportPolicy.objects.restrict(make_user(Role.OPERATOR, base=HENGZHOU))) == [policy]
    assert list(SupportPolicy.objects.restrict(make_user(Role.OPERATOR, base=XMU))) == []
    assert list(SupportPolicy.objects.restrict(make_user(Role.JOINT_MEMBER))) == [policy]
    assert list(SupportPolicy.objects.restrict(make_user(Role.SECURITY_ADMIN))) == []


def test_only_who_recorded_a_policy_deletes_it(make_user):
    gx = make_user(Role.AUTHORITY, authority="drc-450000")
    policy = record_policy(actor=gx, bases=bases(HENGZHOU), **fields())
    with pytest.raises(NotAllowed):
        delete_policy(policy, actor=make_user(Role.OPERATOR, base=HENGZHOU), reason="重复")
    delete_policy(policy, actor=gx, reason="重复登记")
    assert not SupportPolicy.objects.exists()


@pytest.fixture
def policies_indicator():
    indicator = Indicator.objects.create(code="POLICIES_ISSUED", section="基本情况", frequency="quarterly")
    IndicatorVersion.objects.create(
        indicator=indicator, valid_from_year=2020, name="出台支持政策数", value_type="count"
    )
    return indicator


def test_the_reported_count_is_checked_against_the_register(make_user, policies_indicator):
    gx = make_user(Role.AUTHORITY, authority="drc-450000")
    q1, q2 = make_period(2025, 1), make_period(2025, 2)
    make_report(HENGZHOU, q1, state="approved", POLICIES_ISSUED=1)
    make_report(HENGZHOU, q2, state="locked", POLICIES_ISSUED=3)
    record_policy(actor=gx, bases=bases(HENGZHOU), **fields(issued_on=dt.date(2025, 3, 12)))
    record_policy(actor=gx, bases=bases(HENGZHOU), **fields(issued_on=dt.date(2025, 5, 2), title="人才政策"))
    checks = {c.report.period.code: (c.reported, c.registered, c.mismatch) for c in policy_checks(gx)}
    assert checks == {"2025Q1": (1, 1, False), "2025Q2": (3, 1, True)}


def test_reports_not_yet_approved_are_never_compared(make_user, policies_indicator):
    gx = make_user(Role.AUTHORITY, authority="drc-450000")
    make_report(HENGZHOU, make_period(2025, 1), state="submitted", POLICIES_ISSUED=5)
    make_report(HENGZHOU, make_period(2025, 2), state="returned", POLICIES_ISSUED=5)
    assert policy_checks(gx) == []


def test_the_check_flags_the_authority_only_for_its_own_bases(make_user, policies_indicator):
    make_report(JINCHENG, make_period(2025, 1), state="approved", POLICIES_ISSUED=2)
    assert policy_checks(make_user(Role.AUTHORITY, authority="drc-450000")) == []
    assert [c.mismatch for c in policy_checks(make_user(Role.NATIONAL_ADMIN))] == [True]


def test_whoever_recorded_a_policy_corrects_it_and_the_audit_keeps_old_and_new(make_user):
    from shuangchuang.core.models import AuditEvent
    from shuangchuang.records.services import update_policy

    gx = make_user(Role.AUTHORITY, authority="drc-450000")
    policy = record_policy(actor=gx, bases=bases(HENGZHOU), **fields())
    with pytest.raises(NotAllowed):
        update_policy(
            policy, actor=make_user(Role.OPERATOR, base=HENGZHOU), bases=bases(HENGZHOU), title="改"
        )
    update_policy(policy, actor=gx, bases=bases(HENGZHOU), **fields(document_number="桂政办发〔2025〕19号"))
    event = AuditEvent.objects.get(action="records.policy_change")
    assert event.old_value == {"document_number": "桂政办发〔2025〕18号"}
    assert event.new_value == {"document_number": "桂政办发〔2025〕19号"}


def test_a_mismatch_waits_on_the_authoritys_home_page(make_user, client_for, policies_indicator):
    make_report(HENGZHOU, make_period(2025, 1), state="approved", POLICIES_ISSUED=2)
    page = client_for(make_user(Role.AUTHORITY, authority="drc-450000")).get("/").content.decode()
    assert "政策数不一致" in page and "/records/policies/check/" in page
