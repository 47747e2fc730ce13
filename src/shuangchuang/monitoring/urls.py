from django.urls import include, path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("bulk/", views.bulk_action, name="bulk_action"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/save/", views.report_save, name="report_save"),
    path("reports/<int:pk>/preview/", views.report_preview, name="report_preview"),
    path("reports/<int:pk>/action/", views.report_transition, name="report_transition"),
    path("reports/<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("reports/<int:pk>/evidence/<int:evidence_pk>/", views.evidence_download, name="evidence_download"),
    path(
        "reports/<int:pk>/evidence/<int:evidence_pk>/withdraw/",
        views.evidence_withdraw,
        name="evidence_withdraw",
    ),
    path("reports/<int:pk>/summary.pdf", views.report_summary_pdf, name="report_summary_pdf"),
    # The Excel round trip and the completeness pages live in their own url modules (same namespace).
    path("", include("shuangchuang.monitoring.urls_excel")),
    path("", include("shuangchuang.monitoring.urls_completeness")),
]
