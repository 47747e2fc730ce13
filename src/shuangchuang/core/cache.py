"""The shared cache (Redis, through Django's own backend) that never takes the site down with it.

Sessions are kept in the database and read through the cache (``SESSION_STORE=cached_db``), so everything
the cache holds can be rebuilt from the database. When Redis cannot be reached, each call here answers as a
cache miss (reads) or does nothing (writes) instead of raising, logs it once per outage, and does not try
Redis again for ``retry_seconds``: requests keep being served from the database at the database's speed,
without waiting for a connection timeout each time (issue 14, item 6: "Redis down").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger("shuangchuang.cache")
T = TypeVar("T")

try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    UNREACHABLE: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError, OSError)
except ImportError:  # pragma: no cover - redis is a declared dependency
    UNREACHABLE = (OSError,)


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = params.setdefault("OPTIONS", {})
        self.retry_seconds = float(options.pop("retry_seconds", 5.0))
        # a dead server is noticed in a fraction of a second, not after the operating system's timeout
        options.setdefault("socket_connect_timeout", 0.25)
        options.setdefault("socket_timeout", 0.5)
        super().__init__(server, params)
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _call(self, operation: Callable[[], T], fallback: T) -> T:
        if not self.available:
            return fallback
        try:
            return operation()
        except UNREACHABLE as error:
            with self._lock:
                if self.available:
                    logger.warning(
                        "cache unreachable, serving from the database for %.0f s",
                        self.retry_seconds,
                        extra={"event": "cache_down", "error": str(error)},
                    )
                self._down_until = time.monotonic() + self.retry_seconds
            return fallback

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._call(lambda: RedisCache.get(self, key, default, version), default)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._call(lambda: RedisCache.get_many(self, keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._call(lambda: RedisCache.has_key(self, key, version), False)

    def add(self, key: Any, value: Any, timeout: Any = 300, version: int | None = None) -> bool:
        return self._call(lambda: RedisCache.add(self, key, value, timeout, version), False)

    def set(self, key: Any, value: Any, timeout: Any = 300, version: int | None = None) -> None:
        self._call(lambda: RedisCache.set(self, key, value, timeout, version), None)

    def set_many(self, data: dict[Any, Any], timeout: Any = 300, version: int | None = None) -> list[Any]:
        return self._call(lambda: RedisCache.set_many(self, data, timeout, version), list(data))

    def touch(self, key: Any, timeout: Any = 300, version: int | None = None) -> bool:
        return self._call(lambda: RedisCache.touch(self, key, timeout, version), False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._call(lambda: RedisCache.delete(self, key, version), False)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._call(lambda: RedisCache.delete_many(self, keys, version), None)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        # an increment cannot be faked: callers (rate limits) treat the error as "not counted"
        if not self.available:
            raise ValueError("cache unavailable")
        try:
            return RedisCache.incr(self, key, delta, version)
        except UNREACHABLE:
            self._down_until = time.monotonic() + self.retry_seconds
            raise ValueError("cache unavailable") from None

    def clear(self) -> None:
        self._call(lambda: RedisCache.clear(self), None)

    def ping(self) -> bool:
        """For /readyz: whether Redis answers now (a fresh try, whatever the last outage said)."""
        try:
            client = self._cache.get_client(write=False)
            return bool(client.ping())
        except UNREACHABLE:
            return False
