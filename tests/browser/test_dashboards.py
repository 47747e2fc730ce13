"""The national dashboard and its China map, a base's profile, and the public portal read anonymously, at
laptop and phone widths. With `--screenshots` the pages go to var/screenshots/ for a person to look at.

Slow on purpose (one to a dozen seconds a test): a real Chromium loads each page with its scripts and
styles."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from shuangchuang.accounts.models import Role
from shuangchuang.monitoring.tests.approved_factories import fixed_program

pytestmark = pytest.mark.browser

LAPTOP = (1366, 900)
PHONE = (390, 844)
# The 31 province-level divisions of the mainland as ECharts' china map names them (with Hong Kong, Macao,
# Taiwan and the South China Sea islands beside them).
MAINLAND = [
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "上海",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
]


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def overflows(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


@pytest.mark.parametrize(("width", "height"), [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_national_dashboard_map_and_a_click_on_a_province(page_as, make_user, shoot, width, height):
    fixed_program()
    page = page_as(make_user(Role.NATIONAL_ADMIN, last_name="王", first_name="国管"), width, height)
    errors = watch_errors(page)
    page.goto("/dashboards/?year=2025")
    expect(page.get_by_test_id("figure-JOBS_TOTAL")).to_contain_text("340")
    page.wait_for_function("window.dashboardMap !== undefined")
    geo = page.evaluate(
        "echarts.getMap('china').geoJSON.features.map(function (f) { return f.properties.name; })"
    )
    assert set(MAINLAND) <= set(geo), set(MAINLAND) - set(geo)
    assert {"台湾", "香港", "澳门"} <= set(geo)
    regions = page.evaluate(
        "window.dashboardMap.getModel().getSeriesByIndex(0).coordinateSystem.regions.length"
    )
    assert regions >= 35  # 34 divisions and the South China Sea islands' inset (南海诸岛)
    shoot(page, f"dashboard-national-{width}.png", full_page=True)
    assert not overflows(page)

    # a click on Guangdong. The chart redraws when its box changes (resize: a scroll bar coming or going on
    # a phone), which moves the province under a point read before: the point is read again right before
    # each click, with the map scrolled into view, and a click that met a redraw is made again
    chart = page.locator("#china-map")
    for attempt in range(3):
        chart.scroll_into_view_if_needed()
        point = page.evaluate("window.dashboardMap.convertToPixel({seriesIndex: 0}, [113.3, 23.3])")
        chart.click(position={"x": point[0], "y": point[1]})
        try:
            page.wait_for_url(re.compile(r"/bases/\?province=440000$"), timeout=5000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    expect(page.get_by_test_id("result-count")).to_be_visible()
    assert errors == []


def test_metric_switch_redraws_the_map(page_as, make_user):
    fixed_program()
    page = page_as(make_user(Role.NATIONAL_ADMIN))
    errors = watch_errors(page)
    page.goto("/dashboards/?year=2025")
    page.wait_for_function("window.dashboardMap !== undefined")
    page.get_by_test_id("map-metric").select_option("JOBS_TOTAL")
    top = page.evaluate("window.dashboardMap.getOption().visualMap[0].max")
    assert top == 200  # 山西 100, 广西 200, 福建 40: the largest province
    assert errors == []


@pytest.mark.parametrize(("width", "height"), [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_base_profile(page_as, make_user, shoot, width, height):
    fixed_program()
    page = page_as(make_user(Role.OPERATOR, base="B3-012"), width, height)
    errors = watch_errors(page)
    page.goto("/dashboards/bases/B3-012/")
    expect(page.locator("#series-chart canvas")).to_have_count(1)
    page.get_by_test_id("series-indicator").select_option(index=1)
    shoot(page, f"dashboard-profile-{width}.png", full_page=True)
    assert not overflows(page)
    assert errors == []


@pytest.mark.parametrize(("width", "height"), [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_public_portal_anonymously(open_page, shoot, width, height):
    fixed_program()
    page = open_page(width, height)
    errors = watch_errors(page)
    page.goto("/public/")
    page.wait_for_function("window.portalMap !== undefined")
    expect(page.get_by_test_id("public-total")).to_be_visible()
    shoot(page, f"portal-home-{width}.png", full_page=True)
    assert not overflows(page)
    page.goto("/public/bases/?batch=3")
    expect(page.get_by_test_id("public-count")).to_contain_text("92")
    page.get_by_role("link", name=re.compile("横州市")).first.click()
    expect(page.get_by_test_id("public-name")).to_be_visible()
    shoot(page, f"portal-base-{width}.png", full_page=True)
    assert not overflows(page)
    page.goto("/public/index/")
    expect(page.get_by_test_id("index-national")).to_contain_text("98.3")
    shoot(page, f"portal-index-{width}.png", full_page=True)
    assert not overflows(page)
    assert errors == []
