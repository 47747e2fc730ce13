from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "shuangchuang.registry"
    verbose_name = _("示范基地名录")

    def ready(self) -> None:
        from . import audit_words, policy, signals  # noqa: F401  # policy registers the registry's rules

        audit_words.register()
        signals.connect()
