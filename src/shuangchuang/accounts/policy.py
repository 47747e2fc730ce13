"""What each role may do regardless of any object: the rules that depend on the role alone.

Rules that depend on an object or its state live with the app that owns the object (`<app>/policy.py`);
all of them are asked through `shuangchuang.core.policy.may`.
"""

from __future__ import annotations

from shuangchuang.core.policy import grant

from .models import Role

# 三员分立: the security administrator manages accounts and reads no program data; the auditor reads the
# audit log (and, read only, the program); the national administrator runs the program.
PROGRAM_ROLES = [r for r in Role if r != Role.SECURITY_ADMIN]

grant("program.read", PROGRAM_ROLES)
grant("audit.read", [Role.AUDITOR])
grant("accounts.manage", [Role.SECURITY_ADMIN])
