"""Chinese first: the language is Chinese unless the user picked another with the switch.

Django's LocaleMiddleware also follows the browser's Accept-Language, so an official on an English-language
system (or a headless browser) would get English pages without asking for them. Here only the language
cookie that ``/i18n/setlang/`` sets counts.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ChosenLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


def chosen_language(request: HttpRequest) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    try:
        return translation.get_supported_language_variant(chosen)
    except LookupError:
        return settings.LANGUAGE_CODE


class MethodNotAllowedPageMiddleware:
    """Django has no handler405: a GET on a POST-only address (a link copied from the address bar, a
    bookmark of a form's target) answers an empty 405. This gives it the app's page, with the same status
    and Allow header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed) and not response.content:
            response.content = render_to_string("405.html", request=request)
            response["Content-Type"] = "text/html; charset=utf-8"
        return response


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not send (SECURITY.md "Headers"):

    - `Cache-Control: no-store` on every response to a signed-in user — pages, exports, evidence — so that
      neither a shared computer's browser cache nor a proxy keeps program data or the audit log;
    - `Permissions-Policy` turning off browser features the platform never uses (`PERMISSIONS_POLICY`).

    The Content-Security-Policy comes from django-csp (`CONTENT_SECURITY_POLICY` in the settings)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        features = getattr(settings, "PERMISSIONS_POLICY", {})
        self.permissions_policy = ", ".join(
            f"{name}=({' '.join(allowed)})" for name, allowed in features.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        return response
