from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "shuangchuang.dashboards"
    verbose_name = _("统计看板")

    def ready(self) -> None:
        from . import audit_words, policy  # noqa: F401  # policy registers the dashboards' rules

        audit_words.register()
