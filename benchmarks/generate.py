"""Deterministic canonical data sets for the benchmark: ``N`` order rows over two years, with traffic,
spend, leads and NPS tables scaled alongside (traffic ≈ N / 10 rows, leads ≈ N / 50, answers ≈ N / 100).

Every column is drawn with numpy from one seed, vectorised (no Python loop over rows), so the same
``N`` and seed always give the same bytes. Orders: customers repeat (about 2.5 orders each), 0.2%
of order ids appear twice (the last row wins), 2% cancelled, 3% refunded in part, 5% guests.

    python -m benchmarks.generate --rows 1000000 --out /tmp/kpi-bench
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import polars as pl

START = date(2024, 1, 1)
DAYS = 731  # 1 Jan 2024 – 31 Dec 2025
CHANNELS = (
    # channel, source, medium, campaign, weight
    ("Organic Search", "google", "organic", None, 0.26),
    ("Paid Search", "google", "cpc", "brand_search", 0.12),
    ("Paid Search", "google", "cpc", "generic_search", 0.08),
    ("Paid Search", "bing", "cpc", "brand_search", 0.03),
    ("Paid Social", "facebook", "paid_social", "prospecting_fb", 0.10),
    ("Paid Social", "instagram", "paid_social", "retargeting_ig", 0.07),
    ("Paid Social", "tiktok", "paid_social", "prospecting_tt", 0.04),
    ("Organic Social", "instagram", "social", None, 0.05),
    ("Email", "newsletter", "email", "weekly_news", 0.08),
    ("Direct", "(direct)", "(none)", None, 0.12),
    ("Referral", "blog.example.com", "referral", None, 0.03),
    ("Offline", "store", "offline", None, 0.02),
)
DEVICES = (("mobile", 0.62), ("desktop", 0.31), ("tablet", 0.07))
PAGES = tuple(f"/page/{index:03d}" for index in range(200))
OWNERS = ("Anna Keller", "Ben Novak", "Clara Dubois", "David Jansen", "Elif Yilmaz")


@dataclass(frozen=True)
class Sizes:
    """Row counts of each table for ``orders`` order rows."""

    orders: int

    @property
    def traffic(self) -> int:
        return max(self.orders // 10, 1_000)

    @property
    def leads(self) -> int:
        return max(self.orders // 50, 200)

    @property
    def nps(self) -> int:
        return max(self.orders // 100, 100)


def _weights(rows) -> np.ndarray:
    weights = np.array([row[-1] for row in rows], dtype=float)
    return weights / weights.sum()


def _column(values, index: np.ndarray) -> pl.Series:
    """``values[index]`` as a string column (``None`` stays null)."""
    return pl.Series(list(values), dtype=pl.String).gather(pl.Series(index))


def _datetimes(rng: np.random.Generator, n: int, *, growth: float = 1.0) -> np.ndarray:
    """``n`` timestamps (µs) over the two years; ``growth`` > 1 makes later days busier (density ∝
    day^(growth − 1))."""
    day = DAYS * (rng.power(growth, n) if growth != 1 else rng.random(n))
    seconds = np.floor(day).astype(np.int64) * 86_400 + rng.integers(0, 86_400, n)
    origin = np.datetime64(datetime.combine(START, datetime.min.time()), "us")
    return origin + (seconds * 1_000_000).astype("timedelta64[us]")


def orders(n: int, rng: np.random.Generator) -> pl.DataFrame:
    """``n`` order rows: about n / 2.5 customers, 5% guests, 0.2% repeated ids, 2% cancelled."""
    customers = max(int(n / 2.5), 1)
    customer = rng.integers(0, customers, n)
    when = np.sort(_datetimes(rng, n, growth=1.6))
    combo = rng.choice(len(CHANNELS), n, p=_weights(CHANNELS))
    device = rng.choice(len(DEVICES), n, p=_weights(DEVICES))
    revenue = np.round(rng.lognormal(3.9, 0.5, n), 2)
    status = rng.choice(3, n, p=[0.95, 0.03, 0.02])  # paid, refunded, cancelled
    refunded = np.where(status == 1, np.round(revenue * rng.uniform(0.2, 1.0, n), 2), 0.0)
    order_number = np.arange(n)
    repeated = rng.random(n) < 0.002  # a later export row of an earlier order: the last row wins
    order_number[repeated] = np.maximum(order_number[repeated] - rng.integers(1, 50, repeated.sum()), 0)
    frame = pl.DataFrame(
        {
            "order_id": pl.Series(order_number).cast(pl.String).str.zfill(9),
            "customer_id": pl.Series(customer).cast(pl.String).str.zfill(8),
            "ordered_at": pl.Series(when).cast(pl.Datetime("us")),
            "revenue": revenue,
            "refunded": refunded,
            "status": _column(("paid", "refunded", "cancelled"), status),
            "channel": _column([row[0] for row in CHANNELS], combo),
            "source": _column([row[1] for row in CHANNELS], combo),
            "medium": _column([row[2] for row in CHANNELS], combo),
            "campaign": _column([row[3] for row in CHANNELS], combo),
            "device": _column([row[0] for row in DEVICES], device),
        }
    )
    guest = pl.Series(rng.random(n) < 0.05)
    return frame.with_columns(pl.when(guest).then(None).otherwise(pl.col("customer_id")).alias("customer_id"))


def traffic(n: int, rng: np.random.Generator) -> pl.DataFrame:
    """``n`` rows of daily sessions per (date, channel, source, medium, campaign, device, landing page);
    the funnel counts nest (purchase ≤ checkout ≤ add to cart ≤ sessions)."""
    day = np.sort(rng.integers(0, DAYS, n))
    combo = rng.choice(len(CHANNELS), n, p=_weights(CHANNELS))
    device = rng.choice(len(DEVICES), n, p=_weights(DEVICES))
    sessions = rng.poisson(40, n) + 1
    cart = rng.binomial(sessions, 0.08)
    checkout = rng.binomial(cart, 0.45)
    purchase = rng.binomial(checkout, 0.5)
    users = np.maximum(sessions - rng.binomial(sessions, 0.12), 1)
    return pl.DataFrame(
        {
            "date": pl.Series(np.datetime64(START) + day.astype("timedelta64[D]")).cast(pl.Date),
            "channel": _column([row[0] for row in CHANNELS], combo),
            "source": _column([row[1] for row in CHANNELS], combo),
            "medium": _column([row[2] for row in CHANNELS], combo),
            "campaign": _column([row[3] for row in CHANNELS], combo),
            "device": _column([row[0] for row in DEVICES], device),
            "landing_page": _column(PAGES, rng.integers(0, len(PAGES), n)),
            "sessions": sessions,
            "users": users,
            "new_users": rng.binomial(users, 0.6),
            "pageviews": sessions + rng.poisson(sessions * 2),
            "engaged_sessions": rng.binomial(sessions, 0.6),
            "session_duration_s": np.round(sessions * rng.uniform(60, 200, n), 1),
            "add_to_cart_sessions": cart,
            "checkout_sessions": checkout,
            "purchase_sessions": purchase,
            "leads": rng.binomial(sessions, 0.002),
        }
    )


def spend(rng: np.random.Generator) -> pl.DataFrame:
    """Daily spend, impressions and clicks of every paid (channel, source, campaign)."""
    paid = [row for row in CHANNELS if row[3] is not None or row[0] == "Offline"]
    day = np.repeat(np.arange(DAYS), len(paid))
    combo = np.tile(np.arange(len(paid)), DAYS)
    n = len(day)
    impressions = rng.poisson(8_000, n)
    return pl.DataFrame(
        {
            "date": pl.Series(np.datetime64(START) + day.astype("timedelta64[D]")).cast(pl.Date),
            "channel": _column([row[0] for row in paid], combo),
            "source": _column([row[1] for row in paid], combo),
            "campaign": _column([row[3] for row in paid], combo),
            "spend": np.round(rng.gamma(4.0, 30.0, n), 2),
            "impressions": impressions,
            "clicks": rng.binomial(impressions, 0.015),
        }
    )


def leads(n: int, rng: np.random.Generator) -> pl.DataFrame:
    """``n`` leads: 45% reach MQL, half of those SQL, a third of those won, some lost."""
    created = np.sort(_datetimes(rng, n))
    combo = rng.choice(len(CHANNELS), n, p=_weights(CHANNELS))
    mql = rng.random(n) < 0.45
    sql = mql & (rng.random(n) < 0.5)
    won = sql & (rng.random(n) < 0.33)
    lost = sql & ~won & (rng.random(n) < 0.6)

    def later(mask: np.ndarray, days: float) -> pl.Series:
        offset = (rng.exponential(days, n) * 86_400e6).astype("timedelta64[us]")
        return pl.Series(np.where(mask, created + offset, np.datetime64("NaT", "us"))).cast(pl.Datetime("us"))

    return pl.DataFrame(
        {
            "lead_id": pl.Series(np.arange(n)).cast(pl.String).str.zfill(8),
            "created_at": pl.Series(created).cast(pl.Datetime("us")),
            "channel": _column([row[0] for row in CHANNELS], combo),
            "source": _column([row[1] for row in CHANNELS], combo),
            "campaign": _column([row[3] for row in CHANNELS], combo),
            "landing_page": _column(PAGES, rng.integers(0, len(PAGES), n)),
            "mql_at": later(mql, 3),
            "sql_at": later(sql, 10),
            "won_at": later(won, 40),
            "lost_at": later(lost, 30),
            "deal_value": np.where(won, np.round(rng.lognormal(7, 0.6, n), 2), np.nan),
            "owner": _column(OWNERS, rng.integers(0, len(OWNERS), n)),
        }
    ).with_columns(pl.col("deal_value").fill_nan(None))


def nps(n: int, rng: np.random.Generator) -> pl.DataFrame:
    """``n`` answers 0–10 leaning positive."""
    combo = rng.choice(len(CHANNELS), n, p=_weights(CHANNELS))
    return pl.DataFrame(
        {
            "responded_at": pl.Series(np.sort(_datetimes(rng, n))).cast(pl.Datetime("us")),
            "score": rng.choice(11, n, p=np.array([1, 1, 1, 1, 2, 3, 4, 8, 10, 12, 11]) / 54),
            "channel": _column([row[0] for row in CHANNELS], combo),
        }
    )


def generate(order_rows: int, *, seed: int = 7) -> dict[str, pl.DataFrame]:
    """Every canonical table for ``order_rows`` order rows, from ``seed``."""
    rng = np.random.default_rng(seed)
    sizes = Sizes(order_rows)
    return {
        "orders": orders(sizes.orders, rng),
        "traffic": traffic(sizes.traffic, rng),
        "spend": spend(rng),
        "leads": leads(sizes.leads, rng),
        "nps": nps(sizes.nps, rng),
    }


def write(tables: dict[str, pl.DataFrame], folder: Path) -> dict[str, dict[str, Path]]:
    """Each table as ``{name}.csv`` and ``{name}.parquet`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, dict[str, Path]] = {}
    for name, frame in tables.items():
        csv, parquet = folder / f"{name}.csv", folder / f"{name}.parquet"
        frame.write_csv(csv, datetime_format="%Y-%m-%d %H:%M:%S")
        frame.write_parquet(parquet)
        paths[name] = {"csv": csv, "parquet": parquet}
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="order rows (default 100,000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args()
    for name, files in write(generate(arguments.rows, seed=arguments.seed), arguments.out).items():
        print(f"{name}: {files['csv']} ({files['csv'].stat().st_size / 1e6:,.1f} MB)")


if __name__ == "__main__":
    main()
