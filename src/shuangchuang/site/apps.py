from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The top floor: pages and commands that gather several apps (home, a base's page with its monitoring
    and evaluation, the main menu, the demo). It imports any app below it; none imports it."""

    name = "shuangchuang.site"
    label = "site"
    verbose_name = _("门户")
