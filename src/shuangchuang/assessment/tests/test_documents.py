"""The 公示 and the 通报 of a decision: .docx and PDF whose text lists exactly the decided bases."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from pypdf import PdfReader

from shuangchuang.accounts.models import Role
from shuangchuang.assessment import documents, services
from shuangchuang.assessment.models import Outcome
from shuangchuang.monitoring.summary_pdf import find_cjk_font
from shuangchuang.registry.models import Base

from .factories import make_cycle, score_all

pytestmark = pytest.mark.django_db

needs_font = pytest.mark.skipif(find_cjk_font() is None, reason="no CJK font installed")


@pytest.fixture
def decision(make_user):
    admin, member = make_user(Role.NATIONAL_ADMIN), make_user(Role.JOINT_MEMBER)
    evaluator = make_user(Role.EVALUATOR)
    # districts: 横州市 first (commended); 郑州金水区 fails (rectify); 武汉硚口区 middling (nothing)
    # universities: 西安交通大学 first (commended)
    scores = {"B3-012": 93, "B3-009": 45, "B3-010": 70, "B3-021": 95, "B3-022": 72}
    cycle = make_cycle(admin, scores)
    score_all(cycle, evaluator, {code: value / 100 for code, value in scores.items()})
    services.compute_results(admin, cycle)
    decision = services.propose_decision(admin, cycle)
    services.review_decision(admin, decision)
    return services.approve_decision(member, decision, "第十次联席会议")


def names(*codes: str) -> set[str]:
    return {b.current_name for b in Base.objects.filter(code__in=codes)}


def listed(text: str) -> set[str]:
    """The base names on the numbered lines of the document (「1. 横州市」)."""
    return {m.strip() for m in re.findall(r"^\s*\d+\. (.+)$", text, flags=re.MULTILINE)}


def docx_text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_decision_commends_two_and_warns_one(decision):
    actions = {i.base.code: i.action for i in decision.items.select_related("base")}
    assert actions == {"B3-012": Outcome.COMMEND, "B3-021": Outcome.COMMEND, "B3-009": Outcome.RECTIFY}


def test_the_bulletin_docx_lists_exactly_the_decided_bases(decision):
    text = docx_text(documents.render_docx(decision, "bulletin"))
    assert listed(text) == names("B3-012", "B3-021", "B3-009")
    assert "国家发展和改革委员会文件" in text and "发改高技〔2026〕" in text
    assert "予以通报表扬的示范基地" in text and "予以警示并限期整改的示范基地" in text


def test_the_notice_docx_lists_only_the_commended(decision):
    text = docx_text(documents.render_docx(decision, "notice"))
    assert listed(text) == names("B3-012", "B3-021")
    assert "公示时间" in text


@needs_font
def test_the_bulletin_pdf_lists_exactly_the_decided_bases_with_the_font_embedded(decision):
    """About a second: the PDF embeds the subset of the CJK font it uses (fontTools subsets the font)."""
    content = documents.render_pdf(decision, "bulletin")
    text = pdf_text(content)
    for name in names("B3-012", "B3-021", "B3-009"):
        assert name in text
    assert "武汉" not in text and "重庆大学" not in text
    assert b"/FontFile2" in content or b"/FontFile3" in content  # the CJK font travels with the file
