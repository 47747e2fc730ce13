"""The report list is named after what its reader does with it: roles that fill, review or approve see
"运行监测填报"; those who only read (joint-conference members, evaluators, auditors) are not told to fill."""

import re

import pytest

from shuangchuang.accounts.models import Role

pytestmark = pytest.mark.django_db


def heading(client) -> str:
    html = client.get("/monitoring/", {"state": ""}).content.decode()
    return re.search(r'<h1 class="page-title">\s*(.*?)\s*</h1>', html, re.S).group(1)


@pytest.mark.parametrize(
    ("role", "scope"),
    [(Role.JOINT_MEMBER, {}), (Role.EVALUATOR, {"assigned": ("B3-023",)}), (Role.AUDITOR, {})],
)
def test_readers_see_a_heading_for_reading(make_user, client_for, role, scope):
    assert heading(client_for(make_user(role, **scope))) == "运行监测报告查阅"


@pytest.mark.parametrize(
    ("role", "scope"),
    [(Role.OPERATOR, {"base": "B3-023"}), (Role.AUTHORITY, {"authority": "moe"}), (Role.NATIONAL_ADMIN, {})],
)
def test_those_who_fill_or_review_see_the_filing_heading(make_user, client_for, role, scope):
    assert heading(client_for(make_user(role, **scope))) == "运行监测填报"
