"""The defaults a new cycle starts from: peer groups by kind of base, and the qualitative criteria."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from shuangchuang.registry.models import Base, BaseKind

# A regional base that is a development or high-tech zone (or a new area, a park) is compared with other
# zones; a district, county or city with other administrative areas.
ZONE = re.compile(r"开发区|高新区|高新技术产业|经开区|新区|园区|示范区|自贸|保税|科学城|港")


@dataclass(frozen=True)
class GroupDefault:
    code: str
    name: str


DISTRICTS = GroupDefault("district", gettext_noop("区县（行政区）"))
ZONES = GroupDefault("zone", gettext_noop("开发区和高新区"))
UNIVERSITIES = GroupDefault("university", gettext_noop("高校"))
INSTITUTES = GroupDefault("institute", gettext_noop("科研院所"))
ENTERPRISES = GroupDefault("enterprise", gettext_noop("企业"))
GROUP_NAMES = {g.code: g.name for g in (DISTRICTS, ZONES, UNIVERSITIES, INSTITUTES, ENTERPRISES)}


def default_group(base: Base) -> GroupDefault:
    if base.kind == BaseKind.REGION:
        return ZONES if ZONE.search(base.name) else DISTRICTS
    return {
        BaseKind.UNIVERSITY: UNIVERSITIES,
        BaseKind.INSTITUTE: INSTITUTES,
        BaseKind.ENTERPRISE: ENTERPRISES,
    }[BaseKind(base.kind)]


# (code, name, maximum, scoring guide): the four first-level indicators used in 2019 and 2021, with the
# two the notice stresses for demonstration bases.
CRITERIA: list[tuple[str, str, int, str]] = [
    (
        "government",
        gettext_noop("政府职能"),
        20,
        gettext_noop("简政放权、放管服改革和营商环境；机制健全、专人负责得满分。"),
    ),
    (
        "policy",
        gettext_noop("政策落实"),
        20,
        gettext_noop("国家和地方双创政策落地情况，以政策文件和兑现记录为据。"),
    ),
    ("ecosystem", gettext_noop("双创生态"), 20, gettext_noop("孵化载体、投融资、公共服务平台的数量与质量。")),
    ("culture", gettext_noop("文化建设"), 10, gettext_noop("双创活动周等活动、宣传和创新文化氛围。")),
    ("demonstration", gettext_noop("示范带动"), 15, gettext_noop("经验复制推广、对周边和行业的带动作用。")),
    ("highlights", gettext_noop("特色亮点"), 15, gettext_noop("本方向特色做法和可复制的改革经验。")),
]

# Bonus items (加分项) by the rubric: points at the floor, more per unit, capped.
BONUS_RULES = [
    {
        "code": "national_award",
        "name": gettext_noop("获国家级表彰或奖项"),
        "floor": 1,
        "at_floor": 1,
        "per_unit": 1,
        "cap": 3,
    },
    {
        "code": "replicated",
        "name": gettext_noop("改革经验被国家层面复制推广"),
        "floor": 1,
        "at_floor": 1,
        "per_unit": 0.5,
        "cap": 2,
    },
]

REWARDS = [
    (gettext_noop("优先布局国家级创新创业平台"), gettext_noop("国家发展改革委高技术司")),
    (gettext_noop("中央预算内投资优先支持"), gettext_noop("国家发展改革委投资司")),
    (gettext_noop("双创活动周展示"), gettext_noop("双创活动周组委会")),
]
