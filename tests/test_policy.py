"""The access policy's mechanism: restrict, may, require, and unknown actions failing loudly."""

import pytest
from django.core.exceptions import PermissionDenied

from shuangchuang.accounts.models import Role
from shuangchuang.core import policy
from shuangchuang.registry.models import Base

pytestmark = pytest.mark.django_db


def test_program_roles_read_the_program_and_the_security_admin_does_not(make_user):
    assert policy.may(make_user(Role.JOINT_MEMBER), "program.read")
    assert not policy.may(make_user(Role.SECURITY_ADMIN), "program.read")


def test_an_inactive_user_may_nothing_whatever_the_rule_says(make_user):
    auditor = make_user(Role.AUDITOR, is_active=False)

    assert not policy.may(auditor, "audit.read")
    assert not Base.objects.restrict(auditor).exists()


def test_an_anonymous_user_may_nothing(client, registry):
    from django.contrib.auth.models import AnonymousUser

    assert not policy.may(AnonymousUser(), "program.read")
    assert not Base.objects.restrict(AnonymousUser()).exists()


def test_an_unknown_action_fails_loudly_instead_of_answering_no(make_user):
    with pytest.raises(policy.UnknownAction, match=r"program\.raed"):
        policy.may(make_user(Role.NATIONAL_ADMIN), "program.raed")


def test_require_raises_permission_denied(make_user):
    with pytest.raises(PermissionDenied):
        policy.require(make_user(Role.OPERATOR, base="B3-012"), "audit.read")


def test_get_restricted_is_a_404_outside_scope_exactly_as_for_a_missing_object(make_user):
    from django.http import Http404

    operator = make_user(Role.OPERATOR, base="B3-012")

    assert policy.get_restricted(Base.objects, operator, code="B3-012").code == "B3-012"
    for code in ("B3-023", "B3-999"):
        with pytest.raises(Http404):
            policy.get_restricted(Base.objects, operator, code=code)
