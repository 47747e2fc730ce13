"""The staff roster: its history, and its count against the reported 专职工作人员数 (flagged to the
authority when they differ)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from shuangchuang.monitoring.tests.factories import make_period, make_report
from shuangchuang.plans import services
from shuangchuang.plans.models import StaffChange
from shuangchuang.plans.selectors import staff_check
from shuangchuang.registry.models import Base

from .factories import indicator

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(make_user):
    return make_user("operator", base="B3-012")


@pytest.fixture
def base():
    return Base.objects.get(code="B3-012")


def roster(base, operator, n, since=dt.date(2024, 1, 1)):
    return [
        services.add_staff(base, actor=operator, name=f"人员{i}", role="专员", since=since) for i in range(n)
    ]


def test_roster_matching_the_approved_report_is_not_flagged(base, operator):
    indicator("FULLTIME_STAFF", "专职工作人员数")
    roster(base, operator, 3)
    make_report("B3-012", make_period(2024), state="approved", FULLTIME_STAFF=3)
    check = staff_check(base)
    assert (check.roster, check.reported, check.mismatch) == (3, Decimal(3), False)


def test_roster_counts_on_the_last_day_of_the_reported_period(base, operator):
    indicator("FULLTIME_STAFF", "专职工作人员数")
    first, _second, _third = roster(base, operator, 3)
    services.staff_leaves(first, actor=operator, until=dt.date(2024, 6, 30))  # left before the year's end
    services.add_staff(
        base, actor=operator, name="新人", role="专员", since=dt.date(2025, 3, 1)
    )  # came after
    make_report("B3-012", make_period(2024), state="locked", FULLTIME_STAFF=3)
    check = staff_check(base)
    assert (check.roster, check.mismatch) == (2, True)


def test_only_approved_reports_are_compared(base, operator):
    indicator("FULLTIME_STAFF", "专职工作人员数")
    roster(base, operator, 2)
    make_report("B3-012", make_period(2024), state="submitted", FULLTIME_STAFF=9)
    assert staff_check(base).reported is None
    assert not staff_check(base).mismatch


def test_mismatch_is_listed_for_the_authority_only_for_its_bases(base, operator, make_user, client_for):
    indicator("FULLTIME_STAFF", "专职工作人员数")
    roster(base, operator, 2)
    make_report("B3-012", make_period(2024), state="approved", FULLTIME_STAFF=5)
    own = client_for(make_user("authority", authority="drc-450000")).get(reverse("plans:review_queue"))
    other = client_for(make_user("authority", authority="moe")).get(reverse("plans:review_queue"))
    assert base.current_name in own.content.decode()
    assert base.current_name not in other.content.decode()


def test_changes_are_kept_in_the_history(base, operator):
    [member] = roster(base, operator, 1)
    services.change_staff(member, actor=operator, effective_on=dt.date(2025, 1, 1), role="副主任")
    services.staff_leaves(member, actor=operator, until=dt.date(2025, 6, 30), reason="调任")
    kinds = list(StaffChange.objects.filter(staff=member).order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == ["joined", "changed", "left"]
    assert StaffChange.objects.get(staff=member, kind="changed").changes == {"role": ["专员", "副主任"]}


def test_another_base_cannot_change_this_roster(base, operator, make_user):
    [member] = roster(base, operator, 1)
    stranger = make_user("operator", base="B3-023")
    with pytest.raises(services.NotAllowed):
        services.change_staff(member, actor=stranger, role="x")


def test_contacts_are_masked_for_readers(base, operator, make_user, client_for):
    services.add_staff(
        base, actor=operator, name="李四", role="主任", since=dt.date(2024, 1, 1), phone="13812345678"
    )
    page = client_for(make_user("authority", authority="drc-450000")).get(
        reverse("plans:organisation", args=["B3-012"])
    )
    assert "13812345678" not in page.content.decode()
    own = client_for(operator).get(reverse("plans:organisation", args=["B3-012"]))
    assert "13812345678" in own.content.decode()


def test_home_counts_the_mismatches_again_after_every_change(base, operator, make_user, client_for):
    """The count on the authority's home page is kept between visits (plans.selectors.staff_mismatches):
    a roster change or a newly approved report shows at the next visit."""
    import re

    from django.core.cache import cache

    indicator("FULLTIME_STAFF", "专职工作人员数")
    first, _second = roster(base, operator, 2)
    make_report("B3-012", make_period(2024), state="approved", FULLTIME_STAFF=3)
    home = client_for(make_user("authority", authority="drc-450000"))

    def mismatches() -> int:
        html = home.get("/").content.decode()
        found = re.search(r"人员名册与填报不一致 <span[^>]*>(\d+)</span>", html)
        return int(found.group(1)) if found else 0

    assert mismatches() == 1
    services.add_staff(base, actor=operator, name="第三人", role="专员", since=dt.date(2024, 1, 1))
    assert mismatches() == 0  # three on the roster, three reported
    services.staff_leaves(first, actor=operator, until=dt.date(2024, 6, 30))
    assert mismatches() == 1
    make_report("B3-012", make_period(2025), state="approved", FULLTIME_STAFF=2)
    assert mismatches() == 0  # the latest approved report now counts, and gives two
    cache.clear()
    assert mismatches() == 0
