"""The annual report: asked for on a page, made in the background, a PDF with the Chinese font embedded."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import ensure_registry, sign_in
from django.db import transaction
from django.test import Client, TestCase
from django.utils import timezone

from shuangchuang.accounts.models import Role, User
from shuangchuang.assessment.models import AssessmentCycle, Decision, DecisionItem
from shuangchuang.core.models import AuditEvent
from shuangchuang.dashboards.models import AnnualReport, AnnualReportStatus
from shuangchuang.monitoring.tests.approved_factories import fixed_program
from shuangchuang.registry.models import Base

pytestmark = pytest.mark.django_db


DECIDED = ["B3-012", "B3-023", "B3-040"]  # commended in the year's published decision


@pytest.fixture(scope="module")
def annual(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """About a second, once for the module's tests that only read it: a year of approved reports and a
    published decision, and the annual report asked for on its page (a PDF of several pages with the CJK
    font embedded). In a transaction of its own, rolled back after the module; each test's own transaction
    nests in it as a savepoint."""
    with django_db_blocker.unblock():
        ensure_registry()
    with django_db_blocker.unblock(), transaction.atomic():
        fixed_program()
        cycle = AssessmentCycle.objects.create(year=2025, name="2025年度评估")
        decision = Decision.objects.create(
            cycle=cycle, title="2025年度表彰通报", state="published", published_at=timezone.now()
        )
        for code in DECIDED:
            DecisionItem.objects.create(
                decision=decision, base=Base.objects.get(code=code), proposed="commend", action="commend"
            )
        client = sign_in(Client(), User.objects.create(username="annual-office", role=Role.NATIONAL_ADMIN))
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post("/dashboards/annual/", {"year": "2025"})
        yield client, response, AnnualReport.objects.get().pk
        transaction.set_rollback(True)


@pytest.fixture
def made(annual: Any, db: Any) -> Any:
    client, response, pk = annual
    report = AnnualReport.objects.get(pk=pk)
    assert response["Location"] == f"/dashboards/annual/{report.pk}/"
    return client, report


def test_report_is_made_in_the_background_with_progress(made):
    client, report = made
    assert report.status == AnnualReportStatus.DONE, report.error
    assert report.progress == 100 and report.pages >= 5
    page = client.get(f"/dashboards/annual/{report.pk}/").content.decode()
    assert 'value="100"' in page and f"/dashboards/annual/{report.pk}/pdf/" in page
    assert AuditEvent.objects.filter(action="dashboards.annual_report").exists()


def test_progress_partial_polls_while_running(registry, make_user, client_for):
    report = AnnualReport.objects.create(
        year=2025, status=AnnualReportStatus.RUNNING, progress=35, stage="绘制地图"
    )
    client = client_for(make_user(Role.NATIONAL_ADMIN))
    page = client.get(f"/dashboards/annual/{report.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="load delay:1s"' in page and 'value="35"' in page


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed")
def test_pdf_text_holds_the_chinese_headings_and_the_bases(made, tmp_path: Path):
    client, report = made
    response = client.get(f"/dashboards/annual/{report.pk}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "annual.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    for heading in ("2025年度运行监测报告", "一、总体情况", "二、分省分布", "三、分方向情况", "南海诸岛"):
        assert heading in text, heading
    assert Base.objects.get(code="B3-012").current_name[:6] in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True, text=True).stdout
    assert "yes" in fonts.splitlines()[-1].split()  # the font is embedded (emb = yes)


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils (pdftoppm) is not installed")
def test_pdf_pages_render(made, tmp_path: Path):
    client, report = made
    pdf = tmp_path / "annual.pdf"
    pdf.write_bytes(client.get(f"/dashboards/annual/{report.pk}/pdf/").content)
    result = subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], capture_output=True, text=True
    )
    assert result.returncode == 0 and "Error" not in result.stderr
    assert len(list(tmp_path.glob("page-*.png"))) == report.pages
    shots = Path("var/screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    for png in sorted(tmp_path.glob("page-*.png"))[:3]:
        shutil.copy(png, shots / f"annual-{png.name}")


def test_readers_outside_the_program_cannot_ask(registry, make_user, client_for):
    client = client_for(make_user(Role.AUTHORITY, authority="drc-450000"))
    before = AnnualReport.objects.count()  # (the module's own report may be there already)
    assert client.post("/dashboards/annual/", {"year": "2025"}).status_code == 403
    assert AnnualReport.objects.count() == before


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed")
def test_pdf_names_every_base_of_the_years_decisions(made, tmp_path: Path):
    client, report = made
    pdf = tmp_path / "annual.pdf"
    pdf.write_bytes(client.get(f"/dashboards/annual/{report.pk}/pdf/").content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    decisions = text[text.index("五、本年度决定") :]
    assert "2025年度表彰通报" in decisions
    for code in DECIDED:
        assert Base.objects.get(code=code).current_name[:8] in decisions.replace("\n", ""), code
