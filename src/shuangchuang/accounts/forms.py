"""Forms of the sign-in steps and of the security administrator's account pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import UsernameField
from django.utils.translation import gettext_lazy as _

from .models import GrantState, RoleGrant, User


class CodeForm(forms.Form):
    """A six-digit code from the authenticator app, or a recovery code."""

    token = forms.CharField(
        label=_("动态口令"),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "class": "form-control",
            }
        ),
    )


class AccountCreationForm(forms.ModelForm):
    """A new account: no password field. The system makes the initial password (shown once), or, for a
    role that a national administrator confirms, makes it at the confirmation."""

    class Meta:
        model = User
        fields = (
            "username",
            "last_name",
            "first_name",
            "email",
            "phone",
            "organization",
            "role",
            "authority",
            "base",
        )
        field_classes = {"username": UsernameField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].help_text = _(
            "基地填报员和第三方评估机构账户由安全管理员直接开通；其他角色（国家管理员、审核单位、联席会议成员单位、"
            "审计员、安全管理员）须经国家管理员确认后才生效（双人授权）。"
        )


class AccountChangeForm(forms.ModelForm):
    """An existing account; refuses what the rules refuse before anything is saved."""

    class Meta:
        model = User
        fields = (
            "username",
            "last_name",
            "first_name",
            "email",
            "phone",
            "organization",
            "role",
            "authority",
            "base",
            "assigned_bases",
            "is_active",
        )
        field_classes = {"username": UsernameField}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pending_new = RoleGrant.objects.filter(
            user=self.instance, state=GrantState.PENDING, new_account=True
        ).exists()
        if pending_new and data.get("is_active"):
            self.add_error("is_active", _("该账户的授权尚待国家管理员确认，确认后自动启用。"))
        return data


class RejectGrantForm(forms.Form):
    reason = forms.CharField(
        label=_("驳回理由"), max_length=500, widget=forms.TextInput(attrs={"class": "form-control"})
    )
