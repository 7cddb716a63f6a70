import datetime as dt

import pytest

from trendkit.ingest.parse import UNIT_WORDS, parse_amount, parse_date, parse_number, unit_from_header


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.234.567", 1234567),
        ("1.234,5", 1234.5),
        ("25,7", 25.7),
        ("12.5", 12.5),
        ("1,234,567", 1234567),
        ("1,234.5", 1234.5),
        ("0", 0),
        ("7", 7),
        (" 1 234 567 ", 1234567),
        ("1e6", 1e6),
        ("-3", -3),
    ],
)
def test_numbers(text, value):
    assert parse_number(text) == (value, None)


@pytest.mark.parametrize("text", ["abc", "1..2", "1,2,3,4", "1.2.3", "--1", ""])
def test_not_numbers(text):
    value, problem = parse_number(text)
    assert value is None and text in problem


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("12,5 tỷ", 1, 12.5e9),
        ("350 triệu", 1, 350e6),
        ("2 tỷ 300 triệu", 1, 2.3e9),
        ("1.234.567 đ", 1, 1234567),
        ("1.234.567 VND", 1, 1234567),
        ("300.000đ", 1, 300000),
        ("2 TỶ 300 TRIỆU ĐỒNG", 1, 2.3e9),
        ("15", 1e6, 15e6),
        ("1,5", 1e9, 1.5e9),
        ("5 tỷ", 1e6, 5e9),
        ("350tr", 1, 350e6),
        ("12 nghìn", 1, 12000),
        ("12 ngàn", 1, 12000),
        ("2 billion", 1, 2e9),
        ("3 million", 1, 3e6),
        ("4 thousand", 1, 4000),
        ("5k", 1, 5000),
        ("2 bn", 1, 2e9),
        ("7 mn", 1, 7e6),
    ],
)
def test_amounts(text, unit, value):
    got, problem = parse_amount(text, unit)
    assert problem is None
    assert got == pytest.approx(value)


def test_every_unit_word_is_understood():
    for word, mult in UNIT_WORDS.items():
        assert parse_amount(f"3 {word}")[0] == pytest.approx(3 * mult), word


@pytest.mark.parametrize("text", ["abc", "5 tỷ abc", "12 tỷ 5", "-5", "", "1 tỷ 5 trăm"])
def test_bad_amounts_say_why(text):
    value, problem = parse_amount(text)
    assert value is None
    assert f"'{text}'" in problem


@pytest.mark.parametrize(
    ("header", "unit"),
    [
        ("Trị giá (triệu đồng)", 1e6),
        ("Trị giá (tỷ đồng)", 1e9),
        ("Trị giá (nghìn đồng)", 1e3),
        ("Trị giá (đồng)", 1.0),
        ("Value (VND)", 1.0),
        ("Trị giá", None),
        ("Trị giá (ghi chú)", None),
    ],
)
def test_units_from_headers(header, unit):
    assert unit_from_header(header) == unit


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("12/01/2021", dt.date(2021, 1, 12)),
        ("12-1-2021", dt.date(2021, 1, 12)),
        ("12.01.2021", dt.date(2021, 1, 12)),
        ("2021-01-12", dt.date(2021, 1, 12)),
        ("2021-01-12 08:30:00", dt.date(2021, 1, 12)),
        ("12/01/2021 08:30", dt.date(2021, 1, 12)),
        ("44208", dt.date(2021, 1, 12)),
        ("12/1/21", dt.date(2021, 1, 12)),
        ("ngày 12 tháng 1 năm 2021", dt.date(2021, 1, 12)),
        ("29/02/2020", dt.date(2020, 2, 29)),
        ("1/1/99", dt.date(1999, 1, 1)),
    ],
)
def test_dates_day_first(text, date):
    assert parse_date(text) == (date, None)


def test_excel_serial_as_number():
    assert parse_date("", serial=44208.75) == (dt.date(2021, 1, 12), None)


@pytest.mark.parametrize("text", ["31/02/2021", "29/02/2021", "2021-13-01", "32/1/2021", "0/1/2021", "x", "12/2021"])
def test_impossible_dates_are_rejected_not_guessed(text):
    value, problem = parse_date(text)
    assert value is None and f"'{text}'" in problem and "expected" in problem
