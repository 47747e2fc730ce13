"""What the audit log needs from operation monitoring to name its rows: indicators behind their codes, the
report and period an id stands for, and the English of the reasons this app writes. Registered from
`MonitoringConfig.ready()`."""

from __future__ import annotations

import datetime as dt
import re

from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from shuangchuang.core.audit_words import register_field_names, register_object_names, register_reason

from .models import Indicator, IndicatorVersion, Report, ReportingPeriod
from .services import EXPLANATION_SUFFIX

EVIDENCE_PREFIX = "佐证材料·"  # evidence.py writes the field of an upload as 佐证材料·<section>
# evidence.py's file kinds, as its upload reasons name them
FILE_KINDS = {
    "PNG 图片": _("PNG 图片"),
    "JPEG 图片": _("JPEG 图片"),
    "Excel 工作簿": _("Excel 工作簿"),
    "Word 文档": _("Word 文档"),
}


def indicator_names(codes: set[str]) -> dict[str, str]:
    """Code → the indicator's name (its latest definition) in the reader's language."""
    names: dict[str, str] = {}
    versions = (
        IndicatorVersion.objects.filter(indicator__code__in=codes)
        .select_related("indicator")
        .order_by("indicator_id", "valid_from_year")
    )
    for version in versions:
        names[version.indicator.code] = version.label  # the latest definition comes last
    return names


def report_field_names(keys: set[str]) -> dict[str, str]:
    from .evidence import section_label

    names = indicator_names({key.removesuffix(EXPLANATION_SUFFIX) for key in keys})
    result = {}
    for key in keys:
        code = key.removesuffix(EXPLANATION_SUFFIX)
        if key.startswith(EVIDENCE_PREFIX):
            result[key] = gettext("佐证材料 · %(section)s") % {
                "section": section_label(key.removeprefix(EVIDENCE_PREFIX))
            }
        elif code in names:
            result[key] = (
                names[code] if code == key else gettext("%(name)s · 情况说明") % {"name": names[code]}
            )
    return result


def report_names(ids: set[str]) -> dict[str, str]:
    reports = Report.objects.filter(pk__in=[i for i in ids if i.isdigit()]).select_related("base", "period")
    return {str(r.pk): f"{r.base.short_name} · {r.period.label}" for r in reports}


def period_names(ids: set[str]) -> dict[str, str]:
    periods = ReportingPeriod.objects.filter(pk__in=[i for i in ids if i.isdigit()])
    return {str(p.pk): p.label for p in periods}


def indicator_object_names(ids: set[str]) -> dict[str, str]:
    indicators = Indicator.objects.filter(pk__in=[i for i in ids if i.isdigit()])
    names = indicator_names({i.code for i in indicators})
    return {str(i.pk): names.get(i.code, i.code) for i in indicators}


def _due_on(match: re.Match[str], _: str) -> str:
    day = dt.date(int(match["year"]), int(match["month"]), int(match["day"]))
    return gettext("截止日期 %(date)s") % {"date": date_format(day, "DATE_FORMAT")}


def _opened(match: re.Match[str], _: str) -> str:
    n = int(match["n"])
    return ngettext("开放填报，新建 %(n)d 份填报", "开放填报，新建 %(n)d 份填报", n) % {"n": n}


def register() -> None:
    register_field_names(Report._meta.label, report_field_names)
    register_field_names(ReportingPeriod._meta.label, lambda keys: {"reports": gettext("新建填报份数")})
    register_field_names(Indicator._meta.label, lambda keys: {"version": gettext("定义版本（起始年度）")})
    register_object_names(Report._meta.label, report_names)
    register_object_names(ReportingPeriod._meta.label, period_names)
    register_object_names(Indicator._meta.label, indicator_object_names)

    register_reason(r"在线填报", lambda m, o: gettext("在线填报"))
    register_reason(r"佐证材料", lambda m, o: gettext("佐证材料"), action="upload.accepted")
    register_reason(
        r"Excel 导入：检查通过", lambda m, o: gettext("Excel 导入：检查通过"), action="upload.accepted"
    )
    register_reason(r"截止日期 (?P<year>\d{4})年(?P<month>\d{2})月(?P<day>\d{2})日", _due_on)
    register_reason(r"开放填报，新建 (?P<n>\d+) 份填报", _opened)
    register_reason(r"加载指标目录：新增指标", lambda m, o: gettext("加载指标目录：新增指标"))
    register_reason(r"指标目录数据文件更新", lambda m, o: gettext("指标目录数据文件更新"))
    register_reason(r"更正尚无填报数据的指标定义", lambda m, o: gettext("更正尚无填报数据的指标定义"))
    register_reason(
        r"新增 (?P<year>\d{4}) 年起的指标定义：.+",
        lambda m, o: gettext("新增 %(year)s 年起的指标定义：%(name)s") % {"year": m["year"], "name": o},
    )
    register_reason(
        r"生成演示数据（seed=(?P<seed>\d+)）",
        lambda m, o: gettext("生成演示数据（seed=%(seed)s）") % m.groupdict(),
    )
    register_reason(r"重新开放后按统计口径更正", lambda m, o: gettext("重新开放后按统计口径更正"))
    register_reason(
        r"Excel 导入（(?P<file>[^）]*)）(?:：(?P<note>.*))?",
        lambda m, o: (
            gettext("Excel 导入（%(file)s）") % {"file": m["file"]} + (f": {m['note']}" if m["note"] else "")
        ),
    )
    register_reason(
        r"上传(?P<kind>.+?)（(?P<size>[\d,]+) 字节，SHA-256 (?P<digest>[0-9a-f]+)）",
        lambda m, o: (
            gettext("上传%(kind)s（%(size)s 字节，SHA-256 %(digest)s）")
            % {"kind": str(FILE_KINDS.get(m["kind"], m["kind"])), "size": m["size"], "digest": m["digest"]}
        ),
    )
    register_reason(r"撤回（文件留存备查）", lambda m, o: gettext("撤回（文件留存备查）"))
