from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("", views.run_list, name="run_list"),
    path("schemes/defaults/", views.create_default_schemes, name="create_default_schemes"),
    path("schemes/<int:scheme_id>/", views.scheme_detail, name="scheme_detail"),
    path("schemes/<int:scheme_id>/run/", views.start_run, name="start_run"),
    path("runs/<int:run_id>/", views.run_detail, name="run_detail"),
    path("runs/<int:run_id>/export.xlsx", views.run_export, name="run_export"),
    path("runs/<int:run_id>/bases/<slug:base_code>/", views.result_detail, name="result_detail"),
]
