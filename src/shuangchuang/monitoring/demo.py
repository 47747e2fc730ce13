"""Deterministic demo data: three years of plausible reports for every active base, in every workflow state.

The same seed gives the same data (NumPy's `default_rng`, one stream per concern so that a change in how
states are drawn does not move the values). Scale differs by kind of base — a district, a university, a
research institute, a central SOE — with lognormal spread, a growth trend per base and seasonality by
quarter (Q1 is the Spring Festival quarter). Quarterly flows add up to the year; stocks are end-of-period.

Older periods are mostly locked; the latest ones are spread over draft, submitted, returned (with a reason
and comments on single values), reviewed and approved; a few reports are late, a few never came in, and a
locked report or two was reopened. Outlier flags are those the validator itself raises
(`validation.outlier_flags`), plus some injected jumps, each with the explanation a base would give.

Everything is written by `services.write_history`: each save and each move is made by the same definitions
the pages' writes use (the audit row of a save, the fields and the audit row of a move, a return's
comments), at the history's own times, and written in a few statements. Values go in before the report is
locked, as in life, so nothing bypasses the lock; a state change is recorded once, as an audit row.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from shuangchuang.core.audit import audit_event, record_many
from shuangchuang.core.chain import erase_for_demo
from shuangchuang.core.models import AuditEvent
from shuangchuang.registry.models import PEER_GROUPS, Base, BaseKind

from . import services
from .catalogue import Catalogue, load_catalogue
from .formulas import compute_derived
from .models import (
    Action,
    CrossCheck,
    IndicatorVersion,
    PeriodKind,
    Report,
    ReportingPeriod,
    ReportState,
    ReportValue,
    ValueType,
)
from .periods import ACTIVE_STATUSES, create_period, open_period, window
from .services import EXPLANATION_SUFFIX
from .validation import PeerSpread, outlier_flags, parse_raw

SHOWCASE_STATES = {"B3-012": "draft", "B3-023": "returned"}  # the demo operators' bases (accounts/demo.py)
DEMO_SEED = 20201209  # the day the notice was published
FIRST_YEAR = 2023
MARKER = "monitoring.demo_data"
KINDS = ("region", "university", "institute", "enterprise")
Key = tuple[int, int]  # (base pk, period pk)
SEASON = (0.20, 0.24, 0.25, 0.31)  # share of a year's flow by quarter


class DemoDataRefused(RuntimeError):
    """The database holds monitoring data that the generator did not make; it will not touch it."""


@dataclass(frozen=True)
class Spec:
    """How a typical regional base's figure looks: the yearly flow, or the year-end stock."""

    median: float
    by_kind: tuple[float, float, float, float] = (1, 1, 1, 1)  # region, university, institute, enterprise
    stock: bool = False
    noise: float = 0.12


SPECS: dict[str, Spec] = {
    "FULLTIME_STAFF": Spec(30, (1, 0.5, 0.35, 1.3), stock=True),
    "POLICIES_ISSUED": Spec(24, (1, 0.5, 0.4, 0.4), noise=0.1),
    "INNOVATION_INPUT": Spec(80_000, (1, 0.3, 0.2, 2.0)),
    "INCUBATORS": Spec(15, (1, 0.4, 0.3, 0.5), stock=True),
    "EVENTS": Spec(60, (1, 1.4, 0.6, 0.7)),
    "REVENUE": Spec(30_000_000, (1, 0.1, 0.07, 2.0), noise=0.08),
    "IP_VALID": Spec(3000, (1, 2.0, 1.0, 2.5), stock=True),
    "FUNDING_RAISED": Spec(1_500_000, (1, 0.25, 0.15, 1.5), noise=0.18),
    "JOBS_TOTAL": Spec(8000, (1, 0.2, 0.1, 0.6)),
    "NEW_ENTITIES": Spec(6000, (1, 0.04, 0.02, 0.03)),
    "ENTREPRENEURS": Spec(3000, (1, 0.12, 0.06, 0.05)),
    "NEW_STARTUPS": Spec(150, (1, 0.5, 0.3, 0.3)),
    "STARTUP_TEAMS": Spec(120, (1, 1.5, 0.4, 0.4), stock=True),
    "OPEN_PLATFORMS": Spec(8, (1, 0.5, 0.5, 2.0), stock=True),
    "PLATFORM_SMES": Spec(400, (1, 0.4, 0.3, 2.0)),
    "SUPPLY_CHAIN_SMES": Spec(300, (1, 0.2, 0.2, 3.0), stock=True),
    "TECH_CONTRACTS": Spec(2_000_000, (1, 0.8, 0.5, 1.5), noise=0.15),
    "TRANSFER_PROJECTS": Spec(120, (1, 1.6, 0.8, 0.5)),
    "TRANSFER_INCOME": Spec(300_000, (1, 1.3, 0.8, 1.0), noise=0.15),
    "JOINT_RD_PROJECTS": Spec(40, (1, 0.8, 0.6, 2.5)),
    "SRDI_SMES": Spec(80, (1, 0.3, 0.25, 0.3), stock=True),
    "HIDDEN_CHAMPIONS": Spec(5, (1, 0.4, 0.4, 1), stock=True),
    "HIGH_TECH_FIRMS": Spec(400, (1, 0.4, 0.15, 0.1), stock=True),
    "GRADUATED_FIRMS": Spec(200, (1, 0.6, 0.3, 0.3), stock=True),
    "INTL_PLATFORMS": Spec(10, (1, 0.6, 0.5, 1), stock=True),
    "OVERSEAS_PROJECTS": Spec(40, (1, 0.6, 0.5, 1)),
    "OVERSEAS_TALENT": Spec(80, (1, 1.2, 0.8, 1)),
    "INTL_COOP_PROJECTS": Spec(25, (1, 1.5, 1.2, 1)),
    "EXPORT_VALUE": Spec(5_000_000, (1, 0.05, 0.05, 2)),
}
# 其中 items: share of their total, Beta(a, b) per base.
SHARES = {
    "INVENTION_PATENTS": (6, 8),
    "EQUITY_FUNDING": (3, 4),
    "GRADUATES_HIRED": (3, 12),
    "NEW_ENTERPRISES": (8, 6),
    "LITTLE_GIANTS": (2, 10),
    "LISTED_GRADUATES": (2, 30),
}
GROUPS = ("ENTR_STUDENTS", "ENTR_RESEARCHERS", "ENTR_MIGRANTS", "ENTR_VETERANS", "ENTR_UNEMPLOYED")
GROUP_ALPHA = {  # Dirichlet weights of the five groups and "others"
    "region": (2, 0.6, 3, 1, 2, 6),
    "university": (8, 3, 0.2, 0.3, 0.2, 3),
    "institute": (2, 8, 0.1, 0.2, 0.1, 2),
    "enterprise": (2, 2, 1, 1, 1, 6),
}
RD_INTENSITY = {"region": 0.03, "university": 0.09, "institute": 0.12, "enterprise": 0.025}
SCALE_SPREAD = {"region": 0.3, "university": 0.25, "institute": 0.25, "enterprise": 0.4}
CENTRAL_SOE_FACTOR = 2.5  # a central SOE group reports on a consolidated basis

HISTORY_UP = (
    "本期新引进重大产业项目落地，数值增长明显，已逐项核实并上传佐证材料。",
    "自本期起新设园区纳入统计范围，统计口径扩大。",
    "上期部分企业数据延迟报送，基数偏低，本期恢复正常水平。",
    "本期集中举办双创活动周系列活动，相关数据集中发生。",
)
HISTORY_DOWN = (
    "部分企业迁出统计范围，本期数值下降，已逐户核实。",
    "上期含一次性大额项目，本期回落至正常水平。",
    "部分项目延期至下期实施，本期数值阶段性下降。",
)
PEER_HIGH = {
    "enterprise": "本基地为企业（集团），按集团合并报表口径统计，规模大于区域基地属正常情况。",
    "": "本基地产业规模较大，数值高于同方向基地中位数，已核实无误。",
}
PEER_LOW = "本基地统计范围较小（{kind}基地），数值低于同方向区域基地，已核实。"
KIND_LABEL = {"region": "区域", "university": "高校", "institute": "科研院所", "enterprise": "企业"}
RETURN_REASONS = (
    "部分指标与上年同期相比变化较大，请核实后重新报送。",
    "佐证材料不全，请补充统计台账后重新报送。",
    "统计口径与填报说明不一致，请按批注修改后重新报送。",
)
NATIONAL_RETURN_REASONS = ("国家发展改革委抽查：请补充说明主要指标大幅变化的原因。",)
REVIEW_COMMENTS = (
    "与上年同期相比变化较大，请核实数据并补充情况说明。",
    "请按统计口径剔除迁入的市场主体后重新填报。",
    "请上传佐证材料（统计台账或认定文件）。",
    "与季度报表合计不一致，请核对。",  # annual reports only: keep last
)
REOPEN_REASON = "经第三方评估核查，部分指标统计口径有误，重新开放由基地更正。"


@dataclass
class DemoSummary:
    periods: int = 0
    reports: int = 0
    values: int = 0
    transitions: int = 0
    audit_events: int = 0
    flagged: int = 0
    late: int = 0
    missing: int = 0
    states: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        states = "，".join(f"{ReportState(s).label} {n}" for s, n in sorted(self.states.items()))
        return [
            f"报告期 {self.periods} 个，填报 {self.reports} 份（{states}）",
            f"数值 {self.values} 个（异常提示 {self.flagged} 个），流转记录 {self.transitions} 条，审计日志 {self.audit_events} 条",
            f"逾期报送 {self.late} 份，未报送 {self.missing} 份；用时 {self.seconds:.1f} 秒",
        ]


def demo_data_exists() -> bool:
    return AuditEvent.objects.filter(action=MARKER).exists()


def default_periods(today: dt.date, first_year: int = FIRST_YEAR) -> list[tuple[int, int | None]]:
    """Every quarter and year from `first_year` whose filing window has opened by `today`."""
    periods: list[tuple[int, int | None]] = []
    for year in range(first_year, today.year + 1):
        for quarter in (1, 2, 3, 4, None):
            if window(year, quarter).opens_on <= today:
                periods.append((year, quarter))
    return periods


def _substantive_reports() -> models.QuerySet[Report]:
    return Report.objects.exclude(state=ReportState.DRAFT, values__isnull=True)


def reset_demo_data() -> None:
    """Remove every report (values, evidence) and their audit rows (state changes too); periods stay."""
    if not demo_data_exists() and _substantive_reports().exists():
        raise DemoDataRefused("数据库中已有非演示的填报数据，不能重置。")
    ReportValue.objects.all().delete()
    Report.objects.all().delete()
    erase_for_demo(AuditEvent.objects.filter(Q(object_type=Report._meta.label) | Q(action=MARKER)))


def generate(
    seed: int = DEMO_SEED,
    *,
    today: dt.date | None = None,
    periods: Sequence[tuple[int, int | None]] | None = None,
    reset: bool = False,
) -> DemoSummary | None:
    """Generate the demo data; None when it exists already (and `reset` is not asked for)."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    with transaction.atomic():
        if reset:
            reset_demo_data()
        elif demo_data_exists():
            return None
        elif _substantive_reports().exists():
            raise DemoDataRefused("数据库中已有非演示的填报数据，不生成演示数据。")
        load_catalogue()
        wanted = sorted(periods or default_periods(today), key=lambda p: (p[0], p[1] or 5))
        period_objects = [create_period(year, quarter) for year, quarter in wanted]
        # Reports are written fully formed by the generator; empty drafts of these periods make way.
        Report.objects.filter(
            period__in=period_objects, values__isnull=True, state=ReportState.DRAFT
        ).delete()
        summary = _Generator(seed, today, period_objects).run()
        for period in period_objects:
            open_period(period)  # every active base has its report now: this only marks the period open
        _date_the_periods(period_objects, today)
    summary.seconds = time.perf_counter() - started
    return summary


def _local(day: dt.date, minutes: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(settings.TIME_ZONE)) + dt.timedelta(
        minutes=minutes
    )


@dataclass
class _Event:
    action: str
    at: dt.datetime
    actor_role: str
    reason: str = ""


class _Generator:
    def __init__(self, seed: int, today: dt.date, periods: list[ReportingPeriod]) -> None:
        self.seed = seed
        self.today = today
        self.limit = _local(today, 8 * 60)  # nothing happens after this morning
        self.periods = sorted(periods, key=lambda p: (p.opens_on, p.code))
        self.catalogue = Catalogue.current()
        self.forms: dict[tuple[int, str, str, int], list[IndicatorVersion]] = {}
        self.bases = list(
            Base.objects.monitored()
            .filter(status__in=ACTIVE_STATUSES)
            .select_related("direction", "authority")
            .order_by("batch__number", "seq", "code")
        )
        self.reports = {
            (base.pk, period.pk): Report(base=base, period=period)
            for period in self.periods
            for base in self.bases
        }
        self.pending_audit: list[tuple[str, str, Report, dt.datetime, dict[str, Any]]] = []
        self.checks = list(CrossCheck.objects.select_related("left", "right"))
        self.actors = self._demo_actors()
        self.summary = DemoSummary(periods=len(self.periods))

    # ---- who acts ------------------------------------------------------------------------------------------

    def _demo_actors(self) -> dict[str, Any]:
        from shuangchuang.accounts.demo import DEMO_ACCOUNTS
        from shuangchuang.accounts.models import Role, User

        users = list(User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS], is_active=True))
        return {
            "operator": {u.base_id: u for u in users if u.role == Role.OPERATOR},
            "authority": {u.authority_id: u for u in users if u.role == Role.AUTHORITY},
            "national": next((u for u in users if u.role == Role.NATIONAL_ADMIN), None),
        }

    def _actor(self, role: str, base: Base) -> tuple[Any, str]:
        """The demo account acting in this role for this base (if there is one), and a name for the log."""
        if role == "operator":
            return self.actors["operator"].get(base.pk), f"{base.short_name}填报员"
        if role == "authority":
            return self.actors["authority"].get(base.authority_id), f"{base.authority}审核人员"
        return self.actors["national"], "国家发展改革委高技术司"

    # ---- the run -------------------------------------------------------------------------------------------

    def run(self) -> DemoSummary:
        years = sorted({p.year for p in self.periods})
        series = self._values(years)  # base pk → (year, quarter) → code → value
        plans = self._workflow()  # (base, period) → plan
        values = self._fill(series, plans)  # (base, period) → code → value, after gaps and injected jumps
        self._write(values, plans)
        return self.summary

    # ---- values --------------------------------------------------------------------------------------------

    def _values(self, years: list[int]) -> dict[int, dict[tuple[int, int | None], dict[str, Any]]]:
        rng = np.random.default_rng([self.seed, 1])
        result = {}
        codes = [i.code for i in self.catalogue.indicators]
        types = {
            i.code: self.catalogue.versions[i.pk][-1].value_type
            for i in self.catalogue.indicators
            if self.catalogue.versions.get(i.pk)
        }
        for base in self.bases:
            result[base.pk] = self._base_series(base, rng, years, codes, types)
        return result

    def _base_series(
        self, base: Base, rng: np.random.Generator, years: list[int], codes: list[str], types: dict[str, str]
    ) -> dict[tuple[int, int | None], dict[str, Any]]:
        kind = base.kind if base.kind in KINDS else "region"
        k = KINDS.index(kind)
        scale = float(np.exp(SCALE_SPREAD[kind] * rng.standard_normal()))
        if base.authority.code == "sasac":
            scale *= CENTRAL_SOE_FACTOR
        growth = float(np.clip(rng.normal(0.07, 0.05), -0.05, 0.25))
        idio = np.exp(0.15 * rng.standard_normal(len(codes)))
        z = rng.standard_normal((len(codes), len(years), 5))
        shares = {code: float(rng.beta(a, b)) for code, (a, b) in SHARES.items()}
        groups = rng.dirichlet(GROUP_ALPHA[kind])
        intensity = RD_INTENSITY[kind] * float(np.exp(0.3 * rng.standard_normal()))
        team_size = float(rng.uniform(2.2, 5.5))
        survival = float(np.clip(rng.normal(72, 8), 40, 95))
        adopted = int(rng.choice([2021, 2022, 2023, 2024, 2025, 2027], p=[0.3, 0.25, 0.2, 0.1, 0.1, 0.05]))
        frequency = {i.code: i.frequency for i in self.catalogue.indicators}

        out: dict[tuple[int, int | None], dict[str, Any]] = defaultdict(dict)
        for c, code in enumerate(codes):
            spec = SPECS.get(code)
            kind_of_value = types.get(code)
            for y, year in enumerate(years):
                noise = z[c, y]
                if spec is not None:
                    level = spec.median * spec.by_kind[k] * scale * idio[c]
                    quarters = []
                    for q in range(4):
                        if spec.stock:
                            x = level * (1 + growth) ** (y + (q + 1) / 4) * np.exp(0.03 * noise[q])
                        else:
                            x = (
                                level
                                * (1 + growth) ** (y + (q + 0.5) / 4)
                                * SEASON[q]
                                * np.exp(spec.noise * noise[q])
                            )
                        quarters.append(x)
                    if frequency[code] == "quarterly":
                        annual = quarters[3] if spec.stock else sum(quarters)
                    elif spec.stock:
                        annual = level * (1 + growth) ** (y + 1) * np.exp(0.03 * noise[4])
                    else:
                        annual = level * (1 + growth) ** (y + 0.5) * np.exp(spec.noise * noise[4])
                    for q, x in enumerate(quarters, start=1):
                        out[(year, q)][code] = _whole(x)
                    out[(year, None)][code] = _whole(annual)
                elif code == "MONITORING_SYSTEM":
                    for quarter in (1, 2, 3, 4, None):
                        out[(year, quarter)][code] = 1 if year >= adopted else 0
                elif code == "STARTUP_SURVIVAL":
                    value = float(np.clip(survival + 2 * noise[4], 0, 100))
                    out[(year, None)][code] = Decimal(f"{value:.1f}")
                elif kind_of_value == ValueType.PERCENT:
                    out[(year, None)][code] = Decimal(f"{float(np.clip(50 + 10 * noise[4], 0, 100)):.1f}")
                elif kind_of_value in (ValueType.COUNT, ValueType.MONEY, ValueType.RATIO):
                    level = (100_000 if kind_of_value == ValueType.MONEY else 100) * scale * idio[c]
                    for q in (1, 2, 3, 4):
                        out[(year, q)][code] = _whole(level / 4 * np.exp(0.15 * noise[q - 1]))
                    out[(year, None)][code] = _whole(level * np.exp(0.1 * noise[4]))
                elif kind_of_value == ValueType.BOOLEAN:
                    for quarter in (1, 2, 3, 4, None):
                        out[(year, quarter)][code] = 1
            # parts and dependent figures, once their totals exist
        for year_index, year in enumerate(years):
            for period_quarter in (1, 2, 3, 4, None):
                q = period_quarter or 5
                values = out[(year, period_quarter)]
                wiggle = np.exp(0.05 * z[:, year_index, q - 1])
                for i, (part, share) in enumerate(shares.items()):
                    total = _total_of(part)
                    if total in values:
                        values[part] = min(values[total], int(values[total] * min(share * wiggle[i], 1)))
                if "ENTREPRENEURS" in values:
                    total = values["ENTREPRENEURS"]
                    counts = [int(total * g * wiggle[-(i + 1)]) for i, g in enumerate(groups[:5])]
                    while sum(counts) > total:
                        counts[int(np.argmax(counts))] -= 1
                    values.update(zip(GROUPS, counts, strict=True))
                if "STARTUP_TEAMS" in values:
                    values["TEAM_MEMBERS"] = max(
                        values["STARTUP_TEAMS"], _whole(values["STARTUP_TEAMS"] * team_size)
                    )
                if "REVENUE" in values and period_quarter is None:
                    values["RD_SPEND"] = _whole(values["REVENUE"] * intensity * float(wiggle[0]))
                if period_quarter is None:
                    values["MAIN_PROGRESS"] = _progress_text(base, year, values)
        return out

    # ---- workflow ------------------------------------------------------------------------------------------

    def _workflow(self) -> dict[Key, dict[str, Any]]:
        """For each report: its target state and the dated events that lead there."""
        rng = np.random.default_rng([self.seed, 2])
        weak = {b.pk for b in self.bases if rng.random() < 0.08}
        latest_annual = max(
            (p for p in self.periods if p.kind == PeriodKind.ANNUAL), key=lambda p: p.year, default=None
        )
        latest_quarter = max(
            (p for p in self.periods if p.kind == PeriodKind.QUARTERLY and p.opens_on < self.today),
            key=lambda p: (p.year, p.quarter or 0),
            default=None,
        )
        plans: dict[Key, dict[str, Any]] = {}
        for period in self.periods:
            age = (self.today - period.due_on).days
            reopened = 0
            for base in self.bases:
                report = self.reports.get((base.pk, period.pk))
                if report is None:
                    continue
                p_missing = 0.02 * (6 if base.pk in weak else 1)
                p_late = 0.45 if base.pk in weak else 0.10
                target = _draw_state(rng, age)
                submitted = rng.random() >= p_missing and target != "missing" and period.opens_on < self.today
                # The demo operators' own reports of the latest quarter show data entry: 横州市 has a draft
                # to finish, 厦门大学 a report its reviewer returned.
                if latest_quarter is not None and period.pk == latest_quarter.pk:
                    showcase = SHOWCASE_STATES.get(base.code)
                    if showcase == "draft":
                        submitted = False
                    elif showcase == "returned":
                        target, submitted = "returned", True
                plan: dict[str, Any] = {"state": ReportState.DRAFT, "events": [], "late": False}
                plans[(base.pk, period.pk)] = plan
                start = _local(period.opens_on, 9 * 60)
                if not submitted:
                    plan["saved_at"] = min(start + dt.timedelta(days=int(rng.integers(1, 30))), self.limit)
                    plan["partial"] = rng.random() < 0.6
                    continue
                late = rng.random() < p_late
                if late:
                    day = period.due_on + dt.timedelta(days=int(rng.integers(1, 26)))
                else:
                    day = period.due_on - dt.timedelta(days=int(rng.integers(0, 14)))
                first = max(_local(day, int(rng.integers(9 * 60, 21 * 60))), start + dt.timedelta(hours=2))
                if first >= self.limit:
                    plan["saved_at"] = min(start + dt.timedelta(days=1), self.limit)
                    plan["partial"] = True
                    continue
                if (
                    latest_annual is not None
                    and period.pk == latest_annual.pk
                    and target == ReportState.LOCKED
                    and reopened < 2
                ):
                    target, reopened = "reopened", reopened + 1
                events = self._events(rng, target, first)
                plan.update(
                    state=ReportState.RETURNED if target == "reopened" else ReportState(target),
                    events=events,
                    late=timezone.localdate(first) > period.due_on,
                    saved_at=first - dt.timedelta(hours=int(rng.integers(2, 96))),
                    reopened=target == "reopened",
                )
                plan["saved_at"] = max(plan["saved_at"], start)
        return plans

    def _events(self, rng: np.random.Generator, target: str, first: dt.datetime) -> list[_Event]:
        def gap(low: int, high: int) -> dt.timedelta:
            return dt.timedelta(days=int(rng.integers(low, high)), minutes=int(rng.integers(0, 480)))

        events = [_Event(Action.SUBMIT, first, "operator")]
        if target == ReportState.SUBMITTED:
            return self._fit(events)
        if rng.random() < 0.12 or target == ReportState.RETURNED:
            events.append(
                _Event(Action.RETURN, events[-1].at + gap(1, 7), "authority", _pick(rng, RETURN_REASONS))
            )
            if target == ReportState.RETURNED and rng.random() < 0.75:
                return self._fit(events)
            events.append(_Event(Action.SUBMIT, events[-1].at + gap(1, 6), "operator"))
            if target == ReportState.RETURNED:  # returned by the national office after the authority passed
                events.append(_Event(Action.PASS, events[-1].at + gap(2, 10), "authority"))
                events.append(
                    _Event(
                        Action.RETURN,
                        events[-1].at + gap(3, 12),
                        "national",
                        _pick(rng, NATIONAL_RETURN_REASONS),
                    )
                )
                return self._fit(events)
        events.append(_Event(Action.PASS, events[-1].at + gap(2, 12), "authority"))
        if target == ReportState.REVIEWED:
            return self._fit(events)
        events.append(_Event(Action.APPROVE, events[-1].at + gap(3, 20), "national"))
        if target == ReportState.APPROVED:
            return self._fit(events)
        events.append(_Event(Action.LOCK, events[-1].at + gap(1, 10), "national"))
        if target == "reopened":
            events.append(_Event(Action.REOPEN, events[-1].at + gap(20, 60), "national", REOPEN_REASON))
        return self._fit(events)

    def _fit(self, events: list[_Event]) -> list[_Event]:
        """Squeeze the events after the first submission so that the last one happened before today."""
        first, last = events[0].at, events[-1].at
        if last < self.limit or len(events) == 1:
            return events
        room = (self.limit - dt.timedelta(hours=1) - first) / (last - first)
        for event in events[1:]:
            event.at = first + (event.at - first) * room
        return events

    # ---- values per report ---------------------------------------------------------------------------------

    def _form(self, base: Base, period: ReportingPeriod) -> list[IndicatorVersion]:
        """What the base reports for the period: its direction's and its kind's indicators."""
        key = (base.direction_id, base.kind, period.kind, period.year)
        if key not in self.forms:
            self.forms[key] = self.catalogue.form(*key)
        return self.forms[key]

    def _fill(self, series: dict, plans: dict[Key, dict[str, Any]]) -> dict[Key, dict[str, Any]]:
        rng = np.random.default_rng([self.seed, 3])
        jumpable_up, jumpable_down = self._jumpable()
        filled: dict[Key, dict[str, Any]] = {}
        for period in self.periods:
            for base in self.bases:
                report = self.reports.get((base.pk, period.pk))
                if report is None:
                    continue
                plan = plans[(base.pk, period.pk)]
                form = self._form(base, period)
                raw = series[base.pk][(period.year, period.quarter)]
                entered = [v for v in form if not v.is_derived]
                if plan["events"]:
                    keep = entered
                elif plan.get("partial"):
                    keep = [v for v in entered if rng.random() < 0.6]
                else:
                    keep = []
                values: dict[str, Any] = {}
                for version in keep:
                    code = version.indicator.code
                    value = raw.get(code)
                    if value is None:
                        continue
                    if isinstance(value, int) and value > 20 and rng.random() < 0.006:
                        if code in jumpable_up and (code not in jumpable_down or rng.random() < 0.7):
                            value = _whole(value * float(rng.uniform(3.5, 6)))
                        elif code in jumpable_down:
                            value = _whole(value / float(rng.uniform(3.5, 6)))
                    values[code] = value
                filled[(base.pk, period.pk)] = values
        return filled

    def _jumpable(self) -> tuple[set[str], set[str]]:
        """Codes that can jump up (or down) without breaking a logic check of the same report."""
        codes = set(SPECS)
        cannot_go_up = {c.left.code for c in self.checks if c.operator == "<="} | {
            c.right.code for c in self.checks if c.operator == ">="
        }
        cannot_go_down = {c.right.code for c in self.checks if c.operator == "<="} | {
            c.left.code for c in self.checks if c.operator == ">="
        }
        return codes - cannot_go_up, codes - cannot_go_down

    # ---- writing -------------------------------------------------------------------------------------------

    def _write(self, filled: dict[Key, dict[str, Any]], plans: dict[Key, dict[str, Any]]) -> None:
        rng = np.random.default_rng([self.seed, 4])
        numbers: dict[tuple[int, int | None, int | None], dict[int, dict[str, Decimal | None]]] = defaultdict(
            dict
        )
        final: dict[Key, dict[str, Any]] = {}
        # Derived values need last year's figures of the same base: go period by period.
        for period in self.periods:
            for base in self.bases:
                report = self.reports.get((base.pk, period.pk))
                if report is None:
                    continue
                values = filled[(base.pk, period.pk)]
                if not values:
                    final[(base.pk, period.pk)] = {}
                    continue
                form = self._form(base, period)
                formulas = {v.indicator.code: v.formula for v in form if v.is_derived}
                entered = {c: Decimal(v) for c, v in values.items() if not isinstance(v, str)}
                last_year = numbers[(period.year - 1, period.quarter, period.kind == PeriodKind.ANNUAL)].get(
                    base.pk, {}
                )
                derived = compute_derived(formulas, entered, last_year)
                row = {**values, **{c: v for c, v in derived.items() if v is not None}}
                final[(base.pk, period.pk)] = row
                numbers[(period.year, period.quarter, period.kind == PeriodKind.ANNUAL)][base.pk] = {
                    c: Decimal(v) for c, v in row.items() if not isinstance(v, str)
                }

        peers: dict[tuple[int, int, str, str], dict[int, Decimal]] = defaultdict(dict)
        for (base_id, period_id), report in self.reports.items():
            for code, value in final.get((base_id, period_id), {}).items():
                if not isinstance(value, str):
                    peer_group = PEER_GROUPS[BaseKind(report.base.kind)]
                    peers[(period_id, report.base.direction_id, peer_group, code)][base_id] = Decimal(value)

        # The peer rule looks at the whole group (a base's own value with its peers'), as plan_changes does.
        spread: dict[tuple[int, int, str, str], PeerSpread] = {}
        for key, members in peers.items():
            sample = np.array([float(v) for v in members.values()])
            middle = float(np.median(sample))
            spread[key] = PeerSpread(middle, float(np.median(np.abs(sample - middle))), len(sample))
        by_key = {(p.kind, p.year, p.quarter): p for p in self.periods}

        def neighbour(period: ReportingPeriod, which: str) -> ReportingPeriod | None:
            if period.kind == PeriodKind.ANNUAL:
                return by_key.get((period.kind, period.year - 1, None))
            if which == "last_year":
                return by_key.get((period.kind, period.year - 1, period.quarter))
            quarter = period.quarter or 4
            year, quarter = (period.year, quarter - 1) if quarter > 1 else (period.year - 1, 4)
            return by_key.get((period.kind, year, quarter))

        histories: list[services.History] = []
        planned: list[tuple[Report, str]] = []
        for period in self.periods:
            before = neighbour(period, "previous")
            same_last_year = neighbour(period, "last_year")
            for base in self.bases:
                report = self.reports.get((base.pk, period.pk))
                if report is None:
                    continue
                plan = plans[(base.pk, period.pk)]
                row = final[(base.pk, period.pk)]
                by_code = {v.indicator.code: v for v in self._form(base, period)}
                prev_row = final.get((base.pk, before.pk), {}) if before else {}
                last_row = final.get((base.pk, same_last_year.pk), {}) if same_last_year else {}
                ever_submitted = bool(plan["events"])
                value_rows: list[ReportValue] = []
                saved: dict[str, Any] = {}
                for code, generated in row.items():
                    version = by_code[code]
                    # Read as the form and the workbook read what people type (numbers NFKC-normalised, text as written).
                    value, problem = parse_raw(version, generated)
                    assert problem is None and value is not None, (code, generated, problem)
                    number = None if isinstance(value, str) else Decimal(value)
                    peer = spread.get((period.pk, base.direction_id, PEER_GROUPS[BaseKind(base.kind)], code))
                    flags = outlier_flags(
                        version, number, _number(prev_row.get(code)), _number(last_row.get(code)), peer
                    )
                    explanation = ""
                    if number is not None and flags and (ever_submitted or rng.random() < 0.4):
                        before_value = _number(prev_row.get(code)) or _number(last_row.get(code))
                        explanation = self._explain(
                            rng, base, flags, number, before_value, peer.median if peer else 0.0
                        )
                    value_rows.append(
                        ReportValue(indicator=version.indicator, indicator_version=version, flags=flags)
                    )
                    saved[code] = value if isinstance(value, str) else number
                    if explanation:
                        saved[code + EXPLANATION_SUFFIX] = explanation
                    self.summary.flagged += bool(flags)
                # The operator's save (one audit row, as the form writes it), then the moves of the workflow.
                steps: list[services.Save | services.Move] = []
                if saved:
                    steps.append(self._save(base, plan["saved_at"], saved))
                steps += self._moves(rng, report, plan, value_rows, saved)
                report.updated_at = plan["saved_at"]  # an empty draft: as the period opened it
                histories.append(services.History(report, value_rows, steps))
                planned.append((report, plan["state"]))

        audit_rows = services.write_history(histories)
        for report, state in planned:
            assert report.state == state, (report, report.state, state)
            self.summary.states[report.state] += 1
        marker = audit_event(
            None,
            MARKER,
            self.periods[-1],
            new={
                "seed": self.seed,
                "reports": len(histories),
                "values": sum(len(h.values) for h in histories),
            },
            reason=f"生成演示数据（seed={self.seed}）",
        )
        record_many([marker])
        self.summary.reports = len(histories)
        self.summary.values = sum(len(h.values) for h in histories)
        self.summary.transitions = sum(isinstance(s, services.Move) for h in histories for s in h.steps)
        self.summary.audit_events = audit_rows + 1

    def _save(self, base: Base, at: dt.datetime, values: dict[str, Any], reason: str = "") -> services.Save:
        actor, name = self._actor("operator", base)
        return services.Save(at, actor, name, values, reason)

    def _moves(
        self,
        rng: np.random.Generator,
        report: Report,
        plan: dict[str, Any],
        values: list[ReportValue],
        saved: dict[str, Any],
    ) -> list[services.Save | services.Move]:
        """The workflow's moves of one report (and, after a reopening, the base's correction)."""
        base = report.base
        steps: list[services.Save | services.Move] = []
        for event in plan["events"]:
            actor, name = self._actor(event.actor_role, base)
            steps.append(services.Move(event.action, event.at, actor, name, event.reason))
        if plan["events"]:
            self.summary.late += plan["late"]
        elif report.period.due_on < self.today:
            self.summary.missing += 1
        if plan["state"] == ReportState.RETURNED:
            # The reviewer's notes beside single values, written with the last return.
            commentable = [
                v.indicator.code
                for v in values
                if isinstance(saved.get(v.indicator.code), Decimal) and not v.indicator_version.is_derived
            ]
            flagged = [v.indicator.code for v in values if v.flags and v.indicator.code in commentable]
            comments = REVIEW_COMMENTS if report.period.kind == PeriodKind.ANNUAL else REVIEW_COMMENTS[:-1]
            last_return = next(
                (s for s in reversed(steps) if isinstance(s, services.Move) and s.action == Action.RETURN),
                None,
            )
            if last_return is not None:  # (a reopened report is back with the base without notes)
                last_return.comments = {
                    code: _pick(rng, comments) for code in (flagged or commentable)[: int(rng.integers(1, 3))]
                }
        if plan.get("reopened") and steps:
            # After the reopening the base corrected one figure: the reviewer will see old → new.
            code = next(
                (
                    v.indicator.code
                    for v in values
                    if isinstance(saved.get(v.indicator.code), Decimal) and not v.indicator_version.is_derived
                ),
                None,
            )
            at = steps[-1].at + dt.timedelta(days=2)
            if code is not None and at < self.limit:
                corrected = (saved[code] * Decimal("0.92")).quantize(Decimal(1))
                steps.append(self._save(base, at, {code: corrected}, reason="重新开放后按统计口径更正"))
        return steps

    def _explain(
        self,
        rng: np.random.Generator,
        base: Base,
        flags: list[dict[str, str]],
        value: Decimal,
        before: Decimal | None,
        peer_median: float,
    ) -> str:
        """What a base writes beside a flagged value."""
        if any(f["kind"] == "history" for f in flags) and before:
            return _pick(rng, HISTORY_UP if value > before else HISTORY_DOWN)
        if base.kind == "enterprise":
            return PEER_HIGH["enterprise"]
        if float(value) >= peer_median:
            return PEER_HIGH[""]
        return PEER_LOW.format(kind=KIND_LABEL.get(base.kind, "区域"))


def _date_the_periods(periods: list[ReportingPeriod], today: dt.date) -> None:
    """Demo periods opened on their opening day; those due more than about a year ago are closed."""
    for period in periods:
        ReportingPeriod.objects.filter(pk=period.pk).update(
            opened_at=_local(period.opens_on, 8 * 60), is_open=(today - period.due_on).days <= 400
        )


def _total_of(part: str) -> str:
    return {
        "INVENTION_PATENTS": "IP_VALID",
        "EQUITY_FUNDING": "FUNDING_RAISED",
        "GRADUATES_HIRED": "JOBS_TOTAL",
        "NEW_ENTERPRISES": "NEW_ENTITIES",
        "LITTLE_GIANTS": "SRDI_SMES",
        "LISTED_GRADUATES": "GRADUATED_FIRMS",
    }[part]


def _whole(x: float) -> int:
    return round(float(x))


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, str):
        return None
    return Decimal(value)


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(0, len(options)))]


def _next_state(state: str, action: str) -> str:
    from .models import TRANSITIONS

    return TRANSITIONS[(ReportState(state), Action(action))][0]


def _draw_state(rng: np.random.Generator, age: int) -> str:
    """A report's state by how long ago its period was due: old periods are locked, recent ones spread."""
    if age < 0:
        table = {"missing": 0.5, "submitted": 0.3, "returned": 0.05, "reviewed": 0.15}
    elif age <= 60:
        table = {
            "missing": 0.06,
            "submitted": 0.22,
            "returned": 0.15,
            "reviewed": 0.34,
            "approved": 0.17,
            "locked": 0.06,
        }
    elif age <= 150:
        table = {
            "missing": 0.03,
            "submitted": 0.04,
            "returned": 0.04,
            "reviewed": 0.14,
            "approved": 0.35,
            "locked": 0.40,
        }
    elif age <= 320:
        table = {"missing": 0.02, "reviewed": 0.04, "approved": 0.16, "locked": 0.78}
    else:
        table = {"missing": 0.01, "approved": 0.02, "locked": 0.97}
    states = list(table)
    return states[int(rng.choice(len(states), p=np.array(list(table.values())) / sum(table.values())))]


def _progress_text(base: Base, year: int, values: dict[str, Any]) -> str:
    parts = [f"{year}年，{base.short_name}围绕建设方案确定的重点任务推进示范基地建设"]
    if "INCUBATORS" in values:
        parts.append(f"在运营孵化载体{values['INCUBATORS']}个")
    if "EVENTS" in values:
        parts.append(f"全年举办双创活动{values['EVENTS']}场")
    if "JOBS_TOTAL" in values:
        parts.append(f"带动就业{values['JOBS_TOTAL']}人")
    if "TECH_CONTRACTS" in values:
        parts.append(f"技术合同成交额{values['TECH_CONTRACTS'] / 100_000:.2f}亿元")
    if "SRDI_SMES" in values:
        parts.append(f"专精特新中小企业达到{values['SRDI_SMES']}家")
    if "OVERSEAS_TALENT" in values:
        parts.append(f"引进海外高层次人才{values['OVERSEAS_TALENT']}人")
    return "，".join(parts) + "。下一步将继续完善运行监测体系，推动政策落地见效。"
