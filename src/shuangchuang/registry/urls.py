from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("", views.base_list, name="base_list"),
    path("export.csv", views.base_export, name="base_export"),
    path("provinces/", views.province_summary, name="province_summary"),
    path("import/", views.base_import, name="base_import"),
    path("import/template.xlsx", views.base_import_template, name="base_import_template"),
    # a base's own page gathers monitoring and evaluation: it is the site's (`site:base_detail`, bases/<code>/)
]
