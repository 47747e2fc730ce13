"""Fixtures shared by every test: the shipped registry, users of every role, a logged-in client."""

from __future__ import annotations

import pytest

from shuangchuang.accounts.models import Role, User
from shuangchuang.registry.models import Authority, Base
from shuangchuang.registry.services import load_registry

TEST_PASSWORD = "test-Passw0rd-long"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The production hasher costs a few hundred milliseconds per password on purpose; tests need none."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the shipped registry once (third batch, and the first two as far as sourced); every test sees it
    (and rolls back its own changes). `registry` below is the third batch."""
    with django_db_blocker.unblock():
        load_registry()


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    """Background tasks run synchronously in tests (the demo runs them in the db_worker)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def registry(db):
    """The shipped registry, reloaded if a transactional test flushed the database."""
    if not Base.objects.filter(batch__number=3).exists():
        load_registry()
    return Base.objects.filter(batch__number=3)


@pytest.fixture
def make_user(registry):
    counter = iter(range(1, 10_000))

    def make(
        role: str = Role.OPERATOR,
        *,
        base: str | None = None,
        authority: str | None = None,
        assigned: tuple[str, ...] = (),
        **fields,
    ) -> User:
        user = User(username=fields.pop("username", f"{role}-{next(counter)}"), role=role, **fields)
        if base:
            user.base = Base.objects.get(code=base)
        if authority:
            user.authority = Authority.objects.get(code=authority)
        user.set_password(TEST_PASSWORD)
        user.save()
        if assigned:
            user.assigned_bases.set(Base.objects.filter(code__in=assigned))
        return user

    return make


def sign_in(client, user: User):
    """Log `client` in as `user`, past the second factor for roles that sign in with one (a confirmed
    TOTP device, verified in the session as django-otp records it). Tests of the second factor itself
    log in through the pages instead."""
    from django_otp import DEVICE_ID_SESSION_KEY, user_has_device

    client.force_login(user)
    if user.needs_second_factor or user_has_device(user):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def client_for(client):
    """A test client logged in as the given user (past the second factor, see `sign_in`)."""

    def login(user: User):
        return sign_in(client, user)

    return login
