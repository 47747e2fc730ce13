"""Password rules as an assessor checks them: length, common and guessable passwords, history, the first
sign-in with an initial password, expiry when it is switched on; messages in the reader's language."""

import datetime

import pytest
import time_machine
from conftest import TEST_PASSWORD
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from shuangchuang.accounts import passwords
from shuangchuang.accounts.models import Role
from shuangchuang.core.models import AuditEvent

pytestmark = pytest.mark.django_db

XMU = "B3-023"


def refusals(password: str, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return error.messages
    return []


@pytest.mark.parametrize("password", ["zhangsanfeng", "shuangchuang2026", "gxdrc2026ab"])
def test_the_passwords_the_assessor_tried_are_refused(password):
    assert refusals(password)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("zhangsanfeng", "拼音词语或人名"),
        ("Zhangsanfeng-1987", "拼音词语或人名"),  # a name and a year
        ("ｂｅｉｊｉｎｇ２００８！！！！", "拼音词语或人名"),  # full-width is the same password
        ("ouyangxiaoming88", "拼音词语或人名"),  # a compound surname
        ("shuangchuang2026", "本平台、单位或账户的名称"),
        ("gxdrc2026abc", "本平台、单位或账户的名称"),  # long enough, but a unit's name and a year
        ("woaini13145200", "常见密码"),
        ("1qaz2wsx3edc", "常见密码"),
        ("Password2026!!", "常见密码"),
    ],
)
def test_guessable_passwords_are_refused_saying_why(password, why):
    assert any(why in message for message in refusals(password))


def test_a_password_made_of_the_accounts_own_name_is_refused(make_user):
    user = make_user(Role.OPERATOR, base=XMU, username="xmu_office", last_name="林", first_name="小华")

    assert any("账户的名称" in m for m in refusals("xmuoffice2026!", user))


@pytest.mark.parametrize("password", ["Liu-zhou lotus 2026", "correct horse battery", "Tq8#mW2x!pLz"])
def test_good_passwords_pass(password):
    assert refusals(password) == []


def test_eleven_characters_are_too_short_in_chinese():
    assert refusals("Tq8#mW2x!pL") == ["密码太短：至少需要 12 个字符。"]


def test_eleven_characters_are_too_short_in_english():
    with translation.override("en"):
        assert refusals("Tq8#mW2x!pL") == ["This password is too short: it must have at least 12 characters."]


def test_every_rule_speaks_english_to_an_english_reader():
    with translation.override("en"):
        messages = refusals("zhangsanfeng") + refusals("shuangchuang2026") + refusals("woaini13145200")
    assert messages and not any("\u4e00" <= ch <= "\u9fff" for m in messages for ch in m)


def test_character_classes_are_asked_for_only_when_switched_on(settings):
    validator = passwords.CharacterClassesValidator(min_classes=3)

    with pytest.raises(ValidationError, match="至少 3 类"):
        validator.validate("correct horse battery")
    validator.validate("Correct horse battery 9")
    assert not any("类" in m for m in refusals("correct horse battery"))  # off by default


def test_the_syllable_list_is_pypinyins():
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin.pinyin_dict import pinyin_dict

    expected = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            syllable = to_normal(reading).replace("ü", "v")
            if syllable.isascii() and syllable.isalpha() and syllable not in {"m", "n", "ng", "hm", "hng"}:
                expected.add(syllable)

    assert passwords.syllables() == expected, "\n".join(sorted(expected))


# History


def test_none_of_the_last_five_passwords_may_be_used_again(make_user, client_for):
    user = make_user(Role.OPERATOR, base=XMU)
    history = [f"Lotus-river-{n}-morning" for n in range(1, 6)]
    for password in history:
        user.set_password(password)
        user.save()

    for password in [TEST_PASSWORD, *history][-5:]:
        assert refusals(password, user) == ["不能使用最近 5 次用过的密码。"], password
    assert refusals(TEST_PASSWORD, user) == []  # the sixth from last is allowed again
    assert user.password_history.count() == 5
    assert all(entry.password.startswith("md5$") for entry in user.password_history.all())  # hashes only


def test_the_change_form_refuses_the_current_password(make_user, client_for):
    client = client_for(make_user(Role.OPERATOR, base=XMU))

    response = client.post(
        "/accounts/password/",
        {"old_password": TEST_PASSWORD, "new_password1": TEST_PASSWORD, "new_password2": TEST_PASSWORD},
    )

    assert response.status_code == 200
    assert "不能使用最近 5 次用过的密码。" in response.content.decode()


# Initial passwords and expiry


def test_an_initial_password_must_be_changed_at_first_sign_in(client, make_user):
    make_user(Role.OPERATOR, base=XMU, username="newcomer", must_change_password=True)

    signed_in = client.post(
        "/accounts/login/", {"username": "newcomer", "password": TEST_PASSWORD}, follow=True
    )
    elsewhere = client.get("/bases/")
    changed = client.post(
        "/accounts/password/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Lotus-river-morning",
            "new_password2": "Lotus-river-morning",
        },
    )

    assert signed_in.redirect_chain[-1][0].startswith("/accounts/password/")
    assert "请先改为只有您自己知道的密码" in signed_in.content.decode()
    assert elsewhere.status_code == 302 and elsewhere["Location"].startswith("/accounts/password/")
    assert changed.status_code == 302
    assert client.get("/bases/").status_code == 200
    assert AuditEvent.objects.filter(action="accounts.password_change", actor__username="newcomer").exists()


def test_passwords_do_not_expire_by_default(make_user, client_for):
    user = make_user(Role.OPERATOR, base=XMU)

    with time_machine.travel(datetime.timedelta(days=3650)):
        assert client_for(user).get("/bases/").status_code == 200


def test_an_expired_password_must_be_changed_when_expiry_is_on(settings, make_user, client_for):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    user = make_user(Role.OPERATOR, base=XMU)

    with time_machine.travel(datetime.timedelta(days=89)):
        assert client_for(user).get("/bases/").status_code == 200
    with time_machine.travel(datetime.timedelta(days=91)):
        client = client_for(user)
        response = client.get("/bases/")
        page = client.get(response["Location"]).content.decode()

    assert response["Location"].startswith("/accounts/password/")
    assert "您的密码已到期" in page


def test_the_admins_own_password_form_is_the_apps_page(make_user, client_for):
    response = client_for(make_user(Role.SECURITY_ADMIN)).get("/admin/password_change/")

    assert response.status_code == 302 and response["Location"] == "/accounts/password/"
