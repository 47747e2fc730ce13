from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuangchuang.accounts.demo import demo_code, require_demo_mode


class Command(BaseCommand):
    help = "演示模式：显示演示账户当前的动态口令（30 秒内有效）。"

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            require_demo_mode()
        except Exception as error:
            raise CommandError(str(error)) from error
        self.stdout.write(demo_code())
