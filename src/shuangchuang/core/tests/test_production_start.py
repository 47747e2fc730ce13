"""The production start (`shuangchuang serve`, config/serve.py) and the settings it is run with."""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import runpy
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from shuangchuang.config import serve
from shuangchuang.core.tests.test_deployment import PROJECT_DIR, STRONG_KEY, manage

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SETTINGS_FILE = Path(serve.__file__).resolve().parent / "settings.py"


def parsed(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)
    return parser.parse_args(argv)


def test_web_workers_follow_the_machines_cores(monkeypatch):
    monkeypatch.delenv("WEB_WORKERS", raising=False)
    monkeypatch.setattr(serve, "cores", lambda: 8)

    _setup, children = serve.commands(parsed())

    web = children[0].command
    assert web[web.index("--workers") + 1] == "17"
    assert web[web.index("--threads") + 1] == "2"
    assert "--preload" in web


def test_it_migrates_then_collects_static_files_then_starts_the_configured_task_workers(monkeypatch):
    monkeypatch.setenv("TASK_WORKERS", "3")

    setup, children = serve.commands(parsed())

    assert [command[3] for command in setup] == ["migrate", "collectstatic"]
    assert [child.name for child in children] == ["web", "task-worker-0", "task-worker-1", "task-worker-2"]
    assert all(child.restart for child in children[1:]) and not children[0].restart
    worker_ids = [c.command[c.command.index("--worker-id") + 1] for c in children[1:]]
    assert len(set(worker_ids)) == 3


def test_a_second_machine_can_skip_migrations_and_run_no_task_worker():
    setup, children = serve.commands(parsed("--no-migrate", "--task-workers", "0"))

    assert [command[3] for command in setup] == ["collectstatic"]
    assert [child.name for child in children] == ["web"]


def test_every_vendor_file_a_template_names_is_still_collected():
    named = set()
    for template in TEMPLATES.rglob("*.html"):
        named |= set(re.findall(r"""static ['"](vendor/[^'"]+)['"]""", template.read_text(encoding="utf-8")))
    assert named
    for path in named:
        ignored = [p for p in serve.STATIC_IGNORE for part in Path(path).parts if fnmatch.fnmatch(part, p)]
        assert not ignored, f"{path} would be left out by {ignored}"


def settings_under(**env: str) -> dict[str, Any]:
    """The settings module run afresh with exactly this environment (and a secret key), as a new process
    would read it, without starting one: its module-level names."""
    environment = {"SECRET_KEY": STRONG_KEY, "SHUANGCHUANG_HOME": str(PROJECT_DIR), **env}
    with mock.patch.dict(os.environ, environment, clear=True):
        return runpy.run_path(str(SETTINGS_FILE), run_name="settings_under_test")


def stores(s: dict[str, Any]) -> tuple[str, str, str]:
    """The session engine, the cache backend and the storage of uploaded files the settings chose."""
    return s["SESSION_ENGINE"], s["CACHES"]["default"]["BACKEND"], s["STORAGES"]["default"]["BACKEND"]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "django.contrib.sessions.backends.db shuangchuang.core.cache"),
        ({"CACHE_URL": "redis://127.0.0.1:1/0"}, "cached_db ResilientRedisCache"),
        ({"CACHE_URL": "redis://127.0.0.1:1/0", "SESSION_STORE": "cache"}, "backends.cache Resilient"),
    ],
)
def test_cache_and_session_store_come_from_the_environment(env, expected):
    engine, backend, media = stores(settings_under(**env))
    first, second = expected.split()
    assert first in engine
    if "Resilient" in second:
        assert backend == "shuangchuang.core.cache.ResilientRedisCache"
    else:
        assert backend.endswith("LocMemCache")
    assert media == "shuangchuang.core.storage.UploadStorage"


def test_the_processs_own_cache_holds_a_whole_list_of_rows():
    assert settings_under()["CACHES"]["default"]["OPTIONS"]["MAX_ENTRIES"] == 20_000  # Django's: 300
    assert settings_under(LOCAL_CACHE_ENTRIES="500")["CACHES"]["default"]["OPTIONS"]["MAX_ENTRIES"] == 500


def test_uploaded_files_can_go_to_an_s3_compatible_store():
    s = settings_under(MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="evidence")
    assert s["STORAGES"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s["STORAGES"]["default"]["OPTIONS"]["bucket_name"] == "evidence"


def test_the_settings_read_here_are_those_a_new_process_reads():
    """Slow on purpose (a second or so): `settings_under` against a real manage.py process, once."""
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_ENGINE, s.CACHES['default']['BACKEND'], s.STORAGES['default']['BACKEND'])"
    )
    env = {"CACHE_URL": "redis://127.0.0.1:1/0", "MEDIA_STORAGE": "s3"}
    result = manage("shell", "-c", code, SECRET_KEY=STRONG_KEY, SESSION_STORE="", **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == list(stores(settings_under(**env)))


def test_a_misspelt_session_store_stops_the_start():
    result = manage("check", SESSION_STORE="redis")
    assert result.returncode != 0
    assert "SESSION_STORE must be" in result.stderr
