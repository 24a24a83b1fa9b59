"""The five canonical tables of the KPI contract (section 1), declared once as data.

Every upload ends as one of these tables. Columns marked required must be present; every other
column is optional, and a KPI that needs a missing one is reported unavailable with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TableName = Literal["orders", "traffic", "spend", "leads", "nps"]
ColumnType = Literal["str", "float", "int", "datetime", "date"]

TABLE_NAMES: tuple[TableName, ...] = ("orders", "traffic", "spend", "leads", "nps")
DIMENSIONS: tuple[str, ...] = ("channel", "source", "medium", "campaign", "device", "landing_page")
"""Columns a user can filter or break down by, wherever a table has them."""

ORDER_STATUSES: tuple[str, ...] = ("paid", "refunded", "cancelled")
DEVICES: tuple[str, ...] = ("mobile", "desktop", "tablet")


@dataclass(frozen=True)
class Column:
    """One declared column: its name, type, whether it is required, and what it means."""

    name: str
    dtype: ColumnType
    meaning: str
    required: bool = False
    empty_allowed: bool | None = None
    """Whether a cell may be empty; by default only in optional columns (``customer_id`` is
    required yet may be empty: a guest)."""

    @property
    def nullable(self) -> bool:
        """True when an empty cell keeps its row."""
        return not self.required if self.empty_allowed is None else self.empty_allowed


@dataclass(frozen=True)
class TableSchema:
    """A canonical table: its columns, the column that places a row in time, and its key."""

    name: TableName
    grain: str
    columns: tuple[Column, ...]
    date_column: str
    key: str | None = None
    subject: str = ""
    """How a sentence names the table's rows: "orders have", "spend has"."""

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the required columns, in declared order."""
        return tuple(column.name for column in self.columns if column.required)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of every declared column, in declared order."""
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        """The declared column called ``name`` (KeyError when the table has none)."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def lacks(self, column: str) -> str:
        """The reason given when a KPI needs ``column`` and this table has none.

        >>> SCHEMAS["orders"].lacks("device")
        'orders have no device column'
        """
        return f"{self.subject} no {column} column"


def _dims(*names: str) -> tuple[Column, ...]:
    meanings = {
        "channel": "GA4 default channel group, or Offline",
        "source": "utm_source / referrer, e.g. google, facebook",
        "medium": "utm_medium, e.g. cpc, organic, email",
        "campaign": "campaign name",
        "device": "mobile, desktop or tablet",
        "landing_page": "path of the first page of the session, e.g. /lp/black-friday",
    }
    return tuple(Column(name, "str", meanings[name]) for name in names)


SCHEMAS: dict[TableName, TableSchema] = {
    "orders": TableSchema(
        name="orders",
        grain="one row per order",
        date_column="ordered_at",
        key="order_id",
        subject="orders have",
        columns=(
            Column(
                "order_id",
                "str",
                "unique per order; a repeated order_id is the same order and its last row wins",
                required=True,
            ),
            Column(
                "customer_id",
                "str",
                "stable customer key; empty = guest, its own customer per order",
                required=True,
                empty_allowed=True,
            ),
            Column(
                "ordered_at",
                "datetime",
                "when the order was placed (wall-clock time; a zone offset is dropped)",
                required=True,
            ),
            Column("revenue", "float", "order value net of discounts, excluding tax and shipping", required=True),
            Column("refunded", "float", "amount refunded later (default 0)"),
            Column("status", "str", "paid (default), refunded or cancelled"),
            *_dims("channel", "source", "medium", "campaign", "device"),
            Column("currency", "str", "ISO currency code"),
            Column("country", "str", "country of the order"),
            Column("sales_rep", "str", "sales rep credited with the order"),
            Column("discount", "float", "discount amount"),
            Column("tax", "float", "tax amount"),
            Column("shipping", "float", "shipping amount"),
        ),
    ),
    "traffic": TableSchema(
        name="traffic",
        grain="one row per (date, dimensions…)",
        date_column="date",
        subject="traffic has",
        columns=(
            Column("date", "date", "day of the sessions", required=True),
            Column("sessions", "int", "sessions", required=True),
            *_dims("channel", "source", "medium", "campaign", "device", "landing_page"),
            Column("users", "int", "users (summed over rows: not unique visitors)"),
            Column("new_users", "int", "first-time users"),
            Column("pageviews", "int", "page views"),
            Column("engaged_sessions", "int", "engaged sessions (GA4)"),
            Column("session_duration_s", "float", "total seconds of all sessions in the row"),
            Column("add_to_cart_sessions", "int", "sessions with an add to cart"),
            Column("checkout_sessions", "int", "sessions that began checkout"),
            Column("purchase_sessions", "int", "sessions with a purchase"),
            Column("leads", "int", "lead-form submissions / new contacts"),
        ),
    ),
    "spend": TableSchema(
        name="spend",
        grain="one row per (date, dimensions…)",
        date_column="date",
        subject="spend has",
        columns=(
            Column("date", "date", "day of the cost", required=True),
            Column("spend", "float", "cost in the shop's currency", required=True),
            *_dims("channel", "source", "medium", "campaign", "device"),
            Column("impressions", "int", "ad impressions"),
            Column("clicks", "int", "ad clicks"),
        ),
    ),
    "leads": TableSchema(
        name="leads",
        grain="one row per lead",
        date_column="created_at",
        key="lead_id",
        subject="leads have",
        columns=(
            Column("lead_id", "str", "unique per lead", required=True),
            Column("created_at", "datetime", "first contact", required=True),
            *_dims("channel", "source", "medium", "campaign", "device", "landing_page"),
            Column("mql_at", "datetime", "became a marketing-qualified lead (empty = not reached)"),
            Column("sql_at", "datetime", "became a sales-qualified lead (empty = not reached)"),
            Column("won_at", "datetime", "deal won (empty = not reached)"),
            Column("lost_at", "datetime", "deal lost (empty = not reached)"),
            Column("deal_value", "float", "value of the won deal"),
            Column("owner", "str", "sales rep"),
            Column("customer_id", "str", "link to orders"),
        ),
    ),
    "nps": TableSchema(
        name="nps",
        grain="one row per survey answer",
        date_column="responded_at",
        subject="NPS answers have",
        columns=(
            Column("responded_at", "datetime", "when the answer was given", required=True),
            Column("score", "int", "0–10", required=True),
            Column("customer_id", "str", "who answered"),
            *_dims("channel", "device"),
        ),
    ),
}

MISSING_TABLE_REASON: dict[TableName, str] = {
    "orders": "no orders data",
    "traffic": "no traffic data",
    "spend": "no spend data",
    "leads": "no leads data",
    "nps": "no NPS data",
}
