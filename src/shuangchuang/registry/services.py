"""Writes to the registry: loading the shipped batch files, importing other batches, status changes.

Each function owns its transaction and writes audit rows in it.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from shuangchuang.accounts.models import User
from shuangchuang.core.audit import audit_event, record_many

from .models import (
    Authority,
    Base,
    BaseNameHistory,
    BaseStatus,
    BaseStatusHistory,
    Batch,
    Direction,
    Province,
)
from .reference import BATCHES, DIRECTIONS

DATA_DIR = Path(__file__).resolve().parent / "data"
TRACKED_FIELDS = ("name", "short_name", "direction", "kind", "province", "city", "authority", "source_note")


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        return f"新增 {len(self.created)} 个，更新 {len(self.updated)} 个，未变 {self.unchanged} 个"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _upsert(model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]) -> bool:
    """Create or update one reference row; True when something changed."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        model._default_manager.create(**lookup, **values)
        return True
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    for k in changed:
        setattr(obj, k, values[k])
    if changed:
        # updated_at: the version of what lists show of it (their filters, the bases' rows)
        obj.save(update_fields=[*changed, "updated_at"])
    return bool(changed)


def load_reference_data(data_dir: Path = DATA_DIR) -> None:
    """Batches, directions, province-level divisions and reviewing authorities (idempotent)."""
    for number, year, name, document, _published in BATCHES:
        _upsert(Batch, {"number": number}, {"year": year, "name": name, "document": document})
    for code, name, name_en, kind, order in DIRECTIONS:
        _upsert(Direction, {"code": code}, {"name": name, "name_en": name_en, "kind": kind, "order": order})
    for row in _read_csv(data_dir / "provinces.csv"):
        _upsert(
            Province,
            {"code": row["code"]},
            {"name": row["name"], "short_name": row["short_name"], "name_en": row["name_en"]},
        )
    for row in _read_csv(data_dir / "authorities.csv"):
        _upsert(
            Authority,
            {"code": row["code"]},
            {
                "name": row["name"],
                "short_name": row["short_name"] or row["name"],
                "kind": row["kind"],
                "province_id": row["province_code"] or None,
                "note": row.get("note", ""),
            },
        )


def publication_date(batch_number: int) -> dt.date:
    return next(b[4] for b in BATCHES if b[0] == batch_number)


def batch_file(data_dir: Path, number: int) -> Path:
    """The shipped list of one batch (`bases_batch3.csv`)."""
    return data_dir / f"bases_batch{number}.csv"


@transaction.atomic
def load_registry(data_dir: Path = DATA_DIR, actor: User | None = None) -> LoadReport:
    """Load the shipped batch files (first, second and third batch). A second run changes nothing; an edited
    file updates what changed. A batch without a file in `data_dir` is left as it is."""
    load_reference_data(data_dir)
    directions = {d.name: d for d in Direction.objects.all()}
    provinces = {p.code: p for p in Province.objects.all()}
    authorities = {a.code: a for a in Authority.objects.all()}
    report = LoadReport()
    events: list[Any] = []
    for batch in Batch.objects.order_by("number"):
        path = batch_file(data_dir, batch.number)
        if path.exists():
            _load_batch(batch, _read_csv(path), directions, provinces, authorities, report, events, actor)
    record_many(events)
    return report


def _load_batch(
    batch: Batch,
    rows: list[dict[str, str]],
    directions: dict[str, Direction],
    provinces: dict[str, Province],
    authorities: dict[str, Authority],
    report: LoadReport,
    events: list[Any],
    actor: User | None,
) -> None:
    existing = {
        b.seq: b
        for b in Base.objects.filter(batch=batch).select_related("direction", "province", "authority")
    }
    published = timezone.make_aware(dt.datetime.combine(publication_date(batch.number), dt.time(9)))
    for row in rows:
        seq = int(row["seq"])
        wanted = {
            "name": row["name"],
            "short_name": row["short_name"],
            "direction": directions[row["direction"]],
            "kind": row["kind"],
            "province": provinces[row["province_code"]],
            "city": row["city"],
            "authority": authorities[row["authority_code"]],
            "source_note": row.get("source", ""),
        }
        current_name = row.get("current_name") or row["name"]
        base = existing.get(seq)
        if base is None:
            base = Base.objects.create(
                batch=batch, seq=seq, code=f"B{batch.number}-{seq:03d}", current_name=current_name, **wanted
            )
            BaseStatusHistory.objects.create(
                base=base, status=BaseStatus.ACTIVE, changed_at=published, reason=f"{batch.document}公布"
            )
            events.append(audit_event(actor, "registry.create", base, reason=f"加载{batch.name}名单"))
            report.created.append(base.code)
        else:
            changed = [f for f in TRACKED_FIELDS if getattr(base, f) != wanted[f]]
            if current_name != base.current_name:
                changed.append("current_name")
            for name in changed:
                old = getattr(base, name)
                new = wanted.get(name, current_name)
                setattr(base, name, new)
                events.append(
                    audit_event(
                        actor,
                        "registry.update",
                        base,
                        field=name,
                        old=str(old),
                        new=str(new),
                        reason="名单数据文件更新",
                    )
                )
            if changed:
                base.save()
                report.updated[base.code] = changed
            else:
                report.unchanged += 1
        if row.get("current_name") and row.get("renamed_on"):
            BaseNameHistory.objects.get_or_create(
                base=base,
                name=row["current_name"],
                defaults={
                    "valid_from": dt.date.fromisoformat(row["renamed_on"]),
                    "reason": "行政区划调整更名",
                },
            )


@transaction.atomic
def change_status(base: Base, status: str, *, actor: User | None, reason: str) -> None:
    """Record a status change with who and why (commendation, rectification, withdrawal)."""
    if status not in BaseStatus.values:
        raise ValueError(f"未知状态：{status}")
    if not reason.strip():
        raise ValueError("状态变更必须说明原因。")
    old = base.status
    base.status = status
    base.save(update_fields=["status", "updated_at"])
    BaseStatusHistory.objects.create(
        base=base, status=status, changed_at=timezone.now(), changed_by=actor, reason=reason
    )
    record_many(
        [audit_event(actor, "registry.status", base, field="status", old=old, new=status, reason=reason)]
    )
