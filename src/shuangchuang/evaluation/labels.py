"""Words for the engine's names that reach the pages: the uncertain inputs of a sensitivity analysis
(`weights level 1` …), the stored peer groups and the scheme's nodes. The scheme's methods have their labels
as model choices."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from shuangchuang.monitoring.catalogue import section_label
from shuangchuang.monitoring.models import IndicatorVersion

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


def node_names(scheme: Any, nodes: list[Any], names: dict[str, str] | None = None) -> dict[str, str]:
    """Each node's name (code → name) in the reader's language. `nodes` are the scheme's nodes; `names` the
    names as a run recorded them (Chinese, as the scheme had them then). In English, indicators take the
    catalogue's English name for the scheme's year, dimensions their section's, the index its direction's."""
    result = {n.code: n.name for n in nodes} | (names or {})
    if get_language() != "en":
        return result
    english: dict[int, str] = {}
    for indicator_id, name_en in (
        IndicatorVersion.objects.filter(
            indicator__in=[n.indicator_id for n in nodes if n.indicator_id], valid_from_year__lte=scheme.year
        )
        .order_by("valid_from_year")
        .values_list("indicator_id", "name_en")
    ):
        english[indicator_id] = name_en  # the version in force in the scheme's year comes last
    for node in nodes:
        if node.indicator_id:
            result[node.code] = english.get(node.indicator_id) or result[node.code]
        elif node.parent_id is None:
            result[node.code] = gettext("%(direction)s综合指数") % {"direction": scheme.direction.label}
        else:
            result[node.code] = section_label(node.name)
    return result
