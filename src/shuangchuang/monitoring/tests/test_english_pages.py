"""The monitoring pages after the switch to English: generated words follow the language, data does not."""

import io
import re

import pytest
from openpyxl import load_workbook

from shuangchuang.accounts.models import Role

from .factories import make_period, make_report, make_small_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(make_user, client_for):
    make_small_catalogue()
    client = client_for(make_user(Role.AUTHORITY, authority="drc-450000"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_the_report_page_names_period_direction_and_steps_in_english(english):
    report = make_report("B3-012", make_period(2025, 3), state="submitted", JOBS=120)

    html = english.get(f"/monitoring/reports/{report.pk}/").content.decode()

    assert "广西壮族自治区南宁市横州市 · 2025 Q3" in html  # the base's name is data and stays Chinese
    assert "Entrepreneurship and employment" in html and "创业就业" not in html
    assert "Authority review" in html and "审核单位审核" not in html
    assert "2025-07-01 to 2025-09-30" in html and "Unit: persons" in html
    assert "2025年第3季度" not in html


def test_the_history_and_a_refused_value_speak_english(english, make_user, client_for):
    report = make_report("B3-012", make_period(2025, 3))
    operator = make_user(Role.OPERATOR, base="B3-012")
    operator_client = client_for(operator)
    operator_client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = operator_client.post(
        f"/monitoring/reports/{report.pk}/save/",
        {"value-JOBS": "abc", "action": "save", "version": report.version},
        follow=True,
    )

    html = response.content.decode()
    assert "“abc” is not a number" in html and "Not saved: entries to correct: 1" in html


def test_the_completeness_page_writes_dates_the_english_way(english):
    make_period(2025, 3)

    html = english.get("/monitoring/completeness/?period=2025Q3").content.decode()

    assert "Oct. 15, 2025" in html and "2025年10月15日" not in html


def test_a_refused_upload_says_why_in_english(english):
    from django.core.files.uploadedfile import SimpleUploadedFile

    make_report("B3-012", make_period(2025))
    png = SimpleUploadedFile("报表.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)

    response = english.post("/monitoring/excel/", {"period": "2025A", "file": png})

    assert [e.message for e in response.context["errors"]] == [
        "Not an Excel file (the content is an image). Please upload an Excel workbook (.xlsx) or a CSV file."
    ]


def test_an_outlier_flag_is_shown_in_english_and_stored_in_chinese(make_user, client_for):
    from shuangchuang.monitoring.models import ReportValue

    make_small_catalogue()
    make_report("B3-012", make_period(2025, 1), JOBS=12000)
    report = make_report("B3-012", make_period(2025, 2))
    operator = client_for(make_user(Role.OPERATOR, base="B3-012"))
    operator.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = operator.post(
        f"/monitoring/reports/{report.pk}/save/",
        {"value-JOBS": "3000", "action": "save", "version": report.version},
        follow=True,
    )

    assert "0.25 times the previous period&#x27;s value (12,000 persons)" in response.content.decode()
    [flag] = ReportValue.objects.get(report=report, indicator__code="JOBS").flags
    assert flag["message"] == "与上期（12,000 人）相比变化为 0.25 倍"


def test_indicators_are_named_in_english_on_pages_and_in_chinese_in_files(english, make_user, client_for):
    from shuangchuang.monitoring.models import IndicatorVersion

    IndicatorVersion.objects.filter(indicator__code="JOBS").update(name_en="Jobs created")
    report = make_report("B3-012", make_period(2025, 3), state="submitted", JOBS=120)

    page = english.get(f"/monitoring/reports/{report.pk}/").content.decode()
    template = english.get("/monitoring/excel/2025Q3/B3-012.xlsx")
    chinese = client_for(make_user(Role.AUTHORITY, authority="drc-450000")).get(
        f"/monitoring/reports/{report.pk}/"
    )

    assert "Jobs created" in page and not re.search("带动就业人数(?!增速)", page)  # 增速 has no English name
    assert "带动就业人数" in chinese.content.decode()

    book = load_workbook(io.BytesIO(template.content))
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value]
    assert any(c.startswith("带动就业人数") for c in cells)  # the official file stays Chinese
    assert not any("Jobs created" in c for c in cells)


def test_catalogue_sections_are_named_in_the_readers_language():
    from django.utils import translation

    from shuangchuang.monitoring.catalogue import section_label

    with translation.override("en"):
        assert [section_label(s) for s in ("基本情况", "投融资", "新增的分组")] == [
            "General",
            "Investment and financing",
            "新增的分组",  # a section added later is shown as it is named
        ]
    with translation.override("zh-hans"):
        assert section_label("基本情况") == "基本情况"
