"""kpi.periods: inclusive periods, comparison windows (contract section 2), the period picker's
presets and the CLI's default period."""

from __future__ import annotations

from datetime import date

import pytest

from kpi.periods import (
    COMPARISON_LABELS,
    PRESET_LABELS,
    Period,
    comparison_period,
    default_period,
    preset_period,
    previous_window,
    year_earlier,
)

D = date


def _window(period: Period | None) -> tuple[str, str] | None:
    return None if period is None else (period.start.isoformat(), period.end.isoformat())


# --- Period -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (D(2024, 11, 1), D(2024, 11, 30), 30),
        (D(2024, 2, 1), D(2024, 2, 29), 29),
        (D(2023, 2, 1), D(2023, 2, 28), 28),
        (D(2024, 3, 3), D(2024, 3, 3), 1),
        (D(2024, 12, 30), D(2025, 1, 2), 4),
        (D(2024, 1, 1), D(2024, 12, 31), 366),
    ],
)
def test_days_counts_both_ends(start, end, days):
    assert Period(start, end).days == days


def test_label():
    assert Period(D(2024, 11, 1), D(2024, 11, 30)).label() == "1 Nov 2024 – 30 Nov 2024"
    assert Period(D(2024, 12, 30), D(2025, 1, 2)).label() == "30 Dec 2024 – 2 Jan 2025"
    assert Period(D(2024, 3, 3), D(2024, 3, 3)).label() == "3 Mar 2024"


def test_as_dict_is_the_cli_json_shape():
    assert Period(D(2025, 11, 1), D(2025, 11, 30)).as_dict() == {"start": "2025-11-01", "end": "2025-11-30"}


def test_a_day_belongs_to_the_period_by_date_both_ends_included():
    period = Period(D(2024, 11, 1), D(2024, 11, 30))
    assert D(2024, 11, 1) in period
    assert D(2024, 11, 30) in period
    assert D(2024, 10, 31) not in period
    assert D(2024, 12, 1) not in period


def test_a_period_ending_before_it_starts_is_an_error():
    with pytest.raises(ValueError, match="before it starts"):
        Period(D(2024, 11, 30), D(2024, 11, 1))


# --- comparisons --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (Period(D(2025, 11, 1), D(2025, 11, 30)), ("2025-10-02", "2025-10-31")),  # the contract's example
        (Period(D(2024, 11, 1), D(2024, 11, 30)), ("2024-10-02", "2024-10-31")),
        (Period(D(2024, 3, 1), D(2024, 3, 31)), ("2024-01-30", "2024-02-29")),
        (Period(D(2025, 3, 1), D(2025, 3, 31)), ("2025-01-29", "2025-02-28")),
        (Period(D(2025, 1, 1), D(2025, 1, 7)), ("2024-12-25", "2024-12-31")),
        (Period(D(2024, 3, 1), D(2024, 3, 1)), ("2024-02-29", "2024-02-29")),
    ],
)
def test_previous_window_has_the_same_length_and_ends_the_day_before(period, expected):
    window = previous_window(period)
    assert _window(window) == expected
    assert window.days == period.days
    assert _window(comparison_period(period, "previous")) == expected


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (Period(D(2024, 11, 1), D(2024, 11, 30)), ("2023-11-01", "2023-11-30")),
        (Period(D(2024, 2, 29), D(2024, 2, 29)), ("2023-02-28", "2023-02-28")),
        (Period(D(2024, 2, 1), D(2024, 2, 29)), ("2023-02-01", "2023-02-28")),
        (Period(D(2025, 2, 1), D(2025, 2, 28)), ("2024-02-01", "2024-02-28")),
        (Period(D(2025, 3, 1), D(2025, 3, 31)), ("2024-03-01", "2024-03-31")),
        (Period(D(2025, 1, 1), D(2025, 12, 31)), ("2024-01-01", "2024-12-31")),
    ],
)
def test_year_comparison_is_the_same_dates_a_year_earlier(period, expected):
    assert _window(comparison_period(period, "year")) == expected


def test_year_earlier_maps_29_february_to_28_february():
    assert year_earlier(D(2024, 2, 29)) == D(2023, 2, 28)
    assert year_earlier(D(2024, 3, 1)) == D(2023, 3, 1)
    assert year_earlier(D(2025, 2, 28)) == D(2024, 2, 28)


def test_a_period_crossing_29_february():
    period = Period(D(2024, 2, 27), D(2024, 3, 2))
    assert period.days == 5
    assert D(2024, 2, 29) in period
    assert _window(comparison_period(period, "previous")) == ("2024-02-22", "2024-02-26")
    year = comparison_period(period, "year")
    assert _window(year) == ("2023-02-27", "2023-03-02")
    assert year is not None
    assert year.days == 4  # the same dates, so one day fewer than the leap-year window


def test_comparison_none_is_none():
    assert comparison_period(Period(D(2024, 11, 1), D(2024, 11, 30)), "none") is None


def test_every_comparison_has_a_label():
    assert COMPARISON_LABELS == {
        "previous": "Previous period",
        "year": "Same period last year",
        "none": "No comparison",
    }


# --- presets ------------------------------------------------------------------------------------

DATA_START = D(2023, 6, 15)

PRESETS = {
    # an ordinary day in a leap year's March
    D(2024, 3, 3): {
        "last_7_days": ("2024-02-26", "2024-03-03"),
        "last_30_days": ("2024-02-03", "2024-03-03"),
        "last_90_days": ("2023-12-05", "2024-03-03"),
        "this_month": ("2024-03-01", "2024-03-03"),
        "last_month": ("2024-02-01", "2024-02-29"),
        "this_quarter": ("2024-01-01", "2024-03-03"),
        "last_quarter": ("2023-10-01", "2023-12-31"),
        "year_to_date": ("2024-01-01", "2024-03-03"),
        "all_data": ("2023-06-15", "2024-03-03"),
    },
    # the first day of a year (and of a month and a quarter)
    D(2024, 1, 1): {
        "last_7_days": ("2023-12-26", "2024-01-01"),
        "last_30_days": ("2023-12-03", "2024-01-01"),
        "last_90_days": ("2023-10-04", "2024-01-01"),
        "this_month": ("2024-01-01", "2024-01-01"),
        "last_month": ("2023-12-01", "2023-12-31"),
        "this_quarter": ("2024-01-01", "2024-01-01"),
        "last_quarter": ("2023-10-01", "2023-12-31"),
        "year_to_date": ("2024-01-01", "2024-01-01"),
        "all_data": ("2023-06-15", "2024-01-01"),
    },
    # 29 February itself
    D(2024, 2, 29): {
        "last_7_days": ("2024-02-23", "2024-02-29"),
        "last_30_days": ("2024-01-31", "2024-02-29"),
        "last_90_days": ("2023-12-02", "2024-02-29"),
        "this_month": ("2024-02-01", "2024-02-29"),
        "last_month": ("2024-01-01", "2024-01-31"),
        "this_quarter": ("2024-01-01", "2024-02-29"),
        "last_quarter": ("2023-10-01", "2023-12-31"),
        "year_to_date": ("2024-01-01", "2024-02-29"),
        "all_data": ("2023-06-15", "2024-02-29"),
    },
    # the last day of a quarter: "last month" and "last quarter" are the ones before as_of's
    D(2024, 3, 31): {
        "last_7_days": ("2024-03-25", "2024-03-31"),
        "last_30_days": ("2024-03-02", "2024-03-31"),
        "last_90_days": ("2024-01-02", "2024-03-31"),
        "this_month": ("2024-03-01", "2024-03-31"),
        "last_month": ("2024-02-01", "2024-02-29"),
        "this_quarter": ("2024-01-01", "2024-03-31"),
        "last_quarter": ("2023-10-01", "2023-12-31"),
        "year_to_date": ("2024-01-01", "2024-03-31"),
        "all_data": ("2023-06-15", "2024-03-31"),
    },
    # the last day of a year
    D(2024, 12, 31): {
        "last_7_days": ("2024-12-25", "2024-12-31"),
        "last_30_days": ("2024-12-02", "2024-12-31"),
        "last_90_days": ("2024-10-03", "2024-12-31"),
        "this_month": ("2024-12-01", "2024-12-31"),
        "last_month": ("2024-11-01", "2024-11-30"),
        "this_quarter": ("2024-10-01", "2024-12-31"),
        "last_quarter": ("2024-07-01", "2024-09-30"),
        "year_to_date": ("2024-01-01", "2024-12-31"),
        "all_data": ("2023-06-15", "2024-12-31"),
    },
    # the first day of a quarter in a common year
    D(2025, 4, 1): {
        "last_7_days": ("2025-03-26", "2025-04-01"),
        "last_30_days": ("2025-03-03", "2025-04-01"),
        "last_90_days": ("2025-01-02", "2025-04-01"),
        "this_month": ("2025-04-01", "2025-04-01"),
        "last_month": ("2025-03-01", "2025-03-31"),
        "this_quarter": ("2025-04-01", "2025-04-01"),
        "last_quarter": ("2025-01-01", "2025-03-31"),
        "year_to_date": ("2025-01-01", "2025-04-01"),
        "all_data": ("2023-06-15", "2025-04-01"),
    },
}


@pytest.mark.parametrize("as_of", list(PRESETS), ids=str)
def test_every_preset(as_of):
    got = {preset: _window(preset_period(preset, as_of=as_of, data_start=DATA_START)) for preset in PRESET_LABELS}
    assert got == PRESETS[as_of]


def test_the_presets_are_the_ones_listed_with_labels():
    assert all(set(windows) == set(PRESET_LABELS) for windows in PRESETS.values())
    assert all(label for label in PRESET_LABELS.values())


def test_all_data_without_a_data_start_is_the_as_of_day():
    assert _window(preset_period("all_data", as_of=D(2024, 3, 3))) == ("2024-03-03", "2024-03-03")


def test_an_unknown_preset_is_an_error():
    with pytest.raises(ValueError, match="unknown period preset"):
        preset_period("last_week", as_of=D(2024, 3, 3))  # type: ignore[arg-type]


# --- the default period -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data_start", "data_end", "expected"),
    [
        # the last full calendar month in the data
        (D(2023, 11, 1), D(2025, 3, 31), ("2025-03-01", "2025-03-31")),
        (D(2023, 11, 1), D(2025, 3, 30), ("2025-02-01", "2025-02-28")),
        (D(2024, 10, 1), D(2024, 12, 5), ("2024-11-01", "2024-11-30")),
        (D(2024, 1, 15), D(2024, 2, 29), ("2024-02-01", "2024-02-29")),
        (D(2024, 1, 15), D(2024, 3, 10), ("2024-02-01", "2024-02-29")),
        (D(2024, 1, 1), D(2024, 1, 31), ("2024-01-01", "2024-01-31")),
        (D(2023, 12, 20), D(2024, 1, 31), ("2024-01-01", "2024-01-31")),
        # no full calendar month: all the data
        (D(2024, 1, 15), D(2024, 2, 20), ("2024-01-15", "2024-02-20")),
        (D(2024, 1, 15), D(2024, 2, 28), ("2024-01-15", "2024-02-28")),
        (D(2024, 1, 2), D(2024, 1, 31), ("2024-01-02", "2024-01-31")),
        (D(2024, 3, 5), D(2024, 3, 5), ("2024-03-05", "2024-03-05")),
    ],
)
def test_default_period(data_start, data_end, expected):
    assert _window(default_period(data_start, data_end)) == expected
