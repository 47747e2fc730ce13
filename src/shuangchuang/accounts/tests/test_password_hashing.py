"""Passwords are stored as Argon2id hashes; an account still holding an older hash gets Argon2id at its
next successful login, without the user doing anything."""

import pytest
from conftest import TEST_PASSWORD
from django.contrib.auth.hashers import PBKDF2PasswordHasher, identify_hasher

from shuangchuang.accounts.models import Role, User
from shuangchuang.config import settings as project_settings

pytestmark = pytest.mark.django_db

XMU = "B3-023"


@pytest.fixture(autouse=True)
def production_hashers(settings):
    """The project's hashers (the suite's shared fixture swaps in a fast one for every other test)."""
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


def old_pbkdf2_hash(password: str) -> str:
    return PBKDF2PasswordHasher().encode(password, "oldsalt0123456789", iterations=1000)


def test_a_new_password_is_stored_as_an_argon2id_hash(make_user):
    user = make_user(Role.OPERATOR, base=XMU, username="xmu")

    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert user.check_password(TEST_PASSWORD)


def test_an_old_pbkdf2_hash_becomes_argon2id_at_the_next_login(client, make_user):
    make_user(Role.OPERATOR, base=XMU, username="xmu")
    User.objects.filter(username="xmu").update(password=old_pbkdf2_hash(TEST_PASSWORD))

    response = client.post("/accounts/login/", {"username": "xmu", "password": TEST_PASSWORD})

    stored = User.objects.get(username="xmu").password
    assert response.status_code == 302
    assert identify_hasher(stored).algorithm == "argon2" and "$argon2id$" in stored
    assert User.objects.get(username="xmu").check_password(TEST_PASSWORD)


def test_a_failed_login_leaves_the_old_hash_alone(client, make_user):
    make_user(Role.OPERATOR, base=XMU, username="xmu")
    User.objects.filter(username="xmu").update(password=old_pbkdf2_hash(TEST_PASSWORD))

    client.post("/accounts/login/", {"username": "xmu", "password": "wrong-password"})

    assert User.objects.get(username="xmu").password == old_pbkdf2_hash(TEST_PASSWORD)


def test_an_argon2id_hash_with_weaker_parameters_is_redone_at_login(client, make_user):
    """Django's stock parameters differ from ours: a hash made with other parameters is brought to ours."""
    from django.contrib.auth.hashers import Argon2PasswordHasher

    class Weaker(Argon2PasswordHasher):
        memory_cost = 8 * 1024

    make_user(Role.OPERATOR, base=XMU, username="xmu")
    User.objects.filter(username="xmu").update(password=Weaker().encode(TEST_PASSWORD, "weakersalt0123"))

    client.post("/accounts/login/", {"username": "xmu", "password": TEST_PASSWORD})

    assert "$m=19456,t=2,p=1$" in User.objects.get(username="xmu").password
