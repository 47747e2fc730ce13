"""The audit log shared by every part of the platform."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .policy import EVERYTHING, NOTHING, VIEW, RestrictedQuerySet, may


class AppendOnly(Exception):
    """An attempt to change or delete audit rows (the log is append-only)."""


class AuditEventQuerySet(RestrictedQuerySet["AuditEvent"]):
    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        """The auditor reads every event (三员分立). Who manages the program reads the program's own
        changes in the admin, not those of accounts, which are the security administrator's acts that the
        auditor watches. Nobody changes an event."""
        if action != VIEW:
            return NOTHING
        if may(user, "audit.read"):
            return EVERYTHING
        if may(user, "program.manage"):
            return ~Q(object_type__startswith="accounts.")
        return NOTHING

    def bulk_create(self, objs: Iterable[AuditEvent], *args: Any, **kwargs: Any) -> list[AuditEvent]:
        """New rows join the hash chain in the order given (`core.chain.link`)."""
        from .chain import link

        events = list(objs)
        link(events)
        return events

    def _append(self, events: Sequence[AuditEvent]) -> None:
        super().bulk_create(events, batch_size=1000)

    def _maintenance_update(self, **kwargs: Any) -> int:
        """Only for `core.chain.erase_for_demo`, which chains the rows again."""
        return super().update(**kwargs)

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnly("审计日志只能追加，不能修改")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnly("审计日志只能追加，不能删除（过期记录用 manage.py prune_audit 清理）")


class AuditEvent(models.Model):
    """One change: who, when, what object and field, old and new value, and why.

    Written by the service function that makes the change, inside the same transaction (never by
    signals alone), so that commands and imports are logged exactly like page actions.

    A change of one field has `field`, `old_value` and `new_value`. A save of many fields at once (a
    report's values from a form or a workbook) is one row, as django-auditlog keeps one entry per save:
    `field` is empty and `old_value`/`new_value` map each changed field to its old and new value.
    `changes` reads both shapes the same way.
    """

    at = models.DateTimeField(_("时间"), default=timezone.now, editable=False, db_index=True)
    # The account stays named by its id after it is deleted: a row never changes (no SET NULL).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人名称"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=40, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=60)
    object_id = models.CharField(_("对象编号"), max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200)
    field = models.CharField(_("字段"), max_length=80, blank=True)
    old_value = models.JSONField(_("原值"), null=True, blank=True)
    new_value = models.JSONField(_("新值"), null=True, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    # the hash chain (core/chain.py): place, algorithm, the previous row's hash and this row's
    seq = models.PositiveBigIntegerField(_("序号"), unique=True, editable=False)
    algorithm = models.CharField(_("摘要算法"), max_length=10, default="sha256", editable=False)
    prev_hash = models.CharField(_("前一条摘要"), max_length=64, default="", editable=False)
    row_hash = models.CharField(_("本条摘要"), max_length=64, default="", editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly("审计日志只能追加，不能修改")
        type(self).objects.bulk_create([self])
        self._state.adding = False

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly("审计日志只能追加，不能删除")

    @property
    def changes(self) -> list[tuple[str, Any, Any]]:
        """(field, old, new) for every field this event changed, by field name (PostgreSQL's jsonb does not
        keep the order in which keys were written)."""
        if not self.field and isinstance(self.new_value, dict):
            old = self.old_value if isinstance(self.old_value, dict) else {}
            return [(name, old.get(name), self.new_value[name]) for name in sorted(self.new_value)]
        return [(self.field, self.old_value, self.new_value)]


class AuditChainHeadQuerySet(RestrictedQuerySet["AuditChainHead"]):
    def scope(self, user: AbstractBaseUser, action: str) -> Q | None:
        """The auditor reads the head (its hash, to note outside the system); nobody changes it."""
        return EVERYTHING if action == VIEW and may(user, "audit.read") else NOTHING


class AuditChainHead(models.Model):
    """The one row at the head of the audit chain: the last row's number and hash, locked by every
    append, and the anchor where pruning cut the chain (the last row removed)."""

    seq = models.PositiveBigIntegerField(default=0)
    row_hash = models.CharField(max_length=64, default="0" * 64)
    anchor_seq = models.PositiveBigIntegerField(default=0)
    anchor_hash = models.CharField(max_length=64, default="0" * 64)
    anchor_at = models.DateTimeField(null=True, blank=True)

    objects = AuditChainHeadQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return "审计日志链"
