from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "shuangchuang.records"
    verbose_name = _("工作记录")

    def ready(self) -> None:
        from . import audit_words, policy  # noqa: F401  # policy registers the records rules

        audit_words.register()
