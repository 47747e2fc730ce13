"""Production settings: HTTPS only, a secret key from the environment, nothing debug."""

import os

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403

if not os.environ.get("SECRET_KEY"):
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment for production.")

DEBUG = False
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true").lower() == "true"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# 三员分立: no superuser (it would hold every role at once) and no demo accounts.
DEMO_MODE = False
ALLOW_SUPERUSER = False

# Each web thread keeps its PostgreSQL connection for a minute (checked before reuse) instead of opening
# one per request.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", 60))  # noqa: F405

# The load balancer's probes and the metrics scraper talk plain HTTP to the app machine.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
