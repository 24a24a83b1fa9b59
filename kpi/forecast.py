"""Forecast of a daily KPI to the end of a period, with a 95% interval, for trend charts and goals.

The model (multiplicative: level × weekday factor × yearly factor):

* **weekday factors**: each weekday's median ratio to the centred 7-day mean over the last 8 weeks
  (1.04 = that weekday runs 4% above its week; a shop closed on Saturdays gets 0 there);
* **level**: the mean of the weekday-adjusted days, each day's weight halving every 7 days back
  (every 14 days when there is a yearly factor, which then carries the season);
* **yearly factor**, with at least 365 + 28 days of history: last year's path 364 days back (same
  weekday; a centred 15-day mean of the weekday-adjusted days) over last year's level at the same
  point, so Black Friday and Christmas come back, grown as this year's level grew against last year's.

The interval is the model's own out-of-sample error on the history (rolling origin): the same
forecast, as many days long, is re-made from up to 52 earlier origins a week apart (so every window
starts on the same weekday) and compared with what happened. The total's interval is
total × exp(±z·s), s the root mean square of log(actual total / forecast total) over those windows:
an error that persists over days (a level that was off) counts as much as it did in the past, which
an interval assuming independent days would miss. The daily interval spans the 2.5% and 97.5%
quantiles of the past daily ratios actual / forecast. A history too short for 8 such windows
measures shorter windows, a day apart, and s grows by √(days forecast / days measured).

Missing days: a day absent from ``dates`` (or whose value is ``None``) is ``fill_missing``, 0 by
default, because a day absent from a daily sales export is a day without sales (the UCI Online
Retail shop never sells on Saturdays). For a rate or an average (conversion rate per day) pass
``fill_missing=None``: such days are unknown and left out.

There is no forecast (``None``; :func:`why_no_forecast` says why) with fewer than 28 days with data
(two weeks to fit on and two to measure the errors on), an end date not after the last day, or a
series negative on average over its last 4 weeks (the model is multiplicative).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import NormalDist

import numpy as np

MIN_DAYS = 28
"""Fewer days with data than this: no forecast."""
WEEKDAY_WEEKS = 8
"""The weekday factors are measured over this many recent weeks."""
HALF_LIFE = 7
"""Days back after which a day's weight in the level halves (weekly seasonality only)."""
HALF_LIFE_YEARLY = 14
"""The same with a yearly factor: the level then only carries the year-on-year change."""
YEAR = 364
"""Days back to "the same day last year": 52 weeks, so that the weekday matches."""
YEARLY_DAYS = 365 + 28
"""History needed for the yearly factor: a year, plus 4 weeks to compare this year's level with."""
YEARLY_SMOOTHING = 15
"""Days in the centred mean of last year's path."""
MAX_WINDOWS = 52
"""At most this many past windows (a year of weekly origins) measure the error."""
MIN_WINDOWS = 8
"""Fewer weekly windows than this: the windows start every day instead."""
RATIO_FLOOR = 0.05
"""A past window whose actual total was 0 (or under 5% of its forecast) counts as 5%: log 0 = −∞."""


@dataclass(frozen=True)
class Forecast:
    """The forecast of each day after the history up to an end date, with its interval."""

    dates: tuple[date, ...]
    """The future days forecast, consecutive."""
    mean: tuple[float, ...]
    """The point forecast of each day."""
    low: tuple[float, ...]
    """The lower bound of each day's interval."""
    high: tuple[float, ...]
    """The upper bound of each day's interval."""
    total: float | None
    """The sum of ``mean`` over the days (``None`` for a rate or an average)."""
    total_low: float | None
    """The lower bound of the total's interval (not the sum of the daily bounds)."""
    total_high: float | None
    """The upper bound of the total's interval."""
    seasonality: tuple[str, ...]
    """``("weekly",)`` or ``("weekly", "yearly")``."""
    history_days: int
    """Days with data in the history (filled days included)."""
    method: str
    """One sentence a user can read under the chart."""


def why_no_forecast(
    dates: Sequence[date], values: Sequence[float | None], until: date, *, fill_missing: float | None = 0.0
) -> str | None:
    """Why :func:`forecast_daily` returns ``None`` for these arguments; ``None`` when it does not.

    >>> days = [date(2025, 3, 1) + timedelta(days=i) for i in range(20)]
    >>> why_no_forecast(days, [5.0] * 20, date(2025, 3, 31))
    'a forecast needs at least 28 days with data, there are 20'
    >>> why_no_forecast(days, [5.0] * 20, date(2025, 3, 20))
    'nothing to forecast: the data already reaches 2025-03-20'
    """
    if not dates:
        return "there is no data to forecast from"
    last = max(dates)
    if until <= last:
        return f"nothing to forecast: the data already reaches {last.isoformat()}"
    _, y = _daily(dates, values, fill_missing)
    known = int(np.isfinite(y).sum())
    if known < MIN_DAYS:
        return f"a forecast needs at least {MIN_DAYS} days with data, there are {known}"
    recent = y[-28:][np.isfinite(y[-28:])]
    if len(recent) and recent.mean() < 0:
        return "the series is negative on average over its last 4 weeks; the forecast needs a positive series"
    return None


def forecast_daily(
    dates: Sequence[date],
    values: Sequence[float | None],
    until: date,
    *,
    nonnegative: bool = True,
    level: float = 0.95,
    fill_missing: float | None = 0.0,
    additive: bool = True,
) -> Forecast | None:
    """Forecast every day from the day after the last of ``dates`` to ``until`` inclusive.

    ``values[i]`` is the value on ``dates[i]``; absent days and ``None`` are ``fill_missing`` (see
    the module). An ``additive`` series (counts, currency) also gets the total over the days and its
    interval; a rate or an average (``additive=False``) gets ``None`` totals. ``nonnegative`` clips
    the forecast and the bounds at 0. ``level`` is the interval's coverage. ``None`` when no forecast
    can be made (:func:`why_no_forecast` says why).

    Example: four weeks of a shop that sells 10 a day on weekdays and 20 on Saturday and Sunday.
    The 7-day mean is 90 / 7 everywhere, so the factors are 10 / (90 / 7) = 0.778 and
    20 / (90 / 7) = 1.556 and every weekday-adjusted day is 90 / 7, the level: the forecast repeats
    the week, and as the same forecast never missed before, the intervals are the forecast itself.

    >>> days = [date(2025, 3, 3) + timedelta(days=i) for i in range(28)]  # from Monday 3 March
    >>> sales = [20.0 if day.weekday() >= 5 else 10.0 for day in days]
    >>> result = forecast_daily(days, sales, date(2025, 4, 6))
    >>> [round(value, 6) for value in result.mean], round(result.total, 6)
    ([10.0, 10.0, 10.0, 10.0, 10.0, 20.0, 20.0], 90.0)
    >>> round(result.total_low, 6), round(result.total_high, 6), result.seasonality
    (90.0, 90.0, ('weekly',))
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    if why_no_forecast(dates, values, until, fill_missing=fill_missing) is not None:
        return None
    first, y = _daily(dates, values, fill_missing)
    horizon = (until - first).days + 1 - len(y)
    mean, seasonality = _point(y, first.weekday(), horizon)
    if nonnegative:
        mean = np.maximum(mean, 0)
    log_ratios, daily_ratios, measured = _errors(y, first.weekday(), horizon, nonnegative=nonnegative)
    tail = (1 - level) / 2
    low_ratio, high_ratio = np.quantile(daily_ratios, [tail, 1 - tail]) if len(daily_ratios) else (1.0, 1.0)
    bounds = np.stack([mean * low_ratio, mean * high_ratio, mean])  # the interval holds the forecast
    low, high = bounds.min(axis=0), bounds.max(axis=0)
    if nonnegative:
        low = np.maximum(low, 0)
    total = total_low = total_high = None
    if additive:
        total = float(mean.sum())
        # the spread of log(actual / forecast) over a window, × √(horizon / measured) when longer
        spread = math.sqrt(float(np.mean(log_ratios**2)) * horizon / measured) if len(log_ratios) else 0.0
        z = NormalDist().inv_cdf(1 - tail)
        total_low, total_high = sorted((total * math.exp(-z * spread), total * math.exp(z * spread)))
    last = first + timedelta(days=len(y) - 1)
    return Forecast(
        dates=tuple(last + timedelta(days=k) for k in range(1, horizon + 1)),
        mean=tuple(float(v) for v in mean),
        low=tuple(float(v) for v in low),
        high=tuple(float(v) for v in high),
        total=total,
        total_low=total_low,
        total_high=total_high,
        seasonality=seasonality,
        history_days=int(np.isfinite(y).sum()),
        method=_describe(seasonality, len(log_ratios), level),
    )


def seasonal_naive(
    dates: Sequence[date], values: Sequence[float | None], until: date, *, fill_missing: float | None = 0.0
) -> list[float]:
    """The baseline forecast: every day after the history is the same weekday of the history's last
    week (NaN where that day is unknown). Empty when ``until`` is not after the history.

    >>> days = [date(2025, 3, 3) + timedelta(days=i) for i in range(14)]
    >>> seasonal_naive(days, list(range(14)), date(2025, 3, 25))
    [7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 7.0, 8.0]
    """
    if not dates or until <= max(dates):
        return []
    first, y = _daily(dates, values, fill_missing)
    n = len(y)
    horizon = (until - first).days + 1 - n
    return [float(y[n - 7 + k % 7]) if n - 7 + k % 7 >= 0 else math.nan for k in range(horizon)]


def weekday_factors(y: np.ndarray, weekday0: int) -> np.ndarray:
    """The factor of each weekday (Monday first), averaging 1: over the last ``WEEKDAY_WEEKS``
    weeks, the median of each day's ratio to the centred 7-day mean around it (days whose 7-day
    window has an unknown day or a mean of 0 are left out; a weekday with no ratio left gets 1).
    ``y[0]`` is a day of weekday ``weekday0`` (0 = Monday).

    Example: weeks of 7, 7, 7, 7, 7, 14 and 21 from a Monday: every 7-day mean is 70 / 7 = 10, so
    the factors are 0.7 from Monday to Friday, 1.4 and 2.1.

    >>> [round(float(f), 6) for f in weekday_factors(np.array([7, 7, 7, 7, 7, 14, 21] * 3, dtype=float), 0)]
    [0.7, 0.7, 0.7, 0.7, 0.7, 1.4, 2.1]
    """
    n = len(y)
    centred = np.full(n, np.nan)
    centred[3 : n - 3] = np.lib.stride_tricks.sliding_window_view(y, 7).mean(axis=1)
    recent = slice(max(n - 7 * WEEKDAY_WEEKS, 0), n)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(centred > 0, y / centred, np.nan)[recent]
    weekday = ((weekday0 + np.arange(n)) % 7)[recent]
    factors = np.ones(7)
    for day in range(7):
        known = ratio[(weekday == day) & np.isfinite(ratio)]
        if len(known):
            factors[day] = np.median(known)
    return factors * 7 / factors.sum() if factors.sum() > 0 else np.ones(7)


def _daily(
    dates: Sequence[date], values: Sequence[float | None], fill_missing: float | None
) -> tuple[date, np.ndarray]:
    """The first day and one value per day from it to the last: absent days and ``None`` values are
    ``fill_missing`` (NaN when it is ``None``); a date given twice keeps its last value."""
    if len(dates) != len(values):
        raise ValueError(f"{len(dates)} dates but {len(values)} values")
    first = min(dates)
    offsets = np.array([(day - first).days for day in dates])
    y = np.full(int(offsets.max()) + 1, math.nan if fill_missing is None else float(fill_missing))
    given = np.array([math.nan if value is None else float(value) for value in values])
    known = np.isfinite(given)
    y[offsets[known]] = given[known]
    return first, y


def _level(adjusted: np.ndarray, half_life: float) -> float:
    """The mean of the weekday-adjusted days, the weight halving every ``half_life`` days back from
    the last day (unknown days left out); NaN when no day is known."""
    weights = 0.5 ** (np.arange(len(adjusted))[::-1] / half_life)
    known = np.isfinite(adjusted)
    if not known.any():
        return math.nan
    return float(np.sum(weights[known] * adjusted[known]) / np.sum(weights[known]))


def _point(y: np.ndarray, weekday0: int, horizon: int) -> tuple[np.ndarray, tuple[str, ...]]:
    """The point forecast of the ``horizon`` days after ``y`` and the seasonality it used."""
    n = len(y)
    weekday = (weekday0 + np.arange(n + horizon)) % 7
    factors = weekday_factors(y, weekday0)
    with np.errstate(divide="ignore", invalid="ignore"):
        adjusted = np.where(factors[weekday[:n]] > 0, y / factors[weekday[:n]], np.nan)
    future = factors[weekday[n:]]
    if n < YEARLY_DAYS:
        return np.nan_to_num(_level(adjusted, HALF_LIFE) * future), ("weekly",)
    level, last_year = _level(adjusted, HALF_LIFE_YEARLY), _level(adjusted[: n - YEAR], HALF_LIFE_YEARLY)
    # last year's path: the centred mean around each day a year back (the last windows run past the
    # history); a forecast longer than a year repeats it
    half = YEARLY_SMOOTHING // 2
    padded = np.concatenate([adjusted, np.full(half + 1, np.nan)])
    starts = np.arange(n, n + min(horizon, YEAR)) - YEAR - half
    windows = np.lib.stride_tricks.sliding_window_view(padded, YEARLY_SMOOTHING)[starts]
    known = np.isfinite(windows)
    count = known.sum(axis=1)
    path = np.where(known, windows, 0.0).sum(axis=1) / np.maximum(count, 1)
    yearly = np.where(count > 0, path / last_year, 1.0) if last_year > 0 else np.ones(len(starts))
    return np.nan_to_num(level * np.resize(yearly, horizon) * future), ("weekly", "yearly")


def _errors(y: np.ndarray, weekday0: int, horizon: int, *, nonnegative: bool) -> tuple[np.ndarray, np.ndarray, int]:
    """The model's out-of-sample errors on the history: from earlier origins, the forecast of the
    next ``measured`` days (clipped at 0 when ``nonnegative``, as the forecast is) against what
    happened.

    Returns log(actual total / forecast total) of each window, the ratios actual / forecast of the
    days (where the forecast is above 0), and ``measured``: ``horizon``, or fewer days when the
    history is too short to hold enough windows that long. Each origin keeps at least half the
    history, up to 4 weeks; origins step back 7 days from the last possible one, so every window
    starts on the forecast's weekday (1 day when that gives fewer than ``MIN_WINDOWS``). When the
    forecast uses last year, only origins that could use it too count, if there are enough.
    """
    n = len(y)
    shortest = min(28, n // 2)
    measured = max(min(horizon, (n - shortest) // 2), 1)
    origins = list(range(n - measured, shortest - 1, -7))
    if len(origins) < MIN_WINDOWS:
        origins = list(range(n - measured, shortest - 1, -1))
    if n >= YEARLY_DAYS and len(yearly := [o for o in origins if o >= YEARLY_DAYS]) >= MIN_WINDOWS:
        origins = yearly
    log_ratios, daily_ratios = [], []
    for origin in origins[:MAX_WINDOWS]:
        forecast, _ = _point(y[:origin], weekday0, measured)
        if nonnegative:
            forecast = np.maximum(forecast, 0)
        actual = y[origin : origin + measured]
        known = np.isfinite(actual)
        predicted = forecast[known].sum()
        if predicted > 0:
            log_ratios.append(math.log(max(actual[known].sum() / predicted, RATIO_FLOOR)))
        positive = known & (forecast > 0)
        daily_ratios.extend(actual[positive] / forecast[positive])
    return np.array(log_ratios), np.array(daily_ratios), measured


def _describe(seasonality: tuple[str, ...], windows: int, level: float) -> str:
    """The sentence under the chart."""
    season = "the weekday pattern and last year's season" if "yearly" in seasonality else "the weekday pattern"
    return (
        f"Forecast from the recent level and {season}; the {level:.0%} band is how far the same "
        f"forecast missed from {windows} earlier starting points."
    )
