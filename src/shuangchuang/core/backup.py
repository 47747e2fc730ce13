"""Encrypted backups and their restore (issue 14 item 4, issue 10 item 5): `manage.py backup` / `restore`.

A backup is one file. Inside the encryption it is a tar archive of

- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the site runs) or
  ``database.pgdump`` (``pg_dump --format=custom``: one snapshot of the whole database),
- ``media/<name>`` for every uploaded file in the default storage (a directory or an S3-compatible store),
- ``manifest.json``: when and from what it was made, the SHA-256 and size of every member, and the number of
  rows of every table the apps own, so that a restore proves it brought back every base, report, value,
  audit row and file.

The database is copied first, then the files: a file uploaded meanwhile is in the backup without its row
(harmless); uploaded files are never changed in place.

Encryption: the archive is cut into chunks of 4 MiB, each sealed with Fernet (AES-128-CBC + HMAC-SHA256,
from `cryptography`) under ``BACKUP_KEY``; each chunk's plaintext starts with its number and a last-chunk
flag, so chunks cannot be reordered, dropped or the file cut short without the restore noticing. The key
is kept apart from the backups (a key management system or an offline copy); without it a backup cannot
be read. ``manage.py backup --new-key`` prints a fresh key.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

MAGIC = b"SCBACKUP1\n"
CHUNK = 4 * 1024 * 1024
FORMAT_VERSION = 1
_HEADER = struct.Struct(">IB")  # chunk number, last-chunk flag
_LENGTH = struct.Struct(">I")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


# Encryption: a stream of sealed chunks


def fernet(key: str | bytes | None = None) -> Fernet:
    key = key if key is not None else settings.BACKUP_KEY
    if not key:
        raise BackupError(
            "BACKUP_KEY is not set: backups are encrypted (manage.py backup --new-key prints a key)"
        )
    try:
        return Fernet(key)
    except (ValueError, TypeError):
        raise BackupError("BACKUP_KEY is not a Fernet key (32 url-safe base64-encoded bytes)") from None


class SealingWriter(io.RawIOBase):
    """A writable stream that seals what it is given into chunks written to `out`."""

    def __init__(self, out: IO[bytes], box: Fernet) -> None:
        self.out, self.box, self.buffer, self.number = out, box, bytearray(), 0
        out.write(MAGIC)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.buffer += data
        while len(self.buffer) > CHUNK:
            self._seal(bytes(self.buffer[:CHUNK]), last=False)
            del self.buffer[:CHUNK]
        return len(data)

    def _seal(self, data: bytes, last: bool) -> None:
        token = self.box.encrypt(_HEADER.pack(self.number, int(last)) + data)
        self.out.write(_LENGTH.pack(len(token)) + token)
        self.number += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self.buffer), last=True)
            self.buffer.clear()
        super().close()


def open_sealed(source: IO[bytes], box: Fernet) -> Iterator[bytes]:
    """The plaintext chunks of a sealed stream, each checked: order, completeness, integrity."""
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupError("not a backup of this platform (wrong header)")
    expected = 0
    while True:
        length = source.read(_LENGTH.size)
        if len(length) < _LENGTH.size:
            raise BackupError("the backup is cut short (its last part is missing)")
        token = source.read(_LENGTH.unpack(length)[0])
        try:
            plain = box.decrypt(token)
        except InvalidToken:
            raise BackupError(
                f"part {expected} of the backup does not open with this BACKUP_KEY (wrong key, or the file was changed)"
            ) from None
        number, last = _HEADER.unpack(plain[: _HEADER.size])
        if number != expected:
            raise BackupError(f"the backup's parts are out of order (part {number} where {expected} belongs)")
        yield plain[_HEADER.size :]
        if last:
            if source.read(1):
                raise BackupError("the backup has data after its last part")
            return
        expected += 1


class ChunkReader(io.RawIOBase):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks, self.pending = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self.pending:
            try:
                self.pending = next(self.chunks)
            except StopIteration:
                return 0
        n = min(len(target), len(self.pending))
        target[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


# What is in the database


def counted_tables() -> dict[str, str]:
    """model label → table, for every table the backup accounts for (sessions left out: they expire)."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed or model._meta.app_label == "sessions":
            continue
        tables[model._meta.label_lower] = model._meta.db_table
    return dict(sorted(tables.items()))


def count_rows(cursor: Any, quote: Any, existing: set[str]) -> dict[str, int]:
    """Rows of each model's table that exists (a migration not applied yet leaves one out)."""
    counts = {}
    for label, table in counted_tables().items():
        if table not in existing:
            continue
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - table names from the models
        counts[label] = int(cursor.fetchone()[0])
    return counts


def table_counts() -> dict[str, int]:
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        return count_rows(
            cursor, connection.ops.quote_name, set(connection.introspection.table_names(cursor))
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _tool_major(tool: str) -> int:
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed (Debian: apt-get install postgresql-client)")
    output = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    found = re.search(r"(\d+)(?:\.\d+)?", output)
    if not found:
        raise BackupError(f"cannot read the version of {tool}: {output!r}")
    return int(found.group(1))


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES[DEFAULT_DB_ALIAS]
    args = ["--host", str(db.get("HOST") or "localhost"), "--port", str(db.get("PORT") or 5432)]
    args += ["--username", str(db.get("USER") or "postgres")]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _check_pg_tool(tool: str) -> None:
    server = connections[DEFAULT_DB_ALIAS].pg_version // 10000  # type: ignore[attr-defined]
    client = _tool_major(tool)
    if client < server:
        raise BackupError(
            f"{tool} {client} is older than the PostgreSQL {server} server: install {tool} {server} or newer"
        )


def dump_database(target_dir: Path) -> tuple[Path, dict[str, int]]:
    """The database's copy and the rows of each table as they are in that copy."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "sqlite":
        if connection.in_atomic_block:  # SQLite's backup would wait for our own open write forever
            raise BackupError("a backup is taken outside a transaction")
        target = target_dir / "database.sqlite3"
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)  # the online backup API: consistent while in use
            copy = destination.cursor()
            existing = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            counts = count_rows(copy, connection.ops.quote_name, existing)
        finally:
            destination.close()
        return target, counts
    if connection.vendor == "postgresql":
        _check_pg_tool("pg_dump")
        target = target_dir / "database.pgdump"
        args, env = _pg_environment()
        name = str(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"])
        # the rows are counted in the very snapshot pg_dump copies (exported from this transaction)
        with transaction.atomic(using=DEFAULT_DB_ALIAS), connection.cursor() as snapshot_cursor:
            snapshot_cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            snapshot_cursor.execute("SELECT pg_export_snapshot()")
            snapshot = snapshot_cursor.fetchone()[0]
            counts = count_rows(
                snapshot_cursor,
                connection.ops.quote_name,
                set(connection.introspection.table_names(snapshot_cursor)),
            )
            command = ["pg_dump", *args, "--format=custom", "--no-owner", "--no-privileges"]
            command += ["--snapshot", snapshot, "--file", str(target), name]
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
        return target, counts
    raise BackupError(f"backups support SQLite and PostgreSQL, not {connection.vendor}")


def stored_files(storage: Storage, directory: str = "") -> Iterator[str]:
    try:
        folders, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{directory}/{name}" if directory else name
    for folder in sorted(folders):
        yield from stored_files(storage, f"{directory}/{folder}" if directory else folder)


@dataclass
class BackupResult:
    path: Path
    files: int
    bytes: int
    counts: dict[str, int] = field(default_factory=dict)


def create_backup(
    out_dir: Path, storage: Storage | None = None, key: str | bytes | None = None
) -> BackupResult:
    box = fernet(key)
    storage = storage or default_storage
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    final = out_dir / f"shuangchuang-{stamp}.backup"
    partial = final.with_suffix(".partial")
    with tempfile.TemporaryDirectory(prefix="shuangchuang-backup-") as work:
        workdir = Path(work)
        database, counts = dump_database(workdir)
        members: dict[str, dict[str, Any]] = {
            database.name: {"sha256": _sha256(database), "size": database.stat().st_size}
        }
        names = list(stored_files(storage))
        try:
            with partial.open("wb") as raw:
                sealed = SealingWriter(raw, box)
                with tarfile.open(fileobj=sealed, mode="w|") as archive:
                    archive.add(database, arcname=database.name)
                    for name in names:
                        digest, size = hashlib.sha256(), 0
                        copy = workdir / "file"
                        with storage.open(name, "rb") as source, copy.open("wb") as handle:
                            for block in iter(lambda: source.read(1024 * 1024), b""):
                                digest.update(block)
                                size += len(block)
                                handle.write(block)
                        members[f"media/{name}"] = {"sha256": digest.hexdigest(), "size": size}
                        archive.add(copy, arcname=f"media/{name}")
                    manifest = json.dumps(
                        {
                            "format": FORMAT_VERSION,
                            "created_at": timezone.now().isoformat(),
                            "database": connections[DEFAULT_DB_ALIAS].vendor,
                            "members": members,
                            "rows": counts,
                        },
                        ensure_ascii=False,
                        indent=1,
                    ).encode()
                    info = tarfile.TarInfo("manifest.json")
                    info.size = len(manifest)
                    info.mtime = int(datetime.datetime.now().timestamp())
                    archive.addfile(info, io.BytesIO(manifest))
                sealed.close()
                raw.flush()
                os.fsync(raw.fileno())
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    partial.rename(final)
    final.chmod(0o600)
    return BackupResult(final, len(names), final.stat().st_size, counts)


# Restore


@dataclass
class Unpacked:
    workdir: Path
    manifest: dict[str, Any]

    @property
    def database(self) -> Path:
        return self.workdir / next(n for n in self.manifest["members"] if n.startswith("database."))

    def media(self) -> Iterator[tuple[str, Path]]:
        for name in self.manifest["members"]:
            if name.startswith("media/"):
                yield name.removeprefix("media/"), self.workdir / name


def unpack(backup: Path, workdir: Path, key: str | bytes | None = None) -> Unpacked:
    """Open, decrypt and check every member against the manifest (nothing is restored before this passed)."""
    box = fernet(key)
    with backup.open("rb") as source:
        reader = io.BufferedReader(ChunkReader(open_sealed(source, box)), buffer_size=CHUNK)
        with tarfile.open(fileobj=reader, mode="r|") as archive:
            for member in archive:
                if not member.isfile():
                    raise BackupError(f"unexpected entry {member.name!r} in the backup")
                archive.extract(member, workdir, filter="data")  # no absolute paths, no "..", no links
    manifest_path = workdir / "manifest.json"
    if not manifest_path.exists():
        raise BackupError("the backup has no manifest")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(
            f"backup format {manifest.get('format')} is not the format {FORMAT_VERSION} this version reads"
        )
    for name, expected in manifest["members"].items():
        path = workdir / name
        if not path.is_file():
            raise BackupError(f"{name} is listed in the manifest but missing from the backup")
        if _sha256(path) != expected["sha256"]:
            raise BackupError(f"{name} does not match its checksum in the manifest")
    return Unpacked(workdir, manifest)


def database_is_empty() -> bool:
    connection = connections[DEFAULT_DB_ALIAS]
    return not connection.introspection.table_names()


def storage_is_empty(storage: Storage) -> bool:
    return next(iter(stored_files(storage)), None) is None


def restore_database(unpacked: Unpacked) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    vendor = unpacked.manifest["database"]
    if vendor != connection.vendor:
        raise BackupError(f"this backup is of a {vendor} database; the target is {connection.vendor}")
    if vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(unpacked.database)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        return
    _check_pg_tool("pg_restore")
    args, env = _pg_environment()
    name = str(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"])
    connection.close()
    command = ["pg_restore", *args, "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", name]
    command.append(str(unpacked.database))
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def restore_files(unpacked: Unpacked, storage: Storage) -> int:
    n = 0
    for name, path in unpacked.media():
        with path.open("rb") as handle:
            saved = storage.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(f"the file store renamed {name} to {saved}: it was not empty")
        n += 1
    return n


def restore_backup(
    backup: Path, storage: Storage | None = None, key: str | bytes | None = None
) -> dict[str, Any]:
    """Into an empty database and an empty file store; then every table's rows are counted again."""
    storage = storage or default_storage
    if not database_is_empty():
        raise BackupError("the target database is not empty: restore into a new, empty database")
    if not storage_is_empty(storage):
        raise BackupError("the target file store is not empty: restore into a new, empty one")
    with tempfile.TemporaryDirectory(prefix="shuangchuang-restore-") as work:
        unpacked = unpack(backup, Path(work), key)
        restore_database(unpacked)
        files = restore_files(unpacked, storage)
        expected = unpacked.manifest["rows"]
    counts = table_counts()
    different = {t: (n, counts.get(t)) for t, n in expected.items() if counts.get(t) != n}
    if different:
        raise BackupError(
            f"after the restore these tables differ from the backup (expected, found): {different}"
        )
    return {"files": files, "rows": counts}
