"""`manage.py sweep_runs`: mark failed every running evaluation whose worker stopped beating.

Live workers sweep by themselves every few seconds and the run's page sweeps the run it shows; this command
is for a cron job or a system timer where no worker may be running at all (`*/5 * * * *`).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shuangchuang.evaluation.services import sweep_stale_runs


class Command(BaseCommand):
    help = "将任务执行器已失联（心跳超时）的评估运行标记为失败"

    def handle(self, *args: Any, **options: Any) -> None:
        swept = sweep_stale_runs()
        if swept:
            self.stdout.write(f"已标记失败的评估运行：{', '.join(f'#{pk}' for pk in swept)}")
        else:
            self.stdout.write("没有失联的评估运行。")
