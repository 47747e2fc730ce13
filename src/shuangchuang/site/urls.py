from django.urls import path

from . import views

app_name = "site"

urlpatterns = [
    path("", views.home, name="home"),
    # after the registry's own bases/… pages in the root URLconf (bases/provinces/ is not a base)
    path("bases/<slug:code>/", views.base_detail, name="base_detail"),
]
