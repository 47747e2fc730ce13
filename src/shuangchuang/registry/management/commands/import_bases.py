from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shuangchuang.registry.importer import import_bases


class Command(BaseCommand):
    help = "从 CSV（UTF-8 或 GBK）或 Excel (.xlsx) 文件导入其他批次的示范基地；任何一行有误则不写入任何数据。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV 或 .xlsx 文件")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        result = import_bases(path.read_bytes(), path.name)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"{path.name}：{error}")
            raise CommandError(f"发现 {len(result.errors)} 处错误，未导入任何数据。")
        self.stdout.write(f"已导入 {len(result.created)} 个示范基地。")
