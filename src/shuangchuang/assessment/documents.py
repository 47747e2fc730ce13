"""The official documents of a decision — the public notice (公示) and the 通报 — as .docx and PDF laid out
after GB/T 9704-2012 (党政机关公文格式): A4, margins 37/35/28/26 mm, the issuing authority's mark in red
above a red rule, the document number, the title, the main addressees, the body listing the bases by
direction, and the date of writing. The text is the official Chinese; the PDF embeds the CJK font
(`monitoring.summary_pdf` finds it), the .docx names it for the official who edits and signs.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from fpdf import FPDF

from shuangchuang.monitoring.summary_pdf import FONT_FAMILY, FontMissing, add_font, find_cjk_font

from .models import Decision, Outcome

KINDS = ("notice", "bulletin")  # 公示, 通报
ISSUER = "国家发展和改革委员会"
ISSUER_MARK = "国家发展和改革委员会文件"
ADDRESSEES = "各省、自治区、直辖市及计划单列市、新疆生产建设兵团发展改革委，国务院有关部门："
SECTION_TITLES = {
    Outcome.COMMEND: "一、予以通报表扬的示范基地",
    Outcome.RECTIFY: "二、予以警示并限期整改的示范基地",
    Outcome.WITHDRAW: "三、建议调整退出的示范基地",
}
CHINESE_DIGITS = "〇一二三四五六七八九"
RED = (200, 16, 16)


@dataclass
class OfficialDocument:
    kind: str
    number: str
    title: str
    addressees: str
    opening: list[str]
    sections: list[tuple[str, list[tuple[str, list[str]]]]]  # title → [(direction, [base names])]
    closing: list[str] = field(default_factory=list)
    issuer: str = ISSUER
    date: str = ""

    def text_lines(self) -> list[str]:
        lines = [self.number, self.title, self.addressees, *self.opening]
        for title, groups in self.sections:
            lines.append(title)
            for direction, names in groups:
                lines.append(f"（{direction}）")
                lines.extend(f"{n}. {name}" for n, name in enumerate(names, start=1))
        return [*lines, *self.closing, self.issuer, self.date]


def chinese_date(day: object) -> str:
    """GB/T 9704 writes the date of writing in Arabic numerals: 2026年3月10日."""
    return f"{day.year}年{day.month}月{day.day}日"  # type: ignore[attr-defined]


def content(decision: Decision, kind: str) -> OfficialDocument:
    """What the document says: the decided bases (official names) grouped by action and direction."""
    cycle = decision.cycle
    actions = [Outcome.COMMEND] if kind == "notice" else [Outcome.COMMEND, Outcome.RECTIFY, Outcome.WITHDRAW]
    by_action: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for item in (
        decision.items.filter(action__in=actions)
        .select_related("base", "base__direction")
        .order_by("base__direction__order", "base__seq")
    ):
        by_action[item.action][f"{item.base.direction.name}方向"].append(
            item.base.current_name or item.base.name
        )
    sections = [
        (SECTION_TITLES[Outcome(action)], list(by_action[action].items()))
        for action in actions
        if by_action[action]
    ]
    number = decision.number or f"发改高技〔{cycle.year + 1}〕{decision.pk}号"
    day = timezone.localdate(decision.approved_at) if decision.approved_at else timezone.localdate()
    if kind == "notice":
        starts = decision.notice_starts or day
        ends = decision.notice_ends or day
        return OfficialDocument(
            kind=kind,
            number=number,
            title=f"关于{cycle.name}双创示范基地拟通报表扬名单的公示",
            addressees="",
            opening=[
                f"根据《国务院办公厅关于建设第三批大众创业万众创新示范基地的通知》（国办发〔2020〕51号）要求，"
                f"经基地自评估、专家函评、实地调研、交叉互评和部际联席会议审议，现将{cycle.name}拟通报表扬的"
                f"双创示范基地名单予以公示。",
                f"公示时间：{chinese_date(starts)}至{chinese_date(ends)}。公示期间如有异议，请以书面形式"
                "向国家发展改革委高技术司反映，并提供必要的证明材料。",
            ],
            sections=[(title.replace("一、", ""), groups) for title, groups in sections],
            date=chinese_date(starts),
        )
    return OfficialDocument(
        kind=kind,
        number=number,
        title=decision.title,
        addressees=ADDRESSEES,
        opening=[
            f"为贯彻落实《国务院办公厅关于建设第三批大众创业万众创新示范基地的通知》（国办发〔2020〕51号），"
            f"我委会同有关部门组织开展了{cycle.name}双创示范基地评估，经部际联席会议审议并公示，"
            "现将评估结果和动态调整情况通报如下。",
        ],
        sections=sections,
        closing=[
            "受到通报表扬的示范基地要再接再厉，发挥示范带动作用；受到警示的示范基地要按期完成整改，"
            "整改报告经审核单位审核后报我委；调整退出的示范基地不再纳入运行监测。",
        ],
        date=chinese_date(timezone.localdate(decision.published_at) if decision.published_at else day),
    )


# .docx


def _font(
    run: object,
    size: float,
    *,
    bold: bool = False,
    color: tuple[int, int, int] | None = None,
    face: str = "仿宋_GB2312",
) -> None:
    run.font.size = Pt(size)  # type: ignore[attr-defined]
    run.font.bold = bold  # type: ignore[attr-defined]
    run.font.name = face  # type: ignore[attr-defined]
    run._element.rPr.rFonts.set(qn("w:eastAsia"), face)  # type: ignore[attr-defined]
    if color:
        run.font.color.rgb = RGBColor(*color)  # type: ignore[attr-defined]


def render_docx(decision: Decision, kind: str) -> bytes:
    doc = content(decision, kind)
    word = Document()
    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    def paragraph(
        text: str,
        size: float = 16,
        *,
        align: WD_ALIGN_PARAGRAPH | None = None,
        bold: bool = False,
        color: tuple[int, int, int] | None = None,
        face: str = "仿宋_GB2312",
        indent: bool = False,
    ) -> None:
        p = word.add_paragraph()
        if align is not None:
            p.alignment = align
        p.paragraph_format.line_spacing = Pt(28.9)
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        _font(p.add_run(text), size, bold=bold, color=color, face=face)

    if kind == "bulletin":
        paragraph(ISSUER_MARK, 36, align=WD_ALIGN_PARAGRAPH.CENTER, color=RED, face="方正小标宋简体")
        paragraph(doc.number, 16, align=WD_ALIGN_PARAGRAPH.CENTER)
        paragraph("—" * 22, 16, align=WD_ALIGN_PARAGRAPH.CENTER, color=RED)
    paragraph(doc.title, 22, align=WD_ALIGN_PARAGRAPH.CENTER, face="方正小标宋简体")
    if doc.addressees:
        paragraph(doc.addressees)
    for text in doc.opening:
        paragraph(text, indent=True)
    for title, groups in doc.sections:
        paragraph(title, face="黑体", indent=True)
        for direction, names in groups:
            paragraph(f"（{direction}）", face="楷体_GB2312", indent=True)
            for n, name in enumerate(names, start=1):
                paragraph(f"{n}. {name}", indent=True)
    for text in doc.closing:
        paragraph(text, indent=True)
    paragraph(doc.issuer, align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph(doc.date, align=WD_ALIGN_PARAGRAPH.RIGHT)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


# PDF


class _Sheet(FPDF):
    def footer(self) -> None:
        self.set_y(-28)
        self.set_font(FONT_FAMILY, size=14)
        self.cell(0, 7, f"— {self.page_no()} —", align="C")


def render_pdf(decision: Decision, kind: str) -> bytes:
    font = find_cjk_font()
    if font is None:
        raise FontMissing("服务器未安装中文字体（Noto Sans SC），无法生成公文。")
    doc = content(decision, kind)
    pdf = _Sheet(orientation="P", unit="mm", format="A4")
    pdf.set_margins(28, 37, 26)
    pdf.set_auto_page_break(True, margin=35)
    add_font(pdf, "", font.regular, font.collection_index)
    if font.bold:
        add_font(pdf, "B", font.bold, font.collection_index)
    bold = "B" if font.bold else ""
    pdf.set_title(doc.title)
    pdf.set_author(doc.issuer)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    line = 10.2  # 28 lines on the type area, as GB/T 9704 sets them
    if kind == "bulletin":
        pdf.set_text_color(*RED)
        pdf.set_font(FONT_FAMILY, bold, 30)
        pdf.cell(width, 18, ISSUER_MARK, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
        pdf.ln(8)
        pdf.set_font(FONT_FAMILY, "", 16)
        pdf.cell(width, line, doc.number, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_draw_color(*RED)
        pdf.set_line_width(0.8)
        y = pdf.get_y() + 2
        pdf.line(pdf.l_margin, y, pdf.l_margin + width, y)
        pdf.ln(10)
    pdf.set_font(FONT_FAMILY, bold, 22)
    pdf.multi_cell(width, 12, doc.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT_FAMILY, "", 16)
    if doc.addressees:
        pdf.multi_cell(width, line, doc.addressees, new_x="LMARGIN", new_y="NEXT")
    indent = "\u3000\u3000"
    for text in doc.opening:
        pdf.multi_cell(width, line, indent + text, new_x="LMARGIN", new_y="NEXT")
    for title, groups in doc.sections:
        pdf.set_font(FONT_FAMILY, bold, 16)
        pdf.multi_cell(width, line, indent + title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT_FAMILY, "", 16)
        for direction, names in groups:
            pdf.multi_cell(width, line, indent + f"（{direction}）", new_x="LMARGIN", new_y="NEXT")
            for n, name in enumerate(names, start=1):
                pdf.multi_cell(width, line, indent + f"{n}. {name}", new_x="LMARGIN", new_y="NEXT")
    for text in doc.closing:
        pdf.multi_cell(width, line, indent + text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(line)
    pdf.cell(width - 16, line, doc.issuer, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(width - 16, line, doc.date, align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
