"""Mailchimp campaign reports: the account's "Export campaign reports" table and the
single-campaign report (key-value lines)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from kpi.ingest.mapping import normalise_name
from kpi.ingest.model import Converted, RawTable
from kpi.ingest.recognisers.common import find, has_all, text
from kpi.ingest.values import MISSING_MARKERS, parse_numbers
from kpi.issues import Issue

_EMAIL = {"channel": "Email", "source": "mailchimp", "medium": "email"}
_WHY_UNIQUE = (
    "clicks = unique clicks (recipients who clicked), so that clicks / impressions is Mailchimp's own click rate "
    "(measured against deliveries); total clicks count one recipient's repeated clicks"
)


def _no_cost(count: int, why: str) -> Issue:
    return Issue(
        "info",
        "no_campaign_cost",
        "spend",
        f"{count:,} campaign(s) {why}: spend = 0 (their deliveries and clicks still count)",
        hint="Mailchimp's plan cost is not per campaign: add it as a spend row of its own if you want it in CAC",
        rows=count,
        effect="changed" if "empty" in why else "note",
    )


@dataclass(frozen=True)
class MailchimpCampaigns:
    """Mailchimp "Export campaign reports" (Reports → Download all reports): one row per campaign,
    ``Title,Subject,List,"Send Date","Send Weekday","Total Recipients","Successful Deliveries",…,
    "Unique Opens","Open Rate","Total Opens","Unique Clicks","Click Rate","Total Clicks",…,
    "Campaign Cost",…`` (unavailable Google Analytics columns hold ``n/a``).

    date = ``Send Date`` (``Jun 09, 2018 09:30 pm``); campaign = ``Title``; spend = ``Campaign Cost``
    (``0`` when empty or ``n/a``, or when the column is absent, with a note); impressions =
    ``Successful Deliveries``; clicks = ``Unique Clicks`` (why unique: Mailchimp's ``Click Rate`` is
    unique clicks over deliveries, so the product's CTR then equals it; ``Total Clicks`` counts a
    recipient's repeated clicks); channel ``Email``, source ``mailchimp``, medium ``email``.
    Revenue columns (``Total Revenue``, ``Total Orders``) are left out: orders come from the shop.

    Detected by ``Title``, ``Send Date``, ``Successful Deliveries`` and ``Unique Clicks``.
    """

    name: str = "Mailchimp campaign reports"

    def detect(self, raw: RawTable) -> bool:
        """True for the account-wide campaign reports export."""
        return raw.meta.get("layout") != "key_value" and has_all(
            raw, "Title", "Send Date", "Successful Deliveries", "Unique Clicks"
        )

    def convert(self, raw: RawTable) -> Converted:
        """One spend row per campaign."""
        issues = [Issue("info", "unique_clicks", "clicks", _WHY_UNIQUE)]
        cost = find(raw, "Campaign Cost")
        if cost is not None:
            cells = text(raw, cost).str.strip_chars()
            missing = cells.is_null() | cells.is_in(sorted(MISSING_MARKERS))
            spend = pl.when(missing).then(pl.lit("0")).otherwise(cells)
            count = int(raw.frame.select(missing.sum()).item())
            if count:
                issues.append(_no_cost(count, "have an empty or 'n/a' Campaign Cost"))
        else:
            spend = pl.lit("0")
            issues.append(_no_cost(raw.frame.height, "have no Campaign Cost column"))
        frame = raw.frame.select(
            text(raw, find(raw, "Send Date")).alias("date"),
            spend.alias("spend"),
            *(pl.lit(value).alias(name) for name, value in _EMAIL.items()),
            text(raw, find(raw, "Title")).alias("campaign"),
            text(raw, find(raw, "Successful Deliveries")).alias("impressions"),
            text(raw, find(raw, "Unique Clicks")).alias("clicks"),
        )
        return Converted(
            source=raw.source,
            table="spend",
            frame=frame,
            recogniser=self.name,
            rows_in=raw.frame.height,
            issues=tuple(issues),
            first_line=raw.header_line + 1,
        )


_KV_DATE = ("Delivery Date/Time", "Send Date", "Sent", "Delivery Date")
_KV_DELIVERED = ("Successful Deliveries",)
_KV_CLICKED = ("Recipients Who Clicked", "Unique Clicks")


@dataclass(frozen=True)
class MailchimpCampaignReport:
    """Mailchimp's single-campaign report (Reports → a campaign → Download), key-value lines read as
    ``key``/``value`` rows (``raw.meta["layout"] == "key_value"``)::

        Campaign Report
        "Title:","COVERUP-29-04-2021"
        "Delivery Date/Time:","Sat, May 1, 2021 10:15"
        "Overall Stats"                     (or "Combination 1 Stats", … in an A/B test)
        "Successful Deliveries:","1,742"
        "Recipients Who Clicked:","20 (1.1%)"
        …

    One spend row: date = ``Delivery Date/Time``; campaign = ``Title``; impressions =
    ``Successful Deliveries``; clicks = ``Recipients Who Clicked`` (the count before the share;
    unique clicks, as in :class:`MailchimpCampaigns`); spend = 0 (the report has no cost, noted);
    channel ``Email``, source ``mailchimp``, medium ``email``. A key repeated by an A/B test's
    sections takes the largest value when an "Overall" section is there (the overall figure is the
    sum of the combinations), else the sum of the combinations, with a note.

    Detected by the key-value layout with ``Title``, a delivery date and ``Successful Deliveries``.
    """

    name: str = "Mailchimp campaign report"

    def detect(self, raw: RawTable) -> bool:
        """True for the key-value single-campaign report."""
        if raw.meta.get("layout") != "key_value" or raw.columns != ["key", "value"]:
            return False
        keys = {normalise_name(key or "") for key in raw.frame.get_column("key").to_list()}
        wanted = [{normalise_name(name) for name in names} for names in (("Title",), _KV_DATE, _KV_DELIVERED)]
        return all(keys & names for names in wanted)

    def convert(self, raw: RawTable) -> Converted:
        """The report as one spend row."""
        issues = [Issue("info", "unique_clicks", "clicks", _WHY_UNIQUE)]
        pairs = [(normalise_name(key or ""), value) for key, value in raw.frame.iter_rows()]
        overall = "overall" in normalise_name(raw.meta.get("sections", ""))

        def first(names: tuple[str, ...]) -> str | None:
            wanted = [normalise_name(name) for name in names]
            for name in wanted:
                for key, value in pairs:
                    if key == name and value:
                        return value
            return None

        def count(names: tuple[str, ...]) -> float | None:
            wanted = {normalise_name(name) for name in names}
            cells = [value for key, value in pairs if key in wanted and value]
            if not cells:
                return None
            parsed = parse_numbers(pl.Series(cells, dtype=pl.String)).values.to_list()
            values = [value for value in parsed if value is not None]
            if not values:
                return None
            if len(cells) > 1:
                issues.append(
                    Issue(
                        "info",
                        "ab_test_sections",
                        None,
                        f"'{names[0]}' appears {len(cells)} times (A/B test sections): "
                        + ("the overall figure (the largest) is used" if overall else "the combinations are added"),
                    )
                )
                return max(values) if overall else sum(values)
            return values[0]

        deliveries = count(_KV_DELIVERED)
        clicked = count(_KV_CLICKED)
        issues.append(_no_cost(1, "have no cost in a single-campaign report"))
        frame = pl.DataFrame(
            {
                "date": [first(_KV_DATE)],
                "spend": [0.0],
                **{name: [value] for name, value in _EMAIL.items()},
                "campaign": [first(("Title",))],
                "impressions": [None if deliveries is None else round(deliveries)],
                "clicks": [None if clicked is None else round(clicked)],
            },
            schema={
                "date": pl.String,
                "spend": pl.Float64,
                "channel": pl.String,
                "source": pl.String,
                "medium": pl.String,
                "campaign": pl.String,
                "impressions": pl.Int64,
                "clicks": pl.Int64,
            },
        )
        return Converted(
            source=raw.source,
            table="spend",
            frame=frame,
            recogniser=self.name,
            rows_in=1,
            issues=tuple(issues),
        )


RECOGNISERS = (MailchimpCampaigns(), MailchimpCampaignReport())
