"""Django's password backend, refusing superusers where the settings do (the production settings)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class AccountBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        if user is not None and user.is_superuser and not settings.ALLOW_SUPERUSER:
            return False
        return super().user_can_authenticate(user)
