"""Words for the engine's method codes. The engine, the database and the admin keep the codes
(`minmax`, `given` …); pages show these labels instead."""

from __future__ import annotations

import re

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

METHODS = {
    "impute": {
        "none": _("不填补"),
        "mean": _("均值填补"),
        "median": _("中位数填补"),
        "group-mean": _("同类均值填补"),
        "group-median": _("同类中位数填补"),
    },
    "treat": {"none": _("不处理"), "coinr": _("偏度与峰度超限时缩尾")},
    "normalise": {
        "minmax": _("最小–最大值标准化"),
        "zscore": _("Z 分数标准化"),
        "rank": _("排序标准化"),
        "target": _("距目标值标准化"),
    },
    "weighting": {
        "given": _("方案给定权重"),
        "equal": _("等权重"),
        "entropy": _("熵权法"),
        "ahp": _("层次分析法"),
    },
    "aggregate": {
        "arithmetic": _("加权算术平均"),
        "geometric": _("加权几何平均"),
        "topsis": _("TOPSIS 法"),
    },
}

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


def method_label(step: str, code: str) -> str:
    return str(METHODS.get(step, {}).get(code, code))


def uncertain_input_label(name: str) -> str:
    if match := _WEIGHTS_LEVEL.match(name):
        level = int(match.group(1))
        if level == 1:
            return gettext("维度权重（第 1 层）")
        return gettext("第 %(level)d 层权重") % {"level": level}
    return str(UNCERTAIN_INPUTS.get(name, name))


def peer_group_label(name: str) -> str:
    return str(PEER_GROUPS.get(name, name))
