"""Reference data that is part of the program itself: batches and directions (categories)."""

from __future__ import annotations

import datetime as dt

BATCHES = [
    # number, year, name, document, publication date
    (1, 2016, "第一批", "国办发〔2016〕35号", dt.date(2016, 5, 8)),
    (2, 2017, "第二批", "国办发〔2017〕54号", dt.date(2017, 6, 15)),
    (3, 2020, "第三批", "国办发〔2020〕51号", dt.date(2020, 12, 9)),
]

DIRECTIONS = [
    # code, name, English, kind, order
    ("employment", "创业就业", "Entrepreneurship and employment", "direction", 1),
    ("integration", "融通创新", "Integrated innovation", "direction", 2),
    ("lean", "精益创业", "Lean entrepreneurship", "direction", 3),
    ("global", "全球化创业", "Global entrepreneurship", "direction", 4),
    ("regional", "区域示范基地", "Regional bases", "category", 5),
    ("academic", "高校和科研院所示范基地", "University and research-institute bases", "category", 6),
    ("corporate", "企业示范基地", "Enterprise bases", "category", 7),
]

KIND_LABELS = {"区域": "region", "高校": "university", "科研院所": "institute", "企业": "enterprise"}

# How many bases each notice names, by direction or category code (the annexes' own headings).
NOTICE_COUNTS = {
    1: {"regional": 17, "academic": 4, "corporate": 7},  # 国办发〔2016〕35号: 28
    2: {"regional": 45, "academic": 26, "corporate": 21},  # 国办发〔2017〕54号: 92
    3: {"employment": 25, "integration": 27, "lean": 32, "global": 8},  # 国办发〔2020〕51号: 92
}


def announced_total(batch_number: int) -> int:
    """The number of bases the batch's notice names (0 for a batch the program does not know)."""
    return sum(NOTICE_COUNTS.get(batch_number, {}).values())
