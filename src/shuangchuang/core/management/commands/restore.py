"""`manage.py restore FILE`: a backup (`manage.py backup`) into an empty database and an empty file store.

Migrate nothing first: the backup brings its own tables. Every member is checked against the manifest's
checksums before anything is written, and afterwards every table's rows are counted and compared with the
backup's. Exit status 0 restored and checked, 1 refused or failed (the message says why).
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuangchuang.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "从加密备份恢复到空数据库与空文件存储，并逐表核对行数"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("backup", type=Path, help="the .backup file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = restore_backup(options["backup"])
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        rows = result["rows"]
        self.stdout.write(
            f"restored {sum(rows.values()):,} rows in {len(rows)} tables and {result['files']} files; "
            "every table matches the backup's manifest"
        )
