"""Shopify's orders export (Orders → Export → CSV), and the helpers the other order recognisers
share: text cells cleaned, amounts read with one decimal mark, line items folded into orders.

Shopify writes one row per **line item**. The order-level fields (``Financial Status``,
``Subtotal``, ``Total``, ``Created at``, ``Email``…) are filled on the first row of an order and
blank on its other rows, which repeat only ``Name`` and the ``Lineitem …`` columns. Folding takes
each order-level value from the row of the order where it is filled (never summed over rows,
never carried forward from another order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from kpi.ingest.model import Converted, RawTable
from kpi.ingest.recognisers.common import find
from kpi.ingest.validation import DROP
from kpi.ingest.values import infer_decimal, parse_numbers
from kpi.issues import Effect, Issue

LINES = "_lines"
"""The column :func:`fold` adds: how many rows of the file made each folded row."""

_PLAIN_NUMBER = r"^-?[0-9]+(?:\.[0-9]+)?$"
_CENT = 0.005


# --- helpers shared by the order recognisers ---------------------------------------------------


def cleaned(column: str | None) -> pl.Expr:
    """A column's cells as trimmed text with empty cells null; null text when the column is absent."""
    if column is None:
        return pl.lit(None, pl.String)
    value = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(value == "").then(pl.lit(None, pl.String)).otherwise(value)


def select_columns(raw: RawTable, columns: Mapping[str, str | None]) -> pl.DataFrame:
    """The raw table's columns that exist, cleaned (:func:`cleaned`) and renamed to internal names;
    an absent column becomes a column of nulls, so later expressions need no checks."""
    return raw.frame.select(cleaned(column).alias(name) for name, column in columns.items())


def parse_money(frame: pl.DataFrame, columns: Mapping[str, str | None]) -> tuple[pl.DataFrame, list[Issue]]:
    """The text columns ``columns`` (internal name → header as written, ``None`` = absent) as
    Float64, read with **one** decimal mark decided by all their cells together (so ``5,000`` in
    ``Shipping`` reads like ``12,50`` in ``Total``). Cells that are not amounts become empty, with
    a warning naming the file's column."""
    present = {name: label for name, label in columns.items() if label is not None and frame[name].dtype == pl.String}
    if not present:
        return frame.with_columns(pl.col(name).cast(pl.Float64) for name in columns), []
    stacked = pl.concat([frame[name].drop_nulls().rename("cell") for name in present])
    plain = bool(stacked.str.contains(_PLAIN_NUMBER).all())
    decimal = "." if plain else infer_decimal(stacked)
    issues: list[Issue] = []
    parsed: list[pl.Series] = []
    for name, label in present.items():
        numbers = parse_numbers(frame[name], decimal=decimal)
        failed = int(numbers.failed.sum())
        if failed:
            examples = frame[name].filter(numbers.failed).unique(maintain_order=True).head(5).to_list()
            issues.append(
                Issue(
                    "warning",
                    "unparseable_value",
                    label,
                    f"{failed:,} value(s) in '{label}' are not amounts: taken as empty",
                    rows=failed,
                    examples=tuple(repr(value) for value in examples),
                    effect="changed",
                )
            )
        parsed.append(numbers.values.alias(name))
    missing = [name for name in columns if name not in present]
    return frame.with_columns(*parsed, *(pl.col(name).cast(pl.Float64) for name in missing)), issues


def fold(
    frame: pl.DataFrame, key: str, sums: Mapping[str, pl.Expr] | None = None, firsts: Sequence[str] | None = None
) -> pl.DataFrame:
    """One row per ``key`` (in the order keys first appear): each column of ``firsts`` (default:
    every other column) takes its first non-empty value within the key's own rows; ``sums`` adds
    aggregates (``Σ quantity × price``); :data:`LINES` counts the rows folded."""
    others = [name for name in (firsts if firsts is not None else frame.columns) if name != key]
    extra = [expr.alias(name) for name, expr in (sums or {}).items()]
    return frame.group_by(key, maintain_order=True).agg(
        *(pl.col(name).drop_nulls().first() for name in others), *extra, pl.len().alias(LINES)
    )


def folded_issue(rows_in: int, orders: int, lines: str = "line items", into: str = "orders") -> list[Issue]:
    """The note that rows of the file were folded into fewer orders (none when one to one)."""
    if rows_in <= orders:
        return []
    return [
        Issue(
            "info",
            "folded",
            None,
            f"{rows_in:,} {lines} folded into {orders:,} {into} (order values taken from the rows where "
            "they are filled, never added up over the rows)",
            rows=rows_in - orders,
            effect="changed",
        )
    ]


def capped_refunds(revenue: pl.Expr, refunded: pl.Expr) -> pl.Expr:
    """A refund capped at the order's revenue: refunds of tax or shipping would otherwise make
    the net revenue of an order negative."""
    return pl.when(refunded > revenue).then(revenue).otherwise(refunded)


def count(frame: pl.DataFrame, condition: pl.Expr) -> int:
    """How many rows meet ``condition`` (null counts as no)."""
    return int(frame.select(condition.fill_null(value=False).sum()).item())


def note(code: str, message: str, rows: int = 0, effect: Effect = "note", column: str | None = None) -> Issue:
    """An info issue (what a recogniser decided, and for how many rows)."""
    return Issue("info", code, column, message, rows=rows, effect=effect)


def one_to_one(raw: RawTable, rows_out: int) -> int | None:
    """The file line of the first row when the converted rows map one to one to the file's lines:
    as many rows as the file has, and no cell spanning several lines (Metorik's ``Line Items``)."""
    if rows_out != raw.frame.height:
        return None
    text = [name for name, dtype in raw.frame.schema.items() if dtype == pl.String]
    if text and raw.frame.select(pl.any_horizontal(pl.col(text).str.contains("\n", literal=True).any())).item():
        return None
    return raw.header_line + 1


# --- Shopify -------------------------------------------------------------------------------------

UTM_PARTS = ("source", "medium", "campaign")
_UTM = r"(?im)^\s*utm[ _-]?{}\s*[:=]\s*(.+?)\s*$"
_SHOPIFY: dict[str, tuple[str, ...]] = {
    "key": ("Name",),
    "customer": ("Customer ID", "Customer Id"),
    "email": ("Email",),
    "financial": ("Financial Status",),
    "cancelled": ("Cancelled at",),
    "created": ("Created at",),
    "subtotal": ("Subtotal",),
    "discount": ("Discount Amount",),
    "shipping": ("Shipping",),
    "taxes": ("Taxes",),
    "total": ("Total",),
    "refunded": ("Refunded Amount",),
    "currency": ("Currency",),
    "billing_country": ("Billing Country",),
    "shipping_country": ("Shipping Country",),
    "sales_source": ("Source",),
    "notes": ("Note Attributes",),
    "payment": ("Payment Method",),
    "gateway": ("Gateway", "Payment Gateway"),
    "tags": ("Tags",),
}
_ORDER_LEVEL = ("Subtotal", "Financial Status", "Lineitem name", "Lineitem quantity", "Taxes", "Billing Country")


@dataclass(frozen=True)
class ShopifyOrders:
    """Shopify's orders export: one row per line item, folded into one row per order.

    Headers it knows (English: Shopify does not translate the export's header): ``Name``,
    ``Created at`` and ``Total`` plus at least one of ``Subtotal``, ``Financial Status``,
    ``Lineitem name``, ``Lineitem quantity``, ``Taxes``, ``Billing Country``; optionally
    ``Email``, ``Customer ID``, ``Cancelled at``, ``Discount Amount``, ``Shipping``,
    ``Refunded Amount``, ``Currency``, ``Shipping Country``, ``Source``, ``Note Attributes``,
    ``Payment Method``/``Gateway``, ``Tags``. Column order does not matter.

    * ``order_id`` = ``Name`` (``#1030``); rows without a Name are left out.
    * ``ordered_at`` = ``Created at`` (``2014-11-25 14:45:53 +1100``: the wall-clock time is
      kept, the offset dropped).
    * ``revenue`` = ``Subtotal`` (Shopify's subtotal is net of discounts, before shipping and
      tax). Where the order's own numbers show **tax-inclusive prices** (``Taxes`` > 0 and
      ``Subtotal + Shipping + Taxes`` exceeds ``Total``: the tax is inside the prices, as in AU,
      NZ, UK and EU shops), the tax share is taken out: ``Subtotal × (Total − Taxes) / Total``
      (items and shipping carry the same rate), with a note. Without ``Subtotal``:
      ``Total − Shipping − Taxes``.
    * ``discount``, ``shipping``, ``tax`` = ``Discount Amount``, ``Shipping``, ``Taxes``.
    * ``status``: ``Cancelled at`` set, or ``Financial Status`` voided/expired → ``cancelled``;
      refunded → ``refunded``; paid, partially_refunded, partially_paid, pending and authorized
      → ``paid`` (Shopify's sales reports count pending and authorised orders; a note says how
      many). ``refunded`` = ``Refunded Amount`` (a fully refunded order without it: its
      revenue), capped at the order's revenue (a refund of tax or shipping cannot make an
      order's net revenue negative), with a note when capped.
    * ``customer_id`` = ``Customer ID`` when the export has it, else ``Email`` lower-cased;
      empty = a guest. An export without either: every order is a guest (noted).
    * ``country`` = ``Billing Country``, else ``Shipping Country``; ``currency`` = ``Currency``
      (absent: none, noted).
    * ``channel`` = ``Offline`` where ``Source`` is ``pos`` (in-store sales); ``source``,
      ``medium``, ``campaign`` from the ``Note Attributes`` lines ``UTM source: facebook``,
      ``utm_medium: paid``, ``UTM campaign: …`` (the channel is then derived by GA4's rules).
    * Left out (``_drop``): test orders, paid through Shopify's ``bogus`` gateway (``Payment
      Method``/``Gateway``) or tagged ``test``.
    """

    name: str = "Shopify orders export"

    def detect(self, raw: RawTable) -> bool:
        """True for a header with Name, Created at and Total and an order-level Shopify column."""
        return (
            find(raw, "Name") is not None
            and find(raw, "Created at") is not None
            and find(raw, "Total") is not None
            and any(find(raw, name) is not None for name in _ORDER_LEVEL)
        )

    def convert(self, raw: RawTable) -> Converted:
        """Line items folded into orders, mapped as the class docstring says."""
        columns = {name: find(raw, *candidates) for name, candidates in _SHOPIFY.items()}
        issues: list[Issue] = []
        lines = select_columns(raw, columns)
        issues += _nameless_rows(lines, columns)
        lines = lines.filter(pl.col("key").is_not_null())
        orders = fold(lines, "key")
        issues += folded_issue(lines.height, orders.height)
        money = {name: columns[name] for name in ("subtotal", "discount", "shipping", "taxes", "total", "refunded")}
        orders, found = parse_money(orders, money)
        issues += found

        subtotal, shipping, taxes, total = (pl.col(n) for n in ("subtotal", "shipping", "taxes", "total"))
        inclusive = (taxes > 0) & (total > 0) & (total + 0.01 < subtotal + shipping.fill_null(0) + taxes)
        if columns["subtotal"] is not None:
            revenue = pl.when(inclusive).then(subtotal * (total - taxes) / total).otherwise(subtotal)
        else:
            revenue = total - shipping.fill_null(0) - taxes.fill_null(0)
        orders = orders.with_columns(revenue.round(2).alias("revenue"), inclusive.fill_null(value=False).alias("_incl"))
        included = count(orders, pl.col("_incl"))
        if included:
            issues.append(
                note(
                    "tax_inclusive",
                    f"{included:,} order(s) have tax-inclusive prices (Subtotal + Shipping + Taxes exceeds Total): "
                    "their tax share was taken out of revenue, Subtotal × (Total − Taxes) / Total",
                    rows=included,
                    effect="changed",
                    column="revenue",
                )
            )

        financial = pl.col("financial").str.to_lowercase().str.replace_all(" ", "_")
        status = (
            pl.when(pl.col("cancelled").is_not_null() | financial.is_in(["voided", "expired"]))
            .then(pl.lit("cancelled"))
            .when(financial == "refunded")
            .then(pl.lit("refunded"))
            .otherwise(pl.lit("paid"))
        )
        orders = orders.with_columns(status.alias("status"))
        pending = count(orders, financial.is_in(["pending", "authorized", "partially_paid"]))
        if pending:
            issues.append(
                note(
                    "pending_orders",
                    f"{pending:,} order(s) are pending, authorised or partially paid: counted as orders, "
                    "as Shopify's sales reports count them",
                    rows=pending,
                )
            )
        refunded = (
            pl.when((pl.col("status") == "refunded") & pl.col("refunded").is_null())
            .then(pl.col("revenue"))
            .otherwise(pl.col("refunded"))
        )
        orders = orders.with_columns(refunded.alias("refunded"))
        capped = count(orders, pl.col("refunded") > pl.col("revenue"))
        if capped:
            issues.append(
                note(
                    "refund_capped",
                    f"{capped:,} refund(s) exceed the order's revenue (they include tax or shipping): "
                    "capped at the revenue",
                    rows=capped,
                    effect="changed",
                    column="refunded",
                )
            )
        orders = orders.with_columns(capped_refunds(pl.col("revenue"), pl.col("refunded")).alias("refunded"))

        issues += _customer_notes(orders, columns)
        payment = pl.concat_str(pl.col("payment"), pl.col("gateway"), separator=" ", ignore_nulls=True)
        tagged = pl.col("tags").str.to_lowercase().str.contains(r"(?:^|,)\s*test\s*(?:,|$)")
        drop = (
            pl.when(payment.str.to_lowercase().str.contains("bogus"))
            .then(pl.lit("test order (Bogus Gateway)"))
            .when(tagged)
            .then(pl.lit("test order (tagged 'test')"))
            .otherwise(pl.lit(None, pl.String))
        )
        customer = pl.coalesce(pl.col("customer"), pl.col("email").str.to_lowercase())
        out = [
            pl.col("key").alias("order_id"),
            customer.alias("customer_id"),
            pl.col("created").alias("ordered_at"),
            pl.col("revenue"),
        ]
        if columns["refunded"] or columns["financial"]:
            out.append(pl.col("refunded"))
        if columns["financial"] or columns["cancelled"]:
            out.append(pl.col("status"))
        if columns["sales_source"]:
            offline = pl.col("sales_source").str.to_lowercase() == "pos"
            out.append(pl.when(offline).then(pl.lit("Offline")).otherwise(pl.lit(None, pl.String)).alias("channel"))
        if columns["notes"]:
            out += [pl.col("notes").str.extract(_UTM.format(part), 1).alias(part) for part in UTM_PARTS]
        if columns["currency"]:
            out.append(pl.col("currency").str.to_uppercase().alias("currency"))
        else:
            issues.append(note("no_currency", "the export has no Currency column: the orders carry no currency"))
        if columns["billing_country"] or columns["shipping_country"]:
            out.append(pl.coalesce("billing_country", "shipping_country").alias("country"))
        out += [
            pl.col(name).alias(alias)
            for name, alias in (("discount", "discount"), ("taxes", "tax"), ("shipping", "shipping"))
            if columns[name]
        ]
        out.append(drop.alias(DROP))
        frame = orders.select(out)
        return Converted(
            source=raw.source,
            table="orders",
            frame=frame,
            recogniser=self.name,
            rows_in=raw.frame.height,
            issues=tuple(issues),
            first_line=one_to_one(raw, frame.height),
        )


_ORDER_FIELDS = ("financial", "created", "subtotal", "total", "email", "customer", "cancelled", "refunded")


def _nameless_rows(lines: pl.DataFrame, columns: Mapping[str, str | None]) -> list[Issue]:
    """Rows without a Name: harmless when they carry no order value (a line item whose order
    cannot be told without carrying the previous Name forward, which this never does)."""
    nameless = lines.filter(pl.col("key").is_null())
    if not nameless.height:
        return []
    valued = count(nameless, pl.any_horizontal(pl.col(name).is_not_null() for name in _ORDER_FIELDS))
    if not valued:
        return [
            note(
                "no_order_name",
                f"{nameless.height:,} line-item row(s) have no order Name and no order values: not needed",
                rows=nameless.height,
                column=columns["key"],
            )
        ]
    return [
        Issue(
            "warning",
            "no_order_name",
            columns["key"],
            f"{nameless.height:,} row(s) have no order Name, {valued:,} of them with order values: left out",
            rows=nameless.height,
            effect="dropped",
        )
    ]


def _customer_notes(orders: pl.DataFrame, columns: Mapping[str, str | None]) -> list[Issue]:
    """Where the customer key comes from, and how many orders are guests."""
    if columns["customer"] is None and columns["email"] is None:
        return [
            note(
                "no_customer_column",
                f"the export has no Email or Customer ID column: all {orders.height:,} orders are counted as "
                "guests (each its own customer)",
                rows=orders.height,
            )
        ]
    guests = count(orders, pl.col("customer").is_null() & pl.col("email").is_null())
    if not guests:
        return []
    return [note("guests", f"{guests:,} order(s) have no e-mail or customer id: guests", rows=guests)]
