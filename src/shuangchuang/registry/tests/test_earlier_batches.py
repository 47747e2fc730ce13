"""The first (2016) and second (2017) batches: curated like the third, with categories instead of directions."""

import csv
from collections import Counter

import pytest
from django.urls import reverse

from shuangchuang.accounts.models import Role
from shuangchuang.registry.models import Authority, Base, Direction
from shuangchuang.registry.reference import NOTICE_COUNTS
from shuangchuang.registry.services import DATA_DIR, batch_file

pytestmark = pytest.mark.django_db

# What the shipped files hold today (README: how many of each notice could be sourced). A change to a file
# must change these on purpose.
SHIPPED = {
    1: {"regional": 11, "academic": 3, "corporate": 5},
    2: {"regional": 15, "academic": 13, "corporate": 3},
}


def rows(number: int) -> list[dict[str, str]]:
    with batch_file(DATA_DIR, number).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("number", [1, 2])
def test_each_batch_is_counted_by_its_notices_categories(registry, number):
    by_category = Counter(Base.objects.filter(batch__number=number).values_list("direction__code", flat=True))
    assert by_category == SHIPPED[number]
    assert all(by_category[c] <= n for c, n in NOTICE_COUNTS[number].items())
    assert sum(NOTICE_COUNTS[number].values()) == {1: 28, 2: 92}[number]
    assert NOTICE_COUNTS[1] == {"regional": 17, "academic": 4, "corporate": 7}
    assert NOTICE_COUNTS[2] == {"regional": 45, "academic": 26, "corporate": 21}


def test_earlier_batches_have_categories_and_the_third_directions(registry):
    kinds = dict(Base.objects.values_list("batch__number", "direction__kind").distinct())
    assert set(Base.objects.filter(batch__number__in=[1, 2]).values_list("direction__kind", flat=True)) == {
        Direction.Kind.CATEGORY
    }
    assert kinds[3] == Direction.Kind.DIRECTION


@pytest.mark.parametrize("number", [1, 2])
def test_names_and_short_names_are_unique_in_a_batch_and_every_row_has_a_source(number):
    batch = rows(number)
    assert len({r["name"] for r in batch}) == len(batch)
    assert len({r["short_name"] for r in batch}) == len(batch)
    assert [r["seq"] for r in batch] == [str(i) for i in range(1, len(batch) + 1)]
    assert all(r["source"] and r["province_code"] and r["authority_code"] for r in batch)


def test_a_provincial_authority_reviews_only_bases_in_its_own_province(registry):
    local = Base.objects.filter(
        authority__kind__in=[Authority.Kind.PROVINCIAL, Authority.Kind.PLANNED_CITY, Authority.Kind.CORPS]
    ).select_related("authority")
    mismatched = [b.name for b in local if b.province_id != b.authority.province_id]
    assert mismatched == []


def test_every_uncertain_fact_is_listed_in_the_data_readme(registry):
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    uncertain = Base.objects.filter(batch__number__in=[1, 2], source_note__contains="待核实")
    assert uncertain.exists()
    assert [b.name for b in uncertain if b.name not in readme] == []


@pytest.mark.parametrize(
    ("name", "batch", "category", "kind", "province", "city", "authority"),
    [
        ("北京市海淀区", 1, "regional", "region", "110000", "北京市", "drc-110000"),
        ("广东省深圳市南山区", 1, "regional", "region", "440000", "深圳市", "drc-shenzhen"),
        ("清华大学", 1, "academic", "university", "110000", "北京市", "moe"),
        ("海尔集团公司", 1, "corporate", "enterprise", "370000", "青岛市", "drc-qingdao"),
        ("中国航天科工集团公司", 1, "corporate", "enterprise", "110000", "北京市", "sasac"),
        ("北京市顺义区", 2, "regional", "region", "110000", "北京市", "drc-110000"),
        ("湖北省黄冈市罗田县", 2, "regional", "region", "420000", "黄冈市", "drc-420000"),
        ("中国科学院大连化学物理研究所", 2, "academic", "institute", "210000", "大连市", "cas"),
        ("中国科学院西安光学精密机械研究所", 2, "academic", "institute", "610000", "西安市", "cas"),
        ("中国航空工业集团公司", 2, "corporate", "enterprise", "110000", "北京市", "sasac"),
    ],
)
def test_curated_facts(registry, name, batch, category, kind, province, city, authority):
    base = Base.objects.select_related("direction", "authority").get(batch__number=batch, name=name)
    assert (base.direction.code, base.kind, base.province_id, base.city, base.authority.code) == (
        category,
        kind,
        province,
        city,
        authority,
    )


def test_later_names_are_kept_beside_the_published_ones(registry):
    pixian = Base.objects.get(batch__number=1, name="四川省成都市郫县")
    aviation = Base.objects.get(batch__number=2, name="中国航空工业集团公司")
    assert (pixian.current_name, str(pixian)) == ("四川省成都市郫都区", "四川省成都市郫都区")
    assert aviation.current_name == "中国航空工业集团有限公司"
    assert pixian.status_history.get().reason == "国办发〔2016〕35号公布"
    assert aviation.status_history.get().reason == "国办发〔2017〕54号公布"


@pytest.mark.parametrize(
    ("number", "member", "outsider"), [("1", "B1-001", "B3-001"), ("2", "B2-001", "B1-001")]
)
def test_the_batch_filter_shows_that_batch(make_user, client_for, number, member, outsider):
    client = client_for(make_user(Role.NATIONAL_ADMIN))

    page = client.get("/bases/", {"batch": number})

    html = page.content.decode()
    assert f'href="{reverse("site:base_detail", args=[member])}"' in html
    assert f'href="{reverse("site:base_detail", args=[outsider])}"' not in html
    assert page.context["total"] == Base.objects.filter(batch__number=number).count() > 0
    coverage = page.context["coverage"]
    assert (coverage["loaded"], coverage["announced"]) == (page.context["total"], {"1": 28, "2": 92}[number])
    assert "公布名单共" in page.content.decode()


def test_the_batch_filter_and_a_category_filter_together(make_user, client_for):
    client = client_for(make_user(Role.NATIONAL_ADMIN))

    page = client.get("/bases/", {"batch": "2", "direction": "academic"})

    assert page.context["total"] == SHIPPED[2]["academic"]
    assert "<optgroup" in page.content.decode()


def test_only_program_wide_readers_are_told_how_many_are_missing(make_user, client_for):
    client = client_for(make_user(Role.AUTHORITY, authority="cas"))

    page = client.get("/bases/", {"batch": "2"})

    assert page.context["coverage"] is None
    assert page.context["total"] == Base.objects.filter(batch__number=2, authority__code="cas").count()


def test_a_category_base_page_names_its_category_and_says_it_files_no_reports(make_user, client_for):
    client = client_for(make_user(Role.NATIONAL_ADMIN))
    base = Base.objects.get(batch__number=1, name="清华大学")

    html = client.get(base.get_absolute_url()).content.decode()

    assert "类别" in html and "高校和科研院所示范基地" in html
    assert "不参加本平台依国办发〔2020〕51号开展的运行监测填报" in html
    assert "国办发〔2016〕35号" in html


def test_the_province_summary_groups_directions_and_categories(make_user, client_for):
    page = client_for(make_user(Role.NATIONAL_ADMIN)).get("/bases/provinces/")

    html = page.content.decode()
    codes = [d.code for d in page.context["directions"]]
    assert codes[:4] == ["employment", "integration", "lean", "global"]
    assert set(codes[4:]) == {"regional", "academic", "corporate"}
    assert "功能方向</th>" in html and "类别</th>" in html
    beijing = next(r for r in page.context["rows"] if r["code"] == "110000")
    assert beijing["total"] == Base.objects.filter(province_id="110000").count()
