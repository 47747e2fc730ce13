"""Benchmark of the experiences library's Chinese search (issue 11): 2,000 published experiences, target
< 50 ms per search on SQLite and on PostgreSQL.

Each database is measured in a child process with Django set up for it: SQLite in a throwaway file
(migrated from scratch); PostgreSQL in the database named by `BENCH_POSTGRES_URL` (default: this worktree's
`postgres://postgres@127.0.0.1:5432/records`), migrated, with the experiences written inside a transaction
that is rolled back at the end, so nothing stays. PostgreSQL is skipped when it does not answer.

    .venv/bin/python benchmarks/run.py --only records

Data: the shipped registry, and 2,000 published experiences made from a fixed vocabulary (seeded random),
about 300 characters each, each about one of 15 subjects (科技成果转化, 创业担保贷款 …) and now and then
mentioning another, with jieba's words and (on PostgreSQL) the weighted search vector stored as
the app stores them. Measured: `records.selectors.published_experiences(query)`, i.e. matching and ranking
every result, for three queries; and the library page with the query, through Django's test client.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

NAME = "records"
HERE = Path(__file__).resolve().parent
COUNT = 2000
TARGET_MS = 50
REPEAT = 15
QUERIES = ("科技成果转化", "成果转化", "创业担保贷款")
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/records")

SUBJECTS = [
    "科技成果转化",
    "创业担保贷款",
    "孵化载体",
    "大学生创业",
    "返乡创业",
    "知识产权质押融资",
    "概念验证",
    "中试熟化",
    "人才公寓",
    "众创空间",
    "产业链协同",
    "数字化转型",
    "政务服务一网通办",
    "创业投资引导基金",
    "技术经理人",
]
# What experiences also talk about, besides their own subject.
GENERAL = ["营商环境", "公共服务", "人才培养", "要素保障", "协同联动", "宣传推广", "考核评价", "资金保障"]
VERBS = ["推动", "完善", "建立", "探索", "深化", "优化", "打造", "健全"]
NOUNS = ["机制", "平台", "服务体系", "政策", "模式", "试点", "生态", "联盟"]
RESULTS = [
    "带动就业 {n} 人",
    "转化合同金额 {n} 万元",
    "孵化企业 {n} 家",
    "发放贷款 {n} 万元",
    "服务团队 {n} 个",
]


def _sentence(rng: random.Random, subject: str) -> str:
    """A sentence about the experience's subject and something general (now and then another subject)."""
    other = rng.choice(SUBJECTS) if rng.random() < 0.05 else rng.choice(GENERAL)
    return f"{rng.choice(VERBS)}{subject}{rng.choice(NOUNS)}，{rng.choice(VERBS)}{other}{rng.choice(NOUNS)}。"


def run() -> list[dict[str, Any]]:
    from measure import row

    rows = []
    for database, url in (("SQLite", ""), ("PostgreSQL", POSTGRES)):
        result = _child(url)
        if result is None:
            rows.append(
                row(
                    f"experience search, {database}",
                    float("nan"),
                    "ms",
                    f"< {TARGET_MS} ms",
                    False,
                    note="database not available",
                )
            )
            continue
        for query in QUERIES:
            q = result["queries"][query]
            rows.append(
                row(
                    f"experience search “{query}”, {COUNT:,} published, {database}",
                    q["wall_ms"],
                    "ms",
                    f"< {TARGET_MS} ms",
                    q["wall_ms"] < TARGET_MS,
                    note=f"{q['found']} found, ranked; median of {REPEAT}; CPU {q['cpu_ms']:.1f} ms",
                )
            )
        page = result["page"]
        rows.append(
            row(
                f"library page ?q=科技成果转化, {database} (whole request)",
                page["wall_ms"],
                "ms",
                "(information)",
                True,
                note=f"{page['queries']} queries; 30 results a page",
            )
        )
    return rows


def _child(database_url: str) -> dict[str, Any] | None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent / "src"), str(HERE)])}
    if database_url:
        env["BENCH_DATABASE_URL"] = database_url
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child"], capture_output=True, text=True, env=env
    )
    if done.returncode != 0:
        if database_url:
            sys.stderr.write(done.stderr[-2000:])
            return None
        raise RuntimeError(done.stderr[-4000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def child() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-records-"))
    os.environ["DATABASE_URL"] = (
        os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}"
    )
    os.environ["SHUANGCHUANG_VAR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "shuangchuang.config.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from shuangchuang.accounts.models import Role, User
    from shuangchuang.records.models import Experience, ExperienceTheme
    from shuangchuang.records.search import index_words, refresh_search_vector
    from shuangchuang.records.selectors import published_experiences
    from shuangchuang.registry.models import Base
    from shuangchuang.registry.services import load_registry

    with transaction.atomic():
        load_registry()
        bases = list(Base.objects.all())
        rng = random.Random(11)
        themes = list(ExperienceTheme.values)
        now = timezone.now()
        experiences = []
        for i in range(COUNT):
            base = bases[i % len(bases)]
            subject = SUBJECTS[i % len(SUBJECTS)]
            experience = Experience(
                base=base,
                title=f"{rng.choice(VERBS)}{subject}{rng.choice(NOUNS)}的实践",
                problem_solved=_sentence(rng, subject) * 2,
                actions="".join(_sentence(rng, subject) for _ in range(4)),
                results="，".join(rng.choice(RESULTS).format(n=rng.randint(10, 9000)) for _ in range(3))
                + "。",
                policy_basis=_sentence(rng, subject),
                theme=rng.choice(themes),
                direction_id=base.direction_id,
                base_kind=base.kind,
                state="published",
                published_at=now,
            )
            experience.search_title, experience.search_body = index_words(experience)
            experiences.append(experience)
        Experience.objects.bulk_create(experiences, batch_size=500)
        refresh_search_vector(Experience.objects.all())
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE records_experience")

        queries = {}
        for query in QUERIES:
            found = len(published_experiences(query))
            for _ in range(3):
                published_experiences(query)
            walls, cpus = [], []
            for _ in range(REPEAT):
                wall, cpu = time.perf_counter(), time.process_time()
                published_experiences(query)
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
            queries[query] = {
                "wall_ms": statistics.median(walls) * 1000,
                "cpu_ms": statistics.median(cpus) * 1000,
                "found": found,
            }
        reader = User.objects.create(username="bench-reader", role=Role.JOINT_MEMBER)
        client = Client()
        client.force_login(reader)
        url = "/records/experiences/"
        for _ in range(3):
            assert client.get(url, {"q": "科技成果转化"}).status_code == 200
        walls = []
        for _ in range(REPEAT):
            wall = time.perf_counter()
            client.get(url, {"q": "科技成果转化"})
            walls.append(time.perf_counter() - wall)
        with CaptureQueriesContext(connection) as captured:
            client.get(url, {"q": "科技成果转化"})
        page = {"wall_ms": statistics.median(walls) * 1000, "queries": len(captured.captured_queries)}
        transaction.set_rollback(True)
    print(json.dumps({"queries": queries, "page": page}))


if __name__ == "__main__":
    if "--child" in sys.argv:
        sys.path.insert(0, str(HERE.parent / "src"))
        child()
    else:
        sys.path.insert(0, str(HERE))
        for r in run():
            print(r)
