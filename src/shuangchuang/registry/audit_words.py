"""The English of the reasons the registry writes into the audit log and the status history. Registered from
`RegistryConfig.ready()`."""

from __future__ import annotations

import re

from django.utils.translation import gettext

from shuangchuang.core.audit_words import register_reason

from .models import DOCUMENT_NUMBER

CHINESE_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}


def _announced(match: re.Match[str], _: str) -> str:
    document = match["document"]
    if number := DOCUMENT_NUMBER.fullmatch(document):
        document = gettext("国办发〔%(year)s〕%(number)s号") % number.groupdict()
    return gettext("%(document)s公布") % {"document": document}


def register() -> None:
    register_reason(
        r"加载第(?P<n>[一二三四五])批名单",
        lambda m, o: gettext("加载第 %(n)d 批名单") % {"n": CHINESE_NUMBERS[m["n"]]},
    )
    register_reason(r"名单数据文件更新", lambda m, o: gettext("名单数据文件更新"))
    register_reason(r"名单导入", lambda m, o: gettext("名单导入"))
    register_reason(
        r"导入 (?P<n>\d+) 个示范基地",
        lambda m, o: gettext("导入 %(n)s 个示范基地") % m.groupdict(),
        action="upload.accepted",
    )
    register_reason(r"行政区划调整更名", lambda m, o: gettext("行政区划调整更名"))
    register_reason(
        r"导入文件 (?P<file>.+) 第 (?P<row>\d+) 行",
        lambda m, o: gettext("导入文件 %(file)s 第 %(row)s 行") % m.groupdict(),
    )
    # the status a base got when its batch was published: "<document number>公布"
    register_reason(r"(?P<document>\S+〔\d{4}〕\d+号)公布", _announced)
