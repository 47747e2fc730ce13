"""What every template may read of the request, in the form templates read fastest."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class Asked(dict[str, str]):
    """The query string's parameters (the last value of each), and "" for a parameter not given.

    The list pages' filter forms mark the chosen option with ``{% if GET.province == p.code %}`` once per
    option. Asked of ``request.GET`` directly, each lookup of a parameter the reader did not give costs
    Django's template engine four exceptions (QueryDict's key error, then an attribute, an index and a
    variable error) — 2.5 ms for the province list of the base list's form, more than its 50 rows. Here a
    missing parameter is an ordinary answer. (A key shadows a method: use ``request.GET`` for ``urlencode``.)
    """

    def __missing__(self, key: str) -> str:
        return ""


def asked(request: HttpRequest) -> dict[str, Any]:
    return {"GET": Asked((key, str(value)) for key, value in request.GET.items())}
