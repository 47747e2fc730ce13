"""Demo accounts, one (or two) per role, so a newcomer can open every page as every role. The accounts are
made by `site.demo.ensure_demo_accounts` (they need the registry's bases and authorities)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings

from .models import Role


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
