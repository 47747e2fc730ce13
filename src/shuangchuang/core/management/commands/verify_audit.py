from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuangchuang.core.chain import verify


class Command(BaseCommand):
    help = (
        "逐条校验审计日志的摘要链，指出第一条被修改、删除或插入的记录；链完整时打印链头摘要"
        "（请每日运行，并把链头摘要记在系统之外，例如值班记录）。链断裂时以状态 1 退出。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify()
        if result.broken is not None:
            raise CommandError(f"审计日志摘要链断裂：{result.broken.message}")
        self.stdout.write(
            f"审计日志摘要链完整：{result.rows} 条记录（序号 {result.anchor_seq + 1}–{result.head_seq}），"
            f"链头摘要 {result.head_hash}"
        )
