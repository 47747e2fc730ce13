from __future__ import annotations

from collections.abc import Iterable

from shuangchuang.core.tabular import write_csv

from .models import Base

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
