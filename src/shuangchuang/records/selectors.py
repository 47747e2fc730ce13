"""Reads of a base's work records that depend on who asks, and the one read that asks nobody:
`published_experiences()`, for the public portal."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from shuangchuang.accounts.models import Role, User
from shuangchuang.core.policy import CHANGE, REVIEW
from shuangchuang.monitoring.models import Report, ReportState, ReportValue
from shuangchuang.registry.models import Base

from .models import (
    OPEN_STATES,
    Experience,
    ExperienceQuerySet,
    ExperienceState,
    Problem,
    ProblemState,
    SupportPolicy,
)
from .search import RankedExperiences, search

# The indicator of the catalogue that counts the support policies issued in a period (出台支持政策数).
POLICIES_INDICATOR = "POLICIES_ISSUED"
APPROVED_STATES = (ReportState.APPROVED, ReportState.LOCKED)


def published_experiences(
    query: str = "", *, theme: str = "", direction: str = "", base_kind: str = "", batch: int | None = None
) -> ExperienceQuerySet | RankedExperiences:
    """The experiences the national office has published, for anyone — the public portal's selector.

    Without `query`: a queryset, latest first (filter or paginate it further). With `query`: the results
    ranked by relevance (jieba words, see `search.py`), a sequence whose slices fetch their experiences
    (`Paginator` takes either). `theme` is an `ExperienceTheme` value, `direction` a
    `Direction.code`, `base_kind` a `BaseKind` value (区域, 高校 …), `batch` the number of a promoted batch (第N批). Nothing unpublished is ever returned;
    contact details are part of a published write-up (the base gave them for publication).
    """
    experiences = Experience.objects.published().listed()
    if base_kind:
        experiences = experiences.filter(base_kind=base_kind)
    if theme:
        experiences = experiences.filter(theme=theme)
    if direction:
        experiences = experiences.filter(direction__code=direction)
    if batch:
        experiences = experiences.filter(batch__number=batch)
    if query.strip():
        return search(experiences, query)
    return experiences


def visible_experiences(
    user: User,
    query: str = "",
    state: str = "",
    *,
    theme: str = "",
    direction: str = "",
    base_kind: str = "",
    batch: int | None = None,
) -> QuerySet[Experience] | RankedExperiences:
    """The experiences the user reaches in a state (published by default), of a theme, a direction (its
    code), a kind of base and a batch when given, searched when asked."""
    experiences = Experience.objects.restrict(user).listed().filter(state=state or ExperienceState.PUBLISHED)
    if theme:
        experiences = experiences.filter(theme=theme)
    if direction:
        experiences = experiences.filter(direction__code=direction)
    if base_kind:
        experiences = experiences.filter(base_kind=base_kind)
    if batch:
        experiences = experiences.filter(batch__number=batch)
    if query.strip():
        return search(experiences, query)
    return experiences


@dataclass(frozen=True)
class PolicyCheck:
    """The reported 出台支持政策数 of one approved report beside the policies registered in its period."""

    base: Base
    report: Report
    reported: Decimal | None
    registered: int

    @property
    def mismatch(self) -> bool:
        return self.reported is None or self.reported != self.registered


def _policy_counts(user: User, bases: QuerySet[Base] | None) -> list[tuple[int, Decimal | None, int]]:
    """(report id, number reported, policies registered in the report's period) for each approved report
    the user sees (of `bases`) that carries the indicator, by base code and latest period first. Plain rows:
    the authority's home page counts the mismatches of every report it reaches."""
    reports = Report.objects.restrict(user).filter(state__in=APPROVED_STATES)
    if bases is not None:
        reports = reports.filter(base__in=bases)
    values = {
        report_id: number
        for report_id, number in ReportValue.objects.filter(
            report__in=reports, indicator__code=POLICIES_INDICATOR
        ).values_list("report_id", "number")
    }
    rows = [
        row
        for row in reports.order_by("base__code", "-period__starts_on").values_list(
            "pk", "base_id", "period__starts_on", "period__ends_on"
        )
        if row[0] in values
    ]
    issued: dict[int, list[dt.date]] = defaultdict(list)
    through = SupportPolicy.bases.through.objects.filter(base_id__in={row[1] for row in rows})
    for base_id, issued_on in through.values_list("base_id", "supportpolicy__issued_on"):
        issued[base_id].append(issued_on)
    return [
        (report_id, values[report_id], sum(starts <= d <= ends for d in issued[base_id]))
        for report_id, base_id, starts, ends in rows
    ]


def policy_checks(
    user: User, bases: QuerySet[Base] | None = None, limit: int | None = None
) -> list[PolicyCheck]:
    """For each approved report the user sees (of `bases`, when given) that carries the indicator: the
    reported number beside the count of registered policies issued in the report's period covering the base.
    Approved data only: a draft or returned report is never compared. `limit`: the first so many only."""
    counts = _policy_counts(user, bases)[:limit]
    reports = Report.objects.listed().in_bulk([report_id for report_id, _, _ in counts])
    return [
        PolicyCheck(
            base=reports[report_id].base, report=reports[report_id], reported=reported, registered=registered
        )
        for report_id, reported, registered in counts
    ]


def policy_mismatches(user: User) -> int:
    """How many of the approved reports the user sees give another number than the policies registered."""
    return sum(
        reported is None or reported != registered for _, reported, registered in _policy_counts(user, None)
    )


def problem_counts(user: User, today: dt.date | None = None) -> dict[str, int]:
    """Open and overdue problems the user sees."""
    today = today or timezone.localdate()
    return Problem.objects.restrict(user).aggregate(
        open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        overdue=Count("pk", filter=Q(state__in=OPEN_STATES, due_on__lt=today)),
    )


def overdue_by_authority(user: User, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The national view: overdue problems per authority, most first."""
    return [
        dict(row)
        for row in Problem.objects.restrict(user)
        .overdue(today)
        .values("base__authority__short_name", "base__authority_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "base__authority__short_name")
    ]


def base_records(user: User, base: Base) -> dict[str, Any]:
    """What the base page shows of the base's work records, each read through its own scope."""
    policies = SupportPolicy.objects.restrict(user).filter(bases=base)
    problems = Problem.objects.restrict(user).filter(base=base)
    experiences = Experience.objects.restrict(user).filter(base=base).select_related("batch")
    checks = policy_checks(user, Base.objects.filter(pk=base.pk), limit=4)
    return {
        "policy_count": policies.count(),
        "policies": list(policies[:5]),
        "open_problems": list(problems.filter(state__in=OPEN_STATES).order_by("due_on")[:8]),
        "problem_total": problems.count(),
        "experiences": list(experiences[:6]),
        "policy_checks": checks,
        "today": timezone.localdate(),
    }


def records_tasks(user: User) -> list[dict[str, Any]]:
    """What waits for the user in the work records (the home page's to-do list): problems it holds,
    overdue ones, resolutions to confirm, experiences to review or publish."""
    from django.urls import reverse
    from django.utils.translation import gettext

    from .policy import problem_states_handled_by

    tasks: list[dict[str, Any]] = []
    problems = Problem.objects.restrict(user, REVIEW if user.role != Role.OPERATOR else CHANGE)
    holding = [s for s in problem_states_handled_by(user) if s != ProblemState.RESOLVED]
    if holding:
        if user.role == Role.JOINT_MEMBER:
            mine = problems.filter(state=ProblemState.REFERRED)
        else:
            mine = problems.filter(state__in=holding)
        counts = mine.aggregate(n=Count("pk"), late=Count("pk", filter=Q(due_on__lt=timezone.localdate())))
        url = reverse("records:problem_list")
        if counts["n"]:
            tasks.append({"label": gettext("待办问题"), "url": f"{url}?open=1", "count": counts["n"]})
        if counts["late"]:
            tasks.append({"label": gettext("逾期问题"), "url": f"{url}?overdue=1", "count": counts["late"]})
    if user.role == Role.OPERATOR:
        n = problems.filter(state=ProblemState.RESOLVED).count()
        if n:
            url = reverse("records:problem_list") + f"?state={ProblemState.RESOLVED}"
            tasks.append({"label": gettext("待确认的办理结果"), "url": url, "count": n})
    if user.role == Role.AUTHORITY:
        mismatches = policy_mismatches(user)
        if mismatches:
            url = reverse("records:policy_check")
            tasks.append({"label": gettext("政策数不一致"), "url": url, "count": mismatches})
    waiting = {Role.AUTHORITY: ExperienceState.SUBMITTED, Role.NATIONAL_ADMIN: ExperienceState.REVIEWED}.get(
        Role(user.role)
    )
    if waiting:
        n = Experience.objects.restrict(user, REVIEW).filter(state=waiting).count()
        if n:
            url = reverse("records:experience_list") + f"?state={waiting}"
            tasks.append(
                {
                    "label": gettext("待审核的经验")
                    if waiting == ExperienceState.SUBMITTED
                    else gettext("待发布的经验"),
                    "url": url,
                    "count": n,
                }
            )
    return tasks
