from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "shuangchuang.monitoring"
    verbose_name = _("运行监测")

    def ready(self) -> None:
        from . import audit_words, policy  # noqa: F401  # policy registers the monitoring rules

        audit_words.register()
