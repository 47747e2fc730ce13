"""What each role may do regardless of any object: the rules that depend on the role alone.

Rules that depend on an object or its state live with the app that owns the object (`<app>/policy.py`);
all of them are asked through `shuangchuang.core.policy.may`. The rules about accounts themselves
(`accounts.*`: who manages which account, 三员分立) belong here too, and only here.
"""

from __future__ import annotations

from shuangchuang.core.policy import grant

from .models import Role, User

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
