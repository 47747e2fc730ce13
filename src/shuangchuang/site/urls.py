from django.urls import path

from . import health, views

app_name = "site"

urlpatterns = [
    path("", views.home, name="home"),
    # for the load balancer and the monitoring system (health.py): no session, no program data
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    # after the registry's own bases/… pages in the root URLconf (bases/provinces/ is not a base)
    path("bases/<slug:code>/", views.base_detail, name="base_detail"),
]
