"""Goals and the staff roster through Excel: the template round trip, per-cell errors, hostile files, the
preview before anything is saved."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from shuangchuang.plans import excel, services
from shuangchuang.plans.models import StaffChange, StaffMember
from shuangchuang.registry.models import Base

from .factories import draft_plan, indicator

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(make_user):
    return make_user("operator", base="B3-012")


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str = "目标.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def test_goals_template_round_trip_changes_and_adds(operator, client_for):
    indicator("JOBS")
    plan = draft_plan(operator)
    template = load_workbook(io.BytesIO(excel.goals_workbook(plan)))
    sheet = template.active
    assert [c.value for c in sheet[1]] == excel.goal_columns(plan)
    sheet["G2"] = "170"  # 2025 target of the existing goal
    sheet.append(["孵化企业", "", "家", "越大越好", "10", "12", "", "20", ""])
    buffer = io.BytesIO()
    template.save(buffer)
    client = client_for(operator)
    preview = client.post(reverse("plans:goals_upload", args=[plan.pk]), {"file": upload(buffer.getvalue())})
    html = preview.content.decode()
    assert 'data-testid="excel-changes"' in html
    assert plan.goals.count() == 1  # nothing saved before confirmation
    token = html.split('name="token" value="')[1].split('"')[0]
    client.post(reverse("plans:goals_confirm", args=[plan.pk]), {"token": token})
    first = plan.goals.get(name="带动就业")
    assert first.targets.get(year=2025).value == Decimal(170)
    assert {t.year: t.value for t in plan.goals.get(name="孵化企业").targets.all()} == {
        2024: Decimal(12),
        2026: Decimal(20),
    }


def test_goal_text_is_kept_as_written_and_full_width_numbers_and_names_still_match(operator):
    plan = draft_plan(operator)
    data = xlsx(
        [
            [f"{c}\u3000" for c in excel.goal_columns(plan)],  # headers with an ideographic space
            ["带动就业", "", "人", "越大越好", "１００", "１３０", "１６０", "２，５００", "含（一）期；"],
            ["孵化企业（含众创空间）", "", "家", "越大越好", "１０", "", "", "２０", "（二）期：新增。"],
        ]
    )

    check = excel.check_goals(plan, data, "目标.xlsx")
    assert check.ok, [str(e) for e in check.errors]
    excel.save_goals(check, actor=operator)

    jobs = plan.goals.get(name="带动就业")  # matched, not added again
    assert (jobs.note, jobs.targets.get(year=2026).value) == ("含（一）期；", Decimal(2500))
    new = plan.goals.get(name="孵化企业（含众创空间）")
    assert (new.note, new.baseline) == ("（二）期：新增。", Decimal(10))


def test_a_goal_is_matched_by_name_however_its_brackets_are_typed(operator):
    plan = draft_plan(operator)
    goal = services.save_goal(
        plan,
        services.GoalData(name="孵化企业（含众创空间）", baseline=Decimal(1), targets={2026: Decimal(2)}),
        actor=operator,
    )
    data = xlsx(
        [excel.goal_columns(plan), ["孵化企业(含众创空间)", "", "家", "越大越好", "1", "", "", "30", ""]]
    )

    check = excel.check_goals(plan, data, "目标.xlsx")

    assert [change.goal for change in check.changes] == [goal]


def test_goal_errors_name_row_column_and_field(operator):
    plan = draft_plan(operator)
    data = xlsx(
        [
            excel.goal_columns(plan),
            ["", "NOPE", "", "越高越好", "abc", "1", "2", "", ""],
        ]
    )
    check = excel.check_goals(plan, data, "目标.xlsx")
    messages = [str(e) for e in check.errors]
    assert any("第 2 行 A 列" in m and "目标名称" in m for m in messages)
    assert any("B 列" in m and "NOPE" in m for m in messages)
    assert any("D 列" in m and "方向" in m for m in messages)
    assert any("E 列" in m and "abc" in m for m in messages)
    assert any("H 列" in m and "2026年目标值" in m for m in messages)  # the final target is required
    assert not check.changes


def test_a_file_that_is_not_a_workbook_is_refused_with_a_reason(operator):
    plan = draft_plan(operator)
    check = excel.check_goals(plan, b"MZ\x90\x00 not a workbook", "evil.xlsx")
    assert not check.ok
    assert check.errors[0].message


def test_a_workbook_with_an_entity_is_refused(operator):
    plan = draft_plan(operator)
    data = xlsx([excel.goal_columns(plan)])
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = b'<!DOCTYPE x [<!ENTITY e "boom">]>' + content.split(b"?>", 1)[-1]
            target.writestr(item, content)
    check = excel.check_goals(plan, out.getvalue(), "entity.xlsx")
    assert not check.ok


def test_staff_upload_adds_and_changes_with_history(operator, client_for):
    base = Base.objects.get(code="B3-012")
    member = services.add_staff(base, actor=operator, name="张三", role="专员", since=dt.date(2023, 1, 1))
    data = xlsx(
        [
            excel.STAFF_COLUMNS,
            ["张三", "副主任", "13800000000", "", "2023-01-01"],
            ["李四", "专员", "", "li@example.cn", "2025-05-01"],
        ]
    )
    client = client_for(operator)
    preview = client.post(reverse("plans:staff_upload", args=["B3-012"]), {"file": upload(data, "名册.xlsx")})
    token = preview.content.decode().split('name="token" value="')[1].split('"')[0]
    assert StaffMember.objects.filter(base=base).count() == 1
    client.post(reverse("plans:staff_confirm", args=["B3-012"]), {"token": token})
    member.refresh_from_db()
    assert member.role == "副主任"
    assert StaffMember.objects.get(base=base, name="李四").since == dt.date(2025, 5, 1)
    assert StaffChange.objects.filter(staff=member, kind="changed").exists()


def test_staff_typed_full_width_keep_their_post_as_written_and_a_usable_phone_and_email(operator):
    base = Base.objects.get(code="B3-012")
    data = xlsx(
        [
            excel.STAFF_COLUMNS,
            [
                "李四",
                "主任（兼）",
                "１３８００００００００",
                "ｌｉ＠ｅｘａｍｐｌｅ．ｃｎ",
                "２０２５－０５－０１",
            ],
        ]
    )

    check = excel.check_staff(base, data, "名册.xlsx")
    assert check.ok, [str(e) for e in check.errors]
    excel.save_staff(check, actor=operator)

    member = StaffMember.objects.get(base=base, name="李四")
    assert (member.role, member.phone, member.email) == ("主任（兼）", "13800000000", "li@example.cn")
    assert member.since == dt.date(2025, 5, 1)


def test_staff_errors_are_listed_and_nothing_saved(operator, client_for):
    data = xlsx([excel.STAFF_COLUMNS, ["王五", "", "", "not-an-email", "明年"]])
    response = client_for(operator).post(
        reverse("plans:staff_upload", args=["B3-012"]), {"file": upload(data, "名册.xlsx")}
    )
    html = response.content.decode()
    assert html.count('data-testid="excel-error"') == 3
    assert not StaffMember.objects.filter(name="王五").exists()
