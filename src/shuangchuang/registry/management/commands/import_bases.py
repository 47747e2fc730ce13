from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuangchuang.accounts.models import User
from shuangchuang.core.policy import may
from shuangchuang.registry.importer import import_bases


class Command(BaseCommand):
    help = "从 CSV（UTF-8 或 GBK）或 Excel (.xlsx) 文件导入其他批次的示范基地；任何一行有误则不写入任何数据。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="CSV 或 .xlsx 文件")
        parser.add_argument("--user", help="代该用户导入（记入审计日志；该用户须有导入名单的权限）")

    def handle(self, *args: Any, file: str, user: str | None = None, **options: Any) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        actor = None
        if user is not None:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"没有用户：{user}")
            if not may(actor, "registry.import"):
                raise CommandError(f"用户 {user} 无权导入示范基地名单。")
        result = import_bases(path.read_bytes(), path.name, actor=actor)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"{path.name}：{error}")
            raise CommandError(f"发现 {len(result.errors)} 处错误，未导入任何数据。")
        self.stdout.write(f"已导入 {len(result.created)} 个示范基地。")
