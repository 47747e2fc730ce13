from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "shuangchuang.accounts"
    verbose_name = _("账户与角色")

    def ready(self) -> None:
        from . import audit_words, checks, policy, signals  # noqa: F401  (policy: role rules; signals: audit)

        audit_words.register()
        signals.connect_devices()
