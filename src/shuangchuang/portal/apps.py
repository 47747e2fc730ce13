from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "shuangchuang.portal"
    verbose_name = _("公开门户")

    def ready(self) -> None:
        from . import audit_words, policy  # noqa: F401  # policy registers the portal's rules

        audit_words.register()
