"""Demo work records, written through the services as the people of the demo would: support policies, a
problem in every state (one escalated and overdue), experiences published in two batches and others on
their way. `setup_demo` (in `site`) calls `generate` with the demo accounts; running it again adds nothing.

The services stamp everything with today; the demo then moves some dates back (a problem raised two months
ago) so that the overdue lists and reminders have something to show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from shuangchuang.accounts.models import User
from shuangchuang.registry.models import Base

from .models import Experience, Problem, ProblemEvent
from .services import act_on_experience, act_on_problem, raise_problem, record_policy, save_experience


@dataclass(frozen=True)
class DemoPeople:
    national: User
    member: User  # a joint-conference member department (its organisation receives referred problems)
    region_authority: User  # 广西发展改革委
    region_base: User  # 横州市
    university_authority: User  # 教育部
    university_base: User  # 厦门大学


def _backdate(problem: Problem, raised_days_ago: int, due_days_ago: int) -> None:
    """Move a demo problem's history back in time, keeping its order."""
    now = timezone.now()
    shift = dt.timedelta(days=raised_days_ago)
    events = list(problem.events.order_by("at", "pk"))
    for n, event in enumerate(events):
        ProblemEvent.objects.filter(pk=event.pk).update(at=now - shift + dt.timedelta(days=3 * n))
    Problem.objects.filter(pk=problem.pk).update(
        raised_at=now - shift,
        due_on=timezone.localdate() - dt.timedelta(days=due_days_ago),
        escalated_at=(now - shift + dt.timedelta(days=3)) if problem.escalated_at else None,
    )


@transaction.atomic
def generate(people: DemoPeople) -> str:
    """Make the demo records once; a summary line for `setup_demo`."""
    hz, xmu = people.region_base.base, people.university_base.base
    if hz is None or xmu is None:
        return "工作记录演示数据：缺少基地账户，未生成"
    if Problem.objects.filter(base=hz).exists():
        return "工作记录演示数据：已存在，未重复生成"
    year = timezone.localdate().year - 1
    gx_bases = list(Base.objects.filter(authority_id=hz.authority_id))
    policies = [
        record_policy(
            actor=people.region_authority,
            bases=gx_bases,
            title="关于支持双创示范基地高质量发展的若干措施",
            issuer="广西壮族自治区人民政府办公厅",
            document_number=f"桂政办发〔{year}〕18号",
            issued_on=dt.date(year, 3, 12),
            kind="funding",
            summary="对示范基地新建孵化载体按面积给予一次性补助，最高 500 万元。",
        ),
        record_policy(
            actor=people.region_authority,
            bases=gx_bases,
            title="广西创业担保贷款实施办法",
            issuer="广西壮族自治区财政厅",
            document_number=f"桂财金〔{year}〕7号",
            issued_on=dt.date(year, 6, 3),
            kind="finance",
            summary="个人创业担保贷款额度提高至 30 万元，小微企业 400 万元，按规定贴息。",
        ),
        record_policy(
            actor=people.region_base,
            bases=[hz],
            title="横州市茉莉花产业人才引进十条",
            issuer="横州市人民政府",
            document_number=f"横政发〔{year}〕5号",
            issued_on=dt.date(year, 9, 20),
            kind="talent",
            summary="对引进的产业技术人才给予安家补贴和子女入学保障。",
        ),
        record_policy(
            actor=people.university_authority,
            bases=[xmu],
            title="关于深化高校科技成果转化改革的实施意见",
            issuer="教育部科学技术与信息化司",
            document_number=f"教技〔{year}〕3号",
            issued_on=dt.date(year, 5, 8),
            kind="services",
            summary="赋予科研人员职务科技成果所有权或长期使用权试点。",
        ),
    ]

    # 横州: escalated and overdue; newly raised; resolved waiting for the base; closed.
    escalated = raise_problem(
        actor=people.region_base,
        base=hz,
        category="space",
        title="茉莉花产业园孵化用地指标不足",
        description="园区二期孵化载体建设需新增用地约 80 亩，自治区年度指标已用完。",
        needs="协调新增建设用地指标或支持存量厂房改造",
        needed_from="自然资源部门",
    )
    act_on_problem(escalated, "start", actor=people.region_authority)
    act_on_problem(
        escalated, "escalate", actor=people.region_authority, text="涉及国家用地指标，请国家层面协调。"
    )
    _backdate(escalated, raised_days_ago=70, due_days_ago=12)
    raise_problem(
        actor=people.region_base,
        base=hz,
        category="finance",
        title="创业担保贷款贴息资金拨付慢",
        description="上年第四季度贴息资金尚未到位，涉及 46 户创业者。",
        needs="加快贴息资金拨付",
        needed_from="自治区财政厅",
    )
    resolved = raise_problem(
        actor=people.region_base,
        base=hz,
        category="approval",
        title="众创空间备案流程不清",
        description="县级众创空间备案需向哪一级部门申请不明确。",
        needs="明确备案部门和材料",
    )
    act_on_problem(
        resolved, "resolve", actor=people.region_authority, text="已印发备案指引，由南宁市科技局受理。"
    )
    closed = raise_problem(
        actor=people.region_base,
        base=hz,
        category="talent",
        title="人才公寓分配规则待明确",
        description="园区人才公寓申请条件与市级政策不一致。",
        needs="统一申请条件",
    )
    act_on_problem(closed, "resolve", actor=people.region_authority, text="已统一为市级人才认定标准。")
    act_on_problem(closed, "confirm", actor=people.region_base, text="已落实，谢谢。")
    # 厦门大学: escalated and passed to the member department, which is handling it.
    referred = raise_problem(
        actor=people.university_base,
        base=xmu,
        category="policy",
        title="职务科技成果赋权试点的国有资产管理衔接",
        description="赋权后成果作价入股的国有资产登记程序尚无细则。",
        needs="明确赋权成果的资产管理程序",
        needed_from="教育部、财政部",
    )
    act_on_problem(referred, "escalate", actor=people.university_authority, text="需部委层面明确。")
    act_on_problem(
        referred,
        "refer",
        actor=people.national,
        text="请教育部会同有关部门研究答复。",
        referred_to=people.member.organization,
    )

    experiences: list[tuple[User, dict[str, Any], tuple[int | None, bool]]] = [
        (
            people.university_base,
            {
                "title": "“概念验证+中试熟化”打通科技成果转化最后一公里",
                "theme": "tech_transfer",
                "keywords": "科技成果转化 概念验证 中试",
                "problem_solved": "高校科技成果成熟度低，企业不愿接，科技成果转化率不高。",
                "actions": "设立 5000 万元概念验证基金，建设中试平台，推行职务科技成果赋权改革，"
                "技术经理人全程参与科技成果转化。",
                "results": "三年完成概念验证项目 86 项，科技成果转化合同金额 4.2 亿元，孵化企业 37 家。",
                "policy_basis": "《关于深化高校科技成果转化改革的实施意见》",
                "contact": "科技处 0592-0000000",
            },
            (1, True),
        ),
        (
            people.region_base,
            {
                "title": "茉莉花产业链“党建+创业”带动返乡就业",
                "theme": "employment",
                "keywords": "返乡创业 产业链 就业",
                "problem_solved": "农村劳动力外流，茉莉花产业链用工不足。",
                "actions": "建立返乡创业孵化基地，提供创业担保贷款和免费培训。",
                "results": "带动返乡创业 1260 人，新增就业 8600 人。",
                "contact": "横州市双创办 0771-0000000",
            },
            (1, True),
        ),
        (
            people.region_base,
            {
                "title": "县域成果转化服务站推动农业科技成果落地",
                "theme": "tech_transfer",
                "keywords": "成果转化 农业",
                "problem_solved": "县域企业找不到合适的技术。",
                "actions": "与区内高校共建成果转化服务站，定期发布技术需求。",
                "results": "对接农业技术 43 项，其中 12 项实现转化。",
            },
            (2, True),
        ),
        (
            people.university_base,
            {
                "title": "大学生创业“一站式”服务平台",
                "theme": "incubation",
                "problem_solved": "学生创业手续多、找场地难。",
                "actions": "整合工商注册、场地、导师、资金服务。",
                "results": "年服务创业团队 300 余个。",
            },
            (0, False),  # passed by the authority, waiting for the national office
        ),
        (
            people.region_base,
            {
                "title": "创业担保贷款“免担保”模式",
                "theme": "finance",
                "problem_solved": "创业者缺少担保人。",
                "actions": "以信用评价替代反担保。",
                "results": "发放贷款 2.1 亿元。",
            },
            (None, False),  # a draft
        ),
    ]
    published = 0
    for author, fields, (batch, publish) in experiences:
        experience = save_experience(actor=author, base=hz if author is people.region_base else xmu, **fields)
        if batch is None:
            continue
        act_on_experience(experience, "submit", actor=author)
        reviewer = people.region_authority if author is people.region_base else people.university_authority
        act_on_experience(experience, "pass", actor=reviewer)
        if publish:
            act_on_experience(experience, "publish", actor=people.national, batch_number=batch)
            published += 1
    return (
        f"工作记录演示数据：支持政策 {len(policies)} 件，问题 {Problem.objects.count()} 个，"
        f"改革经验 {Experience.objects.count()} 篇（已发布 {published} 篇）"
    )
