"""Chinese first, English on request: the switch in the navigation bar."""

import gettext
import re

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

PO_FILE = settings.PACKAGE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"


def switch_language(client, language: str, next_page: str = "/bases/"):
    return client.post("/i18n/setlang/", {"language": language, "next": next_page}, follow=True)


def test_pages_are_in_chinese_by_default(registry, make_user, client_for):
    client = client_for(make_user("national_admin"))

    html = client.get("/bases/").content.decode()

    assert '<html lang="zh-hans">' in html
    assert "示范基地名录" in html
    assert f"共 {registry.model.objects.count()} 个示范基地" in html


def test_switching_to_english_shows_english_headings(registry, make_user, client_for):
    client = client_for(make_user("national_admin"))

    response = switch_language(client, "en")

    html = response.content.decode()
    assert response.redirect_chain == [("/bases/", 302)]
    assert '<html lang="en">' in html
    assert "Registry of demonstration bases" in html
    assert f"{registry.model.objects.count()} demonstration bases" in html
    assert all(
        heading in html for heading in ["<th>Name</th>", "<th>Direction / category</th>", "<th>Status</th>"]
    )
    assert "示范基地名录" not in html


def test_switching_back_to_chinese(make_user, client_for):
    client = client_for(make_user("national_admin"))
    switch_language(client, "en")

    html = switch_language(client, "zh-hans").content.decode()

    assert "示范基地名录" in html
    assert "Registry of demonstration bases" not in html


def test_the_switch_offers_the_other_language(make_user, client_for):
    client = client_for(make_user("national_admin"))

    chinese = client.get("/bases/").content.decode()
    english = switch_language(client, "en").content.decode()

    assert re.search(r'name="language" value="en"[^>]*>English<', chinese)
    assert re.search(r'name="language" value="zh-hans"[^>]*>中文<', english)


def test_the_login_page_switches_too(client, registry):
    html = switch_language(client, "en", "/accounts/login/").content.decode()

    assert "User name" in html
    assert "Password" in html


def test_a_browser_that_prefers_english_still_gets_chinese_until_the_user_switches(client, registry):
    html = client.get("/accounts/login/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()

    assert '<html lang="zh-hans">' in html
    assert "用户名" in html


def test_compiled_translations_match_the_po_file():
    po = PO_FILE.read_text(encoding="utf-8")
    entries = re.findall(
        r'^(?:msgctxt "(.*)"\n)?msgid "(.+)"\n(?:msgid_plural ".*"\n)?msgstr(?:\[0\])? "(.*)"$',
        po,
        re.MULTILINE,
    )
    with PO_FILE.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    def compiled_text(context: str, msgid: str) -> str:
        return compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)

    assert "#, fuzzy" not in po
    assert entries
    untranslated = [msgid for _, msgid, msgstr in entries if not msgstr]
    assert untranslated == []
    stale = [
        msgid for ctx, msgid, msgstr in entries if compiled_text(ctx, msgid) != msgstr.replace('\\"', '"')
    ]
    assert stale == [], "run: manage.py compilemessages -l en --ignore=.venv --ignore=node_modules"
