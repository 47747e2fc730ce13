"""locust: 50 users asking for one page as fast as they can (a closed loop, as wrk does).

Used by `benchmarks/bench_http.py`; the page and the session cookie come from the environment:
TARGET_PATH, SESSION_COOKIE (empty: not signed in), COOKIE_NAME (default sessionid).
"""

from __future__ import annotations

import os

from locust import FastHttpUser, constant, task


class OnePage(FastHttpUser):
    wait_time = constant(0)
    path = os.environ.get("TARGET_PATH", "/")
    connection_timeout = 10.0
    network_timeout = 30.0

    def on_start(self) -> None:
        cookie = os.environ.get("SESSION_COOKIE", "")
        self.headers = {"Cookie": f"{os.environ.get('COOKIE_NAME', 'sessionid')}={cookie}"} if cookie else {}

    @task
    def page(self) -> None:
        with self.client.get(
            self.path, headers=self.headers, name=self.path, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
