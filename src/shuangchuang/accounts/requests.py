"""The request type of views that only signed-in users reach."""

from __future__ import annotations

from django.http import HttpRequest

from .models import User


class AuthenticatedRequest(HttpRequest):
    """A request to a view behind `login_required` or `core.policy.permission_required`: its user is an
    account of this project, never an anonymous visitor. For type checking only; Django passes an
    ordinary `HttpRequest`."""

    user: User
