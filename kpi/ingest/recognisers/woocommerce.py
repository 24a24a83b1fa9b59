"""WooCommerce order exports: Metorik's order export (one row per order) and the "Advanced Order
Export For WooCommerce" plugin (one row per item). WooCommerce itself has no order CSV export."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from kpi.ingest.model import Converted, RawTable
from kpi.ingest.recognisers.common import find
from kpi.ingest.recognisers.shopify_orders import (
    UTM_PARTS,
    capped_refunds,
    count,
    fold,
    folded_issue,
    note,
    one_to_one,
    parse_money,
    select_columns,
)
from kpi.ingest.validation import DROP
from kpi.issues import Issue

_TABLET = r"(?i)ipad|tablet|kindle|silk/|playbook|nexus (?:7|9|10)"
_MOBILE = r"(?i)mobi|iphone|ipod|android|windows phone|blackberry|bb10|opera mini|iemobile"
_LIVE = ("completed", "processing", "on-hold", "on hold")
_NOT_ORDERS = {
    "failed": "failed payment",
    "pending": "pending payment",
    "pending payment": "pending payment",
    "checkout-draft": "checkout draft (not placed)",
    "draft": "checkout draft (not placed)",
    "trash": "deleted order (in the trash)",
}


def device_from_user_agent(user_agent: pl.Expr) -> pl.Expr:
    """``tablet``, ``mobile`` or ``desktop`` from a browser's user agent (null when empty).

    Tablet first: ``iPad``, ``Tablet``, Kindle/``Silk/``, PlayBook, Nexus 7/9/10, or Android
    without ``Mobile`` (Android tablets leave it out); then mobile: ``Mobi`` (every phone
    browser), ``iPhone``, ``iPod``, ``Android``, Windows Phone, BlackBerry, Opera Mini; anything
    else is desktop. iPads since iPadOS 13 send a Mac user agent by default, so they count as
    desktop: no user agent can tell them apart.
    """
    android_tablet = user_agent.str.contains("(?i)android") & ~user_agent.str.contains("(?i)mobile")
    return (
        pl.when(user_agent.is_null())
        .then(pl.lit(None, pl.String))
        .when(user_agent.str.contains(_TABLET) | android_tablet)
        .then(pl.lit("tablet"))
        .when(user_agent.str.contains(_MOBILE))
        .then(pl.lit("mobile"))
        .otherwise(pl.lit("desktop"))
    )


def distinct_joined(value: pl.Expr) -> pl.Expr:
    """A comma-joined cell with its repeats removed, case-insensitively, keeping the first
    spelling: ``klaviyo,Klaviyo`` → ``klaviyo``, ``campaign,campaign`` → ``campaign``.

    >>> pl.select(distinct_joined(pl.lit("klaviyo,Klaviyo"))).item()
    'klaviyo'
    """
    parts = value.str.split(",").list.eval(pl.element().str.strip_chars().filter(pl.element().str.strip_chars() != ""))
    unique = parts.list.eval(pl.element().filter(pl.element().str.to_lowercase().is_first_distinct()))
    joined = unique.list.join(",")
    return pl.when(joined == "").then(pl.lit(None, pl.String)).otherwise(joined)


def woo_status(status: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(status, drop reason) of a WooCommerce order status, slug (``wc-on-hold``) or label
    (``On hold``): completed, processing, on-hold → paid; refunded; cancelled; failed, pending,
    checkout-draft, trash → left out (they are not orders); others kept as written."""
    slug = status.str.to_lowercase().str.strip_prefix("wc-").str.replace_all("_", "-")
    mapped = (
        pl.when(slug.is_in(_LIVE))
        .then(pl.lit("paid"))
        .when(slug == "refunded")
        .then(pl.lit("refunded"))
        .when(slug.is_in(["cancelled", "canceled"]))
        .then(pl.lit("cancelled"))
        .otherwise(slug)
    )
    return mapped, slug.replace_strict(_NOT_ORDERS, default=None, return_dtype=pl.String)


def _refund_issues(frame: pl.DataFrame) -> list[Issue]:
    capped = count(frame, pl.col("refunded") > pl.col("revenue"))
    if not capped:
        return []
    return [
        note(
            "refund_capped",
            f"{capped:,} refund(s) exceed the order's revenue (they include tax or shipping): capped at the revenue",
            rows=capped,
            effect="changed",
            column="refunded",
        )
    ]


def _guest_issue(frame: pl.DataFrame, what: str) -> list[Issue]:
    guests = count(frame, pl.col("customer_id").is_null())
    return [note("guests", f"{guests:,} order(s) have no {what}: guests", rows=guests)] if guests else []


_METORIK: dict[str, tuple[str, ...]] = {
    "order_id": ("Order ID",),
    "number": ("Order Number",),
    "created": ("Order Created At",),
    "status": ("Status",),
    "currency": ("Currency",),
    "total": ("Total",),
    "shipping": ("Total Shipping",),
    "discount": ("Total Discount",),
    "tax": ("Total Tax",),
    "refunds": ("Total Refunds",),
    "user_agent": ("Customer User Agent",),
    "customer": ("Customer ID",),
    "email": ("Billing Address Email",),
    "billing_country": ("Billing Address Country",),
    "shipping_country": ("Shipping Address Country",),
    "campaign": ("UTM Campaign",),
    "medium": ("UTM Medium",),
    "source": ("UTM Source",),
}


@dataclass(frozen=True)
class MetorikOrders:
    """Metorik's WooCommerce order export, one row per order.

    Headers it knows (English only: Metorik does not translate them): ``Order ID``, ``Order
    Number``, ``Order Created At``, ``Status`` and ``Total`` (required), and ``Currency``,
    ``Total Shipping``, ``Total Discount``, ``Total Tax``, ``Total Refunds``, ``Customer User
    Agent``, ``Customer ID``, ``Billing Address Email``, ``Billing Address Country``,
    ``Shipping Address Country``, ``UTM Source``, ``UTM Medium``, ``UTM Campaign``.

    * ``order_id`` = ``Order ID`` (``Order Number`` is the same number with ``#``);
      ``ordered_at`` = ``Order Created At`` (store-local time).
    * ``revenue`` = ``Total − Total Tax − Total Shipping``: WooCommerce's Total is after
      discounts and includes tax and shipping, so this is the contract's "net of discounts,
      excluding tax and shipping" (fees stay in). Metorik leaves zero amounts empty: an empty
      Total is 0 (prepaid subscription renewals, gifts), with a note. ``tax``, ``shipping``, ``discount`` =
      ``Total Tax``, ``Total Shipping``, ``Total Discount``.
    * ``refunded`` = ``Total Refunds`` (positive), capped at the revenue (a refund of tax or
      shipping cannot make an order's net revenue negative).
    * ``status``: completed, processing, on-hold → ``paid``; refunded; cancelled. Failed and
      pending orders (a quarter of a real store's rows) and checkout drafts are not orders: left
      out with the reason ("failed payment").
    * ``customer_id`` = ``Customer ID`` (``0`` or empty = a guest; with no Customer ID column,
      ``Billing Address Email``).
    * ``source``, ``medium``, ``campaign`` = ``UTM Source``, ``UTM Medium``, ``UTM Campaign``
      with comma-joined repeats removed (``klaviyo,Klaviyo`` → ``klaviyo``); ``(direct)`` is kept,
      so GA4's rules make it Direct. ``Referring Site`` and ``Landing Path`` are not used (orders
      have no landing page).
    * ``device`` from ``Customer User Agent`` (:func:`device_from_user_agent`).
    * ``country`` = ``Billing Address Country``, else ``Shipping Address Country``;
      ``currency`` = ``Currency``.
    """

    name: str = "WooCommerce orders export (Metorik)"

    def detect(self, raw: RawTable) -> bool:
        """True for a header with Order ID, Order Number, Order Created At, Status and Total."""
        return all(
            find(raw, name) is not None for name in ("Order ID", "Order Number", "Order Created At", "Status")
        ) and (find(raw, "Total") is not None)

    def convert(self, raw: RawTable) -> Converted:
        """One order per row, mapped as the class docstring says."""
        columns = {name: find(raw, *candidates) for name, candidates in _METORIK.items()}
        frame = select_columns(raw, columns)
        frame = frame.with_columns(pl.col("total").is_null().alias("_no_total"))
        frame, issues = parse_money(
            frame, {name: columns[name] for name in ("total", "shipping", "discount", "tax", "refunds")}
        )
        empty = count(frame, pl.col("_no_total") & ~pl.col("status").str.to_lowercase().is_in(list(_NOT_ORDERS)))
        if empty:
            issues.append(
                note(
                    "empty_total",
                    f"{empty:,} order(s) have an empty Total (Metorik leaves zero amounts empty: prepaid or free "
                    "orders): revenue 0",
                    rows=empty,
                    effect="changed",
                    column="revenue",
                )
            )
        status, drop = woo_status(pl.col("status"))
        customer = pl.when(pl.col("customer") == "0").then(pl.lit(None, pl.String)).otherwise(pl.col("customer"))
        if columns["customer"] is None:
            customer = pl.col("email").str.to_lowercase()
        net = (pl.col("total") - pl.col("tax").fill_null(0) - pl.col("shipping").fill_null(0)).round(2)
        revenue = pl.when(pl.col("_no_total")).then(pl.lit(0.0)).otherwise(net)
        frame = frame.with_columns(
            pl.coalesce("order_id", pl.col("number").str.strip_chars_start("#")).alias("order_id"),
            customer.alias("customer_id"),
            revenue.alias("revenue"),
            pl.col("refunds").abs().fill_null(0).alias("refunded"),
            status.alias("status"),
            drop.alias(DROP),
        )
        issues += _refund_issues(frame)
        frame = frame.with_columns(capped_refunds(pl.col("revenue"), pl.col("refunded")).alias("refunded"))
        issues += _guest_issue(frame.filter(pl.col(DROP).is_null()), "customer id")
        out = [
            pl.col("order_id"),
            pl.col("customer_id"),
            pl.col("created").alias("ordered_at"),
            pl.col("revenue"),
            pl.col("refunded"),
            pl.col("status"),
        ]
        out += [distinct_joined(pl.col(part)).alias(part) for part in UTM_PARTS if columns[part]]
        if columns["user_agent"]:
            out.append(device_from_user_agent(pl.col("user_agent")).alias("device"))
        if columns["currency"]:
            out.append(pl.col("currency").str.to_uppercase().alias("currency"))
        if columns["billing_country"] or columns["shipping_country"]:
            out.append(pl.coalesce("billing_country", "shipping_country").alias("country"))
        out += [pl.col(name) for name in ("discount", "tax", "shipping") if columns[name]]
        out.append(pl.col(DROP))
        converted = frame.select(out)
        return Converted(
            source=raw.source,
            table="orders",
            frame=converted,
            recogniser=self.name,
            rows_in=raw.frame.height,
            issues=tuple(issues),
            first_line=one_to_one(raw, converted.height),
        )


_PLUGIN: dict[str, tuple[str, ...]] = {
    "key": ("Order Number", "Order ID", "Order Id"),
    "status": ("Order Status",),
    "created": ("Order Date",),
    "customer": ("Customer User ID", "Customer User Id", "User ID"),
    "email": ("Email (Billing)", "Customer User Email", "Billing Email"),
    "total": ("Order Total Amount", "Order Total"),
    "tax": ("Order Total Tax Amount", "Order Tax Amount"),
    "shipping": ("Order Shipping Amount",),
    "subtotal": ("Order Subtotal Amount",),
    "discount": ("Cart Discount Amount",),
    "refunds": ("Order Refund Amount",),
    "currency": ("Currency", "Order Currency"),
    "billing_country": ("Country Code (Billing)", "Country Name (Billing)"),
    "shipping_country": ("Country Code (Shipping)", "Country Name (Shipping)"),
}
_PLUGIN_AMOUNTS = ("Order Total Amount", "Order Subtotal Amount", "Item Cost", "Order Line Total")


@dataclass(frozen=True)
class AdvancedOrderExport:
    """The "Advanced Order Export For WooCommerce" plugin's CSV (its default field labels, in
    English): one row per item, folded into one row per ``Order Number``.

    Headers it knows: ``Order Number``, ``Order Status``, ``Order Date`` and one of ``Order
    Total Amount``, ``Order Subtotal Amount``, ``Item Cost``, ``Order Line Total`` (required);
    ``Order Total Tax Amount``/``Order Tax Amount``, ``Order Shipping Amount``, ``Cart Discount
    Amount``, ``Order Refund Amount``, ``Customer User ID``, ``Email (Billing)``, ``Country Code
    (Billing)``/``(Shipping)``, ``Currency``.

    * ``order_id`` = ``Order Number``; order fields are taken from the order's rows where they
      are filled (the plugin fills them on every item row, or on the first one only).
    * ``revenue`` = ``Order Total Amount − Order Total Tax Amount − Order Shipping Amount``;
      without a total, ``Order Subtotal Amount − Cart Discount Amount``.
    * ``refunded`` = ``|Order Refund Amount|``, capped at the revenue; ``status`` as in
      :func:`woo_status` (labels such as ``Completed`` or ``Pending payment`` too).
    * ``customer_id`` = ``Customer User ID`` (``0``/empty = guest) else ``Email (Billing)``.
    """

    name: str = "WooCommerce orders export (Advanced Order Export plugin)"

    def detect(self, raw: RawTable) -> bool:
        """True for Order Number, Order Status, Order Date and an amount column of the plugin."""
        return all(find(raw, name) is not None for name in ("Order Number", "Order Status", "Order Date")) and any(
            find(raw, name) is not None for name in _PLUGIN_AMOUNTS
        )

    def convert(self, raw: RawTable) -> Converted:
        """Items folded into orders, mapped as the class docstring says."""
        columns = {name: find(raw, *candidates) for name, candidates in _PLUGIN.items()}
        issues: list[Issue] = []
        lines = select_columns(raw, columns).filter(pl.col("key").is_not_null())
        if lines.height < raw.frame.height:
            dropped = raw.frame.height - lines.height
            issues.append(
                Issue(
                    "warning",
                    "no_order_number",
                    columns["key"],
                    f"{dropped:,} row(s) have no Order Number: left out",
                    rows=dropped,
                    effect="dropped",
                )
            )
        orders = fold(lines, "key")
        issues += folded_issue(raw.frame.height, orders.height, "item rows")
        money = {name: columns[name] for name in ("total", "tax", "shipping", "subtotal", "discount", "refunds")}
        orders, found = parse_money(orders, money)
        issues += found
        if columns["total"]:
            revenue = pl.col("total") - pl.col("tax").fill_null(0) - pl.col("shipping").fill_null(0)
        else:
            revenue = pl.col("subtotal") - pl.col("discount").fill_null(0)
        status, drop = woo_status(pl.col("status"))
        customer = pl.when(pl.col("customer") == "0").then(pl.lit(None, pl.String)).otherwise(pl.col("customer"))
        orders = orders.with_columns(
            revenue.round(2).alias("revenue"),
            pl.col("refunds").abs().fill_null(0).alias("refunded"),
            pl.coalesce(customer, pl.col("email").str.to_lowercase()).alias("customer_id"),
            status.alias("status"),
            drop.alias(DROP),
        )
        issues += _refund_issues(orders)
        orders = orders.with_columns(capped_refunds(pl.col("revenue"), pl.col("refunded")).alias("refunded"))
        issues += _guest_issue(orders.filter(pl.col(DROP).is_null()), "customer id or e-mail")
        out = [
            pl.col("key").alias("order_id"),
            pl.col("customer_id"),
            pl.col("created").alias("ordered_at"),
            pl.col("revenue"),
            pl.col("refunded"),
            pl.col("status"),
        ]
        if columns["currency"]:
            out.append(pl.col("currency").str.to_uppercase().alias("currency"))
        if columns["billing_country"] or columns["shipping_country"]:
            out.append(pl.coalesce("billing_country", "shipping_country").alias("country"))
        out += [pl.col(name) for name in ("discount", "tax", "shipping") if columns[name]]
        out.append(pl.col(DROP))
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
