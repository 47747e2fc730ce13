"""The audit log's hash chain: every row carries the hash of its own canonical content and of the row
before it, so that a changed, deleted or inserted row is found by walking the chain (`verify_audit`).

Appends are serialised by a lock on the one chain-head row (`AuditChainHead`, `SELECT … FOR UPDATE`): two
transactions writing audit rows at once wait for each other instead of forking the chain. The lock is held
until the writer's transaction ends, as the row itself is only visible then.

The hash is SHA-256, or SM3 (GB/T 32905-2016) when `AUDIT_HASH_ALGORITHM = "sm3"`; each row names its
algorithm, so a deployment may switch without breaking the rows already written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction

if TYPE_CHECKING:
    from .models import AuditChainHead, AuditEvent

GENESIS = "0" * 64  # the "previous hash" of the first row ever written
ALGORITHMS = ("sha256", "sm3")
MAINTENANCE_SETTING = "shuangchuang.audit_maintenance"  # read by the PostgreSQL trigger (migration 0003)


def algorithm() -> str:
    return str(getattr(settings, "AUDIT_HASH_ALGORITHM", "sha256")).lower()


def digest(name: str, data: bytes) -> str:
    """SHA-256 or SM3 in hex. SM3 comes from OpenSSL through hashlib (OpenSSL ≥ 1.1.1 ships it); a system
    check refuses `sm3` where the local OpenSSL lacks it."""
    if name not in ALGORITHMS:
        raise ValueError(f"unknown audit hash algorithm {name!r}")
    return hashlib.new(name, data).hexdigest()


def _normal(value: Any) -> Any:
    """A JSON value as it reads back from either database: whole floats as integers (PostgreSQL's jsonb
    gives 1e20 back as 100000000000000000000), dict keys as strings, tuples as lists."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(key): _normal(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_normal(item) for item in value]
    return value


_SCALARS = frozenset({str, int, bool, type(None)})


def _plain(value: Any) -> bool:
    """True when the value is already what it reads back as: strings, integers, booleans and None, in
    lists and dicts with string keys (the common case, checked without copying)."""
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is dict:
        if any(type(key) is not str for key in value):
            return False
        items = value.values()
    elif kind is list:
        items = value
    else:
        return False
    return {type(item) for item in items} <= _SCALARS or all(_plain(item) for item in items)


def _json_value(value: Any, encoder: type[json.JSONEncoder] | None) -> Any:
    if _plain(value):
        return value
    return _normal(json.loads(json.dumps(value, cls=encoder)))


def _timestamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(event: AuditEvent) -> bytes:
    """The row's content as hashed: every column but the row's own hash and database id, in a fixed
    order, as compact UTF-8 JSON with sorted keys."""
    encoder = type(event)._meta.get_field("old_value").encoder  # type: ignore[attr-defined]
    content = {
        "seq": event.seq,
        "at": _timestamp(event.at),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "field": event.field,
        "old_value": _json_value(event.old_value, encoder),
        "new_value": _json_value(event.new_value, encoder),
        "reason": event.reason,
        "algorithm": event.algorithm,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def row_hash(event: AuditEvent) -> str:
    return digest(event.algorithm, canonical(event))


def _locked_head() -> AuditChainHead:
    from .models import AuditChainHead

    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    return head


def link(events: Sequence[AuditEvent]) -> None:
    """Give new events their place in the chain and save them, in one transaction that holds the chain
    head until the caller's transaction ends."""
    from .models import AuditEvent

    if not events:
        return
    with transaction.atomic():
        head = _locked_head()
        name = algorithm()
        for event in events:
            head.seq += 1
            event.seq = head.seq
            event.algorithm = name
            event.prev_hash = head.row_hash
            event.row_hash = row_hash(event)
            head.row_hash = event.row_hash
        AuditEvent.objects.all()._append(events)
        head.save(update_fields=["seq", "row_hash"])


@contextmanager
def maintenance(mode: str) -> Iterator[None]:
    """Let the PostgreSQL trigger pass one kind of maintenance (`prune:<cutoff>`, `demo-reset`) for the
    rest of the current transaction only (SET LOCAL)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, %s, true)", [MAINTENANCE_SETTING, mode])
        yield
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, '', true)", [MAINTENANCE_SETTING])


@dataclass(frozen=True)
class Break:
    """The first place where the chain does not hold."""

    kind: str  # "changed" | "deleted" | "inserted"
    event_id: int | None
    seq: int | None
    message: str


@dataclass(frozen=True)
class Verification:
    rows: int
    head_seq: int
    head_hash: str
    anchor_seq: int
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _describe(event: AuditEvent) -> str:
    return f"#{event.pk}（序号 {event.seq}，{_timestamp(event.at)}，{event.action}，{event.object_repr}）"


def verify() -> Verification:
    """Walk the chain from its anchor (the start, or the last row pruned) to its head and name the first
    row that breaks it: changed (its content no longer gives its hash), deleted (a number is missing before
    it, or after the last row), inserted (it does not follow the row before it, or has no number)."""
    from .models import AuditChainHead, AuditEvent

    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead(pk=1)
    rows = 0

    def result(broken: Break | None) -> Verification:
        return Verification(rows, head.seq, head.row_hash, head.anchor_seq, broken)

    if head.anchor_seq:
        prune = (
            AuditEvent.objects.filter(action="audit.prune", new_value__anchor_seq=head.anchor_seq)
            .order_by("seq")
            .first()
        )
        if prune is None or (prune.new_value or {}).get("anchor_hash") != head.anchor_hash:
            return result(
                Break(
                    "deleted",
                    None,
                    head.anchor_seq,
                    f"链首锚点（序号 {head.anchor_seq}）没有对应的清理记录：早期记录被删除",
                )
            )
    unnumbered = AuditEvent.objects.filter(seq__isnull=True).order_by("pk").first()
    if unnumbered is not None:
        return result(
            Break("inserted", unnumbered.pk, None, f"记录 {_describe(unnumbered)} 不在链上：被插入")
        )
    expected, previous = head.anchor_seq + 1, head.anchor_hash
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        assert event.seq is not None
        if event.seq < expected:
            return result(
                Break("inserted", event.pk, event.seq, f"记录 {_describe(event)} 在链首锚点之前：被插入")
            )
        if event.seq > expected:
            missing = f"{expected}" if event.seq == expected + 1 else f"{expected}–{event.seq - 1}"
            return result(
                Break(
                    "deleted",
                    event.pk,
                    event.seq,
                    f"记录 {_describe(event)} 之前缺少序号 {missing} 的记录：被删除",
                )
            )
        if event.algorithm not in ALGORITHMS or row_hash(event) != event.row_hash:
            return result(Break("changed", event.pk, event.seq, f"记录 {_describe(event)} 的内容被修改"))
        if event.prev_hash != previous:
            return result(
                Break(
                    "inserted",
                    event.pk,
                    event.seq,
                    f"记录 {_describe(event)} 不接续前一条记录：其前被插入或替换了记录",
                )
            )
        previous, expected, rows = event.row_hash, expected + 1, rows + 1
    if expected - 1 < head.seq:
        message = f"序号 {expected} 至 {head.seq} 的最后 {head.seq - expected + 1} 条记录被删除"
        return result(Break("deleted", None, expected, message))
    if expected - 1 > head.seq:
        return result(Break("inserted", None, head.seq + 1, f"序号 {head.seq} 之后有链外记录：被插入"))
    if previous != head.row_hash:
        return result(Break("changed", None, head.seq, f"最后一条记录（序号 {head.seq}）被替换"))
    return result(None)


MINIMUM_RETENTION_DAYS = 180  # 《网络安全法》第二十一条: network logs are kept for at least six months


def retention_days() -> int:
    return int(getattr(settings, "AUDIT_RETENTION_DAYS", MINIMUM_RETENTION_DAYS))


@dataclass(frozen=True)
class Pruned:
    rows: int
    anchor_seq: int
    anchor_hash: str
    cutoff: dt.datetime


def prune(now: dt.datetime, *, dry_run: bool = False) -> Pruned:
    """Remove the rows older than the retention period, from the start of the chain up to the first row
    still within it (rows are removed only as a prefix of the chain, so that what stays is one unbroken
    chain). The last row removed becomes the anchor the chain now starts from, and the pruning itself is
    an audit row naming that anchor, so that an anchor moved by hand is noticed by `verify`."""
    from .audit import record
    from .models import AuditEvent

    days = retention_days()
    if days < MINIMUM_RETENTION_DAYS:
        raise ValueError(f"AUDIT_RETENTION_DAYS={days}：审计日志至少保留 {MINIMUM_RETENTION_DAYS} 天")
    cutoff = now - dt.timedelta(days=days)
    with transaction.atomic():
        head = _locked_head()
        first_kept = (
            AuditEvent.objects.filter(at__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
        )
        last_removed = head.seq if first_kept is None else first_kept - 1
        doomed = AuditEvent.objects.filter(seq__lte=last_removed)
        rows = doomed.count()
        if not rows or dry_run:
            return Pruned(rows, head.anchor_seq, head.anchor_hash, cutoff)
        anchor = AuditEvent.objects.get(seq=last_removed)
        with maintenance(f"prune:{cutoff.isoformat()}"):
            doomed._raw_delete(doomed.db)
        head.anchor_seq, head.anchor_hash, head.anchor_at = anchor.seq, anchor.row_hash, anchor.at
        head.save(update_fields=["anchor_seq", "anchor_hash", "anchor_at"])
        record(
            None,
            "audit.prune",
            head,
            new={"rows": rows, "anchor_seq": anchor.seq, "anchor_hash": anchor.row_hash, "days": days},
            reason=f"清理 {_timestamp(cutoff)} 之前的审计日志 {rows} 条（保留 {days} 天）",
        )
    return Pruned(rows, anchor.seq, anchor.row_hash, cutoff)


def erase_for_demo(events: Any) -> int:
    """Remove the audit rows of demo data that is being regenerated and chain the rows after them again.
    Only in the demo (`DEMO_MODE`): a real log never loses a row this way."""
    from .models import AuditEvent

    if not getattr(settings, "DEMO_MODE", False):
        raise PermissionError("只有演示环境可以删除审计记录")
    with transaction.atomic():
        head = _locked_head()
        first = events.order_by("seq").values_list("seq", flat=True).first()
        if first is None:
            return 0
        with maintenance("demo-reset"):
            count: int = events._raw_delete(events.db)
            before = AuditEvent.objects.filter(seq__lt=first).order_by("-seq").first()
            previous = before.row_hash if before else head.anchor_hash
            seq = first - 1
            # in ascending order each row moves down to a number no row holds any more
            for event in AuditEvent.objects.filter(seq__gte=first).order_by("seq"):
                seq += 1
                event.seq, event.prev_hash = seq, previous
                event.row_hash = previous = row_hash(event)
                AuditEvent.objects.filter(pk=event.pk)._maintenance_update(
                    seq=event.seq, prev_hash=event.prev_hash, row_hash=event.row_hash
                )
        head.seq, head.row_hash = seq, previous
        head.save(update_fields=["seq", "row_hash"])
    return count
