"""The main menu. Each entry names the page and the policy's action that decides who sees it, so that an
entry is shown exactly to those the page lets in (`tests/test_permission_matrix.py` holds the pages)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shuangchuang.core.perf import cached_reverse
from shuangchuang.core.policy import Someone, may


@dataclass(frozen=True)
class MenuItem:
    label: Promise
    url_name: str
    # the actions of the policy of which the user needs one (none: every signed-in user)
    actions: tuple[str, ...] = ()
    # the drop-down it sits in (a key of GROUPS); none: on the bar itself
    group: str = ""

    def visible(self, user: Someone) -> bool:
        if user is None or not user.is_authenticated:
            return False
        return not self.actions or any(may(user, action) for action in self.actions)


# The drop-downs of the bar, in their order. A group of which a role sees one entry shows that entry itself.
GROUPS: dict[str, Promise] = {
    "bases": pgettext_lazy("menu", "示范基地"),
    "monitoring": _("运行监测"),
    "evaluation": _("评估考核"),
}

MENU: list[MenuItem] = [
    MenuItem(_("首页"), "site:home"),
    MenuItem(_("统计看板"), "dashboards:dashboard", ("dashboards.view",)),
    MenuItem(_("基地名录"), "registry:base_list", ("program.read",), group="bases"),
    MenuItem(_("分省汇总"), "registry:province_summary", ("program.read",), group="bases"),
    MenuItem(_("方案审核"), "plans:review_queue", ("plans.staff.check",), group="bases"),
    MenuItem(_("支持政策"), "records:policy_list", ("program.read",), group="bases"),
    MenuItem(_("问题困难"), "records:problem_list", ("program.read",), group="bases"),
    MenuItem(_("改革经验"), "records:experience_list", ("records.experience.read",), group="bases"),
    MenuItem(_("填报报告"), "monitoring:report_list", ("program.read",), group="monitoring"),
    MenuItem(_("填报统计"), "monitoring:completeness", ("program.read",), group="monitoring"),
    # only the roles that may upload: the page is a 403 for readers (members, evaluators, auditors)
    MenuItem(_("Excel 报送"), "monitoring:excel_upload", ("monitoring.excel.upload",), group="monitoring"),
    MenuItem(_("绩效评估"), "evaluation:run_list", ("program.read",), group="evaluation"),
    MenuItem(_("年度评估"), "assessment:cycle_list", ("program.read",), group="evaluation"),
    MenuItem(_("审计日志"), "core:audit_log", ("audit.read",)),
    MenuItem(_("系统管理"), "admin:index", ("program.manage", "accounts.manage")),
]


def menu_for(user: Someone, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for item in MENU:
        if not item.visible(user):
            continue
        items.append(
            {"label": item.label, "url": cached_reverse(item.url_name), "active": False, "group": item.group}
        )
    # One active entry: the longest URL the path starts with (/monitoring/excel/ is 「Excel 报送」, not
    # 「运行监测」 as well).
    urls = [str(i["url"]) for i in items]
    matches = [n for n, url in enumerate(urls) if path == url or (url != "/" and path.startswith(url))]
    if matches:
        items[max(matches, key=lambda n: len(urls[n]))]["active"] = True
    return items


def menu_tree(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bar: entries without a group, and one drop-down per group (placed where its first entry is)."""
    tree: list[dict[str, Any]] = []
    dropdowns: dict[str, dict[str, Any]] = {}
    for item in items:
        key = item["group"]
        if not key:
            tree.append(item)
            continue
        if key not in dropdowns:
            dropdowns[key] = {"key": key, "label": GROUPS[key], "children": [], "active": False}
            tree.append(dropdowns[key])
        dropdowns[key]["children"].append(item)
        dropdowns[key]["active"] |= item["active"]
    return [entry["children"][0] if len(entry.get("children", ())) == 1 else entry for entry in tree]


# The user menu (under the name in the header): one's own account, and acts few people do rarely.
USER_MENU: list[MenuItem] = [
    MenuItem(_("账户安全"), "accounts:security"),
    MenuItem(_("修改密码"), "accounts:password_change"),
    MenuItem(_("授权确认"), "accounts:grant_list", ("accounts.confirm_grant",)),
]


def user_menu_for(user: Someone) -> list[dict[str, Any]]:
    return [
        {"label": item.label, "url": cached_reverse(item.url_name)}
        for item in USER_MENU
        if item.visible(user)
    ]
