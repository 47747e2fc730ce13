from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.csv", views.audit_export_csv, name="audit_export_csv"),
    path("audit/export.xlsx", views.audit_export_xlsx, name="audit_export_xlsx"),
]
