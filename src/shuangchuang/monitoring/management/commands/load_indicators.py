from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuangchuang.monitoring.catalogue import DATA_DIR, CatalogueError, load_catalogue


class Command(BaseCommand):
    help = (
        "加载随产品发布的监测指标目录（可重复运行：再次运行不改变任何数据）。"
        "修改指标定义后用 --from-year 指定新定义的起始年度：新增该年起的版本，过去的数据仍指向原定义。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--data-dir", default=str(DATA_DIR), help="包含 indicators.csv 和 cross_checks.csv 的目录"
        )
        parser.add_argument("--from-year", type=int, help="修改后的定义自哪一年起适用")

    def handle(self, *args: Any, data_dir: str, from_year: int | None = None, **options: Any) -> None:
        try:
            report = load_catalogue(Path(data_dir), from_year=from_year)
        except CatalogueError as exc:
            for error in exc.errors:
                self.stderr.write(f"  {error}")
            raise CommandError(f"指标目录有 {len(exc.errors)} 处问题，未做任何修改。") from exc
        self.stdout.write(f"监测指标目录：{report.summary()}")
        for code, year in report.new_versions:
            self.stdout.write(f"  {code}: {year} 年起的新定义")
        for code, fields in report.updated.items():
            self.stdout.write(f"  {code}: {', '.join(fields)}")
