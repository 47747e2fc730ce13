from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("双创示范基地监测评估平台 · 系统管理")
admin.site.site_title = _("双创示范基地监测评估平台")
admin.site.index_title = _("系统管理")

urlpatterns = [
    path("", include("shuangchuang.core.urls")),
    path("accounts/", include("shuangchuang.accounts.urls")),
    path("bases/", include("shuangchuang.registry.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("monitoring/", include("shuangchuang.monitoring.urls")),
    path("evaluation/", include("shuangchuang.evaluation.urls")),
    path("assessment/", include("shuangchuang.assessment.urls")),
    path("dashboards/", include("shuangchuang.dashboards.urls")),
    path("public/", include("shuangchuang.portal.urls")),
    path("plans/", include("shuangchuang.plans.urls")),
    path("records/", include("shuangchuang.records.urls")),
    path("admin/", admin.site.urls),
    # home and a base's page gather several apps; after bases/ (bases/provinces/ is not a base)
    path("", include("shuangchuang.site.urls")),
]

# a failed request gets a page in the app's layout, drawn without the database (core/errors.py)
handler500 = "shuangchuang.core.errors.server_error"
# a refusal's page: the layout kept per language, the reader's own bar put in (site/refusals.py)
handler403 = "shuangchuang.site.refusals.forbidden"
handler404 = "shuangchuang.site.refusals.not_found"
