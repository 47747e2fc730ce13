from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "shuangchuang.evaluation"
    verbose_name = _("绩效评估")

    def ready(self) -> None:
        from . import audit_words

        audit_words.register()
