"""The annual report: asked for on a page, made in the background, a PDF with the Chinese font embedded."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from shuangchuang.accounts.models import Role
from shuangchuang.core.models import AuditEvent
from shuangchuang.dashboards.models import AnnualReport, AnnualReportStatus
from shuangchuang.monitoring.tests.approved_factories import fixed_program
from shuangchuang.registry.models import Base

pytestmark = pytest.mark.django_db


@pytest.fixture
def made(registry: Any, make_user: Any, client_for: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """About a second: a whole annual report, a PDF of several pages with the CJK font embedded."""
    fixed_program()
    client = client_for(make_user(Role.NATIONAL_ADMIN))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/dashboards/annual/", {"year": "2025"})
    report = AnnualReport.objects.get()
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
    assert client.post("/dashboards/annual/", {"year": "2025"}).status_code == 403
    assert not AnnualReport.objects.exists()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed")
def test_pdf_names_every_base_of_the_years_decisions(
    registry, make_user, client_for, django_capture_on_commit_callbacks, tmp_path: Path
):
    from django.utils import timezone

    from shuangchuang.assessment.models import AssessmentCycle, Decision, DecisionItem

    fixed_program()
    cycle = AssessmentCycle.objects.create(year=2025, name="2025年度评估")
    decision = Decision.objects.create(
        cycle=cycle, title="2025年度表彰通报", state="published", published_at=timezone.now()
    )
    named = ["B3-012", "B3-023", "B3-040"]
    for code in named:
        DecisionItem.objects.create(
            decision=decision, base=Base.objects.get(code=code), proposed="commend", action="commend"
        )
    client = client_for(make_user(Role.NATIONAL_ADMIN))
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/dashboards/annual/", {"year": "2025"})
    report = AnnualReport.objects.get()
    pdf = tmp_path / "annual.pdf"
    pdf.write_bytes(client.get(f"/dashboards/annual/{report.pk}/pdf/").content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    decisions = text[text.index("五、本年度决定") :]
    assert "2025年度表彰通报" in decisions
    for code in named:
        assert Base.objects.get(code=code).current_name[:8] in decisions.replace("\n", ""), code
