"""The province summary: bases counted by province and direction, within the user's scope."""

import pytest

from shuangchuang.accounts.models import Role
from shuangchuang.registry.models import Base

pytestmark = pytest.mark.django_db


def test_national_office_sees_every_province(make_user, client_for):
    page = client_for(make_user(Role.NATIONAL_ADMIN)).get("/bases/provinces/")

    assert len(page.context["rows"]) == 31 and page.context["grand_total"] == Base.objects.count()


def test_a_provincial_reviewer_sees_only_provinces_with_its_bases(make_user, client_for):
    page = client_for(make_user(Role.AUTHORITY, authority="drc-450000")).get("/bases/provinces/")

    assert [(r["name"], r["total"]) for r in page.context["rows"]] == [("广西壮族自治区", 3)]
    assert page.context["covered"] == 1 and "北京市" not in page.content.decode()


def test_moe_sees_the_provinces_of_its_universities(make_user, client_for):
    page = client_for(make_user(Role.AUTHORITY, authority="moe")).get("/bases/provinces/")

    moe_bases = Base.objects.filter(authority__code="moe")
    assert sum(r["total"] for r in page.context["rows"]) == moe_bases.count()
    assert moe_bases.filter(batch__number=3).count() == 4  # and the others are of the first two batches
    assert all(r["total"] for r in page.context["rows"])
