"""`manage.py backup [--to DIR]`: an encrypted backup of the database and the uploaded files (core/backup.py).

    manage.py backup --new-key          # print a new BACKUP_KEY (keep it apart from the backups)
    BACKUP_KEY=… manage.py backup       # → BACKUP_DIR/shuangchuang-<UTC time>.backup (mode 0600)

Run it nightly (cron or a systemd timer); copy the file off the machine; try `restore` on a spare database
now and then. Exit status 0 done, 1 failed (the message says why; no partial file is left).
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shuangchuang.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "加密备份数据库与上传文件（含校验清单）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--to", type=Path, help="directory for the backup (default: BACKUP_DIR)")
        parser.add_argument("--new-key", action="store_true", help="print a new key for BACKUP_KEY and stop")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(Fernet.generate_key().decode())
            return
        try:
            result = create_backup(options["to"] or Path(settings.BACKUP_DIR))
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        rows = result.counts
        self.stdout.write(
            f"{result.path} ({result.bytes / 1e6:.1f} MB): {sum(rows.values()):,} rows in {len(rows)} tables, "
            f"{result.files} uploaded files"
        )
