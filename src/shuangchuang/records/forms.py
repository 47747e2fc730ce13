"""The forms of the work records. They parse and validate what was typed; the services decide the rest."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from shuangchuang.accounts.models import User
from shuangchuang.monitoring.evidence import ACCEPT, ALLOWED_LABELS
from shuangchuang.registry.models import Base

from .models import Experience, Problem, SupportPolicy


class StyledForm(forms.Form):
    """Tabler's classes on every widget."""

    def style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            elif isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            else:
                widget.attrs.setdefault("class", "form-control")
            if isinstance(widget, forms.Textarea):
                widget.attrs.setdefault("rows", 4)


class BaseChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.current_name}"


class PolicyForm(forms.ModelForm[SupportPolicy], StyledForm):
    bases = BaseChoiceField(queryset=Base.objects.none(), label=_("覆盖基地"))
    upload = forms.FileField(
        label=_("政策文件"),
        required=False,
        help_text=format_lazy(_("可上传 {allowed}，10 MB 以内。"), allowed=ALLOWED_LABELS),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    class Meta:
        model = SupportPolicy
        fields = ["title", "issuer", "document_number", "issued_on", "kind", "summary"]
        widgets = {"issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bases = Base.objects.restrict(user).order_by("batch__number", "code")
        if user.base_id:
            bases = bases.filter(pk=user.base_id)
        self.base_choices = bases
        cast(BaseChoiceField, self.fields["bases"]).queryset = bases
        if user.base_id:
            self.fields["bases"].initial = [user.base_id]
        self.style()
        self.fields["bases"].widget.attrs["size"] = min(10, max(3, bases.count()))


class ProblemForm(forms.ModelForm[Problem], StyledForm):
    class Meta:
        model = Problem
        fields = ["category", "title", "description", "needs", "needed_from"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()


class ExperienceForm(forms.ModelForm[Experience], StyledForm):
    class Meta:
        model = Experience
        fields = [
            "title",
            "theme",
            "keywords",
            "problem_solved",
            "actions",
            "results",
            "policy_basis",
            "contact",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()
