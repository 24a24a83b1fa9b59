"""Backtest of the daily forecast (:mod:`kpi.forecast`) against the seasonal naive baseline.

Rolling origin: from every 7th day over the last 52 weeks of a series (each origin keeping at least
8 weeks of history), the forecast of the next 7, 14 and 28 days and of the rest of the month is
compared with what happened. Per series and horizon:

* **WAPE** of the horizon total: Σ |actual total − forecast total| / Σ actual total over the origins,
  the model's and the seasonal naive baseline's (each day = the same weekday of the last week);
* **daily WAPE**: the same over single days;
* **95% coverage**: the share of origins whose actual total fell inside [total_low, total_high], and
  the share of days inside their daily interval.

Series: the bundled demo data (sessions, orders and net revenue per day, two years with weekly and
holiday seasonality) and the real UCI Online Retail shop (revenue and invoices per day, a year, no
sales on Saturdays), both read directly with polars.

    python -m benchmarks.backtest_forecast            # the README's markdown table
"""

from __future__ import annotations

import argparse
import calendar
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from kpi.forecast import forecast_daily, seasonal_naive

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
SHARED = Path(os.environ.get("KPI_SHARED_DIR", ROOT.parent / "shared"))
ONLINE_RETAIL = SHARED / "data" / "uci-online-retail" / "online_retail.csv.gz"
HORIZONS: tuple[int | str, ...] = (7, 14, 28, "month end")
Series = tuple[list[date], list[float]]


def demo_series(folder: Path = DEMO) -> dict[str, Series]:
    """Sessions (Σ traffic sessions), orders (count, not cancelled) and net revenue (Σ revenue −
    refunded, not cancelled) per day of the demo data set."""
    traffic = pl.read_csv(folder / "traffic.csv", columns=["date", "sessions"], try_parse_dates=True)
    sessions = traffic.group_by("date").agg(pl.col("sessions").sum()).sort("date")
    orders = (
        pl.read_csv(
            folder / "orders.csv", columns=["ordered_at", "revenue", "refunded", "status"], try_parse_dates=True
        )
        .filter(pl.col("status") != "cancelled")
        .group_by(pl.col("ordered_at").dt.date().alias("date"))
        .agg(pl.len().alias("orders"), (pl.col("revenue") - pl.col("refunded")).sum().alias("revenue"))
        .sort("date")
    )
    return {
        "sessions": (sessions["date"].to_list(), sessions["sessions"].cast(pl.Float64).to_list()),
        "orders": (orders["date"].to_list(), orders["orders"].cast(pl.Float64).to_list()),
        "net revenue": (orders["date"].to_list(), orders["revenue"].to_list()),
    }


def online_retail_series(path: Path = ONLINE_RETAIL) -> dict[str, Series]:
    """Revenue (Σ Quantity × UnitPrice) and invoices (distinct InvoiceNo) per day of UCI Online
    Retail, all invoices but the cancellations ("C…"); days without sales are absent (filled with 0)."""
    daily = (
        pl.read_csv(
            path,
            columns=["InvoiceNo", "Quantity", "InvoiceDate", "UnitPrice"],
            schema_overrides={"InvoiceNo": pl.String, "InvoiceDate": pl.String},
        )
        .filter(~pl.col("InvoiceNo").str.starts_with("C"))
        .group_by(pl.col("InvoiceDate").str.slice(0, 10).str.to_date().alias("date"))
        .agg((pl.col("Quantity") * pl.col("UnitPrice")).sum().alias("revenue"), pl.col("InvoiceNo").n_unique())
        .sort("date")
    )
    return {
        "revenue": (daily["date"].to_list(), daily["revenue"].to_list()),
        "invoices": (daily["date"].to_list(), daily["InvoiceNo"].cast(pl.Float64).to_list()),
    }


@dataclass(frozen=True)
class Score:
    """One series at one horizon over all its origins."""

    series: str
    horizon: int | str
    origins: int
    wape: float
    naive_wape: float
    daily_wape: float
    naive_daily_wape: float
    coverage: float
    daily_coverage: float
    width: float
    """The mean width of the total's interval over the forecast total."""

    @property
    def ratio(self) -> float:
        """The model's total WAPE over the baseline's: below 1 the model is better."""
        return self.wape / self.naive_wape


def origins(dates: Sequence[date], *, weeks: int = 52, min_history: int = 56) -> list[date]:
    """Every 7th day of the last ``weeks`` weeks, back from a week before the last date, keeping
    ``min_history`` days before each."""
    first, last = min(dates), max(dates)
    start = max(last - timedelta(weeks=weeks), first + timedelta(days=min_history))
    return [day for k in range(0, 7 * weeks + 1, 7) if start <= (day := last - timedelta(days=7 + k))][::-1]


def backtest(
    name: str, series: Series, horizons: Sequence[int | str] = HORIZONS, *, weeks: int = 52, step: int = 1
) -> list[Score]:
    """Score the forecast and the baseline from the origins of :func:`origins` (every ``step``-th of
    them) at each horizon that still fits in the data; an origin is the last day of history."""
    dates, values = series
    by_day = dict(zip(dates, values, strict=True))
    last = max(dates)
    scores = []
    for horizon in horizons:
        sums = dict.fromkeys(
            ("error", "naive", "actual", "daily", "naive_daily", "inside", "days_inside", "width"), 0.0
        )
        count = days = 0
        for origin in origins(dates, weeks=weeks)[::step]:
            until = (
                origin.replace(day=calendar.monthrange(origin.year, origin.month)[1])
                if horizon == "month end"
                else origin + timedelta(days=horizon)
            )
            if until > last or until == origin:
                continue
            history = [i for i, day in enumerate(dates) if day <= origin]
            hist_dates, hist_values = [dates[i] for i in history], [values[i] for i in history]
            forecast = forecast_daily(hist_dates, hist_values, until)
            naive = seasonal_naive(hist_dates, hist_values, until)
            actual = [by_day.get(day, 0.0) for day in forecast.dates]
            total = sum(actual)
            sums["error"] += abs(total - forecast.total)
            sums["naive"] += abs(total - sum(naive))
            sums["actual"] += total
            sums["daily"] += sum(abs(a - m) for a, m in zip(actual, forecast.mean, strict=True))
            sums["naive_daily"] += sum(abs(a - m) for a, m in zip(actual, naive, strict=True))
            sums["inside"] += forecast.total_low <= total <= forecast.total_high
            sums["width"] += (forecast.total_high - forecast.total_low) / forecast.total
            sums["days_inside"] += sum(
                low <= a <= high for a, low, high in zip(actual, forecast.low, forecast.high, strict=True)
            )
            count += 1
            days += len(actual)
        scores.append(
            Score(
                series=name,
                horizon=horizon,
                origins=count,
                wape=sums["error"] / sums["actual"],
                naive_wape=sums["naive"] / sums["actual"],
                daily_wape=sums["daily"] / sums["actual"],
                naive_daily_wape=sums["naive_daily"] / sums["actual"],
                coverage=sums["inside"] / count,
                daily_coverage=sums["days_inside"] / days,
                width=sums["width"] / count,
            )
        )
    return scores


def markdown(scores: Sequence[Score]) -> str:
    """The README's table."""
    lines = [
        "| Data set | Series | Horizon | Origins | WAPE of total | Naive WAPE | Ratio | 95% coverage of total "
        "| Interval width / total | Daily WAPE (naive) | Daily 95% coverage |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scores:
        data_set, series = s.series.split(": ")
        horizon = f"{s.horizon} days" if isinstance(s.horizon, int) else s.horizon
        lines.append(
            f"| {data_set} | {series} | {horizon} | {s.origins} | {s.wape:.1%} | {s.naive_wape:.1%} | {s.ratio:.2f} "
            f"| {s.coverage:.0%} | {s.width:.0%} | {s.daily_wape:.1%} ({s.naive_daily_wape:.1%}) "
            f"| {s.daily_coverage:.0%} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--weeks", type=int, default=52, help="weeks of weekly origins back from the end")
    args = parser.parse_args(argv)
    scores = []
    named = [("demo", demo_series())]
    if ONLINE_RETAIL.exists():
        named.append(("UCI Online Retail", online_retail_series()))
    for data_set, series in named:
        for name, values in series.items():
            scores += backtest(f"{data_set}: {name}", values, weeks=args.weeks)
    print(markdown(scores))


if __name__ == "__main__":
    main()
