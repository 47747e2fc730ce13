from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import pgettext

from shuangchuang.core import policy

register = template.Library()


@register.simple_tag(takes_context=True)
def may(context: template.Context, action: str, obj: object = None) -> bool:
    """`{% may "monitoring.report.submit" report as can_submit %}`: the access policy's answer for the
    signed-in user, for templates that show or hide a button (the view decides again when it is used)."""
    return policy.may(context.get("user"), action, obj)


@register.simple_tag(takes_context=True)
def query_replace(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (for pagination and sorting links)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.filter
def minutes(duration: Any) -> int:
    """A timedelta in whole minutes (for messages such as the login lockout)."""
    return int(duration.total_seconds() // 60) if duration else 0


@register.filter
def audit_action(action: str) -> str:
    """An audit action code (`monitoring.submit`) in words (报送)."""
    from shuangchuang.core.audit import action_label

    return action_label(action)


@register.filter
def audit_object_type(object_type: str) -> str:
    """An audit row's object type (`monitoring.Report`) as its model's name (填报报告), else as stored."""
    from django.apps import apps

    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


@register.filter
def reason(text: str) -> str:
    """A reason kept with a record (status history, audit row): the app's own words in the reader's
    language, a person's as typed."""
    from shuangchuang.core.audit_words import reason_words

    return reason_words(text)


@register.simple_tag
def colon() -> str:
    """The colon after a label: full-width in Chinese (单位：人), ": " in English (Unit: 人)."""
    return pgettext("label separator", "：")


def _reveal(viewer: Any) -> bool:
    from shuangchuang.core.policy import may

    return viewer is not None and bool(viewer) and may(viewer, "accounts.view_personal_data")


@register.filter
def mask_phone(value: str, viewer: Any = None) -> str:
    """A phone number masked (138****5678), in full for a `viewer` who may see personal data."""
    from shuangchuang.core import masking

    return value if _reveal(viewer) else masking.mask_phone(value)


@register.filter
def mask_email(value: str, viewer: Any = None) -> str:
    """An e-mail address masked (z*******@ndrc.gov.cn), in full for a `viewer` who may see personal data."""
    from shuangchuang.core import masking

    return value if _reveal(viewer) else masking.mask_email(value)


@register.filter
def mask_id_number(value: str, viewer: Any = None) -> str:
    """An ID number masked (110***********1234), in full for a `viewer` who may see personal data."""
    from shuangchuang.core import masking

    return value if _reveal(viewer) else masking.mask_id_number(value)


@register.filter(is_safe=True)
def page_title(title: str, site: str) -> SafeString:
    """A page's ``<title>``: its own title, then the site's name (``{% filter page_title:_("…") %}`` around
    the title block): a page without a title gets the name alone, not a dangling separator."""
    title, site = title.strip(), conditional_escape(site)
    # the title block was rendered by the template engine, which escaped what it shows
    return mark_safe(f"{title} · {site}" if title else site)  # noqa: S308
