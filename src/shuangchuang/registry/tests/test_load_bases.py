import shutil
from collections import Counter

import pytest
from django.core.management import call_command

from shuangchuang.core.models import AuditEvent
from shuangchuang.registry.models import Base, Province
from shuangchuang.registry.services import DATA_DIR, load_registry

pytestmark = pytest.mark.django_db


def test_the_notice_lists_92_bases_25_27_32_8_by_direction(registry):
    assert registry.count() == 92
    by_direction = Counter(registry.values_list("direction__name", flat=True))
    assert by_direction == {"创业就业": 25, "融通创新": 27, "精益创业": 32, "全球化创业": 8}


def test_every_province_level_division_has_a_base(registry):
    assert Province.objects.count() == 31
    assert set(registry.values_list("province_id", flat=True)) == set(
        Province.objects.values_list("code", flat=True)
    )


def test_official_names_are_kept_exactly_as_published(registry):
    notice = (DATA_DIR.parents[4] / "../shared/seed/notice-guobanfa-2020-51.txt").resolve()
    names = set(registry.values_list("name", flat=True))
    assert "江西省景德镇市珠山区（陶溪川）" in names  # full-width parentheses survive
    if notice.exists():
        lines = {line.strip() for line in notice.read_text(encoding="utf-8").splitlines()}
        assert names <= lines


@pytest.mark.parametrize(
    ("name", "province", "authority"),
    [
        ("厦门大学", "350000", "moe"),
        ("重庆大学", "500000", "moe"),
        ("北京航空航天大学", "110000", "miit"),
        ("中国科学院自动化研究所", "110000", "cas"),
        ("中国科学院苏州生物医学工程技术研究所", "320000", "cas"),
        ("中国石油天然气集团有限公司", "110000", "sasac"),
        ("中国一重集团有限公司", "230000", "sasac"),
        ("新疆生产建设兵团石河子经济技术开发区", "650000", "drc-xpcc"),
        ("山东省莱西市", "370000", "drc-qingdao"),
        ("福建省厦门生物医药港", "350000", "drc-xiamen"),
        ("南方科技大学科技园区", "440000", "drc-shenzhen"),
        ("海南自由贸易港博鳌乐城国际医疗旅游先行区", "460000", "drc-460000"),
    ],
)
def test_curated_location_and_authority(registry, name, province, authority):
    base = registry.get(name=name)
    assert (base.province_id, base.authority.code) == (province, authority)


def test_kinds_are_curated(registry):
    assert registry.get(name="厦门大学").kind == "university"
    assert registry.get(name="中国科学院微电子研究所").kind == "institute"
    assert registry.get(name="中国华润有限公司").kind == "enterprise"
    assert registry.get(name="江苏省苏州工业园区").kind == "region"


def test_hengxian_became_hengzhou_and_keeps_its_history(registry):
    base = registry.get(name="广西壮族自治区南宁市横县")
    assert base.current_name == "广西壮族自治区南宁市横州市"
    history = list(base.name_history.values_list("name", "valid_from__year"))
    assert history == [("广西壮族自治区南宁市横州市", 2021)]
    assert base.status_history.get().reason == "国办发〔2020〕51号公布"


def test_a_second_load_changes_nothing(registry):
    events = AuditEvent.objects.count()
    before = list(registry.order_by("pk").values())
    report = load_registry()
    assert not report.changed_anything and report.unchanged == Base.objects.count()
    assert list(registry.order_by("pk").values()) == before
    assert AuditEvent.objects.count() == events


def test_an_edited_file_updates_only_what_changed(registry, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(DATA_DIR, data_dir)
    path = data_dir / "bases_batch3.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(",晋城经开区,", ",晋城经济技术开发区,"), encoding="utf-8"
    )
    report = load_registry(data_dir)
    assert report.updated == {"B3-001": ["short_name"]} and report.unchanged == Base.objects.count() - 1
    assert Base.objects.get(code="B3-001").short_name == "晋城经济技术开发区"
    event = AuditEvent.objects.get(action="registry.update")
    assert (event.field, event.old_value, event.new_value) == (
        "short_name",
        "晋城经开区",
        "晋城经济技术开发区",
    )


def test_load_bases_command_reports_what_it_did(registry, capsys):
    call_command("load_bases")
    assert f"新增 0 个，更新 0 个，未变 {Base.objects.count()} 个" in capsys.readouterr().out
