"""The audit log's words for account changes made in the admin. Registered from `AccountsConfig.ready()`."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext, gettext_noop, pgettext

from shuangchuang.core.audit_words import register_field_names, register_reason

from .models import User


def _field_names(fields: str) -> str:
    names = []
    for name in fields.split(", "):
        try:
            field = User._meta.get_field(name)
            names.append(str(getattr(field, "verbose_name", name)))
        except FieldDoesNotExist:
            names.append(name)  # password1, password2 …: form fields of the admin
    return pgettext("list separator", "、").join(names)


def _extra_field_names(keys: set[str]) -> dict[str, str]:
    names = {
        "source_address": gettext("来源地址"),
        "assigned_bases": str(User._meta.get_field("assigned_bases").verbose_name),
    }
    return {key: names[key] for key in keys if key in names}


# Reasons the accounts app writes (kept in Chinese in the record, shown in the reader's language).
REASONS = [
    gettext_noop("账户在该地址已锁定"),
    gettext_noop("该地址登录失败过多，已限流"),
    gettext_noop("长时间未操作，自动退出"),
    gettext_noop("超过会话最长时间，自动退出"),
    gettext_noop("确认授权时发放初始密码"),
    gettext_noop("安全管理员重置，下次登录须修改"),
    gettext_noop("服务器命令"),
]


def _fixed(chinese: str) -> Callable[..., str]:
    """A reason stored as this very text: its translation."""
    return lambda match, obj: gettext(chinese)


def register() -> None:
    register_field_names("accounts.User", _extra_field_names)
    for chinese in REASONS:
        register_reason(re.escape(chinese), _fixed(chinese))
    register_reason(r"(?P<days>\d+) 天未登录", lambda m, o: gettext("%(days)s 天未登录") % m.groupdict())
    register_reason(r"剩余 (?P<n>\d+) 个", lambda m, o: gettext("剩余 %(n)s 个") % m.groupdict())
    register_reason(r"新建账户", lambda m, o: gettext("新建账户"), action="accounts.create")
    # accounts/admin.py writes the changed fields by their names: named in the reader's language
    register_reason(
        r"(?P<fields>[a-z0-9_]+(?:, [a-z0-9_]+)*)",
        lambda m, o: gettext("修改了：%(fields)s") % {"fields": _field_names(m["fields"])},
        action="accounts.change",
        every_language=True,
    )
