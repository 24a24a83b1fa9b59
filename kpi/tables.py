"""A data set: the canonical tables, prepared once for computation (narwhals).

:meth:`Tables.from_frames` takes typed frames of any narwhals-supported engine (the readers give
polars) and prepares them as the contract says:

* orders: a repeated ``order_id`` is the same order and its **last row wins**; ``refunded``
  defaults to 0 and ``status`` to ``paid``; a guest (empty ``customer_id``) is its own customer
  per order (``customer_key``);
* leads: a repeated ``lead_id`` keeps its last row;
* every table: empty dimension values become null, channel labels are normalised and a missing
  channel is derived from source/medium/campaign with GA4's rules.

Per-customer facts (first live order and its dimensions, second live order) are computed once
per data set, over **all** live orders, and cached on the instance.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

import narwhals as nw

from kpi.channels import derive_channels
from kpi.frames import FILE, ROW, collect, is_lazy, keep_last, persist
from kpi.issues import DataError
from kpi.schema import DIMENSIONS, SCHEMAS, TABLE_NAMES, TableName

CURRENCY_CODE = re.compile(r"^[A-Za-z]{3}$")
FIRST_ORDER_DIMENSIONS = ("channel", "source", "medium", "campaign", "device")
EMPTY_VALUE = "(not set)"
"""How a breakdown names rows whose dimension is empty."""


def _blank_to_null(frame: nw.DataFrame, names: list[str]) -> nw.DataFrame:
    """Trim text columns and turn empty strings into null."""
    if not names:
        return frame
    return frame.with_columns(
        nw.when(nw.col(name).str.strip_chars() == "").then(None).otherwise(nw.col(name).str.strip_chars()).alias(name)
        for name in names
    )


def _check_columns(table: TableName, frame: nw.DataFrame) -> None:
    missing = [name for name in SCHEMAS[table].required if name not in frame.columns]
    if missing:
        raise DataError(table, f"required column(s) missing: {', '.join(missing)}")


def prepare(table: TableName, native: Any, *, trimmed: bool = False, unique_key: bool = False) -> nw.DataFrame:
    """The prepared form of one typed canonical table (see the module docstring).

    What :mod:`kpi.ingest` already vouches for is not done again (each is a pass over every row):
    ``trimmed``, its text is trimmed with empty cells null; ``unique_key``, no key repeats."""
    frame = nw.from_native(native)
    _check_columns(table, frame)
    key = SCHEMAS[table].key
    if key is not None and not unique_key:  # first: the last row is the last in the reader's order
        frame = keep_last(frame, key)
    if not trimmed:
        schema = frame.collect_schema()
        text_columns = [
            name
            for name in (*DIMENSIONS, "customer_id", "status", "currency", "owner")
            if name in schema and schema[name] == nw.String()
        ]
        frame = _blank_to_null(frame, text_columns)
    if "device" in frame.columns:
        frame = frame.with_columns(nw.col("device").str.to_lowercase())
    frame = derive_channels(frame)
    if table == "orders":
        if "refunded" not in frame.columns:
            frame = frame.with_columns(refunded=nw.lit(0.0))
        status = nw.col("status").str.to_lowercase() if "status" in frame.columns else nw.lit(None, nw.String())
        frame = frame.with_columns(
            refunded=nw.col("refunded").fill_null(0.0),
            status=nw.when(status.is_null()).then(nw.lit("paid")).otherwise(status),
            customer_key=nw.when(nw.col("customer_id").is_null())
            .then(nw.concat_str(nw.lit("guest:"), nw.col("order_id")))
            .otherwise(nw.concat_str(nw.lit("id:"), nw.col("customer_id"))),
            order_date=nw.col("ordered_at").dt.date(),
        )
    reader_columns = [name for name in (FILE, ROW) if name in frame.columns]
    return persist(frame.drop(*reader_columns) if reader_columns else frame)


@dataclass(frozen=True)
class Tables:
    """The prepared canonical tables of one data set; ``None`` where the data has no such table."""

    orders: nw.DataFrame | None = None
    traffic: nw.DataFrame | None = None
    spend: nw.DataFrame | None = None
    leads: nw.DataFrame | None = None
    nps: nw.DataFrame | None = None
    currency: str | None = field(default=None)
    row_level: bool = False
    """Compute every KPI from the row-level tables (the reference the cubes are tested against)
    rather than from the cubes of :mod:`kpi.cube`."""
    _derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def derived(self, key: str, make: Callable[[], Any]) -> Any:
        """A frame derived from the whole data set (independent of the period and the filters, like
        the per-customer month table), made once per data set: ``make()`` the first time ``key`` is
        asked for."""
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]

    @classmethod
    def from_frames(
        cls,
        *,
        currency: str | None = None,
        trimmed: Collection[TableName] = (),
        unique_keys: Collection[TableName] = (),
        **frames: Any,
    ) -> Tables:
        """Prepare typed frames given by table name: ``Tables.from_frames(orders=df, traffic=df2)``.

        The currency is taken from the orders' ``currency`` column when there is exactly one.
        ``trimmed`` and ``unique_keys`` name the frames :mod:`kpi.ingest` vouches for (see :func:`prepare`).
        """
        unknown = set(frames) - set(TABLE_NAMES)
        if unknown:
            raise TypeError(f"unknown table(s): {', '.join(sorted(unknown))}")
        prepared = {
            name: prepare(name, native, trimmed=name in trimmed, unique_key=name in unique_keys)
            for name, native in frames.items()
            if native is not None
        }
        orders = prepared.get("orders")
        if currency is None and orders is not None and "currency" in orders.columns:
            found = collect(orders.select("currency").filter(~nw.col("currency").is_null()).unique())
            codes = found.get_column("currency").to_list()
            currency = codes[0].upper() if len(codes) == 1 and CURRENCY_CODE.match(codes[0]) else None
        return cls(currency=currency, **prepared)

    def reference(self) -> Tables:
        """The same data set, computed from its row-level tables (see :attr:`row_level`)."""
        return replace(self, row_level=True)

    def get(self, table: TableName) -> nw.DataFrame | None:
        """The prepared table, or ``None``."""
        return getattr(self, table)

    def backend(self) -> Any:
        """The native namespace small frames are built in: the tables' own, or polars when there are
        none or they are lazy (their aggregates are collected as polars, see :mod:`kpi.frames`)."""
        for name in TABLE_NAMES:
            frame = self.get(name)
            if frame is not None and not is_lazy(frame):
                return nw.get_native_namespace(frame)
        import polars  # noqa: PLC0415 - the default engine, only needed for an empty data set

        return polars

    def present(self) -> tuple[TableName, ...]:
        """Names of the tables this data set has."""
        return tuple(name for name in TABLE_NAMES if self.get(name) is not None)

    def date_range(self) -> tuple[date, date] | None:
        """First and last day found in any table's date column or a lead's later step (a deal won
        after the last new lead must be selectable), or ``None`` for no rows."""
        bounds: list[date] = []
        for name in self.present():
            frame = self.get(name)
            if frame is None:
                continue
            columns = [SCHEMAS[name].date_column, *(c for c in LATER_STEPS.get(name, ()) if c in frame.columns)]
            row = collect(
                frame.select(
                    *(
                        agg
                        for column in columns
                        for agg in (
                            nw.col(column).min().alias(f"{column}_lo"),
                            nw.col(column).max().alias(f"{column}_hi"),
                        )
                    )
                )
            ).row(0)
            bounds.extend(_as_date(value) for value in row if value is not None)
        return (min(bounds), max(bounds)) if bounds else None

    def dimension_values(self, dimension: str) -> list[str]:
        """Distinct values of a dimension across every table that has it, sorted, for filters."""
        values: set[str] = set()
        for name in self.present():
            frame = self.get(name)
            if frame is not None and dimension in frame.columns:
                found = collect(frame.select(dimension).unique()).get_column(dimension)
                values.update(v for v in found.to_list() if v is not None)
        return sorted(values, key=str.lower)

    def orders_end(self) -> datetime | None:
        """Midnight after the last order's day: where the observable history of customers ends."""
        if self.orders is None:
            return None
        last = collect(self.orders.select(nw.col("order_date").max())).item()
        if last is None:
            return None
        return datetime.combine(last, datetime.min.time()) + timedelta(days=1)

    @cached_property
    def live_orders(self) -> nw.DataFrame | None:
        """Orders whose status is not ``cancelled``."""
        if self.orders is None:
            return None
        return persist(self.orders.filter(nw.col("status") != "cancelled"))

    @cached_property
    def customer_sequence(self) -> nw.DataFrame | None:
        """Every live order in customer order: sorted by ``customer_key``, time and ``order_id``,
        with the customer as an integer ``_code`` (0, 1, … in that order), ``_first`` (the
        customer's first live order), ``_first_at`` (its time, on every row of the customer),
        ``_net`` (revenue − refunded), and the days of the customer's previous and next live orders
        (``prev_date``, ``next_date``; null for the first and the last).

        One sort instead of joins on the customer's text key: the per-customer tables of an eager
        data set read it. ``None`` for a lazy frame (Spark) and for :meth:`reference` data sets,
        whose per-customer tables are computed by joins (the cubes are tested against them)."""
        live = self.live_orders
        if live is None or is_lazy(live) or self.row_level:
            return None
        dims = [name for name in (*DIMENSIONS, "owner") if name in live.columns]
        key, day = nw.col("customer_key"), nw.col("order_date")
        starts = (key != key.shift(1)).fill_null(value=True)
        return (
            live.select(
                "customer_key",
                "order_id",
                "ordered_at",
                "order_date",
                *dims,
                (nw.col("revenue") - nw.col("refunded")).alias("_net"),
            )
            .sort("customer_key", "ordered_at", "order_id")
            .with_columns(
                starts.alias("_first"),
                (starts.cast(nw.Int64()).cum_sum() - 1).alias("_code"),
                nw.when(starts).then(nw.col("ordered_at")).fill_null(strategy="forward").alias("_first_at"),
                nw.when(key.shift(1) == key).then(day.shift(1)).alias("prev_date"),
                nw.when(key.shift(-1) == key).then(day.shift(-1)).alias("next_date"),
            )
        )

    @cached_property
    def coded_customer_facts(self) -> nw.DataFrame | None:
        """:attr:`customer_facts` with each customer's integer ``_code`` of :attr:`customer_sequence`
        (their row number there); ``None`` where there is no sequence."""
        facts = self.customer_facts
        if facts is None or self.customer_sequence is None:
            return None
        return facts.with_row_index("_code").with_columns(nw.col("_code").cast(nw.Int64()))

    @cached_property
    def customer_facts(self) -> nw.DataFrame | None:
        """One row per customer over **all** live orders: ``customer_key``, ``first_order_id``,
        ``first_at``, ``first_date``, the first order's dimensions, and ``second_date`` (the day of
        their second live order, null when they have one). Ties on time go to the smaller order_id.

        An eager data set reads the first row of each customer in :attr:`customer_sequence` (its
        rows in ``_code`` order); a lazy one joins."""
        live = self.live_orders
        if live is None:
            return None
        dims = [name for name in FIRST_ORDER_DIMENSIONS if name in live.columns]
        sequence = self.customer_sequence
        if sequence is not None:
            return sequence.filter(nw.col("_first")).select(
                "customer_key",
                nw.col("order_id").alias("first_order_id"),
                nw.col("ordered_at").alias("first_at"),
                nw.col("order_date").alias("first_date"),
                *dims,
                nw.col("next_date").alias("second_date"),
            )
        first_at = live.group_by("customer_key").agg(nw.col("ordered_at").min().alias("first_at"))
        first_ids = (
            live.join(first_at, on="customer_key")
            .filter(nw.col("ordered_at") == nw.col("first_at"))
            .group_by("customer_key")
            .agg(nw.col("order_id").min().alias("first_order_id"))
        )
        first_rows = live.join(
            first_ids, left_on=["customer_key", "order_id"], right_on=["customer_key", "first_order_id"]
        ).select(
            "customer_key",
            nw.col("order_id").alias("first_order_id"),
            nw.col("ordered_at").alias("first_at"),
            nw.col("order_date").alias("first_date"),
            *dims,
        )
        later = live.join(first_ids, on="customer_key").filter(nw.col("order_id") != nw.col("first_order_id"))
        second = later.group_by("customer_key").agg(nw.col("order_date").min().alias("second_date"))
        return persist(first_rows.join(second, on="customer_key", how="left"))


LATER_STEPS: dict[str, tuple[str, ...]] = {"leads": ("mql_at", "sql_at", "won_at", "lost_at")}
"""Dated steps of a row after its main date: they extend the data's date range."""


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value
