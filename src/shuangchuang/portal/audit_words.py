"""The English of what the portal writes into stored text: the demo's reason for marking an indicator public.
Registered from `PortalConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext

from shuangchuang.core.audit_words import register_reason


def register() -> None:
    register_reason(
        r"演示：基地自行公开的数据",
        lambda m, o: gettext("演示：基地自行公开的数据"),
        action="portal.mark_public",
    )
