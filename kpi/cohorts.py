"""Customers by months since their first order (narwhals): the shared ground of LTV curves, CAC
payback and retention cohorts.

A customer's **month k** holds their live orders placed at least k and less than k + 1 calendar
months after their first live order (by calendar day and time: an order on 3 March at 10:00 is in
month 1 of a first order on 3 February at 09:00). A month is **observable** for a customer when
its end lies before the end of the order data; curves leave months nobody can observe out, never
drawing them as 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import narwhals as nw

from kpi.cube import ROWS, as_categories, sources
from kpi.frames import collect
from kpi.measures import GROUP, Scope, Settings, bucket, buckets, filter_exprs, group_expr, text_groups
from kpi.periods import Period
from kpi.schema import MISSING_TABLE_REASON, SCHEMAS
from kpi.tables import FIRST_ORDER_DIMENSIONS, Tables

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
    return tables.derived("customer_months", lambda: _customer_months(tables))


def _customer_months(tables: Tables) -> nw.DataFrame | None:
    live, facts = tables.live_orders, tables.customer_facts
    if live is None or facts is None:
        return None
    if tables.customer_sequence is not None:
        return _customer_months_in_sequence(tables)
    joined = live.select("customer_key", "ordered_at", (nw.col("revenue") - nw.col("refunded")).alias("_net")).join(
        facts, on="customer_key"
    )
    monthly = (
        joined.with_columns(months_since(nw.col("first_at"), nw.col("ordered_at")).alias("month"))
        .group_by("customer_key", "month")
        .agg(nw.len().alias("orders"), nw.col("_net").sum().alias("net_revenue"))
    )
    joined = monthly.join(facts, on="customer_key").with_columns(
        observable_months(tables, nw.col("first_at")).alias("observable")
    )
    return collect(joined).sort("customer_key", "month")


def _customer_months_in_sequence(tables: Tables) -> nw.DataFrame:
    """:func:`customer_months` of an eager data set from :attr:`Tables.customer_sequence`: the first
    order's time on every row of the customer, months grouped on the integer customer code."""
    monthly = (
        tables.customer_sequence.with_columns(months_since(nw.col("_first_at"), nw.col("ordered_at")).alias("month"))
        .group_by("_code", "month")
        .agg(nw.len().alias("orders"), nw.col("_net").sum().alias("net_revenue"))
    )
    coded = tables.coded_customer_facts
    first_order = [name for name in coded.columns if name not in ("_code", "customer_key")]
    return (
        monthly.join(coded, on="_code")
        .with_columns(observable_months(tables, nw.col("first_at")).alias("observable"))
        .sort("_code", "month")
        .select("customer_key", "month", "orders", "net_revenue", *first_order, "observable")
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


@dataclass(frozen=True)
class NewCustomerCurve:
    """The new customers of a scope: ``sizes`` (``group``, ``size``) and ``curve`` (``group``,
    ``month``, ``customers``, ``value``: see :func:`cumulative_per_customer`)."""

    sizes: nw.DataFrame
    curve: nw.DataFrame


def new_customer_curve(tables: Tables, scope: Scope) -> NewCustomerCurve | None:
    """Per group of the scope's new customers (first live order in the period, passing the
    filters, grouped by that first order) and month k since it: how many the data lets us
    observe through month k and their mean cumulative net revenue × margin. ``None`` without
    orders. It reads the cohort cube (:func:`cohort_cube`), or the per-customer months when the
    data set is lazy or asks for its row-level reference."""
    margin = scope.settings.effective_margin
    filters = scope.active_filters()

    def chosen(frame: nw.DataFrame) -> nw.DataFrame:
        return text_groups(
            frame.filter(
                nw.col("first_date").is_between(nw.lit(scope.period.start), nw.lit(scope.period.end)),
                *filter_exprs(filters),
            ).with_columns(group_expr(scope, nw.col("first_date")))
        )

    if sources(tables).cube:
        cube = tables.derived("cube:cohorts", lambda: _cohort_cube(tables))
        if cube is None:
            return None
        people, revenue = chosen(cube[0]), chosen(cube[1])
        sizes = people.group_by(GROUP).agg(nw.col(ROWS).sum().alias("size")).sort(GROUP)
        return NewCustomerCurve(sizes, cumulative_from_cube(people, revenue, [GROUP], margin=margin))
    monthly, facts = customer_months(tables), tables.customer_facts
    if monthly is None or facts is None:
        return None
    new = collect(chosen(facts).select("customer_key", GROUP))
    sizes = new.group_by(GROUP).agg(nw.len().alias("size")).sort(GROUP)
    return NewCustomerCurve(
        sizes, cumulative_per_customer(monthly.join(new, on="customer_key"), [GROUP], margin=margin)
    )


def build_cubes(tables: Tables, settings: Settings | None = None) -> None:
    """Build every per-data-set table now (cached on ``tables``): the per-customer months, the
    cubes and compact tables of :mod:`kpi.cube`, the new customers for the LTV horizon of
    ``settings`` and the cohort cube. The app calls it while the upload's progress is shown."""
    if tables.orders is None:
        return
    customer_months(tables)
    source = sources(tables)
    source.new_customers((settings or Settings()).ltv_months)
    if source.cube:
        tables.derived("cube:cohorts", lambda: _cohort_cube(tables))


def _cohort_cube(tables: Tables) -> tuple[nw.DataFrame, nw.DataFrame] | None:
    """The cohort cube: customers per (first-order day, first-order dimensions, observable
    months) as ``_rows``, and Σ net revenue per (the same, month since the first order)."""
    monthly = customer_months(tables)
    if monthly is None:
        return None
    dims = [name for name in FIRST_ORDER_DIMENSIONS if name in monthly.columns]
    keys = ["first_date", *dims, "observable"]
    # every customer has one row of month 0 (their first order's month): counting those counts customers
    people = monthly.filter(nw.col("month") == 0).group_by(*keys).agg(nw.len().alias(ROWS))
    revenue = (
        monthly.filter(nw.col("month") < nw.col("observable")).group_by(*keys, "month").agg(nw.col("net_revenue").sum())
    )
    return (
        people.with_columns(*as_categories(dims)).sort("first_date"),
        revenue.with_columns(*as_categories(dims)).sort("first_date"),
    )


def cumulative_from_cube(
    people: nw.DataFrame, revenue: nw.DataFrame, keys: list[str], *, margin: float = 1.0
) -> nw.DataFrame:
    """:func:`cumulative_per_customer` from the cohort cube: with ``n(o)`` customers observable
    for ``o`` months and ``R(o, j)`` their net revenue in month j, per group and month k,
    ``customers = Σ_{o>k} n(o)`` and ``value = margin × Σ_{o>k} Σ_{j≤k} R(o, j) / customers``
    (the mean of each customer's cumulative revenue, summed by cell)."""
    counts = people.group_by(*keys, "observable").agg(nw.col(ROWS).sum().alias("_n"))
    if len(counts) == 0 or int(counts.get_column("observable").max() or 0) <= 0:
        return counts.select(
            *keys, nw.lit(0).alias("month"), nw.lit(0).alias("customers"), nw.lit(0.0).alias("value")
        ).head(0)
    horizon = min(int(counts.get_column("observable").max()), MAX_MONTHS)
    months = nw.from_dict(
        {"month": list(range(horizon))}, schema={"month": nw.Int64()}, backend=nw.get_native_namespace(counts)
    )
    cells = [*keys, "observable"]
    spent = revenue.group_by(*cells, nw.col("month").cast(nw.Int64())).agg(nw.col("net_revenue").sum())
    running = (
        counts.join(months, how="cross")
        .filter(nw.col("month") < nw.col("observable"))
        .join(spent, on=[*cells, "month"], how="left")
        .with_columns(nw.col("net_revenue").fill_null(0.0))
        .sort(*cells, "month")
        .with_columns(nw.col("net_revenue").cum_sum().over(*cells, order_by="month").alias("_cumulative"))
    )
    return (
        running.group_by(*keys, "month")
        .agg(nw.col("_n").sum().alias("customers"), nw.col("_cumulative").sum().alias("_sum"))
        .with_columns((nw.col("_sum") / nw.col("customers") * margin).alias("value"))
        .select(*keys, "month", "customers", "value")
        .sort(*keys, "month")
    )


# --- cohort tables, LTV curves and the days between orders --------------------------------
# (analyses of the LTV vs CAC and Retention pages; the functions above are shared with the
# CAC payback KPI and keep their behaviour)

CohortMetric = Literal["active", "revenue"]
CurveBy = Literal["cohort", "channel"]
FEWEST_COHORTS = 12
MOST_COHORTS = 24
COHORT = "cohort"


def cohort_months(period: Period, *, fewest: int = FEWEST_COHORTS, most: int = MOST_COHORTS) -> list[date]:
    """The monthly acquisition cohorts (first days of calendar months) a cohort table shows: the
    months the period touches; when they are fewer than ``fewest``, the ``fewest`` months ending
    with the period's last month; when more than ``most``, the last ``most`` of them.

    >>> [f"{m:%b %y}" for m in cohort_months(Period(date(2024, 3, 20), date(2024, 5, 2)), fewest=4)]
    ['Feb 24', 'Mar 24', 'Apr 24', 'May 24']
    >>> len(cohort_months(Period(date(2020, 1, 1), date(2024, 12, 31))))
    24
    """
    months = buckets(period, "month")
    first = months[0]
    while len(months) < fewest:
        first = (first - timedelta(days=1)).replace(day=1)
        months.insert(0, first)
    return months[-most:]


def cohort_window(period: Period, *, fewest: int = FEWEST_COHORTS, most: int = MOST_COHORTS) -> Period:
    """The acquisition window of the cohort views: from the first day of the first month of
    :func:`cohort_months` to the period's end: whole calendar months, at least ``fewest`` of them (cohort views need
    history, so a short period is widened) and at most ``most``.

    >>> cohort_window(Period(date(2024, 3, 20), date(2024, 5, 2)), fewest=4)
    Period(start=datetime.date(2024, 2, 1), end=datetime.date(2024, 5, 2))
    >>> cohort_window(Period(date(2023, 1, 1), date(2023, 12, 31)))
    Period(start=datetime.date(2023, 1, 1), end=datetime.date(2023, 12, 31))
    """
    return Period(cohort_months(period, fewest=fewest, most=most)[0], period.end)


def guest_share(tables: Tables) -> float | None:
    """Share of the live orders placed without a customer id (guest checkouts, each its own
    one-order customer); ``None`` without live orders.

    >>> from datetime import datetime
    >>> import polars as pl
    >>> orders = pl.DataFrame({"order_id": ["a", "b"], "customer_id": ["x", None],
    ...     "ordered_at": [datetime(2024, 1, 1), datetime(2024, 1, 2)], "revenue": [1.0, 2.0]})
    >>> guest_share(Tables.from_frames(orders=orders))
    0.5
    """
    live = tables.live_orders
    if live is None or len(live) == 0:
        return None
    return float(live.select(nw.col("customer_id").is_null().cast(nw.Float64()).mean()).item())


def _first_order_reason(tables: Tables, filters: dict[str, tuple[str, ...]], extra: tuple[str, ...] = ()) -> str | None:
    """Why customers cannot be selected by their first order: no orders, or a filtered (or
    grouped) column the orders lack."""
    facts = tables.customer_facts
    if facts is None:
        return MISSING_TABLE_REASON["orders"]
    for name in (*filters, *extra):
        if name not in facts.columns:
            return SCHEMAS["orders"].lacks(name)
    return None


def _active(filters: Mapping[str, Sequence[str]] | None) -> dict[str, tuple[str, ...]]:
    return {name: tuple(values) for name, values in (filters or {}).items() if values}


def _customer_grid(monthly: nw.DataFrame, keys: list[str]) -> nw.DataFrame:
    """Per customer (with their ``keys``) and month k the data covers for them (k < observable):
    ``orders`` and ``net_revenue`` in month k (0 when they did not buy), and the running totals
    ``cum_orders`` and ``cum_revenue`` through month k."""
    people = monthly.select("customer_key", *keys, "observable").unique(subset=["customer_key"])
    horizon = min(int(people.get_column("observable").max() or 0), MAX_MONTHS) if len(people) else 0
    months = nw.from_dict(
        {"month": list(range(horizon))}, schema={"month": nw.Int64()}, backend=nw.get_native_namespace(monthly)
    )
    grid = people.join(months, how="cross").filter(nw.col("month") < nw.col("observable"))
    bought = monthly.select("customer_key", nw.col("month").cast(nw.Int64()), "orders", "net_revenue")
    filled = grid.join(bought, on=["customer_key", "month"], how="left").with_columns(
        nw.col("orders").cast(nw.Int64()).fill_null(0), nw.col("net_revenue").fill_null(0.0)
    )
    return filled.sort("customer_key", "month").with_columns(
        nw.col("orders").cum_sum().over("customer_key", order_by="month").alias("cum_orders"),
        nw.col("net_revenue").cum_sum().over("customer_key", order_by="month").alias("cum_revenue"),
    )


@dataclass(frozen=True)
class CohortTable:
    """Monthly acquisition cohorts × months since the first order.

    ``frame`` (long, the full grid) has ``cohort`` (first day of the month of the first order),
    ``size`` (customers in the cohort), ``month`` (0 = the month of the first order), ``observed``
    (customers of the cohort the data covers through that whole month) and ``value`` (null where
    ``observed`` is 0: not yet observable, never 0). ``note`` says why there is no table."""

    metric: CohortMetric
    cumulative: bool
    frame: nw.DataFrame | None
    note: str | None = None

    def wide(self) -> nw.DataFrame | None:
        """One row per cohort: ``cohort``, ``customers`` and ``month_0``, ``month_1``… (null =
        not yet observable)."""
        if self.frame is None:
            return None
        wide = self.frame.pivot(on="month", index=[COHORT, "size"], values="value", sort_columns=True)
        months = [name for name in wide.columns if name not in (COHORT, "size")]
        return wide.rename({"size": "customers", **{name: f"month_{name}" for name in months}})


def cohort_table(
    tables: Tables,
    *,
    period: Period,
    filters: Mapping[str, Sequence[str]] | None = None,
    metric: CohortMetric = "active",
    cumulative: bool = False,
    fewest: int = FEWEST_COHORTS,
    most: int = MOST_COHORTS,
) -> CohortTable:
    """Retention by monthly acquisition cohort.

    Rows: the calendar months of :func:`cohort_months` (``period``); a cohort holds the customers
    whose first live order (over all the data) falls in that month and passes ``filters``
    (acquisition, like new customers); a guest is a one-order customer per order. Columns: month k
    since the first order (as :func:`months_since`). A cell counts the cohort's customers the
    data covers through the whole month k (k < :func:`observable_months`, per customer, as the
    LTV curves and CAC payback do); with none, the cell is null.

    * ``active``: share of them with a live order in month k (month 0 is 100%); ``cumulative``:
      share with a second live order by the end of month k (month 0: a repeat within the first
      month);
    * ``revenue``: mean net revenue (revenue − refunded, not × margin) per customer in month k;
      ``cumulative``: mean cumulative net revenue per customer through month k.

    >>> from datetime import datetime
    >>> import polars as pl
    >>> orders = pl.DataFrame({"order_id": ["a", "b", "c"], "customer_id": ["x", "x", "y"],
    ...     "ordered_at": [datetime(2024, 1, 5), datetime(2024, 2, 7), datetime(2024, 3, 9)],
    ...     "revenue": [10.0, 20.0, 5.0]})
    >>> table = cohort_table(Tables.from_frames(orders=orders), period=Period(date(2024, 1, 1), date(2024, 1, 31)))
    >>> table.frame.to_native().select("month", "observed", "value").rows()
    [(0, 1, 1.0), (1, 1, 1.0)]
    """
    active = _active(filters)
    reason = _first_order_reason(tables, active)
    monthly = customer_months(tables)
    if reason or monthly is None:
        return CohortTable(metric, cumulative, None, reason or MISSING_TABLE_REASON["orders"])
    months = cohort_months(period, fewest=fewest, most=most)
    chosen = monthly.with_columns(bucket(nw.col("first_date"), "month").alias(COHORT)).filter(
        nw.col(COHORT).is_in(months), *filter_exprs(active)
    )
    if len(chosen) == 0:
        return CohortTable(metric, cumulative, None, "no customers acquired in these months")
    sizes = chosen.group_by(COHORT).agg(nw.col("customer_key").n_unique().alias("size"))
    grid = _customer_grid(chosen, [COHORT])
    if metric == "active":
        hit = (nw.col("cum_orders") >= 2) if cumulative else (nw.col("orders") > 0)
        value = hit.cast(nw.Float64()).mean()
    else:
        value = nw.col("cum_revenue" if cumulative else "net_revenue").mean()
    cells = grid.group_by(COHORT, "month").agg(nw.len().alias("observed"), value.alias("value"))
    columns = int(grid.get_column("month").max()) + 1 if len(grid) else 0
    every_month = nw.from_dict(
        {"month": list(range(columns))}, schema={"month": nw.Int64()}, backend=nw.get_native_namespace(chosen)
    )
    frame = (
        sizes.join(every_month, how="cross")
        .join(cells, on=[COHORT, "month"], how="left")
        .with_columns(nw.col("observed").fill_null(0))
        .select(COHORT, "size", "month", "observed", "value")
        .sort(COHORT, "month")
    )
    return CohortTable(metric, cumulative, frame)


@dataclass(frozen=True)
class LtvCurves:
    """Mean cumulative net revenue × margin per customer by month since the first order, per
    acquisition cohort or channel.

    ``frame``: ``group`` (first day of the cohort's month, or the first order's channel), ``size``
    (new customers of the group), ``month`` (0 = the month of the first order; the value after
    ``month + 1`` months), ``customers`` (those the data covers through that month) and ``value``.
    Months nobody of the group can observe are absent. ``sizes``: every group and its ``size``,
    including groups with no observable month yet. ``note`` says why there are no curves."""

    by: CurveBy
    frame: nw.DataFrame | None
    sizes: nw.DataFrame | None = None
    note: str | None = None


def ltv_curves(
    tables: Tables,
    *,
    period: Period,
    filters: Mapping[str, Sequence[str]] | None = None,
    settings: Settings | None = None,
    by: CurveBy = "cohort",
) -> LtvCurves:
    """Per monthly acquisition cohort (``by="cohort"``: month of the first live order) or per
    acquisition channel (``by="channel"``: the first order's), over the new customers of
    ``period`` (first live order in it, passing ``filters``): mean over the customers observable
    through month k of their cumulative net revenue × margin through month k
    (:func:`cumulative_per_customer`, the ground of the CAC payback KPI).

    >>> from datetime import datetime
    >>> import polars as pl
    >>> orders = pl.DataFrame({"order_id": ["a", "b", "c"], "customer_id": ["x", "x", "y"],
    ...     "ordered_at": [datetime(2024, 1, 5), datetime(2024, 2, 7), datetime(2024, 3, 9)],
    ...     "revenue": [10.0, 20.0, 5.0]})
    >>> curves = ltv_curves(Tables.from_frames(orders=orders), period=Period(date(2024, 1, 1), date(2024, 1, 31)))
    >>> curves.frame.to_native().select("month", "customers", "value").rows()
    [(0, 1, 10.0), (1, 1, 30.0)]
    """
    settings = settings or Settings()
    active = _active(filters)
    reason = _first_order_reason(tables, active, ("channel",) if by == "channel" else ())
    monthly, facts = customer_months(tables), tables.customer_facts
    if reason or monthly is None or facts is None:
        return LtvCurves(by, None, None, reason or MISSING_TABLE_REASON["orders"])
    scope = Scope(period, active, by="month" if by == "cohort" else "channel", settings=settings)
    found = new_customer_curve(tables, scope)
    if found is None or len(found.sizes) == 0:
        return LtvCurves(by, None, None, "no new customers in period")
    frame = (
        found.curve.join(found.sizes, on=GROUP)
        .select(GROUP, "size", "month", "customers", "value")
        .sort(GROUP, "month")
    )
    return LtvCurves(by, frame, found.sizes)


@dataclass(frozen=True)
class OrderGaps:
    """Days between consecutive live orders of the customers of a period.

    ``frame``: one row per gap, ``customer``, ``previous_date``, ``order_date`` and ``days``;
    ``customers``: customers of the period; ``repeaters``: those of them with at least one gap;
    ``median`` and ``mean`` of ``days`` (``None`` without gaps); ``note`` says why there is no
    frame."""

    frame: nw.DataFrame | None
    customers: int = 0
    repeaters: int = 0
    median: float | None = None
    mean: float | None = None
    note: str | None = None

    def histogram(self, *, width: int = 7) -> nw.DataFrame | None:
        """Gaps counted in bins of ``width`` days: ``days_from`` (inclusive), ``days_to``
        (exclusive), ``gaps``; every bin from 0 to the longest gap, empty ones with 0."""
        if self.frame is None:
            return None
        counted = (
            self.frame.with_columns((nw.col("days") // width * width).cast(nw.Int64()).alias("days_from"))
            .group_by("days_from")
            .agg(nw.len().alias("gaps"))
        )
        longest = int(self.frame.get_column("days").max() or 0) if len(self.frame) else -1
        starts = nw.from_dict(
            {"days_from": list(range(0, longest + 1, width))},
            schema={"days_from": nw.Int64()},
            backend=nw.get_native_namespace(self.frame),
        )
        return (
            starts.join(counted, on="days_from", how="left")
            .with_columns((nw.col("days_from") + width).alias("days_to"), nw.col("gaps").fill_null(0))
            .select("days_from", "days_to", "gaps")
            .sort("days_from")
        )


def days_between_orders(
    tables: Tables, *, period: Period, filters: Mapping[str, Sequence[str]] | None = None
) -> OrderGaps:
    """For the customers of ``period`` (customers of the live orders in it that pass
    ``filters``), the whole days between each pair of consecutive live orders (any channel), both
    placed on or before the period's end (their history so far, as the returning customer rate
    counts it): ``order date − previous order date`` (a same-day repeat is 0 days). The share of
    customers with a gap is the returning customer rate. Ties in time keep the order ids' order.

    >>> from datetime import datetime
    >>> import polars as pl
    >>> orders = pl.DataFrame({"order_id": ["a", "b", "c"], "customer_id": ["x", "x", "x"],
    ...     "ordered_at": [datetime(2024, 1, 5), datetime(2024, 1, 5, 18), datetime(2024, 1, 15)],
    ...     "revenue": [10.0, 20.0, 5.0]})
    >>> january = Period(date(2024, 1, 1), date(2024, 1, 31))
    >>> gaps = days_between_orders(Tables.from_frames(orders=orders), period=january)
    >>> gaps.frame.get_column("days").to_list(), gaps.median
    ([0, 10], 5.0)
    """
    live = tables.live_orders
    if live is None:
        return OrderGaps(None, note=MISSING_TABLE_REASON["orders"])
    active = _active(filters)
    for name in active:
        if name not in live.columns:
            return OrderGaps(None, note=SCHEMAS["orders"].lacks(name))
    in_period = nw.col("order_date").is_between(nw.lit(period.start), nw.lit(period.end))
    customers = live.filter(in_period, *filter_exprs(active)).select("customer_key").unique()
    history = (
        live.filter(nw.col("order_date") <= nw.lit(period.end))
        .join(customers, on="customer_key", how="semi")
        .select("customer_key", "order_id", "ordered_at", "order_date")
        .sort("customer_key", "ordered_at", "order_id")
        .with_columns(
            nw.col("order_date").shift(1).over("customer_key", order_by=["ordered_at", "order_id"]).alias("previous")
        )
    )
    gaps = (
        history.filter(~nw.col("previous").is_null())
        .select(
            nw.col("customer_key").str.replace(r"^id:", "").alias("customer"),
            nw.col("previous").alias("previous_date"),
            "order_date",
            (_int(nw.col("order_date").cast(nw.Int32())) - _int(nw.col("previous").cast(nw.Int32()))).alias("days"),
        )
        .sort("order_date", "customer")
    )
    if len(gaps) == 0:
        return OrderGaps(gaps, customers=len(customers), note="no customer of the period has a repeat order")
    days = gaps.get_column("days")
    return OrderGaps(
        gaps,
        customers=len(customers),
        repeaters=gaps.get_column("customer").n_unique(),
        median=float(days.median()),
        mean=float(days.mean()),
    )
