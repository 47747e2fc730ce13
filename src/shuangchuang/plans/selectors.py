"""The read API of plans for other apps (assessment, dashboards, the base page in `site`).

- `approved_plan(base)`: the version in force (state approved), or None. Not scoped: the caller has
  already fetched the base through its own scope.
- `goal_progress(plan, year)`: one `GoalProgress` per goal of the plan: the year's target, the actual value
  (from APPROVED monitoring data for goals linked to an indicator — draft, submitted, returned or reviewed
  reports never count —, from the base's own report with evidence otherwise), the straight-line trajectory
  value and a status (achieved / on track / behind / no data).
- `goal_series(plan)`: the same for every year of the construction period, for the chart.
- `staff_check(base)`: the roster's count against the reported 专职工作人员数 of the latest approved report.

The straight line runs from the baseline at the end of the year before the construction period to the final
target (the target of the last year). A goal is **achieved** once the actual value reaches the final target,
**on track** while it is at least on the line for its year, **behind** otherwise (all reversed for goals
where smaller is better).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shuangchuang.core.fragments import computed, tables_state
from shuangchuang.core.policy import Someone
from shuangchuang.monitoring.models import PeriodKind, Report, ReportingPeriod, ReportState, ReportValue
from shuangchuang.registry.models import Base

from .models import Goal, GoalReport, Plan, PlanState, StaffMember, Trend

# What counts as reported data: the national office approved it (and maybe locked it since).
APPROVED_REPORT_STATES = (ReportState.APPROVED, ReportState.LOCKED)
STAFF_INDICATOR = "FULLTIME_STAFF"


class Status(enum.StrEnum):
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    NO_DATA = "no_data"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def css(self) -> str:
        return {"achieved": "success", "on_track": "info", "behind": "danger", "no_data": "secondary"}[self]


STATUS_LABELS = {
    Status.ACHIEVED: _("已达成"),
    Status.ON_TRACK: _("进度正常"),
    Status.BEHIND: _("进度滞后"),
    Status.NO_DATA: _("暂无数据"),
}


def approved_plan(base: Base) -> Plan | None:
    """The base's plan in force, with its goals, targets and tasks prefetched; None without one."""
    return (
        Plan.objects.filter(base=base, state=PlanState.APPROVED)
        .prefetch_related("goals__targets", "goals__indicator", "tasks__milestones")
        .first()
    )


def plan_versions(user: Someone, base: Base) -> QuerySet[Plan]:
    """Every version of the base's plan the user may read, newest first."""
    return Plan.objects.restrict(user).filter(base=base).order_by("-version")


def trajectory(baseline: Decimal, final: Decimal, start_year: int, end_year: int, year: int) -> Decimal:
    """The straight line's value at the end of `year`: baseline at the end of `start_year - 1`, the final
    target at the end of `end_year`."""
    span = end_year - start_year + 1
    elapsed = min(max(year - start_year + 1, 0), span)
    return baseline + (final - baseline) * Decimal(elapsed) / Decimal(span)


def status_of(actual: Decimal | None, expected: Decimal, final: Decimal, trend: str) -> Status:
    if actual is None:
        return Status.NO_DATA
    if trend == Trend.DECREASE:
        actual, expected, final = -actual, -expected, -final
    if actual >= final:
        return Status.ACHIEVED
    if actual >= expected:
        return Status.ON_TRACK
    return Status.BEHIND


@dataclass
class YearPoint:
    year: int
    target: Decimal | None
    expected: Decimal
    actual: Decimal | None
    status: Status
    report: GoalReport | None = None


@dataclass
class GoalProgress:
    goal: Goal
    year: int
    target: Decimal | None
    final_target: Decimal
    expected: Decimal
    actual: Decimal | None
    status: Status
    source: str  # "monitoring" or "hand"
    report: GoalReport | None = None
    series: list[YearPoint] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return self.status.label


def _targets(goal: Goal) -> dict[int, Decimal]:
    return {t.year: t.value for t in goal.targets.all()}


def _final(goal: Goal, targets: dict[int, Decimal]) -> Decimal:
    return targets[max(targets)] if targets else goal.baseline


def monitored_actuals(plan: Plan, goals: Iterable[Goal]) -> dict[tuple[int, int], Decimal]:
    """(indicator id, year) → the value in the base's approved annual report of that year."""
    indicators = {g.indicator_id for g in goals if g.indicator_id}
    if not indicators:
        return {}
    rows = ReportValue.objects.filter(
        report__base_id=plan.base_id,
        report__period__kind=PeriodKind.ANNUAL,
        report__period__year__range=(plan.start_year, plan.end_year),
        report__state__in=APPROVED_REPORT_STATES,
        indicator_id__in=indicators,
        number__isnull=False,
    ).values_list("indicator_id", "report__period__year", "number")
    return {(indicator, year): number for indicator, year, number in rows}


def hand_results(plan: Plan, goals: Iterable[Goal]) -> dict[tuple[str, int], GoalReport]:
    """(goal key, year) → the base's own report of a goal no indicator measures, from whichever version of
    the plan it was made under (the latest one wins)."""
    keys = [g.key for g in goals if not g.indicator_id]
    if not keys:
        return {}
    reports = (
        GoalReport.objects.filter(goal__plan__base_id=plan.base_id, goal__key__in=keys)
        .select_related("goal", "evidence")
        .order_by("goal__plan__version", "reported_at")
    )
    return {(r.goal.key, r.year): r for r in reports}


def goal_series(plan: Plan) -> list[GoalProgress]:
    """Every goal of the plan with a point per year of the construction period; the headline of each is
    the latest year with an actual value (or the first year without any)."""
    goals = list(plan.goals.select_related("indicator").prefetch_related("targets"))
    monitored = monitored_actuals(plan, goals)
    hand = hand_results(plan, goals)
    result = []
    for goal in goals:
        targets = _targets(goal)
        final = _final(goal, targets)
        points = []
        for year in plan.years:
            expected = trajectory(goal.baseline, final, plan.start_year, plan.end_year, year)
            report = None if goal.indicator_id else hand.get((goal.key, year))
            if goal.indicator_id:
                actual = monitored.get((goal.indicator_id, year))
            else:
                actual = report.value if report else None
            points.append(
                YearPoint(
                    year,
                    targets.get(year),
                    expected,
                    actual,
                    status_of(actual, expected, final, goal.trend),
                    report,
                )
            )
        with_data = [p for p in points if p.actual is not None]
        head = with_data[-1] if with_data else points[0]
        result.append(
            GoalProgress(
                goal=goal,
                year=head.year,
                target=head.target,
                final_target=final,
                expected=head.expected,
                actual=head.actual,
                status=head.status,
                source="monitoring" if goal.indicator_id else "hand",
                report=head.report,
                series=points,
            )
        )
    return result


def goal_progress(plan: Plan, year: int) -> list[GoalProgress]:
    """Target vs actual per goal for one year (see the module's doc for what counts and the statuses)."""
    goals = list(plan.goals.select_related("indicator").prefetch_related("targets"))
    monitored = monitored_actuals(plan, goals)
    hand = hand_results(plan, goals)
    result = []
    for goal in goals:
        targets = _targets(goal)
        final = _final(goal, targets)
        expected = trajectory(goal.baseline, final, plan.start_year, plan.end_year, year)
        report = None if goal.indicator_id else hand.get((goal.key, year))
        if goal.indicator_id:
            actual = monitored.get((goal.indicator_id, year))
        else:
            actual = report.value if report else None
        result.append(
            GoalProgress(
                goal=goal,
                year=year,
                target=targets.get(year),
                final_target=final,
                expected=expected,
                actual=actual,
                status=status_of(actual, expected, final, goal.trend),
                source="monitoring" if goal.indicator_id else "hand",
                report=report,
            )
        )
    return result


@dataclass
class StaffCheck:
    base: Base
    roster: int  # on the roster on the last day of the report's period (today without a report)
    reported: Decimal | None
    period_label: str

    @property
    def mismatch(self) -> bool:
        return self.reported is not None and Decimal(self.roster) != self.reported


def _rosters(base_ids: list[int]) -> dict[int, tuple[int, Decimal | None, ReportingPeriod | None]]:
    """Per base: (roster count, 专职工作人员数 reported, the report's period) — the roster counted on the last
    day of the base's latest approved report's period (today without one). Read as plain rows: the home
    page asks this of every base a reviewer reaches."""
    # each base's latest value, picked here from plain ids (the periods are a handful, read once): on
    # SQLite, numbering or sorting the rows in the database, or converting every row's number and date,
    # costs more than reading the ids once and then the numbers of the chosen values only
    candidates = list(
        ReportValue.objects.filter(
            report__base_id__in=base_ids,
            report__state__in=APPROVED_REPORT_STATES,
            indicator__code=STAFF_INDICATOR,
            number__isnull=False,
        )
        .order_by()
        .values_list("report__base_id", "report__period_id", "pk")
    )
    periods = ReportingPeriod.objects.in_bulk({period_id for _, period_id, _ in candidates})
    recency = {pk: (period.ends_on, period.kind) for pk, period in periods.items()}
    newest: dict[int, tuple[int, int]] = {}
    for base_id, period_id, value_id in candidates:
        if base_id not in newest or recency[period_id] > recency[newest[base_id][0]]:
            newest[base_id] = (period_id, value_id)
    numbers = dict(
        ReportValue.objects.filter(pk__in=[value_id for _, value_id in newest.values()])
        .order_by()
        .values_list("pk", "number")
    )
    latest = {base_id: (numbers[value_id], period_id) for base_id, (period_id, value_id) in newest.items()}
    staff: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for base_id, since, until in (
        StaffMember.objects.filter(base_id__in=base_ids).order_by().values_list("base_id", "since", "until")
    ):
        staff[base_id].append((since, until))
    today = timezone.localdate()
    result = {}
    for base_id in base_ids:
        found = latest.get(base_id)
        period = periods[found[1]] if found else None
        day = period.ends_on if period else today
        roster = sum(1 for since, until in staff[base_id] if since <= day and (until is None or until > day))
        result[base_id] = (roster, found[0] if found else None, period)
    return result


def staff_checks(bases: Iterable[Base]) -> list[StaffCheck]:
    """For each base: the roster's count on the last day of its latest approved report's period, against
    the 专职工作人员数 that report gave."""
    bases = list(bases)
    rosters = _rosters([base.pk for base in bases])
    checks = []
    for base in bases:
        roster, reported, period = rosters[base.pk]
        checks.append(StaffCheck(base, roster, reported, period.label if period else ""))
    return checks


def staff_mismatches(bases: QuerySet[Base]) -> int:
    """How many of the bases have a roster that does not match their latest approved report. Worked out
    once per state of what it reads (core.fragments.computed): the home page of every reviewer asks it of
    every base they reach, and bases, rosters and reports change far less often than home is read."""
    sql, params = bases.values("pk").query.sql_with_params()  # which bases: the reader's scope
    # the day: without an approved report, a base's roster is counted today
    version = (sql, params, tables_state(Base, Report, StaffMember), timezone.localdate())
    return computed(
        "plans.staff_mismatches", version, lambda: _count_mismatches(list(bases.values_list("pk", flat=True)))
    )


def _count_mismatches(base_ids: list[int]) -> int:
    rosters = _rosters(base_ids)
    return sum(
        1 for roster, reported, _ in rosters.values() if reported is not None and Decimal(roster) != reported
    )


def staff_check(base: Base) -> StaffCheck:
    return staff_checks([base])[0]


def base_panel(user: Someone, base: Base) -> dict[str, object]:
    """What the base's page (`site:base_detail`) shows of plans and organisation, read through the user's
    scope: the plan in force with each goal's headline, the version under work, task counts, the
    organisation and the staff check."""
    from .models import Mechanism, Organisation, TaskProgress, TaskStatus

    versions = list(
        plan_versions(user, base).only("pk", "state", "version", "title", "start_year", "end_year", "base_id")
    )
    current = next((p for p in versions if p.state == PlanState.APPROVED), None)
    under_work = next(
        (p for p in versions if p.state in (PlanState.DRAFT, PlanState.SUBMITTED, PlanState.RETURNED)), None
    )
    panel: dict[str, object] = {"current": current, "under_work": under_work}
    if current is not None:
        panel["goals"] = goal_series(current)
        done = TaskProgress.objects.filter(
            task__plan__base=base, task__key=OuterRef("key"), status=TaskStatus.DONE
        )
        tasks = list(current.tasks.annotate(done=Exists(done)).values_list("done", flat=True))
        panel["tasks_total"], panel["tasks_done"] = len(tasks), sum(tasks)
    panel["organisation"] = Organisation.objects.restrict(user).filter(base=base).first()
    counts = (
        Mechanism.objects.restrict(user)
        .filter(base=base)
        .aggregate(mechanisms=Count("pk", distinct=True), meetings=Count("meetings"))
    )
    panel["mechanisms"], panel["meetings"] = counts["mechanisms"], counts["meetings"]
    panel["staff"] = staff_check(base)
    return panel


def home_tasks(user: Someone) -> list[dict[str, object]]:
    """What waits for the user in plans, for the home page: a base's draft or returned version; a
    reviewer's submitted versions and the rosters that do not match the reports."""
    from django.urls import reverse
    from django.utils.translation import gettext

    from shuangchuang.core.policy import REVIEW, may

    from .models import OPEN_STATES

    tasks: list[dict[str, object]] = []
    if may(user, "plans.plan.submit") and getattr(user, "base_id", None):
        plan = Plan.objects.restrict(user, "change").filter(state__in=OPEN_STATES).first()
        if plan is not None and plan.state != PlanState.SUBMITTED:
            label = (
                gettext("建设方案被退回，待修改")
                if plan.state == PlanState.RETURNED
                else gettext("建设方案待报送")
            )
            tasks.append({"label": label, "count": 1, "url": reverse("plans:plan_detail", args=[plan.pk])})
    if may(user, "plans.staff.check"):
        waiting = Plan.objects.restrict(user, REVIEW).filter(state=PlanState.SUBMITTED).count()
        bases = Base.objects.restrict(user).filter(
            pk__in=StaffMember.objects.restrict(user, REVIEW).values("base_id")
        )
        mismatches = staff_mismatches(bases)
        url = reverse("plans:review_queue")
        if waiting:
            tasks.append({"label": gettext("建设方案待审核"), "count": waiting, "url": url})
        if mismatches:
            tasks.append({"label": gettext("人员名册与填报不一致"), "count": mismatches, "url": url})
    return tasks


@dataclass
class Difference:
    kind: str  # "added", "changed", "removed"
    label: str  # the goal's or task's name
    fields: list[str] = field(default_factory=list)  # what changed, in the reader's language

    @property
    def kind_label(self) -> str:
        return str(DIFFERENCE_LABELS[self.kind])


DIFFERENCE_LABELS = {"added": _("新增"), "changed": _("修改"), "removed": _("删除")}


def _goal_facts(goal: Goal) -> dict[str, object]:
    return {
        "name": goal.name,
        "indicator": goal.indicator_id,
        "baseline": goal.baseline,
        "trend": goal.trend,
        "targets": {t.year: t.value for t in goal.targets.all()},
    }


def _task_facts(task: object) -> dict[str, object]:
    from .models import Task

    assert isinstance(task, Task)
    return {
        "title": task.title,
        "owner": task.owner,
        "deadline": task.deadline,
        "milestones": [(m.title, m.due_on) for m in task.milestones.all()],
    }


def changes_from_in_force(plan: Plan) -> dict[str, object] | None:
    """What a version under work changes in the plan in force (goals and tasks matched by key), for its
    reviewer; None when there is no other version in force."""
    current = Plan.objects.filter(base_id=plan.base_id, state=PlanState.APPROVED).exclude(pk=plan.pk).first()
    if current is None:
        return None
    goal_words = {
        "name": _("目标名称"),
        "indicator": _("对应监测指标"),
        "baseline": _("基期值"),
        "trend": _("方向"),
        "targets": _("年度目标值"),
    }
    task_words = {
        "title": _("任务名称"),
        "owner": _("责任单位（人）"),
        "deadline": _("完成时限"),
        "milestones": _("节点"),
    }

    def compare(
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        facts: Callable[[Any], dict[str, object]],
        words: Mapping[str, object],
        attribute: str,
    ) -> list[Difference]:
        result = []
        for key, item in new.items():
            before = old.get(key)
            if before is None:
                result.append(Difference("added", str(getattr(item, attribute))))
                continue
            a, b = facts(before), facts(item)
            changed = [str(words[k]) for k in a if a[k] != b[k]]
            if changed:
                result.append(Difference("changed", str(getattr(item, attribute)), changed))
        result += [
            Difference("removed", str(getattr(item, attribute)))
            for key, item in old.items()
            if key not in new
        ]
        return result

    goals_old = {g.key: g for g in current.goals.prefetch_related("targets")}
    goals_new = {g.key: g for g in plan.goals.prefetch_related("targets")}
    tasks_old = {t.key: t for t in current.tasks.prefetch_related("milestones")}
    tasks_new = {t.key: t for t in plan.tasks.prefetch_related("milestones")}
    return {
        "current": current,
        "focus_changed": current.focus != plan.focus or current.years != plan.years,
        "goals": compare(goals_old, goals_new, _goal_facts, goal_words, "name"),
        "tasks": compare(tasks_old, tasks_new, _task_facts, task_words, "title"),
    }
