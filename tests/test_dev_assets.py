"""`dev.py`'s front-end packages: `npm ci` runs when the lock changed or the packages are not all there."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import dev


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder with a package.json and lock, a virtual environment folder, and `run` recorded."""
    (tmp_path / "package.json").write_text('{"name": "x"}')
    (tmp_path / "package-lock.json").write_text('{"lockfileVersion": 3}')
    (tmp_path / ".venv").mkdir()
    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(dev, "ROOT", tmp_path)
    monkeypatch.setattr(dev, "VENV", tmp_path / ".venv")
    monkeypatch.setattr(dev, "npm_command", lambda: ["npm"])
    monkeypatch.setattr(dev, "run", lambda *args, **kwargs: calls.append(tuple(map(str, args))))
    return tmp_path, calls


def installed(root: Path) -> None:
    (root / "node_modules").mkdir(exist_ok=True)
    (root / "node_modules" / ".package-lock.json").write_text("{}")


def test_npm_ci_runs_once_and_again_after_the_lock_changes(project):
    root, calls = project
    dev.ensure_assets()
    installed(root)
    dev.ensure_assets()
    assert [c[:2] for c in calls] == [("npm", "ci")]

    (root / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {}}')
    dev.ensure_assets()
    assert len(calls) == 2


def test_an_emptied_node_modules_folder_is_installed_again(project):
    root, calls = project
    dev.ensure_assets()
    installed(root)
    (root / "node_modules" / ".package-lock.json").unlink()  # the folder is there, what npm put in it is not

    dev.ensure_assets()

    assert [c[:2] for c in calls] == [("npm", "ci"), ("npm", "ci")]
