from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("review/", views.review_queue, name="review_queue"),
    path("bases/<slug:code>/", views.base_plans, name="base_plans"),
    path("bases/<slug:code>/new/", views.plan_create, name="plan_create"),
    path("bases/<slug:code>/organisation/", views.organisation, name="organisation"),
    path("bases/<slug:code>/organisation/edit/", views.organisation_edit, name="organisation_edit"),
    path("bases/<slug:code>/mechanisms/new/", views.mechanism_edit, name="mechanism_add"),
    path("bases/<slug:code>/mechanisms/<int:mechanism_pk>/", views.mechanism_edit, name="mechanism_edit"),
    path(
        "bases/<slug:code>/mechanisms/<int:mechanism_pk>/meetings/new/", views.meeting_add, name="meeting_add"
    ),
    path("bases/<slug:code>/staff/new/", views.staff_add, name="staff_add"),
    path("bases/<slug:code>/staff/<int:staff_pk>/", views.staff_edit, name="staff_edit"),
    path("bases/<slug:code>/staff/<int:staff_pk>/leave/", views.staff_leave, name="staff_leave"),
    path("bases/<slug:code>/staff/excel/", views.staff_template, name="staff_template"),
    path("bases/<slug:code>/staff/upload/", views.staff_upload, name="staff_upload"),
    path("bases/<slug:code>/staff/upload/confirm/", views.staff_confirm, name="staff_confirm"),
    path("<int:plan_pk>/goals/excel/", views.goals_template, name="goals_template"),
    path("<int:plan_pk>/goals/upload/", views.goals_upload, name="goals_upload"),
    path("<int:plan_pk>/goals/upload/confirm/", views.goals_confirm, name="goals_confirm"),
    path("<int:plan_pk>/", views.plan_detail, name="plan_detail"),
    path("<int:plan_pk>/edit/", views.plan_edit, name="plan_edit"),
    path("<int:plan_pk>/document/", views.document_upload, name="document_upload"),
    path("<int:plan_pk>/goals/new/", views.goal_edit, name="goal_add"),
    path("<int:plan_pk>/goals/<int:goal_pk>/", views.goal_edit, name="goal_edit"),
    path("<int:plan_pk>/goals/<int:goal_pk>/delete/", views.goal_delete, name="goal_delete"),
    path("<int:plan_pk>/tasks/new/", views.task_edit, name="task_add"),
    path("<int:plan_pk>/tasks/<int:task_pk>/", views.task_edit, name="task_edit"),
    path("<int:plan_pk>/tasks/<int:task_pk>/delete/", views.task_delete, name="task_delete"),
    path("<int:plan_pk>/discard/", views.plan_discard, name="plan_discard"),
    path("<int:plan_pk>/<slug:plan_action>/", views.plan_move, name="plan_move"),
    path("tasks/<int:task_pk>/progress/", views.task_progress, name="task_progress"),
    path("goals/<int:goal_pk>/result/", views.goal_result, name="goal_result"),
    path("files/<int:attachment_pk>/", views.attachment_download, name="attachment"),
]
