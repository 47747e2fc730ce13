"""locust: a day at the end of a reporting period (issue 14, item 5), for `benchmarks/bench_load.py`.

Signed-in sessions and the pages each user may open come from the JSON file named by LOAD_PLAN (made by
bench_load.py from the demo data). Weights follow who is busy that day: base operators open their reports
and lists, reviewing authorities work through their queue, the national office watches completeness, the
ranking and the base list, and anonymous visitors reach the sign-in page and the health probe. An
evaluation run with 1,000 replications is computed by the task worker meanwhile (started by bench_load).
Every request is a GET: saving drafts and moving reports through the workflow under load is not part of
this script yet (README: "Load" says so).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, between, task

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8"))


class Signed(FastHttpUser):
    abstract = True
    role = ""
    wait_time = between(0.5, 2.0)
    connection_timeout = 10.0
    network_timeout = 30.0

    def on_start(self) -> None:
        self.account = random.choice(PLAN[self.role])
        self.headers = {"Cookie": f"sessionid={self.account['cookie']}"}

    def get(self, path: str, name: str) -> None:
        with self.client.get(path, headers=self.headers, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")

    def a_report(self) -> None:
        if self.account["reports"]:
            self.get(f"/monitoring/reports/{random.choice(self.account['reports'])}/", "a report")


class Operator(Signed):
    role = "operator"
    weight = 5

    @task(3)
    def report(self) -> None:
        self.a_report()

    @task(2)
    def reports(self) -> None:
        self.get("/monitoring/", "report list")

    @task(1)
    def home(self) -> None:
        self.get("/", "home")


class Authority(Signed):
    role = "authority"
    weight = 3

    @task(3)
    def queue(self) -> None:
        self.get("/monitoring/?state=submitted", "review queue")

    @task(3)
    def report(self) -> None:
        self.a_report()

    @task(1)
    def completeness(self) -> None:
        self.get("/monitoring/completeness/", "completeness")


class National(Signed):
    role = "national"
    weight = 2

    @task(2)
    def home(self) -> None:
        self.get("/", "home")

    @task(2)
    def completeness(self) -> None:
        self.get("/monitoring/completeness/", "completeness")

    @task(1)
    def ranking(self) -> None:
        self.get(f"/evaluation/runs/{PLAN['run']}/", "ranking")

    @task(1)
    def bases(self) -> None:
        self.get("/bases/", "base list")


class Visitor(FastHttpUser):
    weight = 1
    wait_time = between(1.0, 3.0)

    @task(3)
    def login_page(self) -> None:
        self.client.get("/accounts/login/", name="sign-in page")

    @task(1)
    def probe(self) -> None:
        self.client.get("/readyz", name="readyz")
