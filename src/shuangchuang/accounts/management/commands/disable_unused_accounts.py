from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from shuangchuang.accounts.services import disable_unused_accounts


class Command(BaseCommand):
    help = (
        "停用长期未登录的账户（默认 90 天，由 ACCOUNT_UNUSED_DAYS 设置），每个停用记入审计日志。"
        "请由计划任务每日运行；重复运行不会重复停用。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="未登录天数（默认取 ACCOUNT_UNUSED_DAYS）")

    def handle(self, *args: Any, days: int | None = None, **options: Any) -> None:
        days = days or settings.ACCOUNT_UNUSED_DAYS
        disabled = disable_unused_accounts(days=days)
        for user in disabled:
            self.stdout.write(f"已停用 {user.get_username()}（{user.get_role_display()}）")
        self.stdout.write(f"{days} 天未登录的账户：停用 {len(disabled)} 个。")
