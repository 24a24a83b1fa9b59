"""Shopify analytics reports: the sessions / conversion reports (Analytics → Reports, ShopifyQL)
and the Marketing → Channels report ("channel performance")."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from kpi.channels import channel_for, source_category
from kpi.ingest.model import Converted, RawTable, Skipped
from kpi.ingest.recognisers.common import device, find, has_all, period_of, text
from kpi.ingest.values import parse_numbers
from kpi.issues import Issue

DAY = ("day", "date")
SESSIONS = ("sessions",)
CART = ("sessions with cart additions", "sessions with add to cart", "added to cart")
CHECKOUT = ("sessions that reached checkout", "reached checkout")
PURCHASE = ("sessions that completed checkout", "sessions converted", "completed checkout")
PURCHASE_BOTH = ("sessions that reached and completed checkout",)
VISITORS = ("online store visitors", "visitors")
PAGEVIEWS = ("pageviews", "page views")
LANDING_PATH = ("landing page path",)
LANDING_URL = ("landing page url", "landing page")
UTM_SOURCE = ("utm source", "utm campaign source")
UTM_MEDIUM = ("utm medium", "utm campaign medium")
UTM_CAMPAIGN = ("utm campaign", "utm campaign name")
DEVICE = ("device type", "session device type")
_SHOPIFY_ONLY = (
    *CART,
    *CHECKOUT,
    *PURCHASE,
    *PURCHASE_BOTH,
    "online store visitors",
    "landing page type",
    "landing page path",
    "landing page url",
)


@dataclass(frozen=True)
class ShopifySessionsReport:
    """Shopify sessions and conversion reports (Analytics → Reports → Sessions over time,
    Conversion rate breakdown, Sessions by landing page…; headers quoted): ``"Day","UTM campaign",
    "UTM term","Landing page URL","Online store visitors","Sessions","Sessions with cart additions",
    "Sessions that reached checkout","Sessions that completed checkout","Average session duration",
    "Pageviews"`` in any order and subset.

    date = ``Day``; sessions = ``Sessions``; add_to_cart_sessions = ``Sessions with cart
    additions``; checkout_sessions = ``Sessions that reached checkout``; purchase_sessions =
    ``Sessions that completed checkout`` (else ``Sessions that reached and completed checkout``);
    users = ``Online store visitors`` (summed over rows, as the contract says: not unique
    visitors); pageviews = ``Pageviews``; campaign/source/medium = ``UTM campaign`` / ``UTM
    source`` / ``UTM medium`` (the channel is then derived by GA4's rules when the table is used);
    device = ``Device type``; landing_page = ``Landing page path``, else the path of ``Landing page
    URL`` (scheme, host and query removed, so that the home page is ``/``), with a note.
    ``Average session duration`` is left out (its unit is not documented for the CSV), with a note.

    Detected by a ``Day`` column and ``Sessions`` with at least one column only Shopify writes
    (the funnel steps, ``Online store visitors``, ``Landing page type/path/URL``).
    """

    name: str = "Shopify sessions report"

    def detect(self, raw: RawTable) -> bool:
        """True for a Shopify sessions/conversion report."""
        return (
            raw.meta.get("layout") != "key_value"
            and find(raw, *DAY) is not None
            and find(raw, *SESSIONS) is not None
            and find(raw, *_SHOPIFY_ONLY) is not None
        )

    def convert(self, raw: RawTable) -> Converted:
        """One traffic row per report row."""
        issues: list[Issue] = []
        columns: dict[str, pl.Expr] = {
            "date": text(raw, find(raw, *DAY)),
            "sessions": text(raw, find(raw, *SESSIONS)),
        }
        for canonical, names in (
            ("add_to_cart_sessions", CART),
            ("checkout_sessions", CHECKOUT),
            ("purchase_sessions", PURCHASE),
            ("users", VISITORS),
            ("pageviews", PAGEVIEWS),
            ("campaign", UTM_CAMPAIGN),
            ("source", UTM_SOURCE),
            ("medium", UTM_MEDIUM),
        ):
            found = find(raw, *names)
            if found is not None:
                columns[canonical] = text(raw, found)
        if "purchase_sessions" not in columns and find(raw, *PURCHASE_BOTH) is not None:
            columns["purchase_sessions"] = text(raw, find(raw, *PURCHASE_BOTH))
        device_column = find(raw, *DEVICE)
        if device_column is not None:
            columns["device"] = device(pl.col(device_column))
        path, url = find(raw, *LANDING_PATH), find(raw, *LANDING_URL)
        if path is not None:
            columns["landing_page"] = text(raw, path)
        elif url is not None:
            stripped = (
                text(raw, url)
                .str.strip_chars()
                .str.replace(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*", "")
                .str.replace(r"[?#].*$", "")
            )
            columns["landing_page"] = pl.when(stripped == "").then(pl.lit("/")).otherwise(stripped)
            issues.append(
                Issue(
                    "info",
                    "landing_page_path",
                    "landing_page",
                    f"landing_page = the path of '{url}' (scheme, host and query removed; the home page is '/')",
                )
            )
        if find(raw, "Average session duration") is not None:
            issues.append(
                Issue(
                    "info",
                    "left_out",
                    None,
                    "'Average session duration' is left out: its unit in Shopify's CSV is not documented",
                )
            )
        frame = raw.frame.select([value.alias(name) for name, value in columns.items()])
        return Converted(
            source=raw.source,
            table="traffic",
            frame=frame,
            recogniser=self.name,
            rows_in=raw.frame.height,
            issues=tuple(issues),
            first_line=raw.header_line + 1,
        )


_CHANNELS_HEADER = ("Referring platform", "Channel", "Type", "Sessions")
_UNATTRIBUTED = frozenset({"unattributed", "unknown", ""})


def _origin(platform: str | None, site: str | None, kind: str | None) -> tuple[str | None, str | None, str]:
    """(source, medium, channel) of one Channels-report row (see :class:`ShopifyChannels`)."""
    kind = (kind or "").strip().lower()
    site = (site or "").strip().lower()
    platform = (platform or "").strip().lower()
    source = site if site not in _UNATTRIBUTED else (platform or None)
    if kind == "direct":
        return "(direct)", "(none)", "Direct"
    if kind == "paid":
        medium = "paid"
    elif kind == "organic":
        medium = "organic" if source and source_category(source) == "SEARCH" else "referral"
    else:
        return source, None, "Unassigned"
    return source, medium, channel_for(source, medium).channel


@dataclass(frozen=True)
class ShopifyChannels:
    """Shopify Marketing → Channels report export ("channel performance"): ``Referring platform,
    Channel,Type,Sessions,Sales,Orders,Conversion rate,Cost,ROAS,CPA,CTR,AOV,Orders from new
    customers,Orders from returning customers``, one row per (platform, channel, type) for the whole
    period of the report.

    * date: the report has none per row; the period comes from the file name
      (``…_2025-09-01_2025-12-19.csv``) and every row is placed on its first day, with an info issue.
      Without dates in the file name the table is skipped with the reason.
    * sessions = ``Sessions``; purchase_sessions = ``Orders`` (assumes one order per converting
      session, noted; an empty Orders cell is 0).
    * source = ``Channel`` (Shopify's site: google, facebook, instagram, bing…), else ``Referring
      platform`` (alphabet, meta…) where Channel is ``unattributed``.
    * Type → medium and channel: ``paid`` → medium ``paid`` and GA4's rules give Paid Search
      (google), Paid Social (facebook, instagram), Paid Video (youtube) or Paid Other; ``organic`` →
      medium ``organic`` for search sites, else ``referral`` (Organic Social, Referral, Organic
      Search by GA4's site list); ``direct`` → source ``(direct)``, medium ``(none)``, Direct;
      ``unknown`` → Unassigned (Shopify could not tell paid from organic).
    * ``Sales``/``AOV`` are left out (revenue belongs to the orders table), and ``Cost`` too: one
      file gives one table, and a spend table placed on the first day would duplicate the ad
      platforms' own exports. A note says how much cost was left out.
    """

    name: str = "Shopify channels report"

    def detect(self, raw: RawTable) -> bool:
        """True for the Channels report header."""
        return raw.meta.get("layout") != "key_value" and has_all(raw, *_CHANNELS_HEADER)

    def convert(self, raw: RawTable) -> Converted | Skipped:
        """Traffic rows per channel on the period's first day."""
        period = period_of(raw)
        if period is None:
            return Skipped(
                raw.source,
                self.name,
                "the Shopify channels report has no dates per row, and the file name names no period "
                "(like 'channels_2025-09-01_2025-12-19.csv'): its sessions cannot be placed in time; rename the "
                "file with the report's first and last day",
            )
        start, end = period
        platform, site, kind = (find(raw, name) for name in ("Referring platform", "Channel", "Type"))
        rows = raw.frame.select(text(raw, platform), text(raw, site), text(raw, kind)).rows()
        origins = [_origin(*row) for row in rows]
        orders = find(raw, "Orders")
        issues = [
            Issue(
                "info",
                "period_on_first_day",
                "date",
                f"the report has no dates per row: every row covers {start} – {end} (from the file name) and is "
                f"placed on its first day, {start}",
                hint="choose a period that contains the whole range",
                rows=raw.frame.height,
            ),
            Issue(
                "info",
                "orders_as_purchase_sessions",
                "purchase_sessions",
                "purchase sessions = Orders (assumes one order per converting session); an empty Orders cell is 0",
            ),
            Issue(
                "info",
                "channel_from_type",
                "channel",
                "channel from Type and Channel: paid → medium 'paid', organic → 'organic' (search sites) or "
                "'referral', direct → Direct, unknown → Unassigned; then GA4's rules",
            ),
        ]
        left_out = [name for name in ("Sales", "AOV", "Cost", "ROAS", "CPA", "CTR") if find(raw, name)]
        cost = find(raw, "Cost")
        total_cost = 0.0
        if cost is not None:
            total_cost = float(parse_numbers(raw.frame.get_column(cost).cast(pl.String)).values.fill_null(0).sum())
        if left_out:
            issues.append(
                Issue(
                    "info",
                    "left_out",
                    None,
                    f"left out: {', '.join(left_out)} (sales belong to the orders table"
                    + (
                        f"; {total_cost:,.2f} of Cost is not loaded as spend: load the ad platforms' exports instead"
                        if total_cost
                        else ""
                    )
                    + ")",
                )
            )
        frame = raw.frame.select(
            pl.lit(start, pl.Date).alias("date"),
            text(raw, find(raw, "Sessions")).alias("sessions"),
            (text(raw, orders).fill_null("0") if orders else pl.lit(None, pl.String)).alias("purchase_sessions"),
            pl.Series("source", [origin[0] for origin in origins], pl.String).alias("source"),
            pl.Series("medium", [origin[1] for origin in origins], pl.String).alias("medium"),
            pl.Series("channel", [origin[2] for origin in origins], pl.String).alias("channel"),
        )
        return Converted(
            source=raw.source,
            table="traffic",
            frame=frame,
            recogniser=self.name,
            rows_in=raw.frame.height,
            issues=tuple(issues),
            first_line=raw.header_line + 1,
        )


RECOGNISERS = (ShopifyChannels(), ShopifySessionsReport())
