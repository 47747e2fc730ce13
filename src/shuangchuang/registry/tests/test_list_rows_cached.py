"""The base list's rows come from the cache (core/fragments.py, issue 14): never stale, never another's."""

from __future__ import annotations

import pytest
from conftest import sign_in
from django.core.cache import cache
from django.test import Client

from shuangchuang.accounts.models import Role
from shuangchuang.core import fragments
from shuangchuang.registry.models import Authority, Base, BaseStatus
from shuangchuang.registry.services import change_status


def listed(client, **params) -> str:
    response = client.get("/bases/", params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_a_renamed_base_shows_its_new_name_at_once(make_user, client_for):
    client = client_for(make_user(Role.NATIONAL_ADMIN))
    base = Base.objects.get(code="B3-001")
    assert base.current_name in listed(client, batch=3)  # the row is now in the cache

    base.current_name = "更名后的示范基地（测试）"
    base.save()

    html = listed(client, batch=3)
    assert "更名后的示范基地（测试）" in html and f"原名：{base.name}" in html


@pytest.mark.django_db
def test_a_status_change_shows_at_once(make_user, client_for):
    client = client_for(make_user(Role.NATIONAL_ADMIN))
    base = Base.objects.get(code="B3-001")
    withdrawn = 'bg-red-lt">已调整退出</span>'
    assert withdrawn not in listed(client, q=base.current_name)

    change_status(base, BaseStatus.WITHDRAWN, actor=None, reason="测试")

    assert withdrawn in listed(client, q=base.current_name)


@pytest.mark.django_db
def test_a_renamed_direction_or_authority_shows_on_every_row_of_it(make_user, client_for):
    client = client_for(make_user(Role.NATIONAL_ADMIN))
    base = Base.objects.select_related("direction", "authority").get(code="B3-001")
    listed(client, batch=3)

    direction = base.direction
    direction.name = "新的功能方向名称"
    direction.save()
    authority = Authority.objects.get(pk=base.authority_id)
    authority.short_name = "新的审核单位名称"
    authority.save()

    html = listed(client, batch=3)
    rows = Base.objects.filter(batch__number=3, direction=direction).count()
    assert html.count("新的功能方向名称") >= min(rows, 50) > 0
    assert "新的审核单位名称" in html


@pytest.mark.django_db
def test_each_reader_gets_rows_in_their_language(make_user):
    chinese = sign_in(Client(), make_user(Role.NATIONAL_ADMIN))
    assert "建设中" in listed(chinese, batch=3)

    english = sign_in(Client(), make_user(Role.NATIONAL_ADMIN))
    english.post("/i18n/setlang/", {"language": "en", "next": "/bases/"})
    html = listed(english, batch=3)
    assert '<html lang="en">' in html
    assert "建设中" not in html and ">Active</span>" in html

    assert "建设中" in listed(chinese, batch=3)


@pytest.mark.django_db
def test_cached_rows_never_reach_a_reader_outside_their_scope(make_user, client_for):
    national = client_for(make_user(Role.NATIONAL_ADMIN))
    assert "B3-002" in listed(national, batch=3)  # every row of the third batch's first page is cached

    operator = client_for(make_user(Role.OPERATOR, base="B3-001"))
    html = listed(operator, batch=3)
    mine = Base.objects.get(code="B3-001")
    other = Base.objects.get(code="B3-002")
    assert mine.current_name in html and other.current_name not in html
    assert "/bases/B3-002/" not in html


@pytest.mark.django_db
def test_a_row_shows_nothing_of_the_reader_who_first_asked(make_user, client_for):
    reader = make_user(Role.NATIONAL_ADMIN, username="first-reader-zzz")
    listed(client_for(reader), batch=3)

    rows = [value for key, value in cache._cache.items() if "registry/_base_row.html" in key]  # type: ignore[attr-defined]
    assert rows, "the rows were not kept"
    assert not any(b"first-reader-zzz" in row or b"csrf" in row.lower() for row in rows)


def test_a_row_template_change_makes_new_keys(monkeypatch):
    fragments._template_digest.cache_clear()
    first = fragments._template_digest("registry/_base_row.html")
    assert first == fragments._template_digest("registry/_base_row.html")
    assert first != fragments._template_digest("registry/_base_rows.html")


@pytest.mark.django_db
def test_the_filter_form_shows_each_readers_own_choices(make_user, client_for):
    client = client_for(make_user(Role.NATIONAL_ADMIN))
    first = listed(client, batch=3, province="350000")
    second = listed(client, batch=3, province="450000", q="横县")

    assert '<option value="350000" selected>' in first and '<option value="450000" selected>' not in first
    assert '<option value="450000" selected>' in second and '<option value="350000" selected>' not in second
    assert 'name="q" value="横县"' in second and 'name="q" value=""' in first


@pytest.mark.django_db
def test_a_renamed_province_shows_in_the_filter_form_at_once(make_user, client_for):
    from shuangchuang.registry.models import Province

    client = client_for(make_user(Role.NATIONAL_ADMIN))
    assert ">福建省</option>" in listed(client)
    province = Province.objects.get(code="350000")
    province.name = "福建省（测试更名）"
    province.save()  # as the admin saves it

    assert ">福建省（测试更名）</option>" in listed(client)


@pytest.mark.django_db
def test_reference_data_reloaded_shows_in_the_filter_form_at_once(make_user, client_for):
    from shuangchuang.registry.models import Batch, Direction
    from shuangchuang.registry.services import _upsert

    client = client_for(make_user(Role.NATIONAL_ADMIN))
    listed(client)  # the options are now kept
    Batch.objects.create(number=9, year=2030, name="第九批（测试）")
    assert ">第九批（测试）</option>" in listed(client)
    _upsert(Batch, {"number": 9}, {"name": "第九批（重新载入）"})  # no base shows it yet
    assert ">第九批（重新载入）</option>" in listed(client)

    # a direction appears among the options once a base has it, and leaves with its last base
    direction = Direction.objects.create(code="test-direction", name="测试方向", name_en="Test", order=99)
    assert ">测试方向</option>" not in listed(client)
    base = Base.objects.get(code="B3-001")
    former, base.direction = base.direction, direction
    base.save()
    assert ">测试方向</option>" in listed(client)
    base.direction = former
    base.save()
    assert ">测试方向</option>" not in listed(client)
