"""The pages of a refusal (site/refusals.py) are kept per template and language with the reader's own bar
and token put in: they must be the page Django's own views draw, for every reader and language, carry a
token that works for the reader's session, and still show a message that was waiting."""

from __future__ import annotations

import re

import pytest
from conftest import sign_in
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.http import Http404
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from shuangchuang.accounts.models import Role
from shuangchuang.site import refusals

pytestmark = pytest.mark.django_db

# the masked CSRF tokens: a new mask on every call, so two renderings differ there and only there
TOKEN = re.compile(r"[A-Za-z0-9]{64}")

REFUSED = {403: "/audit/", 404: "/no-such-page/"}  # the audit log is the auditor's


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("status", [403, 404])
@pytest.mark.parametrize("role", [Role.JOINT_MEMBER, Role.OPERATOR, Role.NATIONAL_ADMIN, "anonymous"])
def test_the_kept_page_is_the_page_django_draws(make_user, role, status, language):
    client = Client()
    if role != "anonymous":
        scope = {"base": "B3-012"} if role == Role.OPERATOR else {}
        sign_in(client, make_user(role, last_name="林", first_name="拒绝", **scope))
    client.cookies["django_language"] = language
    url = REFUSED[status]
    client.get(url)  # the layout is now kept

    response = client.get(url)

    if role == "anonymous" and status == 403:
        assert response.status_code == 302  # to the login page, not a refusal
        return
    assert response.status_code == status
    drawn = render_to_string(f"{status}.html", request=response.wsgi_request)
    assert TOKEN.sub("T", response.content.decode()) == TOKEN.sub("T", drawn)
    assert f'lang="{language}"' in drawn


def test_the_token_on_a_refusal_works_for_the_readers_session(make_user):
    client = sign_in(Client(enforce_csrf_checks=True), make_user(Role.JOINT_MEMBER))
    other = sign_in(Client(enforce_csrf_checks=True), make_user(Role.JOINT_MEMBER))
    other.get("/no-such-page/")

    page = client.get("/no-such-page/").content.decode()
    forms = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))
    htmx = set(re.findall(r'"X-CSRFToken": "([^"]+)"', page))
    assert forms and htmx
    tokens = forms | htmx

    for token in tokens:
        response = client.post(
            "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token}
        )
        assert response.status_code == 302


def test_a_waiting_message_is_shown_on_the_refusal(make_user):
    request = RequestFactory().get("/no-such-page/")
    request.user = make_user(Role.JOINT_MEMBER)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    messages.success(request, "材料已保存")

    page = refusals.not_found(request, Http404()).content.decode()

    assert "材料已保存" in page
    assert request._messages.used  # shown, so used up (the middleware then lets them go)
