"""The audit log's words for account changes made in the admin. Registered from `AccountsConfig.ready()`."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext, pgettext

from shuangchuang.core.audit_words import register_reason

from .models import User


def _field_names(fields: str) -> str:
    names = []
    for name in fields.split(", "):
        try:
            field = User._meta.get_field(name)
            names.append(str(getattr(field, "verbose_name", name)))
        except FieldDoesNotExist:
            names.append(name)  # password1, password2 …: form fields of the admin
    return pgettext("list separator", "、").join(names)


def register() -> None:
    register_reason(r"新建账户", lambda m, o: gettext("新建账户"), action="accounts.create")
    # accounts/admin.py writes the changed fields by their names: named in the reader's language
    register_reason(
        r"(?P<fields>[a-z0-9_]+(?:, [a-z0-9_]+)*)",
        lambda m, o: gettext("修改了：%(fields)s") % {"fields": _field_names(m["fields"])},
        action="accounts.change",
        every_language=True,
    )
