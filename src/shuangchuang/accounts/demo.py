"""Demo accounts, one (or two) per role, so a newcomer can open every page as every role.

Only where `DEMO_MODE` is on (the default settings; the production settings turn it off and
`setup_demo` refuses to run there). The demo accounts share one password made on this machine (var/),
are not asked to change it (the next person trying the product needs it), and those whose role signs in
with a second factor share one TOTP key made on this machine too (var/demo-totp-key): add it once to an
authenticator app, or read the current code with `manage.py demo_code`. The accounts are made by
`site.demo.ensure_demo_accounts` (they need the registry's bases and authorities).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django_otp.oath import TOTP

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


def demo_totp_key() -> str:
    """The TOTP key (hex) of the demo accounts that sign in with a second factor, kept in var/."""
    path = settings.VAR_DIR / "demo-totp-key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(20)
        path.write_text(key)
        path.chmod(0o600)
        return key


def demo_totp_secret() -> str:
    """The same key in base32, as authenticator apps take it when typed in."""
    import base64

    return base64.b32encode(bytes.fromhex(demo_totp_key())).decode()


def demo_code() -> str:
    """The demo accounts' current six-digit code."""
    return f"{TOTP(bytes.fromhex(demo_totp_key())).token():06d}"


def require_demo_mode() -> None:
    if not settings.DEMO_MODE:
        raise ImproperlyConfigured("演示账户只在演示模式（DEMO_MODE）下建立；生产配置不允许默认或演示账户。")
