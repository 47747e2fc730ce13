from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from shuangchuang.accounts.demo import demo_password
from shuangchuang.evaluation.models import EvaluationRun
from shuangchuang.evaluation.schemes import ensure_default_schemes
from shuangchuang.evaluation.services import execute_run
from shuangchuang.monitoring.models import ReportingPeriod
from shuangchuang.registry.services import load_registry
from shuangchuang.site.demo import ensure_demo_accounts


class Command(BaseCommand):
    help = "准备演示环境：加载示范基地名录、演示数据和每个角色的演示账户（可重复运行）。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--skip-data", action="store_true", help="不生成运行监测演示数据")

    def handle(self, *args: Any, skip_data: bool = False, **options: Any) -> None:
        report = load_registry()
        self.stdout.write(f"示范基地名单：{report.summary()}")
        accounts = ensure_demo_accounts()
        if not skip_data:
            call_command("generate_demo_data", stdout=self.stdout)
            self._demo_evaluations()
        password = demo_password()
        self.stdout.write("每日提醒可由计划任务运行：python manage.py send_reminders")
        self.stdout.write("")
        self.stdout.write(f"演示账户（密码均为 {password}）：")
        for account, user in accounts:
            scope = user.scope_label()
            self.stdout.write(f"  {account.username:<14} {user.get_role_display():<10} {scope}")

    def _demo_evaluations(self) -> None:
        """One finished evaluation run per direction on the last full year, so rankings have numbers."""
        last = ReportingPeriod.objects.filter(kind="annual").order_by("-year").first()
        if last is None:
            return
        for scheme in ensure_default_schemes(last.year):
            if not EvaluationRun.objects.filter(scheme=scheme, status="done").exists():
                run = execute_run(
                    EvaluationRun.objects.create(scheme=scheme, settings_snapshot=scheme.settings_dict()).pk
                )
                self.stdout.write(
                    f"演示评估：{scheme}（{run.get_status_display()}，{run.unit_count} 个基地）"
                )
