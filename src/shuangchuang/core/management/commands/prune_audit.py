from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from shuangchuang.core.chain import prune, retention_days


class Command(BaseCommand):
    help = (
        "清理超过保留期（AUDIT_RETENTION_DAYS，至少 180 天）的审计日志：从链首删除到第一条仍在保留期内的记录，"
        "被删除的最后一条成为锚点，清理本身记入审计日志，剩余记录仍可由 verify_audit 校验。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只统计将被清理的记录，不删除")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        try:
            pruned = prune(timezone.now(), dry_run=dry_run)
        except ValueError as error:
            raise CommandError(str(error)) from error
        days = retention_days()
        if dry_run:
            self.stdout.write(f"保留 {days} 天：将清理 {pruned.rows} 条审计日志（未删除）。")
        else:
            self.stdout.write(
                f"保留 {days} 天：已清理 {pruned.rows} 条审计日志；链从序号 {pruned.anchor_seq} "
                f"（摘要 {pruned.anchor_hash}）之后开始。"
            )
