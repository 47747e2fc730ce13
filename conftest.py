"""Fixtures shared by every test: the shipped registry, users of every role, a logged-in client.

And what keeps the suite fast (DEVELOPERS.md, "Test layout"): test settings made once per session, the
migrated SQLite test database kept between runs, one middleware chain for every test client."""

from __future__ import annotations

import gc
import hashlib
import importlib
import os
import sqlite3
import sys
from pathlib import Path

import django
import pytest
from django.core import management
from django.core.signals import setting_changed
from django.test import override_settings
from django.test.client import ClientHandler

from shuangchuang.accounts.models import Role, User
from shuangchuang.registry.models import Authority, Base
from shuangchuang.registry.services import load_registry

TEST_PASSWORD = "test-Passw0rd-long"
ROOT = Path(__file__).resolve().parent
MIGRATED_DB_CACHE = ROOT / "var" / "test-db"

# What every test runs with, set once for the session (a test that needs otherwise uses the `settings`
# fixture): the production hasher costs a few hundred milliseconds per password on purpose, tests need none;
# background tasks run synchronously (the demo runs them in the db_worker).
TEST_SETTINGS = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
}


def pytest_addoption(parser):
    parser.addoption(
        "--screenshots",
        action="store_true",
        help="the browser tests save screenshots of the pages they visit into var/screenshots/",
    )


def pytest_collection_modifyitems(config, items):
    """Tests marked `first` run before the rest: a test that waits seconds on processes of its own (`dev.py
    start`) left for the end of the run keeps one worker busy while the other has nothing left to do."""
    # (a stable sort: the rest keep their order)
    items.sort(key=lambda item: item.get_closest_marker("first") is None)


def pytest_collection_finish(session):
    """What every test process holds from its start to its end (Django, the app, the collected tests) is
    frozen out of the cyclic garbage collector's walks, and the collector runs less often: the tests make
    many short-lived objects and few cycles. About 5 % of the suite's CPU time (measured in one process
    over the monitoring and site tests, A/B, twice each)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    """A test process ends without walking everything it made: one collection (the garbage of the last
    tests is finalised while pytest still reports an exception raised in a finaliser), then the survivors
    are frozen, so that pytest's own five collections at exit and the interpreter's at shutdown skip them.
    Walking the heap of a whole run took each xdist worker about a second after its last test, a second
    the run waited for."""
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session", autouse=True)
def test_settings():
    with override_settings(**TEST_SETTINGS):
        yield


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache. What the pages keep is keyed on their data's state (counts,
    ids, times of change); a test rolled back leaves its ids free for the next one, and a frozen clock gives
    the same times, so a row kept by one test could otherwise be taken for another test's row."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the platform's language. A request activates the reader's language in its
    thread and leaves it there (as Django's LocaleMiddleware does): without this, a test calling a function
    directly after a test whose last request was in English would get English messages."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


# The migrated test database (SQLite). Applying the ~80 migrations costs seconds per test process; the
# migrated database is kept in var/test-db/ under a digest of every migration file (and of Django, SQLite
# and Python), and copied into the in-memory test database with SQLite's backup API when the digest matches.
# A changed or new migration gives another digest: migrated afresh, kept again. PostgreSQL migrates each run.


def _migrations_digest() -> str:
    from django.apps import apps
    from django.conf import settings
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256(
        repr((django.__version__, sqlite3.sqlite_version, sys.version, settings.INSTALLED_APPS)).encode()
    )
    for app in apps.get_app_configs():
        module_name, _explicit = MigrationLoader.migrations_module(app.label)
        try:
            package = importlib.import_module(module_name)
        except ImportError:
            continue
        for path in sorted(Path(package.__file__).parent.glob("*.py")):
            digest.update(f"{module_name}/{path.name}".encode() + path.read_bytes())
    return digest.hexdigest()[:20]


def migrated_database() -> Path | None:
    """The kept migrated SQLite database of these migrations, if a test session made it (see above)."""
    cached = MIGRATED_DB_CACHE / f"{_migrations_digest()}.sqlite3"
    return cached if cached.exists() else None


def _migrate_or_restore(original):
    def call_command(name, *args, **options):
        from django.db import connections

        connection = connections[options.get("database", "default")]
        if (
            name != "migrate"
            or connection.vendor != "sqlite"
            or "mode=memory" not in str(connection.settings_dict["NAME"])
        ):
            return original(name, *args, **options)
        cached = migrated_database()
        connection.ensure_connection()
        if cached is not None:
            source = sqlite3.connect(cached)
            try:
                source.backup(connection.connection)
            finally:
                source.close()
            return None
        result = original(name, *args, **options)
        cached = MIGRATED_DB_CACHE / f"{_migrations_digest()}.sqlite3"
        MIGRATED_DB_CACHE.mkdir(parents=True, exist_ok=True)
        for old in MIGRATED_DB_CACHE.glob("*.sqlite3"):
            old.unlink(missing_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.partial")
        target = sqlite3.connect(partial)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        os.replace(partial, cached)  # another test process may write the same file at the same time
        return result

    return call_command


@pytest.fixture(scope="session")
def migrated_db_cache():
    original = management.call_command
    management.call_command = _migrate_or_restore(original)
    try:
        yield
    finally:
        management.call_command = original


# The database as every test starts from it (migrated, the registry loaded), kept in memory on SQLite: a
# transactional test (the browser tests, the backup tests) empties the database when it ends, and the next
# test's `registry` copies this back in a few milliseconds instead of loading the registry again.
_session_start: list[sqlite3.Connection] = []


@pytest.fixture(scope="session")
def django_db_setup(test_settings, migrated_db_cache, django_db_setup, django_db_blocker):
    """Load the shipped registry once (third batch, and the first two as far as sourced); every test sees it
    (and rolls back its own changes). `registry` below is the third batch."""
    from django.db import connection

    with django_db_blocker.unblock():
        load_registry()
        if connection.vendor == "sqlite" and "mode=memory" in str(connection.settings_dict["NAME"]):
            kept = sqlite3.connect(":memory:", check_same_thread=False)
            connection.connection.backup(kept)
            _session_start.append(kept)
    yield
    for kept in _session_start:
        kept.close()
    _session_start.clear()


# One middleware chain for every test client. Django's test client builds the chain afresh for each client
# (each test's `client`), and building it costs ~50 ms (WhiteNoise indexes the static files of the npm
# packages). The chain holds no state of a request; it is built again after any change of settings.

_loaded_handlers: dict[tuple, ClientHandler] = {}
_load_middleware = ClientHandler.load_middleware


def _load_middleware_once(self, is_async=False):
    from django.conf import settings

    key = (type(self), is_async, tuple(settings.MIDDLEWARE))
    loaded = _loaded_handlers.get(key)
    if loaded is None:
        _load_middleware(self, is_async)
        _loaded_handlers[key] = self
        return
    self._view_middleware = loaded._view_middleware
    self._template_response_middleware = loaded._template_response_middleware
    self._exception_middleware = loaded._exception_middleware
    self._middleware_chain = loaded._middleware_chain


def _forget_loaded_handlers(**kwargs):
    _loaded_handlers.clear()


ClientHandler.load_middleware = _load_middleware_once
setting_changed.connect(_forget_loaded_handlers, dispatch_uid="conftest-forget-loaded-handlers")


def ensure_registry() -> None:
    """The shipped registry, back if a transactional test emptied the database (see `_session_start`); for
    the `registry` fixture and for data a module makes once (which may follow a transactional test)."""
    if Base.objects.filter(batch__number=3).exists():
        return
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    # (SQLite copies a database into a connection only outside a transaction: a test in its transaction,
    # after a transactional one, loads the registry into it as before)
    if _session_start and connection.vendor == "sqlite" and not connection.in_atomic_block:
        _session_start[0].backup(connection.connection)
        ContentType.objects.clear_cache()  # the flush made them anew, under other ids
    else:
        load_registry()


@pytest.fixture
def registry(db):
    """The shipped registry (the third batch), reloaded if a transactional test emptied the database."""
    ensure_registry()
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
