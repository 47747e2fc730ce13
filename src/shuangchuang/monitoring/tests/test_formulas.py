from decimal import Decimal

import pytest

from shuangchuang.monitoring.formulas import FormulaError, compute_derived, evaluate_formula, references


def test_rd_intensity_is_rd_over_revenue_in_per_cent():
    assert evaluate_formula("RD / REVENUE * 100", {"RD": Decimal(3), "REVENUE": Decimal(40)}, {}) == Decimal(
        "7.5000"
    )


def test_growth_compares_with_the_same_period_a_year_before():
    # (130 - 100) / 100 * 100 = 30 %
    assert evaluate_formula("growth(JOBS)", {"JOBS": Decimal(130)}, {"JOBS": Decimal(100)}) == Decimal(
        "30.0000"
    )


@pytest.mark.parametrize(
    ("values", "previous"),
    [
        ({"RD": Decimal(1), "REVENUE": Decimal(0)}, {}),
        ({"RD": Decimal(1)}, {}),
        ({"RD": None, "REVENUE": 5}, {}),
    ],
)
def test_missing_inputs_and_division_by_zero_give_no_value(values, previous):
    assert evaluate_formula("RD / REVENUE * 100", values, previous) is None


def test_growth_without_last_year_gives_no_value():
    assert evaluate_formula("growth(JOBS)", {"JOBS": Decimal(5)}, {"JOBS": Decimal(0)}) is None
    assert evaluate_formula("growth(JOBS)", {"JOBS": Decimal(5)}, {}) is None


@pytest.mark.parametrize(
    "formula",
    ["__import__('os')", "RD.real", "max(RD, 1)", "RD if RD else 1", "'a' + RD", "RD ** 2", "lambda: 1"],
)
def test_formulas_cannot_run_code(formula):
    with pytest.raises(FormulaError):
        evaluate_formula(formula, {"RD": Decimal(1)}, {})


def test_references_lists_codes_but_not_growth():
    assert references("growth(JOBS) + RD / REVENUE") == {"JOBS", "RD", "REVENUE"}


def test_derived_values_are_computed_in_dependency_order():
    formulas = {"B": "A * 2", "C": "B + 1"}
    assert compute_derived(formulas, {"A": Decimal(2)}, {}) == {
        "B": Decimal("4.0000"),
        "C": Decimal("5.0000"),
    }


def test_a_cycle_is_reported():
    with pytest.raises(FormulaError, match="循环引用"):
        compute_derived({"A": "B + 1", "B": "A + 1"}, {}, {})
