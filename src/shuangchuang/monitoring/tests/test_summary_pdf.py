"""The printed summary sheet of an approved report: only after approval, with identity and checksum."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from conftest import sign_in
from django.test import Client

from shuangchuang.accounts.models import Role
from shuangchuang.monitoring.summary_pdf import find_cjk_font, report_checksum, short_code

from .factories import make_period, make_report, make_small_catalogue

pytestmark = pytest.mark.django_db

HENGZHOU = "B3-012"
XMU = "B3-023"
VALUES = {"JOBS": 120, "JOBS_GRAD": 30, "REVENUE": 50000, "RD": 2500, "RD_INTENSITY": 5, "NOTE": "园区改造"}

needs_font = pytest.mark.skipif(
    find_cjk_font() is None,
    reason="no CJK font: npm @expo-google-fonts/noto-sans-sc (package.json) or Debian fonts-noto-cjk",
)


@pytest.fixture
def period(registry):
    make_small_catalogue()
    return make_period(2025)


@pytest.fixture
def operator(make_user):
    return make_user(Role.OPERATOR, base=HENGZHOU)


def login(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def pdf_url(report) -> str:
    return f"/monitoring/reports/{report.pk}/summary.pdf"


def test_the_checksum_is_sha256_of_the_canonical_text(period):
    report = make_report(HENGZHOU, period, state="approved", **VALUES)

    canonical = json.dumps(
        {
            "base": "B3-012",
            "period": "2025A",
            "values": {
                "JOBS": "120",
                "JOBS_GRAD": "30",
                "NOTE": "园区改造",
                "RD": "2500",
                "RD_INTENSITY": "5",
                "REVENUE": "50000",
            },
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    expected = hashlib.sha256(canonical.encode()).hexdigest()
    assert report_checksum(report) == expected
    assert re.fullmatch(r"[0-9A-F]{4}(-[0-9A-F]{4}){3}", short_code(expected))


def test_the_checksum_changes_with_any_value(period):
    one = make_report(HENGZHOU, period, state="approved", **VALUES)
    other = make_report(XMU, period, state="approved", **VALUES)

    assert report_checksum(one) != report_checksum(other)  # the identity is part of it


@pytest.mark.parametrize("state", ["draft", "submitted", "returned", "reviewed"])
def test_there_is_no_summary_sheet_before_approval(operator, period, state):
    report = make_report(HENGZHOU, period, state=state, **VALUES)

    response = login(operator).get(pdf_url(report), follow=True)

    assert response.redirect_chain[-1][0] == f"/monitoring/reports/{report.pk}/"
    assert "核准后才能打印" in " ".join(str(m) for m in response.context["messages"])


@needs_font
@pytest.mark.parametrize("state", ["approved", "locked"])
def test_after_approval_the_base_prints_an_a4_sheet_carrying_the_checksum(operator, period, state):
    """About a second: the sheet embeds the subset of the CJK font it uses (fontTools subsets the font)."""
    report = make_report(HENGZHOU, period, state=state, **VALUES)

    response = login(operator).get(pdf_url(report))

    content = response.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline; filename*=utf-8''B3-012-2025A-")
    assert content.startswith(b"%PDF-")
    checksum = report_checksum(report)
    assert f"/Subject (SHA-256 {checksum})".encode() in content
    assert f"/Keywords (B3-012 2025A {short_code(checksum)})".encode() in content
    assert b"/MediaBox [0 0 595.28 841.89]" in content  # A4 in points
    assert re.search(rb"/FontFile[23] ", content)  # the CJK font is embedded, so Chinese prints everywhere


def test_a_sheet_of_another_bases_report_is_404(operator, period):
    report = make_report(XMU, period, state="approved", **VALUES)

    assert login(operator).get(pdf_url(report)).status_code == 404


def test_the_report_page_shows_the_short_code_to_compare_with_the_paper(operator, period):
    report = make_report(HENGZHOU, period, state="approved", **VALUES)

    html = login(operator).get(f"/monitoring/reports/{report.pk}/?tab=evidence").content.decode()

    assert short_code(report_checksum(report)) in html
    assert 'data-testid="summary-pdf"' in html
    assert '<option value="盖章确认">' in html  # the stamped sheet goes back as evidence


@needs_font
def test_sheets_drawn_with_the_fonts_kept_in_memory_are_those_fpdf_draws_from_the_files(period, monkeypatch):
    """Each process reads the CJK fonts once and gives every sheet its own copy: a sheet drawn after
    another one carries its own characters only, byte for byte what fpdf's add_font makes. Slow on purpose
    (the fonts are parsed from the files once for the comparison)."""
    import datetime as dt

    from fpdf import FPDF

    from shuangchuang.monitoring import summary_pdf

    hengzhou = make_report(HENGZHOU, period, state="approved", **VALUES)
    xmu = make_report(XMU, period, state="approved", **{**VALUES, "NOTE": "厦大翔安校区双创基地扩建"})
    fixed = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(summary_pdf.timezone, "now", lambda: fixed)
    real_init = FPDF.__init__

    def dated_init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        self.creation_date = fixed

    monkeypatch.setattr(FPDF, "__init__", dated_init)

    summary_pdf.render_summary(hengzhou)  # the fonts are now prepared, and one sheet has used them
    kept = summary_pdf.render_summary(xmu)

    def from_files(pdf, style, path, collection_index=0):
        pdf.add_font(summary_pdf.FONT_FAMILY, style, str(path), collection_font_number=collection_index)

    monkeypatch.setattr(summary_pdf, "add_font", from_files)
    read_anew = summary_pdf.render_summary(xmu)

    assert kept == read_anew
