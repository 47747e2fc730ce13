"""Sessions that end on the server, and what a signed-in account must do before anything else.

`SessionLifetimeMiddleware`: a session ends after `SESSION_IDLE_MINUTES` without a request (30) and
`SESSION_MAX_HOURS` after sign-in (8), whatever the browser keeps; both times are kept in the session on
the server and checked at every request (等保 "登录连接超时自动退出", ASVS V3.3.2).

`AccountObligationsMiddleware`: an account that signs in with a second factor reaches no page before it
has entered its code (or enrolled, the first time); then an account with an initial, reset or expired
password reaches no page but the password form. Signing out and switching the language stay open.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, resolve_url
from django.urls import Resolver404, resolve
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext as _

from . import services

LAST_ACTIVITY = "last_activity"
SIGNED_IN_AT = "signed_in_at"
# The last-activity time is written at most this often (seconds), so that a page of many requests
# (htmx fragments, images) writes the session once.
ACTIVITY_RESOLUTION = 60

ALWAYS_OPEN = {"accounts:logout", "set_language"}
SECOND_FACTOR_PAGES = {
    "accounts:second_factor_verify",
    "accounts:second_factor_enrol",
    "accounts:second_factor_qr",
}
PASSWORD_PAGES = {"accounts:password_change", "accounts:password_change_done"}


def _to_login(request: HttpRequest) -> HttpResponse:
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
        return response
    return redirect_to_login(request.get_full_path())


class SessionLifetimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            last = session.get(LAST_ACTIVITY)
            started = session.get(SIGNED_IN_AT)
            idle = last is not None and now - last > settings.SESSION_IDLE_MINUTES * 60
            too_old = started is not None and now - started > settings.SESSION_MAX_HOURS * 3600
            if idle or too_old:
                request.logout_reason = "idle" if idle else "expired"  # type: ignore[attr-defined]
                logout(request)
                if idle:
                    message = _("已有 %(minutes)d 分钟没有操作，为保护账户安全已自动退出，请重新登录。") % {
                        "minutes": settings.SESSION_IDLE_MINUTES
                    }
                else:
                    message = _("登录已超过 %(hours)d 小时，请重新登录。") % {
                        "hours": settings.SESSION_MAX_HOURS
                    }
                messages.info(request, message)
                return _to_login(request)
            if last is None or now - last >= ACTIVITY_RESOLUTION:
                session[LAST_ACTIVITY] = now
            if started is None:
                session[SIGNED_IN_AT] = now
        return self.get_response(request)


def _resolved(user: Any) -> Any:
    """The account itself in place of the lazy objects of the authentication and second-factor middleware:
    every request asks who it is (here, at once), and a page asks ``user`` dozens of times (the menu, the
    policy), each through the lazy object's proxy."""
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        return _resolved(user._wrapped)
    return user


def _url_name(request: HttpRequest) -> str:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return ""
    return match.view_name


class AccountObligationsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user = _resolved(request.user)
        if not user.is_authenticated:
            return self.get_response(request)
        target = ""
        if not user.is_verified():  # type: ignore[union-attr,attr-defined]  # set by django-otp
            if user.has_second_factor:  # type: ignore[union-attr]  # kept by accounts.signals
                target = "accounts:second_factor_verify"
            elif user.needs_second_factor:  # type: ignore[union-attr]
                target = "accounts:second_factor_enrol"
        if target:
            open_pages = SECOND_FACTOR_PAGES
        elif user.must_change_password or services.password_expired(user):  # type: ignore[union-attr]
            target, open_pages = "accounts:password_change", PASSWORD_PAGES | SECOND_FACTOR_PAGES
        else:
            return self.get_response(request)  # nothing owed: no need to know which page this is
        name = _url_name(request)
        if name in ALWAYS_OPEN or name in open_pages:
            return self.get_response(request)
        return _redirect_keeping_next(request, target)


def _redirect_keeping_next(request: HttpRequest, target: str) -> HttpResponseRedirect:
    response = redirect(target)
    if request.method == "GET" and not request.headers.get("HX-Request"):
        from urllib.parse import urlencode

        response["Location"] += "?" + urlencode({"next": request.get_full_path()})
    return response
