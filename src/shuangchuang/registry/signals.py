"""A base's ``updated_at`` is the version of everything its row in a list shows (``core.fragments``).

The row shows the base's own fields and the labels of its batch, direction, province and audit authority;
when one of those is edited (the admin, a registry reload), the bases that show it are marked changed too,
so that no list keeps a row with the old label.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import post_save
from django.utils import timezone

from .models import Authority, Base, Batch, Direction, Province

SHOWN_ON_A_BASE_ROW: dict[type[models.Model], str] = {
    Batch: "batch",
    Direction: "direction",
    Province: "province",
    Authority: "authority",
}


def _touch_bases(sender: type[models.Model], instance: Any, created: bool = False, **kwargs: Any) -> None:
    if created or kwargs.get("raw"):
        return  # nothing shows a new one yet; fixtures load as they are
    Base.objects.filter(**{SHOWN_ON_A_BASE_ROW[sender]: instance}).update(updated_at=timezone.now())


def connect() -> None:
    for model in SHOWN_ON_A_BASE_ROW:
        post_save.connect(_touch_bases, sender=model, dispatch_uid=f"touch-bases-{model.__name__}")
