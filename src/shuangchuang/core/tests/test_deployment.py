"""What a provincial deployment relies on: production settings that pass Django's deployment checks, and
models that match their migrations."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

PROJECT_DIR = Path(__file__).resolve().parents[4]
STRONG_KEY = "k3C9-hv1Wq_production-secret-that-is-long-and-random_8sPzR2mX7nL0aTfY4uJ6eB5dG"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a fresh process, so that settings are read from this environment only."""
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests in this process; a deployment never has it.
    unwanted = {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in unwanted}
    environment.update(env)
    return subprocess.run(
        [sys.executable, str(PROJECT_DIR / "manage.py"), *args],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checks_without_warnings():
    """Slow on purpose (a second Python process): the production settings must be loaded fresh."""
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="shuangchuang.config.production",
        SECRET_KEY=STRONG_KEY,
        DEBUG="true",  # a stray DEBUG in the environment must not switch debugging on in production
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    """The production settings run afresh in this process (`runpy`), with an environment that has no key:
    what `manage.py` or gunicorn would stop on at start."""
    environment = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    with (
        mock.patch.dict(os.environ, environment, clear=True),
        pytest.raises(ImproperlyConfigured, match="SECRET_KEY must be set in the environment for production"),
    ):
        runpy.run_module("shuangchuang.config.production", run_name="production_under_test")


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()

    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"makemigrations would create migrations:\n{out.getvalue()}", pytrace=False)

    assert "No changes detected" in out.getvalue()
