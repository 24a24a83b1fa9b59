"""Text cells → numbers and datetimes (``kpi.ingest.values``): the locale tables of RELIABILITY.md
rows 4 and 5, the quirks of the real exports in ../shared/data (README §2), and properties.

Expected values are written by hand; a row's comment names the export it comes from.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi.ingest.values import (
    MISSING_MARKERS,
    infer_decimal,
    parse_datetimes,
    parse_numbers,
    sniff_kind,
)
from tests.conftest import SHARED

NBSP, NNBSP = "\u00a0", "\u202f"
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def one_number(text: str, **options):
    parsed = parse_numbers(pl.Series([text]), **options)
    return parsed.values[0], parsed.failed[0]


def one_datetime(text: str, **options):
    parsed = parse_datetimes(pl.Series([text]), **options)
    return parsed.values[0], parsed.failed[0]


# --- numbers -----------------------------------------------------------------------------------

NUMBERS = [
    ("1234.56", 1234.56),
    ("1,234.56", 1234.56),
    ('"1,234.56"', 1234.56),  # a quoted cell that a reader left quoted
    ("1.234,56", 1234.56),
    ("1 234,56", 1234.56),
    (f"1{NBSP}234,56", 1234.56),  # Excel pl-PL
    (f"1{NNBSP}234,56", 1234.56),  # browsers' Intl
    ("1'234.56", 1234.56),  # Swiss
    ("1’234.50", 1234.5),
    ("$1,234.56", 1234.56),
    ("USD 1234.56", 1234.56),
    ("1.234,56 €", 1234.56),
    ("€1.234,56", 1234.56),
    (f"1{NBSP}234,50 zł", 1234.5),
    (f"1{NNBSP}234,00 zł", 1234.0),
    ("-118,72 PLN", -118.72),  # mBank
    ("-99,00 €", -99.0),
    ("(1,234.56)", -1234.56),  # accounting
    ("($5.00)", -5.0),
    ("-$5.00", -5.0),
    ("$-5.00", -5.0),
    ("1.234,56-", -1234.56),  # SAP's trailing minus
    ("−5", -5.0),  # U+2212
    ("+3", 3.0),
    ("1.5e3", 1500.0),
    ("2E-3", 0.002),
    ("12,5%", 0.125),
    ("1.36%", 0.0136),  # Google Ads rates
    ("0.00%", 0.0),
    ("12 %", 0.12),  # French spacing
    ("> 90%", 0.9),  # Google Ads impression share bounds
    ("< 10%", 0.1),
    ("9 (0.5%)", 9.0),  # Mailchimp: a count and its share
    ("1085 (26.66%)", 1085.0),  # MailerLite
    ("1,751", 1751.0),
    ("CA$0.00", 0.0),
    ("19.50 usd", 19.5),  # Stripe's lowercase codes
    ("12,34,567.50", 1234567.5),  # Indian lakh grouping
    ("1.234.567", 1234567.0),
    ("0,123", 0.123),  # a leading 0 cannot be a thousands group
    (".5", 0.5),
    ("007", 7.0),
    ("'0812", 812.0),  # Shopify's Excel text marker
    ("  42  ", 42.0),
    ("100 kr", 100.0),
    ("kr. 1.234,50", 1234.5),  # Danish prefix
    ("1,234", 1234.0),  # undecided: dot decimal
    ("1.234", 1.234),
]
MISSING = [" --", "--", "-", "—", "N/A", "n/a", "NA", "", "   ", "null", "NULL", "None", "nan", "NaN", "#N/A"]
MISSING += ["(not set)", f"{NBSP}--", "''", '""']
UNPARSEABLE = ["abc", "12 34", "1,23,4", "5.", "--5", "-(5)", "(5", "$5 USD", "#DIV/0!", "inf", "1.2.3,4.5", "12 szt."]


@pytest.mark.parametrize(("text", "expected"), NUMBERS)
def test_number_table(text, expected):
    value, failed = one_number(text)
    assert value == pytest.approx(expected, abs=1e-12)
    assert not failed


@pytest.mark.parametrize("text", MISSING)
def test_missing_markers_are_null_and_not_failed(text):
    assert one_number(text) == (None, False)
    assert one_datetime(text) == (None, False)


@pytest.mark.parametrize("text", UNPARSEABLE)
def test_unparseable_numbers_fail(text):
    assert one_number(text) == (None, True)


def test_missing_markers_hold_the_usual_spellings():
    assert {"", "-", "--", "—", "n/a", "N/A", "NA", "null", "NULL", "None", "nan", "NaN", "#N/A"} <= MISSING_MARKERS
    assert "#DIV/0!" not in MISSING_MARKERS


def test_percent_is_read_exactly():
    assert parse_numbers(pl.Series(["1.36%"])).values[0] == 0.0136
    assert parse_numbers(pl.Series(["27,78%"])).values[0] == 0.2778


def test_null_cells_and_names_pass_through():
    parsed = parse_numbers(pl.Series("Cost", ["1", None, "x"]))
    assert parsed.values.name == parsed.failed.name == "Cost"
    assert parsed.values.dtype == pl.Float64
    assert parsed.failed.dtype == pl.Boolean
    assert parsed.values.to_list() == [1.0, None, None]
    assert parsed.failed.to_list() == [False, False, True]


def test_empty_columns():
    for series in (pl.Series([], dtype=pl.String), pl.Series([None, None], dtype=pl.String), pl.Series([None, None])):
        numbers, dates = parse_numbers(series), parse_datetimes(series)
        assert numbers.values.dtype == pl.Float64
        assert dates.values.dtype == pl.Datetime("us")
        assert numbers.failed.dtype == dates.failed.dtype == pl.Boolean
        assert not numbers.failed.any()
        assert not dates.failed.any()
        assert sniff_kind(series) == "empty"


def test_plain_columns_read_like_any_other():
    plain = parse_numbers(pl.Series(["12", "-3.5", None, "--", "1.234"]))
    assert plain.values.to_list() == [12.0, -3.5, None, None, 1.234]
    assert not plain.failed.any()
    assert (plain.decimal, plain.currency, plain.percent) == (".", None, False)
    assert parse_numbers(pl.Series(["12", "3,5"])).values.to_list() == [12.0, 3.5]
    assert parse_numbers(pl.Series(["12", "3.5"]), decimal=",").failed.to_list() == [False, True]


def test_repeated_values_are_read_once_and_weighted_by_their_count():
    cells = ["1,234", "12,5", f"-1{NBSP}234,50 zł", "abc", None, "--"]
    once, many = parse_numbers(pl.Series(cells)), parse_numbers(pl.Series(cells * 10))
    assert many.values.to_list() == once.values.to_list() * 10
    assert many.failed.to_list() == once.failed.to_list() * 10
    # six cells vote for a decimal comma, three for a dot: rows count, not distinct values
    votes = parse_numbers(pl.Series(["1,5"] * 6 + ["2.5", "3.5", "4.5"]))
    assert votes.decimal == ","
    assert votes.values.to_list() == [1.5] * 6 + [None] * 3


def test_numeric_columns_pass_through():
    parsed = parse_numbers(pl.Series([1, 2, None]))
    assert parsed.values.to_list() == [1.0, 2.0, None]
    assert not parsed.failed.any()
    assert parse_numbers(pl.Series([1.5, float("nan")])).values.to_list() == [1.5, None]


@pytest.mark.parametrize(
    ("cells", "currency"),
    [
        (["$1,234.56", "$5"], "USD"),
        (["CA$0.00", "CA$12.00"], "CAD"),
        (["A$5", "AU$7"], "AUD"),
        (["NZ$5"], "NZD"),
        (["R$ 1.234,56"], "BRL"),
        (["1.234,56 €", "-99,00 €", "EUR 5"], "EUR"),
        (["£5"], "GBP"),
        (["1 234,50 zł", "-118,72 PLN"], "PLN"),  # symbol and code agree
        (["¥500"], "JPY"),
        (["₹1,00,000"], "INR"),
        (["19.50 usd", "3.00 usd"], "USD"),
        (["5 PLN", "", "7"], "PLN"),  # cells without a mark do not break it
        (["100 kr", "50 kr"], None),  # SEK, NOK, DKK, ISK
        (["$5", "5 €"], None),  # mixed
        (["5", "7"], None),
    ],
)
def test_currency(cells, currency):
    parsed = parse_numbers(pl.Series(cells))
    assert parsed.currency == currency
    assert not parsed.failed.any()


@pytest.mark.parametrize(
    ("cells", "percent", "values"),
    [
        (["12%", "0.5%"], True, [0.12, 0.005]),
        (["12%", "0"], True, [0.12, 0.0]),  # a column's unmarked cells are percentages too
        (["0.0143", "0.02"], False, [0.0143, 0.02]),  # Shopify's conversion rate is already a fraction
        (["9 (0.5%)", "141 (8.1%)"], False, [9.0, 141.0]),  # a share is not the value
    ],
)
def test_percent_flag(cells, percent, values):
    parsed = parse_numbers(pl.Series(cells))
    assert parsed.percent is percent
    assert parsed.values.to_list() == pytest.approx(values)


@pytest.mark.parametrize(
    ("cells", "decimal"),
    [
        (["1,234.56"], "."),  # both marks: the last one
        (["1.234,56"], ","),
        (["12,5"], ","),  # not three digits after it
        (["3.14"], "."),
        (["1,234", "12,5"], ","),  # one decisive cell decides the column
        (["1.234", "3.14"], "."),
        (["1.234.567"], ","),  # a repeated mark is a thousands separator
        (["1,234,567"], "."),
        ([f"1{NBSP}234,567"], ","),  # space grouping: the other mark is the decimal
        (["1'234.567"], "."),
        (["0,123"], ","),
        (["1234,567"], ","),  # a first group of four digits cannot be grouped
        (["1,234"], "."),  # undecided: dot
        (["1.234"], "."),
        (["1 234"], "."),
        (["12", "7"], "."),
        (["1,5", "2,5", "3.5"], ","),  # the majority
        (["abc", "1,5"], ","),  # text that fails does not vote
    ],
)
def test_decimal_inference(cells, decimal):
    assert infer_decimal(pl.Series(cells)) == decimal
    assert parse_numbers(pl.Series(cells)).decimal == decimal


def test_decimal_inference_reads_the_column_as_a_whole():
    parsed = parse_numbers(pl.Series(["1,234", "12,5"]))
    assert parsed.values.to_list() == pytest.approx([1.234, 12.5])
    parsed = parse_numbers(pl.Series(["1,234", "12.5"]))
    assert parsed.values.to_list() == pytest.approx([1234.0, 12.5])


@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [
        ("1,234", ",", 1.234),  # the user's choice wins over the default
        ("1.234", ",", 1234.0),
        ("1,234", ".", 1234.0),
        ("1.234", ".", 1.234),
        ("1 234,5", ",", 1234.5),
        ("12,34,567", ",", None),  # Indian grouping only with a dot decimal
        ("12,5", ".", None),  # "12,5" is no thousands group
        ("1,234.5", ",", None),  # the wrong mark for this cell
    ],
)
def test_given_decimal_is_followed(text, decimal, expected):
    value, failed = one_number(text, decimal=decimal)
    assert value == (pytest.approx(expected) if expected is not None else None)
    assert failed is (expected is None)


@pytest.mark.parametrize("text", ["12,34,56", "1,23,4567", "1 23 456", "1'23", "1.23.456", "1,234 567"])
@pytest.mark.parametrize("decimal", [None, ".", ","])
def test_invalid_grouping_fails(text, decimal):
    assert one_number(text, decimal=decimal) == (None, True)


# --- datetimes ---------------------------------------------------------------------------------


def dt(*fields):
    return datetime(*fields)


DATES = [
    ("2024-01-05", dt(2024, 1, 5)),
    ("2024-01-05 10:00", dt(2024, 1, 5, 10)),
    ("2024-01-05T10:00:00", dt(2024, 1, 5, 10)),
    ("2024-01-05T10:00:00.123Z", dt(2024, 1, 5, 10, 0, 0, 123000)),
    ("2024-01-05T10:00:00.123456789", dt(2024, 1, 5, 10, 0, 0, 123456)),
    ("2024-01-05 10:00:00,5", dt(2024, 1, 5, 10, 0, 0, 500000)),
    ("2026-04-05 21:06:21 +0400", dt(2026, 4, 5, 21, 6, 21)),  # Shopify: wall-clock kept
    ("2014-11-25 14:45:53 +1100", dt(2014, 11, 25, 14, 45, 53)),
    ("2026-04-01T09:14:34-0600", dt(2026, 4, 1, 9, 14, 34)),  # Meta
    ("2024-01-05T10:00:00+01:00", dt(2024, 1, 5, 10)),
    ("2024-11-03 10:00:00 UTC", dt(2024, 11, 3, 10)),
    ("2024-11-03 10:00 CEST", dt(2024, 11, 3, 10)),
    ("2024/01/05", dt(2024, 1, 5)),
    ("20260220", dt(2026, 2, 20)),  # GA4
    ("05.01.2024", dt(2024, 1, 5)),  # PL/DE, day first
    ("5.1.2024 8:05", dt(2024, 1, 5, 8, 5)),
    ("05.01.2024, 10:00", dt(2024, 1, 5, 10)),
    ("2018.02.01", dt(2018, 2, 1)),  # Olist euro re-save
    ("2018.02.26 19:58", dt(2018, 2, 26, 19, 58)),
    ("01-02-2018", dt(2018, 2, 1)),  # Olist dd-mm-yyyy variant
    ("1/12/2010 8:26", dt(2010, 1, 12, 8, 26)),  # slashed, ambiguous: month first
    ("12/1/10 8:26", dt(2010, 12, 1, 8, 26)),
    ("1/7/26 17:40", dt(2026, 1, 7, 17, 40)),  # Mailchimp "Last Open Date"
    ("Jun 09, 2018 09:30 pm", dt(2018, 6, 9, 21, 30)),  # Mailchimp "Send Date"
    ("Jun 09, 2018 09:30 PM", dt(2018, 6, 9, 21, 30)),
    ("Sat, May 1, 2021 10:15", dt(2021, 5, 1, 10, 15)),  # Mailchimp campaign report
    ("July 8, 2025", dt(2025, 7, 8)),  # Google Ads date range
    ("1 Nov 2024", dt(2024, 11, 1)),
    ("Nov 1, 2024", dt(2024, 11, 1)),
    ("1st November 2024", dt(2024, 11, 1)),
    ("Sept. 3, 2024", dt(2024, 9, 3)),
    ("05-Jan-24", dt(2024, 1, 5)),
    ("July 8, 2025 at 10:00 AM", dt(2025, 7, 8, 10)),
    ("1/1/2024 12:00 am", dt(2024, 1, 1, 0)),
    ("1/1/2024 12:30 PM", dt(2024, 1, 1, 12, 30)),
    ("1/1/2024 9:05 p.m.", dt(2024, 1, 1, 21, 5)),
    (" '2024-01-05 ", dt(2024, 1, 5)),
]
BAD_DATES = [
    "2024-02-30",  # impossible: failed, never null
    "31.04.2024",
    "2023-02-29",
    "2024-13-01",  # ISO is never read day-first
    "2024-01-05 24:00",
    "2024-01-05 10:60",
    "2024-01-05 23:59:60",
    "1/1/2024 13:00 pm",
    "20240132",
    "Jun 31, 2018",
    "Feb 8 - Feb 14",  # GA4 cohort labels are not dates
    "45234",  # Excel serials only on request
    "yesterday",
    "10:00",
    "2024-01-05 10:00 +5 hours",
]


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_date_table(text, expected):
    assert one_datetime(text) == (expected, False)


@pytest.mark.parametrize("text", BAD_DATES)
def test_impossible_or_unknown_dates_fail(text):
    assert one_datetime(text) == (None, True)


def test_iso_is_never_read_day_first():
    for order in (None, "dmy", "mdy", "ymd"):
        parsed = parse_datetimes(pl.Series(["2024-01-05", "2024-01-13", "13.01.2024"]), order=order)
        assert parsed.values[0] == dt(2024, 1, 5)
        assert parsed.values[1] == dt(2024, 1, 13)


def test_datetime_values_are_naive_microseconds():
    parsed = parse_datetimes(pl.Series("Created at", ["2026-04-05 21:06:21 +0400", "2024-01-05"]))
    assert parsed.values.dtype == pl.Datetime("us")
    assert parsed.values.dtype.time_zone is None
    assert parsed.values.name == "Created at"
    assert parsed.values[1] == dt(2024, 1, 5, 0, 0)


@pytest.mark.parametrize(
    ("cells", "order", "ambiguous", "first"),
    [
        (["05.01.2024", "13.01.2024"], "dmy", False, dt(2024, 1, 5)),  # a day above 12 first
        (["01/05/2024", "01/13/2024"], "mdy", False, dt(2024, 1, 5)),  # a day above 12 second
        (["1/12/2010 8:26", "13/12/2010 9:00"], "dmy", False, dt(2010, 12, 1, 8, 26)),  # UCI copy 1: D/M/Y
        (["12/1/10 8:26", "12/13/10 9:00"], "mdy", False, dt(2010, 12, 1, 8, 26)),  # UCI copy 2: M/D/YY
        (["05.01.2024", "06.01.2024"], "dmy", True, dt(2024, 1, 5)),  # undecided dotted: day first
        (["05-01-2024"], "dmy", True, dt(2024, 1, 5)),  # undecided dashed: day first
        (["05/01/2024", "06/01/2024"], "mdy", True, dt(2024, 5, 1)),  # undecided slashed: month first
        (["01.01.2024", "02.02.2024"], "dmy", False, dt(2024, 1, 1)),  # both orders agree
        (["2024-01-05", "2024-02-01"], "ymd", False, dt(2024, 1, 5)),
        (["Nov 1, 2024"], "mdy", False, dt(2024, 11, 1)),
        (["1 Nov 2024"], "dmy", False, dt(2024, 11, 1)),
    ],
)
def test_order_inference(cells, order, ambiguous, first):
    parsed = parse_datetimes(pl.Series(cells))
    assert (parsed.order, parsed.ambiguous, parsed.values[0]) == (order, ambiguous, first)
    assert not parsed.failed.any()


@pytest.mark.parametrize(
    ("order", "expected"),
    [("dmy", dt(2024, 1, 5)), ("mdy", dt(2024, 5, 1))],
)
def test_given_order_is_followed_and_not_ambiguous(order, expected):
    parsed = parse_datetimes(pl.Series(["05/01/2024", "06.01.2024"]), order=order)
    assert parsed.values[0] == expected
    assert (parsed.order, parsed.ambiguous) == (order, False)


def test_ymd_order_reads_two_digit_year_first_values():
    parsed = parse_datetimes(pl.Series(["24.01.05", "99/12/31", "2024-01-06"]), order="ymd")
    assert parsed.values.to_list() == [dt(2024, 1, 5), dt(1999, 12, 31), dt(2024, 1, 6)]
    assert parsed.order == "ymd"


def test_mixed_orders_fail_the_minority_and_are_counted():
    parsed = parse_datetimes(pl.Series(["13/01/2024", "14/01/2024", "01/13/2024", "05/01/2024", None]))
    assert parsed.order == "dmy"
    assert not parsed.ambiguous
    assert parsed.values.to_list() == [dt(2024, 1, 13), dt(2024, 1, 14), None, dt(2024, 1, 5), None]
    assert parsed.failed.to_list() == [False, False, True, False, False]
    assert parsed.order_conflicts == 1


def test_a_given_order_counts_the_cells_it_cannot_read():
    parsed = parse_datetimes(pl.Series(["13/01/2024", "01/02/2024"]), order="mdy")
    assert parsed.failed.to_list() == [True, False]
    assert parsed.order_conflicts == 1


@pytest.mark.parametrize(
    ("text", "year"),
    [("1/2/00", 2000), ("1/2/68", 2068), ("1/2/69", 1969), ("1/2/99", 1999), ("05-Jan-70", 1970), ("05-Jan-24", 2024)],
)
def test_two_digit_years_pivot_at_69(text, year):
    value, failed = one_datetime(text)
    assert not failed
    assert value.year == year


def test_two_digit_years_pivot_in_a_large_column_too():
    # a column long enough to take the fast path, with every two-digit year
    cells = [f"1/2/{yy:02d}" for yy in range(100)] * 3
    parsed = parse_datetimes(pl.Series(cells), order="mdy")
    years = parsed.values.dt.year().to_list()[:100]
    assert years == [2000 + yy if yy <= 68 else 1900 + yy for yy in range(100)]


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        ("45234", dt(2023, 11, 4)),
        ("45234.5", dt(2023, 11, 4, 12)),
        ("1", dt(1900, 1, 1)),
        ("59", dt(1900, 2, 28)),
        ("61", dt(1900, 3, 1)),
        ("25569", dt(1970, 1, 1)),
        ("2958465", dt(9999, 12, 31)),
    ],
)
def test_excel_serials(serial, expected):
    assert one_datetime(serial, excel_serial=True) == (expected, False)
    assert one_datetime(serial) == (None, True)


def test_excel_serials_edge_cases():
    parsed = parse_datetimes(pl.Series(["60", "0", "2958466", "2024-01-05"]), excel_serial=True)
    assert parsed.values.to_list() == [None, None, None, dt(2024, 1, 5)]  # 29 Feb 1900 never was
    assert parsed.failed.to_list() == [True, True, True, False]
    numeric = parse_datetimes(pl.Series([45234.0, 45234.25, None]), excel_serial=True)
    assert numeric.values.to_list() == [dt(2023, 11, 4), dt(2023, 11, 4, 6), None]
    assert numeric.has_time
    assert not parse_datetimes(pl.Series(["45234"]), excel_serial=True).has_time


def test_has_time():
    assert parse_datetimes(pl.Series(["2024-01-05", "2024-01-06 00:00"])).has_time
    assert not parse_datetimes(pl.Series(["2024-01-05", "05.01.2024"])).has_time
    assert not parse_datetimes(pl.Series(["2024-01-05", "junk 10:00"])).has_time


def test_temporal_columns_pass_through():
    dates = parse_datetimes(pl.Series([date(2024, 1, 5)]))
    assert dates.values.to_list() == [dt(2024, 1, 5)]
    assert not dates.has_time
    zoned = pl.Series([dt(2024, 1, 5, 10)]).dt.replace_time_zone("Europe/Warsaw")
    assert parse_datetimes(zoned).values.to_list() == [dt(2024, 1, 5, 10)]  # wall-clock kept


def test_a_large_column_gives_the_same_values_as_single_cells():
    # the fast path (a dominant layout) and the general parser must agree cell by cell
    cells = [text for text, _ in DATES if "/" not in text and "-Jan-" not in text] + BAD_DATES
    column = parse_datetimes(pl.Series(cells * 50), order="dmy")
    single = [parse_datetimes(pl.Series([cell]), order="dmy").values[0] for cell in cells]
    assert column.values.to_list() == single * 50


# --- sniffing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "kind"),
    [
        (["#1001", "#1002", "#1001"], "id"),  # Shopify order names repeat over line items
        (["ORD-77", "ORD-78", "ORD-79"], "id"),
        (["ch_3Ab12Cd", "ch_3Ab13Ef", "py_9xYz"], "id"),  # Stripe
        (["e481f51cbdc54678b7cc49136f2d6af7", "53cdb2fc-8bc7-dce0-b674-1e2150273451"], "id"),
        (["0812", "0820", "2000"], "id"),  # zip codes keep their zeros
        (["2024-11-03 10:00", "2024-11-04 11:30"], "datetime"),
        (["2024-11-03", "05.01.2024"], "date"),
        (["20260220", "20260221"], "date"),  # GA4
        (["Jun 09, 2018 09:30 pm"], "datetime"),
        (["12,50 zł", "3,00 zł"], "money"),
        (["$1,234.56", "$5"], "money"),
        (["100 kr"], "money"),
        (["1.36%", "0.00%", "> 90%"], "percent"),
        (["yes", "no", "no"], "boolean"),
        (["TRUE", "FALSE"], "boolean"),
        (["1", "0", "yes"], "boolean"),
        (["1", "0", "1"], "integer"),
        (["1,234", "12", "-5"], "integer"),
        (["1.5", "2.25"], "number"),
        (["Direct", "Organic Search", "Email"], "text"),
        (["A1", "A1", "A1", "A1", "B2"], "text"),  # a repeated code is a category
        (["", None, "--", "N/A"], "empty"),
        (["12", "abc", "x1 y"], "text"),
    ],
)
def test_sniff_kind(cells, kind):
    assert sniff_kind(pl.Series(cells, dtype=pl.String)) == kind


def test_sniff_kind_of_typed_columns():
    assert sniff_kind(pl.Series([1, 2])) == "integer"
    assert sniff_kind(pl.Series([1.5, None])) == "number"
    assert sniff_kind(pl.Series([1.0, 2.0])) == "integer"
    assert sniff_kind(pl.Series([True, False])) == "boolean"
    assert sniff_kind(pl.Series([None, None])) == "empty"
    assert sniff_kind(pl.Series([date(2024, 1, 5)])) == "date"
    assert sniff_kind(pl.Series([dt(2024, 1, 5, 10)])) == "datetime"


def test_sniff_kind_reads_a_sample():
    cells = ["2024-01-05"] * 10 + ["not a date"] * 10
    assert sniff_kind(pl.Series(cells), sample=10) == "date"
    assert sniff_kind(pl.Series(cells)) == "text"


# --- the real exports in ../shared/data --------------------------------------------------------

DATA = SHARED / "data"


def shared_file(relative: str):
    path = DATA / relative
    if not path.exists():
        pytest.skip(f"{path} not found")
    return path


def test_shopify_orders_export():
    frame = pl.read_csv(shared_file("shopify-exports/orders_export_subset-columns_AU.csv"), infer_schema=False)
    created = parse_datetimes(frame["Created at"])
    assert not created.failed.any()
    assert (created.values.min().date(), created.values.max().date()) == (date(2014, 9, 4), date(2017, 5, 8))
    assert created.has_time
    total = parse_numbers(frame["Total"])
    assert not total.failed.any()
    assert round(total.values.sum(), 2) == 68141.45  # README §1, row 10
    assert sniff_kind(frame["Name"]) == "id"
    assert sniff_kind(frame["Billing Zip"]) == "id"  # '0812
    assert sniff_kind(frame["Created at"]) == "datetime"


def test_google_ads_campaign_report():
    path = shared_file("google-ads-exports/calpreserving_Campaign report_alltime_USD.csv")
    frame = pl.read_csv(path, skip_rows=2, infer_schema=False)
    campaigns = frame.filter(~pl.col("Campaign status").str.starts_with("Total"))
    cost, impressions = parse_numbers(campaigns["Cost"]), parse_numbers(campaigns["Impr."])
    assert round(cost.values.sum(), 2) == 199421.15  # = its "Total: Campaigns" row
    assert impressions.values.sum() == 14_117_313
    for column in ("Search lost IS (rank)", "Search impr. share", "Interaction rate", "Conv. rate", "Budget name"):
        parsed = parse_numbers(campaigns[column])
        assert not parsed.failed.any(), column
    assert parse_numbers(campaigns["Search impr. share"]).percent


def test_olist_variants_dates():
    variants = "olist-marketing-funnel/variants"
    euro = pl.read_csv(
        shared_file(f"{variants}/euro-resaved_olist_marketing_qualified_leads_dataset.csv"),
        separator=";",
        infer_schema=False,
    )
    dashed = pl.read_csv(
        shared_file(f"{variants}/ddmmyyyy-crlf_olist_marketing_qualified_leads_dataset.csv"), infer_schema=False
    )
    first = parse_datetimes(euro["first_contact_date"])
    second = parse_datetimes(dashed["first_contact_date"])
    assert not first.failed.any()
    assert (first.order, second.order, second.ambiguous) == ("ymd", "dmy", False)
    assert first.values.to_list() == second.values.to_list()
    assert first.values.min() == dt(2017, 6, 14)
    assert first.values.max() == dt(2018, 5, 31)


# --- properties --------------------------------------------------------------------------------


def grouped(whole: int, separator: str) -> str:
    return f"{whole:,}".replace(",", separator)


STYLES = {
    "us": lambda whole, fraction: f"{grouped(whole, ',')}.{fraction}",
    "de": lambda whole, fraction: f"{grouped(whole, '.')},{fraction}",
    "pl": lambda whole, fraction: f"{grouped(whole, NBSP)},{fraction}",
    "fr": lambda whole, fraction: f"{grouped(whole, NNBSP)},{fraction}",
    "ch": lambda whole, fraction: f"{grouped(whole, chr(39))}.{fraction}",
}
CURRENCIES = {"": None, "$": "USD", "€": "EUR", "zł": "PLN", "PLN": "PLN", "CHF": "CHF"}


@PROPERTY
@given(
    amounts=st.lists(st.integers(-(10**11) + 1, 10**11 - 1), min_size=2, max_size=8),
    digits=st.sampled_from([1, 2]),
    style=st.sampled_from(sorted(STYLES)),
    currency=st.sampled_from(sorted(CURRENCIES)),
    before=st.booleans(),
)
def test_numbers_round_trip_in_every_locale_style(amounts, digits, style, currency, before):
    # amounts in hundredths (or tenths) below 1e9, always written with their fraction: a column
    # of whole thousands alone ("1.234") is ambiguous by nature
    scale = 10**digits
    amounts = [amount // (100 // scale) for amount in amounts]

    def text(amount: int) -> str:
        whole, fraction = divmod(abs(amount), scale)
        number = STYLES[style](whole, f"{fraction:0{digits}d}")
        if currency:
            number = f"{currency}{number}" if before else f"{number}{NBSP}{currency}"
        return f"-{number}" if amount < 0 else number

    parsed = parse_numbers(pl.Series([text(amount) for amount in amounts]))
    assert not parsed.failed.any()
    assert parsed.currency == CURRENCIES[currency]
    for value, amount in zip(parsed.values.to_list(), amounts, strict=True):
        assert math.isclose(value, amount / scale, rel_tol=0, abs_tol=1e-9)


@PROPERTY
@given(st.lists(st.text(), max_size=6), st.sampled_from([None, ".", ","]))
def test_parse_numbers_never_raises(cells, decimal):
    parsed = parse_numbers(pl.Series(cells, dtype=pl.String), decimal=decimal)
    assert len(parsed.values) == len(parsed.failed) == len(cells)
    assert not (parsed.failed & parsed.values.is_not_null()).any()


@PROPERTY
@given(st.lists(st.text(), max_size=6), st.sampled_from([None, "dmy", "mdy", "ymd"]), st.booleans())
def test_parse_datetimes_never_raises(cells, order, excel_serial):
    parsed = parse_datetimes(pl.Series(cells, dtype=pl.String), order=order, excel_serial=excel_serial)
    assert len(parsed.values) == len(parsed.failed) == len(cells)
    assert parsed.values.dtype == pl.Datetime("us")
    sniff_kind(pl.Series(cells, dtype=pl.String))


@PROPERTY
@given(st.lists(st.sampled_from([*(text for text, _ in NUMBERS), *MISSING, *UNPARSEABLE]), min_size=1, max_size=8))
def test_numbers_read_the_same_however_often_they_repeat(cells):
    once, thrice = parse_numbers(pl.Series(cells)), parse_numbers(pl.Series(cells * 3))
    assert thrice.values.to_list() == once.values.to_list() * 3
    assert (thrice.decimal, thrice.currency, thrice.percent) == (once.decimal, once.currency, once.percent)


@PROPERTY
@given(st.lists(st.sampled_from([*(text for text, _ in DATES), *BAD_DATES, *MISSING]), min_size=1, max_size=8))
def test_datetimes_read_the_same_however_often_they_repeat(cells):
    # 20 copies put a fixed layout on the fast path; one copy may not
    once, often = parse_datetimes(pl.Series(cells)), parse_datetimes(pl.Series(cells * 20))
    assert often.values.to_list() == once.values.to_list() * 20
    assert (often.order, often.ambiguous, often.has_time) == (once.order, once.ambiguous, once.has_time)


FORMATS = {  # strftime format → what of a moment it keeps
    "%Y-%m-%d %H:%M:%S": lambda moment: moment.replace(microsecond=0),
    "%Y-%m-%dT%H:%M:%S": lambda moment: moment.replace(microsecond=0),
    "%Y-%m-%d %H:%M:%S.%f": lambda moment: moment,
    "%d.%m.%Y %H:%M": lambda moment: moment.replace(second=0, microsecond=0),
    "%m/%d/%Y": lambda moment: moment.replace(hour=0, minute=0, second=0, microsecond=0),
    "%d/%m/%Y %H:%M": lambda moment: moment.replace(second=0, microsecond=0),
    "%b %d, %Y %I:%M %p": lambda moment: moment.replace(second=0, microsecond=0),
}
MOMENTS = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2099, 12, 31))


@PROPERTY
@given(st.lists(MOMENTS, min_size=1, max_size=8), st.sampled_from(sorted(FORMATS)), st.integers(13, 28))
def test_datetimes_round_trip(moments, fmt, day):
    moments = [*moments, moments[0].replace(day=day)]  # a day above 12 decides the order
    parsed = parse_datetimes(pl.Series([moment.strftime(fmt) for moment in moments]))
    assert not parsed.failed.any()
    assert not parsed.ambiguous
    assert parsed.values.to_list() == [FORMATS[fmt](moment) for moment in moments]


@PROPERTY
@given(st.lists(MOMENTS, min_size=1, max_size=8), st.sampled_from(sorted(FORMATS)))
def test_datetimes_round_trip_with_the_order_given(moments, fmt):
    order = "mdy" if fmt.startswith("%m") else "dmy"
    parsed = parse_datetimes(pl.Series([moment.strftime(fmt) for moment in moments]), order=order)
    assert parsed.values.to_list() == [FORMATS[fmt](moment) for moment in moments]


def test_shifting_a_column_by_a_day_shifts_every_value():
    start = dt(2024, 1, 1, 9, 30)
    cells = [(start + timedelta(days=k)).strftime("%d.%m.%Y %H:%M") for k in range(400)]
    parsed = parse_datetimes(pl.Series(cells))
    assert parsed.values.diff().drop_nulls().unique().to_list() == [timedelta(days=1)]
