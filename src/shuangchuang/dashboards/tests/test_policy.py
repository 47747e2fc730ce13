"""Who sees which dashboard, and who reads the annual reports."""

from __future__ import annotations

import pytest

from shuangchuang.accounts.models import Role
from shuangchuang.core.policy import may
from shuangchuang.dashboards.models import AnnualReport

pytestmark = pytest.mark.django_db

ROLES = [Role.NATIONAL_ADMIN, Role.JOINT_MEMBER, Role.AUTHORITY, Role.OPERATOR, Role.EVALUATOR, Role.AUDITOR]


@pytest.mark.parametrize("role", ROLES)
def test_dashboards_are_for_the_program_and_the_authorities(make_user, role):
    user = make_user(role, base="B3-012", authority="drc-450000")
    assert may(user, "dashboards.view") is (role in (Role.NATIONAL_ADMIN, Role.JOINT_MEMBER, Role.AUTHORITY))
    assert may(user, "dashboards.annual_report") is (role in (Role.NATIONAL_ADMIN, Role.JOINT_MEMBER))


@pytest.mark.parametrize("role", ROLES)
def test_annual_reports_are_read_by_those_who_make_them(registry, make_user, role):
    AnnualReport.objects.create(year=2025)
    user = make_user(role, base="B3-012", authority="drc-450000")
    expected = 1 if role in (Role.NATIONAL_ADMIN, Role.JOINT_MEMBER) else 0
    assert AnnualReport.objects.restrict(user).count() == expected
