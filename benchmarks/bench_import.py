"""Benchmark of the Excel import (issue 3): an authority workbook of 212 bases × 50 indicators, read,
validated and saved with its audit rows. Target < 0.3 s; openpyxl alone reads such a file in about 60 ms.
The target is checked twice: in milliseconds on this machine, and as a multiple of the openpyxl read
measured in the same runs (< 5×), which does not depend on how fast a shared machine happens to be.

The measurement runs in a child process with a throwaway SQLite database (migrated from scratch), so
that it never touches the demo database and Django is set up once with the right settings:

    .venv/bin/python benchmarks/run.py --only import
    .venv/bin/python benchmarks/bench_import.py --profile    # where the time goes (cProfile)

Data: the 92 shipped third-batch bases plus 120 synthetic monitored ones (212; the shipped first- and
second-batch bases file no reports), a 50-indicator annual form (counts, money,
percentages, yes/no, a text, two derived indicators, five 其中 ≤ 总数 checks), last year's values for
every base (so the history and peer outlier checks have work to do), and a workbook made by the real
template builder and filled in as an official would.
"""

from __future__ import annotations

import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

NAME = "import"
HERE = Path(__file__).resolve().parent
N_SYNTHETIC = 120
N_INDICATORS = 50
TARGET_SECONDS = 0.3
OPENPYXL_REFERENCE = 0.06  # "openpyxl alone reads such a file in about 60 ms" (the issue)
REPEAT = 9


def run() -> list[dict[str, Any]]:
    from measure import row, run_child

    result = run_child(Path(__file__))
    size = f"{result['rows']} rows × {result['indicators']} indicators, {result['values']:,} values"
    return [
        row(
            "openpyxl alone: read the workbook (read_only, values)",
            result["openpyxl"] * 1000,
            "ms",
            "≈ 60 ms (baseline)",
            True,
            note=f"{result['size_kb']:.0f} kB .xlsx",
        ),
        row("read the upload (checks, both sheets, NFKC)", result["read"] * 1000, "ms", "—", True),
        row(
            "upload → preview: read, match, validate (plan)",
            result["check"] * 1000,
            "ms",
            "—",
            True,
            memory=result["check_memory_mb"],
        ),
        row(
            "confirm: plan again, save values and audit rows",
            result["confirm"] * 1000,
            "ms",
            "—",
            True,
            note=f"{result['audit_rows']:,} audit rows",
        ),
        row(
            "import: read, validate and save with audit rows",
            result["import"] * 1000,
            "ms",
            f"< {TARGET_SECONDS * 1000:.0f} ms",
            result["import"] < TARGET_SECONDS,
            note=f"{size}, {result['audit_rows']} audit rows (one per report saved); upload check + save, "
            "without the confirmation's second plan",
        ),
        row(
            "same, as a multiple of the openpyxl read measured alongside it",
            result["ratio"],
            "x",
            f"< {TARGET_SECONDS / OPENPYXL_REFERENCE:.0f}x",
            result["ratio"] < TARGET_SECONDS / OPENPYXL_REFERENCE,
            note=f"the issue's target, {TARGET_SECONDS * 1000:.0f} ms where openpyxl reads the file in "
            f"{OPENPYXL_REFERENCE * 1000:.0f} ms, independent of how fast this shared machine runs at the moment: "
            f"here openpyxl took {result['openpyxl'] * 1000:.0f} ms, so the same work there would take about "
            f"{result['ratio'] * OPENPYXL_REFERENCE * 1000:.0f} ms (median of {REPEAT} paired runs)",
        ),
        row(
            "again with a few corrections: the whole sheet checked against what is saved",
            result["again"] * 1000,
            "ms",
            "(information)",
            True,
            note=f"the same workbook with {result['corrections']} values changed; upload check + save",
        ),
    ]


# The child process: a throwaway database, the data, the measurements.


def _setup_django(workdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["SHUANGCHUANG_VAR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "shuangchuang.config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _make_data() -> dict[str, Any]:
    """212 bases with a report each this year and values last year; the national office's account."""
    from shuangchuang.accounts.models import Role, User
    from shuangchuang.monitoring.models import CrossCheck, Indicator, IndicatorVersion, Report, ReportValue
    from shuangchuang.monitoring.periods import create_period, open_period
    from shuangchuang.registry.models import Authority, Base, Batch, Direction, Province
    from shuangchuang.registry.services import load_registry

    load_registry()
    batch = Batch.objects.get(number=3)  # monitored bases: a functional direction
    directions = list(Direction.objects.filter(kind="direction").order_by("order"))
    authorities = list(Authority.objects.filter(kind="provincial").order_by("code"))
    provinces = {p.code: p for p in Province.objects.all()}
    for i in range(N_SYNTHETIC):
        authority = authorities[i % len(authorities)]
        Base.objects.create(
            batch=batch,
            seq=1000 + i + 1,
            code=f"BENCH-{i + 1:03d}",
            name=f"基准测试示范基地{i + 1:03d}",
            short_name=f"测试基地{i + 1:03d}",
            direction=directions[i % len(directions)],
            kind="region",
            province=provinces[authority.province_id],
            city="测试市",
            authority=authority,
        )

    indicators: list[Indicator] = []
    for i in range(N_INDICATORS):
        code = f"I{i:02d}"
        kind = ["count", "money", "count", "percent", "money"][i % 5]
        formula = ""
        if i == 48:
            kind, formula = "percent", "I01 / I06 * 100"
        elif i == 49:
            kind, formula = "percent", "growth(I00)"
        elif i in (45, 46):
            kind = "boolean"
        elif i == 47:
            kind = "text"
        indicator = Indicator.objects.create(
            code=code, section=f"第{i // 10 + 1}组", order=i, frequency="annual"
        )
        IndicatorVersion.objects.create(
            indicator=indicator,
            valid_from_year=2020,
            name=f"测试指标{i:02d}",
            unit={"count": "个", "money": "千元", "percent": "%"}.get(kind, ""),
            value_type=kind,
            formula=formula,
            min_value=Decimal(0) if kind in ("count", "money") else None,
        )
        indicators.append(indicator)
    for total, part in ((0, 2), (5, 7), (10, 12), (15, 17), (20, 22)):
        CrossCheck.objects.create(left=indicators[part], operator="<=", right=indicators[total])

    last_year, this_year = create_period(2024), create_period(2025)
    open_period(last_year)
    open_period(this_year)
    versions = {v.indicator_id: v for v in IndicatorVersion.objects.all()}
    rng = random.Random(7)
    history = []
    for report in Report.objects.filter(period=last_year):
        for indicator in indicators:
            value = _value(indicator.versions.first().value_type, rng, indicator.code)
            if value is None or versions[indicator.pk].is_derived:
                continue
            history.append(
                ReportValue(
                    report=report,
                    indicator=indicator,
                    indicator_version=versions[indicator.pk],
                    number=value if isinstance(value, Decimal) else None,
                    text=value if isinstance(value, str) else "",
                )
            )
    ReportValue.objects.bulk_create(history, batch_size=2000)
    admin = User.objects.create(username="bench-admin", role=Role.NATIONAL_ADMIN, first_name="基准")
    return {"period": this_year, "user": admin, "rng": rng}


def _value(kind: str, rng: random.Random, code: str) -> Any:
    if kind == "boolean":
        return Decimal(rng.random() < 0.6)
    if kind == "text":
        return "建成共享实验室，引进团队若干"
    number = Decimal(int(rng.lognormvariate(0, 1) * 1_000))
    if code in ("I00", "I05", "I10", "I15", "I20"):
        number += 10_000  # a total …
    elif code in ("I02", "I07", "I12", "I17", "I22"):
        number = min(number, Decimal(9_000))  # … and one of its parts (其中 ≤ 总数)
    return number if kind != "percent" else (number / 100).quantize(Decimal("0.01"))


def _filled_workbook(data: dict[str, Any]) -> tuple[bytes, int]:
    """The real template, filled in as an official would (typed numbers, 是/否, full-width now and then)."""
    from openpyxl import load_workbook

    from shuangchuang.monitoring.excel import bases_workbook
    from shuangchuang.monitoring.models import Report

    period, rng = data["period"], data["rng"]
    reports = list(
        Report.objects.restrict(data["user"]).listed().filter(period=period).order_by("base__code")
    )
    template = bases_workbook(period, reports, "全部基地")
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook["填报数据"]
    kinds = {f"I{i:02d}": None for i in range(N_INDICATORS)}
    from shuangchuang.monitoring.models import IndicatorVersion

    for version in IndicatorVersion.objects.select_related("indicator"):
        kinds[version.indicator.code] = "" if version.is_derived else version.value_type
    columns = {cell.value: cell.column for cell in sheet[2]}
    values = 0
    for row in range(3, 3 + len(reports)):
        for code, column in columns.items():
            kind = kinds.get(code)
            if not kind:
                continue
            value = _value(kind, rng, code)
            if kind == "boolean":
                value = "是" if value else "否"
            elif isinstance(value, Decimal):
                value = float(value) if kind == "percent" else int(value)
                if rng.random() < 0.02:
                    value = f"{value:,}"  # typed as text with thousands separators
            sheet.cell(row, column).value = value
            values += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), values


def _corrected(workbook: bytes, rng: random.Random, share: float = 0.02) -> bytes:
    """The same workbook with about 2 % of its typed numbers changed, as a correction round would."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(workbook))
    sheet = book["填报数据"]
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, int) and not isinstance(cell.value, bool) and rng.random() < share:
                cell.value += 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _reset(period: Any) -> None:
    """The values go; their audit rows stay (the log is append-only: each run adds its 212 rows)."""
    from shuangchuang.monitoring.models import ReportValue

    ReportValue.objects.filter(report__period=period).delete()


def child(profile: bool) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    _setup_django(workdir)
    from openpyxl import load_workbook

    from shuangchuang.core.models import AuditEvent
    from shuangchuang.monitoring.excel import check_upload, read_upload, recheck, save_import

    data = _make_data()
    workbook, values = _filled_workbook(data)
    corrected = _corrected(workbook, data["rng"])
    period, user = data["period"], data["user"]

    def openpyxl_only() -> None:
        book = load_workbook(io.BytesIO(workbook), read_only=True, data_only=True)
        for _ in book.worksheets[0].iter_rows(values_only=True):
            pass
        book.close()

    def timed(call: Any) -> tuple[float, Any]:
        start = time.perf_counter()
        result = call()
        return time.perf_counter() - start, result

    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        check = check_upload(user, period, workbook, "bench.xlsx")
        assert check.ok, [str(e) for e in check.errors[:5]]
        save_import(check, actor=user)
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
        _reset(period)

    def import_once() -> tuple[float, float, Any]:
        """The upload (read, match, plan) and the save of its plan, timed separately."""
        check_seconds, check = timed(lambda: check_upload(user, period, workbook, "bench.xlsx"))
        assert check.ok, [str(e) for e in check.errors[:5]]
        save_seconds, _ = timed(lambda: save_import(check, actor=user))
        return check_seconds, save_seconds, check

    def confirm_once() -> float:
        """The confirmation: plan again from the entries the session keeps, then save."""
        pending = json.loads(json.dumps(check_upload(user, period, workbook, "bench.xlsx").pending()))

        def confirm() -> None:
            again = recheck(user, pending)
            assert again.ok, [str(e) for e in again.errors[:5]]
            save_import(again, actor=user)

        return timed(confirm)[0]

    def correct_once() -> tuple[float, float, int]:
        check_seconds, check = timed(lambda: check_upload(user, period, corrected, "bench.xlsx"))
        assert check.ok, [str(e) for e in check.errors[:5]]
        save_seconds = timed(lambda: save_import(check, actor=user))[0]
        return check_seconds, save_seconds, len(check.plan.changes)

    times: dict[str, list[float]] = {
        key: [] for key in ("openpyxl", "read", "check", "confirm", "import", "ratio", "again")
    }
    for attempt in range(REPEAT + 1):  # the first round warms up and is not counted
        openpyxl_seconds = timed(openpyxl_only)[0]
        read_seconds = timed(lambda: read_upload(workbook))[0]
        check_seconds, save_seconds, check = import_once()
        audit_rows = AuditEvent.objects.filter(action="monitoring.value").count()
        _reset(period)
        confirm_seconds = confirm_once()
        # The authority sends the whole sheet again with a few corrections: everything is compared with
        # what is saved, only the corrections are written.
        save_import(check_upload(user, period, workbook, "bench.xlsx"), actor=user)
        again_check, again_save, corrections = correct_once()
        _reset(period)
        if attempt:
            for key, value in (
                ("openpyxl", openpyxl_seconds),
                ("read", read_seconds),
                ("check", check_seconds),
                ("confirm", confirm_seconds),
                ("import", check_seconds + save_seconds),
                ("ratio", (check_seconds + save_seconds) / openpyxl_seconds),
                ("again", again_check + again_save),
            ):
                times[key].append(value)
    tracemalloc.start()
    check_upload(user, period, workbook, "bench.xlsx")
    memory = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()

    print(
        json.dumps(
            {
                "rows": len(check.entries),
                "indicators": N_INDICATORS,
                "values": values,
                "size_kb": len(workbook) / 1024,
                "openpyxl": statistics.median(times["openpyxl"]),
                "read": statistics.median(times["read"]),
                "check": statistics.median(times["check"]),
                "check_memory_mb": memory,
                "confirm": statistics.median(times["confirm"]),
                "import": statistics.median(times["import"]),
                "ratio": statistics.median(times["ratio"]),
                "again": statistics.median(times["again"]),
                "corrections": corrections,
                "audit_rows": audit_rows,
            }
        )
    )


if __name__ == "__main__":
    sys.path[:0] = [str(HERE.parent / "src"), str(HERE)]
    if "--child" in sys.argv or "--profile" in sys.argv:
        child(profile="--profile" in sys.argv)
    else:
        for result in run():
            print(
                f"{result['name']}: {result['value']:.1f} {result['unit']} ({result['target']}) {result['note']}"
            )
