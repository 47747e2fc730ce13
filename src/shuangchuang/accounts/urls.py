from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.OwnPasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("security/", views.account_security, name="security"),
    path("second-factor/", views.second_factor_verify, name="second_factor_verify"),
    path("second-factor/enrol/", views.second_factor_enrol, name="second_factor_enrol"),
    path("second-factor/qr.svg", views.second_factor_qr, name="second_factor_qr"),
    path("second-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("second-factor/remove/", views.remove_second_factor, name="remove_second_factor"),
    path("grants/", views.grant_list, name="grant_list"),
    path("grants/<int:pk>/", views.grant_decide, name="grant_decide"),
]
