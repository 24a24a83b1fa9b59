"""Where a KPI will end a period that is still running: its value so far, plus the forecast of the
days left (:mod:`kpi.forecast`), for the Overview's forecast and the goals' pace.

How it adds up depends on the KPI:

* a **total** (sessions, orders, net revenue, spend…): projected = total so far + the forecast
  total of the days left, with the forecast's 95% interval;
* a **ratio of sums** (conversion rate, AOV, CAC, ROAS…): with N and D the numerator and
  denominator so far and N′, D′ their forecasts for the days left, projected = (N + N′) / (D + D′);
  its interval takes the numerator's forecast interval over the same D + D′ (the denominator's
  error is left out: it mostly moves with the numerator's);
* any other KPI (distinct customers, a median, LTV:CAC, the payback) does not add up over days:
  no projection, only the value so far.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from kpi.engine import Breakdown, breakdown, compute, days_add_up, numerator_sum, on_kpi_scale
from kpi.forecast import forecast_daily, why_no_forecast
from kpi.measures import GROUP, MEASURES, Settings, measure_noun
from kpi.periods import Period
from kpi.registry import KPIS, Kpi, Measure, Ratio
from kpi.tables import Tables

Shape = Literal["total", "ratio", "level"]
HISTORY_DAYS = 2 * 366
"""The forecast learns from at most this many days before the period's last day of data."""
LEVEL_NOTE = "does not add up over days (it counts distinct customers, a median or a ratio of KPIs): no forecast"


def kpi_shape(kpi: Kpi) -> Shape:
    """How the KPI adds up over days: a ``total`` (a sum measure), a ``ratio`` of sums, or a
    ``level`` (anything else). A ratio whose parts do not add up over days (distinct customers) is
    found by :func:`project` and treated as a level."""
    if isinstance(kpi.calc, Measure) and MEASURES.get(kpi.calc.name) and MEASURES[kpi.calc.name].kind == "sum":
        return "total"
    if isinstance(kpi.calc, Ratio):
        return "ratio"
    return "level"


@dataclass(frozen=True)
class Projection:
    """A KPI over ``period`` as of ``as_of``: ``value`` so far, ``projected`` at the period's end
    (with its 95% interval where there is one), the running value (``path``: running total or
    running ratio since the period's start) and its continuation (``projected_path``), and the
    KPI per day so far (``daily``) and forecast (``daily_forecast``: day, mean, low, high)."""

    kpi_id: str
    period: Period
    as_of: date
    shape: Shape
    value: float | None
    days_elapsed: int
    days_left: int
    projected: float | None = None
    projected_low: float | None = None
    projected_high: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    denominator_left: float | None = None
    """A ratio's forecast denominator over the days left (the goal's needed rate divides by it)."""
    path: tuple[tuple[date, float], ...] = ()
    projected_path: tuple[tuple[date, float], ...] = ()
    daily: tuple[tuple[date, float | None], ...] = ()
    daily_forecast: tuple[tuple[date, float, float | None, float | None], ...] = ()
    calc: Ratio | None = None
    notes: tuple[str, ...] = ()
    reason: str | None = None

    @property
    def kpi(self) -> Kpi:
        """The KPI projected."""
        return KPIS[self.kpi_id]


def running(values: Sequence[float]) -> list[float]:
    """Running sums: ``[1, 2, 3]`` → ``[1, 3, 6]``."""
    total, sums = 0.0, []
    for value in values:
        total += value
        sums.append(total)
    return sums


def _history(
    tables: Tables, kpi_id: str, as_of: date, filters: Mapping[str, Sequence[str]], settings: Settings | None
) -> Breakdown:
    """The KPI per day of data up to ``as_of``, at most :data:`HISTORY_DAYS` back."""
    span = tables.date_range()
    first = span[0] if span else as_of
    start = min(max(first, as_of - timedelta(days=HISTORY_DAYS)), as_of)
    return breakdown(tables, Period(start, as_of), filters, settings, by="date", kpis=[kpi_id])


def project(
    tables: Tables,
    kpi_id: str,
    period: Period,
    *,
    as_of: date,
    filters: Mapping[str, Sequence[str]] | None = None,
    settings: Settings | None = None,
) -> Projection:
    """The KPI over ``period`` as of ``as_of`` (see the module docstring). A period that has not
    started has no value; one that has ended is its final value."""
    filters = filters or {}
    if as_of < period.start:
        return Projection(kpi_id, period, as_of, kpi_shape(KPIS[kpi_id]), None, 0, period.days, reason="not started")
    so_far = Period(period.start, min(as_of, period.end))
    days_left = max((period.end - as_of).days, 0)
    item = compute(tables, so_far, filters, settings, comparison="none")[kpi_id]
    base = Projection(kpi_id, period, as_of, kpi_shape(KPIS[kpi_id]), item.value, so_far.days, days_left)
    if item.value is None:
        return replace(base, reason=item.note or "unavailable")
    if base.shape == "level":
        return replace(base, projected=item.value if days_left == 0 else None, notes=(f"this KPI {LEVEL_NOTE}",))
    history = _history(tables, kpi_id, as_of, filters, settings)
    dates, series = history.frame.get_column(GROUP).to_list(), history.series(kpi_id)
    daily = tuple((day, value) for day, value in zip(dates, series, strict=True) if day >= period.start)
    if base.shape == "total":
        return _total(base, dates, series, daily)
    assert isinstance(item.calc, Ratio)
    return _ratio(base, item.calc, item.parts, dates, history.parts(kpi_id), daily=daily)


def _total(
    base: Projection, dates: list[date], series: list[float | None], daily: tuple[tuple[date, float | None], ...]
) -> Projection:
    value = base.value
    assert value is not None
    inside = [(day, item or 0.0) for day, item in daily]
    path = tuple(zip([day for day, _ in inside], running([item for _, item in inside]), strict=True))
    if base.days_left == 0:
        return replace(base, projected=value, path=path, daily=daily)
    found = forecast_daily(dates, series, base.period.end, nonnegative=value >= 0)
    if found is None or found.total is None:
        pace = value / base.days_elapsed
        why = why_no_forecast(dates, series, base.period.end)
        return replace(
            base,
            projected=value + pace * base.days_left,
            path=path,
            daily=daily,
            notes=(f"projected at the pace so far: {why}",),
        )
    assert found.total_low is not None
    assert found.total_high is not None
    added = running(list(found.mean))
    return replace(
        base,
        projected=value + found.total,
        projected_low=value + found.total_low,
        projected_high=value + found.total_high,
        path=path,
        projected_path=(path[-1], *zip(found.dates, (value + extra for extra in added), strict=True)) if path else (),
        daily=daily,
        daily_forecast=tuple(zip(found.dates, found.mean, found.low, found.high, strict=True)),
        notes=(f"{found.method} Days left: {base.days_left}.",),
    )


def _ratio(
    base: Projection,
    calc: Ratio,
    parts: Mapping[str, float],
    dates: list[date],
    days: list[dict[str, float]],
    *,
    daily: tuple[tuple[date, float | None], ...],
) -> Projection:
    inside = [day for when, day in zip(dates, days, strict=True) if when >= base.period.start]
    if not days_add_up(calc, inside, parts):
        projected = base.value if base.days_left == 0 else None
        return replace(base, shape="level", projected=projected, daily=daily, notes=(f"this ratio {LEVEL_NOTE}",))
    numerators = [numerator_sum(calc, day) if day else 0.0 for day in days]
    denominators = [day.get(calc.denominator, 0.0) for day in days]
    n, d = numerator_sum(calc, parts), parts[calc.denominator]
    since_start = [
        (when, top, bottom)
        for when, top, bottom in zip(dates, numerators, denominators, strict=True)
        if when >= base.period.start
    ]
    tops, bottoms = running([top for _, top, _ in since_start]), running([bottom for _, _, bottom in since_start])
    path = tuple(
        (when, on_kpi_scale(calc, top / bottom))
        for (when, _, _), top, bottom in zip(since_start, tops, bottoms, strict=True)
        if bottom
    )
    base = replace(base, calc=calc, numerator=n, denominator=d, path=path, daily=daily)
    if base.days_left == 0:
        return replace(base, projected=base.value)
    top = forecast_daily(dates, numerators, base.period.end, nonnegative=all(v >= 0 for v in numerators))
    bottom = forecast_daily(dates, denominators, base.period.end)
    if top is None or bottom is None or top.total is None or bottom.total is None:
        why = why_no_forecast(dates, numerators if top is None else denominators, base.period.end)
        return replace(base, notes=(f"no forecast: {why}",))
    n_left, d_left = top.total, bottom.total
    if d + d_left <= 0:
        return replace(base, denominator_left=d_left, notes=(f"no {measure_noun(calc.denominator)} forecast",))
    assert top.total_low is not None
    assert top.total_high is not None
    bounds = sorted(on_kpi_scale(calc, (n + extra) / (d + d_left)) for extra in (top.total_low, top.total_high))
    extra_n, extra_d = running(list(top.mean)), running(list(bottom.mean))
    projected_path = tuple(
        (day, on_kpi_scale(calc, (n + more_n) / (d + more_d)))
        for day, more_n, more_d in zip(top.dates, extra_n, extra_d, strict=True)
        if d + more_d
    )
    daily_forecast = tuple(
        (day, on_kpi_scale(calc, mean_n / mean_d), None, None)
        for day, mean_n, mean_d in zip(top.dates, top.mean, bottom.mean, strict=True)
        if mean_d
    )
    what = measure_noun(calc.denominator)
    return replace(
        base,
        projected=on_kpi_scale(calc, (n + n_left) / (d + d_left)),
        projected_low=bounds[0],
        projected_high=bounds[1],
        denominator_left=d_left,
        projected_path=(path[-1], *projected_path) if path else projected_path,
        daily_forecast=daily_forecast,
        notes=(f"{bottom.method} The {base.days_left} days left are forecast to bring {d_left:,.0f} {what}.",),
    )
