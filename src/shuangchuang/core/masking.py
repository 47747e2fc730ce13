"""Masking personal data (phone numbers, e-mail addresses, ID numbers) for readers who do not need it.

Pages show a person's contact data in full only to the roles that need it (`accounts.view_personal_data`
in the access policy: the security administrator, who manages accounts); everyone else sees it masked,
and the audit log keeps it masked. Templates use the filters of the same names (`core_tags`):

    {{ person.phone|mask_phone }}                 always masked
    {{ person.phone|mask_phone:request.user }}    in full for a reader who may see personal data
"""

from __future__ import annotations

import re

MASK = "*"


def _mask_digits(text: str, keep_start: int, keep_end: int) -> str:
    """Masks the digits of `text` except the first `keep_start` and the last `keep_end`; separators,
    an area code's hyphen or a leading +86 stay where they are."""
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    if len(positions) <= keep_start + keep_end:
        keep_start, keep_end = 0, min(keep_end, max(len(positions) - 3, 0))
    hidden = set(positions[keep_start : len(positions) - keep_end])
    return "".join(MASK if i in hidden else ch for i, ch in enumerate(text))


def mask_phone(value: str | None) -> str:
    """13812345678 → 138****5678; 0592-1234567 → 059*-***4567; +86 138 1234 5678 → +86 1** **** 5678."""
    if not value:
        return ""
    return _mask_digits(str(value), 3, 4)


def mask_email(value: str | None) -> str:
    """zhangsan@ndrc.gov.cn → z*******@ndrc.gov.cn (the domain says which unit; the name is personal)."""
    if not value:
        return ""
    name, at, domain = str(value).partition("@")
    if not at:
        return mask_id_number(name)
    return (name[:1] + MASK * max(len(name) - 1, 1)) + "@" + domain


def mask_id_number(value: str | None) -> str:
    """An ID card number keeps its first 3 and last 4 characters: 110101199003071234 → 110***********1234."""
    if not value:
        return ""
    text = str(value)
    if len(text) <= 7:
        return MASK * len(text)
    return text[:3] + re.sub(r".", MASK, text[3:-4]) + text[-4:]
