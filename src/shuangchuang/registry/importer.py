"""Import bases of other batches from a CSV or .xlsx file.

Every row is validated and every problem reported with its row, column and reason; nothing is written
unless the whole file is valid. The file is read by `core.tabular` under the same limits as every upload;
`TEMPLATE_COLUMNS` is the layout the template, the import page and the reader share.

Names and the city are stored as written: an official name keeps its full-width punctuation exactly as
published. What is looked up (headers, batch, direction, kind, province, authority, status, the sequence
number) and the check for a name already in the batch go through `matching_text`, so that full-width letters
and digits match as half-width ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shuangchuang.accounts.models import User
from shuangchuang.core.audit import audit_event, record_many
from shuangchuang.core.policy import CHANGE, require, require_in_scope
from shuangchuang.core.tabular import (
    Table,
    TableError,
    claims_workbook,
    matching_text,
    read_table,
    text_is_not_a_workbook,
)

from .models import Authority, Base, BaseKind, BaseStatus, BaseStatusHistory, Batch, Direction, Province
from .reference import KIND_LABELS

# canonical column → the headers officials use for it
COLUMNS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "seq"),
    "name": ("名称", "基地名称", "name"),
    "short_name": ("简称", "short_name"),
    "batch": ("批次", "batch"),
    "direction": ("功能方向或类别", "功能方向", "方向", "类别", "direction"),
    "kind": ("类型", "kind"),
    "province": ("省份代码", "省份", "所在省份", "province_code", "province"),
    "city": ("城市", "所在城市", "city"),
    "authority": ("审核单位", "推荐单位", "authority"),
    "status": ("状态", "status"),
}
REQUIRED = ("name", "batch", "direction", "kind", "province", "city", "authority")
CHINESE_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
T = TypeVar("T")


@dataclass(frozen=True)
class TemplateColumn:
    key: str
    header: str  # the template's header, one of COLUMNS[key]
    values: Promise  # what may be written, as the import page says it

    @property
    def required(self) -> bool:
        return self.key in REQUIRED


TEMPLATE_COLUMNS = [
    TemplateColumn("seq", "序号", _("名单中的顺序，正整数；可不填，由系统顺延编号")),
    TemplateColumn("name", "名称", _("与公布文件一致的正式名称，不超过 100 字")),
    TemplateColumn("short_name", "简称", _("可不填，默认与名称相同")),
    TemplateColumn("batch", "批次", _("1、2、3，或“第一批”“第二批”“第三批”")),
    TemplateColumn("direction", "功能方向或类别", _("第三批填功能方向，第一、二批填类别，见下表")),
    TemplateColumn("kind", "类型", _("区域、高校、科研院所、企业")),
    TemplateColumn("province", "省份代码", _("GB/T 2260 省级行政区划代码，或省份全称、简称，见下表")),
    TemplateColumn("city", "城市", _("所在城市，如“厦门市”")),
    TemplateColumn("authority", "审核单位", _("审核单位代码、全称或简称，见下表")),
    TemplateColumn("status", "状态", _("建设中、限期整改、已调整退出；可不填，默认建设中")),
]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the header the file gave the column
    message: str

    def __str__(self) -> str:
        if not self.row and not self.column:
            return self.message  # about the whole file (a reader's error names its own place)
        where = gettext("第 %(row)d 行") % {"row": self.row} if self.row else gettext("表头")
        column = gettext("“%(column)s”列") % {"column": self.column} if self.column else ""
        return gettext("%(where)s%(column)s：%(message)s") % {
            "where": where,
            "column": column,
            "message": self.message,
        }


@dataclass
class ImportResult:
    source: str
    errors: list[RowError] = field(default_factory=list)
    created: list[Base] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _keyed(pairs: dict[str, T]) -> dict[str, T]:
    """A lookup by `matching_text`, as the cells are looked up."""
    return {matching_text(key): value for key, value in pairs.items()}


class _Lookups:
    """Everything a row may refer to, loaded once, keyed by `matching_text`."""

    def __init__(self) -> None:
        self.batches = {b.number: b for b in Batch.objects.all()}
        directions: dict[str, Direction] = {}
        for d in Direction.objects.all():
            directions[d.name] = directions[d.code] = d
            directions[d.name.removesuffix("示范基地")] = d
        self.directions = _keyed(directions)
        provinces: dict[str, Province] = {}
        for p in Province.objects.all():
            provinces[p.code] = provinces[p.name] = provinces[p.short_name] = p
        self.provinces = _keyed(provinces)
        authorities: dict[str, Authority] = {}
        for a in Authority.objects.all():
            authorities[a.code] = authorities[a.name] = authorities[a.short_name] = a
        self.authorities = _keyed(authorities)
        kinds = {**KIND_LABELS, **{v: v for v in BaseKind.values}}
        kinds.update({str(label): value for value, label in BaseKind.choices})
        self.kinds = _keyed(kinds)
        self.statuses = _keyed(
            {
                **{v: v for v in BaseStatus.values},
                **{str(lbl): v for v, lbl in BaseStatus.choices},
            }
        )


def _header_map(table: Table, result: ImportResult) -> dict[str, int]:
    positions: dict[str, int] = {}
    aliases = {alias.lower(): key for key, names in COLUMNS.items() for alias in names}
    for index, title in enumerate(table.header):
        key = aliases.get(matching_text(title).lower())
        if key and key not in positions:
            positions[key] = index
    for key in REQUIRED:
        if key not in positions:
            result.errors.append(RowError(0, COLUMNS[key][0], gettext("缺少必填列")))
    return positions


def _batch_number(text: str) -> int | None:
    text = text.removeprefix("第").removesuffix("批")
    if text.isdigit():
        return int(text)
    return CHINESE_NUMBERS.get(text)


def validate_rows(table: Table) -> tuple[list[dict[str, Any]], ImportResult]:
    result = ImportResult(source=table.source)
    positions = _header_map(table, result)
    if result.errors and not positions and table.kind == "csv" and claims_workbook(table.source):
        result.errors = [RowError(0, "", text_is_not_a_workbook().message)]  # text named .xlsx
    if result.errors:
        return [], result
    refs = _Lookups()
    # A name already in the batch, however its punctuation was typed
    existing = {
        (number, matching_text(name)) for number, name in Base.objects.values_list("batch__number", "name")
    }
    seen: dict[tuple[int, str], int] = {}
    clean_rows: list[dict[str, Any]] = []

    for number, cells in table.rows:

        def cell(key: str, cells: list[str] = cells) -> str:
            """The cell as written."""
            index = positions.get(key)
            return cells[index] if index is not None and index < len(cells) else ""

        def matched(key: str, cell: Callable[[str], str] = cell) -> str:
            """The cell as it is looked up."""
            return matching_text(cell(key))

        def error(key: str, message: str, number: int = number) -> None:
            result.errors.append(RowError(number, table.header[positions[key]], message))

        row: dict[str, Any] = {"row": number}
        for key in REQUIRED:
            if not cell(key):
                error(key, gettext("不能为空"))
        if name := cell("name"):
            row["name"] = name
            row["short_name"] = cell("short_name") or name
            if len(name) > 100:
                error("name", gettext("名称超过 100 个字符"))
        if text := cell("batch"):
            batch_number = _batch_number(matched("batch"))
            if batch_number not in refs.batches:
                error("batch", gettext("“%(text)s”不是已知批次（应为 1、2 或 3）") % {"text": text})
            else:
                row["batch"] = refs.batches[batch_number]
        if text := cell("direction"):
            if (direction := refs.directions.get(matched("direction"))) is None:
                error("direction", gettext("“%(text)s”不是已知的功能方向或类别") % {"text": text})
            else:
                row["direction"] = direction
        if text := cell("kind"):
            if (kind := refs.kinds.get(matched("kind"))) is None:
                error(
                    "kind", gettext("“%(text)s”不是已知类型（区域、高校、科研院所、企业）") % {"text": text}
                )
            else:
                row["kind"] = kind
        if text := cell("province"):
            if (province := refs.provinces.get(matched("province"))) is None:
                error(
                    "province",
                    gettext("“%(text)s”不是有效的省级行政区划代码或名称（GB/T 2260）") % {"text": text},
                )
            else:
                row["province"] = province
        row["city"] = cell("city")
        if text := cell("authority"):
            if (authority := refs.authorities.get(matched("authority"))) is None:
                error("authority", gettext("“%(text)s”不是已登记的审核单位") % {"text": text})
            else:
                row["authority"] = authority
        row["status"] = BaseStatus.ACTIVE
        if text := cell("status"):
            if (status := refs.statuses.get(matched("status"))) is None:
                error("status", gettext("“%(text)s”不是已知状态") % {"text": text})
            else:
                row["status"] = status
        if text := cell("seq"):
            digits = matched("seq")
            if not digits.isdigit() or int(digits) == 0:
                error("seq", gettext("“%(text)s”不是正整数") % {"text": text})
            else:
                row["seq"] = int(digits)
        if "batch" in row and "name" in row:
            same = (row["batch"].number, matching_text(row["name"]))
            if same in existing:
                error("name", gettext("%(batch)s中已有同名示范基地") % {"batch": row["batch"].name})
            elif same in seen:
                error("name", gettext("与第 %(row)d 行重复") % {"row": seen[same]})
            seen[same] = number
            if row["batch"].number == 3 and "direction" in row and row["direction"].kind != "direction":
                error(
                    "direction",
                    gettext("第三批示范基地应填写功能方向（创业就业、融通创新、精益创业、全球化创业）"),
                )
        clean_rows.append(row)
    if not table.rows:
        result.errors.append(RowError(0, "", gettext("文件中没有数据行")))
    return clean_rows, result


def import_bases(data: bytes, source: str, actor: User | None = None) -> ImportResult:
    """Validate the whole file, then write all rows in one transaction, or nothing. `actor` is the user
    the import is made for (None: the system, e.g. a command run without `--user`); it must be allowed to
    import (`registry.import`), and every base it creates must lie inside its scope afterwards."""
    if actor is not None:
        require(actor, "registry.import")
    try:
        table = read_table(data, source)
    except TableError as exc:  # its text names the sheet, row and column where there is one
        return ImportResult(source=source, errors=[RowError(0, "", str(exc))])
    rows, result = validate_rows(table)
    if result.errors:
        return result
    with transaction.atomic():
        next_seq: dict[int, int] = {
            b["batch__number"]: b["top"] or 0
            for b in Base.objects.values("batch__number").annotate(top=Max("seq"))
        }
        used = set(Base.objects.values_list("batch__number", "seq"))
        events = []
        for row in rows:
            batch = row["batch"]
            seq = row.get("seq")
            if seq is None or (batch.number, seq) in used:
                seq = next_seq.get(batch.number, 0) + 1
            next_seq[batch.number] = max(next_seq.get(batch.number, 0), seq)
            used.add((batch.number, seq))
            base = Base.objects.create(
                batch=batch,
                seq=seq,
                code=f"B{batch.number}-{seq:03d}",
                name=row["name"],
                short_name=row["short_name"],
                direction=row["direction"],
                kind=row["kind"],
                province=row["province"],
                city=row["city"],
                authority=row["authority"],
                status=row["status"],
                source_note=f"导入自 {source}",
            )
            BaseStatusHistory.objects.create(
                base=base, status=base.status, changed_at=timezone.now(), changed_by=actor, reason="名单导入"
            )
            events.append(
                audit_event(actor, "registry.import", base, reason=f"导入文件 {source} 第 {row['row']} 行")
            )
            if actor is not None:
                require_in_scope(actor, CHANGE, base)  # rolls the whole import back
            result.created.append(base)
        record_many(events)
    return result
