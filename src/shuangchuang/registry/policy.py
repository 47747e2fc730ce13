"""The registry's rules. Which bases a user reaches is `models.BaseQuerySet.scope`; here is what a role may
do with them."""

from __future__ import annotations

from shuangchuang.accounts.models import Role
from shuangchuang.core.policy import grant

# Import bases of other batches (the page, its template, `manage.py import_bases --user`).
grant("registry.import", [Role.NATIONAL_ADMIN])
