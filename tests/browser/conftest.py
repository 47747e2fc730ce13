"""Headless Chromium (Debian's package) driven by Playwright, against pytest-django's live server.

Playwright's own browser download is not used: closed networks cannot reach it, and Debian's chromium is
what ``dev.py test`` installs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API keeps an event loop running in the test thread; Django would otherwise refuse
# database access from it. The tests are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(
            f"浏览器测试需要 {CHROMIUM}（Debian 的 chromium 软件包）：运行 python3 dev.py test 会自动安装。"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def console_errors() -> list[str]:
    """Errors the pages of this test wrote to the console: uncaught exceptions, failed loads and every
    Content-Security-Policy violation ("Refused to execute inline script …"). The test fails on any, after
    it ran; a test that provokes one on purpose (a 404 page) removes it from this list."""
    return []


@pytest.fixture
def open_page(browser, live_server, transactional_db, registry, console_errors):
    """A new browser window of the given size on the live server; closed after the test."""
    contexts = []

    def open_page(width: int = 1366, height: int = 800):
        context = browser.new_context(
            viewport={"width": width, "height": height}, base_url=live_server.url, locale="zh-CN"
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
        page.on("pageerror", lambda error: console_errors.append(f"uncaught: {error}"))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert console_errors == [], f"console errors (CSP violations, script errors): {console_errors}"


@pytest.fixture
def shoot(request) -> Callable[..., None]:
    """`shoot(page, "name.png", full_page=True)`: a screenshot into var/screenshots/ for a person to look at
    after changing templates, when the run asks for them (`python3 dev.py test -m browser --screenshots`).
    They assert nothing, and a full page's PNG costs Chromium a good part of a second: a plain run leaves
    them out (a tenth of the browser tests' time, measured)."""

    def shoot(page: Any, name: str, **options: Any) -> None:
        if request.config.getoption("screenshots"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SCREENSHOTS / name, **options)

    return shoot


@pytest.fixture
def page_as(open_page, live_server):
    """A browser window already logged in as `user` (the session cookie of a forced login)."""
    from conftest import sign_in
    from django.conf import settings
    from django.test import Client

    def page_as(user, width: int = 1366, height: int = 800):
        client = sign_in(Client(), user)
        page = open_page(width, height)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )
        return page

    return page_as
