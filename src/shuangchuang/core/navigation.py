"""The main menu. Features add their entries here; each entry says which users see it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class MenuItem:
    label: Any
    url_name: str
    visible: Callable[[Any], bool]
    icon: str = ""


def _program(user: Any) -> bool:
    return user.is_authenticated and user.sees_program_data


def _admin_site(user: Any) -> bool:
    return user.is_authenticated and (user.is_national_admin or user.is_security_admin)


def _confirms_grants(user: Any) -> bool:
    from .policy import may

    return user.is_authenticated and may(user, "accounts.confirm_grant")


def _excel_upload(user: Any) -> bool:
    """Only the roles that may upload: the page is a 403 for readers (members, evaluators, auditors)."""
    try:
        from shuangchuang.monitoring.excel import may_upload
    except ImportError:
        return False
    return _program(user) and may_upload(user)


MENU: list[MenuItem] = [
    MenuItem(_("首页"), "core:home", lambda u: u.is_authenticated),
    MenuItem(pgettext_lazy("menu", "示范基地"), "registry:base_list", _program),
    MenuItem(_("分省汇总"), "registry:province_summary", _program),
    MenuItem(_("运行监测"), "monitoring:report_list", _program),
    MenuItem(_("填报统计"), "monitoring:completeness", _program),
    MenuItem(_("Excel 报送"), "monitoring:excel_upload", _excel_upload),
    MenuItem(_("绩效评估"), "evaluation:run_list", _program),
    MenuItem(
        _("审计日志"), "core:audit_log", lambda u: u.is_authenticated and (u.is_auditor or u.is_superuser)
    ),
    MenuItem(_("系统管理"), "admin:index", _admin_site),
]


# The user menu (under the name in the header): one's own account, and acts few people do rarely.
USER_MENU: list[MenuItem] = [
    MenuItem(_("账户安全"), "accounts:security", lambda u: u.is_authenticated),
    MenuItem(_("修改密码"), "accounts:password_change", lambda u: u.is_authenticated),
    MenuItem(_("授权确认"), "accounts:grant_list", _confirms_grants),
]


def user_menu_for(user: Any) -> list[dict[str, Any]]:
    return [{"label": item.label, "url": reverse(item.url_name)} for item in USER_MENU if item.visible(user)]


def menu_for(user: Any, path: str) -> list[dict[str, Any]]:
    items = []
    for item in MENU:
        if not item.visible(user):
            continue
        items.append({"label": item.label, "url": reverse(item.url_name), "active": False})
    # One active entry: the longest URL the path starts with (/monitoring/excel/ is 「Excel 报送」, not
    # 「运行监测」 as well).
    matches = [i for i in items if path == i["url"] or (i["url"] != "/" and path.startswith(i["url"]))]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return items
