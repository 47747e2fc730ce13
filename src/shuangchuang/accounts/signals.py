"""Sign-in, failed sign-in and sign-out in the audit log, with the source address.

Django sends these signals from `login`, `authenticate` and `logout` whichever page or command calls
them, so the audit rows cannot be forgotten by a new way in. A failed sign-in records the user name as
typed, never whether such an account exists.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from shuangchuang.core.audit import record

from .middleware import LAST_ACTIVITY, SIGNED_IN_AT
from .models import User
from .throttle import source_address

# Why a session ended, when it was not the holder's click (set on the request by the middleware).
LOGOUT_REASONS = {"idle": "长时间未操作，自动退出", "expired": "超过会话最长时间，自动退出"}


@receiver(user_logged_in)
def signed_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_ACTIVITY] = now
    record(user, "accounts.login", user, field="source_address", new=source_address(request))


@receiver(user_login_failed)
def sign_in_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    locked = request is not None and getattr(request, "axes_locked_out", False)
    record_failed_sign_in(request, credentials.get("username"), "账户在该地址已锁定" if locked else "")


def record_failed_sign_in(request: Any, username: Any, reason: str = "") -> None:
    attempted = User(username=str(username or "")[:150])  # never saved: what was typed, not an account
    record(
        None,
        "accounts.login_failed",
        attempted,
        field="source_address",
        new=source_address(request),
        reason=reason,
    )


@receiver(user_logged_out)
def signed_out(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is None:
        return
    reason = LOGOUT_REASONS.get(getattr(request, "logout_reason", ""), "")
    record(user, "accounts.logout", user, field="source_address", new=source_address(request), reason=reason)


def second_factor_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A device saved or deleted: the account's `has_second_factor` follows its confirmed devices."""
    from django_otp import user_has_device

    user_id = getattr(instance, "user_id", None)
    if user_id is None or kwargs.get("raw"):
        return
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        User.objects.filter(pk=user_id).update(has_second_factor=user_has_device(user, confirmed=True))


def connect_devices() -> None:
    """Every django-otp device model (TOTP, recovery codes, any added later) keeps the flag."""
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save
    from django_otp.models import Device

    for model in apps.get_models():
        if issubclass(model, Device):
            post_save.connect(
                second_factor_changed, sender=model, dispatch_uid=f"2fa-save-{model._meta.label}"
            )
            post_delete.connect(
                second_factor_changed, sender=model, dispatch_uid=f"2fa-del-{model._meta.label}"
            )
