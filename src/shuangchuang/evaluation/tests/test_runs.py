"""Evaluation runs in the web app: approved data in, stored scores, ranks and intervals out."""

import io
import statistics
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from shuangchuang.evaluation.models import EvaluationRun, RunResult
from shuangchuang.evaluation.schemes import ensure_default_scheme
from shuangchuang.evaluation.services import execute_run, start_run
from shuangchuang.monitoring.models import Indicator, IndicatorVersion, Report, ReportValue
from shuangchuang.monitoring.tests.factories import make_period, make_small_catalogue
from shuangchuang.registry.models import Base, Direction

pytestmark = pytest.mark.django_db


def test_default_scheme_groups_indicators_by_form_section(approved_year):
    dimensions = {
        n.name: sorted(c.code for c in n.children.all())
        for n in approved_year.nodes.filter(parent__code="INDEX")
    }
    assert dimensions == {
        "就业": ["JOBS", "JOBS_GRAD", "JOBS_GROWTH"],
        "经营": ["RD", "RD_INTENSITY", "REVENUE"],
    }


def test_a_run_stores_scores_ranks_and_rank_intervals(
    approved_year, make_user, django_capture_on_commit_callbacks
):
    approved_year.uncertainty_replications = 200
    approved_year.save()
    with django_capture_on_commit_callbacks(execute=True):
        run = start_run(approved_year, actor=make_user("national_admin"))
    run.refresh_from_db()
    assert (run.status, run.progress, run.unit_count) == ("done", 100, 25)
    results = list(RunResult.objects.filter(run=run).order_by("rank"))
    assert [r.rank for r in results] == list(range(1, 26))
    for r in results:
        assert r.rank_p05 <= r.median_rank <= r.rank_p95
        assert sum(v for v in r.contributions.values() if v is not None) == pytest.approx(r.score, abs=1e-4)
    assert {r.peer_group for r in results} == {"区域", "高校和科研院所"}
    assert run.sensitivity and {s["input"] for s in run.sensitivity}


def test_rerunning_gives_identical_numbers(approved_year, make_user):
    approved_year.uncertainty_replications = 100
    approved_year.save()
    first = execute_run(EvaluationRun.objects.create(scheme=approved_year).pk)
    second = execute_run(EvaluationRun.objects.create(scheme=approved_year).pk)
    assert first.fingerprint == second.fingerprint and first.seed == second.seed
    fields = ("base_id", "score", "rank", "median_rank", "rank_p05", "rank_p95", "scores")
    assert list(first.results.order_by("base_id").values_list(*fields)) == list(
        second.results.order_by("base_id").values_list(*fields)
    )


def test_changed_data_changes_the_fingerprint(approved_year):
    approved_year.uncertainty_replications = 0
    approved_year.save()
    first = execute_run(EvaluationRun.objects.create(scheme=approved_year).pk)
    ReportValue.objects.filter(indicator__code="JOBS").order_by("pk").first().__class__.objects.filter(
        pk=ReportValue.objects.filter(indicator__code="JOBS").order_by("pk").first().pk
    ).update(number=Decimal(999999))
    second = execute_run(EvaluationRun.objects.create(scheme=approved_year).pk)
    assert first.fingerprint != second.fingerprint


def test_only_approved_data_is_evaluated(approved_year):
    approved_year.uncertainty_replications = 0
    approved_year.save()
    Report.objects.filter(base__code="B3-001").update(state="submitted")
    run = execute_run(EvaluationRun.objects.create(scheme=approved_year).pk)
    excluded = run.results.get(base__code="B3-001")
    assert not excluded.included and "数据完整率 0%" in excluded.excluded_reason


def test_only_the_national_office_starts_runs(approved_year, make_user, client_for):
    client = client_for(make_user("authority", authority="drc-450000"))
    assert client.post(f"/evaluation/schemes/{approved_year.pk}/run/").status_code == 403
    assert not EvaluationRun.objects.exists()


def test_ranking_and_scorecards_are_scoped(approved_year, make_user, client_for):
    approved_year.uncertainty_replications = 0
    approved_year.save()
    run = execute_run(EvaluationRun.objects.create(scheme=approved_year).pk)
    page = (
        client_for(make_user("authority", authority="drc-450000"))
        .get(f"/evaluation/runs/{run.pk}/")
        .content.decode()
    )
    assert "广西壮族自治区南宁市横州市" in page and "山西省晋城经济技术开发区" not in page
    operator = client_for(make_user("operator", base="B3-012"))
    assert operator.get(f"/evaluation/runs/{run.pk}/bases/B3-012/").status_code == 200
    assert operator.get(f"/evaluation/runs/{run.pk}/bases/B3-001/").status_code == 404


def test_scorecard_shows_contributions_and_radar_data(approved_year, make_user, client_for):
    approved_year.uncertainty_replications = 0
    approved_year.save()
    run = execute_run(EvaluationRun.objects.create(scheme=approved_year).pk)
    response = client_for(make_user("national_admin")).get(f"/evaluation/runs/{run.pk}/bases/B3-012/")
    page = response.content.decode()
    assert "各指标对综合得分的贡献" in page and "带动就业人数" in page
    assert response.context["radar"]["indicators"] == [
        {"name": "就业", "max": 100},
        {"name": "经营", "max": 100},
    ]


def test_export_is_an_xlsx_of_the_visible_results(approved_year, make_user, client_for):
    approved_year.uncertainty_replications = 0
    approved_year.save()
    run = execute_run(EvaluationRun.objects.create(scheme=approved_year).pk)
    response = client_for(make_user("authority", authority="moe")).get(
        f"/evaluation/runs/{run.pk}/export.xlsx"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = {row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"西安交通大学", "重庆大学", "厦门大学", "同济大学国家大学科技园"}


def test_bases_left_out_of_the_ranking_come_last(approved_year, make_user, client_for):
    approved_year.uncertainty_replications = 0
    approved_year.save()
    Report.objects.filter(base__code="B3-001").update(state="submitted")
    run = execute_run(EvaluationRun.objects.create(scheme=approved_year).pk)

    results = client_for(make_user("national_admin")).get(f"/evaluation/runs/{run.pk}/").context["results"]

    assert [r.rank for r in results] == [*range(1, 25), None]
    assert results[-1].base.code == "B3-001"


def test_a_base_sees_only_the_runs_it_is_in(approved_year, make_user, client_for):
    approved_year.uncertainty_replications = 0
    approved_year.save()
    run = execute_run(EvaluationRun.objects.create(scheme=approved_year).pk)
    own = client_for(make_user("operator", base="B3-012"))
    assert own.get(f"/evaluation/runs/{run.pk}/").status_code == 200

    other_direction = client_for(make_user("operator", base="B3-026"))  # 融通创新: not in this run

    assert other_direction.get(f"/evaluation/runs/{run.pk}/").status_code == 404
    assert list(other_direction.get("/evaluation/").context["runs"]) == []


def test_methods_are_shown_in_words_not_codes(approved_year, make_user, client_for):
    approved_year.uncertainty_replications = 50
    approved_year.save()
    run = execute_run(EvaluationRun.objects.create(scheme=approved_year).pk)
    client = client_for(make_user("national_admin"))

    pages = [
        client.get(url).content.decode()
        for url in ("/evaluation/", f"/evaluation/schemes/{approved_year.pk}/", f"/evaluation/runs/{run.pk}/")
    ]

    assert all("极差标准化（0–100）" in page for page in pages[:2]) and "加权算术平均" in pages[0]
    assert (
        "同类中位数" in pages[1]
        and "合成方法" in pages[2]
        and "指标权重" in pages[2]
        and "维度权重" in pages[2]
    )
    for code in ("minmax", "given", "arithmetic", "group-median", "weights level", "normalisation"):
        assert all(code not in page for page in pages), code


def test_a_scorecard_in_english_names_indicators_and_the_index_in_english(
    approved_year, make_user, client_for
):
    IndicatorVersion.objects.filter(indicator__code="JOBS").update(name_en="Jobs created")
    approved_year.uncertainty_replications = 0
    approved_year.save()
    run = execute_run(EvaluationRun.objects.create(scheme=approved_year).pk)
    client = client_for(make_user("national_admin"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    scorecard = client.get(f"/evaluation/runs/{run.pk}/bases/B3-012/")
    scheme = client.get(f"/evaluation/schemes/{approved_year.pk}/").content.decode()

    assert "Jobs created" in scorecard.content.decode()
    assert scorecard.context["names"]["INDEX"] == "Entrepreneurship and employment index"
    assert "Jobs created" in scheme and "带动就业人数<" not in scheme
    assert run.diagnostics["names"]["JOBS"] == "带动就业人数"  # what the run recorded stays as it was


def test_the_scorecard_never_calls_a_value_above_the_peer_median_a_weakness(registry, make_user, client_for):
    """横州市 is above the median of the regional bases on every indicator: it has strengths and no
    weakness, shown in the indicators' units beside the median it was judged against."""
    make_small_catalogue()
    period = make_period(2025)
    indicators = {i.code: i for i in Indicator.objects.prefetch_related("versions")}
    jobs = {}
    values = []
    for i, base in enumerate(Base.objects.filter(direction__code="employment").order_by("code")):
        numbers = {"JOBS": 100 + 10 * i, "JOBS_GRAD": 10 + i, "REVENUE": 5000 + 100 * i, "RD": 200 + 7 * i}
        if base.code == "B3-012":
            numbers = {"JOBS": 300, "JOBS_GRAD": 30, "REVENUE": 6800, "RD": 330}
        numbers["RD_INTENSITY"] = round(numbers["RD"] / numbers["REVENUE"] * 100, 4)
        if base.kind == "region":
            jobs[base.code] = numbers["JOBS"]
        report = Report.objects.create(base=base, period=period, state="approved")
        values += [
            ReportValue(
                report=report,
                indicator=indicators[code],
                indicator_version=indicators[code].versions.first(),
                number=Decimal(str(number)),
            )
            for code, number in numbers.items()
        ]
    ReportValue.objects.bulk_create(values)
    scheme = ensure_default_scheme(Direction.objects.get(code="employment"), 2025)
    scheme.uncertainty_replications = 0
    scheme.save()
    run = execute_run(EvaluationRun.objects.create(scheme=scheme).pk)

    result = run.results.get(base__code="B3-012")
    page = client_for(make_user("operator", base="B3-012")).get(f"/evaluation/runs/{run.pk}/bases/B3-012/")

    assert result.weaknesses == [] and result.strengths
    for strength in result.strengths:
        assert strength["value"] > strength["median"]
        assert result.what_if[strength["indicator"]] < result.score  # the what-if agrees
    html = page.content.decode()
    weaknesses = html[html.index('data-testid="weaknesses"') :]
    assert weaknesses[: weaknesses.index("</ul>")].count("<li") == 1 and "—" in weaknesses[:200]
    median = statistics.median(jobs.values())
    assert f"带动就业人数：300 人（同类中位数 {median:g} 人）" in html


def test_a_run_stored_before_keeps_only_the_weaknesses_below_the_median_beside_them(
    approved_year, make_user, client_for
):
    approved_year.uncertainty_replications = 0
    approved_year.save()
    run = execute_run(EvaluationRun.objects.create(scheme=approved_year).pk)
    # as runs stored them before: normalised scores, and the lowest gaps listed whatever their sign
    run.results.filter(base__code="B3-012").update(
        weaknesses=[
            {"indicator": "JOBS", "value": 75.0, "median": 40.0},
            {"indicator": "RD", "value": 20.0, "median": 35.5},
        ]
    )

    page = client_for(make_user("national_admin")).get(f"/evaluation/runs/{run.pk}/bases/B3-012/")

    assert [(s.name, s.value, s.median) for s in page.context["weaknesses"]] == [
        ("研发投入", "20.0 分（标准化）", "35.5 分（标准化）")
    ]


def test_the_run_page_polls_one_part_holding_the_status_the_bar_and_the_results(
    approved_year, make_user, client_for
):
    approved_year.uncertainty_replications = 0
    approved_year.save()
    run = EvaluationRun.objects.create(scheme=approved_year)
    client = client_for(make_user("national_admin"))
    queued = client.get(f"/evaluation/runs/{run.pk}/").content.decode()
    outside, polled = queued.split('id="run-progress"')
    assert "排队中" in polled and "hx-get" in polled
    assert "排队中" not in outside and "已完成" not in outside  # no status that the polling cannot update

    execute_run(run.pk)  # the worker finishes within the second before the first poll
    part = client.get(f"/evaluation/runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()

    assert 'data-testid="run-status">计算完成<' in part and 'data-testid="progress-value">100%<' in part
    assert 'data-css-width="100"' in part and 'data-testid="ranking"' in part
    assert "排队中" not in part and "hx-get" not in part  # and the polling stops


def test_runs_of_one_scheme_are_named_and_the_latest_is_marked(approved_year, make_user, client_for):
    approved_year.uncertainty_replications = 0
    approved_year.save()
    first = execute_run(
        EvaluationRun.objects.create(
            scheme=approved_year, created_by=make_user("national_admin", last_name="王", first_name="国管")
        ).pk
    )
    second = execute_run(
        EvaluationRun.objects.create(
            scheme=approved_year, created_by=make_user("national_admin", last_name="李", first_name="评估")
        ).pk
    )
    client = client_for(make_user("operator", base="B3-012"))

    page = client.get("/bases/B3-012/")

    html = page.content.decode()
    day = timezone.localtime(second.created_at).strftime("%Y-%m-%d")
    assert [r.run_id for r in page.context["results"]] == [second.pk, first.pk]
    assert f"评估运行 #{second.pk} · {day} · 李评估发起" in html
    assert f"评估运行 #{first.pk} · {day} · 王国管发起" in html
    assert html.count('data-testid="latest-run"') == 1
    assert (
        html.index('data-testid="latest-run"')
        < html.index(f"评估运行 #{second.pk}")
        < html.index(f"评估运行 #{first.pk}")
    )
    runs = client.get("/evaluation/").context["runs"]
    assert [(r.pk, r.pk == r.latest_run_id) for r in runs] == [(second.pk, True), (first.pk, False)]
