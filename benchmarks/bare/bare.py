"""A bare Django project: one page rendering 92 rows × 5 cells read from SQLite through the ORM.

The yardstick of issue 14: what Django itself costs on this machine for a page the size of the base list,
with nothing of the platform (no sessions, no auth, no menu, no translations). `bench_http.py` starts it
under gunicorn beside the platform and loads both in the same run.

    .venv/bin/python benchmarks/bare/bare.py setup      # creates benchmarks/bare/var/bare.sqlite3 (92 rows)
    .venv/bin/gunicorn --chdir benchmarks/bare bare:application
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.conf import settings

HERE = Path(__file__).resolve().parent
DB = Path(os.environ.get("BARE_DB", HERE / "var" / "bare.sqlite3"))
ROWS = 92

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bare-benchmark-only",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=["django.contrib.contenttypes", "bare_app"],
        MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DB)}},
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [HERE / "templates"],
            }
        ],
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        USE_TZ=True,
    )
    sys.path.insert(0, str(HERE))

import django  # noqa: E402

django.setup()

from bare_app.models import Row  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.shortcuts import render  # noqa: E402
from django.urls import path  # noqa: E402


def rows(request: HttpRequest) -> HttpResponse:
    return render(request, "rows.html", {"rows": Row.objects.order_by("id")})


urlpatterns = [path("", rows)]
application = get_wsgi_application()


def setup() -> None:
    from django.core.management import call_command
    from django.db import connection

    DB.parent.mkdir(parents=True, exist_ok=True)
    DB.unlink(missing_ok=True)
    with connection.schema_editor() as editor:
        editor.create_model(Row)
    Row.objects.bulk_create(
        Row(
            name=f"示范基地 {n}",
            batch=f"第{n % 3 + 1}批",
            province=f"省份 {n % 31}",
            kind="区域示范基地",
            status="active",
        )
        for n in range(ROWS)
    )
    call_command("check")


if __name__ == "__main__" and sys.argv[1:] == ["setup"]:
    setup()
    print(f"{DB}: {Row.objects.count()} rows")
