"""What each role may do regardless of any object, and the rules of 三员分立 for accounts.

Rules that depend on an object or its state live with the app that owns the object (`<app>/policy.py`);
all of them are asked through `shuangchuang.core.policy.may`.

三员分立 (SECURITY.md): the national administrator is the system administrator (系统管理员) and runs the
program; the security administrator (安全管理员) manages accounts and reads no program data; the auditor
(安全审计员) reads the audit log. One account has one role, so no account combines two of them.
"""

from __future__ import annotations

from typing import Any

from django_otp import user_has_device

from shuangchuang.core.policy import grant, rule

from .models import GRANT_LIST, PASSWORD_PROTECTED_ROLES, SECOND_FACTOR_ROLES, GrantState, Role, User

# 三员分立: the security administrator manages accounts and reads no program data; the auditor reads the
# audit log (and, read only, the program); the national administrator runs the program.
PROGRAM_ROLES = [r for r in Role if r != Role.SECURITY_ADMIN]

grant("program.read", PROGRAM_ROLES)
# Edits the program's own data where no workflow owns it: the catalogue, periods, bases, schemes (the admin).
grant("program.manage", [Role.NATIONAL_ADMIN])
grant("audit.read", [Role.AUDITOR])
grant("accounts.manage", [Role.SECURITY_ADMIN])
# Other packages' admin pages (axes' login records, the task queue): no role of the program uses them.
grant("admin.foreign", [])


def acts_as(user: User, role: str) -> bool:
    """Whether the user acts in this role (a superuser acts as the national administrator)."""
    return user.role == role or (role == Role.NATIONAL_ADMIN and user.is_superuser)


grant("accounts.create", [Role.SECURITY_ADMIN])
# Contact data (phone, e-mail) in full: the security administrator, who manages accounts. Everyone else
# sees it masked (core.masking).
grant("accounts.view_personal_data", [Role.SECURITY_ADMIN])


def _security_admin(user: Any) -> bool:
    return user.role == Role.SECURITY_ADMIN and not user.is_superuser


def _other(user: Any, target: Any) -> bool:
    return target is not None and target.pk != user.pk


@rule("accounts.change")
def change_account(user: Any, target: Any = None) -> bool:
    return _security_admin(user)


@rule("accounts.grant_role")
def grant_role_alone(user: Any, role: Any = None) -> bool:
    """Roles the security administrator gives without a second person: its grant list. Any other role
    waits for a national administrator (accounts.confirm_grant)."""
    return _security_admin(user) and role in GRANT_LIST


@rule("accounts.confirm_grant")
def confirm_grant(user: Any, grant: Any = None) -> bool:
    """A national administrator, who is neither the one who asked nor the account concerned."""
    if user.role != Role.NATIONAL_ADMIN:
        return False
    if grant is None:
        return True
    return grant.state == GrantState.PENDING and user.pk not in (grant.requested_by_id, grant.user_id)


@rule("accounts.set_password")
def set_password(user: Any, target: Any = None) -> bool:
    """The security administrator sets (resets) passwords, but never its own through the admin, never a
    national administrator's or the auditor's, and never one whose second factor it has just reset and
    its holder has not enrolled again (the two resets together would let it sign in as that account)."""
    if not (_security_admin(user) and _other(user, target)):
        return False
    if target.role in PASSWORD_PROTECTED_ROLES or target.is_superuser:
        return False
    return not (target.role in SECOND_FACTOR_ROLES and not user_has_device(target))


@rule("accounts.reset_second_factor")
def reset_second_factor(user: Any, target: Any = None) -> bool:
    """Another account's second factor; not while a password it reset waits for its holder (see above)."""
    if not (_security_admin(user) and _other(user, target)):
        return False
    return not target.must_change_password


@rule("accounts.remove_own_second_factor")
def remove_own_second_factor(user: Any, target: Any = None) -> bool:
    return target is not None and target.pk == user.pk and user.role not in SECOND_FACTOR_ROLES


@rule("accounts.delete")
def delete_account(user: Any, target: Any = None) -> bool:
    """Only accounts that never signed in (made by mistake); the others are deactivated."""
    if not _security_admin(user):
        return False
    return target is None or (_other(user, target) and target.last_login is None)
