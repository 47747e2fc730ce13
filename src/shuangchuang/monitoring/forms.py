"""The report's form as the page shows it: indicators grouped by section, each with its value, the
previous period's value, flags, the base's explanation and the reviewer's comment.

Field names in the HTML form: `value-<CODE>`, `explanation-<CODE>`, `comment-<CODE>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .evidence import ACCEPT, ALLOWED_LABELS, CONFIRMATION_SECTION, GENERAL_SECTION, MAX_BYTES, section_label
from .models import IndicatorVersion, Report, ReportValue, ValueType
from .units import unit_label
from .validation import Plan, Value, form_versions

DERIVED_SHOWN = Decimal("0.01")  # computed values are kept to 4 places and shown to 2


def display_value(value: Value, value_type: str) -> str:
    """A value as an official reads it: thousands separators, 是/否; empty is an em dash."""
    if value is None or value == "":
        return "—"
    if value_type == ValueType.BOOLEAN:
        return gettext("是") if value else gettext("否")
    if isinstance(value, Decimal):
        return format(value.normalize(), ",f")
    return str(value)


def shown_value(value: Value, version: IndicatorVersion) -> str:
    if version.is_derived and isinstance(value, Decimal):
        value = value.quantize(DERIVED_SHOWN, ROUND_HALF_UP)
    return display_value(value, version.value_type)


def input_value(value: Value, value_type: str) -> str:
    """A stored value as it goes back into an input: digits grouped by thousands (the parser takes them
    back), 是/否, text."""
    if value is None:
        return ""
    if value_type == ValueType.BOOLEAN:
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value.normalize(), ",f")
    return str(value)


def _stored(value: ReportValue | None) -> Value:
    if value is None:
        return None
    return value.number if value.number is not None else (value.text or None)


@dataclass
class FieldRow:
    code: str
    version: IndicatorVersion
    value: Value = None
    raw: str = ""
    previous: str = "—"
    flags: list[dict[str, str]] = field(default_factory=list)
    explanation: str = ""
    comment: str = ""
    comment_input: str = ""
    error: str = ""

    @property
    def name(self) -> str:
        return self.version.label

    @property
    def unit(self) -> str:
        return unit_label(self.version.unit)

    @property
    def is_derived(self) -> bool:
        return self.version.is_derived

    @property
    def required(self) -> bool:
        return self.version.indicator.required and not self.is_derived

    @property
    def display(self) -> str:
        return shown_value(self.value, self.version)

    @property
    def kind(self) -> str:
        """How the value is typed: 'boolean' (是/否), 'text' or 'number'."""
        if self.version.value_type in (ValueType.BOOLEAN, ValueType.TEXT):
            return self.version.value_type
        return "number"

    @property
    def needs_explanation(self) -> bool:
        return bool(self.flags) and not self.explanation.strip()


@dataclass
class Section:
    name: str
    rows: list[FieldRow]

    @property
    def label(self) -> str:
        return section_label(self.name)

    @property
    def problem_count(self) -> int:
        return sum(1 for r in self.rows if r.error)


def build_sections(
    report: Report,
    *,
    posted: QueryDict | None = None,
    errors: dict[str, str] | None = None,
    plan: Plan | None = None,
    versions: dict[str, IndicatorVersion] | None = None,
) -> list[Section]:
    """The report's form grouped by section. `posted` keeps what the user typed after a failed save;
    `plan` (from `validation.plan_changes`, nothing saved) supplies live derived values and flags."""
    if versions is None:
        versions = form_versions(report.base, report.period)
    stored = {v.indicator.code: v for v in report.values.select_related("indicator")}
    previous = _previous_values(report)
    errors = errors or {}
    after = plan.values.get(report.pk, {}) if plan else {}
    plan_flags = plan.flags.get(report.pk, {}) if plan else {}

    sections: dict[str, list[FieldRow]] = {}
    for code, version in versions.items():
        saved = stored.get(code)
        row = FieldRow(
            code=code,
            version=version,
            value=after[code] if code in after else _stored(saved),
            flags=plan_flags.get(code, []) if plan else (saved.flags if saved else []),
            explanation=saved.explanation if saved else "",
            comment=saved.review_comment if saved else "",
            previous=previous.get(code, "—"),
            error=errors.get(code, ""),
        )
        row.raw = input_value(_stored(saved), version.value_type)
        if posted is not None:
            row.raw = posted.get(f"value-{code}", row.raw)
            row.explanation = posted.get(f"explanation-{code}", row.explanation)
            row.comment_input = posted.get(f"comment-{code}", "")
        sections.setdefault(version.indicator.section, []).append(row)
    return [Section(name, rows) for name, rows in sections.items()]


def _previous_values(report: Report) -> dict[str, str]:
    """The same base's values in the period the report is compared with (the quarter or year before)."""
    period = report.period.previous()
    if period is None:
        return {}
    rows = ReportValue.objects.filter(report__base_id=report.base_id, report__period=period).select_related(
        "indicator", "indicator_version"
    )
    return {v.indicator.code: shown_value(_stored(v), v.indicator_version) for v in rows}


def raw_values(sections: list[Section], data: QueryDict) -> dict[str, str]:
    """What the user typed for every field that is typed (derived values are computed, never posted)."""
    return {
        row.code: data.get(f"value-{row.code}", "")
        for section in sections
        for row in section.rows
        if not row.is_derived
    }


def posted_explanations(data: QueryDict) -> dict[str, str]:
    return {
        key.removeprefix("explanation-"): data.get(key, "") for key in data if key.startswith("explanation-")
    }


def posted_comments(data: QueryDict) -> dict[str, str]:
    texts = {
        key.removeprefix("comment-"): data.get(key, "").strip() for key in data if key.startswith("comment-")
    }
    return {code: text for code, text in texts.items() if text}


def evidence_sections(report: Report, versions: Mapping[str, IndicatorVersion] | None = None) -> list[str]:
    """The form's sections, then the general one; `versions`: the report's form when the caller has it."""
    if versions is None:
        versions = form_versions(report.base, report.period)
    sections = list(dict.fromkeys(v.indicator.section for v in versions.values()))
    return [*sections, GENERAL_SECTION]


class EvidenceForm(forms.Form):
    section = forms.ChoiceField(label=_("分组"))
    file = forms.FileField(
        label=_("文件"),
        help_text=format_lazy(
            _("{allowed}，单个文件不超过 {mb} MB。类型按文件内容识别，文件扩展名须与内容相符。"),
            allowed=ALLOWED_LABELS,
            mb=MAX_BYTES // 1024 // 1024,
        ),
    )

    accept = ACCEPT  # the file input's accept attribute: the browser offers these files first

    def __init__(self, *args: Any, sections: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["section"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(s, section_label(s)) for s in sections]


def upload_sections(
    report: Report, *, confirmation_only: bool, versions: Mapping[str, IndicatorVersion] | None = None
) -> list[str]:
    return [CONFIRMATION_SECTION] if confirmation_only else evidence_sections(report, versions)
