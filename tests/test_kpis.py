"""Hand-computed figures for every KPI of the registry (contract section 3), on tiny tables.

Each expected figure is a literal worked out by hand from the rows in the test, with the arithmetic
in a comment; nothing is copied from the product's output. The contract's rules of sections 1–2 are
covered explicitly: zero denominators, refunds, cancelled orders, guests, re-uploaded orders,
period boundaries, 29 February, filters on missing columns, missing tables and optional columns,
customer history across channels, retention, and breakdowns by channel and by date.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
import pytest

from kpi import REGISTRY, Period, Settings, Tables, breakdown, compute

NOV = Period(date(2024, 11, 1), date(2024, 11, 30))
JAN = Period(date(2024, 1, 1), date(2024, 1, 31))

TYPES: dict[str, Any] = {
    # orders
    "order_id": pl.String,
    "customer_id": pl.String,
    "ordered_at": pl.Datetime("us"),
    "revenue": pl.Float64,
    "refunded": pl.Float64,
    "status": pl.String,
    # dimensions
    "channel": pl.String,
    "source": pl.String,
    "medium": pl.String,
    "campaign": pl.String,
    "device": pl.String,
    "landing_page": pl.String,
    # traffic
    "date": pl.Date,
    "sessions": pl.Int64,
    "users": pl.Int64,
    "pageviews": pl.Int64,
    "engaged_sessions": pl.Int64,
    "session_duration_s": pl.Float64,
    "add_to_cart_sessions": pl.Int64,
    "checkout_sessions": pl.Int64,
    "purchase_sessions": pl.Int64,
    "leads": pl.Int64,
    # spend
    "spend": pl.Float64,
    "impressions": pl.Int64,
    "clicks": pl.Int64,
    # leads
    "lead_id": pl.String,
    "created_at": pl.Datetime("us"),
    "mql_at": pl.Datetime("us"),
    "sql_at": pl.Datetime("us"),
    "won_at": pl.Datetime("us"),
    "lost_at": pl.Datetime("us"),
    # nps
    "responded_at": pl.Datetime("us"),
    "score": pl.Int64,
}


def rows(header: tuple[str, ...], *data: tuple) -> pl.DataFrame:
    """A typed polars frame from a header and row tuples."""
    return pl.DataFrame(list(data), schema={name: TYPES[name] for name in header}, orient="row")


def day(month: int, dom: int, year: int = 2024) -> date:
    return date(year, month, dom)


def at(month: int, dom: int, hour: int = 0, minute: int = 0, second: int = 0, *, year: int = 2024) -> datetime:
    return datetime(year, month, dom, hour, minute, second)


def report_of(tables: Tables, period: Period = NOV, filters: dict | None = None, **settings: Any):
    return compute(tables, period, filters or {}, Settings(**settings), comparison="none")


def assert_unavailable(kv, reason: str) -> None:
    """The value is None (never 0, inf or NaN) and the note gives ``reason``."""
    assert kv.value is None, f"{kv.kpi.id}: expected unavailable, got {kv.value}"
    assert kv.note is not None
    assert reason in kv.note, f"{kv.kpi.id}: note {kv.note!r} lacks {reason!r}"


# --- shared tiny data sets ---------------------------------------------------------------

TRAFFIC_HEADER = (
    "date",
    "channel",
    "device",
    "landing_page",
    "sessions",
    "users",
    "pageviews",
    "engaged_sessions",
    "session_duration_s",
    "add_to_cart_sessions",
    "checkout_sessions",
    "purchase_sessions",
    "leads",
)


def traffic_nov() -> pl.DataFrame:
    # in November: three rows (sessions 120 + 50 + 30 = 200); one row either side of the month
    return rows(
        TRAFFIC_HEADER,
        (day(11, 1), "Organic Search", "desktop", "/", 120, 100, 300, 80, 15000.0, 24, 12, 6, 3),
        (day(11, 15), "Paid Search", "mobile", "/lp/black-friday", 50, 45, 90, 20, 4000.0, 10, 6, 3, 5),
        (day(11, 30), "Email", "mobile", "", 30, 25, 50, 10, 1000.0, 6, 2, 1, 4),
        (day(10, 31), "Organic Search", "desktop", "/lp/x", 1000, 900, 5000, 900, 99999.0, 500, 400, 300, 100),
        (day(12, 1), "Paid Search", "mobile", "/lp/y", 777, 700, 2000, 500, 50000.0, 300, 200, 100, 50),
    )


ORDERS_HEADER = ("order_id", "customer_id", "ordered_at", "revenue", "refunded", "status", "channel", "device")


def orders_nov() -> pl.DataFrame:
    return rows(
        ORDERS_HEADER,
        ("o1", "c1", at(11, 3, 10), 100.0, 0.0, "paid", "Paid Search", "mobile"),
        ("o2", "c1", at(11, 20, 12), 50.0, 50.0, "refunded", "Email", "desktop"),  # full refund
        ("o3", "c2", at(11, 10, 9), 80.0, 20.0, "paid", "Paid Search", "desktop"),  # partial refund
        ("o4", "c3", at(11, 12, 11), 200.0, 0.0, "cancelled", "Paid Search", "mobile"),  # c3's only order
        ("o5", None, at(11, 30, 23, 59, 59), 40.0, 0.0, "paid", "Direct", "mobile"),  # guest, last second
        ("o6", "", at(11, 1), 60.0, None, "paid", "Direct", "desktop"),  # guest, first second
        ("o7", "c4", at(12, 1), 500.0, 0.0, "paid", "Paid Search", "mobile"),  # next day: out
        ("o8", "c2", at(10, 31, 23, 59, 59), 70.0, 0.0, "paid", "Email", "desktop"),  # before: out
    )


# Live orders in November: o1, o2, o3, o5, o6 (o4 cancelled; o7 and o8 outside).
# customers: c1, c2, guest o5, guest o6 = 4; new: c1, guest o5, guest o6 = 3 (c2's first order is o8 in October)


SPEND_HEADER = ("date", "channel", "spend", "impressions", "clicks")


def spend_nov() -> pl.DataFrame:
    return rows(
        SPEND_HEADER,
        (day(11, 1), "Paid Search", 120.0, 10000, 300),
        (day(11, 15), "Paid Social", 30.0, 5000, 100),
        (day(11, 30), "Paid Search", 50.0, 5000, 100),
        (day(10, 31), "Paid Search", 999.0, 99999, 9999),
        (day(12, 1), "Paid Search", 888.0, 88888, 8888),
    )


LEADS_HEADER = ("lead_id", "created_at", "channel", "mql_at", "sql_at", "won_at", "lost_at")


def leads_nov() -> pl.DataFrame:
    return rows(
        LEADS_HEADER,
        ("L1", at(11, 2, 9), "Paid Search", at(11, 3), at(11, 5), at(11, 20, 9), None),  # won after 18 days
        ("L2", at(11, 5), "Email", at(11, 6), None, None, at(11, 25)),  # lost in P
        ("L3", at(11, 10), "Paid Search", None, at(11, 12), None, None),  # SQL without MQL
        ("L4", at(10, 20), "Paid Search", at(10, 21), at(11, 1), at(11, 4, 12), None),  # won after 15.5 days
        ("L5", at(11, 28), "Email", at(12, 2), at(12, 5), at(12, 10), None),  # stages after P
        ("L6", at(10, 1), "Email", None, None, None, at(11, 30, 23, 59, 59)),  # lost on the last second
        ("L7", at(11, 30, 23, 59, 59), "Paid Search", None, None, None, None),  # created on the last second
        ("L8", at(12, 1), "Paid Search", None, None, None, None),  # next day: out
    )


def nps_nov() -> pl.DataFrame:
    return rows(
        ("responded_at", "score", "channel"),
        (at(11, 1), 10, "Email"),
        (at(11, 2), 9, "Email"),
        (at(11, 10), 9, "Paid Search"),
        (at(11, 11), 8, "Paid Search"),
        (at(11, 20), 7, "Email"),
        (at(11, 30, 23, 59, 59), 6, "Email"),
        (at(10, 31, 23, 59, 59), 0, "Email"),  # out
        (at(12, 1), 0, "Email"),  # out
    )


# --- the registry is covered ---------------------------------------------------------------

COVERED = {
    "cac_payback_months",
    "sessions",
    "users",
    "pageviews",
    "pages_per_session",
    "avg_session_duration_s",
    "engagement_rate",
    "bounce_rate",
    "organic_search_share",
    "orders",
    "sales",
    "revenue",
    "aov",
    "conversion_rate",
    "add_to_cart_rate",
    "cart_abandonment_rate",
    "checkout_abandonment_rate",
    "leads",
    "lead_conversion_rate",
    "landing_page_conversion_rate",
    "mqls",
    "sqls",
    "won_deals",
    "sales_conversion_rate",
    "mql_to_sql_rate",
    "win_rate",
    "lead_time_days",
    "spend",
    "impressions",
    "clicks",
    "ctr",
    "cpc",
    "cpm",
    "cpl",
    "cpa",
    "roas",
    "romi",
    "customers",
    "new_customers",
    "returning_customer_rate",
    "repurchase_rate",
    "retention_rate",
    "purchase_frequency",
    "cac",
    "ltv",
    "ltv_cac_ratio",
    "nps",
    "nps_responses",
}


def test_every_kpi_of_the_registry_has_hand_computed_tests_here():
    assert {kpi.id for kpi in REGISTRY} == COVERED
    assert len(COVERED) == 48  # the contract's 47 and CAC payback


# --- traffic -----------------------------------------------------------------------------


def test_traffic_kpis():
    report = report_of(Tables.from_frames(traffic=traffic_nov()))
    assert report["sessions"].value == 200.0  # 120 + 50 + 30 (31 Oct and 1 Dec rows are out)
    assert report["users"].value == 170.0  # 100 + 45 + 25
    assert report["pageviews"].value == 440.0  # 300 + 90 + 50
    assert report["pages_per_session"].value == pytest.approx(2.2)  # 440 / 200
    assert report["avg_session_duration_s"].value == pytest.approx(100.0)  # (15000 + 4000 + 1000) / 200
    assert report["engagement_rate"].value == pytest.approx(0.55)  # (80 + 20 + 10) / 200
    assert report["bounce_rate"].value == pytest.approx(0.45)  # 1 − 110 / 200
    assert report["organic_search_share"].value == pytest.approx(0.6)  # 120 / 200
    for kpi_id in ("sessions", "pages_per_session", "bounce_rate", "organic_search_share"):
        assert report[kpi_id].note is None


def test_funnel_kpis():
    report = report_of(Tables.from_frames(traffic=traffic_nov()))
    assert report["conversion_rate"].value == pytest.approx(0.05)  # (6 + 3 + 1) / 200
    assert report["conversion_rate"].note is None  # the purchase_sessions form needs no note
    assert report["add_to_cart_rate"].value == pytest.approx(0.2)  # (24 + 10 + 6) / 200
    assert report["cart_abandonment_rate"].value == pytest.approx(0.75)  # 1 − 10 / 40
    assert report["checkout_abandonment_rate"].value == pytest.approx(0.5)  # 1 − 10 / (12 + 6 + 2)


def test_conversion_rate_falls_back_to_orders_per_session_and_says_so():
    traffic = traffic_nov().drop("purchase_sessions")
    report = report_of(Tables.from_frames(traffic=traffic, orders=orders_nov()))
    assert report["conversion_rate"].value == pytest.approx(0.025)  # 5 live orders / 200 sessions
    assert report["conversion_rate"].note is not None
    assert "orders / sessions" in report["conversion_rate"].note
    # the steps that need purchase_sessions have no fallback
    assert_unavailable(report["cart_abandonment_rate"], "traffic has no purchase_sessions column")
    assert_unavailable(report["checkout_abandonment_rate"], "traffic has no purchase_sessions column")


def test_conversion_rate_fallback_without_orders_is_unavailable():
    traffic = traffic_nov().drop("purchase_sessions")
    report = report_of(Tables.from_frames(traffic=traffic))
    assert report["conversion_rate"].value is None
    assert report["conversion_rate"].note


def test_traffic_filtered_by_channel():
    report = report_of(Tables.from_frames(traffic=traffic_nov()), filters={"channel": ["Paid Search"]})
    assert report["sessions"].value == 50.0  # only the 15 Nov Paid Search row (1 Dec is out)
    assert report["conversion_rate"].value == pytest.approx(0.06)  # 3 / 50
    assert report["organic_search_share"].value == 0.0  # 0 / 50: a real zero, the denominator is 50


def test_organic_search_share_uses_channels_derived_from_source_and_medium():
    traffic = rows(
        ("date", "channel", "source", "medium", "sessions"),
        (day(11, 1), None, "google", "organic", 30),  # GA4 rules: a search site with medium organic
        (day(11, 2), "Organic Search", None, None, 10),
        (day(11, 3), None, "google", "cpc", 40),  # Paid Search
        (day(11, 4), "organic search", None, None, 20),  # a canonical label in another case
    )
    report = report_of(Tables.from_frames(traffic=traffic))
    assert report["organic_search_share"].value == pytest.approx(0.6)  # (30 + 10 + 20) / 100


def test_traffic_filtered_by_device():
    report = report_of(Tables.from_frames(traffic=traffic_nov()), filters={"device": ["mobile"]})
    assert report["sessions"].value == 80.0  # 50 + 30
    assert report["engagement_rate"].value == pytest.approx(0.375)  # (20 + 10) / 80


# --- leads (traffic columns) -----------------------------------------------------------------


def test_lead_conversion_and_landing_page_conversion():
    report = report_of(Tables.from_frames(traffic=traffic_nov()))
    assert report["lead_conversion_rate"].value == pytest.approx(0.06)  # (3 + 5 + 4) / 200
    # rows with a landing page that is not the home page: only /lp/black-friday ("/" and "" are home)
    assert report["landing_page_conversion_rate"].value == pytest.approx(0.1)  # 5 / 50


def test_landing_page_conversion_without_any_landing_page_is_unavailable():
    traffic = rows(
        ("date", "landing_page", "sessions", "leads"),
        (day(11, 1), "/", 100, 5),
        (day(11, 2), None, 50, 2),
        (day(11, 3), "", 30, 1),
    )
    report = report_of(Tables.from_frames(traffic=traffic))
    assert report["lead_conversion_rate"].value == pytest.approx(8 / 180)  # (5 + 2 + 1) / (100 + 50 + 30)
    assert_unavailable(report["landing_page_conversion_rate"], "in period")


def test_leads_fall_back_to_traffic_leads_without_a_leads_table():
    report = report_of(Tables.from_frames(traffic=traffic_nov(), spend=spend_nov()))
    assert report["leads"].value == 12.0  # 3 + 5 + 4 traffic leads
    assert report["cpl"].value == pytest.approx(200.0 / 12)  # (120 + 30 + 50) spend / 12 leads


def test_leads_table_wins_over_traffic_leads():
    report = report_of(Tables.from_frames(traffic=traffic_nov(), leads=leads_nov(), spend=spend_nov()))
    assert report["leads"].value == 5.0  # L1, L2, L3, L5, L7 (not the 12 traffic leads)
    assert report["cpl"].value == pytest.approx(40.0)  # 200 / 5
    assert report["lead_conversion_rate"].value == pytest.approx(0.06)  # still traffic leads: 12 / 200


def test_leads_without_leads_table_or_traffic_leads_column_is_unavailable():
    traffic = traffic_nov().drop("leads")
    report = report_of(Tables.from_frames(traffic=traffic))
    assert report["leads"].value is None
    assert "no leads data" in report["leads"].note
    assert_unavailable(report["lead_conversion_rate"], "traffic has no leads column")


# --- leads table -----------------------------------------------------------------------------


def test_lead_pipeline_kpis():
    report = report_of(Tables.from_frames(leads=leads_nov()))
    assert report["leads"].value == 5.0  # created in P: L1, L2, L3, L5, L7 (L7 at 23:59:59 on 30 Nov; L8 is 1 Dec)
    assert report["mqls"].value == 2.0  # mql_at in P: L1 (3 Nov), L2 (6 Nov); L4 in Oct, L5 in Dec
    assert report["sqls"].value == 3.0  # sql_at in P: L1 (5 Nov), L3 (12 Nov), L4 (1 Nov)
    assert report["won_deals"].value == 2.0  # won_at in P: L1 (20 Nov), L4 (4 Nov)
    # created in P: L1, L2, L3, L5, L7; won at any time: L1, L5 (won 10 Dec)
    assert report["sales_conversion_rate"].value == pytest.approx(0.4)  # 2 / 5
    # created in P with an mql_at (at any time): L1, L2, L5; of those with an sql_at: L1, L5
    assert report["mql_to_sql_rate"].value == pytest.approx(2 / 3)
    # won in P: L1, L4; lost in P: L2, L6 (23:59:59 on 30 Nov)
    assert report["win_rate"].value == pytest.approx(0.5)  # 2 / (2 + 2)
    # L1: 20 Nov 09:00 − 2 Nov 09:00 = 18 days; L4: 4 Nov 12:00 − 20 Oct 00:00 = 15.5 days
    assert report["lead_time_days"].value == pytest.approx(16.75)  # median(18, 15.5) = (18 + 15.5) / 2


def test_lead_time_is_a_median_not_a_mean():
    leads = rows(
        ("lead_id", "created_at", "won_at"),
        ("a", at(11, 1), at(11, 2)),  # 1 day
        ("b", at(11, 1), at(11, 3)),  # 2 days
        ("c", at(10, 1), at(11, 30)),  # 60 days
    )
    report = report_of(Tables.from_frames(leads=leads))
    assert report["lead_time_days"].value == pytest.approx(2.0)  # median(1, 2, 60); the mean would be 21


def test_lead_kpis_filtered_by_channel():
    report = report_of(Tables.from_frames(leads=leads_nov()), filters={"channel": ["Email"]})
    assert report["leads"].value == 2.0  # L2, L5
    assert report["win_rate"].value == pytest.approx(0.0)  # lost in P: L2, L6; won: none → 0 / 2
    assert report["sales_conversion_rate"].value == pytest.approx(0.5)  # L5 won (in Dec) of L2, L5


def test_lead_stage_columns_missing_make_their_kpis_unavailable():
    leads = leads_nov().select("lead_id", "created_at", "channel")
    report = report_of(Tables.from_frames(leads=leads))
    assert report["leads"].value == 5.0
    assert_unavailable(report["mqls"], "leads have no mql_at column")
    assert_unavailable(report["won_deals"], "leads have no won_at column")
    assert_unavailable(report["win_rate"], "leads have no")
    assert_unavailable(report["lead_time_days"], "leads have no won_at column")


# --- sales -------------------------------------------------------------------------------


def test_sales_kpis_with_refunds_cancellations_and_guests():
    report = report_of(Tables.from_frames(orders=orders_nov()))
    assert report["orders"].value == 5.0  # o1, o2, o3, o5, o6 (o4 cancelled; o7 1 Dec 00:00, o8 31 Oct 23:59:59)
    assert report["sales"].value == pytest.approx(
        330.0
    )  # 100 + 50 + 80 + 40 + 60 (o2 still counts: refunded ≠ cancelled)
    assert report["revenue"].value == pytest.approx(260.0)  # 330 − (50 full refund + 20 partial refund)
    assert report["aov"].value == pytest.approx(66.0)  # 330 / 5, before refunds


def test_orders_at_the_period_boundaries():
    orders = rows(
        ("order_id", "customer_id", "ordered_at", "revenue"),
        ("a", "c1", at(10, 31, 23, 59, 59), 1.0),  # out
        ("b", "c2", at(11, 1, 0, 0, 0), 10.0),  # in
        ("c", "c3", at(11, 30, 23, 59, 59), 100.0),  # in
        ("d", "c4", at(12, 1, 0, 0, 0), 1000.0),  # out
    )
    report = report_of(Tables.from_frames(orders=orders))
    assert report["orders"].value == 2.0
    assert report["sales"].value == pytest.approx(110.0)  # 10 + 100
    assert report["revenue"].value == pytest.approx(110.0)  # no refunded column: refunded = 0


def test_a_reuploaded_order_counts_once_and_its_last_row_wins():
    orders = rows(
        ("order_id", "customer_id", "ordered_at", "revenue", "refunded", "status"),
        ("d1", "c1", at(11, 5), 100.0, 0.0, "paid"),
        ("d2", "c2", at(11, 6), 50.0, 0.0, "paid"),
        ("d3", "c3", at(11, 7), 80.0, 0.0, "paid"),
        ("d4", "c4", at(11, 8), 10.0, 0.0, "paid"),
        ("d1", "c1", at(11, 5), 120.0, 0.0, "paid"),  # later export: value changed
        ("d2", "c2", at(11, 6), 50.0, 0.0, "cancelled"),  # later export: cancelled
        ("d3", "c3", at(11, 7), 80.0, 30.0, "refunded"),  # later export: partial refund
        ("d4", "c4", at(11, 8), 10.0, 0.0, "paid"),  # identical re-upload
    )
    report = report_of(Tables.from_frames(orders=orders))
    assert report["orders"].value == 3.0  # d1, d3, d4 once each; d2 now cancelled
    assert report["sales"].value == pytest.approx(210.0)  # 120 + 80 + 10
    assert report["revenue"].value == pytest.approx(180.0)  # 210 − 30
    assert report["customers"].value == 3.0  # c2's only order is cancelled: not a customer
    assert report["new_customers"].value == 3.0


def test_a_cancelled_order_reinstated_by_a_later_row_counts():
    orders = rows(
        ("order_id", "customer_id", "ordered_at", "revenue", "status"),
        ("r1", "c1", at(11, 5), 70.0, "cancelled"),
        ("r1", "c1", at(11, 5), 70.0, "paid"),
    )
    report = report_of(Tables.from_frames(orders=orders))
    assert report["orders"].value == 1.0
    assert report["sales"].value == pytest.approx(70.0)


def test_sales_filtered_by_device():
    report = report_of(Tables.from_frames(orders=orders_nov()), filters={"device": ["mobile"]})
    assert report["orders"].value == 2.0  # o1 and o5 (o4 cancelled, o7 out)
    assert report["sales"].value == pytest.approx(140.0)  # 100 + 40


# --- customers ---------------------------------------------------------------------------


def test_customer_kpis_of_the_shop():
    report = report_of(Tables.from_frames(orders=orders_nov()))
    # c1, c2, guest o5, guest o6; c3 (only a cancelled order) is not a customer
    assert report["customers"].value == 4.0
    # first live order in P: c1 (o1), guest o5, guest o6; c2's first is o8 on 31 Oct
    assert report["new_customers"].value == 3.0
    # ≥ 2 live orders on or before 30 Nov: c1 (o1, o2), c2 (o8, o3) → 2 / 4
    assert report["returning_customer_rate"].value == pytest.approx(0.5)
    # ≥ 2 live orders inside P: c1 only → 1 / 4
    assert report["repurchase_rate"].value == pytest.approx(0.25)
    assert report["purchase_frequency"].value == pytest.approx(1.25)  # 5 orders / 4 customers


def test_guests_are_each_their_own_customer():
    orders = rows(
        ("order_id", "customer_id", "ordered_at", "revenue"),
        ("g1", None, at(11, 1), 10.0),
        ("g2", "", at(11, 2), 20.0),
        ("g3", None, at(11, 3), 30.0),
        ("k1", "c1", at(11, 4), 40.0),
        ("k2", "c1", at(11, 5), 50.0),
    )
    report = report_of(Tables.from_frames(orders=orders))
    assert report["customers"].value == 4.0  # g1, g2, g3 each a customer + c1
    assert report["new_customers"].value == 4.0
    assert report["returning_customer_rate"].value == pytest.approx(0.25)  # c1 only: 1 / 4
    assert report["repurchase_rate"].value == pytest.approx(0.25)  # c1 only: 1 / 4
    assert report["purchase_frequency"].value == pytest.approx(1.25)  # 5 / 4


def test_cancelled_orders_are_excluded_from_customer_history():
    orders = rows(
        ("order_id", "customer_id", "ordered_at", "revenue", "status"),
        ("k1", "cK", at(10, 15), 90.0, "cancelled"),  # cK's cancelled first attempt in October
        ("k2", "cK", at(11, 10), 40.0, "paid"),  # → cK's first live order is in November: new
        ("m1", "cM", at(11, 2), 30.0, "paid"),
        ("m2", "cM", at(11, 3), 30.0, "cancelled"),  # does not make cM a repeat customer
        ("n1", "cN", at(11, 4), 25.0, "cancelled"),  # cN: no live order, not a customer
    )
    report = report_of(Tables.from_frames(orders=orders))
    assert report["orders"].value == 2.0  # k2, m1
    assert report["sales"].value == pytest.approx(70.0)  # 40 + 30
    assert report["customers"].value == 2.0  # cK, cM
    assert report["new_customers"].value == 2.0  # cK (first live order 10 Nov), cM
    assert report["returning_customer_rate"].value == pytest.approx(0.0)  # each has 1 live order: 0 / 2
    assert report["repurchase_rate"].value == pytest.approx(0.0)


def test_returning_counts_orders_up_to_the_period_end_only():
    orders = rows(
        ("order_id", "customer_id", "ordered_at", "revenue"),
        ("a1", "cA", at(11, 10), 10.0),
        ("a2", "cA", at(12, 5), 10.0),  # A's second order comes after 30 Nov: not returning in November
        ("b1", "cB", at(11, 2), 10.0),
        ("b2", "cB", at(11, 29), 10.0),  # B: both orders in November
        ("c1", "cC", at(9, 1), 10.0),
        ("c2", "cC", at(11, 15), 10.0),  # C: second order in November, first in September
    )
    report = report_of(Tables.from_frames(orders=orders))
    assert report["customers"].value == 3.0
    assert report["returning_customer_rate"].value == pytest.approx(2 / 3)  # B, C
    assert report["repurchase_rate"].value == pytest.approx(1 / 3)  # B only has 2 orders inside November
    assert report["new_customers"].value == 2.0  # A, B


def test_a_cancelled_first_attempt_does_not_decide_the_acquisition_channel():
    orders = rows(
        ("order_id", "customer_id", "ordered_at", "revenue", "status", "channel"),
        ("k1", "cK", at(11, 2), 90.0, "cancelled", "Email"),
        ("k2", "cK", at(11, 10), 40.0, "paid", "Paid Search"),  # cK's first live order: Paid Search
    )
    tables = Tables.from_frames(orders=orders)
    assert report_of(tables, filters={"channel": ["Paid Search"]})["new_customers"].value == 1.0
    email = report_of(tables, filters={"channel": ["Email"]})
    assert email["new_customers"].value == 0.0
    assert email["customers"].value == 0.0
    assert email["orders"].value == 0.0


def test_a_filter_with_several_values_keeps_any_of_them():
    report = report_of(Tables.from_frames(orders=orders_nov()), filters={"channel": ["Email", "Direct"]})
    assert report["orders"].value == 3.0  # o2 (Email), o5, o6 (Direct)
    assert report["sales"].value == pytest.approx(150.0)  # 50 + 40 + 60
    assert report["revenue"].value == pytest.approx(100.0)  # 150 − 50 refunded on o2


def cross_channel_orders() -> pl.DataFrame:
    return rows(
        ("order_id", "customer_id", "ordered_at", "revenue", "channel"),
        ("a1", "cA", at(10, 5), 40.0, "Email"),  # A: first order in October, by Email
        ("a2", "cA", at(11, 10), 60.0, "Paid Search"),
        ("b1", "cB", at(11, 3), 100.0, "Paid Search"),  # B: acquired by Paid Search in P
        ("b2", "cB", at(11, 20), 30.0, "Email"),
        ("c1", "cC", at(11, 15), 50.0, "Email"),  # C: acquired by Email in P
        ("c2", "cC", at(11, 16), 70.0, "Paid Search"),
        ("d1", "cD", at(11, 7), 20.0, "Paid Search"),  # D: acquired by Paid Search in P
    )


def test_customer_history_spans_all_orders_whatever_the_filter():
    tables = Tables.from_frames(orders=cross_channel_orders())
    report = report_of(tables, filters={"channel": ["Paid Search"]})
    assert report["orders"].value == 4.0  # a2, b1, c2, d1
    assert report["sales"].value == pytest.approx(250.0)  # 60 + 100 + 70 + 20
    assert report["customers"].value == 4.0  # A, B, C, D
    # new for Paid Search: B and D; A's first order is October's; C's first order was Email
    assert report["new_customers"].value == 2.0
    # ≥ 2 live orders (any channel) by 30 Nov: A (a1 Email + a2), B (b1 + b2 Email), C (c1 Email + c2) → 3 / 4
    assert report["returning_customer_rate"].value == pytest.approx(0.75)
    # ≥ 2 live orders (any channel) inside November: B, C → 2 / 4
    assert report["repurchase_rate"].value == pytest.approx(0.5)
    assert report["purchase_frequency"].value == pytest.approx(1.0)  # 4 orders / 4 customers
    # LTV of Paid Search's new customers counts their orders in any channel: B 100 + 30 (Email), D 20
    assert report["ltv"].value == pytest.approx(75.0)  # (130 + 20) / 2


def test_customer_history_without_filter():
    report = report_of(Tables.from_frames(orders=cross_channel_orders()))
    assert report["new_customers"].value == 3.0  # B, C, D (A's first order is in October)
    assert report["customers"].value == 4.0
    assert report["ltv"].value == pytest.approx(90.0)  # (B 130 + C 120 + D 20) / 3


def retention_orders() -> pl.DataFrame:
    return rows(
        ("order_id", "customer_id", "ordered_at", "revenue", "status", "channel"),
        ("x1", "cX", at(10, 10), 10.0, "paid", "Paid Search"),
        ("x2", "cX", at(11, 5), 10.0, "paid", "Email"),  # X comes back, by Email
        ("y1", "cY", at(10, 20), 10.0, "paid", "Paid Search"),  # Y does not come back
        ("z1", "cZ", at(10, 15), 10.0, "paid", "Email"),
        ("z2", "cZ", at(11, 8), 10.0, "paid", "Paid Search"),  # Z comes back
        ("w1", "cW", at(10, 1), 10.0, "paid", "Paid Search"),  # 1 Oct: before the window 2–31 Oct
        ("w2", "cW", at(11, 10), 10.0, "paid", "Paid Search"),
        ("v1", "cV", at(10, 31, 23), 10.0, "paid", "Paid Search"),  # last hour of the window
        ("v2", "cV", at(11, 30), 10.0, "cancelled", "Paid Search"),  # a cancelled order is no return
    )


def test_retention_uses_the_window_just_before_the_period():
    report = compute(Tables.from_frames(orders=retention_orders()), NOV, {}, Settings(), comparison="previous")
    assert report.compare_period == Period(date(2024, 10, 2), date(2024, 10, 31))  # 30 days before November
    # customers of 2–31 Oct: X, Y, Z, V (W ordered on 1 Oct); of them with a live order in November: X, Z
    assert report["retention_rate"].value == pytest.approx(0.5)  # 2 / 4


def test_retention_window_takes_the_same_filters():
    report = report_of(Tables.from_frames(orders=retention_orders()), filters={"channel": ["Paid Search"]})
    # Paid Search customers of 2–31 Oct: X, Y, V; back in November in any channel: X (by Email)
    assert report["retention_rate"].value == pytest.approx(1 / 3)


def test_retention_without_customers_in_the_window_is_unavailable():
    report = report_of(Tables.from_frames(orders=cross_channel_orders()), filters={"channel": ["Paid Search"]})
    # A's October order was Email: no Paid Search customer in 2–31 Oct
    assert_unavailable(report["retention_rate"], "no customers in the window just before")


# --- LTV, CAC ----------------------------------------------------------------------------


def ltv_orders() -> pl.DataFrame:
    return rows(
        ("order_id", "customer_id", "ordered_at", "revenue", "refunded", "status"),
        ("A1", "cA", at(1, 10, 10), 100.0, 0.0, "paid"),  # A's first order: horizon (H = 1) 10 Feb 10:00
        ("A2", "cA", at(2, 5), 50.0, 0.0, "paid"),  # inside the horizon
        ("A3", "cA", at(2, 10, 10), 70.0, 0.0, "paid"),  # exactly at the horizon: not before it
        ("A4", "cA", at(1, 20), 500.0, 0.0, "cancelled"),  # cancelled: never counts
        ("B1", "cB", at(1, 20, 8), 60.0, 10.0, "paid"),  # B's first (net 50): horizon 20 Feb 08:00
        ("B2", "cB", at(2, 18), 30.0, 0.0, "paid"),
        ("C1", None, at(1, 25), 40.0, 0.0, "paid"),  # a guest: horizon 25 Feb
        ("D0", "cD", at(12, 15, year=2023), 25.0, 0.0, "paid"),  # D was acquired in 2023: not new
        ("D1", "cD", at(1, 5), 35.0, 0.0, "paid"),
        ("D2", "cD", at(2, 28), 15.0, 0.0, "paid"),  # the last order in the data: history ends 29 Feb 00:00
        ("E1", "cE", at(1, 31, 9), 20.0, 0.0, "paid"),  # E: horizon after 29 Feb 00:00 → short history
    )


def test_ltv_with_margin_and_a_one_month_horizon():
    spend = rows(("date", "spend"), (day(1, 15), 58.0), (day(2, 1), 1000.0))
    tables = Tables.from_frames(orders=ltv_orders(), spend=spend)
    report = report_of(tables, JAN, margin=0.5, ltv_months=1)
    assert report["new_customers"].value == 4.0  # A, B, guest C1, E
    # net revenue before first order + 1 month: A 100 + 50 = 150; B (60 − 10) + 30 = 80; C 40; E 20 → 290
    assert report["ltv"].value == pytest.approx(36.25)  # 0.5 × 290 / 4
    # E's first order is 31 Jan 09:00: one month later is past the data's end (29 Feb 00:00)
    assert report["ltv"].note is not None
    assert "1 of 4" in report["ltv"].note
    assert report["cac"].value == pytest.approx(14.5)  # 58 / 4
    assert report["ltv_cac_ratio"].value == pytest.approx(2.5)  # 36.25 / 14.5
    assert report["customers"].value == 5.0  # A, B, C1, D, E
    # romi = (net revenue × margin − spend) / spend; net revenue in Jan: 100 + 50 + 40 + 35 + 20 = 245
    assert report["romi"].value == pytest.approx((245 * 0.5 - 58) / 58)  # (122.5 − 58) / 58


def test_ltv_revenue_based_and_a_twelve_month_horizon():
    report = report_of(Tables.from_frames(orders=ltv_orders()), JAN, margin=None, ltv_months=12)
    # every later live order is within 12 months: A 100 + 50 + 70 = 220; B 80; C 40; E 20 → 360
    assert report["ltv"].value == pytest.approx(90.0)  # 1.0 × 360 / 4
    assert "4 of 4" in report["ltv"].note  # nobody has 12 months of history before 29 Feb


def test_ltv_without_short_history_has_no_note():
    orders = rows(
        ("order_id", "customer_id", "ordered_at", "revenue"),
        ("a", "c1", at(1, 10), 30.0),
        ("b", "c1", at(1, 20), 20.0),
        ("z", "c9", at(5, 1), 99.0),  # a customer acquired later keeps the data going until 1 May
    )
    report = report_of(Tables.from_frames(orders=orders), JAN, ltv_months=1)
    assert report["ltv"].value == pytest.approx(50.0)  # (30 + 20) / 1
    assert report["ltv"].note is None


def test_ltv_cac_ratio_is_unavailable_without_spend():
    report = report_of(Tables.from_frames(orders=ltv_orders()), JAN, ltv_months=1)
    assert report["ltv"].value is not None
    assert_unavailable(report["cac"], "no spend data")
    assert report["ltv_cac_ratio"].value is None
    assert report["ltv_cac_ratio"].note


def test_ltv_cac_ratio_reports_the_missing_spend_not_the_ltv_note():
    # LTV is available (with its "1 of 4 … less than 1 months of history" note); CAC is not: no spend
    report = report_of(Tables.from_frames(orders=ltv_orders()), JAN, ltv_months=1)
    assert_unavailable(report["ltv_cac_ratio"], "no spend data")


def test_ltv_cac_ratio_reports_the_filtered_column_spend_lacks():
    tables = Tables.from_frames(orders=orders_nov(), spend=spend_nov().drop("channel"))
    report = report_of(tables, filters={"device": ["mobile"]})
    assert report["ltv"].value is not None  # mobile new customers: c1, guest o5 (both with a short history)
    assert_unavailable(report["ltv_cac_ratio"], "spend has no device column")


# --- advertising -------------------------------------------------------------------------


def test_advertising_kpis():
    tables = Tables.from_frames(orders=orders_nov(), spend=spend_nov(), leads=leads_nov())
    report = report_of(tables)
    assert report["spend"].value == pytest.approx(200.0)  # 120 + 30 + 50 (31 Oct and 1 Dec are out)
    assert report["impressions"].value == 20000.0  # 10000 + 5000 + 5000
    assert report["clicks"].value == 500.0  # 300 + 100 + 100
    assert report["ctr"].value == pytest.approx(0.025)  # 500 / 20000
    assert report["cpc"].value == pytest.approx(0.4)  # 200 / 500
    assert report["cpm"].value == pytest.approx(10.0)  # 1000 × 200 / 20000
    assert report["cpl"].value == pytest.approx(40.0)  # 200 / 5 leads
    assert report["cpa"].value == pytest.approx(40.0)  # 200 / 5 orders
    assert report["roas"].value == pytest.approx(1.3)  # 260 net revenue / 200
    assert report["romi"].value == pytest.approx(0.3)  # (260 × 1.0 − 200) / 200, revenue-based
    assert report["cac"].value == pytest.approx(200.0 / 3)  # 200 / 3 new customers


def test_romi_and_ltv_with_a_margin():
    tables = Tables.from_frames(orders=orders_nov(), spend=spend_nov())
    report = report_of(tables, margin=0.5)
    assert report["romi"].value == pytest.approx(-0.35)  # (260 × 0.5 − 200) / 200
    assert report["roas"].value == pytest.approx(1.3)  # ROAS ignores the margin
    # new customers c1 (o1 100 + o2 50 − 50), guest o5 40, guest o6 60 → 0.5 × 200 / 3
    assert report["ltv"].value == pytest.approx(100.0 / 3)
    assert "3 of 3" in report["ltv"].note  # the data ends 2 Dec 2024: nobody has 12 months
    assert report["ltv_cac_ratio"].value == pytest.approx(0.5)  # (100 / 3) / (200 / 3)


# --- satisfaction ------------------------------------------------------------------------


def test_nps():
    report = compute(Tables.from_frames(nps=nps_nov()), NOV, {}, Settings(), comparison="previous")
    assert report["nps_responses"].value == 6.0  # 10, 9, 9, 8, 7, 6 (31 Oct 23:59:59 and 1 Dec are out)
    assert report["nps"].value == pytest.approx(100 / 3)  # 100 × (3 promoters − 1 detractor) / 6
    assert report["nps"].compare == pytest.approx(-100.0)  # 2–31 Oct: one answer, 0 → 100 × (0 − 1) / 1
    assert report["nps_responses"].compare == 1.0


def test_nps_filtered_by_channel():
    report = report_of(Tables.from_frames(nps=nps_nov()), filters={"channel": ["Email"]})
    assert report["nps_responses"].value == 4.0  # 10, 9, 7, 6
    assert report["nps"].value == pytest.approx(25.0)  # 100 × (2 − 1) / 4


# --- zero denominators -------------------------------------------------------------------


def test_zero_denominators_are_unavailable_never_zero_inf_or_nan():
    traffic = rows(
        TRAFFIC_HEADER,
        (day(11, 1), "Organic Search", "desktop", "/lp/a", 0, 0, 0, 0, 0.0, 0, 0, 0, 0),
    )
    spend = rows(SPEND_HEADER, (day(11, 1), "Paid Search", 0.0, 0, 0))
    orders = rows(("order_id", "customer_id", "ordered_at", "revenue"), ("a", "c1", at(10, 1), 10.0))
    leads = rows(LEADS_HEADER, ("L1", at(10, 1), "Email", None, None, None, None))
    nps = rows(("responded_at", "score"), (at(10, 1), 10))
    report = report_of(Tables.from_frames(traffic=traffic, spend=spend, orders=orders, leads=leads, nps=nps))
    assert_unavailable(report["pages_per_session"], "no sessions in period")
    assert_unavailable(report["avg_session_duration_s"], "no sessions in period")
    assert_unavailable(report["engagement_rate"], "no sessions in period")
    assert_unavailable(report["bounce_rate"], "no sessions in period")
    assert_unavailable(report["organic_search_share"], "no sessions in period")
    assert_unavailable(report["conversion_rate"], "no sessions in period")
    assert_unavailable(report["add_to_cart_rate"], "no sessions in period")
    assert_unavailable(report["lead_conversion_rate"], "no sessions in period")
    assert_unavailable(report["cart_abandonment_rate"], "no add-to-cart sessions")
    assert_unavailable(report["checkout_abandonment_rate"], "no checkout sessions")
    assert_unavailable(report["landing_page_conversion_rate"], "in period")
    assert_unavailable(report["aov"], "no orders")
    assert_unavailable(report["cpa"], "no orders")
    assert_unavailable(report["purchase_frequency"], "no customers")
    assert_unavailable(report["returning_customer_rate"], "no customers")
    assert_unavailable(report["repurchase_rate"], "no customers")
    assert_unavailable(report["retention_rate"], "no customers")
    assert_unavailable(report["ltv"], "no new customers")
    assert_unavailable(report["cac"], "no new customers")
    assert_unavailable(report["ltv_cac_ratio"], "no new customers")
    assert_unavailable(report["roas"], "no spend")
    assert_unavailable(report["romi"], "no spend")
    assert_unavailable(report["ctr"], "no impressions")
    assert_unavailable(report["cpm"], "no impressions")
    assert_unavailable(report["cpc"], "no clicks")
    assert_unavailable(report["cpl"], "no leads")
    assert_unavailable(report["sales_conversion_rate"], "no leads")
    assert_unavailable(report["mql_to_sql_rate"], "in period")
    assert_unavailable(report["win_rate"], "in period")
    assert_unavailable(report["lead_time_days"], "no won deals")
    assert_unavailable(report["nps"], "no NPS answers")
    # counts of nothing are a real 0 (their table is there, the period just has none)
    for kpi_id in ("sessions", "orders", "sales", "revenue", "spend", "clicks", "customers", "leads", "nps_responses"):
        assert report[kpi_id].value == 0.0, kpi_id


def test_cac_with_spend_but_no_new_customers_is_unavailable():
    orders = rows(
        ("order_id", "customer_id", "ordered_at", "revenue"),
        ("a", "c1", at(10, 1), 10.0),
        ("b", "c1", at(11, 1), 10.0),  # c1 is a customer of November, but not new
    )
    spend = rows(("date", "spend"), (day(11, 1), 100.0))
    report = report_of(Tables.from_frames(orders=orders, spend=spend))
    assert report["customers"].value == 1.0
    assert report["new_customers"].value == 0.0
    assert_unavailable(report["cac"], "no new customers in period")
    assert_unavailable(report["ltv"], "no new customers in period")


def test_ltv_cac_ratio_with_zero_cac_is_unavailable():
    orders = rows(("order_id", "customer_id", "ordered_at", "revenue"), ("a", "c1", at(11, 1), 10.0))
    spend = rows(("date", "spend"), (day(11, 2), 0.0))
    report = report_of(Tables.from_frames(orders=orders, spend=spend))
    assert report["cac"].value == pytest.approx(0.0)  # 0 / 1
    assert report["ltv_cac_ratio"].value is None  # 10 / 0: never inf
    assert report["ltv_cac_ratio"].note


def test_ltv_cac_ratio_with_zero_cac_says_cac_is_zero():
    orders = rows(("order_id", "customer_id", "ordered_at", "revenue"), ("a", "c1", at(11, 1), 10.0))
    spend = rows(("date", "spend"), (day(11, 2), 0.0))
    note = report_of(Tables.from_frames(orders=orders, spend=spend))["ltv_cac_ratio"].note
    # the reason is the zero CAC, not LTV's "1 of 1 new customers have less than 12 months of history"
    assert "history" not in note
    assert "acquisition cost" in note.lower() or "cac" in note.lower()


# --- missing tables, columns and filtered columns ----------------------------------------


def test_a_missing_table_gives_its_reason():
    report = report_of(Tables.from_frames(orders=orders_nov()))
    for kpi_id in ("spend", "impressions", "clicks", "ctr", "cpc", "cpm", "cpa", "roas", "romi", "cac"):
        assert_unavailable(report[kpi_id], "no spend data")
    for kpi_id in ("sessions", "conversion_rate", "bounce_rate", "users"):
        assert_unavailable(report[kpi_id], "no traffic data")
    for kpi_id in ("mqls", "win_rate", "lead_time_days"):
        assert_unavailable(report[kpi_id], "no leads data")
    assert_unavailable(report["nps"], "no NPS data")
    assert_unavailable(report["nps_responses"], "no NPS data")
    assert_unavailable(report["leads"], "no leads data")
    only_spend = report_of(Tables.from_frames(spend=spend_nov()))
    for kpi_id in ("orders", "revenue", "customers", "new_customers", "ltv", "retention_rate"):
        assert_unavailable(only_spend[kpi_id], "no orders data")
    assert only_spend["spend"].value == pytest.approx(200.0)
    assert_unavailable(only_spend["roas"], "no orders data")
    assert_unavailable(only_spend["cac"], "no orders data")


def test_a_missing_optional_column_gives_its_reason():
    traffic = traffic_nov().select("date", "channel", "sessions", "purchase_sessions")
    spend = spend_nov().select("date", "channel", "spend")
    report = report_of(Tables.from_frames(traffic=traffic, spend=spend))
    assert report["sessions"].value == 200.0
    assert_unavailable(report["pageviews"], "traffic has no pageviews column")
    assert_unavailable(report["pages_per_session"], "traffic has no pageviews column")
    assert_unavailable(report["users"], "traffic has no users column")
    assert_unavailable(report["avg_session_duration_s"], "traffic has no session_duration_s column")
    assert_unavailable(report["engagement_rate"], "traffic has no engaged_sessions column")
    assert_unavailable(report["bounce_rate"], "traffic has no engaged_sessions column")
    assert_unavailable(report["add_to_cart_rate"], "traffic has no add_to_cart_sessions column")
    assert_unavailable(report["landing_page_conversion_rate"], "traffic has no landing_page column")
    assert_unavailable(report["impressions"], "spend has no impressions column")
    assert_unavailable(report["ctr"], "spend has no")
    assert_unavailable(report["cpc"], "spend has no clicks column")
    assert report["conversion_rate"].value == pytest.approx(0.05)  # 10 / 200
    no_channel = report_of(Tables.from_frames(traffic=traffic.drop("channel")))
    assert_unavailable(no_channel["organic_search_share"], "traffic has no channel column")


def test_a_filter_on_a_column_a_table_lacks_makes_its_kpis_unavailable():
    # spend and NPS have no device column; orders and traffic do
    tables = Tables.from_frames(
        orders=orders_nov(), traffic=traffic_nov(), spend=spend_nov().drop("channel"), nps=nps_nov()
    )
    report = report_of(tables, filters={"device": ["mobile"]})
    for kpi_id in ("spend", "impressions", "clicks", "ctr", "cpc", "cpm", "cpa", "roas", "romi", "cac"):
        assert_unavailable(report[kpi_id], "spend has no device column")
    assert_unavailable(report["nps"], "NPS answers have no device column")
    assert report["orders"].value == 2.0  # mobile: o1, o5
    assert report["sessions"].value == 80.0  # mobile: 50 + 30
    assert report["conversion_rate"].value == pytest.approx(0.05)  # (3 + 1) / 80
    # a filter on a column the orders lack: orders KPIs unavailable, traffic KPIs filtered
    by_page = report_of(tables, filters={"landing_page": ["/lp/black-friday"]})
    assert_unavailable(by_page["orders"], "orders have no landing_page column")
    assert_unavailable(by_page["customers"], "orders have no landing_page column")
    assert by_page["sessions"].value == 50.0


def test_an_empty_filter_list_filters_nothing():
    report = report_of(Tables.from_frames(orders=orders_nov(), spend=spend_nov()), filters={"device": []})
    assert report["orders"].value == 5.0
    assert report["spend"].value == pytest.approx(200.0)


# --- periods and comparisons -------------------------------------------------------------


def leap_orders() -> pl.DataFrame:
    return rows(
        ("order_id", "customer_id", "ordered_at", "revenue"),
        ("p1", "c1", at(2, 29, 12), 30.0),  # the leap day
        ("p2", "c2", at(2, 28, 10), 5.0),  # the day before the leap day
        ("y1", "c3", at(2, 28, 10, year=2023), 7.0),
        ("y2", "c4", at(2, 28, 23, 59, 59, year=2023), 11.0),
        ("y3", "c5", at(3, 1, 0, year=2023), 1000.0),  # 1 Mar 2023: not 28 Feb
        ("y4", "c6", at(2, 1, year=2023), 2.0),
        ("j1", "c7", at(1, 2), 100.0),  # 2 Jan 2024: before the window of February's "previous"
        ("j2", "c8", at(1, 3), 3.0),
        ("j3", "c9", at(1, 31, 23), 4.0),
    )


def test_a_leap_day_compared_with_last_year_maps_to_28_february():
    leap_day = Period(date(2024, 2, 29), date(2024, 2, 29))
    report = compute(Tables.from_frames(orders=leap_orders()), leap_day, {}, Settings(), comparison="year")
    assert report.compare_period == Period(date(2023, 2, 28), date(2023, 2, 28))
    assert report["orders"].value == 1.0  # p1
    assert report["orders"].compare == 2.0  # y1, y2 (y3 is 1 Mar 2023)
    assert report["sales"].compare == pytest.approx(18.0)  # 7 + 11


def test_a_leap_day_compared_with_the_previous_day():
    leap_day = Period(date(2024, 2, 29), date(2024, 2, 29))
    report = compute(Tables.from_frames(orders=leap_orders()), leap_day, {}, Settings(), comparison="previous")
    assert report.compare_period == Period(date(2024, 2, 28), date(2024, 2, 28))
    assert report["sales"].compare == pytest.approx(5.0)  # p2


def test_leap_february_compared_with_the_previous_29_days_and_last_year():
    feb = Period(date(2024, 2, 1), date(2024, 2, 29))
    tables = Tables.from_frames(orders=leap_orders())
    previous = compute(tables, feb, {}, Settings(), comparison="previous")
    assert previous.compare_period == Period(date(2024, 1, 3), date(2024, 1, 31))  # 29 days ending 31 Jan
    assert previous["orders"].value == 2.0  # p1, p2
    assert previous["sales"].compare == pytest.approx(7.0)  # j2 3 + j3 4 (j1 on 2 Jan is out)
    last_year = compute(tables, feb, {}, Settings(), comparison="year")
    assert last_year.compare_period == Period(date(2023, 2, 1), date(2023, 2, 28))
    assert last_year["sales"].compare == pytest.approx(20.0)  # y4 2 + y1 7 + y2 11


def test_the_previous_window_of_a_month():
    report = compute(Tables.from_frames(orders=orders_nov()), NOV, {}, Settings(), comparison="previous")
    assert report.compare_period == Period(date(2024, 10, 2), date(2024, 10, 31))
    assert report["orders"].compare == 1.0  # o8 on 31 Oct 23:59:59
    assert report["new_customers"].compare == 1.0  # c2's first order
    none = compute(Tables.from_frames(orders=orders_nov()), NOV, {}, Settings(), comparison="none")
    assert none.compare_period is None
    assert none["orders"].compare is None


# --- breakdowns --------------------------------------------------------------------------


def test_breakdown_by_channel_gives_channel_cac_and_roas():
    spend = rows(
        ("date", "channel", "spend"),
        (day(11, 1), "Paid Search", 80.0),
        (day(11, 2), "Email", 45.0),
    )
    tables = Tables.from_frames(orders=cross_channel_orders(), spend=spend)
    kpis = ["orders", "new_customers", "cac", "roas", "spend", "ltv"]
    bd = breakdown(tables, NOV, {}, Settings(), by="channel", kpis=kpis)
    frame = bd.frame.to_native()
    by_group = {row["group"]: row for row in frame.iter_rows(named=True)}
    assert set(by_group) == {"Paid Search", "Email"}
    paid, email = by_group["Paid Search"], by_group["Email"]
    assert paid["new_customers"] == 2.0  # B and D were acquired by Paid Search (A's first order is October's)
    assert email["new_customers"] == 1.0  # C's first order was Email
    assert paid["cac"] == pytest.approx(40.0)  # 80 / 2
    assert email["cac"] == pytest.approx(45.0)  # 45 / 1
    assert paid["orders"] == 4.0  # a2, b1, c2, d1
    assert paid["roas"] == pytest.approx(250.0 / 80)  # (60 + 100 + 70 + 20) / 80
    assert email["roas"] == pytest.approx(80.0 / 45)  # (30 + 50) / 45
    # LTV per acquisition channel, counting each new customer's orders in any channel
    assert paid["ltv"] == pytest.approx(75.0)  # (B 100 + 30 + D 20) / 2
    assert email["ltv"] == pytest.approx(120.0)  # C 50 + 70
    total = report_of(tables)
    assert total["cac"].value == pytest.approx(125.0 / 3)  # blended: (80 + 45) / 3 new customers
    assert total["roas"].value == pytest.approx(330.0 / 125)  # (250 + 80) / (80 + 45)


def test_breakdown_by_channel_with_spend_in_a_channel_without_customers():
    spend = rows(("date", "channel", "spend"), (day(11, 1), "Paid Search", 80.0), (day(11, 3), "Display", 10.0))
    tables = Tables.from_frames(orders=cross_channel_orders(), spend=spend)
    bd = breakdown(tables, NOV, {}, Settings(), by="channel", kpis=["cac", "roas", "orders"])
    by_group = {row["group"]: row for row in bd.frame.to_native().iter_rows(named=True)}
    display = by_group["Display"]
    assert display["orders"] == 0.0
    assert display["roas"] == pytest.approx(0.0)  # 0 revenue / 10
    assert display["cac"] is None  # 10 / 0 new customers
    assert "no new customers" in display["cac__note"]
    assert by_group["Email"]["roas"] is None  # 80 revenue / 0 spend
    assert "no spend" in by_group["Email"]["roas__note"]


def test_breakdown_by_date_has_one_row_per_day_including_empty_days():
    period = Period(date(2024, 11, 1), date(2024, 11, 5))
    traffic = rows(
        ("date", "sessions", "purchase_sessions"),
        (day(11, 1), 10, 1),
        (day(11, 4), 20, 3),
        (day(11, 6), 99, 9),  # after the period
    )
    orders = rows(
        ("order_id", "customer_id", "ordered_at", "revenue"),
        ("a", "c1", at(11, 1, 8), 10.0),
        ("b", "c2", at(11, 4, 9), 20.0),
        ("c", "c3", at(11, 4, 23, 59, 59), 30.0),
    )
    bd = breakdown(Tables.from_frames(traffic=traffic, orders=orders), period, {}, Settings(), by="date")
    assert bd.series("group") == [date(2024, 11, d) for d in range(1, 6)]
    assert bd.series("sessions") == [10.0, 0.0, 0.0, 20.0, 0.0]
    assert bd.series("orders") == [1.0, 0.0, 0.0, 2.0, 0.0]
    assert bd.series("sales") == [10.0, 0.0, 0.0, 50.0, 0.0]
    rates = bd.series("conversion_rate")
    assert rates[0] == pytest.approx(0.1)  # 1 / 10
    assert rates[3] == pytest.approx(0.15)  # 3 / 20
    assert rates[1] is None
    assert rates[2] is None
    assert rates[4] is None
    assert bd.series("conversion_rate__note")[1] == "no sessions in period"
    assert bd.series("aov")[3] == pytest.approx(25.0)  # (20 + 30) / 2


def test_breakdown_by_device_with_a_table_lacking_device():
    tables = Tables.from_frames(orders=orders_nov(), spend=spend_nov())
    bd = breakdown(tables, NOV, {}, Settings(), by="device", kpis=["orders", "spend"])
    by_group = {row["group"]: row for row in bd.frame.to_native().iter_rows(named=True)}
    assert by_group["mobile"]["orders"] == 2.0  # o1, o5
    assert by_group["desktop"]["orders"] == 3.0  # o2, o3, o6
    for row in by_group.values():
        assert row["spend"] is None
        assert row["spend__note"] == "spend has no device column"


def test_breakdown_by_source_and_campaign():
    orders = rows(
        ("order_id", "customer_id", "ordered_at", "revenue", "source", "campaign"),
        ("a", "c1", at(11, 1), 10.0, "google", "bf"),
        ("b", "c2", at(11, 2), 20.0, "google", "xmas"),
        ("c", "c3", at(11, 3), 40.0, "facebook", "bf"),
        ("d", "c4", at(11, 4), 80.0, None, None),
    )
    spend = rows(
        ("date", "source", "campaign", "spend"),
        (day(11, 1), "google", "bf", 5.0),
        (day(11, 2), "facebook", "bf", 20.0),
    )
    tables = Tables.from_frames(orders=orders, spend=spend)
    by_source = breakdown(tables, NOV, {}, Settings(), by="source", kpis=["sales", "spend", "roas"])
    rows_by_source = {row["group"]: row for row in by_source.frame.to_native().iter_rows(named=True)}
    assert rows_by_source["google"]["sales"] == pytest.approx(30.0)  # 10 + 20
    assert rows_by_source["google"]["roas"] == pytest.approx(6.0)  # 30 / 5
    assert rows_by_source["facebook"]["roas"] == pytest.approx(2.0)  # 40 / 20
    # the order without a source is a group of its own, so the parts still add up to 150
    assert sum(row["sales"] for row in rows_by_source.values()) == pytest.approx(150.0)
    by_campaign = breakdown(tables, NOV, {}, Settings(), by="campaign", kpis=["sales", "spend"])
    rows_by_campaign = {row["group"]: row for row in by_campaign.frame.to_native().iter_rows(named=True)}
    assert rows_by_campaign["bf"]["sales"] == pytest.approx(50.0)  # 10 + 40
    assert rows_by_campaign["bf"]["spend"] == pytest.approx(25.0)  # 5 + 20
    assert rows_by_campaign["xmas"]["sales"] == pytest.approx(20.0)


def test_breakdown_by_date_treats_each_day_as_its_own_period():
    period = Period(date(2024, 11, 14), date(2024, 11, 16))
    kpis = ["customers", "new_customers", "returning_customer_rate", "repurchase_rate"]
    bd = breakdown(Tables.from_frames(orders=cross_channel_orders()), period, {}, Settings(), by="date", kpis=kpis)
    assert bd.series("customers") == [0.0, 1.0, 1.0]  # 14 Nov: nobody; 15 Nov: C (c1); 16 Nov: C (c2)
    assert bd.series("new_customers") == [0.0, 1.0, 0.0]  # C's first order is on 15 Nov
    returning = bd.series("returning_customer_rate")
    assert returning[0] is None  # no customers on 14 Nov
    assert returning[1] == pytest.approx(0.0)  # C has 1 live order by 15 Nov
    assert returning[2] == pytest.approx(1.0)  # C has 2 live orders by 16 Nov
    assert bd.series("repurchase_rate")[2] == pytest.approx(0.0)  # C's orders inside 16 Nov: 1


# --- CAC payback and the CAC variants ----------------------------------------------------


def payback_orders() -> pl.DataFrame:
    # two customers acquired in January 2024; data runs to 31 May 2024 (c9's order)
    return rows(
        ("order_id", "customer_id", "ordered_at", "revenue", "channel"),
        ("p1", "cP", at(1, 10, 9), 30.0, "Paid Search"),  # P month 0
        ("p2", "cP", at(2, 10, 8), 20.0, "Email"),  # 08:00 < 09:00: still month 0 (calendar day and time)
        ("p3", "cP", at(3, 15), 40.0, "Email"),  # month 2
        ("q1", "cQ", at(1, 20), 10.0, "Paid Search"),  # Q month 0
        ("q2", "cQ", at(2, 25), 10.0, "Direct"),  # month 1
        ("z9", "c9", at(5, 31), 5.0, "Direct"),  # a later customer: keeps the data going to 31 May
    )


def payback_spend(amount: float) -> pl.DataFrame:
    return rows(("date", "channel", "spend"), (day(1, 5), "Paid Search", amount))


def test_cac_payback_is_the_first_month_the_cumulative_margin_revenue_reaches_cac():
    tables = Tables.from_frames(orders=payback_orders(), spend=payback_spend(40.0))
    report = report_of(tables, JAN)
    # CAC = 40 / 2 new customers = 20; per customer cumulative net revenue:
    # month 0: (30 + 20 + 10) / 2 = 30 ≥ 20 → paid back within 1 month
    assert report["cac"].value == pytest.approx(20.0)
    assert report["cac_payback_months"].value == 1.0
    assert report["cac_payback_months"].note is None


def test_cac_payback_uses_the_margin_and_later_months():
    tables = Tables.from_frames(orders=payback_orders(), spend=payback_spend(80.0))
    report = report_of(tables, JAN, margin=0.5)
    # CAC = 40; × margin 0.5 per customer: month 0 (60/2)·0.5 = 15, month 1 (60+10)/2·0.5 = 17.5,
    # month 2 (70+40)/2·0.5 = 27.5, month 3 27.5 → never 40 within the months the data covers
    payback = report["cac_payback_months"]
    assert payback.value is None
    # P first ordered 10 Jan 09:00, Q 20 Jan: the data (to midnight after 31 May) covers 4 whole months of both
    assert payback.note == "not paid back within the 4 months the data covers"
    report = report_of(tables, JAN, margin=1.0)
    # CAC 40; month 0: 30, month 1: 35, month 2: 55 ≥ 40 → 3 months
    assert report["cac_payback_months"].value == 3.0


def test_cac_payback_is_unavailable_when_cac_is():
    report = report_of(Tables.from_frames(orders=payback_orders()), JAN)
    assert_unavailable(report["cac_payback_months"], "no spend data")


def test_cac_payback_per_channel_of_acquisition():
    tables = Tables.from_frames(orders=payback_orders(), spend=payback_spend(40.0))
    frame = breakdown(tables, JAN, {}, Settings(), by="channel", kpis=["cac", "cac_payback_months"]).frame.to_native()
    paid = frame.filter(pl.col("group") == "Paid Search").row(0, named=True)
    # both customers came through Paid Search: CAC 40 / 2 = 20, month 0 mean 30 ≥ 20
    assert (paid["cac"], paid["cac_payback_months"]) == (20.0, 1.0)


def test_cac_payback_of_a_channel_without_cost_is_unavailable():
    # spend only on Email: Paid Search's new customers cost nothing, so there is nothing to pay back
    spend = rows(("date", "channel", "spend"), (day(1, 5), "Email", 40.0))
    tables = Tables.from_frames(orders=payback_orders(), spend=spend)
    frame = breakdown(tables, JAN, {}, Settings(), by="channel", kpis=["cac", "cac_payback_months"]).frame.to_native()
    paid = frame.filter(pl.col("group") == "Paid Search").row(0, named=True)
    assert paid["cac"] == 0.0
    assert paid["cac_payback_months"] is None
    assert paid["cac_payback_months__note"] == "no acquisition cost to pay back (CAC is 0)"


def test_cac_payback_within_one_observable_month():
    # one customer, first order 10 Jan, data ends 10 Feb: only month 0 is whole; CAC 100 is never reached
    orders = rows(
        ("order_id", "customer_id", "ordered_at", "revenue"),
        ("a", "c1", at(1, 10), 30.0),
        ("b", "c2", at(2, 10), 5.0),
    )
    report = report_of(Tables.from_frames(orders=orders, spend=payback_spend(100.0)), JAN)
    assert_unavailable(report["cac_payback_months"], "not paid back within the one month the data covers")


def test_cac_variants():
    orders = rows(
        ("order_id", "customer_id", "ordered_at", "revenue"),
        ("o1", "c1", at(1, 3), 10.0),
        ("o2", "c2", at(1, 4), 10.0),
    )
    spend = rows(
        ("date", "channel", "spend"),
        (day(1, 3), "Paid Social", 60.0),
        (day(1, 3), "Email", 20.0),  # a newsletter tool: marketing, not paid media
    )
    tables = Tables.from_frames(orders=orders, spend=spend)
    assert report_of(tables, JAN)["cac"].value == pytest.approx(40.0)  # (60 + 20) / 2: all marketing spend
    assert report_of(tables, JAN, cac_variant="paid")["cac"].value == pytest.approx(30.0)  # 60 / 2
    # 2,000 a month of sales team over January's 31 days: 2,000 × 31 / 30.4375; (80 + that) / 2
    with_team = report_of(tables, JAN, cac_variant="with_sales_cost", monthly_sales_cost=2000.0)
    assert with_team["cac"].value == pytest.approx((80.0 + 2000.0 * 31 / 30.4375) / 2)
    assert report_of(tables, JAN)["spend"].value == 80.0  # the spend KPI itself never changes
    by_channel = (
        breakdown(
            tables,
            JAN,
            {},
            Settings(cac_variant="with_sales_cost", monthly_sales_cost=10.0),
            by="channel",
            kpis=["cac"],
        )
        .long()
        .to_native()
    )
    assert by_channel["note"].unique().to_list() == ["a fixed sales cost cannot be split by channel"]
    no_channel = Tables.from_frames(orders=orders, spend=spend.drop("channel"))
    assert_unavailable(report_of(no_channel, JAN, cac_variant="paid")["cac"], "spend has no channel column")


def test_the_date_range_reaches_a_deal_won_after_the_last_new_lead():
    # leads created 1 Jan and 1 Feb; one won on 3 May, one lost on 9 Mar: "All data" must reach 3 May
    leads = pl.DataFrame(
        {
            "lead_id": ["a", "b"],
            "created_at": [datetime(2024, 1, 1), datetime(2024, 2, 1)],
            "won_at": [datetime(2024, 5, 3, 15), None],
            "lost_at": [None, datetime(2024, 3, 9)],
        }
    )
    orders = pl.DataFrame(
        {"order_id": ["o"], "customer_id": ["c"], "ordered_at": [datetime(2023, 12, 30)], "revenue": [1.0]}
    )
    assert Tables.from_frames(leads=leads).date_range() == (date(2024, 1, 1), date(2024, 5, 3))
    assert Tables.from_frames(leads=leads, orders=orders).date_range() == (date(2023, 12, 30), date(2024, 5, 3))
