import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuangchuang.records.reminders import send_problem_reminders


class Command(BaseCommand):
    help = "向逾期未办结问题的当前办理单位（审核单位、国家发展改革委或转办的成员单位）发送提醒邮件（适合每天定时运行；同一问题每天最多提醒一次）。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只列出将要提醒的问题，不发送邮件")
        parser.add_argument("--date", help="按指定日期（YYYY-MM-DD）计算，默认今天")

    def handle(self, *args: Any, dry_run: bool, date: str | None = None, **options: Any) -> None:
        try:
            today = dt.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise CommandError(f"日期“{date}”格式应为 YYYY-MM-DD。") from exc
        run = send_problem_reminders(today=today, dry_run=dry_run)
        if dry_run or options["verbosity"] >= 2:
            for reminder in run.sent:
                self.stdout.write(f"  {reminder.subject()} → {', '.join(reminder.recipients)}")
        for reminder in run.without_address:
            self.stdout.write(f"  无收件邮箱：{reminder.problem}（{reminder.problem.holder_label}）")
        for reminder, error in run.failed:
            self.stderr.write(f"  发送失败：{reminder.problem}：{error}")
        self.stdout.write(("[演练] " if dry_run else "") + run.summary())
