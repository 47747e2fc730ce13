"""The demo accounts of `accounts.demo`, made with their bases and authorities (which is why it is here, above
the registry)."""

from __future__ import annotations

from django.db import transaction

from shuangchuang.accounts.demo import DEMO_ACCOUNTS, DemoAccount, demo_password
from shuangchuang.accounts.models import Role, User
from shuangchuang.registry.models import Authority, Base


@transaction.atomic
def ensure_demo_accounts(password: str | None = None) -> list[tuple[DemoAccount, User]]:
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
        user.is_staff = account.role in (Role.NATIONAL_ADMIN, Role.SECURITY_ADMIN)
        user.set_password(password)
        user.save()
        if account.assigned_base_codes:
            user.assigned_bases.set(Base.objects.filter(code__in=account.assigned_base_codes))
        result.append((account, user))
    return result
