"""Words for the engine's names that reach the pages: the uncertain inputs of a sensitivity analysis
(`weights level 1` …) and the stored peer groups. The scheme's methods have their labels as model choices."""

from __future__ import annotations

import re

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The uncertain inputs of the sensitivity analysis, as the engine names them.
UNCERTAIN_INPUTS = {
    "imputation": _("缺失值填补方法"),
    "winsorisation limit": _("缩尾上限"),
    "normalisation": _("标准化方法"),
    "aggregation": _("合成方法"),
}
_WEIGHTS_LEVEL = re.compile(r"^weights level (\d+)$")

# Peer groups are stored as the Chinese words of registry.models.PEER_GROUPS.
PEER_GROUPS = {"区域": _("区域"), "高校和科研院所": _("高校和科研院所"), "企业": _("企业")}


def uncertain_input_label(name: str) -> str:
    if match := _WEIGHTS_LEVEL.match(name):
        # COINr's numbering, as the engine uses it: level 1 = the indicators' weights within their
        # dimension, level 2 = the dimensions' weights within the index, and so on up.
        level = int(match.group(1))
        if level == 1:
            return gettext("指标权重")
        if level == 2:
            return gettext("维度权重")
        return gettext("第 %(level)d 层权重") % {"level": level}
    return str(UNCERTAIN_INPUTS.get(name, name))


def peer_group_label(name: str) -> str:
    return str(PEER_GROUPS.get(name, name))
