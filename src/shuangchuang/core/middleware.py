"""Chinese first: the language is Chinese unless the user picked another with the switch.

Django's LocaleMiddleware also follows the browser's Accept-Language, so an official on an English-language
system (or a headless browser) would get English pages without asking for them. Here only the language
cookie that ``/i18n/setlang/`` sets counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

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
    if not chosen:
        return settings.LANGUAGE_CODE  # most requests: Django's lookup caches answers, not its LookupError
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


class UploadAuditMiddleware:
    """Every uploaded file and every download is in the audit log (downloads: below). Pages record what they accepted or refused and why
    (`core.audit.record_upload`); a file that reached a page which recorded nothing about it is recorded
    here as received, with its name, size, SHA-256, the page and the answer's status, so that a page added
    later without its own record still leaves a trace."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from .audit import exports_recorded, uploads_recorded

        token = uploads_recorded.set(set())
        exports = exports_recorded.set([])
        try:
            response = self.get_response(request)
            if (
                response.get("Content-Disposition", "").startswith("attachment")
                and not exports_recorded.get()
            ):
                self._record_export(request, response)
            if request.method == "POST" and request.content_type == "multipart/form-data":
                files = getattr(request, "_files", None)
                if files is None:  # the page answered without reading the body: never parse it here
                    self._record_unread(request, response)
                elif files:
                    self._record(request, response, files, uploads_recorded.get() or set())
        finally:
            uploads_recorded.reset(token)
            exports_recorded.reset(exports)
        return response

    def _record_export(self, request: HttpRequest, response: HttpResponse) -> None:
        """A download the page did not record itself (`core.audit.record_export`): the page, the file
        name it gave and the query that chose what was in it."""
        from .audit import record_about

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return  # the public portal's open downloads are no one's act
        disposition = response["Content-Disposition"]
        found = re.search(r"filename\*=utf-8''([^;]+)", disposition, re.IGNORECASE) or re.search(
            r'filename="?([^";]+)"?', disposition
        )
        name = found.group(1) if found else ""
        match = getattr(request, "resolver_match", None)
        record_about(
            user,
            "export",
            "page",
            request.path[:64],
            match.view_name if match is not None else request.path,
            new={"file": unquote(name), "rows": None, "filters": {k: v for k, v in request.GET.items() if v}},
        )

    def _record_unread(self, request: HttpRequest, response: HttpResponse) -> None:
        """A multipart body the page refused before reading it (a role that never uploads: 403 first):
        its size as sent, no name or hash (reading it now is what the refusal spared the server)."""
        from .audit import record_about

        user = getattr(request, "user", None)
        record_about(
            user if user is not None and user.is_authenticated else None,
            "upload.received",
            "page",
            request.path[:64],
            request.path,
            new={"file": None, "size": request.META.get("CONTENT_LENGTH"), "sha256": None},
            reason=f"HTTP {response.status_code}（未读取）",
        )

    def _record(self, request: HttpRequest, response: HttpResponse, files: Any, noted: set[Any]) -> None:
        from .audit import file_facts, record_about

        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        match = getattr(request, "resolver_match", None)
        page = match.view_name if match is not None else ""
        for _field, uploads in files.lists():
            for upload in uploads:
                try:
                    facts = file_facts(upload)
                except (OSError, ValueError):  # closed or gone: name and size only
                    facts = {"file": str(upload.name or ""), "size": upload.size, "sha256": None}
                if (facts["file"], facts["sha256"]) in noted:
                    continue
                record_about(
                    actor,
                    "upload.received",
                    "page",
                    request.path[:64],
                    page or request.path,
                    new=facts,
                    reason=f"HTTP {response.status_code}",
                )
