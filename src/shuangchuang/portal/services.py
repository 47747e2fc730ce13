"""The portal's writes: the national office marks an indicator public (its per-base approved values may then
appear on the bases' public pages) or takes the mark back. Audited in the same transaction."""

from __future__ import annotations

from django.db import transaction

from shuangchuang.accounts.models import User
from shuangchuang.core.audit import record
from shuangchuang.core.policy import require
from shuangchuang.monitoring.models import Indicator

from .models import PublicIndicator


@transaction.atomic
def mark_public(indicator: Indicator, *, actor: User | None, note: str = "") -> PublicIndicator:
    """Mark `indicator` public (idempotent). `actor` None: the system (the demo set-up)."""
    if actor is not None:
        require(actor, "portal.mark_public")
    flag, created = PublicIndicator.objects.get_or_create(
        indicator=indicator, defaults={"note": note, "marked_by": actor}
    )
    if created:
        record(actor, "portal.mark_public", flag, field="public", old=False, new=True, reason=note)
    return flag


@transaction.atomic
def unmark_public(indicator: Indicator, *, actor: User) -> None:
    require(actor, "portal.mark_public")
    flag = PublicIndicator.objects.filter(indicator=indicator).first()
    if flag is not None:
        record(actor, "portal.unmark_public", flag, field="public", old=True, new=False)
        flag.delete()
