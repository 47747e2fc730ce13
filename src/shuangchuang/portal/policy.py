"""The portal is public: what it shows is decided by what is published, not by who asks. Marking an
indicator public is the national office's act."""

from __future__ import annotations

from shuangchuang.accounts.models import Role
from shuangchuang.core.policy import grant

grant("portal.mark_public", [Role.NATIONAL_ADMIN])
