"""`python3 dev.py test`: one xdist worker per core unless the arguments choose otherwise."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import dev


@pytest.fixture(autouse=True)
def two_cores(monkeypatch):
    monkeypatch.setattr(dev.os, "cpu_count", lambda: 2)


def workers(*args: str) -> list[str]:
    command = dev.pytest_command(list(args))
    return command[command.index("pytest") + 1 : len(command) - len(args)]


def test_the_whole_suite_gets_a_worker_per_core():
    assert workers() == ["-n", "2"]
    assert workers("-m", "not browser") == ["-n", "2"]


def test_choosing_how_tests_are_shared_out_keeps_the_workers():
    assert workers("--dist", "worksteal") == ["-n", "2"]


def test_a_chosen_worker_count_or_named_files_run_as_asked():
    assert workers("-n", "0") == []
    assert workers("-p", "no:xdist") == []
    assert workers("src/shuangchuang/site/tests/test_header.py") == []
