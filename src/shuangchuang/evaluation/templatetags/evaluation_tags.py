from __future__ import annotations

from django import template

from shuangchuang.evaluation import labels

register = template.Library()


@register.filter
def uncertain_input_label(name: str) -> str:
    return labels.uncertain_input_label(name)


@register.filter
def peer_group_label(name: str) -> str:
    return labels.peer_group_label(name)
