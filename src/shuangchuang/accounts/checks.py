"""Deployment checks of 三员分立: under settings that refuse superusers, none may exist."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import DatabaseError


@register(Tags.security, deploy=True)
def no_superuser(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if settings.ALLOW_SUPERUSER:
        return []
    from .models import User

    try:
        names = list(
            User.objects.filter(is_superuser=True, is_active=True).values_list("username", flat=True)
        )
    except DatabaseError:  # not migrated yet: nothing to find
        return []
    if not names:
        return []
    return [
        Error(
            f"Active superuser accounts exist: {', '.join(names)}.",
            hint="三员分立: a superuser holds every role. Deactivate them (or remove is_superuser) and let the "
            "security administrator create role accounts.",
            id="accounts.E001",
        )
    ]
