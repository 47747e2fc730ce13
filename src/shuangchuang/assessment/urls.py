from django.urls import path

from . import views

app_name = "assessment"

urlpatterns = [
    path("", views.cycle_list, name="cycle_list"),
    path("open/", views.cycle_open, name="cycle_open"),
    path("<int:cycle_id>/", views.cycle_detail, name="cycle_detail"),
    path("<int:cycle_id>/act/", views.cycle_action, name="cycle_action"),
    path("<int:cycle_id>/results/", views.results, name="results"),
    path("<int:cycle_id>/self/", views.self_assessment, name="self_assessment"),
    path("<int:cycle_id>/conflicts/", views.declare_conflict, name="declare_conflict"),
    path("<int:cycle_id>/visits/<slug:base_code>/", views.site_visit, name="site_visit"),
    path("<int:cycle_id>/what-if/", views.what_if, name="what_if"),
    path("sheets/<int:sheet_id>/", views.sheet, name="sheet"),
    path("decisions/<int:decision_id>/", views.decision_detail, name="decision_detail"),
    path("decisions/<int:decision_id>/act/", views.decision_action, name="decision_action"),
    path(
        "decisions/<int:decision_id>/<slug:kind>.<slug:fmt>",
        views.decision_document,
        name="decision_document",
    ),
    path("rectifications/<int:rectification_id>/", views.rectification, name="rectification"),
]
