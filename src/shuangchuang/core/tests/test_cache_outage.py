"""Redis down (issue 14, item 6): the cache answers as a miss, sessions and pages come from the database."""

from __future__ import annotations

import socket
import time

import pytest
from django.test import override_settings

from shuangchuang.core.cache import ResilientRedisCache


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


def test_an_unreachable_redis_is_a_cache_miss_not_an_error():
    cache = ResilientRedisCache(f"redis://127.0.0.1:{closed_port()}/0", {})

    cache.set("report", "cached")
    assert cache.get("report", "from the database") == "from the database"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("lock", 1) is False
    assert not cache.ping()


def test_after_a_failure_redis_is_left_alone_for_a_while(monkeypatch):
    cache = ResilientRedisCache(f"redis://127.0.0.1:{closed_port()}/0", {"OPTIONS": {"retry_seconds": 30}})
    cache.get("x")
    calls = []
    monkeypatch.setattr(cache._cache, "get_client", lambda *a, **k: calls.append(1))

    started = time.monotonic()
    for _ in range(100):
        cache.get("x")

    assert calls == [] and time.monotonic() - started < 0.5


@pytest.mark.django_db
def test_pages_are_served_with_sessions_in_the_database_while_redis_is_down(client, make_user, registry):
    down = f"redis://127.0.0.1:{closed_port()}/0"
    caches = {"default": {"BACKEND": "shuangchuang.core.cache.ResilientRedisCache", "LOCATION": down}}
    with override_settings(CACHES=caches, SESSION_ENGINE="django.contrib.sessions.backends.cached_db"):
        user = make_user("joint_member")
        client.force_login(user)

        response = client.get("/bases/")

    assert response.status_code == 200
    assert response.context["total"] > 0
