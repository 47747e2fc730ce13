"""Demo accounts, one (or two) per role, so a newcomer can open every page as every role."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from shuangchuang.registry.models import Authority, Base

from .models import Role, User


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    full_name: str
    organization: str
    authority_code: str = ""
    base_code: str = ""
    assigned_base_codes: tuple[str, ...] = ()


DEMO_ACCOUNTS = [
    DemoAccount("ndrc", Role.NATIONAL_ADMIN, "王国管", "国家发展改革委高技术司"),
    DemoAccount("moe_member", Role.JOINT_MEMBER, "李联席", "教育部（部际联席会议成员单位）"),
    DemoAccount(
        "gx_drc", Role.AUTHORITY, "韦审核", "广西壮族自治区发展和改革委员会", authority_code="drc-450000"
    ),
    DemoAccount("moe_reviewer", Role.AUTHORITY, "陈审核", "教育部科学技术与信息化司", authority_code="moe"),
    DemoAccount("hengzhou", Role.OPERATOR, "黄填报", "横州市双创示范基地办公室", base_code="B3-012"),
    DemoAccount("xmu", Role.OPERATOR, "林填报", "厦门大学双创示范基地办公室", base_code="B3-023"),
    DemoAccount(
        "evaluator",
        Role.EVALUATOR,
        "赵评估",
        "第三方评估机构（示例）",
        assigned_base_codes=("B3-012", "B3-023", "B3-026", "B3-053"),
    ),
    DemoAccount("auditor", Role.AUDITOR, "周审计", "国家发展改革委（安全审计员）"),
    DemoAccount("secadmin", Role.SECURITY_ADMIN, "吴安全", "国家发展改革委（安全管理员）"),
]


def demo_password() -> str:
    """One password for all demo accounts, generated on this machine and kept in var/ (never in the repo)."""
    path = settings.VAR_DIR / "demo-password"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        password = "Demo-" + secrets.token_urlsafe(9)
        path.write_text(password)
        path.chmod(0o600)
        return password


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
