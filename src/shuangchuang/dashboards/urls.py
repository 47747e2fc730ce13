from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("figures/<slug:indicator>/<int:year>/", views.trace, name="trace"),
    path("export/<slug:table>/", views.export, name="export"),
    path("bases/<slug:code>/", views.profile, name="profile"),
    path("annual/", views.annual_list, name="annual_list"),
    path("annual/<int:report_id>/", views.annual_detail, name="annual_detail"),
    path("annual/<int:report_id>/pdf/", views.annual_download, name="annual_download"),
]
