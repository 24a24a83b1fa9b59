"""Breakdowns by week and month (each bucket its own period), and the Online/Offline grouping."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from kpi import Period, Settings, Tables, breakdown, compute
from kpi.measures import buckets

ORDERS = pl.DataFrame(
    {
        "order_id": ["a", "b", "c", "d", "e", "f"],
        "customer_id": ["x", "x", "y", "z", "y", None],
        "ordered_at": [
            datetime(2024, 1, 28, 10),  # Sunday: week of 22 Jan
            datetime(2024, 1, 29, 10),  # Monday: week of 29 Jan; x's second order
            datetime(2024, 1, 31, 23, 59, 59),  # Wednesday, last second of January
            datetime(2024, 2, 1, 0, 0, 0),  # Thursday, first second of February
            datetime(2024, 2, 5, 12),  # Monday: week of 5 Feb; y's second order
            datetime(2024, 2, 6, 12),  # a guest
        ],
        "revenue": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
        "channel": ["Email", "Email", "Offline", "Paid Search", "Email", "Offline"],
    }
)
TRAFFIC = pl.DataFrame(
    {
        "date": [date(2024, 1, 28), date(2024, 1, 29), date(2024, 2, 5)],
        "sessions": [100, 200, 400],
        "purchase_sessions": [1, 4, 2],
        "channel": ["Email", "Email", "Paid Search"],
    }
)
PERIOD = Period(date(2024, 1, 22), date(2024, 2, 11))


@pytest.fixture
def tables():
    return Tables.from_frames(orders=ORDERS, traffic=TRAFFIC)


def test_buckets_cover_the_period():
    assert buckets(PERIOD, "week") == [date(2024, 1, 22), date(2024, 1, 29), date(2024, 2, 5)]
    assert buckets(PERIOD, "month") == [date(2024, 1, 1), date(2024, 2, 1)]
    assert buckets(Period(date(2024, 2, 29), date(2024, 3, 1)), "date") == [date(2024, 2, 29), date(2024, 3, 1)]


def test_by_week_each_week_is_its_own_period(tables):
    frame = breakdown(
        tables,
        PERIOD,
        by="week",
        kpis=["orders", "sales", "sessions", "conversion_rate", "customers", "returning_customer_rate"],
    ).frame.to_native()
    assert frame["group"].to_list() == [date(2024, 1, 22), date(2024, 1, 29), date(2024, 2, 5)]
    assert frame["orders"].to_list() == [1.0, 3.0, 2.0]  # a | b c d | e f
    assert frame["sales"].to_list() == [10.0, 90.0, 110.0]  # 10 | 20 + 30 + 40 | 50 + 60
    assert frame["sessions"].to_list() == [100.0, 200.0, 400.0]
    assert frame["conversion_rate"].to_list() == [0.01, 0.02, 0.005]  # 1/100, 4/200, 2/400
    # week of 29 Jan: customers x, y, z; x has 2 live orders by the week's end (4 Feb) → 1 of 3
    assert frame["returning_customer_rate"][1] == pytest.approx(1 / 3)
    # week of 5 Feb: y (2nd order) and the guest → 1 of 2
    assert frame["returning_customer_rate"][2] == pytest.approx(1 / 2)


def test_by_month_additive_parts_sum_to_the_total(tables):
    frame = breakdown(tables, PERIOD, by="month", kpis=["orders", "sales", "sessions"]).frame.to_native()
    total = compute(tables, PERIOD, comparison="none")
    assert frame["orders"].sum() == total["orders"].value == 6.0
    assert frame["sales"].sum() == total["sales"].value
    assert frame["sessions"].sum() == total["sessions"].value
    # 23:59:59 on 31 Jan is January, 00:00:00 on 1 Feb is February
    assert frame["orders"].to_list() == [3.0, 3.0]


def test_monthly_retention_is_of_the_previous_calendar_month(tables):
    frame = breakdown(tables, PERIOD, by="month", kpis=["retention_rate"]).frame.to_native()
    # February: customers of January are x, y (c); y ordered again in February (e) → 1 of 2
    assert frame["retention_rate"][1] == pytest.approx(0.5)
    # January: nobody ordered in December → no customers in the window before
    assert frame["retention_rate"][0] is None
    assert "window just before" in frame["retention_rate__note"][0]


def test_online_and_offline(tables):
    frame = breakdown(
        tables, PERIOD, by="channel_kind", kpis=["orders", "sales", "sessions", "conversion_rate"]
    ).frame.to_native()
    rows = {row["group"]: row for row in frame.iter_rows(named=True)}
    assert (rows["Offline"]["orders"], rows["Offline"]["sales"]) == (2.0, 90.0)  # c + f
    assert (rows["Online"]["orders"], rows["Online"]["sales"]) == (4.0, 120.0)  # a, b, d, e
    assert rows["Offline"]["sessions"] == 0.0
    assert rows["Offline"]["conversion_rate"] is None  # no sessions: unavailable, never 0
    assert rows["Online"]["sessions"] == 700.0


def test_weekly_monthly_sales_cost_is_pro_rata(tables):
    spend = pl.DataFrame({"date": [date(2024, 1, 29)], "spend": [70.0]})
    with_spend = Tables.from_frames(orders=ORDERS, spend=spend)
    settings = Settings(cac_variant="with_sales_cost", monthly_sales_cost=304.375)  # 10 a day
    frame = breakdown(with_spend, PERIOD, settings=settings, by="week", kpis=["cac", "new_customers"]).frame.to_native()
    # week of 29 Jan: new customers y (31 Jan) and z (1 Feb); cost 70 + 7 days × 10 = 140 → 70 each
    assert frame["new_customers"][1] == 2.0
    assert frame["cac"][1] == pytest.approx(70.0)
