"""Signing in (password, then the second factor), changing one's password, one's second factor, and the
national administrator's confirmation of grants. Thin: the rules are in services and the policy."""

from __future__ import annotations

import io
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device

from shuangchuang.core.policy import permission_required, require

from . import services
from .forms import CodeForm, RejectGrantForm
from .models import GrantState, RoleGrant
from .signals import record_failed_sign_in
from .throttle import address_throttled

# The menu is left out until the account has met its obligations (its pages would only send it back).
NO_MENU: list[dict[str, Any]] = []


def _next_url(request: HttpRequest, default: str = "site:home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


class SignInView(auth_views.LoginView):
    """Django's sign-in, refused before the password check for an address that is being throttled."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if address_throttled(request):
            record_failed_sign_in(request, request.POST.get("username"), "该地址登录失败过多，已限流")
            return render(request, "registration/throttled.html", status=429)
        return super().post(request, *args, **kwargs)


class OwnPasswordChangeView(auth_views.PasswordChangeView):
    """The holder's own password: an initial or reset one is changed here before anything else."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["forced"] = user.must_change_password  # type: ignore[union-attr]
        context["expired"] = services.password_expired(user)  # type: ignore[arg-type]
        context["next"] = self.request.GET.get("next", "")
        if context["forced"] or context["expired"]:
            context["nav_items"] = NO_MENU
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        form.save()
        update_session_auth_hash(self.request, form.user)
        services.password_changed_by_holder(form.user)
        messages.success(self.request, _("新密码已生效。"))
        return redirect(_next_url(self.request, "accounts:password_change_done"))


# The second factor


@never_cache
@login_required
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_verified() or not user_has_device(user):  # type: ignore[union-attr]
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.verify_second_factor(user, form.cleaned_data["token"])  # type: ignore[arg-type]
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error(
            "token", _("动态口令不正确或已过期，请输入验证器当前显示的 6 位数字，或一个未用过的恢复码。")
        )
    return render(
        request,
        "accounts/second_factor_verify.html",
        {"form": form, "next": _next_url(request), "nav_items": NO_MENU},
    )


@never_cache
@login_required
def second_factor_enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    if services.has_second_factor(user) and not user.is_verified():  # type: ignore[arg-type, union-attr]
        return redirect("accounts:second_factor_verify")
    device = services.pending_totp_device(user)  # type: ignore[arg-type]
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enrolled = services.confirm_enrolment(user, form.cleaned_data["token"])  # type: ignore[arg-type]
        if enrolled is not None:
            totp, codes = enrolled
            otp_login(request, totp)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _next_url(request), "enrolled": True},
            )
        form.add_error("token", _("动态口令不正确，请输入验证器当前显示的 6 位数字（注意手机时间要准确）。"))
    secret = device.config_url.split("secret=")[1].split("&")[0]
    context: dict[str, Any] = {
        "form": form,
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "next": _next_url(request),
    }
    if not user.is_verified():  # type: ignore[union-attr]
        context["nav_items"] = NO_MENU
    return render(request, "accounts/second_factor_enrol.html", context)


@never_cache
@login_required
def second_factor_qr(request: HttpRequest) -> HttpResponse:
    """The QR code of the device being enrolled, drawn here (segno), never by an outside service."""
    device = services.pending_totp_device(request.user)  # type: ignore[arg-type]
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(buffer, kind="svg", scale=5, border=2, xmldecl=False)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
def account_security(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/security.html",
        {
            "enrolled": services.has_second_factor(user),  # type: ignore[arg-type]
            "required": user.needs_second_factor,  # type: ignore[union-attr]
        },
    )


@never_cache
@require_POST
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if not services.has_second_factor(request.user):  # type: ignore[arg-type]
        return redirect("accounts:security")
    codes = services.regenerate_recovery_codes(request.user)  # type: ignore[arg-type]
    return render(
        request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("accounts:security")}
    )


@require_POST
@login_required
def remove_second_factor(request: HttpRequest) -> HttpResponse:
    services.remove_own_second_factor(request.user)  # type: ignore[arg-type]
    messages.success(request, _("已取消动态口令，今后登录只需密码。"))
    return redirect("accounts:security")


# Two-person rule: the national administrator's side


@never_cache
@permission_required("accounts.confirm_grant")
def grant_list(request: HttpRequest) -> HttpResponse:
    pending = RoleGrant.objects.filter(state=GrantState.PENDING).select_related(
        "user", "authority", "requested_by", "user__authority", "user__base"
    )
    decided = (
        RoleGrant.objects.exclude(state=GrantState.PENDING)
        .select_related("user", "requested_by", "decided_by")
        .order_by("-decided_at")[:20]
    )
    return render(
        request,
        "accounts/grant_list.html",
        {"pending": pending, "decided": decided, "reject_form": RejectGrantForm()},
    )


@never_cache
@require_POST
@permission_required("accounts.confirm_grant")
def grant_decide(request: HttpRequest, pk: int) -> HttpResponse:
    grant = get_object_or_404(RoleGrant, pk=pk, state=GrantState.PENDING)
    require(request.user, "accounts.confirm_grant", grant)
    if request.POST.get("decision") == "confirm":
        password = services.confirm_grant(request.user, grant)  # type: ignore[arg-type]
        grant.refresh_from_db()
        return render(request, "accounts/grant_confirmed.html", {"grant": grant, "password": password})
    form = RejectGrantForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("驳回须填写理由。"))
        return redirect("accounts:grant_list")
    services.reject_grant(request.user, grant, form.cleaned_data["reason"])  # type: ignore[arg-type]
    messages.success(request, _("已驳回 %(account)s 的授权申请。") % {"account": grant.user.get_username()})
    return redirect("accounts:grant_list")
