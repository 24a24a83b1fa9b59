"""Stripe Dashboard's payments export (``unified_payments.csv``): one row per charge."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from kpi.ingest.model import Converted, ParseOptions, RawTable
from kpi.ingest.recognisers.common import find
from kpi.ingest.recognisers.shopify_orders import (
    capped_refunds,
    count,
    note,
    one_to_one,
    parse_money,
    select_columns,
)
from kpi.ingest.validation import DROP

_STRIPE: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "created": ("Created (UTC)", "Created date (UTC)", "Created"),
    "amount": ("Amount",),
    "refunded": ("Amount Refunded",),
    "currency": ("Currency",),
    "tax": ("Tax",),
    "mode": ("Mode",),
    "status": ("Status",),
    "captured": ("Captured",),
    "customer": ("Customer ID",),
    "email": ("Customer Email",),
    "country": ("Card Address Country", "Card Issue Country"),
}
_STRIPE_ONLY = (
    "Amount Refunded",
    "Captured",
    "Customer ID",
    "Customer Email",
    "Fee",
    "Seller Message",
    "PaymentIntent ID",
)
_SLASHED = r"^\s*[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}"
_FAILED = ("failed", "blocked", "canceled", "cancelled", "incomplete")


@dataclass(frozen=True)
class StripePayments:
    """Stripe Dashboard's payments export (Payments → Export; ``unified_payments.csv``).

    Headers it knows (English: the Dashboard exports them untranslated): ``id``, ``Created
    (UTC)`` (newer exports: ``Created date (UTC)``), ``Amount``, ``Currency``, ``Status`` and one
    of ``Amount Refunded``, ``Captured``, ``Customer ID``, ``Customer Email``, ``Fee``, ``Seller
    Message``, ``PaymentIntent ID``; optionally ``Tax``, ``Mode``, ``Card Address Country``
    (else ``Card Issue Country``). The column picker may leave any optional column out.

    * ``order_id`` = ``id`` (``ch_…``, ``py_…``): each charge is one order.
    * ``ordered_at`` = ``Created (UTC)``: ISO in the Dashboard's export; ``31/01/2024 09:15``
      after a UK Excel re-save, read day-first (set only when the values are slashed).
    * ``revenue`` = ``Amount − Tax`` (major units; Stripe's amount includes any tax charged,
      and any shipping, which a payment cannot separate: noted). ``tax`` = ``Tax``.
    * ``refunded`` = ``Amount Refunded``; a ``Refunded`` payment without it: the amount; capped
      at the revenue.
    * ``status``: Paid/Succeeded → ``paid``; Refunded → ``refunded``; partial refunds and
      disputes stay ``paid`` with the refunded amount.
    * Left out (``_drop``): ``Mode`` test → "test payment"; Failed, Blocked, Canceled,
      Incomplete → "failed payment"; ``Captured`` false → "not captured" (an authorisation that
      was never charged).
    * ``customer_id`` = ``Customer ID`` (``cus_…``), else ``Customer Email`` lower-cased, else a
      guest. ``currency`` = ``Currency`` upper-cased (``usd`` → ``USD``). ``country`` = ``Card
      Address Country`` else ``Card Issue Country``.
    """

    name: str = "Stripe payments export"

    def detect(self, raw: RawTable) -> bool:
        """True for id, Created (UTC), Amount, Currency, Status and a Stripe-only column."""
        return (
            all(find(raw, name) is not None for name in ("id", "Amount", "Currency", "Status"))
            and find(raw, "Created (UTC)", "Created date (UTC)") is not None
            and any(find(raw, name) is not None for name in _STRIPE_ONLY)
        )

    def convert(self, raw: RawTable) -> Converted:
        """One order per charge, mapped as the class docstring says."""
        columns = {name: find(raw, *candidates) for name, candidates in _STRIPE.items()}
        frame = select_columns(raw, columns)
        frame, issues = parse_money(frame, {name: columns[name] for name in ("amount", "refunded", "tax")})
        state = pl.col("status").str.to_lowercase()
        captured = pl.col("captured").str.to_lowercase().is_in(["false", "no", "0", "f"])
        drop = (
            pl.when(pl.col("mode").str.to_lowercase() == "test")
            .then(pl.lit("test payment"))
            .when(state.is_in(_FAILED))
            .then(pl.lit("failed payment"))
            .when(captured)
            .then(pl.lit("not captured"))
            .otherwise(pl.lit(None, pl.String))
        )
        status = (
            pl.when(state == "refunded")
            .then(pl.lit("refunded"))
            .when(state.is_in(["paid", "succeeded"]) | state.str.contains("partial|disput"))
            .then(pl.lit("paid"))
            .otherwise(state)
        )
        revenue = (pl.col("amount") - pl.col("tax").fill_null(0)).round(2)
        frame = frame.with_columns(revenue.alias("revenue"), status.alias("status"), drop.alias(DROP))
        refunded = (
            pl.when((pl.col("status") == "refunded") & (pl.col("refunded").fill_null(0) == 0))
            .then(pl.col("revenue"))
            .otherwise(pl.col("refunded").fill_null(0))
        )
        frame = frame.with_columns(refunded.alias("refunded"))
        capped = count(frame, pl.col("refunded") > pl.col("revenue"))
        if capped:
            issues.append(
                note(
                    "refund_capped",
                    f"{capped:,} refund(s) exceed the revenue (they include tax): capped at the revenue",
                    rows=capped,
                    effect="changed",
                    column="refunded",
                )
            )
        frame = frame.with_columns(capped_refunds(pl.col("revenue"), pl.col("refunded")).alias("refunded"))
        issues.append(
            note(
                "payment_amounts",
                "revenue is the payment's Amount less its Tax: a payment cannot tell shipping apart, so any "
                "shipping charged stays in revenue",
                column="revenue",
            )
        )
        customer = pl.coalesce(pl.col("customer"), pl.col("email").str.to_lowercase())
        guests = count(frame.filter(pl.col(DROP).is_null()), customer.is_null())
        if guests:
            issues.append(note("guests", f"{guests:,} payment(s) have no customer id or e-mail: guests", rows=guests))
        parse = ParseOptions()
        if count(frame, pl.col("created").str.contains(_SLASHED)) > frame.height // 2:
            parse = ParseOptions(date_order="dmy")
            issues.append(
                note(
                    "day_first_dates",
                    f"'{columns['created']}' is written day/month/year (a re-save by a spreadsheet in a UK locale): "
                    "read day-first",
                    column="ordered_at",
                )
            )
        out = [
            pl.col("id").alias("order_id"),
            customer.alias("customer_id"),
            pl.col("created").alias("ordered_at"),
            pl.col("revenue"),
            pl.col("refunded"),
            pl.col("status"),
            pl.col("currency").str.to_uppercase().alias("currency"),
        ]
        if columns["country"]:
            out.append(pl.col("country"))
        if columns["tax"]:
            out.append(pl.col("tax"))
        out.append(pl.col(DROP))
        converted = frame.select(out)
        return Converted(
            source=raw.source,
            table="orders",
            frame=converted,
            recogniser=self.name,
            rows_in=raw.frame.height,
            issues=tuple(issues),
            parse=parse,
            first_line=one_to_one(raw, converted.height),
        )
