"""The audit log shared by every part of the platform."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .policy import EVERYTHING, NOTHING, VIEW, RestrictedQuerySet, may


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


class AuditEvent(models.Model):
    """One change: who, when, what object and field, old and new value, and why.

    Written by the service function that makes the change, inside the same transaction (never by
    signals alone), so that commands and imports are logged exactly like page actions.

    A change of one field has `field`, `old_value` and `new_value`. A save of many fields at once (a
    report's values from a form or a workbook) is one row, as django-auditlog keeps one entry per save:
    `field` is empty and `old_value`/`new_value` map each changed field to its old and new value.
    `changes` reads both shapes the same way.
    """

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
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

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    @property
    def changes(self) -> list[tuple[str, Any, Any]]:
        """(field, old, new) for every field this event changed, by field name (PostgreSQL's jsonb does not
        keep the order in which keys were written)."""
        if not self.field and isinstance(self.new_value, dict):
            old = self.old_value if isinstance(self.old_value, dict) else {}
            return [(name, old.get(name), self.new_value[name]) for name in sorted(self.new_value)]
        return [(self.field, self.old_value, self.new_value)]
