from django.core.management import call_command
from django.core.management.base import BaseCommand

from shuangchuang.accounts.demo import demo_password, ensure_demo_accounts
from shuangchuang.registry.services import load_registry


class Command(BaseCommand):
    help = "准备演示环境：加载示范基地名录、演示数据和每个角色的演示账户（可重复运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--skip-data", action="store_true", help="不生成运行监测演示数据")

    def handle(self, *args, skip_data=False, **options):
        report = load_registry()
        self.stdout.write(f"示范基地名单：{report.summary()}")
        accounts = ensure_demo_accounts()
        if not skip_data:
            try:
                call_command("generate_demo_data", stdout=self.stdout)
            except Exception as exc:  # a missing generator must not hide the accounts
                if "Unknown command" not in str(exc):
                    raise
        password = demo_password()
        self.stdout.write("")
        self.stdout.write(f"演示账户（密码均为 {password}）：")
        for account, user in accounts:
            scope = user.scope_label()
            self.stdout.write(f"  {account.username:<14} {user.get_role_display():<10} {scope}")
