from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuangchuang.monitoring.demo import DEMO_SEED, DemoDataRefused, generate


class Command(BaseCommand):
    help = (
        "生成运行监测演示数据：加载指标目录，创建并开放报告期，为每个建设中的示范基地生成三年的季报和年报"
        "（相同种子生成相同数据）。已有演示数据时不做任何事；--reset 重新生成。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--seed", type=int, default=DEMO_SEED, help=f"随机种子（默认 {DEMO_SEED}）")
        parser.add_argument("--reset", action="store_true", help="删除已有的演示填报后重新生成")

    def handle(self, *args: Any, seed: int, reset: bool, **options: Any) -> None:
        try:
            summary = generate(seed, reset=reset)
        except DemoDataRefused as exc:
            raise CommandError(str(exc)) from exc
        if summary is None:
            self.stdout.write("运行监测演示数据已存在，未重复生成（如需重新生成请加 --reset）。")
            return
        self.stdout.write("运行监测演示数据：")
        for line in summary.lines():
            self.stdout.write(f"  {line}")
