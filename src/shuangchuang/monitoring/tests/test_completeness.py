import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from shuangchuang.monitoring.completeness import Timeliness, period_completeness, rate, trend
from shuangchuang.monitoring.models import Indicator, Report, ReportValue
from shuangchuang.monitoring.periods import create_period, open_period

from .factories import make_period, make_report, make_small_catalogue

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2025, 10, 20)  # five days after the 2025Q3 due date


def at(day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 10, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def moe_quarter(registry):
    """教育部's four university bases in 2025Q3 (due 15 October), one of each kind of case.

    The quarterly form asks for two required values (JOBS, JOBS_GRAD); JOBS_GROWTH is derived and
    REVENUE is on the annual form only.
    """
    make_small_catalogue()
    period = make_period(2025, 3)
    on_time = make_report("B3-004", period, "reviewed", JOBS=10, JOBS_GRAD=2)
    late = make_report("B3-021", period, "submitted", JOBS=10)
    make_report("B3-022", period, "draft", JOBS=3, NOTE="")
    returned = make_report(
        "B3-023", period, "returned", JOBS=10, JOBS_GRAD=1, JOBS_GROWTH=5, REVENUE=100, NOTE="亮点"
    )
    Report.objects.filter(pk=on_time.pk).update(submitted_at=at(15, 23, 30))  # the evening of the due date
    Report.objects.filter(pk=late.pk).update(submitted_at=at(17))
    Report.objects.filter(pk=returned.pk).update(submitted_at=at(12))
    return period


def test_rates_on_a_hand_made_case(moe_quarter, make_user):
    national = make_user("national_admin")
    result = period_completeness(national, moe_quarter, today=TODAY)

    total = result.total
    assert (total.reports, total.on_time, total.late, total.missing, total.returned) == (4, 2, 1, 1, 1)
    assert (total.required_present, total.required_expected) == (6, 8)
    assert total.on_time_rate == 50.0
    assert total.submission_rate == 75.0
    assert total.completeness_rate == 75.0
    assert round(total.returned_rate, 1) == 33.3
    rows = {row.base.code: row for block in result.authorities for row in block.rows}
    assert rows["B3-004"].timeliness == Timeliness.ON_TIME
    assert (rows["B3-021"].timeliness, rows["B3-021"].days) == (Timeliness.LATE, 2)
    assert (rows["B3-022"].timeliness, rows["B3-022"].days) == (Timeliness.MISSING, 5)
    assert rows["B3-023"].is_returned and rows["B3-023"].completeness_rate == 100.0


def test_the_database_aggregate_agrees_with_the_per_base_count(moe_quarter, make_user):
    national = make_user("national_admin")
    [(_, tally)] = trend(national, [moe_quarter], today=TODAY)
    assert (tally.on_time, tally.late, tally.missing, tally.returned) == (2, 1, 1, 1)
    assert (tally.required_present, tally.required_expected) == (6, 8)


def test_nothing_is_missing_before_the_due_date(moe_quarter, make_user):
    result = period_completeness(make_user("national_admin"), moe_quarter, today=dt.date(2025, 10, 10))
    assert (result.total.missing, result.total.pending) == (0, 1)
    row = next(r for b in result.authorities for r in b.rows if r.base.code == "B3-022")
    assert (row.timeliness, row.days) == (Timeliness.PENDING, 5)


def test_rates_never_exceed_100_percent(moe_quarter, make_user):
    report = Report.objects.get(base__code="B3-004", period=moe_quarter)
    ReportValue.objects.bulk_create(  # a value for every indicator, on the form or not
        ReportValue(report=report, indicator=i, indicator_version=i.versions.first(), number=1)
        for i in Indicator.objects.exclude(values__report=report)
    )
    result = period_completeness(make_user("national_admin"), moe_quarter, today=TODAY)
    assert all(
        (value or 0) <= 100
        for block in result.authorities
        for row in block.rows
        for value in (row.completeness_rate, block.tally.completeness_rate, block.tally.on_time_rate)
    )
    assert rate(5, 4) == 100.0 and rate(1, 0) is None


def test_an_authority_sees_its_own_bases_only(moe_quarter, make_user):
    make_report("B3-012", moe_quarter, "draft")  # 横县, reviewed by 广西
    moe = make_user("authority", authority="moe")
    result = period_completeness(moe, moe_quarter, today=TODAY)
    assert [b.authority.code for b in result.authorities] == ["moe"]
    assert result.total.reports == 4


@pytest.fixture
def opened(registry):
    period = create_period(2025, 3)
    open_period(period)
    Report.objects.filter(period=period, base__code__in=["B3-012", "B3-041"]).update(
        submitted_at=at(14), state="submitted"
    )
    return period


def test_the_page_shows_a_row_per_authority_to_the_national_office(opened, make_user, client_for):
    client = client_for(make_user("national_admin"))
    page = client.get(reverse("monitoring:completeness"), {"period": "2025Q3"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-authority="moe"' in html and 'data-authority="drc-450000"' in html
    assert "data-base=" not in html  # the drill-down is asked for, not dumped

    drill = client.get(reverse("monitoring:completeness"), {"period": "2025Q3", "authority": "drc-450000"})
    html = drill.content.decode()
    assert 'data-base="B3-012"' in html and 'data-base="B3-074"' in html and 'data-base="B3-004"' not in html


def test_an_authority_gets_its_bases_straight_away_and_no_one_else_s(opened, make_user, client_for):
    client = client_for(make_user("authority", authority="drc-450000"))
    html = client.get(
        reverse("monitoring:completeness"), {"period": "2025Q3", "authority": "all"}
    ).content.decode()
    assert all(f'data-base="{code}"' in html for code in ("B3-012", "B3-041", "B3-074"))
    assert 'data-base="B3-023"' not in html and 'data-authority="moe"' not in html


def test_an_operator_cannot_see_another_base_s_row(opened, make_user, client_for):
    client = client_for(make_user("operator", base="B3-023"))
    html = client.get(reverse("monitoring:completeness"), {"period": "2025Q3"}).content.decode()
    assert 'data-base="B3-023"' in html
    assert 'data-base="B3-004"' not in html and 'data-base="B3-012"' not in html


def test_the_page_costs_the_same_queries_for_one_authority_or_all(
    opened, make_user, client_for, django_assert_max_num_queries
):
    client = client_for(make_user("national_admin"))
    with django_assert_max_num_queries(20):
        page = client.get(reverse("monitoring:completeness"), {"period": "2025Q3", "authority": "all"})
    assert page.content.decode().count("data-base=") == 92


def test_unknown_periods_are_404_and_the_security_admin_is_refused(opened, make_user, client_for):
    client = client_for(make_user("national_admin"))
    assert client.get(reverse("monitoring:completeness"), {"period": "1999Q1"}).status_code == 404
    client = client_for(make_user("security_admin"))
    assert client.get(reverse("monitoring:completeness")).status_code == 403


def _row(html: str, code: str) -> str:
    start = html.index(f'<tr data-base="{code}">')
    return html[start : html.index("</tr>", start)]


def test_figures_and_rows_follow_a_move_at_once(opened, make_user, client_for):
    """The page keeps its figures and rows in the cache (core/fragments.py); a report moved through the
    services shows its new state, and the authority's tally its new count, on the next request."""
    from shuangchuang.monitoring.models import Action
    from shuangchuang.monitoring.services import transition

    client = client_for(make_user("national_admin"))
    url = reverse("monitoring:completeness")
    params = {"period": "2025Q3", "authority": "drc-450000"}
    before = client.get(url, params).content.decode()
    assert "bg-blue-lt" in _row(before, "B3-012")  # submitted
    again = client.get(url, params).content.decode()  # now from the cache
    assert _row(again, "B3-012") == _row(before, "B3-012")

    report = Report.objects.get(period=opened, base__code="B3-012")
    transition(report, Action.RETURN, actor=make_user("authority", authority="drc-450000"), reason="请补充")

    after = client.get(url, params).content.decode()
    assert "bg-orange-lt" in _row(after, "B3-012") and "bg-blue-lt" not in _row(after, "B3-012")
    returned = 'data-label="退回">'
    authority_row = after[after.index('<tr data-authority="drc-450000"') :]
    assert authority_row[authority_row.index(returned) + len(returned)] == "1"


def test_a_required_indicator_made_optional_changes_completeness_at_once(moe_quarter, make_user, client_for):
    client = client_for(make_user("national_admin"))
    url = reverse("monitoring:completeness")
    params = {"period": "2025Q3", "authority": "moe"}
    before = _row(client.get(url, params).content.decode(), "B3-021")
    assert "1 / 2" in before  # JOBS given, JOBS_GRAD not

    Indicator.objects.filter(code="JOBS_GRAD").update(required=False)

    after = _row(client.get(url, params).content.decode(), "B3-021")
    assert "1 / 1" in after


def test_readers_of_two_authorities_never_share_figures(opened, make_user, client_for, client):
    url = reverse("monitoring:completeness")
    guangxi = client_for(make_user("authority", authority="drc-450000"))
    html = guangxi.get(url, {"period": "2025Q3"}).content.decode()
    assert 'data-base="B3-012"' in html

    client.logout()
    moe = client_for(make_user("authority", authority="moe"))
    html = moe.get(url, {"period": "2025Q3"}).content.decode()
    assert 'data-base="B3-012"' not in html and 'data-base="B3-004"' in html
