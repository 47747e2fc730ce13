import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuangchuang.monitoring.reminders import DEFAULT_DAYS, send_reminders


class Command(BaseCommand):
    help = (
        "向填报即将截止、已逾期或被退回的示范基地填报员发送提醒邮件（适合每天定时运行；"
        "同一份填报每天最多提醒一次）。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--days", type=int, default=DEFAULT_DAYS, help=f"提前几天提醒（默认 {DEFAULT_DAYS} 天）"
        )
        parser.add_argument("--dry-run", action="store_true", help="只列出将要提醒的填报，不发送邮件")
        parser.add_argument("--date", help="按指定日期（YYYY-MM-DD）计算，默认今天")

    def handle(self, *args: Any, days: int, dry_run: bool, date: str | None = None, **options: Any) -> None:
        try:
            today = dt.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise CommandError(f"日期“{date}”格式应为 YYYY-MM-DD。") from exc
        run = send_reminders(today=today, days=days, dry_run=dry_run)
        verbose = dry_run or options["verbosity"] >= 2
        if verbose:
            for reminder in run.sent:
                self.stdout.write(f"  {reminder.subject()} → {', '.join(reminder.recipients)}")
        for reminder in run.without_address:
            self.stdout.write(f"  无填报员邮箱：{reminder.report.base}（{reminder.report.period}）")
        for reminder, error in run.failed:
            self.stderr.write(f"  发送失败：{reminder.report.base}（{reminder.report.period}）：{error}")
        self.stdout.write(("[演练] " if dry_run else "") + run.summary())
