"""Customers by months since their first order (narwhals): the shared ground of LTV curves, CAC
payback and retention cohorts.

A customer's **month k** holds their live orders placed at least k and less than k + 1 calendar
months after their first live order (by calendar day and time: an order on 3 March at 10:00 is in
month 1 of a first order on 3 February at 09:00). A month is **observable** for a customer when
its end lies before the end of the order data; curves leave months nobody can observe out, never
drawing them as 0.
"""

from __future__ import annotations

import narwhals as nw

from kpi.tables import Tables

MAX_MONTHS = 120


def _int(expr: nw.Expr) -> nw.Expr:
    return expr.cast(nw.Int64())  # date parts are small integer types: widen before arithmetic


def _month_index(when: nw.Expr) -> nw.Expr:
    return _int(when.dt.year()) * 12 + _int(when.dt.month())


def _day_time(when: nw.Expr) -> nw.Expr:
    """Seconds into the month: day, hour, minute, second (orders within one day compare by time)."""
    return ((_int(when.dt.day()) * 24 + _int(when.dt.hour())) * 60 + _int(when.dt.minute())) * 60 + _int(
        when.dt.second()
    )


def months_since(first: nw.Expr, when: nw.Expr) -> nw.Expr:
    """Whole calendar months from ``first`` to ``when`` (0 in the first month)."""
    whole = _month_index(when) - _month_index(first)
    return whole - (_day_time(when) < _day_time(first)).cast(nw.Int64())


def observable_months(tables: Tables, first: nw.Expr) -> nw.Expr:
    """How many whole months after ``first`` the order data covers (its last day included)."""
    end = tables.orders_end()
    if end is None:
        return nw.lit(0)
    last = nw.lit(end)  # midnight after the last day
    return months_since(first, last)


def customer_months(tables: Tables) -> nw.DataFrame | None:
    """One row per customer and month since their first order in which they bought: the
    customer's first-order facts (date, dimensions), ``month``, ``orders``, ``net_revenue``
    (Σ revenue − refunded of live orders) and ``observable`` (months the data covers for them).

    >>> from datetime import datetime
    >>> import polars as pl
    >>> orders = pl.DataFrame({"order_id": ["a", "b", "c"], "customer_id": ["x", "x", "x"],
    ...     "ordered_at": [datetime(2024, 1, 31, 9), datetime(2024, 2, 29, 10), datetime(2024, 3, 31, 8)],
    ...     "revenue": [10.0, 20.0, 5.0]})
    >>> frame = customer_months(Tables.from_frames(orders=orders)).to_native()
    >>> frame.select("month", "net_revenue").rows()
    [(0, 30.0), (1, 5.0)]
    """
    live, facts = tables.live_orders, tables.customer_facts
    if live is None or facts is None:
        return None
    joined = live.select("customer_key", "ordered_at", (nw.col("revenue") - nw.col("refunded")).alias("_net")).join(
        facts, on="customer_key"
    )
    monthly = (
        joined.with_columns(months_since(nw.col("first_at"), nw.col("ordered_at")).alias("month"))
        .group_by("customer_key", "month")
        .agg(nw.len().alias("orders"), nw.col("_net").sum().alias("net_revenue"))
    )
    return (
        monthly.join(facts, on="customer_key")
        .with_columns(observable_months(tables, nw.col("first_at")).alias("observable"))
        .sort("customer_key", "month")
    )


def cumulative_per_customer(monthly: nw.DataFrame, keys: list[str], *, margin: float = 1.0) -> nw.DataFrame:
    """Per group (``keys``) and month k: how many customers the data lets us observe through month
    k (``customers``), and their mean cumulative net revenue × margin through month k
    (``value``). Months nobody can observe are absent; a customer with no order in a month still
    counts (their cumulative value carries on).

    ``monthly`` is :func:`customer_months` (filtered to the customers wanted) with the ``keys``
    columns added.
    """
    if len(monthly) == 0:
        return monthly.select(
            *keys, nw.lit(0).alias("month"), nw.lit(0).alias("customers"), nw.lit(0.0).alias("value")
        ).head(0)
    people = monthly.select("customer_key", *keys, "observable").unique(subset=["customer_key"])
    horizon = min(int(people.get_column("observable").max() or 0), MAX_MONTHS)
    months = nw.from_dict(
        {"month": list(range(horizon))}, schema={"month": nw.Int64()}, backend=nw.get_native_namespace(monthly)
    )
    grid = people.join(months, how="cross").filter(nw.col("month") < nw.col("observable"))
    spent = monthly.select("customer_key", nw.col("month").cast(nw.Int64()), "net_revenue")
    filled = grid.join(spent, on=["customer_key", "month"], how="left").with_columns(
        nw.col("net_revenue").fill_null(0.0)
    )
    running = filled.sort("customer_key", "month").with_columns(
        nw.col("net_revenue").cum_sum().over("customer_key", order_by="month").alias("_cumulative")
    )
    return (
        running.group_by(*keys, "month")
        .agg(nw.len().alias("customers"), (nw.col("_cumulative").mean() * margin).alias("value"))
        .sort(*keys, "month")
    )
