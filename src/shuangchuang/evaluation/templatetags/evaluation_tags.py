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


@register.filter
def negate(value: float | None) -> float | None:
    """-x, for a loss shown as the gain it would be (a score that would rise by 2.5)."""
    return None if value is None else -value
