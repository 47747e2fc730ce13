"""Who sees which dashboard. What a dashboard counts is the user's scope of bases and reports: the national
office and the joint conference see the program, an authority its own bases."""

from __future__ import annotations

from shuangchuang.accounts.models import Role
from shuangchuang.core.policy import grant

# The program's dashboard (national office, joint-conference members) and an authority's own.
grant("dashboards.view", [Role.NATIONAL_ADMIN, Role.JOINT_MEMBER, Role.AUTHORITY])
# The annual report of the program (a PDF made in the background).
grant("dashboards.annual_report", [Role.NATIONAL_ADMIN, Role.JOINT_MEMBER])
