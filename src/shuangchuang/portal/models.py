"""What the public portal may show beyond the public registry: the indicators whose per-base values the
national office has marked public. Every other reported figure of a single base stays off the portal."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shuangchuang.core.policy import ProgramDataQuerySet
from shuangchuang.monitoring.models import Indicator


class PublicIndicator(models.Model):
    """An indicator marked public: each base's approved annual value of it may appear on the base's public
    page. Marked and unmarked by the national office (the admin; audited there)."""

    indicator = models.OneToOneField(
        Indicator, verbose_name=_("指标"), on_delete=models.CASCADE, related_name="public_flag"
    )
    note = models.CharField(
        _("说明"), max_length=200, blank=True, help_text=_("公开的依据，例如所依据的文件")
    )
    marked_at = models.DateTimeField(_("标记时间"), auto_now_add=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ProgramDataQuerySet["PublicIndicator"].as_manager()

    class Meta:
        ordering = ["indicator__order", "indicator__code"]
        verbose_name = _("公开指标")
        verbose_name_plural = _("公开指标")

    def __str__(self) -> str:
        return self.indicator.code
