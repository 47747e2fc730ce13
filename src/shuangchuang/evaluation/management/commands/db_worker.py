"""`manage.py db_worker`: django-tasks-db's worker, with a heartbeat.

The same command, options and behaviour as the library's (this app comes before `django_tasks_db` in
INSTALLED_APPS, so its command is the one found); while it runs, the process writes its heartbeat
(`evaluation.heartbeat.worker_beating`), which `evaluation.selectors.worker_alive()` reads, and sweeps runs
whose worker died.
"""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as LibraryCommand

from shuangchuang.evaluation.heartbeat import worker_beating


class Command(LibraryCommand):
    help = "后台任务执行器（django-tasks-db 的 db_worker，写入心跳并清理失联的评估运行）"

    def handle(self, *args: Any, **options: Any) -> None:
        with worker_beating():
            super().handle(*args, **options)
