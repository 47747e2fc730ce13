"""Included by `monitoring/urls.py` in the `monitoring` namespace: `monitoring:completeness`."""

from django.urls import path

from . import views_completeness

urlpatterns = [
    path("completeness/", views_completeness.completeness, name="completeness"),
]
