"""Routes of the Excel round trip; included by `monitoring/urls.py` under the `monitoring` namespace."""

from django.urls import path

from . import views_excel

urlpatterns = [
    path("excel/", views_excel.upload, name="excel_upload"),
    path("excel/confirm/", views_excel.confirm, name="excel_confirm"),
    path("excel/<slug:period>/bases.xlsx", views_excel.download_bases, name="excel_download_authority"),
    path("excel/<slug:period>/<slug:base>.xlsx", views_excel.download_report, name="excel_download_report"),
]
