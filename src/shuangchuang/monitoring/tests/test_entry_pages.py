"""A base operator fills in a report through the report page: drafts, live checks, submission, evidence."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from conftest import sign_in
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shuangchuang.accounts.models import Role
from shuangchuang.core.audit import field_history
from shuangchuang.core.models import AuditEvent
from shuangchuang.monitoring.models import Evidence, Report, ReportValue

from .factories import make_period, make_report, make_small_catalogue

pytestmark = pytest.mark.django_db

HENGZHOU = "B3-012"  # reviewed by 广西 DRC
XMU = "B3-023"  # reviewed by 教育部
GUANGXI = "drc-450000"

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def catalogue(registry):
    return make_small_catalogue()


@pytest.fixture
def period(catalogue):
    return make_period(2025)


@pytest.fixture
def report(period):
    return make_report(HENGZHOU, period)


@pytest.fixture
def operator(make_user):
    return make_user(Role.OPERATOR, base=HENGZHOU, last_name="黄", first_name="填报")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def login(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def page_url(report, suffix: str = "") -> str:
    return f"/monitoring/reports/{report.pk}/{suffix}"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def save(client, report, values: dict[str, str], *, action: str = "save", version=None, **extra):
    data = {f"value-{code}": text for code, text in values.items()}
    data.update(extra)
    data.update(action=action, version=report.version if version is None else version)
    return client.post(page_url(report, "save/"), data, follow=True)


def stored(report) -> dict[str, str]:
    return {
        v.indicator.code: v.display_value
        for v in ReportValue.objects.filter(report=report).select_related("indicator")
    }


COMPLETE = {
    "JOBS": "120",
    "JOBS_GRAD": "30",
    "REVENUE": "50000",
    "RD": "2500",
    "HAS_FUND": "是",
    "NOTE": "园区改造",
}


# Data entry


def test_operator_sees_the_form_grouped_by_section_with_units(operator, report):
    response = login(operator).get(page_url(report))

    html = response.content.decode()
    assert response.status_code == 200
    assert [s.name for s in response.context["sections"]] == ["就业", "经营", "政策"]
    assert 'name="value-JOBS"' in html and "单位：人" in html and "单位：千元" in html
    assert 'name="value-RD_INTENSITY"' not in html  # derived values are computed, never typed
    assert 'name="version" value="0"' in html


def test_operator_saves_a_draft_and_every_change_is_audited(operator, report):
    response = save(
        login(operator), report, {"JOBS": "1,200", "JOBS_GRAD": "３０", "REVENUE": "50000", "RD": "2500"}
    )

    assert "草稿已保存" in " ".join(messages_of(response))
    assert stored(report)["JOBS"] == "1200"
    assert stored(report)["RD_INTENSITY"] == "5"  # RD / REVENUE * 100, computed on save
    report.refresh_from_db()
    assert report.state == "draft" and report.version == 1
    events = AuditEvent.objects.filter(object_type="monitoring.Report", object_id=str(report.pk))
    jobs = field_history(events, "JOBS")
    assert [(e.actor_name, old, new) for e, old, new in jobs] == [("黄填报", None, "1200")]


def test_the_previous_periods_value_is_shown_beside_the_field(operator, period):
    make_report(HENGZHOU, make_period(2024), state="locked", JOBS=95)
    report = make_report(HENGZHOU, period)

    response = login(operator).get(page_url(report))

    jobs = next(r for s in response.context["sections"] for r in s.rows if r.code == "JOBS")
    assert jobs.previous == "95"
    assert "上期：95 人" in response.content.decode()


def test_a_bad_value_is_refused_beside_its_field_and_what_was_typed_stays(operator, report):
    response = save(login(operator), report, {"JOBS": "120", "JOBS_GRAD": "130", "REVENUE": "十二"})

    html = response.content.decode()
    assert "未保存" in " ".join(messages_of(response))
    assert "“十二”不是数字" in html
    assert "其中：吸纳应届高校毕业生（130）不应大于带动就业人数（120）" in html
    assert 'value="十二"' in html and 'value="130"' in html
    assert stored(report) == {}


def test_a_stale_page_saves_nothing_and_keeps_the_input(operator, report):
    client = login(operator)
    save(client, report, {"JOBS": "100"})

    response = save(client, report, {"JOBS": "200"}, version=0)

    assert "已被修改" in " ".join(messages_of(response))
    assert 'value="200"' in response.content.decode()
    assert stored(report)["JOBS"] == "100"


def test_submitting_lists_every_problem_beside_its_field(operator, report):
    response = save(login(operator), report, {"JOBS": "120"}, action="submit")

    problems = dict(response.context["problems"])
    assert set(problems) == {"JOBS_GRAD", "REVENUE", "RD"}
    assert "还不能报送" in " ".join(messages_of(response))
    assert 'data-testid="error-REVENUE"' in response.content.decode()
    report.refresh_from_db()
    assert report.state == "draft" and stored(report)["JOBS"] == "120"  # the draft was kept


def test_a_flagged_value_needs_an_explanation_before_it_can_be_submitted(operator, period):
    make_report(HENGZHOU, make_period(2024), state="locked", JOBS=100, JOBS_GRAD=10, REVENUE=50000, RD=2500)
    report = make_report(HENGZHOU, period)
    client = login(operator)

    response = save(client, report, {**COMPLETE, "JOBS": "1000"}, action="submit")

    assert "须填写情况说明" in dict(response.context["problems"])["JOBS"]
    assert 'name="explanation-JOBS"' in response.content.decode()
    report.refresh_from_db()
    response = save(
        client, report, {**COMPLETE, "JOBS": "1000"}, action="submit", **{"explanation-JOBS": "新园区投产"}
    )
    report.refresh_from_db()
    assert report.state == "submitted"
    assert ReportValue.objects.get(report=report, indicator__code="JOBS").explanation == "新园区投产"
    history = client.get(page_url(report) + "?tab=history").context["history"]
    explained = [e for e in history if e.what == "带动就业人数（JOBS）的情况说明"]
    assert [(e.who, e.old, e.new) for e in explained] == [("黄填报", "（空）", "新园区投产")]


def test_a_flagged_derived_value_can_be_explained_too(operator, period):
    make_report(HENGZHOU, make_period(2024), state="locked", REVENUE=50000, RD=2500, RD_INTENSITY=5)
    report = make_report(HENGZHOU, period)
    client = login(operator)
    values = {**COMPLETE, "REVENUE": "25000", "RD": "5000"}  # each within 3×, but the intensity is 4×

    response = save(client, report, values, action="submit")

    assert response.context["problems"] == [("RD_INTENSITY", "研发投入强度：数值异常，须填写情况说明")]
    assert 'name="explanation-RD_INTENSITY"' in response.content.decode()
    report.refresh_from_db()
    save(client, report, values, action="submit", **{"explanation-RD_INTENSITY": "营收下降，研发投入翻番"})
    report.refresh_from_db()
    assert report.state == "submitted"


def test_saving_the_page_as_it_was_rendered_changes_nothing(operator, period):
    report = make_report(HENGZHOU, period, REVENUE=1234567, JOBS=1200)
    client = login(operator)
    page = client.get(page_url(report)).content.decode()
    assert 'value="1,234,567"' in page  # grouped for reading; the parser takes the commas back

    response = save(client, report, {"REVENUE": "1,234,567", "JOBS": "1,200"})

    assert "没有需要保存的修改" in " ".join(messages_of(response))
    report.refresh_from_db()
    assert report.version == 0


def test_derived_values_and_flags_are_computed_as_you_type_without_saving(operator, period):
    make_report(HENGZHOU, make_period(2024), state="locked", JOBS=100)
    report = make_report(HENGZHOU, period)

    response = login(operator).post(
        page_url(report, "preview/"),
        {"value-REVENUE": "40000", "value-RD": "2000", "value-JOBS": "900", "value-JOBS_GRAD": "abc"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        '<span id="derived-RD_INTENSITY" hx-swap-oob="true" data-testid="value-RD_INTENSITY">5</span>' in html
    )
    assert "与上期（100 人）相比变化为 9.00 倍" in html and 'name="explanation-JOBS"' in html
    assert "“abc”不是数字" in html
    assert stored(report) == {}


def test_an_authority_gets_no_inputs_and_cannot_save_values(make_user, report):
    client = login(make_user(Role.AUTHORITY, authority=GUANGXI))

    page = client.get(page_url(report)).content.decode()
    response = save(client, report, {"JOBS": "5"})

    assert 'name="value-JOBS"' not in page
    assert response.status_code == 403  # typing into a base's form is never an authority's
    assert client.post(page_url(report, "preview/"), {"value-JOBS": "5"}).status_code == 403
    assert stored(report) == {}


def test_operator_gets_404_for_another_bases_report(operator, period):
    other = make_report(XMU, period)
    client = login(operator)

    assert client.get(page_url(other)).status_code == 404
    assert client.post(page_url(other, "save/"), {"value-JOBS": "1", "version": 0}).status_code == 404
    assert client.post(page_url(other, "preview/"), {"value-JOBS": "1"}).status_code == 404
    assert stored(other) == {}


@pytest.mark.parametrize(
    ("role", "scope"),
    [(Role.JOINT_MEMBER, {}), (Role.AUDITOR, {}), (Role.EVALUATOR, {"assigned": (HENGZHOU,)})],
)
def test_reading_roles_see_the_report_without_inputs_or_buttons(make_user, report, role, scope):
    response = login(make_user(role, **scope)).get(page_url(report))

    html = response.content.decode()
    assert response.status_code == 200
    assert "value-JOBS" in html and 'name="value-JOBS"' not in html
    assert 'data-testid="review-actions"' not in html and 'data-testid="save"' not in html


def test_the_security_administrator_is_forbidden(make_user, report):
    client = login(make_user(Role.SECURITY_ADMIN))

    assert client.get(page_url(report)).status_code == 403
    assert client.get("/monitoring/").status_code == 403


def test_every_post_needs_the_csrf_token(operator, report):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, operator)

    response = client.post(page_url(report, "save/"), {"value-JOBS": "5", "version": 0})

    assert response.status_code == 403
    assert stored(report) == {}


# Evidence files


def upload(
    client, report, name: str, content: bytes, *, section: str = "就业", content_type="application/pdf"
):
    file = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(page_url(report, "evidence/"), {"section": section, "file": file}, follow=True)


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100,
        b"<!doctype html><script>alert(1)</script>",
        b"PK\x03\x04junk",
    ],
    ids=["exe", "html", "broken-zip"],
)
def test_evidence_that_is_not_what_its_name_says_is_refused(operator, report, media, content):
    response = upload(login(operator), report, "佐证.pdf", content)

    assert "文件内容不是允许的类型" in " ".join(messages_of(response))
    assert not Evidence.objects.exists()
    assert not any(media.rglob("*"))


def test_a_real_pdf_is_stored_under_a_random_name(operator, report, media):
    response = upload(login(operator), report, "../../就业 台账.pdf", PDF_BYTES, content_type="text/html")

    evidence = Evidence.objects.get()
    assert "已上传" in " ".join(messages_of(response))
    assert evidence.original_name == "就业 台账.pdf"
    assert evidence.content_type == "application/pdf"  # from the content, not from the browser
    assert evidence.size == len(PDF_BYTES) and len(evidence.sha256) == 64
    stored_name = evidence.file.name.rsplit("/", 1)[-1]
    assert len(stored_name) == 36 and stored_name.endswith(".pdf") and "台账" not in evidence.file.name
    assert (media / evidence.file.name).read_bytes() == PDF_BYTES
    assert AuditEvent.objects.filter(action="monitoring.evidence", new_value="就业 台账.pdf").exists()


def test_office_files_are_told_apart_by_their_parts(operator, report, media):
    def package(*names: str) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name in ("[Content_Types].xml", *names):
                archive.writestr(name, "<x/>")
        return buffer.getvalue()

    client = login(operator)
    upload(client, report, "台账.xlsx", package("xl/workbook.xml"))
    upload(client, report, "说明.docx", package("word/document.xml"))
    refused = upload(client, report, "宏.xlsx", package("xl/workbook.xml", "xl/vbaProject.bin"))

    assert sorted(Evidence.objects.values_list("content_type", flat=True)) == [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ]
    assert "带宏的 Office 文件不能作为佐证材料" in " ".join(messages_of(refused))


def test_evidence_over_10_mb_is_refused(operator, report, media):
    response = upload(login(operator), report, "big.png", PNG_BYTES + b"\x00" * (10 * 1024 * 1024))

    assert "超过 10 MB" in " ".join(messages_of(response))
    assert not Evidence.objects.exists()


def test_an_evidence_upload_needs_the_csrf_token(operator, report, media):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, operator)
    file = SimpleUploadedFile("a.pdf", PDF_BYTES)

    response = client.post(page_url(report, "evidence/"), {"section": "就业", "file": file})

    assert response.status_code == 403
    assert not Evidence.objects.exists()


def test_a_download_is_an_attachment_with_the_original_name(operator, report, media, make_user):
    upload(login(operator), report, "就业台账.pdf", PDF_BYTES)
    evidence = Evidence.objects.get()
    url = page_url(report, f"evidence/{evidence.pk}/")

    response = login(make_user(Role.AUTHORITY, authority=GUANGXI)).get(url)

    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == "attachment; filename*=utf-8''%E5%B0%B1%E4%B8%9A%E5%8F%B0%E8%B4%A6.pdf"
    )
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert login(make_user(Role.OPERATOR, base=XMU)).get(url).status_code == 404


def test_while_the_report_is_under_review_no_evidence_is_added(operator, period, media):
    report = make_report(HENGZHOU, period, state="submitted")

    response = upload(login(operator), report, "a.pdf", PDF_BYTES, section="盖章确认")

    assert "盖章确认件须由基地在报告核准后上传" in " ".join(messages_of(response))
    assert not Evidence.objects.exists()


def test_a_file_uploaded_by_mistake_is_withdrawn_and_stays_on_record(operator, report, media, make_user):
    client = login(operator)
    upload(client, report, "错传的文件.pdf", PDF_BYTES)
    upload(client, report, "就业台账.pdf", PDF_BYTES)
    wrong = Evidence.objects.get(original_name="错传的文件.pdf")

    response = client.post(page_url(report, f"evidence/{wrong.pk}/withdraw/"), follow=True)

    assert "已撤回“错传的文件.pdf”" in " ".join(messages_of(response))
    html = response.content.decode()
    assert "<del" in html and "错传的文件.pdf</del>" in html and "1 个文件" in html
    assert page_url(report, f"evidence/{wrong.pk}/") not in html  # no longer offered for download …
    reviewer = login(make_user(Role.AUTHORITY, authority=GUANGXI))
    assert reviewer.get(page_url(report, f"evidence/{wrong.pk}/")).status_code == 404
    assert (media / wrong.file.name).read_bytes() == PDF_BYTES  # … but kept
    event = AuditEvent.objects.get(action="monitoring.evidence_withdraw")
    assert (event.old_value, event.actor_id) == ("错传的文件.pdf", operator.pk)
    history = login(operator).get(page_url(report) + "?tab=history").context["history"]
    assert any(e.kind == "evidence" and e.old == "错传的文件.pdf" for e in history)


def test_evidence_is_withdrawn_only_while_it_could_be_uploaded(operator, period, media, make_user):
    report = make_report(HENGZHOU, period)
    upload(login(operator), report, "就业台账.pdf", PDF_BYTES)
    evidence = Evidence.objects.get()
    url = page_url(report, f"evidence/{evidence.pk}/withdraw/")
    Report.objects.filter(pk=report.pk).update(state="submitted")

    under_review = login(operator).post(url, follow=True)
    other_base = login(make_user(Role.OPERATOR, base=XMU)).post(url)
    reading = login(operator).get(url)

    assert "不能撤回佐证材料" in " ".join(messages_of(under_review))
    assert other_base.status_code == 404
    assert reading.status_code == 405
    evidence.refresh_from_db()
    assert evidence.withdrawn_at is None


def test_values_are_shown_the_way_officials_read_them(operator, period):
    report = make_report(HENGZHOU, period, state="submitted", REVENUE=Decimal("1234567.5"), HAS_FUND=1)

    html = login(operator).get(page_url(report)).content.decode()

    assert ">1,234,567.5<" in html and ">是<" in html
