"""Small helpers for the records tests."""

from __future__ import annotations

from typing import Any

from shuangchuang.accounts.models import User
from shuangchuang.records.models import Experience, Problem
from shuangchuang.records.services import raise_problem, save_experience

HENGZHOU = "B3-012"  # 横州市, reviewed by 广西 DRC (drc-450000)
XMU = "B3-023"  # 厦门大学, reviewed by 教育部 (moe)
JINCHENG = "B3-001"  # 晋城经开区, reviewed by 山西 DRC


def problem_for(operator: User, **fields: Any) -> Problem:
    values = {
        "category": "space",
        "title": "孵化用房不足",
        "description": "现有孵化空间已满，入驻申请排队。",
        "needs": "协调闲置厂房改造为孵化空间",
        "needed_from": "市自然资源局",
    }
    return raise_problem(actor=operator, base=operator.base, **(values | fields))


def experience_for(operator: User, **fields: Any) -> Experience:
    values = {
        "title": "校地共建概念验证中心",
        "problem_solved": "实验室成果离市场远。",
        "actions": "设立概念验证资金。",
        "results": "两年转化项目 12 项。",
        "theme": "tech_transfer",
    }
    return save_experience(actor=operator, base=operator.base, **(values | fields))
