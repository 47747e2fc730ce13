"""The portal's rule and its one write: only the national office marks an indicator public."""

from __future__ import annotations

import pytest

from shuangchuang.accounts.models import Role
from shuangchuang.core.models import AuditEvent
from shuangchuang.core.policy import may
from shuangchuang.monitoring.models import Indicator
from shuangchuang.monitoring.tests.approved_factories import make_headline_catalogue
from shuangchuang.portal.models import PublicIndicator
from shuangchuang.portal.services import mark_public, unmark_public

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.NATIONAL_ADMIN, True),
        (Role.JOINT_MEMBER, False),
        (Role.AUTHORITY, False),
        (Role.OPERATOR, False),
    ],
)
def test_only_the_national_office_marks_indicators_public(make_user, role, allowed):
    scope = {"authority": "drc-450000"} if role == Role.AUTHORITY else {"base": "B3-012"}
    assert may(make_user(role, **scope), "portal.mark_public") is allowed


def test_marking_public_is_audited_and_can_be_taken_back(registry, make_user):
    make_headline_catalogue()
    admin = make_user(Role.NATIONAL_ADMIN)
    jobs = Indicator.objects.get(code="JOBS_TOTAL")
    mark_public(jobs, actor=admin, note="依据年度公报")
    mark_public(jobs, actor=admin)  # again: nothing new
    assert PublicIndicator.objects.filter(indicator=jobs).count() == 1
    unmark_public(jobs, actor=admin)
    assert not PublicIndicator.objects.exists()
    events = AuditEvent.objects.filter(action__startswith="portal.").order_by("pk")
    assert list(events.values_list("action", flat=True)) == [
        "portal.mark_public",
        "portal.unmark_public",
    ]


def test_an_authority_cannot_mark(registry, make_user):
    from django.core.exceptions import PermissionDenied

    make_headline_catalogue()
    with pytest.raises(PermissionDenied):
        mark_public(
            Indicator.objects.get(code="JOBS_TOTAL"), actor=make_user(Role.AUTHORITY, authority="drc-450000")
        )
