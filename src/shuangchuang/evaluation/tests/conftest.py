"""Fixtures of the evaluation tests."""

from decimal import Decimal

import numpy as np
import pytest

from shuangchuang.evaluation.schemes import ensure_default_scheme
from shuangchuang.monitoring.models import Indicator, Report, ReportValue
from shuangchuang.monitoring.tests.factories import make_period, make_small_catalogue
from shuangchuang.registry.models import Base, Direction


@pytest.fixture
def approved_year(registry):
    """2025 annual reports of the 25 创业就业 bases, approved, with skewed values."""
    make_small_catalogue()
    period = make_period(2025)
    rng = np.random.default_rng(7)
    indicators = {i.code: i for i in Indicator.objects.prefetch_related("versions")}
    values = []
    for base in Base.objects.filter(direction__code="employment"):
        report = Report.objects.create(base=base, period=period, state="approved")
        scale = rng.lognormal(0, 1)
        jobs = round(1000 * scale)
        numbers = {
            "JOBS": jobs,
            "JOBS_GRAD": round(jobs * 0.2),
            "REVENUE": round(5e5 * scale),
            "RD": round(2e4 * scale * rng.uniform(0.5, 2)),
        }
        numbers["RD_INTENSITY"] = round(numbers["RD"] / numbers["REVENUE"] * 100, 4)
        for code, number in numbers.items():
            values.append(
                ReportValue(
                    report=report,
                    indicator=indicators[code],
                    indicator_version=indicators[code].versions.first(),
                    number=Decimal(str(number)),
                )
            )
    ReportValue.objects.bulk_create(values)
    return ensure_default_scheme(Direction.objects.get(code="employment"), 2025)
