"""The daily forecast (kpi/forecast.py): tiny series whose forecast is worked out by hand (the working
is in each test), properties with hypothesis, and rolling-origin backtests on the demo data and on
the real UCI Online Retail shop against the seasonal naive baseline (benchmarks/backtest_forecast.py
prints the same as the README's table)."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.backtest_forecast import backtest, demo_series, online_retail_series
from kpi.forecast import MIN_DAYS, forecast_daily, seasonal_naive, weekday_factors, why_no_forecast
from tests.conftest import DEMO, SHARED

ONLINE_RETAIL = SHARED / "data" / "uci-online-retail" / "online_retail.csv.gz"
MONDAY = date(2025, 1, 6)


def days_from(start: date, count: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(count)]


# --- by hand -------------------------------------------------------------------------------------


def test_a_constant_series_is_forecast_flat_with_an_interval_of_no_width():
    # every 7-day mean is 50, every weekday factor 50 / 50 = 1, the level 50; the same forecast from
    # every earlier origin hit exactly (log ratio 0, daily ratio 1), so the intervals have no width
    dates = days_from(MONDAY, 35)  # to Sunday 9 February
    result = forecast_daily(dates, [50.0] * 35, date(2025, 2, 23))
    assert result.dates == tuple(days_from(date(2025, 2, 10), 14))
    assert result.mean == pytest.approx([50.0] * 14)
    assert result.low == pytest.approx([50.0] * 14)
    assert result.high == pytest.approx([50.0] * 14)
    assert (result.total, result.total_low, result.total_high) == pytest.approx((700.0, 700.0, 700.0))
    assert result.seasonality == ("weekly",)
    assert result.history_days == 35
    assert "weekday pattern" in result.method


def test_a_pure_weekday_pattern_is_repeated():
    # Monday to Sunday 30, 20, 20, 20, 40, 60, 10: the week sums to 200, every centred 7-day mean is
    # 200 / 7, so the factors are value × 7 / 200: 1.05, 0.7, 0.7, 0.7, 1.4, 2.1, 0.35; every
    # weekday-adjusted day is 200 / 7, the level, and level × factor gives the pattern back
    week = {0: 30.0, 1: 20.0, 2: 20.0, 3: 20.0, 4: 40.0, 5: 60.0, 6: 10.0}
    dates = days_from(date(2025, 1, 8), 42)  # six weeks from a Wednesday, to Tuesday 18 February
    values = [week[day.weekday()] for day in dates]
    assert weekday_factors(np.array(values), dates[0].weekday()) == pytest.approx([1.05, 0.7, 0.7, 0.7, 1.4, 2.1, 0.35])
    result = forecast_daily(dates, values, date(2025, 2, 28))  # Wednesday 19 to Friday 28 February
    assert result.mean == pytest.approx([20.0, 20.0, 40.0, 60.0, 10.0, 30.0, 20.0, 20.0, 20.0, 40.0])
    assert result.total == pytest.approx(280.0)
    assert (result.total_low, result.total_high) == pytest.approx((280.0, 280.0))


def test_too_little_history_or_nothing_to_forecast_gives_none_and_the_reason():
    dates = days_from(MONDAY, MIN_DAYS - 1)
    assert forecast_daily(dates, [5.0] * len(dates), date(2025, 3, 1)) is None
    assert why_no_forecast(dates, [5.0] * len(dates), date(2025, 3, 1)) == (
        "a forecast needs at least 28 days with data, there are 27"
    )
    dates = days_from(MONDAY, MIN_DAYS)  # to Sunday 2 February
    assert why_no_forecast(dates, [5.0] * MIN_DAYS, date(2025, 3, 1)) is None
    assert forecast_daily(dates, [5.0] * MIN_DAYS, date(2025, 3, 1)) is not None
    for until in (date(2025, 2, 2), date(2025, 1, 20)):
        assert forecast_daily(dates, [5.0] * MIN_DAYS, until) is None
        assert why_no_forecast(dates, [5.0] * MIN_DAYS, until) == (
            "nothing to forecast: the data already reaches 2025-02-02"
        )
    assert why_no_forecast([], [], date(2025, 3, 1)) == "there is no data to forecast from"
    with pytest.raises(ValueError, match="28 dates but 27 values"):
        forecast_daily(dates, [5.0] * 27, date(2025, 3, 1))
    # one day ahead is a forecast of one day
    assert forecast_daily(dates, [5.0] * MIN_DAYS, date(2025, 2, 3)).dates == (date(2025, 2, 3),)
    # unknown days (fill_missing=None) are not days with data: 30 days, 5 of them None
    values = [None if i % 6 == 0 else 0.02 for i in range(30)]
    assert why_no_forecast(days_from(MONDAY, 30), values, date(2025, 3, 1), fill_missing=None) == (
        "a forecast needs at least 28 days with data, there are 25"
    )


def test_absent_days_are_zero_by_default_and_unknown_with_fill_missing_none():
    # a shop closed on Saturdays, 100 on every other day, Saturdays absent from the export
    dates = [day for day in days_from(MONDAY, 42) if day.weekday() != 5]  # to Sunday 16 February
    values = [100.0] * len(dates)
    # absent = 0: the week sums to 600, the 7-day mean is 600 / 7, the factors are 7/6 and 0 on
    # Saturday; the level is 100 / (7/6) = 600 / 7; so 100 on every day but Saturday, 0 on Saturday
    closed = forecast_daily(dates, values, date(2025, 3, 2))
    assert closed.mean == pytest.approx([100.0] * 5 + [0.0] + [100.0] * 6 + [0.0, 100.0])
    assert closed.total == pytest.approx(1200.0)
    assert closed.low[5] == closed.high[5] == 0.0
    assert closed.history_days == 42
    # the same with the Saturdays present as None
    with_none = days_from(MONDAY, 42)
    none_values = [None if day.weekday() == 5 else 100.0 for day in with_none]
    assert forecast_daily(with_none, none_values, date(2025, 3, 2)) == closed
    # absent = unknown (a rate): every 7-day window has an unknown day, so no weekday factor can be
    # measured and all are 1; the level is the mean of the known days, 100, Saturdays included
    unknown = forecast_daily(dates, values, date(2025, 3, 2), fill_missing=None, additive=False)
    assert unknown.mean == pytest.approx([100.0] * 14)
    assert (unknown.total, unknown.total_low, unknown.total_high) == (None, None, None)
    assert unknown.history_days == 36


def test_nonnegative_clips_the_forecast_and_its_errors_are_measured_clipped():
    # 10 a day and −4 on Sundays (refunds): the week sums to 56, the 7-day mean is 8, the factors
    # 1.25 and −0.5; the level is 10 / 1.25 = 8 (a day with a negative factor says nothing about the
    # level), so Sunday is 8 × −0.5 = −4
    dates = days_from(MONDAY, 42)
    values = [-4.0 if day.weekday() == 6 else 10.0 for day in dates]
    until = date(2025, 2, 23)  # Monday 17 to Sunday 23 February
    signed = forecast_daily(dates, values, until, nonnegative=False)
    assert signed.mean == pytest.approx([10.0] * 6 + [-4.0])
    assert (signed.total, signed.total_low, signed.total_high) == pytest.approx((56.0, 56.0, 56.0))
    # clipped, Sunday is 0 and the week 60; the same clipped forecast overshot every past week by
    # 60 / 56, so the total's interval is 60 × exp(±1.96 × |log(56 / 60)|) and holds the 56 to come
    clipped = forecast_daily(dates, values, until)
    assert clipped.mean == pytest.approx([10.0] * 6 + [0.0])
    assert clipped.total == pytest.approx(60.0)
    spread = 1.959964 * abs(math.log(56 / 60))
    assert clipped.total_low == pytest.approx(60 * math.exp(-spread), rel=1e-6)
    assert clipped.total_high == pytest.approx(60 * math.exp(spread), rel=1e-6)
    assert clipped.total_low < 56 < clipped.total_high
    assert min(clipped.low) == 0.0


def test_last_years_season_comes_back_with_more_than_a_year_of_history():
    # 450 days of 100, but 200 on the 21 days a year (364 days) before the forecast starts: a sale.
    # Weekday factors and last year's level are 1 and 100. Day k of the forecast is the centred
    # 15-day mean around k days into last year's sale: k = 0 holds 8 sale days, (8 × 200 + 7 × 100)
    # / 15 = 153.33; each day one more, up to 15 from k = 7 on: 200
    n = 450
    values = [200.0 if n - 364 <= i < n - 364 + 21 else 100.0 for i in range(n)]
    dates = days_from(date(2024, 1, 1), n)
    result = forecast_daily(dates, values, dates[-1] + timedelta(days=14))
    assert result.seasonality == ("weekly", "yearly")
    expected = [(100 * 15 + 100 * min(8 + k, 15)) / 15 for k in range(14)]
    assert expected[:2] == pytest.approx([153.333333, 160.0])
    assert result.mean == pytest.approx(expected, rel=1e-6)
    assert "last year" in result.method
    # forecast for more than a year, the season repeats every 364 days
    longer = forecast_daily(dates, values, dates[-1] + timedelta(days=400))
    assert len(longer.mean) == 400
    assert longer.mean[:14] == pytest.approx(expected, rel=1e-6)
    assert longer.mean[364:378] == pytest.approx(expected, rel=1e-6)
    assert longer.mean[100:300] == pytest.approx([100.0] * 200, rel=1e-6)
    # with less than a year and 4 weeks of history there is no yearly factor: flat 100
    short = forecast_daily(dates[-392:], values[-392:], dates[-1] + timedelta(days=14))
    assert short.seasonality == ("weekly",)
    assert short.mean == pytest.approx([100.0] * 14)


def test_the_total_interval_is_not_the_sum_of_the_daily_ones():
    # independent daily noise of ±20% averages out over 28 days: the total's interval (measured on
    # past 28-day totals) must be far narrower, relatively, than a day's
    rng = np.random.default_rng(7)
    values = list(100 * (1 + 0.2 * rng.standard_normal(200)))
    result = forecast_daily(days_from(MONDAY, 200), values, MONDAY + timedelta(days=227))
    daily_width = sum(result.high) - sum(result.low)
    total_width = result.total_high - result.total_low
    assert total_width < daily_width / 3
    assert result.total_low < result.total < result.total_high
    # a lower level gives a narrower interval
    narrower = forecast_daily(days_from(MONDAY, 200), values, MONDAY + timedelta(days=227), level=0.8)
    assert result.total_low < narrower.total_low < narrower.total_high < result.total_high
    with pytest.raises(ValueError, match="between 0 and 1"):
        forecast_daily(days_from(MONDAY, 200), values, MONDAY + timedelta(days=227), level=95)


def test_seasonal_naive_repeats_the_last_week():
    # the last week (Monday 13 to Sunday 19 January) is 7..13; Wednesday 15 is absent: 0 by default,
    # NaN when absent days are unknown
    dates = [day for day in days_from(MONDAY, 14) if day != date(2025, 1, 15)]
    values = [float(i) for i, day in enumerate(days_from(MONDAY, 14)) if day != date(2025, 1, 15)]
    assert seasonal_naive(dates, values, date(2025, 1, 29)) == [7.0, 8.0, 0.0, 10.0, 11.0, 12.0, 13.0, 7.0, 8.0, 0.0]
    unknown = seasonal_naive(dates, values, date(2025, 1, 22), fill_missing=None)
    assert unknown[:2] == [7.0, 8.0]
    assert math.isnan(unknown[2])
    assert seasonal_naive(dates, values, date(2025, 1, 19)) == []


# --- properties ----------------------------------------------------------------------------------

amount = st.floats(0, 1e6).map(lambda value: round(value, 3))  # a KPI's day: 0 or at least 0.001
history = st.lists(st.one_of(st.none(), amount, st.integers(0, 50).map(float)), min_size=20, max_size=150)


@settings(max_examples=60, deadline=None)
@given(
    values=history,
    horizon=st.integers(1, 45),
    fill_missing=st.sampled_from([0.0, None]),
    scale=st.floats(1e-3, 1e3),
    seed=st.integers(0, 1000),
)
def test_forecast_properties(values, horizon, fill_missing, scale, seed):
    dates = days_from(date(2024, 3, 1), len(values))
    until = dates[-1] + timedelta(days=horizon)
    result = forecast_daily(dates, values, until, fill_missing=fill_missing)
    reason = why_no_forecast(dates, values, until, fill_missing=fill_missing)
    if result is None:  # unavailable is a reason, not an error
        assert reason is not None
        return
    assert reason is None
    assert result.dates == tuple(days_from(dates[-1] + timedelta(days=1), horizon))
    assert len(result.mean) == len(result.low) == len(result.high) == horizon
    for low, mean, high in zip(result.low, result.mean, result.high, strict=True):
        assert 0 <= low <= mean <= high
        assert math.isfinite(high)
    assert result.total == pytest.approx(sum(result.mean))
    assert 0 <= result.total_low <= result.total <= result.total_high
    # the model is multiplicative: scaling the history scales the forecast and its intervals
    scaled = forecast_daily(dates, [None if v is None else v * scale for v in values], until, fill_missing=fill_missing)
    assert scaled.mean == pytest.approx([m * scale for m in result.mean], rel=1e-6, abs=1e-9)
    assert scaled.total_high == pytest.approx(result.total_high * scale, rel=1e-6, abs=1e-9)
    # the order of the rows does not matter
    rows = list(zip(dates, values, strict=True))
    random.Random(seed).shuffle(rows)
    assert forecast_daily([d for d, _ in rows], [v for _, v in rows], until, fill_missing=fill_missing) == result


# --- backtests -----------------------------------------------------------------------------------
# Rolling origin, every 7th day of the last 52 weeks, the 7 and 28 days after each origin. Measured
# (benchmarks/backtest_forecast.py) at 28 days: the model's WAPE of the total over the naive's is
# 0.28, 0.46, 0.68 on the demo's sessions, orders and net revenue, 0.83 and 0.90 on Online Retail's
# revenue and invoices; the 95% interval of the total held the actual total 92–100% of the time.
# Each of these broken models fails at least one of the backtests (checked by breaking the module):
# the last value repeated, no weekday factors, no yearly factor, zero-width intervals, a total's
# interval that assumes independent days, and one that adds up the daily bounds.

MAX_RATIO = {
    "demo: sessions": 0.5,
    "demo: orders": 0.7,
    "demo: net revenue": 0.85,
    "UCI Online Retail: revenue": 0.95,
    "UCI Online Retail: invoices": 0.98,
}


@pytest.fixture(scope="module")
def demo() -> dict:
    return demo_series(DEMO)


@pytest.fixture(scope="module")
def online_retail() -> dict:
    if not ONLINE_RETAIL.exists():
        pytest.skip(f"real sample not found at {ONLINE_RETAIL}")
    return online_retail_series(ONLINE_RETAIL)


def check(scores) -> None:
    for score in scores:
        assert score.origins >= 40
        assert score.wape < score.naive_wape
        assert score.daily_wape < score.naive_daily_wape
        assert score.coverage >= 0.8  # the actual total fell inside its 95% interval
        assert score.daily_coverage >= 0.85
    four_weeks = scores[-1]
    assert four_weeks.ratio < MAX_RATIO[four_weeks.series]


@pytest.mark.parametrize("name", ["sessions", "orders", "net revenue"])
def test_backtest_on_the_demo_beats_the_seasonal_naive(demo, name):
    scores = backtest(f"demo: {name}", demo[name], [7, 28])
    check(scores)
    assert scores[1].width < 0.8  # the interval is not made wide to cover


@pytest.mark.parametrize("name", ["revenue", "invoices"])
def test_backtest_on_online_retail_beats_the_seasonal_naive(online_retail, name):
    # the real data: a year of a UK gift wholesaler's online shop, never open on Saturdays
    scores = backtest(f"UCI Online Retail: {name}", online_retail[name], [7, 28])
    check(scores)
    assert scores[1].width < 1.6
