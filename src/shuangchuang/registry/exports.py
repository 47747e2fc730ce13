from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils import translation
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from shuangchuang.core.tabular import write_csv, write_text_cell

from .importer import TEMPLATE_COLUMNS
from .models import Authority, Base, BaseKind, BaseStatus, Batch, Direction, Province

EXPORT_COLUMNS = [
    ("code", "基地编号"),
    ("name", "名称"),
    ("current_name", "现用名称"),
    ("short_name", "简称"),
    ("batch", "批次"),
    ("direction", "功能方向"),
    ("kind", "类型"),
    ("province_code", "省份代码"),
    ("province_name", "省份"),
    ("city", "城市"),
    ("authority", "审核单位"),
    ("status", "状态"),
]


def base_row(base: Base) -> list[object]:
    return [
        base.code,
        base.name,
        base.current_name,
        base.short_name,
        base.batch.number,
        base.direction.name,
        base.get_kind_display(),
        base.province_id,
        base.province.name,
        base.city,
        base.authority.name,
        base.get_status_display(),
    ]


def bases_csv(bases: Iterable[Base]) -> bytes:
    """The registry as officials open it in Excel: UTF-8 with BOM, Chinese headers."""
    return write_csv([label for _, label in EXPORT_COLUMNS], (base_row(b) for b in bases))


TEMPLATE_ROWS = 1000  # rows of the name sheet that offer the drop-down lists


def import_template() -> bytes:
    """The import template: the columns in the first sheet (Chinese headers, drop-down lists), and every
    value they accept in a second sheet, as the import page lists them. The importer reads the first
    sheet only. The file is in Chinese whatever the user's language, as the files officials exchange are."""
    with translation.override("zh-hans"):
        return _import_template()


def _import_template() -> bytes:
    batches, directions = list(Batch.objects.all()), list(Direction.objects.all())
    provinces, authorities = list(Province.objects.all()), list(Authority.objects.all())
    # column → its title in the values sheet, the values, and columns of notes beside them
    lists: dict[str, tuple[str, list[str], dict[str, list[str]]]] = {
        "batch": (
            "批次",
            [str(b.number) for b in batches],
            {"说明": [f"{b.name}（{b.year}年，{b.document}）" for b in batches]},
        ),
        "direction": (
            "功能方向或类别",
            [d.name for d in directions],
            {"说明": [d.get_kind_display() for d in directions]},
        ),
        "kind": ("类型", [str(label) for _, label in BaseKind.choices], {}),
        "province": (
            "省份代码",
            [p.code for p in provinces],
            {"名称": [p.name for p in provinces], "简称": [p.short_name for p in provinces]},
        ),
        "authority": (
            "审核单位",
            [a.code for a in authorities],
            {"名称": [a.name for a in authorities], "简称": [a.short_name for a in authorities]},
        ),
        "status": ("状态", [str(label) for _, label in BaseStatus.choices], {}),
    }
    workbook = Workbook()
    names = workbook.active
    names.title = "示范基地名单"
    values = workbook.create_sheet("可填写的值")
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DCE6F1")

    ranges: dict[str, str] = {}
    column = 1
    for key, (title, codes, notes) in lists.items():
        for row, text in enumerate([title, *codes], start=1):
            write_text_cell(values.cell(row, column), text)
        letter = get_column_letter(column)
        ranges[key] = f"'{values.title}'!${letter}$2:${letter}${1 + len(codes)}"
        values.cell(1, column).font = bold
        values.column_dimensions[letter].width = 18
        for note_title, texts in notes.items():
            column += 1
            for row, text in enumerate([note_title, *texts], start=1):
                write_text_cell(values.cell(row, column), text)
            values.cell(1, column).font = bold
            values.column_dimensions[get_column_letter(column)].width = 30
        column += 2

    for column, spec in enumerate(TEMPLATE_COLUMNS, start=1):
        letter = get_column_letter(column)
        cell = names.cell(1, column)
        write_text_cell(cell, spec.header)
        cell.font, cell.fill = bold, fill
        names.column_dimensions[letter].width = 34 if spec.key == "name" else 16
        if spec.key in ranges:
            # A drop-down list; a value written another way (a province's name, an authority's short
            # name) is accepted too, so Excel only warns.
            rule = DataValidation(
                type="list", formula1=ranges[spec.key], allow_blank=True, errorStyle="warning"
            )
            rule.showErrorMessage = True
            rule.error = "请从“可填写的值”工作表中选择，或按导入页面的说明填写。"
            rule.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            names.add_data_validation(rule)
    names.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
