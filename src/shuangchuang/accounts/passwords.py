"""Password rules (SECURITY.md, "Passwords"): at least 12 characters, not common, not a pinyin word or
name with digits, not made of the platform's own words, not one of the last five.

Django's own validators stay for what they do well (similarity to the account's attributes, its list of
20,000 common passwords, all-digit passwords); the length rule is ours because Django's zh-hans catalogue
misses its message (Django 5.2 changed the msgid), which showed the rule in English.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext

DATA = Path(__file__).resolve().parent / "data"

# GB/T 2260 short forms used in account and unit names (gx_drc, gdfgw …), with 兵团 (bt).
PROVINCE_ABBREVIATIONS = [
    "bj",
    "tj",
    "he",
    "hb",
    "sx",
    "nm",
    "ln",
    "jl",
    "hl",
    "sh",
    "js",
    "zj",
    "ah",
    "fj",
    "jx",
    "sd",
    "ha",
    "hn",
    "gd",
    "gx",
    "hi",
    "cq",
    "sc",
    "gz",
    "yn",
    "xz",
    "sn",
    "gs",
    "qh",
    "nx",
    "xj",
    "bt",
]
COMPOUND_SURNAMES = [
    "ouyang",
    "situ",
    "shangguan",
    "zhuge",
    "sima",
    "dongfang",
    "huangfu",
    "murong",
    "xiahou",
    "zhangsun",
    "yuwen",
    "gongsun",
    "linghu",
    "duanmu",
    "wenren",
    "ximen",
    "nangong",
]


def _words(name: str) -> frozenset[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@functools.cache
def syllables() -> frozenset[str]:
    return _words("pinyin_syllables.txt")


@functools.cache
def common_passwords() -> frozenset[str]:
    return _words("common_passwords_zh.txt") | frozenset(
        CommonPasswordValidator().passwords  # Django's list, read once
    )


@functools.cache
def product_words() -> tuple[str, ...]:
    """Longest first, so that `shuangchuang` goes before `chuang` when they are taken out."""
    generated = {f"{a}{unit}" for a in PROVINCE_ABBREVIATIONS for unit in ("drc", "fgw")}
    return tuple(sorted(_words("product_words.txt") | generated, key=lambda w: (-len(w), w)))


def normalise(password: str) -> str:
    """Full-width characters as their ASCII forms (ｚｈａｎｇ → zhang), lower case."""
    return unicodedata.normalize("NFKC", password).lower()


def letters_of(text: str) -> str:
    return "".join(ch for ch in text if "a" <= ch <= "z")


def pinyin_split(letters: str) -> list[str] | None:
    """The fewest pinyin syllables that make up `letters` exactly (zhangsanfeng → zhang san feng), or None."""
    best: list[list[str] | None] = [[]] + [None] * len(letters)
    for end in range(1, len(letters) + 1):
        for start in range(max(0, end - 6), end):
            head = best[start]
            if head is not None and letters[start:end] in syllables():
                candidate = [*head, letters[start:end]]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[len(letters)]


def is_pinyin_word_or_name(letters: str) -> bool:
    """At most three syllables (beijing, zhangsanfeng), or a compound surname and at most two more
    (ouyangxiaoming): a Chinese word or personal name, the commonest stem of Chinese passwords."""
    if not letters:
        return False
    split = pinyin_split(letters)
    if split is not None and len(split) <= 3:
        return True
    for surname in COMPOUND_SURNAMES:
        if letters.startswith(surname) and len(letters) > len(surname):
            rest = pinyin_split(letters[len(surname) :])
            if rest is not None and len(rest) <= 2:
                return True
    return False


def _user_words(user: Any) -> list[str]:
    """The account's own names as letters: its user name (gx_drc → gxdrc) and its holder's name in pinyin."""
    if user is None:
        return []
    from pypinyin import lazy_pinyin

    words = []
    for value in (user.get_username(), user.last_name, user.first_name, getattr(user, "organization", "")):
        value = normalise(value or "")
        if any("\u4e00" <= ch <= "\u9fff" for ch in value):
            value = "".join(lazy_pinyin(value))
        if len(letters_of(value)) >= 3:
            words.append(letters_of(value))
    return words


def _without(letters: str, words: Iterable[str]) -> str:
    for word in sorted(words, key=len, reverse=True):
        letters = letters.replace(word, "")
    return letters


class MinimumLengthValidator:
    """At least `min_length` characters (12 by default: ASVS 4.0.3 V2.1.1)."""

    def __init__(self, min_length: int | None = None) -> None:
        self.min_length = min_length or settings.PASSWORD_MIN_LENGTH

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                ngettext(
                    "密码太短：至少需要 %(min_length)d 个字符。",
                    "密码太短：至少需要 %(min_length)d 个字符。",
                    self.min_length,
                )
                % {"min_length": self.min_length},
                code="password_too_short",
            )

    def get_help_text(self) -> str:
        return ngettext(
            "至少 %(min_length)d 个字符；可以是一句好记的话。",
            "至少 %(min_length)d 个字符；可以是一句好记的话。",
            self.min_length,
        ) % {"min_length": self.min_length}


CHARACTER_CLASSES = (str.isupper, str.islower, str.isdigit, lambda ch: not ch.isalnum())


class CharacterClassesValidator:
    """Off by default (0). Where an assessor asks for 等保's usual reading — characters of three of the
    four classes — set `PASSWORD_MIN_CHARACTER_CLASSES=3`."""

    def __init__(self, min_classes: int | None = None) -> None:
        self.min_classes = settings.PASSWORD_MIN_CHARACTER_CLASSES if min_classes is None else min_classes

    def validate(self, password: str, user: Any = None) -> None:
        used = sum(any(test(ch) for ch in password) for test in CHARACTER_CLASSES)
        if used < self.min_classes:
            raise ValidationError(
                gettext("密码须包含大写字母、小写字母、数字、符号中的至少 %(classes)d 类。")
                % {"classes": self.min_classes},
                code="password_too_few_classes",
            )

    def get_help_text(self) -> str:
        if not self.min_classes:
            return ""
        return gettext("包含大写字母、小写字母、数字、符号中的至少 %(classes)d 类。") % {
            "classes": self.min_classes
        }


class ChineseCommonPasswordValidator:
    """Refuses what guessers try first on Chinese sites: common passwords (Django's list and ours), with
    digits and symbols added or not; a pinyin word or personal name with digits (zhangsanfeng,
    beijing2008); the platform's own words and the account's own name with digits (shuangchuang2026,
    gxdrc2026ab). Full-width characters count as their ASCII forms."""

    leftover_letters = 3  # letters allowed beside the platform's words before the password counts as new

    def validate(self, password: str, user: Any = None) -> None:
        text = normalise(password)
        letters = letters_of(text)
        if text in common_passwords() or (len(letters) >= 4 and letters in common_passwords()):
            raise ValidationError(
                gettext("这是常见密码（或常见密码加数字、符号），很容易被猜中。"), code="password_too_common"
            )
        if (
            letters
            and len(_without(letters, [*product_words(), *_user_words(user)])) <= self.leftover_letters
        ):
            raise ValidationError(
                gettext("密码主要由本平台、单位或账户的名称组成，很容易被猜中。"),
                code="password_product_words",
            )
        if is_pinyin_word_or_name(letters):
            raise ValidationError(
                gettext("密码的字母部分只是一个拼音词语或人名，加上数字或符号也很容易被猜中。"),
                code="password_pinyin_word",
            )

    def get_help_text(self) -> str:
        return gettext("不能是常见密码，也不能只是拼音词语、人名、单位名或账户名加数字。")


class PasswordHistoryValidator:
    """Not one of the last `count` passwords (5 by default; `PASSWORD_HISTORY`). The history holds their
    salted hashes (`PasswordHistory`), written when a password is saved."""

    def __init__(self, count: int | None = None) -> None:
        self.count = count or settings.PASSWORD_HISTORY

    def _recent(self, user: Any) -> list[str]:
        if user is None or not user.pk:
            return []
        kept = list(user.password_history.values_list("password", flat=True)[: self.count])
        return kept or [user.password]

    def validate(self, password: str, user: Any = None) -> None:
        if any(check_password(password, encoded) for encoded in self._recent(user)):
            raise ValidationError(
                ngettext(
                    "不能使用最近 %(count)d 次用过的密码。",
                    "不能使用最近 %(count)d 次用过的密码。",
                    self.count,
                )
                % {"count": self.count},
                code="password_reused",
            )

    def password_changed(self, password: str, user: Any) -> None:
        """Called by Django after a password is saved: keep its hash, and only the last `count`."""
        from .models import PasswordHistory

        if not user.pk or not user.has_usable_password():
            return
        kept = list(user.password_history.values_list("pk", "password"))  # newest first, a handful
        if kept and check_password(password, kept[0][1]):
            return  # the same password rehashed (a new hasher at login), not a new one
        PasswordHistory.objects.create(user=user, password=user.password)
        if stale := [pk for pk, _ in kept[self.count - 1 :]]:
            PasswordHistory.objects.filter(pk__in=stale).delete()

    def get_help_text(self) -> str:
        return ngettext(
            "不能与最近 %(count)d 次用过的密码相同。", "不能与最近 %(count)d 次用过的密码相同。", self.count
        ) % {"count": self.count}


INITIAL_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"  # noqa: S105 (an alphabet, not a password)


def initial_password() -> str:
    """A password the system makes for a new account or a reset: 4 groups of 4 characters without the
    easily confused ones (0/O, 1/l/I), e.g. `Kx7p-Qm3z-Rt9w-Ha2c` (about 94 bits)."""
    import secrets

    groups = ["".join(secrets.choice(INITIAL_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4)]
    return "-".join(groups)
