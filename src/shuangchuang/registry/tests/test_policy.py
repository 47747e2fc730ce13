"""The registry on the access policy: which bases each role reaches for reading and for changing, who may
import, and the import and export commands acting for a user."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from shuangchuang.core.policy import CHANGE, VIEW, may
from shuangchuang.registry.importer import import_bases
from shuangchuang.registry.models import Authority, Base, BaseNameHistory, Province

pytestmark = pytest.mark.django_db

GUANGXI = {"B3-012", "B3-041", "B3-074"}


@pytest.fixture
def people(registry, make_user):
    return {
        "national": make_user("national_admin"),
        "member": make_user("joint_member"),
        "authority": make_user("authority", authority="drc-450000"),
        "operator": make_user("operator", base="B3-012"),
        "evaluator": make_user("evaluator", assigned=("B3-012", "B3-023")),
        "auditor": make_user("auditor"),
        "secadmin": make_user("security_admin"),
    }


def codes(user, action=VIEW) -> set[str]:
    return set(Base.objects.restrict(user, action).filter(batch__number=3).values_list("code", flat=True))


def test_each_role_reads_the_bases_of_its_scope(people, registry):
    everything = set(registry.values_list("code", flat=True))

    assert codes(people["national"]) == codes(people["member"]) == codes(people["auditor"]) == everything
    assert codes(people["authority"]) == GUANGXI
    assert codes(people["operator"]) == {"B3-012"}
    assert codes(people["evaluator"]) == {"B3-012", "B3-023"}
    assert codes(people["secadmin"]) == set()


def test_only_the_national_office_changes_base_records(people, registry):
    assert codes(people["national"], CHANGE) == set(registry.values_list("code", flat=True))
    assert all(codes(people[who], CHANGE) == set() for who in people if who != "national")


def test_the_reference_tables_are_read_by_program_readers_and_changed_by_the_national_office(people):
    assert Province.objects.restrict(people["operator"]).count() == Province.objects.count()
    assert not Province.objects.restrict(people["secadmin"]).exists()
    assert not Authority.objects.restrict(people["member"], CHANGE).exists()
    assert Authority.objects.restrict(people["national"], CHANGE).count() == Authority.objects.count()


def test_a_base_s_history_is_reached_where_the_base_is(people):
    base = Base.objects.get(code="B3-012")
    BaseNameHistory.objects.get_or_create(base=base, name="横县", defaults={"valid_from": "2020-01-01"})

    assert BaseNameHistory.objects.restrict(people["operator"]).filter(base=base).exists()
    assert (
        not BaseNameHistory.objects.restrict(people["evaluator"])
        .exclude(base__code__in=["B3-012", "B3-023"])
        .exists()
    )
    assert not BaseNameHistory.objects.restrict(people["secadmin"]).exists()


def test_only_the_national_office_imports_bases(people):
    assert {who for who, user in people.items() if may(user, "registry.import")} == {"national"}


def import_file(name: str = "新基地") -> bytes:
    return (
        "序号,名称,简称,批次,类别,类型,省份代码,城市,审核单位\n"
        + f"1,{name},{name},2,区域示范基地,区域,450000,南宁市,drc-450000\n"
    ).encode()


def test_the_import_service_refuses_a_user_who_may_not_import(people):
    with pytest.raises(PermissionDenied):
        import_bases(import_file(), "bases.csv", actor=people["member"])

    assert not Base.objects.filter(name="新基地").exists()


def test_the_import_command_imports_for_a_user_and_refuses_one_who_may_not(people, tmp_path):
    path = tmp_path / "bases.csv"
    path.write_bytes(import_file("命令导入基地"))

    with pytest.raises(CommandError, match="无权"):
        call_command("import_bases", str(path), user=people["member"].username)
    call_command("import_bases", str(path), user=people["national"].username, stdout=io.StringIO())

    base = Base.objects.get(name="命令导入基地")
    assert base.status_history.get().changed_by == people["national"]


def test_the_export_command_for_a_user_holds_only_the_bases_that_user_sees(people, tmp_path):
    path = tmp_path / "bases.csv"

    call_command("export_bases", output=str(path), user=people["authority"].username, stderr=io.StringIO())

    rows = csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig")))
    assert {row["基地编号"] for row in rows} == GUANGXI
