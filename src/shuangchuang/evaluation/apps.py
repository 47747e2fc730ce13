from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "shuangchuang.evaluation"
    verbose_name = _("绩效评估")

    def ready(self) -> None:
        from . import audit_words, policy  # noqa: F401  # policy registers the evaluation rules

        audit_words.register()
