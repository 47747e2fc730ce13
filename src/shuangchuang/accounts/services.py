"""Every change to an account, each with its audit row in the same transaction.

Who may do what is asked of the access policy (`accounts/policy.py`, through `core.policy.require`):
三员分立 lives there, these functions carry it out. The admin (`accounts/admin.py`), the pages
(`accounts/views.py`) and the commands call these and nothing else to change an account.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from shuangchuang.core.audit import record
from shuangchuang.core.masking import mask_email, mask_phone
from shuangchuang.core.policy import may, require

from .models import CONFIRMED_ROLES, GrantState, Role, RoleGrant, User
from .passwords import initial_password

# Roles that reach the Django admin (the site checks the role; is_staff only mirrors it).
STAFF_ROLES = frozenset({Role.NATIONAL_ADMIN, Role.SECURITY_ADMIN})

# What the audit log keeps of an account (contact data masked: the log is read and exported by others).
AUDITED_FIELDS = (
    "username",
    "last_name",
    "first_name",
    "email",
    "phone",
    "organization",
    "role",
    "authority",
    "base",
    "is_active",
)
MASKED = {"email": mask_email, "phone": mask_phone}


class AccountError(Exception):
    """A change the rules do not allow, with a message for the person who asked."""


def audit_value(user: User, name: str) -> Any:
    value = getattr(user, name)
    if name in MASKED:
        return MASKED[name](value)
    if isinstance(value, bool | int | str) or value is None:
        return value
    return str(value)


def audit_values(user: User) -> dict[str, Any]:
    return {name: audit_value(user, name) for name in AUDITED_FIELDS}


def _set_initial_password(user: User) -> str:
    password = initial_password()
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    return password


def _apply_role(user: User, role: str, authority_id: int | None) -> None:
    user.role = role
    user.authority_id = authority_id if role == Role.AUTHORITY else None
    if role != Role.OPERATOR:
        user.base = None
    user.is_staff = role in STAFF_ROLES


# Creating and changing accounts (the security administrator)


@transaction.atomic
def create_account(
    actor: User, user: User, assigned_bases: Iterable[Any] = ()
) -> tuple[str | None, RoleGrant | None]:
    """Save a new account built by a form. Returns its initial password (shown once to the security
    administrator) and, for a role outside the security administrator's grant list, the pending grant:
    such an account stays inactive and gets its password when a national administrator confirms it."""
    require(actor, "accounts.create")
    user.is_superuser = False
    user.is_staff = user.role in STAFF_ROLES
    needs_confirmation = user.role in CONFIRMED_ROLES
    password = None
    if needs_confirmation:
        user.is_active = False
        user.set_unusable_password()
    else:
        password = _set_initial_password(user)
    user.save()
    if assigned_bases:
        user.assigned_bases.set(assigned_bases)
    record(actor, "accounts.create", user, new=audit_values(user))
    grant = None
    if needs_confirmation:
        grant = _request_grant(actor, user, user.role, user.authority_id, new_account=True)
    return password, grant


@transaction.atomic
def save_account_changes(actor: User, user: User) -> RoleGrant | None:
    """Save the changes a form made to `user`, each in the audit log with its old and new value.

    A role outside the security administrator's grant list (or another authority for an authority
    account) is not given here: the account keeps its role and a grant waits for a national
    administrator. Returns that grant, if any."""
    require(actor, "accounts.change", user)
    before = User.objects.select_for_update().get(pk=user.pk)
    grant = None
    widened = user.role != before.role or (
        user.role == Role.AUTHORITY and user.authority_id != before.authority_id
    )
    if widened and not may_grant_alone(actor, user.role):
        grant = _request_grant(actor, user, user.role, user.authority_id, new_account=False)
        _apply_role(user, before.role, before.authority_id)
        user.base_id = before.base_id
    elif widened:
        _apply_role(user, user.role, user.authority_id)
        _withdraw_pending(actor, user)
    pending_new = RoleGrant.objects.filter(user=user, state=GrantState.PENDING, new_account=True).exists()
    if pending_new and user.is_active:
        raise AccountError("该账户的授权尚待国家管理员确认，确认前不能启用。")
    if before.is_active and not user.is_active:
        user.disabled_as_unused_at = None
    if user.pk == actor.pk and (user.role != before.role or user.is_active != before.is_active):
        raise AccountError("不能修改自己账户的角色或状态，请由另一位安全管理员办理。")
    user.is_superuser = False
    user.save()

    old, new = audit_values(before), audit_values(user)
    changed = [name for name in AUDITED_FIELDS if old[name] != new[name]]
    if "role" in changed:
        record(actor, "accounts.role_change", user, field="role", old=old["role"], new=new["role"])
    if "is_active" in changed:
        action = "accounts.reactivate" if user.is_active else "accounts.deactivate"
        record(actor, action, user, field="is_active", old=old["is_active"], new=new["is_active"])
    rest = [name for name in changed if name not in ("role", "is_active")]
    if rest:
        record(
            actor,
            "accounts.change",
            user,
            old={name: old[name] for name in rest},
            new={name: new[name] for name in rest},
        )
    return grant


def record_assignment_change(actor: User, user: User, before: list[str], after: list[str]) -> None:
    """An evaluator's assigned bases (saved by the admin after the account itself)."""
    if sorted(before) != sorted(after):
        record(actor, "accounts.change", user, field="assigned_bases", old=sorted(before), new=sorted(after))


def may_grant_alone(actor: User, role: str) -> bool:
    return may(actor, "accounts.grant_role", role)


def _withdraw_pending(actor: User, user: User) -> None:
    for grant in RoleGrant.objects.filter(user=user, state=GrantState.PENDING):
        grant.state = GrantState.WITHDRAWN
        grant.decided_by, grant.decided_at = actor, timezone.now()
        grant.save()
        record(
            actor, "accounts.grant_withdrawn", user, field="role", old=grant.old_role or None, new=grant.role
        )


def _request_grant(
    actor: User, user: User, role: str, authority_id: int | None, *, new_account: bool
) -> RoleGrant:
    _withdraw_pending(actor, user)
    old_role = "" if new_account else User.objects.get(pk=user.pk).role
    grant = RoleGrant.objects.create(
        user=user,
        role=role,
        authority_id=authority_id if role == Role.AUTHORITY else None,
        new_account=new_account,
        old_role=old_role,
        requested_by=actor,
    )
    record(actor, "accounts.grant_requested", user, field="role", old=old_role or None, new=role)
    return grant


# The second person: a national administrator confirms or rejects


@transaction.atomic
def confirm_grant(actor: User, grant: RoleGrant) -> str | None:
    """Give the role. An account whose password nobody but the security administrator knows (new, or
    not yet changed by its holder) gets a new initial password here, shown once to the confirming
    national administrator, so that the security administrator cannot sign in as it."""
    grant = RoleGrant.objects.select_for_update().select_related("user").get(pk=grant.pk)
    require(actor, "accounts.confirm_grant", grant)
    user = grant.user
    old_role = None if grant.new_account else user.role
    _apply_role(user, grant.role, grant.authority_id)
    if grant.new_account:
        user.is_active = True
    password = None
    if grant.new_account or not user.has_usable_password() or user.must_change_password:
        password = _set_initial_password(user)
    user.full_clean(exclude=["password"], validate_unique=False)
    user.save()
    grant.state, grant.decided_by, grant.decided_at = GrantState.CONFIRMED, actor, timezone.now()
    grant.save()
    record(actor, "accounts.grant_confirmed", user, field="role", old=old_role, new=grant.role)
    if password:
        record(actor, "accounts.password_issued", user, reason="确认授权时发放初始密码")
    return password


@transaction.atomic
def reject_grant(actor: User, grant: RoleGrant, reason: str) -> None:
    grant = RoleGrant.objects.select_for_update().select_related("user").get(pk=grant.pk)
    require(actor, "accounts.confirm_grant", grant)
    if not reason.strip():
        raise AccountError("请填写驳回的理由。")
    grant.state, grant.decided_by, grant.decided_at = GrantState.REJECTED, actor, timezone.now()
    grant.reason = reason.strip()
    grant.save()
    record(
        actor,
        "accounts.grant_rejected",
        grant.user,
        field="role",
        old=grant.old_role or None,
        new=grant.role,
        reason=grant.reason,
    )


# Passwords


@transaction.atomic
def reset_password(actor: User, user: User) -> str:
    """A new initial password made by the system, shown once to the security administrator; the holder
    changes it at the next sign-in. Never for the national administrators, the auditor or oneself."""
    require(actor, "accounts.set_password", user)
    password = _set_initial_password(user)
    user.save()
    record(actor, "accounts.password_reset", user, reason="安全管理员重置，下次登录须修改")
    return password


@transaction.atomic
def recover_account(user: User) -> str:
    """The server operator's way in for an account nobody in the app may reset (a national
    administrator, the auditor, the last security administrator): a new initial password, the account
    enabled again. `manage.py recover_account`; recorded as the system's act."""
    password = _set_initial_password(user)
    old_active = user.is_active
    user.is_active = True
    user.disabled_as_unused_at = None
    user.save()
    record(None, "accounts.recover", user, field="is_active", old=old_active, new=True, reason="服务器命令")
    return password


@transaction.atomic
def password_changed_by_holder(user: User) -> None:
    """After the holder set a new password of their own (the form has saved it)."""
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["must_change_password", "password_changed_at"])
    record(user, "accounts.password_change", user)


def password_expired(user: User, now: datetime.datetime | None = None) -> bool:
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days:
        return False
    return (now or timezone.now()) - user.password_set_on > datetime.timedelta(days=days)


# Deactivation and deletion


@transaction.atomic
def delete_account(actor: User, user: User) -> None:
    """Only an account that never signed in (made by mistake); others are deactivated, so that their
    history keeps its name. The audit row keeps what the account was."""
    require(actor, "accounts.delete", user)
    record(actor, "accounts.delete", user, old=audit_values(user))
    user.delete()


def unused_since(now: datetime.datetime, days: int) -> datetime.datetime:
    return now - datetime.timedelta(days=days)


def unused_accounts(now: datetime.datetime | None = None, days: int | None = None) -> Any:
    """Active accounts with no sign-in for `days` days (never signed in: counted from their creation)."""
    from django.db.models import Q

    cutoff = unused_since(now or timezone.now(), days or settings.ACCOUNT_UNUSED_DAYS)
    return User.objects.filter(is_active=True).filter(
        Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff)
    )


@transaction.atomic
def disable_unused_accounts(now: datetime.datetime | None = None, days: int | None = None) -> list[User]:
    """Disable every account unused for `days` days; run daily (`manage.py disable_unused_accounts`).
    Running it again the same day changes nothing."""
    now = now or timezone.now()
    days = days or settings.ACCOUNT_UNUSED_DAYS
    disabled = list(unused_accounts(now, days).select_for_update())
    for user in disabled:
        user.is_active = False
        user.disabled_as_unused_at = now
        user.save(update_fields=["is_active", "disabled_as_unused_at"])
        record(
            None,
            "accounts.disable_unused",
            user,
            field="is_active",
            old=True,
            new=False,
            reason=f"{days} 天未登录",
        )
    return disabled


# The second factor


def pending_totp_device(user: User) -> TOTPDevice:
    """The device being enrolled: made once, confirmed by the first code the holder's app shows."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="动态口令", confirmed=False)


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def confirm_enrolment(user: User, token: str) -> tuple[TOTPDevice, list[str]] | None:
    """The holder typed the first code of a new device: confirm it, make recovery codes (shown once).
    None when the code is wrong."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save()
    codes = _new_recovery_codes(user)
    record(user, "accounts.otp_enrol", user)
    return device, codes


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="恢复码")
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def regenerate_recovery_codes(user: User) -> list[str]:
    codes = _new_recovery_codes(user)
    record(user, "accounts.recovery_codes", user)
    return codes


def verify_second_factor(user: User, token: str) -> Any:
    """The device that accepts `token` (a TOTP code, or a recovery code, which is used up), or None.
    Wrong codes count towards the device's own backoff (django-otp) and are in the audit log."""
    token = "".join(token.split())
    for device in devices_for_user(user, confirmed=True):
        if device.verify_token(token):
            if isinstance(device, StaticDevice):
                record(
                    user, "accounts.recovery_code_used", user, reason=f"剩余 {device.token_set.count()} 个"
                )
            return device
    record(user, "accounts.otp_failed", user)
    return None


@transaction.atomic
def remove_own_second_factor(user: User) -> None:
    """Only for roles that may sign in without one (the policy says which)."""
    require(user, "accounts.remove_own_second_factor", user)
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    record(user, "accounts.otp_remove", user)


@transaction.atomic
def reset_second_factor(actor: User, user: User) -> None:
    """The security administrator's act for another account (a lost phone): its devices and recovery
    codes are removed; the holder enrols again after signing in with the password."""
    require(actor, "accounts.reset_second_factor", user)
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    record(actor, "accounts.otp_reset", user)
