"""Encrypted backup and restore (issue 14 item 4, issue 10 item 5): the round trip on SQLite, and what a
restore refuses. `.ci/run` does the same round trip on PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import connection

from shuangchuang.core import backup
from shuangchuang.core.audit import record
from shuangchuang.registry.models import Base

PROJECT_DIR = Path(__file__).resolve().parents[1]
KEY = Fernet.generate_key().decode()
EVIDENCE = b"%PDF-1.4 the base's annual statistics, stamped"


@pytest.fixture
def made(registry, make_user, tmp_path):
    """A backup of the test database (the registry, an audit row) with one uploaded file."""
    media = FileSystemStorage(location=tmp_path / "media")
    media.save("evidence/2026/B3-012/统计年报.pdf", ContentFile(EVIDENCE))
    officer = make_user("national_admin")
    record(officer, "备份演练", Base.objects.get(code="B3-012"), reason="backup drill")
    result = backup.create_backup(tmp_path / "backups", storage=media, key=KEY)
    return result


def restore_in_fresh_process(
    tmp_path: Path, archive: Path, key: str = KEY
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY"}}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'restored.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "restored-media"),
        SHUANGCHUANG_VAR=str(tmp_path / "var"),
        BACKUP_KEY=key,
    )
    return subprocess.run(
        [sys.executable, str(PROJECT_DIR / "manage.py"), "restore", str(archive)],
        env=env, capture_output=True, text=True, timeout=300, cwd=PROJECT_DIR,
    )  # fmt: skip


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="PostgreSQL's round trip into a fresh database is step 4 of .ci/run (pg_dump → restore → counts)",
)
@pytest.mark.django_db(transaction=True)  # SQLite's backup reads committed pages
def test_a_backup_restores_every_row_and_file_into_an_empty_database(made, tmp_path):
    """Slow on purpose (a few seconds): the restore runs in a fresh Python process, as on a new machine."""
    done = restore_in_fresh_process(tmp_path, made.path)

    assert done.returncode == 0, done.stderr
    assert "every table matches the backup's manifest" in done.stdout
    restored = sqlite3.connect(tmp_path / "restored.sqlite3")
    assert (
        restored.execute("SELECT COUNT(*) FROM registry_base").fetchone()[0] == made.counts["registry.base"]
    )
    assert (
        restored.execute("SELECT COUNT(*) FROM core_auditevent WHERE action = '备份演练'").fetchone()[0] == 1
    )
    file = tmp_path / "restored-media" / "evidence/2026/B3-012/统计年报.pdf"
    assert hashlib.sha256(file.read_bytes()).digest() == hashlib.sha256(EVIDENCE).digest()


@pytest.mark.django_db(transaction=True)  # SQLite's backup reads committed pages
def test_the_backup_file_is_encrypted(made):
    content = made.path.read_bytes()

    assert content.startswith(backup.MAGIC)
    assert EVIDENCE not in content and b"B3-012" not in content and b"SQLite format" not in content
    assert oct(made.path.stat().st_mode & 0o777) == "0o600"


@pytest.mark.django_db(transaction=True)  # SQLite's backup reads committed pages
def test_a_wrong_key_opens_nothing(made, tmp_path):
    work = tmp_path / "unpacked"
    work.mkdir()

    with pytest.raises(backup.BackupError, match="does not open with this BACKUP_KEY"):
        backup.unpack(made.path, work, key=Fernet.generate_key().decode())
    assert list(work.iterdir()) == []


@pytest.mark.django_db(transaction=True)  # SQLite's backup reads committed pages
def test_a_changed_or_cut_backup_is_refused_before_anything_is_restored(made, tmp_path):
    changed = tmp_path / "changed.backup"
    data = bytearray(made.path.read_bytes())
    data[len(data) // 2] ^= 0x01
    changed.write_bytes(bytes(data))
    cut = tmp_path / "cut.backup"
    cut.write_bytes(made.path.read_bytes()[: len(data) - 100])

    with pytest.raises(backup.BackupError, match="does not open"):
        backup.unpack(changed, tmp_path / "a", key=KEY)
    with pytest.raises(backup.BackupError, match=r"cut short|does not open"):
        backup.unpack(cut, tmp_path / "b", key=KEY)


@pytest.mark.django_db(transaction=True)  # SQLite's backup reads committed pages
def test_restore_refuses_a_database_that_is_not_empty(made, tmp_path):
    with pytest.raises(backup.BackupError, match="target database is not empty"):
        backup.restore_backup(made.path, storage=FileSystemStorage(location=tmp_path / "empty"), key=KEY)


def test_backup_refuses_to_write_without_a_key(settings, tmp_path):
    settings.BACKUP_KEY = ""

    with pytest.raises(backup.BackupError, match="BACKUP_KEY is not set"):
        backup.create_backup(tmp_path)
    assert not list(tmp_path.iterdir())
