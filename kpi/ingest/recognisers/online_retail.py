"""Public transaction datasets: UCI Online Retail (I and II), invoice lines folded into
invoices, and CDNOW (Fader & Hardie), one purchase per row."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from kpi.ingest.model import Converted, RawTable
from kpi.ingest.recognisers.common import find
from kpi.ingest.recognisers.shopify_orders import (
    count,
    fold,
    folded_issue,
    note,
    one_to_one,
    parse_money,
    select_columns,
)
from kpi.ingest.validation import DROP

_RETAIL: dict[str, tuple[str, ...]] = {
    "invoice": ("InvoiceNo", "Invoice"),
    "quantity": ("Quantity",),
    "date": ("InvoiceDate",),
    "price": ("UnitPrice", "Price"),
    "customer": ("CustomerID", "Customer ID"),
    "country": ("Country",),
}
CREDIT_NOTE = "credit note (cancellation of an earlier invoice, not linked to it)"
ADJUSTMENT = "bad-debt adjustment (an accounting entry, not a sale)"
STOCK_MOVE = "zero-value invoice without a customer (a stock adjustment: damaged, lost, found…)"


def _amount(value: float) -> str:
    return f"{value:,.2f}".replace("-", "−")


@dataclass(frozen=True)
class OnlineRetail:
    """UCI Online Retail (``InvoiceNo, StockCode, Description, Quantity, InvoiceDate,
    UnitPrice, CustomerID, Country``) and Online Retail II (``Invoice, StockCode, Description,
    Quantity, InvoiceDate, Price, Customer ID, Country``): one row per invoice line, folded
    into one order per invoice.

    * ``order_id`` = the invoice number; ``ordered_at`` = ``InvoiceDate`` of the invoice's first
      line (ISO here; ``12/1/2010 8:26`` or ``1/12/2010 8:26`` in other copies: the day/month
      order is inferred from the whole column).
    * ``revenue`` = Σ ``Quantity × UnitPrice`` over the invoice's lines (in pounds sterling:
      ``currency`` = GBP, the retailer's currency, noted).
    * ``customer_id`` = ``CustomerID`` (``17850.0`` written by pandas is read as ``17850``);
      empty = a guest (a quarter of the lines have none). ``country`` = ``Country``.
    * Left out (``_drop``), with the count and value in the reason: invoices starting with
      ``C`` (credit notes: cancellations of earlier invoices that the data does not link to
      them, so their sale stays counted); ``A…`` invoices (bad-debt adjustments); zero-value
      invoices without a customer whose lines are all priced 0 (stock adjustments written as
      invoices: "damaged", "found", "?"). Zero-value invoices of a customer (free goods) are
      kept, with a note.
    """

    name: str = "UCI Online Retail invoice lines"

    def detect(self, raw: RawTable) -> bool:
        """True for an invoice number, StockCode, Quantity, InvoiceDate and a unit price."""
        return (
            find(raw, "InvoiceNo", "Invoice") is not None
            and find(raw, "StockCode") is not None
            and find(raw, "Quantity") is not None
            and find(raw, "InvoiceDate") is not None
            and find(raw, "UnitPrice", "Price") is not None
        )

    def convert(self, raw: RawTable) -> Converted:
        """Invoice lines folded into invoices, mapped as the class docstring says."""
        columns = {name: find(raw, *candidates) for name, candidates in _RETAIL.items()}
        lines = select_columns(raw, columns)
        lines, issues = parse_money(lines, {"price": columns["price"]})
        quantity, found = parse_money(lines.select("quantity"), {"quantity": columns["quantity"]})
        issues += found
        lines = lines.with_columns(
            quantity["quantity"],
            pl.col("customer").str.replace(r"\.0+$", ""),
        )
        invoices = fold(
            lines,
            "invoice",
            sums={
                "revenue": (pl.col("quantity") * pl.col("price")).sum().round(2),
                "_free": (pl.col("price").fill_null(0) == 0).all(),
            },
            firsts=("customer", "country", "date"),
        )
        issues += folded_issue(raw.frame.height, invoices.height, "invoice lines", "invoices")
        prefix = pl.col("invoice").str.to_uppercase().str.slice(0, 1)
        stock = (pl.col("revenue") == 0) & pl.col("customer").is_null() & pl.col("_free")
        credit = invoices.filter(prefix == "C")
        adjust = invoices.filter(prefix == "A")
        drop = (
            pl.when(prefix == "C")
            .then(pl.lit(f"{CREDIT_NOTE}; {_amount(credit['revenue'].sum())} in total"))
            .when(prefix == "A")
            .then(pl.lit(f"{ADJUSTMENT}; {_amount(adjust['revenue'].sum())} in total"))
            .when(stock)
            .then(pl.lit(STOCK_MOVE))
            .otherwise(pl.lit(None, pl.String))
        )
        invoices = invoices.with_columns(drop.alias(DROP))
        free = count(invoices, pl.col(DROP).is_null() & (pl.col("revenue") == 0))
        if free:
            issues.append(
                note(
                    "zero_value",
                    f"{free:,} invoice(s) of a customer have a value of 0 (free goods): kept as orders",
                    rows=free,
                    column="revenue",
                )
            )
        guests = count(invoices, pl.col(DROP).is_null() & pl.col("customer").is_null())
        if guests:
            issues.append(note("guests", f"{guests:,} invoice(s) have no CustomerID: guests", rows=guests))
        issues.append(note("currency", "the file holds no currency: its prices are pounds sterling (GBP)"))
        frame = invoices.select(
            pl.col("invoice").alias("order_id"),
            pl.col("customer").alias("customer_id"),
            pl.col("date").alias("ordered_at"),
            pl.col("revenue"),
            pl.lit("GBP").alias("currency"),
            pl.col("country"),
            pl.col(DROP),
        )
        return Converted(
            source=raw.source,
            table="orders",
            frame=frame,
            recogniser=self.name,
            rows_in=raw.frame.height,
            issues=tuple(issues),
            first_line=one_to_one(raw, frame.height),
        )


@dataclass(frozen=True)
class Cdnow:
    """The CDNOW purchase data (``CDNOW_master.txt``: ``customer_id date number_of_cds
    dollar_value``, whitespace-separated, ``19970101`` dates): one purchase per row.

    * ``order_id`` = ``cdnow-<row>`` (the file has no order id; row 1 is the first data row);
      ``customer_id`` = ``customer_id``; ``ordered_at`` = ``date``; ``revenue`` =
      ``dollar_value`` (``currency`` = USD). Rows worth $0 are kept (a purchase of free items),
      with a note.
    """

    name: str = "CDNOW purchases"

    def detect(self, raw: RawTable) -> bool:
        """True for the four CDNOW columns."""
        return all(find(raw, name) is not None for name in ("customer_id", "date", "number_of_cds", "dollar_value"))

    def convert(self, raw: RawTable) -> Converted:
        """One order per purchase."""
        frame = select_columns(
            raw,
            {
                "customer_id": find(raw, "customer_id"),
                "ordered_at": find(raw, "date"),
                "revenue": find(raw, "dollar_value"),
            },
        )
        frame, issues = parse_money(frame, {"revenue": find(raw, "dollar_value")})
        frame = frame.with_row_index("order_id", offset=1).select(
            pl.format("cdnow-{}", pl.col("order_id")).alias("order_id"),
            "customer_id",
            "ordered_at",
            "revenue",
            pl.lit("USD").alias("currency"),
        )
        issues.append(
            note("row_ids", "the file has no order id: each row is one purchase, numbered cdnow-1, cdnow-2, …")
        )
        free = count(frame, pl.col("revenue") == 0)
        if free:
            issues.append(
                note("zero_value", f"{free:,} purchase(s) are worth $0: kept as orders", rows=free, column="revenue")
            )
        return Converted(
            source=raw.source,
            table="orders",
            frame=frame,
            recogniser=self.name,
            rows_in=raw.frame.height,
            issues=tuple(issues),
            first_line=one_to_one(raw, frame.height),
        )
