"""What every KPI reads: the daily cube and compact per-customer tables, built once per data set.

Row-level tables hold millions of rows; a filter or period change must not go back to them.
:func:`sources` gives each measure its input, made once per data set (cached on the
:class:`~kpi.tables.Tables`):

* **cubes** of traffic, spend and live orders: one row per day and combination of dimensions,
  with ``_rows`` (how many rows it stands for) and the sum of every numeric column (Σ sessions,
  Σ revenue, Σ refunded …). Every additive measure is a sum over the cube's rows, because
  ``Σ over cube rows of (Σ over their rows) = Σ over rows``; a count of rows is ``Σ _rows``;
* **buyers**: one row per live order with only what distinct counts need (customer as an integer
  code, order day, the dimensions as categories, the day of the customer's second live order and
  of their previous and next ones), sorted by day. The neighbours turn distinct counts into
  counts of rows: a customer's first order of a period is the one whose previous order is
  before it, and they ordered twice in it when one of their orders there has a neighbour there;
* **new customers** for an LTV horizon of H months: one row per first-order day and first-order
  dimensions, with ``_rows`` new customers, ``_ltv`` (Σ their net revenue before first order + H
  months) and ``_short`` (how many have less than H months of data).

What is not additive (distinct customers of a period, the median lead time) is counted from the
buyers or from the prepared leads (already one row per lead). A lazy data set (Spark) reads its
row-level tables: its engine does the heavy work, and only aggregates come back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import narwhals as nw

from kpi.frames import is_lazy
from kpi.schema import DIMENSIONS, SCHEMAS, TableName
from kpi.tables import FIRST_ORDER_DIMENSIONS, Tables

ROWS = "_rows"
"""The cube column counting the rows a cube row stands for."""

CUBE_DIMENSIONS: tuple[str, ...] = (*DIMENSIONS, "owner")
"""The columns a cube keeps as they are (what filters and breakdowns can name)."""

CUBE_DATE: dict[TableName, str] = {"traffic": "date", "spend": "date", "orders": "order_date"}


def count(frame: Any) -> nw.Expr:
    """How many rows a group stands for: ``Σ _rows`` over a cube, the number of rows otherwise."""
    return nw.col(ROWS).sum() if ROWS in frame.columns else nw.len()


@dataclass(frozen=True)
class Sources:
    """Each measure's input for one data set: cubes (``cube=True``) or row-level tables."""

    tables: Tables
    cube: bool
    traffic: Any
    spend: Any
    orders: Any
    """Live orders or their cube: ``order_date``, dimensions, ``revenue``, ``refunded``."""
    buyers: Any
    """One row per live order: ``customer_key``, ``order_date``, dimensions, ``second_date``."""

    def new_customers(self, months: int) -> Any:
        """Customers by first live order: ``first_date``, ``first_at`` (row level only), the first
        order's dimensions, ``_ltv`` (Σ revenue − refunded of live orders before first order +
        ``months`` months) and ``_short`` (1 when the data ends before that horizon)."""
        if not self.cube:
            return new_customer_rows(self.tables, months)
        return self.tables.derived(f"cube:new:{months}", lambda: _new_customer_cube(self.tables, months))


def sources(tables: Tables) -> Sources:
    """The measures' inputs: cubes for an eager data set, its row-level tables for a lazy one
    (or when ``tables.row_level`` asks for the reference computation)."""
    cube = not tables.row_level and not any(is_lazy(tables.get(name)) for name in tables.present())
    if cube:
        return tables.derived("cube:sources", lambda: _cube_sources(tables))
    return Sources(
        tables,
        cube=False,
        traffic=tables.traffic,
        spend=tables.spend,
        orders=tables.live_orders,
        buyers=_buyer_rows(tables),
    )


def _cube_sources(tables: Tables) -> Sources:
    return Sources(
        tables,
        cube=True,
        traffic=daily_cube(tables.traffic, "traffic"),
        spend=daily_cube(tables.spend, "spend"),
        orders=daily_cube(tables.live_orders, "orders"),
        buyers=_compact_buyers(tables),
    )


def _dimensions(frame: Any) -> list[str]:
    return [name for name in CUBE_DIMENSIONS if name in frame.columns]


def as_categories(names: list[str]) -> list[nw.Expr]:
    """Text dimensions as categories: 4 bytes a row, and they filter and group as text does."""
    return [nw.col(name).cast(nw.Categorical()) for name in names]


def daily_cube(frame: Any, table: TableName) -> Any:
    """One row per day and combination of dimensions: ``_rows`` and the sum of each numeric
    column the contract declares for ``table`` (Σ of an all-empty group is 0, as over rows)."""
    if frame is None:
        return None
    numeric = [
        column.name
        for column in SCHEMAS[table].columns
        if column.dtype in ("int", "float") and column.name in frame.columns
    ]
    keys = [CUBE_DATE[table], *_dimensions(frame)]
    cube = frame.group_by(keys).agg(nw.len().alias(ROWS), *(nw.col(name).sum() for name in numeric))
    return cube.with_columns(*as_categories(_dimensions(frame))).sort(CUBE_DATE[table])


def _buyer_rows(tables: Tables) -> Any:
    live, facts = tables.live_orders, tables.customer_facts
    if live is None or facts is None:
        return None
    return live.join(facts.select("customer_key", "second_date"), on="customer_key", how="left")


def _compact_buyers(tables: Tables) -> Any:
    """Live orders reduced to what distinct counts read, sorted by day: the customer as an integer
    (their row in the per-customer facts), the order day, the dimensions, the day of the
    customer's second live order, and the days of their previous and next live orders
    (``prev_date``, ``next_date``; null for the first and the last)."""
    live, facts = tables.live_orders, tables.customer_facts
    if live is None or facts is None:
        return None
    dims = _dimensions(live)
    sequence = tables.customer_sequence
    if sequence is not None:  # already sorted by customer, with the neighbouring orders
        seconds = tables.coded_customer_facts.select("_code", "second_date")
        return (
            sequence.join(seconds, on="_code", how="left")
            .select(
                nw.col("_code").alias("customer_key"),
                "order_date",
                *as_categories(dims),
                "second_date",
                "prev_date",
                "next_date",
            )
            .sort("order_date")
        )
    codes = facts.select("customer_key", "second_date").with_row_index("_code")
    same = nw.col("customer_key")
    ordered = (
        live.select("customer_key", "order_id", "ordered_at", "order_date", *dims)
        .join(codes, on="customer_key", how="left")
        .select(nw.col("_code").alias("customer_key"), "order_id", "ordered_at", "order_date", *dims, "second_date")
        .sort("customer_key", "ordered_at", "order_id")
    )
    neighbours = ordered.with_columns(
        nw.when(same.shift(1) == same).then(nw.col("order_date").shift(1)).alias("prev_date"),
        nw.when(same.shift(-1) == same).then(nw.col("order_date").shift(-1)).alias("next_date"),
    )
    return neighbours.select(
        "customer_key", "order_date", *as_categories(dims), "second_date", "prev_date", "next_date"
    ).sort("order_date")


def new_customer_rows(tables: Tables, months: int) -> Any:
    """One row per customer (see :meth:`Sources.new_customers`), over all live orders."""
    facts, live = tables.customer_facts, tables.live_orders
    if facts is None or live is None:
        return None

    def horizon(first_at: str) -> nw.Expr:
        return nw.col(first_at).dt.offset_by(f"{months}mo")

    sequence = tables.customer_sequence
    if sequence is not None:  # summed on the integer customer code
        horizon_revenue = (
            sequence.filter(nw.col("ordered_at") < horizon("_first_at"))
            .group_by("_code")
            .agg(nw.col("_net").sum().alias("_ltv"))
        )
        coded = tables.coded_customer_facts.with_columns(horizon("first_at").alias("_horizon"))
        new = coded.join(horizon_revenue, on="_code", how="left").sort("_code").drop("_code")
    else:
        new = facts.with_columns(horizon("first_at").alias("_horizon"))
        horizon_revenue = (
            live.select("customer_key", "ordered_at", (nw.col("revenue") - nw.col("refunded")).alias("_net"))
            .join(new.select("customer_key", "_horizon"), on="customer_key")
            .filter(nw.col("ordered_at") < nw.col("_horizon"))
            .group_by("customer_key")
            .agg(nw.col("_net").sum().alias("_ltv"))
        )
        new = new.join(horizon_revenue, on="customer_key", how="left")
    end = tables.orders_end()
    return new.with_columns(
        nw.col("_ltv").fill_null(0.0),
        (nw.col("_horizon") > nw.lit(end)).cast(nw.Int64()).alias("_short"),
    )


def _new_customer_cube(tables: Tables, months: int) -> Any:
    rows = new_customer_rows(tables, months)
    if rows is None:
        return None
    dims = [name for name in FIRST_ORDER_DIMENSIONS if name in rows.columns]
    return (
        rows.group_by("first_date", *dims)
        .agg(nw.len().alias(ROWS), nw.col("_ltv").sum(), nw.col("_short").sum())
        .with_columns(*as_categories(dims))
        .sort("first_date")
    )
