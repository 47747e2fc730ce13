import pytest

from shuangchuang.registry.models import Base, pinyin_initials

pytestmark = pytest.mark.django_db


def test_pinyin_initials_of_polyphonic_names():
    assert pinyin_initials("厦门大学") == "xmdx"
    assert pinyin_initials("重庆大学") == "cqdx"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("xmdx", "厦门大学"),
        ("XMDX", "厦门大学"),
        ("ｘｍｄｘ", "厦门大学"),
        ("厦门大", "厦门大学"),
        ("横州", "广西壮族自治区南宁市横县"),
        ("hzs", "广西壮族自治区南宁市横县"),
        ("（陶溪川）", "江西省景德镇市珠山区（陶溪川）"),
        ("(陶溪川)", "江西省景德镇市珠山区（陶溪川）"),
    ],
)
def test_search_by_chinese_substring_or_pinyin_initials(registry, query, expected):
    assert expected in set(Base.objects.search(query).values_list("name", flat=True))


def test_search_for_nothing_returns_nothing(registry):
    assert not Base.objects.search("不存在的基地").exists()
