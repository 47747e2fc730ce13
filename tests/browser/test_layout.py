"""The base list on a laptop, a tablet and a phone, in Chinese and English.

With `--screenshots` the pages go to var/screenshots/ for a person to look at; the assertions are what a user
would notice.

Slow on purpose (one to a dozen seconds a test): a real Chromium loads each page with its scripts and
styles.
"""

import pytest
from playwright.sync_api import expect

from shuangchuang.accounts.models import Role

pytestmark = pytest.mark.browser

LAPTOP = (1366, 800)
TABLET = (1024, 768)
PHONE = (390, 844)


def page_overflows_horizontally(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


CUT_OFF_SELECTS = """selects => selects.filter(select => {
  const style = getComputedStyle(select);
  const context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return context.measureText(select.options[select.selectedIndex].text).width > room;
}).map(select => select.name)"""


LINES_OF_TEXT = """cells => cells.map(cell => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  return new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size;
})"""


def header_height(page) -> float:
    return page.locator("header.navbar").bounding_box()["height"]


def test_base_list_on_a_laptop(page_as, make_user, shoot):
    page = page_as(make_user(Role.NATIONAL_ADMIN), *LAPTOP)

    page.goto("/bases/")
    shoot(page, "base-list-laptop.png", full_page=True)

    expect(page.get_by_role("button", name="菜单")).to_be_hidden()
    expect(page.get_by_role("link", name="分省汇总")).to_be_hidden()  # inside the 示范基地 drop-down
    page.get_by_role("button", name="示范基地").click()
    expect(page.get_by_role("link", name="分省汇总")).to_be_visible()
    expect(page.get_by_role("columnheader", name="审核单位")).to_be_visible()
    expect(page.locator("#base-rows tbody tr")).to_have_count(50)
    assert header_height(page) < 80
    assert not page_overflows_horizontally(page)


def test_base_list_on_a_phone(page_as, make_user, shoot):
    page = page_as(make_user(Role.NATIONAL_ADMIN), *PHONE)

    page.goto("/bases/")
    shoot(page, "base-list-phone.png")

    toggler = page.get_by_role("button", name="菜单")
    expect(toggler).to_be_visible()
    expect(page.get_by_role("link", name="分省汇总")).to_be_hidden()
    expect(page.get_by_role("columnheader", name="审核单位")).to_be_hidden()  # rows are stacked as cards
    expect(page.locator("#base-rows tbody tr").first.get_by_role("link")).to_be_in_viewport()
    assert header_height(page) < 80
    assert not page_overflows_horizontally(page)

    toggler.click()
    page.wait_for_selector("#main-menu.show")  # the opening animation has ended
    page.get_by_role("button", name="示范基地").click()
    expect(page.get_by_role("link", name="分省汇总")).to_be_visible()
    shoot(page, "base-list-phone-menu.png")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_header_and_filters_fit_at_every_width(page_as, make_user, shoot, live_server, language):
    page = page_as(make_user(Role.NATIONAL_ADMIN))
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto("/bases/")

    for width, height in [LAPTOP, TABLET, PHONE]:
        page.set_viewport_size({"width": width, "height": height})
        shoot(page, f"base-list-{language}-{width}.png")

        assert header_height(page) < 80, f"the header wraps at {width}px"
        assert not page_overflows_horizontally(page), f"the page scrolls sideways at {width}px"
        cut_off = page.eval_on_selector_all(".filters select", CUT_OFF_SELECTS)
        assert cut_off == [], f"filter labels cut off at {width}px"


@pytest.mark.parametrize(("width", "height"), [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_auditor_opens_a_save_of_many_values_in_the_audit_log(page_as, make_user, shoot, width, height):
    from shuangchuang.monitoring import services
    from shuangchuang.monitoring.tests.factories import make_period, make_report, make_small_catalogue

    make_small_catalogue()
    report = make_report("B3-012", make_period(2025), JOBS=120)
    operator = make_user(Role.OPERATOR, base="B3-012", first_name="黄填报")
    services.save_values(report, {"JOBS": "150", "JOBS_GRAD": "30", "REVENUE": "50000"}, actor=operator)
    page = page_as(make_user(Role.AUDITOR), width, height)

    page.goto("/audit/?action=monitoring.value")
    changes = page.locator("details.audit-changes").first
    expect(changes.locator("summary")).to_have_text("3 项变更")
    changes.locator("summary").click()
    expect(changes.get_by_role("listitem")).to_have_text(
        ["带动就业人数 120 → 150", "其中：吸纳应届高校毕业生 — → 30", "营业收入 — → 50000"]
    )
    expect(page.get_by_test_id("audit-object-type").first).to_have_text("填报")
    shoot(page, f"audit-log-values-{width}.png", full_page=True)

    assert not page_overflows_horizontally(page)
    assert page.eval_on_selector_all("[data-testid=audit-actor]", LINES_OF_TEXT) == [1]  # 黄填报 on one line


@pytest.mark.parametrize(("width", "height"), [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_national_office_approves_its_queue_in_one_go(page_as, make_user, shoot, width, height):
    from shuangchuang.monitoring.tests.factories import make_period, make_report, make_small_catalogue

    make_small_catalogue()
    period = make_period(2025)
    for code in ("B3-012", "B3-013", "B3-014"):
        make_report(code, period, state="reviewed", JOBS=120)
    page = page_as(make_user(Role.NATIONAL_ADMIN), width, height)

    page.goto("/monitoring/")
    page.get_by_role("checkbox", name="全选").check()
    shoot(page, f"national-queue-{width}.png", full_page=True)
    assert not page_overflows_horizontally(page)
    page.get_by_role("button", name="批量核准").click()

    expect(page.get_by_text("已核准 3 份报告。")).to_be_visible()
    expect(page.get_by_text("没有等待您处理的报告。")).to_be_visible()


@pytest.mark.parametrize(("width", "height"), [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_base_withdraws_a_file_it_uploaded_by_mistake(
    page_as, make_user, shoot, settings, tmp_path, width, height
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shuangchuang.monitoring.evidence import add_evidence
    from shuangchuang.monitoring.tests.factories import make_period, make_report, make_small_catalogue

    settings.MEDIA_ROOT = tmp_path
    make_small_catalogue()
    report = make_report("B3-012", make_period(2025))
    operator = make_user(Role.OPERATOR, base="B3-012", first_name="黄填报")
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    for name in ("就业台账.pdf", "错传的文件.pdf"):
        add_evidence(report, SimpleUploadedFile(name, pdf), section="就业", actor=operator)
    page = page_as(operator, width, height)

    page.goto(f"/monitoring/reports/{report.pk}/?tab=evidence")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("evidence-item").filter(has_text="错传的文件.pdf").get_by_role(
        "button", name="撤回"
    ).click()

    expect(page.get_by_text("已撤回“错传的文件.pdf”。")).to_be_visible()
    expect(page.get_by_test_id("evidence-withdrawn")).to_contain_text("黄填报")
    expect(page.get_by_test_id("evidence-item")).to_have_count(1)
    shoot(page, f"evidence-withdrawn-{width}.png", full_page=True)
    assert not page_overflows_horizontally(page)


@pytest.mark.parametrize(("width", "height"), [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_the_national_office_imports_bases_and_reads_the_format_and_errors(
    page_as, make_user, shoot, tmp_path, width, height
):
    page = page_as(make_user(Role.NATIONAL_ADMIN), width, height)
    page.goto("/bases/import/")
    shoot(page, f"base-import-{width}.png", full_page=True)

    expect(page.get_by_test_id("upload-limits")).to_contain_text("文件不超过 20 MB")
    expect(page.get_by_test_id("import-template")).to_be_visible()
    expect(page.get_by_role("cell", name="功能方向或类别")).to_be_visible()
    assert not page_overflows_horizontally(page)

    bad = tmp_path / "名单.csv"
    bad.write_text("序号,名称\n1,某基地\n" + "2," + "X" * 200_000 + "\n", encoding="utf-8")
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="校验并导入").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("第 3 行 B 列：单元格超过 32,767 个字符")
    shoot(page, f"base-import-errors-{width}.png", full_page=True)
    assert not page_overflows_horizontally(page)


CUT_OFF_OPTIONS = """selects => selects.flatMap(select => {
  const style = getComputedStyle(select);
  const context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return [...select.options].filter(o => context.measureText(o.text).width > room).map(o => o.text);
})"""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_choice_of_the_report_filters_shows_whole(page_as, make_user, shoot, live_server, language):
    """The phone used to show "异常提示：不" — a choice that does not fit cannot be read, or told apart."""
    from shuangchuang.monitoring.tests.factories import make_period, make_small_catalogue

    make_small_catalogue()
    make_period(2025, 3)
    page = page_as(make_user(Role.AUTHORITY, authority="drc-450000"))
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto("/monitoring/")

    for width, height in [LAPTOP, TABLET, PHONE]:
        page.set_viewport_size({"width": width, "height": height})
        shoot(page, f"report-filters-{language}-{width}.png")

        assert page.eval_on_selector_all(".filters select", CUT_OFF_OPTIONS) == [], f"cut off at {width}px"
        assert not page_overflows_horizontally(page), f"the page scrolls sideways at {width}px"
