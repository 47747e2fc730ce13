"""Headers and pages (issue 10 item 4): a Content-Security-Policy without inline script or style on every
response, and templates that need none; `Cache-Control: no-store` for signed-in users; a
Permissions-Policy. Every page of the permission matrix is checked too (`assert_security_headers`)."""

import re
from pathlib import Path

import pytest

import shuangchuang

PACKAGE = Path(shuangchuang.__file__).parent

# What the policy would block, or what would print a user's text unescaped.
FORBIDDEN = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "inline style element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "htmx inline handler": re.compile(r"\shx-on[:\w-]*\s*=", re.IGNORECASE),
    "|safe": re.compile(r"\|\s*safe\b"),
    "autoescape off": re.compile(r"{%\s*autoescape\s+off"),
}


def templates() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.html") if "node_modules" not in p.parts)


def test_the_templates_are_found():
    assert len(templates()) > 40


@pytest.mark.parametrize("name", sorted(FORBIDDEN))
def test_no_template_has_inline_script_style_or_unescaped_output(name):
    pattern = FORBIDDEN[name]
    found = [
        f"{path.relative_to(PACKAGE)}:{text.count(chr(10), 0, match.start()) + 1}"
        for path in templates()
        for text in [path.read_text(encoding="utf-8")]
        for match in pattern.finditer(text)
    ]
    assert found == [], f"{name} in templates (move it to a static file; data with json_script)"


def test_the_sign_in_page_has_the_policy_headers(client):
    response = client.get("/accounts/login/")

    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_signed_in_pages_and_downloads_are_never_stored(make_user, client_for):
    client = client_for(make_user("national_admin"))

    for url in ("/", "/bases/", "/bases/export.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url


def test_htmx_is_told_not_to_inject_styles_or_evaluate_code(make_user, client_for):
    page = client_for(make_user("national_admin")).get("/").content.decode()

    assert '"includeIndicatorStyles": false' in page
    assert '"allowEval": false' in page
