import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuangchuang.accounts.models import User
from shuangchuang.registry.exports import bases_csv
from shuangchuang.registry.models import Base


class Command(BaseCommand):
    help = "把示范基地名录导出为 CSV（UTF-8 带 BOM，Excel 可直接打开）。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--output", "-o", default="-", help="输出文件路径，默认写到标准输出")
        parser.add_argument("--batch", type=int, help="只导出某一批次")
        parser.add_argument(
            "--user", help="代该用户导出：只含其可见的基地（与页面上的导出相同）；不给则导出全部"
        )

    def handle(self, *args: Any, output: str, batch: int | None, user: str | None, **options: Any) -> None:
        bases = Base.objects.all()
        if user is not None:
            account = User.objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"没有用户：{user}")
            bases = Base.objects.restrict(account)
        bases = bases.select_related("batch", "direction", "province", "authority")
        if batch:
            bases = bases.filter(batch__number=batch)
        data = bases_csv(bases)
        if output == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            with open(output, "wb") as handle:
                handle.write(data)
            self.stderr.write(f"已导出 {bases.count()} 个示范基地到 {output}")
