"""The demo accounts of `accounts.demo`, made with their bases and authorities (which is why it is here, above
the registry)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from shuangchuang.accounts.demo import (
    DEMO_ACCOUNTS,
    DemoAccount,
    demo_password,
    demo_totp_key,
    require_demo_mode,
)
from shuangchuang.accounts.models import User
from shuangchuang.accounts.services import STAFF_ROLES
from shuangchuang.registry.models import Authority, Base


@transaction.atomic
def ensure_demo_accounts(password: str | None = None) -> list[tuple[DemoAccount, User]]:
    require_demo_mode()
    password = password or demo_password()
    result = []
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username=account.username).first() or User(username=account.username)
        user.last_name, user.first_name = account.full_name[0], account.full_name[1:]
        user.role = account.role
        user.organization = account.organization
        user.authority = (
            Authority.objects.get(code=account.authority_code) if account.authority_code else None
        )
        user.base = Base.objects.get(code=account.base_code) if account.base_code else None
        user.is_staff = account.role in STAFF_ROLES
        user.is_active = True
        user.set_password(password)
        user.must_change_password = False
        user.password_changed_at = timezone.now()
        user.disabled_as_unused_at = None
        user.save()
        if account.assigned_base_codes:
            user.assigned_bases.set(Base.objects.filter(code__in=account.assigned_base_codes))
        if user.needs_second_factor:
            TOTPDevice.objects.filter(user=user).delete()
            TOTPDevice.objects.create(user=user, name="演示动态口令", key=demo_totp_key(), confirmed=True)
        result.append((account, user))
    return result
