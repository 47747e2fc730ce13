"""System checks for the audit log's settings (run by every manage.py command and by check --deploy)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from .chain import ALGORITHMS, MINIMUM_RETENTION_DAYS


@register()
def audit_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    name = str(getattr(settings, "AUDIT_HASH_ALGORITHM", "sha256")).lower()
    if name not in ALGORITHMS:
        errors.append(Error(f"AUDIT_HASH_ALGORITHM={name!r}: use sha256 or sm3.", id="core.E001"))
    elif name not in hashlib.algorithms_available:
        errors.append(
            Error(
                f"AUDIT_HASH_ALGORITHM={name!r}, but this Python's OpenSSL does not provide it.",
                hint="SM3 needs OpenSSL 1.1.1 or newer built with SM3 (the default provider of OpenSSL 3).",
                id="core.E002",
            )
        )
    days = int(getattr(settings, "AUDIT_RETENTION_DAYS", MINIMUM_RETENTION_DAYS))
    if days < MINIMUM_RETENTION_DAYS:
        errors.append(
            Error(
                f"AUDIT_RETENTION_DAYS={days}: the audit log is kept at least {MINIMUM_RETENTION_DAYS} days.",
                id="core.E003",
            )
        )
    return errors
