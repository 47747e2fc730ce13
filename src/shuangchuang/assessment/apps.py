from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "shuangchuang.assessment"
    verbose_name = _("年度评估与动态调整")

    def ready(self) -> None:
        from . import audit_words, policy  # noqa: F401  # policy registers the assessment rules

        audit_words.register()
