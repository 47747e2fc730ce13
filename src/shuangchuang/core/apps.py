import functools
import re

from django.apps import AppConfig
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


def _said(words: Promise, match: re.Match[str], original: str) -> str:
    return str(words)


def _pruned(match: re.Match[str], original: str) -> str:
    from django.utils.translation import gettext

    return gettext("清理 %(cutoff)s 之前的审计日志 %(rows)s 条（保留 %(days)s 天）") % match.groupdict()


class CoreConfig(AppConfig):
    name = "shuangchuang.core"
    verbose_name = _("平台")

    def ready(self) -> None:
        from django.contrib import admin

        from . import (
            checks,  # noqa: F401
            observability,
        )
        from .admin_access import put_foreign_admins_on_the_policy
        from .audit_words import register_reason
        from .perf import install_fast_choice_display

        install_fast_choice_display()
        observability.connect_task_signals()

        # Every admin module is loaded by now (the admin app's ready() comes first), those of the packages
        # listed after the project's apps too (the task queue, after `evaluation`, whose db_worker wins).
        put_foreign_admins_on_the_policy(admin.site)

        # what admin_access.py and the monitoring admin write for a change made in the Django admin
        admin_reasons = {
            "新建": _("系统管理：新建"),
            "新增": _("系统管理：新建"),
            "修改": _("系统管理：修改"),
            "删除": _("系统管理：删除"),
        }
        for verb, words in admin_reasons.items():
            register_reason(f"系统管理：?{verb}", functools.partial(_said, words))
        register_reason(
            r"清理 (?P<cutoff>\S+) 之前的审计日志 (?P<rows>\d+) 条（保留 (?P<days>\d+) 天）",
            _pruned,
            action="audit.prune",
        )
