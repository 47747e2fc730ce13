"""The English of what the dashboards write into stored text: the audit row of an annual report asked for.
Registered from `DashboardsConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext

from shuangchuang.core.audit_words import register_reason


def register() -> None:
    register_reason(
        r"生成(?P<year>\d{4})年度报告",
        lambda m, o: gettext("生成%(year)s年度报告") % {"year": m["year"]},
        action="dashboards.annual_report",
    )
