"""Uploading a filled template: preview first, save on confirmation, every error with its place, all or nothing."""

import io
import re
import zipfile
from decimal import Decimal

import pytest
from conftest import sign_in
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from shuangchuang.accounts.models import Role
from shuangchuang.core.models import AuditEvent
from shuangchuang.monitoring import excel
from shuangchuang.monitoring.models import Indicator, IndicatorVersion, ReportValue
from shuangchuang.monitoring.views_excel import PENDING_KEY
from shuangchuang.registry.models import Direction

from .factories import make_period, make_report, make_small_catalogue

pytestmark = pytest.mark.django_db

UPLOAD = "/monitoring/excel/"
CONFIRM = "/monitoring/excel/confirm/"
HENGZHOU, LIUZHOU, GUILIN = "B3-012", "B3-041", "B3-074"  # 广西: 创业就业, 融通创新, 精益创业


@pytest.fixture
def catalogue(registry):
    indicators = make_small_catalogue()
    contracts = Indicator.objects.create(code="TECH_CONTRACTS", section="融通", order=20, frequency="annual")
    contracts.directions.set([Direction.objects.get(name="融通创新")])
    IndicatorVersion.objects.create(
        indicator=contracts, valid_from_year=2020, name="技术合同成交额", unit="千元", value_type="money"
    )
    return indicators


@pytest.fixture
def period(catalogue):
    return make_period(2025)


@pytest.fixture
def guangxi(period):
    return {
        HENGZHOU: make_report(HENGZHOU, period, JOBS=120, JOBS_GRAD=10, REVENUE=5000),
        LIUZHOU: make_report(LIUZHOU, period),
        GUILIN: make_report(GUILIN, period, JOBS=30),
    }


@pytest.fixture
def authority(make_user, client_for):
    return client_for(make_user(Role.AUTHORITY, authority="drc-450000"))


def fill_report(data: bytes, values: dict[str, object], explanations: dict[str, str] | None = None) -> bytes:
    """Type into the one-base template as a user would: column D is 本期数值, F 情况说明."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["填报数据"]
    rows = {row[0].value: row[0].row for row in sheet.iter_rows(min_row=4) if row[0].value}
    for code, value in values.items():
        sheet[f"D{rows[code]}"] = value
    for code, text in (explanations or {}).items():
        sheet[f"F{rows[code]}"] = text
    return save(workbook)


def fill_bases(data: bytes, values: dict[tuple[str, str], object]) -> bytes:
    """Type into the many-bases template: (base code, indicator code) → value."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["填报数据"]
    columns = {cell.value: cell.column for cell in sheet[2]}
    rows = {sheet.cell(r, 1).value: r for r in range(3, sheet.max_row + 1)}
    for (base, code), value in values.items():
        sheet.cell(rows[base], columns[code]).value = value
    return save(workbook)


def save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def replace_part(data: bytes, name: str, content: bytes) -> bytes:
    """The same workbook with one part of the package swapped for `content`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, content if info.filename == name else source.read(info.filename))
    return buffer.getvalue()


def upload(client, data: bytes, name: str = "填报.xlsx", period: str = "2025A"):
    return client.post(UPLOAD, {"period": period, "file": SimpleUploadedFile(name, data)})


def errors_of(response) -> list[tuple[str, str, str, str]]:
    return [(e.sheet, e.cell, e.field, e.message) for e in response.context["errors"]]


def stored(base: str, code: str):
    value = ReportValue.objects.filter(
        report__base__code=base, report__period__code="2025A", indicator__code=code
    ).first()
    return None if value is None else (value.number if value.number is not None else value.text or None)


def database_state():
    """The values and their audit rows; the record of the upload itself (accepted or refused, with the
    file's hash) is written whatever the outcome."""
    return (
        list(ReportValue.objects.order_by("pk").values_list("report_id", "indicator_id", "number", "text")),
        AuditEvent.objects.exclude(action__startswith="upload.").count(),
    )


# The round trip


def test_a_base_fills_its_template_sees_the_preview_and_saves_on_confirmation(guangxi, make_user, client_for):
    make_report(HENGZHOU, make_period(2024), state="locked", JOBS=30)  # 150 is five times as many: flagged
    client = client_for(make_user(Role.OPERATOR, base=HENGZHOU))
    template = client.get(f"/monitoring/excel/2025A/{HENGZHOU}.xlsx").content
    filled = fill_report(
        template,
        {"JOBS": 150, "REVENUE": 6000, "RD": 300, "HAS_FUND": "是", "NOTE": "建成共享实验室"},
        explanations={"JOBS": "新园区投入使用"},
    )

    preview = upload(client, filled)

    assert preview.status_code == 200
    html = preview.content.decode()
    assert "带动就业人数" in html and "120" in html and "150" in html
    lines = {line.code: (line.old, line.new) for _, group, _ in preview.context["groups"] for line in group}
    assert lines["JOBS"] == ("120", "150")
    assert lines["REVENUE"] == ("5,000", "6,000")
    assert lines["RD_INTENSITY"] == ("", "5")  # derived: 300 / 6000 × 100, shown in the preview too
    assert stored(HENGZHOU, "JOBS") == 120  # nothing saved yet

    confirmed = client.post(CONFIRM, {"token": preview.context["token"], "note": "季度汇总"}, follow=True)

    assert "已保存" in confirmed.content.decode()
    assert stored(HENGZHOU, "JOBS") == 150
    assert stored(HENGZHOU, "HAS_FUND") == 1
    assert stored(HENGZHOU, "NOTE") == "建成共享实验室"
    assert (
        ReportValue.objects.get(
            report__base__code=HENGZHOU, report__period__code="2025A", indicator__code="JOBS"
        ).explanation
        == "新园区投入使用"
    )
    event = AuditEvent.objects.get(action="monitoring.value")  # one audit row for the save …
    changes = {field: (old, new) for field, old, new in event.changes}
    assert changes["JOBS"] == ("120", "150")  # … with every value's old and new
    assert changes["JOBS.explanation"] == (None, "新园区投入使用")  # … and the explanation given
    assert len(changes) == 8  # 5 typed + 2 derived (研发投入强度, 就业增速) + 1 explanation
    assert event.reason == "Excel 导入（填报.xlsx）：季度汇总"


def test_an_authority_fills_in_for_its_bases_in_one_sheet(guangxi, authority):
    template = authority.get("/monitoring/excel/2025A/bases.xlsx").content
    filled = fill_bases(
        template,
        {(HENGZHOU, "JOBS"): 130, (LIUZHOU, "TECH_CONTRACTS"): 8800.5, (LIUZHOU, "JOBS"): 40},
    )

    preview = upload(authority, filled)
    assert [len(lines) for _, lines, _ in preview.context["groups"]] == [1, 2]
    authority.post(CONFIRM, {"token": preview.context["token"]})

    assert (stored(HENGZHOU, "JOBS"), stored(LIUZHOU, "TECH_CONTRACTS")) == (130, Decimal("8800.5"))
    assert stored(GUILIN, "JOBS") == 30
    reasons = set(AuditEvent.objects.filter(action="monitoring.value").values_list("reason", flat=True))
    assert reasons == {"Excel 导入（填报.xlsx）（代填）"}


def test_a_long_preview_lists_the_flagged_values_and_counts_the_rest(guangxi, authority, period, monkeypatch):
    monkeypatch.setattr(excel.planning, "PREVIEW_LINES", 1)
    last_year = make_period(2024)
    make_report(LIUZHOU, last_year, JOBS=10)
    template = authority.get("/monitoring/excel/2025A/bases.xlsx").content
    filled = fill_bases(template, {(HENGZHOU, "JOBS"): 130, (HENGZHOU, "RD"): 7, (LIUZHOU, "JOBS"): 95})

    preview = upload(authority, filled)

    shown = [([line.code for line in lines], hidden) for _, lines, hidden in preview.context["groups"]]
    # 柳州's 10 → 95 is flagged against last year; its derived growth rate is not
    assert shown == [(["JOBS"], 2), (["JOBS"], 1)]
    assert "另有 2 项修改没有逐条列出" in preview.content.decode()


def test_a_file_with_the_saved_data_changes_nothing(guangxi, authority):
    template = authority.get("/monitoring/excel/2025A/bases.xlsx").content
    before = database_state()

    response = upload(authority, template, name="原样.xlsx")

    assert response.status_code == 302
    assert database_state() == before
    assert "没有需要保存的修改" in authority.get(response.url).content.decode()


# Errors: all of them, with their place, and nothing saved


def test_a_file_with_several_errors_writes_nothing_and_lists_each_one(guangxi, authority):
    template = authority.get("/monitoring/excel/2025A/bases.xlsx").content
    filled = fill_bases(
        template,
        {
            (HENGZHOU, "JOBS"): "很多",  # D3: not a number
            (HENGZHOU, "JOBS_GRAD"): 500,  # E3: 其中 > 总数 (120)
            (HENGZHOU, "TECH_CONTRACTS"): 1,  # L3: not a 创业就业 indicator
            (LIUZHOU, "REVENUE"): -5,  # F4: below the minimum
            (LIUZHOU, "HAS_FUND"): "也许",  # J4: neither 是 nor 否
            (GUILIN, "JOBS"): 31.5,  # D5: a count must be whole
        },
    )
    workbook = load_workbook(io.BytesIO(filled))
    sheet = workbook["填报数据"]
    sheet.append(["B3-001", "晋城经开区"])  # row 6: another authority's base
    sheet.append([HENGZHOU, "横县"])  # row 7: the same base twice
    before = database_state()

    response = upload(authority, save(workbook))

    assert errors_of(response) == [
        ("填报数据", "D3", "带动就业人数", "带动就业人数：“很多”不是数字"),
        (
            "填报数据",
            "E3",
            "其中：吸纳应届高校毕业生",
            "其中：吸纳应届高校毕业生（500）不应大于带动就业人数（120）",
        ),
        ("填报数据", "L3", "技术合同成交额", "创业就业方向的基地本期不填报此指标"),
        ("填报数据", "F4", "营业收入", "营业收入：-5 小于允许的最小值 0"),
        ("填报数据", "J4", "是否设立双创基金", "是否设立双创基金：“也许”应填“是”或“否”"),
        ("填报数据", "D5", "带动就业人数", "带动就业人数：“31.5”应为整数"),
        (
            "填报数据",
            "A6",
            "基地编号",
            "“B3-001”不是本报告期您可以填报的基地（编号不存在、不在您的范围内或本期没有该基地的填报）",
        ),
        ("填报数据", "A7", "基地编号", f"“{HENGZHOU}”与第 3 行重复"),
    ]
    assert database_state() == before
    html = response.content.decode()
    assert "发现 8 处错误，未保存任何数据" in html and "L3" in html


def test_a_row_for_a_base_outside_the_scope_reveals_nothing_about_it(guangxi, authority, period):
    make_report("B3-001", period, JOBS=999)  # 晋城 exists and has a report, but belongs to 山西
    csv = "基地编号,基地名称,带动就业人数（人）\nbase_code,base_name,JOBS\nB3-001,,1\nB3-999,,1\n"

    response = upload(authority, csv.encode(), name="x.csv")

    [outside, missing] = errors_of(response)
    assert outside[:3] == ("CSV 文件", "A3", "基地编号") and missing[:3] == ("CSV 文件", "A4", "基地编号")
    assert outside[3].replace("B3-001", "X") == missing[3].replace("B3-999", "X")
    assert "晋城" not in response.content.decode() and "999" not in outside[3]


def test_a_locked_report_in_an_upload_is_refused_and_nothing_else_is_saved(guangxi, authority):
    template = authority.get("/monitoring/excel/2025A/bases.xlsx").content
    guangxi[GUILIN].__class__.objects.filter(pk=guangxi[GUILIN].pk).update(state="locked")
    filled = fill_bases(template, {(HENGZHOU, "JOBS"): 125, (GUILIN, "JOBS"): 35})
    before = database_state()

    response = upload(authority, filled)

    assert errors_of(response) == [
        ("填报数据", "D5", "带动就业人数", "桂林高新区的本期填报已锁定，不能通过导入修改"),
    ]
    assert database_state() == before


def test_unchanged_rows_of_submitted_reports_are_no_obstacle(guangxi, authority, period):
    # 桂林 was submitted with values whose derived 研发投入强度 was never stored: still nothing to object to
    guangxi[GUILIN].delete()
    make_report(GUILIN, period, state="submitted", JOBS=30, REVENUE=1000, RD=50)
    template = authority.get("/monitoring/excel/2025A/bases.xlsx").content

    preview = upload(authority, fill_bases(template, {(HENGZHOU, "JOBS"): 125}))

    assert [report.base.code for report, _, _ in preview.context["groups"]] == [HENGZHOU]


def test_a_template_of_another_period_is_refused(guangxi, make_user, client_for):
    quarter = make_period(2025, 3)
    make_report(HENGZHOU, quarter)
    client = client_for(make_user(Role.OPERATOR, base=HENGZHOU))
    template = client.get(f"/monitoring/excel/{quarter.code}/{HENGZHOU}.xlsx").content

    response = upload(client, fill_report(template, {"JOBS": 5}), period="2025A")

    [(sheet, _, field, message)] = errors_of(response)
    assert sheet == "填报数据"
    assert (field, message) == (
        "报告期",
        "文件是报告期“2025Q3”的模板，与所选报告期“2025年年报（2025A）”不一致",
    )


# CSV, GBK, the way numbers are typed


def test_a_gbk_csv_with_full_width_digits_thousands_separators_and_spaces(guangxi, authority):
    csv = (
        "基地编号,基地名称,填报状态,带动就业人数（人）,营业收入（千元）,是否设立双创基金\r\n"
        "base_code,base_name,state,JOBS,REVENUE,HAS_FUND\r\n"
        f'{HENGZHOU},横县,草稿,１２８ ,"12,345.5",是 \r\n'
        f'{LIUZHOU} ,柳州高新区,草稿,"１，２００",,\r\n'
    ).encode("gbk")

    preview = upload(authority, csv, name="广西汇总.csv")
    assert "token" in preview.context, preview.context.get("errors")
    authority.post(CONFIRM, {"token": preview.context["token"]})

    assert stored(HENGZHOU, "JOBS") == 128
    assert stored(HENGZHOU, "REVENUE") == Decimal("12345.5")
    assert stored(HENGZHOU, "HAS_FUND") == 1
    assert stored(LIUZHOU, "JOBS") == 1200


WRITTEN = "（一）完善政策；（二）加强服务：全年３次。"  # a text indicator's answer as an official types it


def test_text_typed_into_a_workbook_is_saved_as_written(guangxi, make_user, client_for):
    make_report(HENGZHOU, make_period(2024), state="locked", JOBS=30)  # 150 is flagged: its explanation stays
    client = client_for(make_user(Role.OPERATOR, base=HENGZHOU))
    template = client.get(f"/monitoring/excel/2025A/{HENGZHOU}.xlsx").content
    filled = fill_report(
        template, {"JOBS": "１５０", "NOTE": WRITTEN}, explanations={"JOBS": "新园区投入使用：３栋（一期）。"}
    )

    preview = upload(client, filled)
    client.post(CONFIRM, {"token": preview.context["token"]})

    assert stored(HENGZHOU, "NOTE") == WRITTEN
    assert stored(HENGZHOU, "JOBS") == 150  # full-width digits are a number all the same
    saved = ReportValue.objects.get(
        report__base__code=HENGZHOU, report__period__code="2025A", indicator__code="JOBS"
    )
    assert saved.explanation == "新园区投入使用：３栋（一期）。"


def test_a_gbk_csv_with_full_width_codes_matches_them_and_keeps_its_text_as_written(guangxi, authority):
    csv = (
        "基地编号,基地名称,工作亮点,带动就业人数（人）\r\n"
        "ｂａｓｅ＿ｃｏｄｅ,ｂａｓｅ＿ｎａｍｅ,ＮＯＴＥ,ＪＯＢＳ\r\n"
        f"Ｂ３－０１２,横县,{WRITTEN},１２８\r\n"
    ).encode("gbk")

    preview = upload(authority, csv, name="广西汇总.csv")
    assert "token" in preview.context, preview.context.get("errors")
    authority.post(CONFIRM, {"token": preview.context["token"]})

    assert (stored(HENGZHOU, "NOTE"), stored(HENGZHOU, "JOBS")) == (WRITTEN, 128)


def test_text_of_a_submitted_report_unchanged_in_the_file_is_no_obstacle(guangxi, authority, period):
    guangxi[GUILIN].delete()
    make_report(GUILIN, period, state="submitted", JOBS=30, NOTE=WRITTEN)
    template = authority.get("/monitoring/excel/2025A/bases.xlsx").content

    preview = upload(authority, fill_bases(template, {(HENGZHOU, "JOBS"): 125}))

    assert preview.context.get("errors") is None
    assert [report.base.code for report, _, _ in preview.context["groups"]] == [HENGZHOU]


def test_a_zero_is_a_value_not_an_empty_cell(guangxi, authority):
    csv = "基地编号,是否设立双创基金,带动就业人数（人）\nbase_code,HAS_FUND,JOBS\nB3-041,否,0\n".encode()

    preview = upload(authority, csv, name="零.csv")

    lines = {line.code: line.new for _, group, _ in preview.context["groups"] for line in group}
    assert lines == {"HAS_FUND": "否", "JOBS": "0"}


def test_a_csv_named_like_a_workbook_is_read_by_its_content(guangxi, authority):
    csv = f"基地编号,基地名称,带动就业人数（人）\nbase_code,base_name,JOBS\n{HENGZHOU},,121\n".encode()

    preview = upload(authority, csv, name="其实是.xlsx")

    assert [line.new for _, lines, _ in preview.context["groups"] for line in lines] == ["121"]


def test_a_hand_made_csv_without_the_code_row_is_matched_by_indicator_names(guangxi, authority):
    csv = f"基地编号,带动就业人数（人）,营业收入\n{HENGZHOU},140,7000\n".encode()

    preview = upload(authority, csv, name="手工.csv")

    lines = {line.code: line.new for _, group, _ in preview.context["groups"] for line in group}
    assert (lines["JOBS"], lines["REVENUE"]) == ("140", "7,000")


def test_hand_made_headers_are_forgiving_but_never_guess(guangxi, authority):
    csv = (
        "基地编号,带动就业人数,研发投入强度（%）（自动计算）,营业收入（千元）,营业额\n"
        f"{HENGZHOU.lower()},141,99,,1\n"
    ).encode()

    response = upload(authority, csv, name="手工.csv")

    # lower-case base code accepted, the derived column ignored, an unknown header named at its cell
    assert errors_of(response) == [("CSV 文件", "E1", "营业额", "表头不是本报告期的指标名称")]


def test_an_indicator_twice_in_the_header_is_an_error(guangxi, authority):
    csv = f"基地编号,x,y,z\nbase_code,revenue,REVENUE,JOBS_GRAD\n{HENGZHOU},1,2,900\n".encode()

    response = upload(authority, csv, name="重复.csv")

    assert errors_of(response) == [
        ("CSV 文件", "C2", "REVENUE", "指标代码在表头中重复"),
        (
            "CSV 文件",
            "D3",
            "其中：吸纳应届高校毕业生",
            "其中：吸纳应届高校毕业生（900）不应大于带动就业人数（120）",
        ),
    ]


def test_a_logic_check_on_a_value_outside_the_file_points_at_the_base(guangxi, authority):
    csv = f"基地编号,带动就业人数（人）\n{HENGZHOU},5\n".encode()  # 横县 has 10 graduates stored

    response = upload(authority, csv, name="总数.csv")

    assert errors_of(response) == [
        (
            "CSV 文件",
            "A2",
            "其中：吸纳应届高校毕业生",
            "其中：吸纳应届高校毕业生（10）不应大于带动就业人数（5）",
        )
    ]


def test_a_one_base_sheet_without_its_base_code_is_an_error(guangxi, make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=HENGZHOU))
    workbook = load_workbook(io.BytesIO(client.get(f"/monitoring/excel/2025A/{HENGZHOU}.xlsx").content))
    workbook["填报数据"]["B2"] = None

    response = upload(client, save(workbook))

    assert errors_of(response) == [
        ("填报数据", "第 2 行", "基地编号", "找不到基地编号（模板第 2 行“基地编号”右侧的单元格）")
    ]


def test_an_emptied_cell_removes_the_value(guangxi, make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=HENGZHOU))
    template = client.get(f"/monitoring/excel/2025A/{HENGZHOU}.xlsx").content

    preview = upload(client, fill_report(template, {"JOBS_GRAD": None}))
    client.post(CONFIRM, {"token": preview.context["token"]})

    assert stored(HENGZHOU, "JOBS_GRAD") is None
    assert stored(HENGZHOU, "JOBS") == 120


# Confirming twice, racing, and who may upload


def test_confirming_the_same_preview_twice_saves_once_and_then_explains(guangxi, make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=HENGZHOU))
    template = client.get(f"/monitoring/excel/2025A/{HENGZHOU}.xlsx").content
    preview = upload(client, fill_report(template, {"JOBS": 160}))
    token = preview.context["token"]
    pending = client.session[PENDING_KEY]

    client.post(CONFIRM, {"token": token})
    again = client.post(CONFIRM, {"token": token}, follow=True)

    assert "这份导入预览已失效" in again.content.decode()
    # A double click sends the second request before the first one has cleared the preview from the session:
    # it then finds that the report changed since the preview, and says so.
    session = client.session
    session[PENDING_KEY] = pending
    session.save()
    raced = client.post(CONFIRM, {"token": token}, follow=True)

    assert "未保存任何数据" in raced.content.decode() and "在您预览之后已被修改" in raced.content.decode()
    saves = AuditEvent.objects.filter(action="monitoring.value")
    assert [[field for field, _, _ in event.changes] for event in saves] == [["JOBS"]]


def test_when_base_and_authority_upload_the_same_report_the_later_confirmation_is_refused(
    guangxi, make_user, client_for, client
):
    from django.test import Client

    operator = Client()
    sign_in(operator, make_user(Role.OPERATOR, base=HENGZHOU))
    authority = Client()
    sign_in(authority, make_user(Role.AUTHORITY, authority="drc-450000"))
    mine = upload(
        operator, fill_report(operator.get(f"/monitoring/excel/2025A/{HENGZHOU}.xlsx").content, {"JOBS": 170})
    )
    theirs = upload(
        authority,
        fill_bases(authority.get("/monitoring/excel/2025A/bases.xlsx").content, {(HENGZHOU, "JOBS"): 180}),
    )

    authority.post(CONFIRM, {"token": theirs.context["token"]})
    late = operator.post(CONFIRM, {"token": mine.context["token"]}, follow=True)

    assert "在您预览之后已被修改" in late.content.decode()
    assert stored(HENGZHOU, "JOBS") == 180


@pytest.mark.parametrize("role", [Role.JOINT_MEMBER, Role.AUDITOR, Role.EVALUATOR, Role.SECURITY_ADMIN])
def test_roles_that_do_not_report_cannot_upload(guangxi, make_user, client_for, role):
    client = client_for(make_user(role))

    assert client.get(UPLOAD).status_code == 403
    assert client.post(CONFIRM, {"token": "x"}).status_code == 403


def test_a_file_over_the_size_limit_is_refused_before_reading(guangxi, authority, settings):
    settings.UPLOAD_MAX_BYTES = 1024

    response = upload(authority, b"x" * 2048, name="big.csv")

    assert "文件过大" in response.content.decode()


def test_nothing_from_the_file_reaches_the_page_unescaped(guangxi, authority):
    csv = (
        "基地编号,基地名称,带动就业人数（人）\nbase_code,base_name,JOBS\n"
        f"{HENGZHOU},,<script>alert(1)</script>\n<img src=x onerror=alert(2)>,,1\n"
    ).encode()

    response = upload(authority, csv, name='"><svg onload=alert(3)>.csv')

    html = response.content.decode()
    assert len(response.context["errors"]) == 2
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<img src=x" not in html.lower() and "<svg" not in html.lower()
    assert "&lt;svg onload=alert(3)&gt;" in html


def test_a_percentage_typed_with_its_sign_is_read_as_meant(guangxi, make_user, client_for):
    survival = Indicator.objects.create(code="SURVIVAL", section="经营", order=30, frequency="annual")
    IndicatorVersion.objects.create(
        indicator=survival, valid_from_year=2020, name="初创企业三年存活率", unit="%", value_type="percent"
    )
    client = client_for(make_user(Role.OPERATOR, base=HENGZHOU))
    template = client.get(f"/monitoring/excel/2025A/{HENGZHOU}.xlsx").content
    sheet = load_workbook(io.BytesIO(template))["填报数据"]
    [row] = [r for r in sheet.iter_rows(min_row=4) if r[0].value == "SURVIVAL"]
    # a text cell: Excel keeps "85%" as typed instead of storing 0.85, a hundredth of what was meant
    assert row[3].number_format == "@"
    assert "85%" in next(
        v.prompt for v in sheet.data_validations.dataValidation if f"D{row[3].row}" in v.sqref
    )

    for typed in ("85%", "85", "８５％"):
        preview = upload(client, fill_report(template, {"SURVIVAL": typed}))
        lines = {line.code: line.new for _, group, _ in preview.context["groups"] for line in group}
        assert lines["SURVIVAL"] == "85", typed


def test_a_formula_that_failed_in_excel_is_refused_not_taken_for_a_blank(guangxi, make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=HENGZHOU))
    template = client.get(f"/monitoring/excel/2025A/{HENGZHOU}.xlsx").content
    workbook = load_workbook(io.BytesIO(fill_report(template, {"JOBS": "#DIV/0!"})))
    sheet = workbook["填报数据"]
    [row] = [r for r in sheet.iter_rows(min_row=4) if r[0].value == "JOBS"]
    row[3].data_type = "e"
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = upload(client, buffer.getvalue())

    assert [(e[2], e[3]) for e in errors_of(response)] == [
        ("带动就业人数", "带动就业人数：“#DIV/0!”不是数字")
    ]
    assert stored(HENGZHOU, "JOBS") == 120


def test_the_preview_lists_only_what_changes_not_the_blank_cells(guangxi, make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=LIUZHOU))  # nothing saved yet for this base
    template = client.get(f"/monitoring/excel/2025A/{LIUZHOU}.xlsx").content

    preview = upload(client, fill_report(template, {"JOBS": 40}))

    assert [line.code for _, group, _ in preview.context["groups"] for line in group] == ["JOBS"]


def test_digits_not_grouped_in_threes_are_errors_naming_sheet_cell_field_and_reason(
    guangxi, make_user, client_for
):
    client = client_for(make_user(Role.OPERATOR, base=HENGZHOU))
    template = client.get(f"/monitoring/excel/2025A/{HENGZHOU}.xlsx").content
    before = database_state()

    response = upload(client, fill_report(template, {"JOBS": "12,34", "REVENUE": "1.234,5", "RD": "1,2,3"}))

    reason = "不是有效的数字：“,”只能作千位分隔符，每三位一组（如 1,234 或 1,234,567.5），小数点用“.”"
    assert [(sheet, field, message) for sheet, _, field, message in errors_of(response)] == [
        ("填报数据", "带动就业人数", f"带动就业人数：“12,34”{reason}"),
        ("填报数据", "营业收入", f"营业收入：“1.234,5”{reason}"),
        ("填报数据", "研发投入", f"研发投入：“1,2,3”{reason}"),
    ]
    assert all(cell.startswith("D") for _, cell, _, _ in errors_of(response))
    assert database_state() == before


# Formula cells: read at the result the file saved, and said so; without one, refused


def report_row(template: bytes, code: str) -> int:
    sheet = load_workbook(io.BytesIO(template))["填报数据"]
    return next(row[0].row for row in sheet.iter_rows(min_row=4) if row[0].value == code)


def test_a_formula_without_a_saved_result_is_refused_with_its_cell_and_a_hint(guangxi, make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=HENGZHOU))
    template = client.get(f"/monitoring/excel/2025A/{HENGZHOU}.xlsx").content
    row = report_row(template, "JOBS")
    before = database_state()

    # openpyxl, like any program that writes a formula without calculating it, saves no result
    response = upload(client, fill_report(template, {"JOBS": "=40+1"}))

    [(sheet, cell, _, message)] = errors_of(response)
    assert (sheet, cell) == ("填报数据", f"D{row}")
    assert message.startswith("单元格是公式，文件中没有保存计算结果") and "选择性粘贴 → 数值" in message
    assert database_state() == before and stored(HENGZHOU, "JOBS") == 120


def test_a_formula_with_a_saved_result_is_taken_at_it_and_marked_in_the_preview(
    guangxi, make_user, client_for
):
    client = client_for(make_user(Role.OPERATOR, base=HENGZHOU))
    template = client.get(f"/monitoring/excel/2025A/{HENGZHOU}.xlsx").content
    row = report_row(template, "JOBS")
    sheet_xml = zipfile.ZipFile(io.BytesIO(template)).read("xl/worksheets/sheet1.xml")
    # what Excel saves for =40+1 typed into D{row}: the formula and its result
    calculated = re.sub(
        rb'<c r="D' + str(row).encode() + rb'"([^>]*?)(/>|>.*?</c>)',
        rb'<c r="D' + str(row).encode() + rb'"\1><f>40+1</f><v>41</v></c>',
        sheet_xml,
        count=1,
    )
    assert calculated != sheet_xml

    preview = upload(client, replace_part(template, "xl/worksheets/sheet1.xml", calculated))

    [line] = [line for _, group, _ in preview.context["groups"] for line in group]
    assert (line.code, line.old, line.new, line.from_formula) == ("JOBS", "120", "41", True)
    assert "公式单元格，按文件中保存的计算结果读取" in preview.content.decode()
