"""Numbers as officials type them: thousands separators are taken only where they group three digits."""

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shuangchuang.monitoring.models import IndicatorVersion
from shuangchuang.monitoring.validation import parse_raw

SEPARATOR_ERROR = "“,”只能作千位分隔符，每三位一组（如 1,234 或 1,234,567.5），小数点用“.”"


def version(kind: str = "money") -> IndicatorVersion:
    return IndicatorVersion(name="营业收入", unit="千元", value_type=kind)


def full_width(text: str) -> str:
    """What a Chinese input method types: digits, comma and point in their full-width forms."""
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789,."})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,234", Decimal(1234)),
        ("1,234,567", Decimal(1234567)),
        ("-1,234,567.25", Decimal("-1234567.25")),
        ("１，２３４", Decimal(1234)),
        ("１２，３４５．５", Decimal("12345.5")),
        ("1 234 567", Decimal(1234567)),
        ("1\u00a0234", Decimal(1234)),  # a no-break space, as some spreadsheets group digits
        ("999", Decimal(999)),
        ("12,345%", Decimal(12345)),
    ],
)
def test_digits_grouped_in_threes_are_read(raw, expected):
    kind = "percent" if raw.endswith("%") else "money"
    assert parse_raw(version(kind), raw) == (expected, None)


@pytest.mark.parametrize(
    "raw",
    [
        "12,34",
        "1,2,3",
        "1.234,5",
        "1,234.5,6",
        "1,234,56",
        ",123",
        "123,",
        "1,,234",
        "0,123",
        "1,234 567",
        "12 34",
    ],
)
def test_separators_anywhere_else_are_an_error_not_a_guess(raw):
    value, error = parse_raw(version(), raw)

    assert value is None
    assert error == f"“{raw}”不是有效的数字：{SEPARATOR_ERROR}"


@given(
    number=st.integers(min_value=1, max_value=10**13),
    commas=st.sets(st.integers(min_value=1, max_value=13)),
    wide=st.booleans(),
)
def test_a_number_with_commas_is_read_exactly_when_they_group_threes(number, commas, wide):
    digits = str(number)
    text = "".join(("," if i in commas else "") + d for i, d in enumerate(digits))
    typed = full_width(text) if wide else text

    value, error = parse_raw(version(), typed)

    if text == f"{number:,}" or "," not in text:
        assert (value, error) == (Decimal(number), None)
    else:
        assert value is None and SEPARATOR_ERROR in error
        assert unicodedata.normalize("NFKC", typed) in error


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
def test_every_number_written_with_grouped_digits_reads_back(number):
    assert parse_raw(version(), f"{number:,}") == (number.quantize(Decimal("0.0001")), None)


def test_text_an_official_wrote_keeps_its_full_width_punctuation():
    written = "  完成中试基地建设，孵化企业１２家；下一步：扩大规模。  "

    value, error = parse_raw(version("text"), written)

    assert error is None and value == "完成中试基地建设，孵化企业１２家；下一步：扩大规模。"
