"""Writing audit events. Call from inside the service's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from .models import AuditEvent


def _actor_name(actor: Any) -> str:
    if actor is None:
        return "系统"
    return actor.get_full_name() or actor.get_username()


def audit_event(
    actor: Any,
    action: str,
    obj: models.Model,
    *,
    field: str = "",
    old: Any = None,
    new: Any = None,
    reason: str = "",
) -> AuditEvent:
    return AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=_actor_name(actor),
        action=action,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        field=field,
        old_value=old,
        new_value=new,
        reason=reason,
    )


def record(actor: Any, action: str, obj: models.Model, **kwargs: Any) -> AuditEvent:
    event = audit_event(actor, action, obj, **kwargs)
    event.save()
    return event


def record_many(events: Iterable[AuditEvent]) -> None:
    AuditEvent.objects.bulk_create(list(events), batch_size=1000)
