from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shuangchuang.monitoring.periods import PeriodCodeError, create_period, open_period, parse_period_code


class Command(BaseCommand):
    help = "开放一个报告期（如 2025Q3 或 2025A）：不存在时按标准填报时间创建，并为每个建设中的示范基地建立填报（可重复运行）。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("period", help="报告期代码：季度 2025Q3，年报 2025A")

    def handle(self, *args: Any, period: str, **options: Any) -> None:
        try:
            year, quarter = parse_period_code(period)
            reporting_period = create_period(year, quarter)
        except PeriodCodeError as exc:
            raise CommandError(str(exc)) from exc
        created = open_period(reporting_period)
        total = reporting_period.reports.count()
        self.stdout.write(
            f"{reporting_period}（填报 {reporting_period.opens_on:%Y-%m-%d} 至 {reporting_period.due_on:%Y-%m-%d}）："
            f"新建 {created} 份填报，共 {total} 份。"
        )
