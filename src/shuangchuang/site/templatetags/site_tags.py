"""The bar at the top of every page, rendered once per content rather than once per request (issue 14).

The header is a third of what an empty signed-in page costs in Django's template engine (the menu's
entries, the user menu, the language switch), and it is the same from one request to the next for a reader
on one part of the site. So it is rendered from plain values — the reader's name, role and scope, the
entries they may open and which one is active, the language — by ``core.fragments.rendered_fragment``
and kept in the cache. The two things that differ at every request are not in the kept HTML: the CSRF
token and the page to come back to after switching the language are put in afterwards, in place of
markers derived from the secret key (the same in every process sharing the cache, and not guessable, so
that no text a user can write is ever replaced).
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

from django import template
from django.conf import settings
from django.middleware.csrf import get_token
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from shuangchuang.accounts.models import as_account
from shuangchuang.core.fragments import rendered_fragment
from shuangchuang.core.perf import cached_reverse

from ..navigation import menu_tree

register = template.Library()


@cache
def marker(name: str) -> str:
    digest = hashlib.blake2b(f"site-header:{name}".encode(), key=settings.SECRET_KEY.encode()[:64])
    return f"{name}-{digest.hexdigest()[:24]}"


def _plain(entry: dict[str, Any]) -> dict[str, Any]:
    plain = {"label": str(entry["label"]), "active": bool(entry["active"])}
    if "children" in entry:
        plain.update(key=entry["key"], children=[_plain(child) for child in entry["children"]])
    else:
        plain["url"] = str(entry["url"])
    return plain


# The menu as plain values, per language and entries shown (which entries, which one is active): the labels
# are translations of fixed strings, the same for every reader of that menu (a few hundred at most).
_plain_menus: dict[tuple[object, ...], list[dict[str, Any]]] = {}


def _plain_menu(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    key = (get_language(), tuple((str(i["url"]), bool(i["active"]), i["group"]) for i in items))
    found = _plain_menus.get(key)
    if found is None:
        if len(_plain_menus) > 1000:
            _plain_menus.clear()
        found = _plain_menus[key] = [_plain(entry) for entry in menu_tree(items)]
    return found


# A page rendered to be kept, with the bar put in later (`site.refusals`), asks for its place only.
HEADER_PLACE = "site_header_put_in_later"


@register.simple_tag(takes_context=True)
def site_header(context: template.Context | dict[str, Any]) -> SafeString:
    if context.get(HEADER_PLACE):
        return mark_safe(marker("header"))  # noqa: S308  # letters, digits and a hyphen
    request = context.get("request")  # a page rendered without a request: no account, no forms' token
    user = getattr(request, "user", None)
    account = as_account(user) if user is not None and user.is_authenticated else None
    values: dict[str, Any] = {
        "language": get_language(),
        "home": cached_reverse("site:home"),
        "set_language": cached_reverse("set_language"),
        "logout": cached_reverse("accounts:logout"),
        "csrf": marker("csrf"),
        "next": marker("next"),
        # a view may leave the menu out (the pages of an account's obligations: accounts.views.NO_MENU)
        "menu": _plain_menu(context.get("nav_items") or []),
        "name": (account.get_full_name() or account.get_username()) if account else "",
    }
    if account is not None:
        items = context.get("user_menu_items") or ()
        values.update(
            role=str(account.get_role_display()),
            scope=str(account.scope_label()),
            user_menu=[(str(item["label"]), str(item["url"])) for item in items],
        )
    html = str(rendered_fragment("site/_header.html", values))
    # the page's own token (the csrf context processor's, which the page's forms use too): one per page
    token = str(context.get("csrf_token") or (get_token(request) if request is not None else ""))
    html = html.replace(marker("csrf"), escape(token))
    html = html.replace(marker("next"), escape(request.get_full_path() if request is not None else "/"))
    return mark_safe(html)  # noqa: S308  # rendered by the template engine; the two values put in are escaped
