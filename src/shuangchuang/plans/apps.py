from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "shuangchuang.plans"
    label = "plans"
    verbose_name = _("建设方案与组织")

    def ready(self) -> None:
        from . import audit_words, policy  # noqa: F401  # policy registers the plans rules

        audit_words.register()
