from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from shuangchuang.accounts.demo import demo_password, demo_totp_secret
from shuangchuang.accounts.models import Role, User
from shuangchuang.assessment.demo import ensure_demo_assessment
from shuangchuang.evaluation.models import EvaluationRun
from shuangchuang.evaluation.schemes import ensure_default_schemes
from shuangchuang.evaluation.services import execute_run, start_run
from shuangchuang.monitoring.models import ReportingPeriod
from shuangchuang.plans.demo import ensure_demo_plans
from shuangchuang.portal.demo import ensure_demo_public_indicators
from shuangchuang.records import demo as records_demo
from shuangchuang.registry.services import load_registry
from shuangchuang.site.demo import ensure_demo_accounts


class Command(BaseCommand):
    help = "准备演示环境：加载示范基地名录、演示数据和每个角色的演示账户（可重复运行）。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--skip-data", action="store_true", help="不生成运行监测演示数据")

    def handle(self, *args: Any, skip_data: bool = False, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError(
                "setup_demo 只用于演示环境：生产配置（DEMO_MODE 关闭）下不建立任何默认或演示账户。"
                "请由安全管理员建立真实账户。"
            )
        report = load_registry()
        self.stdout.write(f"示范基地名单：{report.summary()}")
        accounts = ensure_demo_accounts()
        if not skip_data:
            call_command("generate_demo_data", stdout=self.stdout)
            national = next(user for _account, user in accounts if user.role == Role.NATIONAL_ADMIN)
            self._demo_evaluations(national)
            for line in ensure_demo_plans():
                self.stdout.write(f"演示建设方案：{line}")
            users = {account.username: user for account, user in accounts}
            people = records_demo.DemoPeople(
                national=users["ndrc"],
                member=users["moe_member"],
                region_authority=users["gx_drc"],
                region_base=users["hengzhou"],
                university_authority=users["moe_reviewer"],
                university_base=users["xmu"],
            )
            self.stdout.write(records_demo.generate(people))
            for line in ensure_demo_public_indicators(users["ndrc"]):
                self.stdout.write(f"公开门户：{line}")
            self.stdout.write("问题逾期提醒可由计划任务运行：python manage.py send_problem_reminders")
            admin = User.objects.filter(username="ndrc", role=Role.NATIONAL_ADMIN).first()
            if admin is not None:
                for line in ensure_demo_assessment(admin):
                    self.stdout.write(line)
        password = demo_password()
        self.stdout.write("每日提醒可由计划任务运行：python manage.py send_reminders")
        self.stdout.write("")
        self.stdout.write(f"演示账户（密码均为 {password}）：")
        second_factor = []
        for account, user in accounts:
            scope = user.scope_label()
            self.stdout.write(f"  {account.username:<14} {user.get_role_display():<10} {scope}")
            if user.needs_second_factor:
                second_factor.append(account.username)
        secret = demo_totp_secret()
        grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        self.stdout.write("")
        self.stdout.write(f"{'、'.join(second_factor)} 登录时还须输入动态口令（演示账户共用一个密钥）：")
        self.stdout.write(f"  在手机验证器中手动添加密钥 {grouped}（基于时间，6 位），")
        self.stdout.write("  或随时运行 python manage.py demo_code 查看当前口令。")

    def _demo_evaluations(self, actor: User) -> None:
        """One finished evaluation run per direction on the last full year, so rankings have numbers: started
        by the demo national administrator as the page starts one, computed here at once."""
        last = ReportingPeriod.objects.filter(kind="annual").order_by("-year").first()
        if last is None:
            return
        for scheme in ensure_default_schemes(last.year):
            if not EvaluationRun.objects.filter(scheme=scheme, status="done").exists():
                run = execute_run(start_run(scheme, actor=actor, queue=False).pk)
                self.stdout.write(
                    f"演示评估：{scheme}（{run.get_status_display()}，{run.unit_count} 个基地）"
                )
