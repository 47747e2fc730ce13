"""The pages of a refusal (handler403 and handler404 in config/urls.py): Django's own views, drawn faster.

A refusal is the same page for every reader but for the bar at the top (their name, menu and forms'
token) and the token in the page's htmx headers. The rest — the layout around the message, in the reader's
language — is rendered once per template and language and kept in this process, with markers where the
bar and the token go; each refusal puts in the reader's own (the bar from its kept fragment:
``site_tags.site_header``). It was a sixth of the permission matrix's time, and it is what a crawler's or a
scanner's stream of 404s costs the server.

A refusal with a message waiting to be shown (one added before a redirect that led here) is rendered as
any page is, so that the message is shown and used up.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import get_language
from django.views.decorators.csrf import requires_csrf_token

from .context_processors import navigation
from .templatetags.site_tags import HEADER_PLACE, marker, site_header

_layouts: dict[tuple[str, str], str] = {}


def _refusal(request: HttpRequest, template_name: str, status: int) -> HttpResponse:
    if len(messages.get_messages(request)):  # a message to show: the page drawn as any page is
        return HttpResponse(render_to_string(template_name, request=request), status=status)
    key = (template_name, get_language())
    layout = _layouts.get(key)
    if layout is None:
        context = {"csrf_token": marker("csrf"), HEADER_PLACE: True}
        layout = _layouts[key] = render_to_string(template_name, context)
    token = get_token(request)
    header = site_header({"request": request, "csrf_token": token, **navigation(request)})
    page = layout.replace(marker("header"), header).replace(marker("csrf"), escape(token))
    return HttpResponse(page, status=status)


@requires_csrf_token
def forbidden(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _refusal(request, "403.html", 403)


@requires_csrf_token
def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _refusal(request, "404.html", 404)
