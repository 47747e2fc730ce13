"""Throttling sign-in per source address, across accounts (password spraying).

django-axes locks one user name on one address after `AXES_FAILURE_LIMIT` failures; one address trying
many names (30 names, one password each) never reaches that. Here an address whose failures within the
lockout time cover `LOGIN_ADDRESS_FAILURE_LIMIT` different user names is refused before any password is
checked, with the same answer whatever names it sends, existing or not. The count reads axes' own records
(`AccessAttempt`, in the database), so every application process sees the same numbers.
"""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone


def source_address(request: HttpRequest | None) -> str:
    """The client's address as axes resolves it (the same behind a proxy)."""
    if request is None:
        return ""
    return get_client_ip_address(request) or ""


def address_throttled(request: HttpRequest) -> bool:
    address = source_address(request)
    if not address:
        return False
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    names = (
        AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since)
        .values("username")
        .distinct()
        .count()
    )
    return names >= settings.LOGIN_ADDRESS_FAILURE_LIMIT
