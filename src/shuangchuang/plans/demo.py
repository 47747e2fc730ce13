"""Demo plans and organisations, made through the services as the demo accounts would (repeatable: a base
that already has a plan is left alone).

- 横州 (B3-012, operator `hengzhou`, authority `gx_drc`): plan v1 (2024–2026) approved, one goal on track
  and one behind (both from approved monitoring data), a hand-reported goal with evidence, tasks with
  progress; a revision v2 returned with a comment. Its roster is one short of the reported full-time staff,
  so `gx_drc` sees the mismatch.
- 厦门大学 (B3-023, operator `xmu`, authority `moe_reviewer`): plan v1 approved, a revision v2 submitted and
  waiting for `moe_reviewer`; its roster matches the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from shuangchuang.accounts.models import User
from shuangchuang.monitoring.models import Indicator, ReportingPeriod, ReportValue
from shuangchuang.registry.models import Base

from . import services
from .models import Plan
from .selectors import APPROVED_REPORT_STATES

START, END = 2024, 2026
# a minimal PDF (the evidence allow-list reads the first bytes)
DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"
ROLES = ["综合协调", "项目服务", "政策研究", "孵化服务", "数据统计", "宣传推广"]


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, DEMO_PDF, content_type="application/pdf")


def _actual(base: Base, code: str, year: int) -> Decimal | None:
    return (
        ReportValue.objects.filter(
            report__base=base,
            report__period__kind="annual",
            report__period__year=year,
            report__state__in=APPROVED_REPORT_STATES,
            indicator__code=code,
        )
        .values_list("number", flat=True)
        .first()
    )


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _targets(baseline: Decimal, final: Decimal) -> dict[int, Decimal]:
    """Targets along the straight line, rounded."""
    span = END - START + 1
    return {y: _round(baseline + (final - baseline) * (y - START + 1) / span) for y in range(START, END + 1)}


def _linked_goal(
    plan: Plan, base: Base, code: str, name: str, *, on_track: bool, actor: User, order: int
) -> None:
    indicator = Indicator.objects.filter(code=code).first()
    baseline = _actual(base, code, START - 1)
    latest = _actual(base, code, END - 1)
    if indicator is None or baseline is None or latest is None:
        return
    if on_track and latest > baseline:
        final = _round(baseline + (latest - baseline) * Decimal("1.3"))
    else:
        final = _round(max(latest, baseline) * Decimal("1.6") + 1)
    services.save_goal(
        plan,
        services.GoalData(
            name=name, baseline=baseline, targets=_targets(baseline, final), indicator=indicator, order=order
        ),
        actor=actor,
    )


def _pick(base: Base, candidates: list[tuple[str, str]], *, grew: bool, taken: set[str]) -> tuple[str, str]:
    """An indicator of the candidates whose approved value grew (or did not) over the base year, so that
    the demo has a goal on track and one behind whatever the generated figures are."""
    for code, name in candidates:
        baseline, latest = _actual(base, code, START - 1), _actual(base, code, END - 1)
        if code not in taken and baseline is not None and latest is not None and (latest > baseline) == grew:
            return code, name
    return next((c, n) for c, n in candidates if c not in taken)


def _goals(base: Base, candidates: list[tuple[str, str]]) -> list[tuple[str, str, bool]]:
    on_track = _pick(base, candidates, grew=True, taken=set())
    behind = _pick(base, candidates, grew=False, taken={on_track[0]})
    return [(*on_track, True), (*behind, False)]


CANDIDATES = [
    ("JOBS_TOTAL", "带动就业人数"),
    ("NEW_ENTITIES", "新登记市场主体数"),
    ("ENTREPRENEURS", "创业人数"),
    ("NEW_STARTUPS", "新孵化初创企业数"),
    ("INCUBATORS", "孵化载体数"),
    ("EVENTS", "举办双创活动场次"),
    ("ENTR_STUDENTS", "大学生创业人数"),
    ("TRANSFER_PROJECTS", "科技成果转化项目数"),
]


def _plan(base: Base, operator: User, focus: str, goals: list[tuple[str, str, bool]]) -> Plan:
    plan = services.create_plan(
        base,
        actor=operator,
        title=f"{base.short_name}双创示范基地建设方案（{START}—{END}年）",
        start_year=START,
        end_year=END,
        focus=focus,
    )
    for order, (code, name, on_track) in enumerate(goals):
        _linked_goal(plan, base, code, name, on_track=on_track, actor=operator, order=order)
    services.save_goal(
        plan,
        services.GoalData(
            name="建成创业孵化载体面积",
            baseline=Decimal(2),
            targets={2024: Decimal(3), 2025: Decimal(4), 2026: Decimal(5)},
            unit="万平方米",
            note="基地自行统计，附竣工验收材料",
            order=len(goals),
        ),
        actor=operator,
    )
    tasks = [
        (
            "建设创业孵化基地二期",
            "基地管委会",
            dt.date(2025, 12, 31),
            [("完成规划设计", dt.date(2024, 6, 30))],
        ),
        (
            "设立创业投资引导基金",
            "财政局、发展改革局",
            dt.date(2026, 6, 30),
            [("完成基金设立方案", dt.date(2025, 3, 31))],
        ),
        ("开展返乡入乡创业培训", "人力资源社会保障局", dt.date(2026, 12, 31), []),
    ]
    for order, (title, owner, deadline, milestones) in enumerate(tasks):
        services.save_task(
            plan,
            services.TaskData(
                title=title, owner=owner, deadline=deadline, milestones=milestones, order=order
            ),
            actor=operator,
        )
    services.attach_document(plan, _pdf("建设方案.pdf"), actor=operator)
    return plan


def _progress(plan: Plan, operator: User) -> None:
    periods = list(
        ReportingPeriod.objects.filter(kind="annual", year__range=(START, END)).order_by("year")[:2]
    )
    statuses = [
        ("done", 100, "二期主体工程竣工验收，入驻企业 46 家。"),
        ("in_progress", 60, "基金设立方案已报政府常务会审议。"),
        ("delayed", 20, "培训场地调整，上半年培训推迟。"),
    ]
    for task, (status, percent, done) in zip(plan.tasks.order_by("order"), statuses, strict=False):
        for n, period in enumerate(periods):
            last = n == len(periods) - 1
            services.report_progress(
                task,
                period,
                actor=operator,
                status=status if last else "in_progress",
                percent=percent if last else percent // 2,
                done=done if last else "按计划推进。",
                evidence=_pdf("进展佐证.pdf") if last else None,
            )
    hand = plan.goals.filter(indicator__isnull=True).first()
    if hand is not None:
        services.report_goal_result(
            hand,
            2024,
            actor=operator,
            value=Decimal("3.2"),
            note="一期载体全部投用",
            evidence=_pdf("验收材料.pdf"),
        )
        services.report_goal_result(
            hand,
            2025,
            actor=operator,
            value=Decimal("3.6"),
            note="二期部分投用",
            evidence=_pdf("验收材料.pdf"),
        )


def _organisation(base: Base, operator: User, *, staff: int, host: str) -> None:
    services.save_organisation(
        base,
        actor=operator,
        name=f"{base.short_name}双创示范基地建设工作领导小组办公室",
        head="黄主任",
        head_title="办公室主任",
        host_kind="university" if base.kind == "university" else "government",
        host=host,
        established_on=dt.date(2021, 3, 1),
        duties="统筹基地建设方案实施、政策协调、运行监测和年度自评。",
    )
    mechanism = services.save_mechanism(
        base,
        actor=operator,
        name="双创示范基地建设工作领导小组",
        convener="分管负责同志",
        member_units="发展改革部门\n科技部门\n财政部门\n人力资源社会保障部门\n市场监管部门",
        established_on=dt.date(2021, 3, 1),
    )
    for held_on, title, decisions in [
        (
            dt.date(2024, 3, 15),
            "2024年第一次领导小组会议",
            "审议建设方案年度任务分解；明确孵化基地二期建设责任单位。",
        ),
        (
            dt.date(2025, 4, 10),
            "2025年第一次领导小组会议",
            "通报2024年目标完成情况；部署创业投资引导基金设立。",
        ),
    ]:
        services.add_meeting(mechanism, actor=operator, held_on=held_on, title=title, decisions=decisions)
    for n in range(staff):
        name = (
            SURNAMES[n % len(SURNAMES)]
            + GIVEN[(n * 7) % len(GIVEN)]
            + (GIVEN[(n * 3) % len(GIVEN)] if n % 2 else "")
        )
        services.add_staff(
            base,
            actor=operator,
            name=name,
            role=ROLES[n % len(ROLES)],
            since=dt.date(2021 + n % 3, 1 + n % 12, 1),
            phone=f"1380771{n:04d}",
        )


def _reported_staff(base: Base) -> int:
    value = (
        ReportValue.objects.filter(
            report__base=base, report__state__in=APPROVED_REPORT_STATES, indicator__code="FULLTIME_STAFF"
        )
        .order_by("-report__period__ends_on", "-report__period__kind")
        .values_list("number", flat=True)
        .first()
    )
    return int(value) if value is not None else 5


@transaction.atomic
def ensure_demo_plans(accounts: Mapping[str, User] | None = None) -> list[str]:
    """Make the demo plans and organisations as the demo accounts (or the `accounts` given under their
    names, in tests); returns a line per base made."""
    made: list[str] = []
    names = ["hengzhou", "gx_drc", "xmu", "moe_reviewer"]
    users = dict(accounts) if accounts else {u.username: u for u in User.objects.filter(username__in=names)}
    if any(name not in users for name in names):
        return made
    hengzhou = Base.objects.get(code="B3-012")
    if not Plan.objects.filter(base=hengzhou).exists():
        plan = _plan(
            hengzhou,
            users["hengzhou"],
            "围绕创业带动就业方向，建设返乡入乡创业园和创业孵化基地二期，完善创业担保贷款和创业培训服务。",
            _goals(hengzhou, CANDIDATES),
        )
        services.submit_plan(plan, actor=users["hengzhou"])
        plan = services.approve_plan(plan, actor=users["gx_drc"], comment="同意。")
        _progress(plan, users["hengzhou"])
        revision = services.start_revision(
            hengzhou, actor=users["hengzhou"], note="根据中期评估调整创业培训任务。"
        )
        services.save_plan(revision, actor=users["hengzhou"], focus=plan.focus + "增加数字经济创业培训。")
        services.submit_plan(revision, actor=users["hengzhou"])
        services.return_plan(
            revision,
            actor=users["gx_drc"],
            comment="调整后的培训任务缺少年度节点和责任单位，请补充后重新报送。",
        )
        _organisation(
            hengzhou,
            users["hengzhou"],
            staff=_reported_staff(hengzhou) - 1,
            host="横州市人民政府（市发展和改革局内设）",
        )
        made.append(f"{hengzhou.short_name}：方案 v1 已批准，v2 已退回；名册比填报少 1 人")
    xmu = Base.objects.get(code="B3-023")
    if not Plan.objects.filter(base=xmu).exists():
        plan = _plan(
            xmu,
            users["xmu"],
            "围绕高校科技成果转化方向，建设概念验证中心，完善科研人员创业和成果转化收益分配机制。",
            _goals(xmu, CANDIDATES[::-1]),
        )
        services.submit_plan(plan, actor=users["xmu"])
        plan = services.approve_plan(plan, actor=users["moe_reviewer"])
        _progress(plan, users["xmu"])
        revision = services.start_revision(xmu, actor=users["xmu"], note="增加概念验证中心建设任务。")
        services.submit_plan(revision, actor=users["xmu"])
        _organisation(
            xmu, users["xmu"], staff=_reported_staff(xmu), host="厦门大学科技处（学校双创工作领导小组办公室）"
        )
        made.append(f"{xmu.short_name}：方案 v1 已批准，v2 待审核；名册与填报一致")
    return made
