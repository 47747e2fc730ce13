"""Signed-in sessions for the page benchmarks and the load scripts (Django must be set up first).

A session is made the way a sign-in through the pages leaves it (auth keys, the second factor verified for
the roles that need one, the activity stamps of the idle-logout middleware), without the password hash and
the one-time code: what is measured is the page, not the sign-in (`bench_login_pdf` measures that).
"""

from __future__ import annotations

import time
from typing import Any


def session_key(username: str) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.base import SessionBase
    from django.utils.module_loading import import_string
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from shuangchuang.accounts.middleware import LAST_ACTIVITY, SIGNED_IN_AT
    from shuangchuang.accounts.models import User

    user = User.objects.get(username=username)
    store: SessionBase = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if user.needs_second_factor:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="benchmark", confirmed=True)
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    now = time.time()
    store[SIGNED_IN_AT] = now
    store[LAST_ACTIVITY] = now
    store.create()
    assert store.session_key is not None
    return store.session_key


def client_for(username: str) -> Any:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key(username)
    return client
