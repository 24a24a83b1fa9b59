"""Olist's marketing funnel (Kaggle ``olistbr/marketing-funnel-olist``): the marketing-qualified
leads file and the closed-deals file, which completes those leads with the deal won."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from kpi.ingest.model import Converted, RawTable
from kpi.ingest.recognisers.common import find
from kpi.ingest.recognisers.shopify_orders import count, note, one_to_one, select_columns

ORIGIN_CHANNELS: dict[str, str] = {
    "organic search": "Organic Search",
    "paid search": "Paid Search",
    "social": "Organic Social",
    "email": "Email",
    "direct traffic": "Direct",
    "referral": "Referral",
    "display": "Display",
    "other": "Unassigned",
    "other publicities": "Unassigned",
    "unknown": "Unassigned",
}
"""Olist's ``origin`` (normalised: ``paid_search`` and ``Paid Search`` alike) → GA4 channel.
``social`` has no paid/organic split in the data: it is taken as Organic Social (Olist's paid
acquisition shows up as paid_search and display). ``other``, ``other_publicities``, ``unknown``
and an empty origin are Unassigned."""


@dataclass(frozen=True)
class OlistLeads:
    """Olist's marketing-qualified leads (``mql_id, first_contact_date, landing_page_id,
    origin``), also as re-saved by European spreadsheets (``;``, BOM, CRLF, ``2018.02.01``) or
    with ``01-02-2018`` dates.

    * ``lead_id`` = ``mql_id``; ``created_at`` = ``first_contact_date``.
    * ``mql_at`` = ``created_at``: every row of the file is a marketing-qualified lead (noted).
    * ``landing_page`` = ``landing_page_id`` (an id, not a path).
    * ``channel`` from ``origin`` (:data:`ORIGIN_CHANNELS`); an origin not listed there is
      Unassigned, with a note naming it.
    * A file that joins the closed deals onto the leads (``won_date``, ``sr_id`` beside the lead
      columns) also gives ``won_at`` and ``owner`` as :class:`OlistClosedDeals` does.
    """

    name: str = "Olist marketing-qualified leads"

    def detect(self, raw: RawTable) -> bool:
        """True for mql_id, first_contact_date and origin."""
        return all(find(raw, name) is not None for name in ("mql_id", "first_contact_date", "origin"))

    def convert(self, raw: RawTable) -> Converted:
        """One lead per row."""
        columns = {
            "lead_id": find(raw, "mql_id"),
            "created_at": find(raw, "first_contact_date"),
            "landing_page": find(raw, "landing_page_id"),
            "origin": find(raw, "origin"),
            "won_at": find(raw, "won_date"),
            "owner": find(raw, "sr_id"),
        }
        frame = select_columns(raw, columns)
        origin = pl.col("origin").str.to_lowercase().str.replace_all(r"[^0-9a-z]+", " ").str.strip_chars()
        frame = frame.with_columns(
            pl.when(origin == "").then(pl.lit(None, pl.String)).otherwise(origin).alias("_origin")
        )
        channel = pl.col("_origin").replace_strict(ORIGIN_CHANNELS, default="Unassigned", return_dtype=pl.String)
        odd = frame.filter(pl.col("_origin").is_not_null() & ~pl.col("_origin").is_in(list(ORIGIN_CHANNELS)))
        issues = [
            note(
                "mql_by_definition",
                f"all {frame.height:,} rows are marketing-qualified leads (Olist's file lists MQLs): "
                "mql_at is the first contact",
                column="mql_at",
            )
        ]
        blank = count(frame, pl.col("_origin").is_null())
        if blank:
            issues.append(
                note("no_origin", f"{blank:,} lead(s) have no origin: channel Unassigned", rows=blank, column="channel")
            )
        if odd.height:
            names = odd["origin"].unique(maintain_order=True).head(5).to_list()
            issues.append(
                note(
                    "unknown_origin",
                    f"{odd.height:,} lead(s) have an origin this product does not know "
                    f"({', '.join(names)}): channel Unassigned",
                    rows=odd.height,
                    column="channel",
                )
            )
        out = [
            pl.col("lead_id"),
            pl.col("created_at"),
            pl.col("created_at").alias("mql_at"),
            channel.alias("channel"),
        ]
        out += [pl.col(name) for name in ("landing_page", "won_at", "owner") if columns[name]]
        converted = frame.select(out)
        return Converted(
            source=raw.source,
            table="leads",
            frame=converted,
            recogniser=self.name,
            rows_in=raw.frame.height,
            issues=tuple(issues),
            first_line=one_to_one(raw, converted.height),
        )


@dataclass(frozen=True)
class OlistClosedDeals:
    """Olist's closed deals (``mql_id, seller_id, sdr_id, sr_id, won_date, business_segment, …,
    declared_monthly_revenue``): rows that **complete** the leads of the MQL file
    (``update_only``: the deals' ``won_at`` and ``owner`` are written onto the lead of the same
    ``mql_id``; without the MQL file they are reported, not loaded).

    * ``lead_id`` = ``mql_id``; ``won_at`` = ``won_date``; ``owner`` = ``sr_id`` (the sales rep
      who closed the deal; ``sdr_id`` qualified the lead).
    * ``sql_at`` is not set: the SDR's qualification has no date in the data.
    * ``deal_value`` is not set: ``declared_monthly_revenue`` is what the seller declared to
      sell per month, not the value of the deal (noted).
    """

    name: str = "Olist closed deals"

    def detect(self, raw: RawTable) -> bool:
        """True for mql_id, won_date and seller_id or sr_id, without first_contact_date."""
        return (
            find(raw, "mql_id") is not None
            and find(raw, "won_date") is not None
            and find(raw, "first_contact_date") is None
            and (find(raw, "seller_id") is not None or find(raw, "sr_id") is not None)
        )

    def convert(self, raw: RawTable) -> Converted:
        """One won deal per row, completing the lead of the same mql_id."""
        columns = {"lead_id": find(raw, "mql_id"), "won_at": find(raw, "won_date"), "owner": find(raw, "sr_id")}
        frame = select_columns(raw, columns)
        if columns["owner"] is None:
            frame = frame.drop("owner")
        issues = [
            note(
                "completes_leads",
                f"{frame.height:,} won deal(s) complete the leads of the same mql_id (won_at, owner = sr_id)",
            ),
            note(
                "no_deal_value",
                "declared_monthly_revenue is what the seller expects to sell per month, not the deal's value: "
                "deal_value is left empty; the SDR's qualification has no date, so sql_at is left empty too",
                column="deal_value",
            ),
        ]
        return Converted(
            source=raw.source,
            table="leads",
            frame=frame,
            recogniser=self.name,
            rows_in=raw.frame.height,
            issues=tuple(issues),
            update_only=True,
            first_line=one_to_one(raw, frame.height),
        )
