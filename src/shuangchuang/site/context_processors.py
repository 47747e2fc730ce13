from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .navigation import menu_for, user_menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    # the header (site/templatetags/site_tags.py) arranges the entries into the bar's drop-downs
    return {"nav_items": menu_for(request.user, request.path), "user_menu_items": user_menu_for(request.user)}
