"""parse_number and parse_target: Vietnamese numbers, comparators and units (contract: indicators)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from extract.canonical import parse_number, parse_target
from extract.canonical.numbers import NUMBER


@pytest.mark.parametrize("text, value", [
    ("01", 1), ("17,5", 17.5), ("17.5", 17.5), ("1.000", 1000), ("2.500.000", 2500000),
    ("95%", 95), ("0,5", 0.5), ("0.125", 0.125), ("1.234,5", 1234.5), ("1,234.5", 1234.5),
    ("2,500,000", 2500000), ("17,0", 17), ("100", 100), ("-5", -5), ("≥ 95%", 95),
    ("2.1.1", 2), ("Tổng số chỉ tiêu: 20", 20),
])
def test_parse_number(text, value):
    result = parse_number(text)
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize("text", ["", "abc", "Quý II", "-", "x"])
def test_parse_number_none(text):
    assert parse_number(text) is None


def vietnamese(value: int | Decimal) -> str:
    """A number written the Vietnamese way: '.' between thousands, ',' before decimals."""
    whole, _, fraction = f"{value:f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{grouped},{fraction}" if fraction else grouped


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=10**15))
def test_parse_number_round_trips_integers(value):
    assert parse_number(vietnamese(value)) == value
    assert parse_number(str(value)) == value
    assert isinstance(parse_number(vietnamese(value)), int)


@settings(max_examples=200)
@given(st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False, allow_infinity=False))
def test_parse_number_round_trips_decimals(value):
    assert parse_number(vietnamese(value)) == float(value)
    assert parse_number(vietnamese(value) + "%") == float(value)


@pytest.mark.parametrize("text, value, comparator, unit", [
    ("≥70", 70, ">=", None),
    ("≥ 95%", 95, ">=", "%"),
    ("100", 100, "=", None),
    ("01", 1, "=", None),
    ("Tối thiểu 80%", 80, ">=", "%"),
    ("Trên 90%", 90, ">", "%"),
    ("ít nhất 01", 1, ">=", None),
    ("không quá 5%", 5, "<=", "%"),
    ("Dưới 10%", 10, "<", "%"),
    ("≤ 3", 3, "<=", None),
    (">= 50", 50, ">=", None),
    ("đạt 70%", 70, ">=", "%"),
    ("phấn đấu đạt 15%", 15, ">=", "%"),
    ("17,5", 17.5, "=", None),
    ("không thấp hơn 60%", 60, ">=", "%"),
    ("không dưới 10 doanh nghiệp", 10, ">=", "doanh nghiệp"),
    ("từ 50% trở lên", 50, ">=", "%"),
    ("hơn 20", 20, ">", None),
    ("vượt 5%", 5, ">", "%"),
    ("tối đa 3 ngày", 3, "<=", "ngày"),
    ("Tăng tối thiểu 30%", 30, ">=", "%"),
    ("đạt trên 90%", 90, ">", "%"),               # the comparator nearest the number decides
    ("ít nhất 01 sáng kiến hoặc mô hình đột phá", 1, ">=", "sáng kiến"),
    ("phủ sóng 5G đạt 95% dân số", 95, ">=", "%"),  # "5G" is not a number
    ("Tỷ lệ hộ dân trên địa bàn 95%", 95, "=", "%"),  # "trên địa bàn" is not a comparator
    ("đạt mức 80%", 80, ">=", "%"),
    ("1.000 người", 1000, "=", "người"),
])
def test_parse_target(text, value, comparator, unit):
    target = parse_target(text)
    assert target is not None
    assert (target.value, target.comparator, target.unit, target.text) == (value, comparator, unit, text)


@pytest.mark.parametrize("text", ["", "  ", "-", "x", "X", "—", "…", "Không", "30/6/2026", "Số 01/KH-UBND"])
def test_parse_target_without_a_value(text):
    assert parse_target(text) is None


def test_parse_target_unit_and_scope_arguments():
    assert parse_target(" ≥70 ", "%", "Cấp tỉnh").model_dump() == {
        "value": 70, "comparator": ">=", "unit": "%", "scope": "Cấp tỉnh", "text": "≥70"}
    assert parse_target("100", "Tỷ lệ (%)").unit == "%"
    assert parse_target("05", "Trung tâm").unit == "Trung tâm"
    assert parse_target("95%", "người").unit == "%"           # "%" written in the cell wins
    assert parse_target("01 sáng kiến", "Mô hình").unit == "Mô hình"  # the Đơn vị column wins over a noun


COMPARATOR_WORDS = {
    "": "=", "≥": ">=", "≥ ": ">=", "Tối thiểu ": ">=", "ít nhất ": ">=", "đạt ": ">=",
    "phấn đấu đạt ": ">=", "Trên ": ">", "hơn ": ">", "không quá ": "<=", "≤": "<=",
    "tối đa ": "<=", "Dưới ": "<", ">=": ">=", "<": "<",
}


@settings(max_examples=200)
@given(st.sampled_from(sorted(COMPARATOR_WORDS)),
       st.one_of(st.integers(0, 10**7).map(vietnamese),
                 st.decimals(0, 10**4, places=2, allow_nan=False, allow_infinity=False).map(vietnamese)),
       st.sampled_from(["", "%", " %", " sáng kiến", " doanh nghiệp"]))
def test_parse_target_value_is_the_number_written(prefix, number, suffix):
    target = parse_target(prefix + number + suffix)
    assert target is not None
    assert target.value == parse_number(number)
    assert target.comparator == COMPARATOR_WORDS[prefix]
    assert target.unit == ({"": None, "%": "%", " %": "%"}.get(suffix) or suffix.strip() or None)


@settings(max_examples=200)
@given(st.text(max_size=60))
def test_parse_target_never_raises(text):
    target = parse_target(text)
    if target is not None:
        assert target.value in [parse_number(m.group(0)) for m in NUMBER.finditer(text.strip())]
        assert target.text == text.strip()
