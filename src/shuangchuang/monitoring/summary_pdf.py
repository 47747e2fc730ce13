"""The printed summary sheet (数据汇总表) of an approved report, to be signed, stamped and uploaded back.

As with the Torch survey's printed sheet, the paper carries the report's identity, every value and a
checksum. The checksum is SHA-256 over a canonical text of the report (see `canonical_text`), so anyone
holding the stamped scan can check that it matches the data in the platform: the short code printed in
large type is the checksum's first 16 hex digits, also shown on the report page.

The sheet needs a CJK font embedded in the PDF. Fonts come from registry packages installed with the
project (npm `@expo-google-fonts/noto-sans-sc`, which ships Noto Sans SC as TrueType), from
`PDF_CJK_FONT` in the environment, or from Debian's `fonts-noto-cjk` / `fonts-wqy-*` where installed.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import pickle
import threading
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from fpdf import FPDF
from fpdf.fonts import FontFace, SubsetMap, TTFFont

from shuangchuang.accounts.models import User

from .models import Report, ValueType
from .policy import CONFIRMED_STATES
from .validation import form_versions

PRINTABLE_STATES = CONFIRMED_STATES  # the summary sheet exists once the national office approved
FONT_FAMILY = "cjk"


class FontMissing(RuntimeError):
    """No CJK font was found; a sheet without one would print empty boxes instead of Chinese."""


@dataclass(frozen=True)
class FontFiles:
    regular: Path
    bold: Path | None = None
    collection_index: int = 0


def _font_candidates() -> list[FontFiles]:
    candidates = []
    if configured := os.environ.get("PDF_CJK_FONT"):
        candidates.append(FontFiles(Path(configured)))
    noto_sc = Path(settings.NODE_MODULES) / "@expo-google-fonts" / "noto-sans-sc"
    candidates.append(
        FontFiles(
            noto_sc / "400Regular" / "NotoSansSC_400Regular.ttf",
            noto_sc / "700Bold" / "NotoSansSC_700Bold.ttf",
        )
    )
    debian = Path("/usr/share/fonts")
    # In Debian's Noto CJK collections the faces are ordered JP, KR, SC, TC, HK: index 2 is Simplified.
    candidates += [
        FontFiles(
            debian / "opentype/noto/NotoSansCJK-Regular.ttc",
            debian / "opentype/noto/NotoSansCJK-Bold.ttc",
            collection_index=2,
        ),
        FontFiles(debian / "truetype/wqy/wqy-microhei.ttc"),
        FontFiles(debian / "truetype/wqy/wqy-zenhei.ttc"),
    ]
    return candidates


def find_cjk_font() -> FontFiles | None:
    for candidate in _font_candidates():
        if candidate.regular.is_file():
            bold = candidate.bold if candidate.bold and candidate.bold.is_file() else None
            return FontFiles(candidate.regular, bold, candidate.collection_index)
    return None


# Reading a CJK font takes fpdf about a second (30,000 glyphs, a 10 MB file, twice: regular and bold), far
# more than drawing the sheet. Each process reads each font once: what fpdf derives from the file (widths,
# character map, descriptor) is kept as a template, and the parsed font itself as pickled bytes, because
# fpdf cuts the embedded subset out of the document's own copy of it (the subsetting changes the copy).
# A document then gets a shallow copy of the template with its own subset map and its own parsed font,
# the way fpdf's TTFFont.__deepcopy__ shares the unchanging parts between copies.


@dataclass(frozen=True)
class _PreparedFont:
    template: TTFFont
    parsed: bytes


_prepared_fonts: dict[tuple[str, int, int, str], _PreparedFont] = {}
_prepare_lock = threading.Lock()


def _prepared_font(path: Path, style: str, collection_index: int) -> _PreparedFont:
    key = (str(path), path.stat().st_mtime_ns, collection_index, style)
    with _prepare_lock:
        if key not in _prepared_fonts:
            scratch = FPDF()
            scratch.add_font(FONT_FAMILY, style, str(path), collection_font_number=collection_index)
            template = scratch.fonts[FONT_FAMILY + style]
            assert isinstance(template, TTFFont)
            for table in ("glyf", "CFF "):  # the outlines, read now rather than again for every document
                if table in template.ttfont:
                    template.ttfont[table]
            parsed = pickle.dumps(template.ttfont, protocol=pickle.HIGHEST_PROTOCOL)
            template.ttfont.close()
            _prepared_fonts[key] = _PreparedFont(template, parsed)
        return _prepared_fonts[key]


def add_font(pdf: FPDF, style: str, path: Path, collection_index: int = 0) -> None:
    """`pdf.add_font(FONT_FAMILY, style, path)`, from this process's prepared copy of the font."""
    prepared = _prepared_font(path, style, collection_index)
    font = copy.copy(prepared.template)
    font.i = len(pdf.fonts) + 1
    font.ttfont = pickle.loads(prepared.parsed)  # noqa: S301 - bytes this process made from the font file
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    pdf.fonts[font.fontkey] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")  # as FPDF.add_font does for CID-keyed CFF fonts (Noto Sans CJK)


# The canonical text and the checksum


def canonical_values(report: Report) -> dict[str, str]:
    """Indicator code → the value as stored (plain digits, no grouping), for every value that is filled."""
    return {
        v.indicator.code: v.display_value
        for v in report.values.select_related("indicator")
        if v.display_value != ""
    }


def canonical_text(report: Report) -> str:
    """Compact JSON with sorted keys: base code, period code and the canonical values."""
    document = {"base": report.base.code, "period": report.period.code, "values": canonical_values(report)}
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def report_checksum(report: Report) -> str:
    return hashlib.sha256(canonical_text(report).encode("utf-8")).hexdigest()


def short_code(checksum: str) -> str:
    """The first 16 hex digits in groups of four, the way a person reads them aloud: 3F2A-91C0-…"""
    head = checksum[:16].upper()
    return "-".join(head[i : i + 4] for i in range(0, 16, 4))


# Rendering


def display_number(value: Any, value_type: str) -> str:
    if value is None or value == "":
        return "—"
    if value_type == ValueType.BOOLEAN:
        return "是" if Decimal(value) else "否"
    if isinstance(value, Decimal):
        return format(value.normalize(), ",f")
    return str(value)


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y年%m月%d日 %H:%M") if moment else "—"


class SummarySheet(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT_FAMILY, size=8)
        self.set_text_color(110)
        self.cell(0, 5, f"{self.footer_text}    第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")
        self.set_text_color(0)


def render_summary(report: Report, *, printed_by: User | None = None) -> bytes:
    """The A4 summary sheet of an approved or locked report, as PDF bytes."""
    font = find_cjk_font()
    if font is None:
        raise FontMissing("服务器未安装中文字体（Noto Sans SC），无法生成汇总表。请联系系统管理员。")
    checksum = report_checksum(report)
    short = short_code(checksum)

    pdf = SummarySheet(orientation="P", unit="mm", format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=18)
    add_font(pdf, "", font.regular, font.collection_index)
    add_font(pdf, "B", font.bold or font.regular, font.collection_index)
    pdf.set_title(f"{report.base.current_name} {report.period} 运行监测数据汇总表")
    pdf.set_subject(f"SHA-256 {checksum}")
    pdf.set_keywords(f"{report.base.code} {report.period.code} {short}")
    pdf.set_creator("双创示范基地监测评估平台")
    pdf.footer_text = f"{report.base.code} · {report.period.code} · 校验短码 {short}"
    pdf.add_page()

    pdf.set_font(FONT_FAMILY, "B", 16)
    pdf.cell(0, 10, "双创示范基地运行监测数据汇总表", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, size=10)
    period = report.period
    pdf.cell(
        0,
        6,
        f"{period}（统计期 {period.starts_on:%Y年%m月%d日} 至 {period.ends_on:%Y年%m月%d日}）",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)

    label = FontFace(emphasis="BOLD", fill_color=(238, 241, 246))
    base = report.base
    identity = [
        ("基地名称", base.current_name, "基地编号", base.code),
        ("功能方向", str(base.direction), "审核单位", base.authority.name),
        ("报告期", f"{period}（{period.code}）", "状态", report.get_state_display()),
        ("首次报送", _when(report.submitted_at), "审核通过", _when(report.reviewed_at)),
        ("国家核准", _when(report.approved_at), "锁定", _when(report.locked_at)),
    ]
    pdf.set_font(FONT_FAMILY, size=9.5)
    with pdf.table(
        col_widths=(22, 68, 22, 68), first_row_as_headings=False, line_height=6.5, padding=1.5
    ) as table:
        for row_values in identity:
            row = table.row()
            for index, text in enumerate(row_values):
                row.cell(text, style=label if index % 2 == 0 else None)
    pdf.ln(4)

    versions = form_versions(base, period)
    stored = {v.indicator.code: v for v in report.values.select_related("indicator")}
    sections: dict[str, list[tuple[str, str, str, bool]]] = {}
    for indicator_code, version in versions.items():
        value = stored.get(indicator_code)
        number = None if value is None else (value.number if value.number is not None else value.text)
        if version.is_derived and isinstance(number, Decimal):
            number = number.quantize(Decimal("0.01"), ROUND_HALF_UP)  # kept to 4 places, shown to 2
        name = version.name + ("（计算）" if version.is_derived else "")
        is_text = version.value_type == ValueType.TEXT
        sections.setdefault(version.indicator.section, []).append(
            (name, display_number(number, version.value_type), version.unit or "", is_text)
        )
    with pdf.table(
        col_widths=(12, 100, 46, 22),
        text_align=("CENTER", "LEFT", "RIGHT", "CENTER"),
        headings_style=FontFace(emphasis="BOLD", fill_color=(226, 232, 240)),
        line_height=6,
        padding=1.5,
        repeat_headings=1,
    ) as table:
        heading = table.row()
        for text in ("序号", "指标名称", "数值", "单位"):
            heading.cell(text)
        number_in_sheet = 0
        for section, rows in sections.items():
            table.row().cell(
                section, colspan=4, align="LEFT", style=FontFace(emphasis="BOLD", fill_color=(246, 248, 251))
            )
            for name, shown, unit, is_text in rows:
                number_in_sheet += 1
                row = table.row()
                row.cell(str(number_in_sheet))
                row.cell(name)
                if is_text:  # a written answer takes the value and unit columns
                    row.cell(shown, align="LEFT", colspan=2)
                else:
                    row.cell(shown)
                    row.cell(unit)

    pdf.ln(4)
    if pdf.will_page_break(66):
        pdf.add_page()  # the checksum and the signature boxes stay together
    pdf.set_font(FONT_FAMILY, size=9)
    pdf.multi_cell(0, 5, f"数据校验码（SHA-256）：{checksum}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "B", 13)
    pdf.cell(0, 8, f"校验短码：{short}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, size=8.5)
    pdf.set_text_color(90)
    pdf.multi_cell(
        0,
        4.5,
        "本表由双创示范基地监测评估平台根据已核准的数据生成。请核对无误后由填报人、负责人签字并加盖单位公章，"
        "扫描后在报告的“佐证材料”中以“盖章确认”上传。校验短码与平台显示一致，表明纸面数据与平台数据相同。",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_text_color(0)
    pdf.ln(3)

    box_width, box_height, gap = 56, 32, 6
    top = pdf.get_y()
    for index, caption in enumerate(("填报人（签字）", "负责人（签字）", "单位盖章")):
        left = pdf.l_margin + index * (box_width + gap)
        pdf.rect(left, top, box_width, box_height)
        pdf.set_xy(left + 2, top + 2)
        pdf.set_font(FONT_FAMILY, "B", 10)
        pdf.cell(box_width - 4, 6, caption)
        pdf.set_xy(left + 2, top + box_height - 8)
        pdf.set_font(FONT_FAMILY, size=9)
        pdf.cell(box_width - 4, 6, "日期：　　　年　　月　　日")
    pdf.set_xy(pdf.l_margin, top + box_height + 4)
    pdf.set_font(FONT_FAMILY, size=8)
    pdf.set_text_color(110)
    printer = ""
    if printed_by is not None:
        printer = f"，打印人：{printed_by.get_full_name() or printed_by.get_username()}"
    pdf.cell(0, 5, f"打印时间：{_when(timezone.now())}{printer}")
    return bytes(pdf.output())
