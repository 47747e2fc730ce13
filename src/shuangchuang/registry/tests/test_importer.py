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


def test_a_file_that_is_not_a_table_is_refused_with_a_reason(registry):
    result = import_bases(b"%PDF-1.7 not a table", "名单.xlsx")
    assert [str(e) for e in result.errors] == [
        "表头：文件不是 CSV 或 Excel (.xlsx) 表格，请另存为 .xlsx 或 CSV 后上传。"
    ]


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
