import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from shuangchuang.core.models import AuditEvent
from shuangchuang.registry.importer import import_bases
from shuangchuang.registry.models import Base

pytestmark = pytest.mark.django_db

HEADER = "序号,名称,简称,批次,类别,类型,省份代码,城市,审核单位\n"
GOOD_ROWS = (
    "1,北京市示例区,示例区,2,区域示范基地,区域,110000,北京市,drc-110000\n"
    "2,示例大学,示大,第二批,高校和科研院所示范基地,高校,北京,北京市,教育部\n"
)


def test_several_bad_rows_are_all_reported_and_nothing_is_written(registry):
    data = (
        HEADER
        + GOOD_ROWS
        + "3,,无名,2,区域示范基地,区域,110000,北京市,drc-110000\n"
        + "4,某某高新区,某某,9,区域示范基地,区域,110000,某市,drc-110000\n"
        + "5,某某大学,某大,2,高校和科研院所示范基地,学校,990000,某市,不存在的单位\n"
        + "6,北京市示例区,示例,2,区域示范基地,区域,110000,北京市,drc-110000\n"
        + "7,厦门大学,厦大,3,区域示范基地,高校,350000,厦门市,moe\n"
    ).encode()
    before = Base.objects.count(), AuditEvent.objects.count()
    result = import_bases(data, "第二批.csv")
    messages = [str(e) for e in result.errors]
    assert messages == [
        "第 4 行“名称”列：不能为空",
        "第 5 行“批次”列：“9”不是已知批次（应为 1、2 或 3）",
        "第 6 行“类型”列：“学校”不是已知类型（区域、高校、科研院所、企业）",
        "第 6 行“省份代码”列：“990000”不是有效的省级行政区划代码或名称（GB/T 2260）",
        "第 6 行“审核单位”列：“不存在的单位”不是已登记的审核单位",
        "第 7 行“名称”列：与第 2 行重复",
        "第 8 行“名称”列：第三批中已有同名示范基地",
        "第 8 行“类别”列：第三批示范基地应填写功能方向（创业就业、融通创新、精益创业、全球化创业）",
    ]
    assert (Base.objects.count(), AuditEvent.objects.count()) == before


def test_errors_are_reported_in_english_after_the_switch(registry):
    from django.utils import translation

    data = (HEADER + "1,某某高新区,某某,9,区域示范基地,区域,110000,某市,drc-110000\n").encode()
    with translation.override("en"):
        messages = [str(e) for e in import_bases(data, "bad.csv").errors]

    assert messages == ["Row 2, column “批次”: “9” is not a known batch (1, 2 or 3)"]


def test_a_clean_gbk_csv_with_full_width_digits_is_imported(registry):
    data = (HEADER + GOOD_ROWS.replace("1,北京市示例区", "１,北京市示例区 ")).encode("gbk")
    next_seq = Base.objects.filter(batch__number=2).count() + 1  # after the shipped second-batch bases
    result = import_bases(data, "二批.csv")
    assert result.ok, result.errors
    imported = Base.objects.get(name="北京市示例区")
    assert (imported.code, imported.batch.number, imported.direction.name) == (
        f"B2-{next_seq:03d}",
        2,
        "区域示范基地",
    )
    assert Base.objects.get(name="示例大学").authority.code == "moe"
    assert AuditEvent.objects.filter(action="registry.import").count() == 2


def test_a_gbk_csv_keeps_the_official_names_full_width_punctuation(registry):
    data = (
        HEADER
        + "１,北京市示例区（中关村）,示例区（中关村）,2,区域示范基地,区域,１１００００,北京市,ｄｒｃ－１１００００\n"
    ).encode("gbk")

    result = import_bases(data, "二批.csv")

    assert result.ok, result.errors
    [imported] = result.created
    assert (imported.name, imported.short_name) == ("北京市示例区（中关村）", "示例区（中关村）")
    assert (imported.province_id, imported.authority.code) == ("110000", "drc-110000")


def test_a_name_already_in_the_batch_is_the_same_name_however_its_brackets_are_typed(registry):
    row = "1,北京市示例区（中关村）,示例区,2,区域示范基地,区域,110000,北京市,drc-110000\n"
    assert import_bases((HEADER + row).encode(), "一.csv").ok

    again = import_bases((HEADER + row.replace("（中关村）", "(中关村)")).encode(), "二.csv")

    assert [str(e) for e in again.errors] == ["第 2 行“名称”列：第二批中已有同名示范基地"]


def test_headers_and_codes_typed_full_width_match_in_a_workbook(registry):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["ｓｅｑ", "Ｎａｍｅ", "批次", "类别", "类型", "省份代码", "城市", "审核单位", "状态"])
    sheet.append(
        [
            "１２",
            "示例大学（南校区）",
            "第二批",
            "高校和科研院所示范基地",
            "高校",
            "１１００００",
            "北京市",
            "ｍｏｅ",
            "建设中",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = import_bases(buffer.getvalue(), "名单.xlsx")

    assert result.ok, result.errors
    [imported] = result.created
    assert (imported.name, imported.short_name, imported.authority.code) == (
        "示例大学（南校区）",
        "示例大学（南校区）",
        "moe",
    )


def test_xlsx_files_are_imported_by_content_not_by_name(registry):
    workbook = Workbook()
    sheet = workbook.active
    for line in (HEADER + GOOD_ROWS).splitlines():
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = Base.objects.filter(batch__number=2).count()
    result = import_bases(buffer.getvalue(), "named-like-a.csv")
    assert result.ok, result.errors
    assert Base.objects.filter(batch__number=2).count() == before + 2


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            b"%PDF-1.7 not a table",
            "不是 Excel 文件（文件内容是 PDF 文档）。请上传 Excel 工作簿（.xlsx）或 CSV 文件。",
        ),
        (
            "会议纪要：请各基地于月底前报送。".encode(),
            "不是 Excel 文件（文件内容是纯文本）。如果它是 CSV 文件，请把文件扩展名改为 .csv，并按模板的格式填写。",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "Workbook".encode("utf-16-le"),
            "不是 Excel 文件（文件内容是 Excel 97-2003 (.xls) 格式）。"
            "请在 Excel 或 WPS 中打开，“另存为” Excel 工作簿（.xlsx）后上传。",
        ),
    ],
    ids=["pdf", "text", "old-xls"],
)
def test_a_file_that_is_not_a_workbook_is_refused_saying_what_it_is(registry, content, reason):
    result = import_bases(content, "名单.xlsx")
    assert [str(e) for e in result.errors] == [reason]


def test_missing_columns_are_named(registry):
    result = import_bases("名称,批次\n某基地,2\n".encode(), "x.csv")
    assert "表头“类型”列：缺少必填列" in [str(e) for e in result.errors]


def test_import_command_fails_with_every_error(registry, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "1,,x,2,区域示范基地,区域,110000,北京市,drc-110000\n", encoding="utf-8")
    with pytest.raises(CommandError, match="发现 1 处错误，未导入任何数据"):
        call_command("import_bases", str(path))
    assert "bad.csv：第 2 行“名称”列：不能为空" in capsys.readouterr().err


def test_national_admin_imports_through_the_page_and_sees_every_error(registry, make_user, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(make_user("national_admin"))
    bad = SimpleUploadedFile(
        "bad.csv", (HEADER + "1,,x,2,区域示范基地,区域,110000,北京市,drc-110000\n").encode("gbk")
    )
    page = client.post("/bases/import/", {"file": bad}).content.decode()
    assert "第 2 行“名称”列：不能为空" in page and "未导入任何数据" in page
    good = SimpleUploadedFile("good.csv", (HEADER + GOOD_ROWS).encode())
    before = Base.objects.filter(batch__number=2).count()
    assert client.post("/bases/import/", {"file": good}).status_code == 302
    assert Base.objects.filter(batch__number=2).count() == before + 2


def test_only_national_admins_may_import(registry, make_user, client_for):
    assert client_for(make_user("authority", authority="moe")).get("/bases/import/").status_code == 403


# Reader errors, limits and the template


def page_import(client, name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/bases/import/", {"file": SimpleUploadedFile(name, data)})


def test_a_csv_with_mixed_line_endings_is_imported_not_answered_with_a_server_error(
    registry, make_user, client_for
):
    client = client_for(make_user("national_admin"))
    data = (HEADER.replace("\n", "\r") + GOOD_ROWS.replace("\n", "\r\n", 1)).encode()
    shipped = Base.objects.filter(batch__number=2).count()

    response = page_import(client, "二批.csv", data)

    assert response.status_code == 302
    assert Base.objects.filter(batch__number=2).count() == shipped + 2


def test_a_cell_over_the_csv_field_limit_is_named_with_its_row_and_column(registry, make_user, client_for):
    client = client_for(make_user("national_admin"))
    data = (
        HEADER + GOOD_ROWS + "3," + "X" * 200_000 + ",x,2,区域示范基地,区域,110000,北京市,drc-110000\n"
    ).encode()

    shipped = Base.objects.filter(batch__number=2).count()

    response = page_import(client, "二批.csv", data)

    assert response.status_code == 200
    assert [str(e) for e in response.context["result"].errors] == [
        "第 4 行 B 列：单元格超过 32,767 个字符（Excel 单元格的上限），请检查是否选错了文件。"
    ]
    assert Base.objects.filter(batch__number=2).count() == shipped


def test_a_formula_without_a_saved_result_is_refused_with_its_place(registry):
    workbook = Workbook()
    sheet = workbook.active
    for line in (HEADER + GOOD_ROWS).splitlines():
        sheet.append(line.split(","))
    sheet["A3"] = "=A2+1"
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = import_bases(buffer.getvalue(), "二批.xlsx")

    [error] = [str(e) for e in result.errors]
    assert error.startswith("工作表“Sheet”第 3 行 A 列：单元格是公式，文件中没有保存计算结果")


def test_a_file_over_the_row_limit_is_refused_at_the_first_row_too_many(registry, monkeypatch):
    from shuangchuang.core import tabular

    monkeypatch.setattr(tabular, "MAX_ROWS", 20)
    rows = "".join(
        f"{n},某某{n}区,某{n},2,区域示范基地,区域,110000,北京市,drc-110000\n" for n in range(1, 40)
    )

    result = import_bases((HEADER + rows).encode(), "很多.csv")

    assert [str(e) for e in result.errors] == [
        "第 21 行：表格超过 20 行的上限（第 21 行），请检查是否选错了文件。"
    ]


def test_the_import_page_states_the_limits_columns_and_allowed_values(registry, make_user, client_for):
    html = client_for(make_user("national_admin")).get("/bases/import/").content.decode()

    assert "文件不超过 20 MB；表格不超过 10,000 行、300 列" in html
    assert 'href="/bases/import/template.xlsx"' in html
    for text in (
        "功能方向或类别",
        "创业就业",
        "高校和科研院所示范基地",
        "科研院所",
        "110000",
        "北京市",
        "moe",
        "限期整改",
    ):
        assert text in html, text


def test_the_template_has_chinese_headers_and_the_allowed_values(registry, make_user, client_for):
    from openpyxl import load_workbook

    response = client_for(make_user("national_admin")).get("/bases/import/template.xlsx")

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    names, values = workbook.worksheets[0], workbook.worksheets[1]
    assert [c.value for c in names[1]] == [
        "序号",
        "名称",
        "简称",
        "批次",
        "功能方向或类别",
        "类型",
        "省份代码",
        "城市",
        "审核单位",
        "状态",
    ]
    listed = {str(c.value) for row in values.iter_rows() for c in row if c.value is not None}
    assert {"创业就业", "企业示范基地", "高校", "110000", "北京市", "moe", "教育部", "建设中"} <= listed
    assert any(
        "F2" in str(v.sqref) for v in names.data_validations.dataValidation
    )  # 类型: a list to pick from


def test_a_filled_in_template_imports(registry, make_user, client_for):
    from openpyxl import load_workbook

    client = client_for(make_user("national_admin"))
    workbook = load_workbook(io.BytesIO(client.get("/bases/import/template.xlsx").content))
    workbook.worksheets[0].append(
        [
            99,
            "北京市示例新区",
            "示例新区",
            2,
            "区域示范基地",
            "区域",
            "110000",
            "北京市",
            "drc-110000",
            "建设中",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = page_import(client, "名单模板.xlsx", buffer.getvalue())

    assert response.status_code == 302, response.context["result"].errors
    assert Base.objects.get(name="北京市示例新区").province_id == "110000"


def test_only_national_admins_get_the_template(registry, make_user, client_for):
    client = client_for(make_user("authority", authority="moe"))

    assert client.get("/bases/import/template.xlsx").status_code == 403
