from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("bases/", views.base_list, name="base_list"),
    path("bases/<slug:code>/", views.base_detail, name="base_detail"),
    path("index/", views.index, name="index"),
    path("experiences/", views.experience_list, name="experience_list"),
    path("decisions/", views.decision_list, name="decision_list"),
    path("experiences/<int:experience_id>/", views.experience_detail, name="experience_detail"),
]
