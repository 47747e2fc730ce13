from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from shuangchuang.registry.services import DATA_DIR, load_registry


class Command(BaseCommand):
    help = (
        "加载随产品发布的示范基地名单（第一、二、三批，bases_batch1.csv—bases_batch3.csv；"
        "可重复运行：再次运行不改变任何数据，文件修改后只更新变化之处）。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--data-dir", default=str(DATA_DIR), help="包含 bases_batch1.csv—bases_batch3.csv 等文件的目录"
        )

    def handle(self, *args: Any, data_dir: str, **options: Any) -> None:
        from pathlib import Path

        report = load_registry(Path(data_dir))
        self.stdout.write(f"示范基地名单：{report.summary()}")
        for code, fields in report.updated.items():
            self.stdout.write(f"  {code}: {', '.join(fields)}")
