import csv
import io

import pytest
from django.core.management import call_command

from shuangchuang.core.tabular import write_csv
from shuangchuang.registry.models import Base

pytestmark = pytest.mark.django_db


def test_export_bases_writes_utf8_csv_with_bom_and_chinese_headers(registry, tmp_path):
    out = tmp_path / "bases.csv"
    call_command("export_bases", output=str(out))
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == Base.objects.count()
    assert set(rows[0]) >= {
        "名称",
        "批次",
        "功能方向",
        "类型",
        "省份代码",
        "省份",
        "城市",
        "审核单位",
        "状态",
    }
    xmu = next(r for r in rows if r["名称"] == "厦门大学")
    assert (xmu["省份代码"], xmu["省份"], xmu["城市"], xmu["审核单位"]) == (
        "350000",
        "福建省",
        "厦门市",
        "中华人民共和国教育部",
    )


def test_formula_like_text_is_never_written_as_a_formula():
    data = write_csv(["名称"], [['=HYPERLINK("http://x")'], ["+1"], ["-2"], ["@SUM(A1)"], ["\tx"], ["正常"]])
    cells = [row[0] for row in csv.reader(io.StringIO(data.decode("utf-8-sig")))][1:]
    assert cells == ['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "'\tx", "正常"]


def test_web_export_is_scoped_to_the_user(registry, make_user, client_for):
    user = make_user("authority", authority="moe")
    response = client_for(user).get("/bases/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["名称"] for r in rows} == set(
        Base.objects.filter(authority__code="moe").values_list("name", flat=True)
    )
    assert "attachment" in response["Content-Disposition"]
