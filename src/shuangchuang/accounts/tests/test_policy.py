"""The role rules of accounts/policy.py and the scope of accounts: the security administrator manages every
account (三员分立), everyone else reads only their own."""

from __future__ import annotations

import pytest

from shuangchuang.accounts.models import Role, User
from shuangchuang.core.policy import CHANGE, VIEW, may

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):
    return {role: make_user(role, base="B3-012" if role == Role.OPERATOR else None,
                            authority="drc-450000" if role == Role.AUTHORITY else None)
            for role in Role}  # fmt: skip


def test_the_role_rules(people):
    def holders(action):
        return {role for role, user in people.items() if may(user, action)}

    assert holders("program.read") == set(Role) - {Role.SECURITY_ADMIN}
    assert holders("program.manage") == {Role.NATIONAL_ADMIN}
    assert holders("audit.read") == {Role.AUDITOR}
    assert holders("accounts.manage") == {Role.SECURITY_ADMIN}
    assert holders("admin.foreign") == set()


def test_the_security_administrator_reaches_every_account_and_the_others_only_their_own(people):
    secadmin, operator = people[Role.SECURITY_ADMIN], people[Role.OPERATOR]

    assert User.objects.restrict(secadmin, CHANGE).count() == User.objects.count()
    assert list(User.objects.restrict(operator, VIEW)) == [operator]
    assert not User.objects.restrict(people[Role.NATIONAL_ADMIN], CHANGE).exists()


def test_a_superuser_passes_the_role_rules(make_user):
    root = make_user(Role.NATIONAL_ADMIN, is_superuser=True)

    assert may(root, "program.manage") and may(root, "accounts.manage") and may(root, "audit.read")
