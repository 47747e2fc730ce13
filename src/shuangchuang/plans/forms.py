"""Forms of the plans pages. They only parse and check what was typed; the services decide and write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shuangchuang.monitoring.evidence import ACCEPT, ALLOWED_LABELS, MAX_BYTES
from shuangchuang.monitoring.models import Indicator, ReportingPeriod

from .models import HostKind, Mechanism, Organisation, Plan, TaskStatus, Trend

EVIDENCE_HELP = format_lazy(
    _("{allowed}，单个文件不超过 {mb} MB。类型按文件内容识别，文件扩展名须与内容相符。"),
    allowed=ALLOWED_LABELS,
    mb=MAX_BYTES // 1024 // 1024,
)


class StyledForm(forms.Form):
    """Tabler's classes on every widget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif isinstance(widget, forms.FileInput):
                widget.attrs.setdefault("class", "form-control")
                widget.attrs.setdefault("accept", ACCEPT)
            else:
                widget.attrs.setdefault("class", "form-control")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PlanForm(StyledForm):
    title = forms.CharField(label=_("建设方案名称"), max_length=120)
    start_year = forms.IntegerField(label=_("建设期起始年度"), min_value=2015, max_value=2050)
    end_year = forms.IntegerField(label=_("建设期结束年度"), min_value=2015, max_value=2060)
    focus = forms.CharField(label=_("建设重点"), widget=forms.Textarea(attrs={"rows": 4}))
    revision_note = forms.CharField(
        label=_("修订说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_year"), data.get("end_year")
        if start and end and not start <= end <= start + 9:
            self.add_error("end_year", gettext("建设期的结束年度须不早于起始年度，且不超过十年。"))
        return data


class IndicatorChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        version = obj.versions.order_by("-valid_from_year").first()
        return f"{obj.code} · {version.label if version else ''}"


class GoalForm(StyledForm):
    name = forms.CharField(label=_("目标名称"), max_length=120)
    indicator = IndicatorChoice(
        label=_("对应监测指标"),
        queryset=Indicator.objects.none(),
        required=False,
        empty_label=_("（不对应指标，由基地填报）"),
        help_text=_("目标衡量的是指标目录中的指标时选择它，实际值取自已核准的年度监测数据；否则由基地填报"),
    )
    unit = forms.CharField(label=_("计量单位"), max_length=20, required=False)
    trend = forms.ChoiceField(label=_("方向"), choices=Trend.choices, initial=Trend.INCREASE)
    baseline = forms.DecimalField(
        label=_("基期值"), max_digits=20, decimal_places=4, help_text=_("建设期开始前一年的实际值")
    )
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    order = forms.IntegerField(label=_("排序"), min_value=0, max_value=999, initial=0, required=False)

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        indicator_field = self.fields["indicator"]
        assert isinstance(indicator_field, forms.ModelChoiceField)
        indicator_field.queryset = Indicator.objects.filter(is_active=True).prefetch_related("versions")
        for year in plan.years:
            self.fields[f"target_{year}"] = forms.DecimalField(
                label=gettext("%(year)d年目标值") % {"year": year},
                max_digits=20,
                decimal_places=4,
                required=year == plan.end_year,
                widget=forms.NumberInput(attrs={"class": "form-control", "step": "any"}),
            )

    def target_fields(self) -> list[forms.BoundField]:
        return [self[f"target_{year}"] for year in self.plan.years]

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("name", "indicator", "unit", "trend", "baseline", "note", "order")]

    def targets(self) -> dict[int, Decimal]:
        return {
            year: self.cleaned_data[f"target_{year}"]
            for year in self.plan.years
            if self.cleaned_data.get(f"target_{year}") is not None
        }


def parse_milestones(text: str) -> tuple[list[tuple[str, dt.date]], list[str]]:
    """One milestone a line, `2025-06-30 完成选址`: the milestones, and an error naming each bad line."""
    milestones, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        day, _sep, title = line.partition(" ")
        try:
            due = dt.date.fromisoformat(day.strip())
        except ValueError:
            errors.append(
                gettext("第 %(line)d 行：“%(day)s”不是日期，请写成 2025-06-30 完成选址。")
                % {"line": number, "day": day}
            )
            continue
        if not title.strip():
            errors.append(gettext("第 %(line)d 行：日期后须写节点名称。") % {"line": number})
            continue
        milestones.append((title.strip()[:200], due))
    return milestones, errors


class TaskForm(StyledForm):
    title = forms.CharField(label=_("任务名称"), max_length=200)
    owner = forms.CharField(label=_("责任单位（人）"), max_length=120)
    deadline = forms.DateField(label=_("完成时限"), widget=DateInput())
    description = forms.CharField(
        label=_("任务内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    milestones = forms.CharField(
        label=_("节点"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个节点：日期 节点名称，例如 2025-06-30 完成选址"),
    )
    order = forms.IntegerField(label=_("排序"), min_value=0, max_value=999, initial=0, required=False)

    def clean_milestones(self) -> list[tuple[str, dt.date]]:
        milestones, errors = parse_milestones(self.cleaned_data.get("milestones", ""))
        if errors:
            raise forms.ValidationError(errors)
        return milestones


class ReturnForm(StyledForm):
    comment = forms.CharField(label=_("审核意见"), widget=forms.Textarea(attrs={"rows": 3}))


class DocumentForm(StyledForm):
    file = forms.FileField(label=_("方案文件（PDF 或 Word）"), help_text=EVIDENCE_HELP)


class PeriodChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label)


class ProgressForm(StyledForm):
    period = PeriodChoice(label=_("报告期"), queryset=ReportingPeriod.objects.none())
    status = forms.ChoiceField(label=_("进展状态"), choices=TaskStatus.choices)
    percent = forms.IntegerField(label=_("完成比例（%）"), min_value=0, max_value=100)
    done = forms.CharField(label=_("本期完成情况"), widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.FileField(label=_("佐证材料"), required=False, help_text=EVIDENCE_HELP)

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        period = self.fields["period"]
        assert isinstance(period, forms.ModelChoiceField)
        period.queryset = ReportingPeriod.objects.filter(
            year__range=(plan.start_year, plan.end_year)
        ).order_by("-year", "-quarter")


class GoalResultForm(StyledForm):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    value = forms.DecimalField(label=_("实际值"), max_digits=20, decimal_places=4)
    note = forms.CharField(label=_("情况说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.FileField(label=_("佐证材料"), required=False, help_text=EVIDENCE_HELP)

    def __init__(self, *args: Any, plan: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year = self.fields["year"]
        assert isinstance(year, forms.TypedChoiceField)
        year.choices = [(y, str(y)) for y in plan.years]


class OrganisationForm(StyledForm):
    name = forms.CharField(label=_("管理机构名称"), max_length=120)
    head = forms.CharField(label=_("负责人"), max_length=40)
    head_title = forms.CharField(label=_("负责人职务"), max_length=80, required=False)
    host_kind = forms.ChoiceField(label=_("依托单位类型"), choices=HostKind.choices)
    host = forms.CharField(
        label=_("隶属关系"),
        max_length=200,
        help_text=_("在地方政府、高校或企业中的位置，例如 市发展改革委内设机构"),
    )
    established_on = forms.DateField(label=_("成立日期"), required=False, widget=DateInput())
    duties = forms.CharField(label=_("主要职责"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    @staticmethod
    def initial_of(organisation: Organisation | None) -> dict[str, Any]:
        if organisation is None:
            return {}
        return {name: getattr(organisation, name) for name in OrganisationForm.base_fields}


class MechanismForm(StyledForm):
    name = forms.CharField(label=_("机制名称"), max_length=120)
    convener = forms.CharField(label=_("召集人"), max_length=80, required=False)
    member_units = forms.CharField(
        label=_("成员单位"), widget=forms.Textarea(attrs={"rows": 4}), help_text=_("每行一个单位")
    )
    established_on = forms.DateField(label=_("建立日期"), required=False, widget=DateInput())

    @staticmethod
    def initial_of(mechanism: Mechanism | None) -> dict[str, Any]:
        if mechanism is None:
            return {}
        return {name: getattr(mechanism, name) for name in MechanismForm.base_fields}


class MeetingForm(StyledForm):
    held_on = forms.DateField(label=_("召开日期"), widget=DateInput())
    title = forms.CharField(label=_("会议名称"), max_length=200)
    decisions = forms.CharField(label=_("议定事项"), widget=forms.Textarea(attrs={"rows": 3}))


class StaffForm(StyledForm):
    name = forms.CharField(label=_("姓名"), max_length=40)
    role = forms.CharField(label=_("岗位职务"), max_length=80)
    phone = forms.CharField(label=_("联系电话"), max_length=40, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    since = forms.DateField(label=_("到岗日期"), widget=DateInput())


class StaffChangeForm(StaffForm):
    effective_on = forms.DateField(label=_("变更生效日期"), widget=DateInput())


class StaffLeaveForm(StyledForm):
    until = forms.DateField(label=_("离岗日期"), widget=DateInput())
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)


class UploadForm(StyledForm):
    file = forms.FileField(label=_("Excel 文件"))
