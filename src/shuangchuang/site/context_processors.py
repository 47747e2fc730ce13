from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .navigation import menu_for, menu_tree, user_menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    items = menu_for(request.user, request.path)
    return {"nav_items": items, "nav_tree": menu_tree(items), "user_menu_items": user_menu_for(request.user)}
