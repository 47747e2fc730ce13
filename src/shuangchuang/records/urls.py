from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/new/", views.policy_create, name="policy_create"),
    path("policies/check/", views.policy_check, name="policy_check"),
    path("policies/<int:policy_id>/", views.policy_detail, name="policy_detail"),
    path("policies/<int:policy_id>/edit/", views.policy_edit, name="policy_edit"),
    path("policies/<int:policy_id>/file/", views.policy_file, name="policy_file"),
    path("policies/<int:policy_id>/delete/", views.policy_delete, name="policy_delete"),
    path("problems/", views.problem_list, name="problem_list"),
    path("problems/new/", views.problem_create, name="problem_create"),
    path("problems/<int:problem_id>/", views.problem_detail, name="problem_detail"),
    path("problems/<int:problem_id>/act/", views.problem_act, name="problem_act"),
    path("experiences/", views.experience_list, name="experience_list"),
    path("experiences/new/", views.experience_create, name="experience_create"),
    path("experiences/<int:experience_id>/", views.experience_detail, name="experience_detail"),
    path("experiences/<int:experience_id>/edit/", views.experience_edit, name="experience_edit"),
    path("experiences/<int:experience_id>/act/", views.experience_act, name="experience_act"),
]
