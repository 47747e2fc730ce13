from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuangchuang.accounts.models import User
from shuangchuang.accounts.services import recover_account


class Command(BaseCommand):
    help = (
        "服务器管理员恢复账户：为国家管理员、审计员等安全管理员不能重置密码的账户（或被停用的最后一位安全管理员）"
        "生成新的初始密码并启用账户，持有人登录后须修改。记入审计日志。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户名为 {username} 的账户。")
        password = recover_account(user)
        self.stdout.write(f"{username} 的初始密码（只显示这一次，持有人登录后须修改）：{password}")
