"""The access policy's mechanism: restrict, may, require, unknown actions failing loudly, and the pieces
scopes are built from. (Here, not in core/tests: it needs the rules and models of the apps above core.)"""

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Q

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


# The pieces scopes are built from


def test_a_related_model_s_condition_is_prefixed_through_the_relation():
    condition = Q(authority_id=3) | ~Q(pk__in=[1, 2])

    prefixed = policy.prefixed(condition, "base")

    assert prefixed == Q(base__authority_id=3) | ~Q(base__pk__in=[1, 2])


def test_a_report_is_reached_where_its_base_is(make_user):
    from shuangchuang.monitoring.models import Report

    authority = make_user(Role.AUTHORITY, authority="drc-450000")

    condition = Report.objects.scope(authority, policy.VIEW)

    assert condition == Q(base__authority_id=authority.authority_id)


def test_in_scope_asks_the_database_only_when_the_scope_is_a_condition(make_user, django_assert_num_queries):
    national, operator = make_user(Role.NATIONAL_ADMIN), make_user(Role.OPERATOR, base="B3-012")
    base = Base.objects.get(code="B3-012")

    with django_assert_num_queries(0):
        assert policy.in_scope(national, policy.VIEW, base)
    with django_assert_num_queries(1):
        assert policy.in_scope(operator, policy.VIEW, base)
    assert not policy.in_scope(operator, policy.CHANGE, base)


def test_the_auditor_reads_every_audit_event_and_the_national_office_those_of_the_program(make_user):
    from shuangchuang.core.audit import record
    from shuangchuang.core.models import AuditEvent

    secadmin = make_user(Role.SECURITY_ADMIN)
    record(secadmin, "accounts.change", make_user(Role.OPERATOR, base="B3-012"), reason="role")
    record(make_user(Role.NATIONAL_ADMIN), "admin.change", Base.objects.get(code="B3-012"), reason="x")

    def types(user):
        return set(AuditEvent.objects.restrict(user).values_list("object_type", flat=True))

    assert types(make_user(Role.AUDITOR)) >= {"accounts.User", "registry.Base"}
    assert "accounts.User" not in types(make_user(Role.NATIONAL_ADMIN))
    assert types(secadmin) == types(make_user(Role.JOINT_MEMBER)) == set()


def test_templates_ask_the_policy_with_the_may_tag(make_user):
    from django.template import Context, Template

    template = Template('{% load core_tags %}{% may "registry.import" as imports %}{{ imports|yesno:"y,n" }}')

    assert template.render(Context({"user": make_user(Role.NATIONAL_ADMIN)})) == "y"
    assert template.render(Context({"user": make_user(Role.JOINT_MEMBER)})) == "n"


def test_a_scope_action_outside_the_vocabulary_fails_loudly(make_user):
    with pytest.raises(policy.UnknownAction, match="veiw"):
        Base.objects.restrict(make_user(Role.NATIONAL_ADMIN), "veiw")
