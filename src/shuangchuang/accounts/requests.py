"""The request type of views that only signed-in users reach."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from shuangchuang.core.policy import active_account

from .models import User, as_account


class AuthenticatedRequest(HttpRequest):
    """A request to a view behind `login_required` or `core.policy.permission_required`: its user is an
    account of this project, never an anonymous visitor. For type checking only; Django passes an
    ordinary `HttpRequest`."""

    user: User


def account_of(request: HttpRequest) -> User:
    """The signed-in account of a request to a page only accounts reach (the admin's actions), or a 403."""
    account = active_account(request.user)
    if account is None:
        raise PermissionDenied
    return as_account(account)
