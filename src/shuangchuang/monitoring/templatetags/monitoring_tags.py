from __future__ import annotations

from django import template

from shuangchuang.monitoring.validation import flag_text

register = template.Library()


@register.filter(name="flag_text")
def flag_text_filter(flag: dict[str, str]) -> str:
    """An outlier flag in the reader's language (its figures are kept with it)."""
    return flag_text(flag)
