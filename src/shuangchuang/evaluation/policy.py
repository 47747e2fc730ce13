"""The rules of performance evaluation. Which runs and results a user reaches is the scope of
`models.EvaluationRun` and `models.RunResult`; here is what a role may do."""

from __future__ import annotations

from shuangchuang.accounts.models import Role, User
from shuangchuang.core.policy import CHANGE, grant, in_scope, may, rule

from .models import EvaluationScheme

# Prepare the default schemes of a year (one per direction, from the catalogue).
grant("evaluation.scheme.create", [Role.NATIONAL_ADMIN])

# The sensitivity analysis (which method choices move the ranking) is for those who judge the method,
# not for a base reading its own result.
grant(
    "evaluation.sensitivity.read",
    [r for r in Role if r not in (Role.OPERATOR, Role.SECURITY_ADMIN)],
)


@rule("evaluation.run.start")
def run_start(user: User, scheme: EvaluationScheme | None = None) -> bool:
    """The national office starts a run of a scheme it may change."""
    if not may(user, "program.manage"):
        return False
    return scheme is None or in_scope(user, CHANGE, scheme)
