"""kpi.leads_views: the numbers of the *Leads and sales team* page on tiny hand-made data (every
expected value worked out by hand in the comments), and the real Olist marketing funnel against an
oracle computed here from its raw CSVs."""

from __future__ import annotations

import math
import statistics
from datetime import date, datetime
from pathlib import Path

import narwhals as nw
import polars as pl
import pytest

from kpi.engine import compute
from kpi.leads_views import (
    LANDING_PAGE_COLUMNS,
    REP_COLUMNS,
    GroupTable,
    LeadCohort,
    bin_width,
    blocked,
    channel_conversion,
    column,
    deal_values,
    default_bins,
    is_thin,
    lead_cohort,
    lead_landing_pages,
    lead_time_distribution,
    leads_page,
    nps_margin_of_error,
    nps_summary,
    only,
    sales_team,
    top_landing_pages,
    traffic_landing_pages,
)
from kpi.periods import Period
from kpi.tables import Tables

JAN = Period(date(2024, 1, 1), date(2024, 1, 31))
FEB = Period(date(2024, 2, 1), date(2024, 2, 29))
D = datetime

# Nine leads. "in P" = in January 2024 (JAN).
#  id  created          channel      page  mql    sql    won               lost   value owner
#  L1  01-02 10:00      Paid Search  /a    01-03  01-05  01-12 10:00 (10 d)  -      1000  Ann
#  L2  01-03            Paid Search  /a    01-04  -      -                 01-20   -    Ann
#  L3  01-05            Email        /b    01-06  01-08  01-09 12:00 (4.5 d) -       500  Bo
#  L4  2023-12-01       Email        /b    12-02  12-05  01-31 (61 d)      -      2000  Ann
#  L5  01-10            Paid Search  -     -      -      -                 -       -    -
#  L6  01-20            Email        /a    01-21  01-22  02-10 (21 d)      -       700  Bo
#  L7  01-25            Referral     /c    -      -      -                 02-02   -    Cy
#  L8  2023-11-01       Paid Search  /a    11-02  -      -                 01-15   -    Bo
#  L9  01-15            Email        /b    -      -      01-14 12:00 (−0.5 d) -      -    Cy
LEADS = pl.DataFrame(
    {
        "lead_id": ["L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8", "L9"],
        "created_at": [
            D(2024, 1, 2, 10),
            D(2024, 1, 3),
            D(2024, 1, 5),
            D(2023, 12, 1),
            D(2024, 1, 10),
            D(2024, 1, 20),
            D(2024, 1, 25),
            D(2023, 11, 1),
            D(2024, 1, 15),
        ],
        "channel": [
            "Paid Search",
            "Paid Search",
            "Email",
            "Email",
            "Paid Search",
            "Email",
            "Referral",
            "Paid Search",
            "Email",
        ],
        "device": ["desktop", "mobile", "desktop", "desktop", "mobile", "desktop", "mobile", "desktop", "mobile"],
        "landing_page": ["/a", "/a", "/b", "/b", None, "/a", "/c", "/a", "/b"],
        "mql_at": [
            D(2024, 1, 3),
            D(2024, 1, 4),
            D(2024, 1, 6),
            D(2023, 12, 2),
            None,
            D(2024, 1, 21),
            None,
            D(2023, 11, 2),
            None,
        ],
        "sql_at": [D(2024, 1, 5), None, D(2024, 1, 8), D(2023, 12, 5), None, D(2024, 1, 22), None, None, None],
        "won_at": [
            D(2024, 1, 12, 10),
            None,
            D(2024, 1, 9, 12),
            D(2024, 1, 31),
            None,
            D(2024, 2, 10),
            None,
            None,
            D(2024, 1, 14, 12),
        ],
        "lost_at": [None, D(2024, 1, 20), None, None, None, None, D(2024, 2, 2), D(2024, 1, 15), None],
        "deal_value": [1000.0, None, 500.0, 2000.0, None, 700.0, None, None, None],
        "owner": ["Ann", "Ann", "Bo", "Ann", None, "Bo", "Cy", "Bo", "Cy"],
    }
)
# Traffic: four January rows and one in December (outside JAN).
TRAFFIC = pl.DataFrame(
    {
        "date": [date(2024, 1, 5), date(2024, 1, 6), date(2024, 1, 7), date(2024, 1, 8), date(2023, 12, 31)],
        "channel": ["Paid Search", "Paid Search", "Email", "Email", "Email"],
        "landing_page": ["/", "/a", "/a", None, "/a"],
        "sessions": [100, 50, 30, 20, 1000],
        "leads": [1, 5, 1, 0, 100],
    }
)
# NPS answers: eight in January, one in February.
NPS = pl.DataFrame(
    {
        "responded_at": [
            D(2024, 1, 3),
            D(2024, 1, 4),
            D(2024, 1, 5),
            D(2024, 1, 6),
            D(2024, 1, 7),
            D(2024, 1, 8),
            D(2024, 1, 9),
            D(2024, 1, 10),
            D(2024, 2, 1),
        ],
        "score": [10, 9, 8, 3, 10, 6, 0, 7, 0],
        "channel": [
            "Paid Search",
            "Paid Search",
            "Paid Search",
            "Paid Search",
            "Email",
            "Email",
            "Email",
            None,
            "Email",
        ],
    }
)


@pytest.fixture
def tables() -> Tables:
    return Tables.from_frames(leads=LEADS, traffic=TRAFFIC, nps=NPS, currency="EUR")


def rows(table: GroupTable, *columns: str) -> dict[str, tuple]:
    """``{group: (values of columns…)}`` of a group table."""
    assert table.frame is not None
    frame = table.frame.to_native()
    return {row[0]: tuple(row[1:]) for row in frame.select("group", *columns).iter_rows()}


# --- small helpers ---------------------------------------------------------------------------


def test_column_reads_the_registry_and_the_extra_columns():
    assert column("win_rate").label == "Win rate"
    assert column("win_rate").format == "percent"
    assert column("lead_time_days").format == "days"
    assert column("deal_value").format == "currency"
    assert column("nps_moe").format == "score"
    assert "1.96" in column("nps_moe").formula
    with pytest.raises(KeyError):
        column("no_such_column")


def test_only_keeps_the_named_tables_and_the_currency(tables):
    reduced = only(tables, "leads")
    assert reduced.present() == ("leads",)
    assert reduced.currency == "EUR"
    assert reduced.leads is tables.leads


def test_blocked_names_the_missing_table_filter_or_grouping_column(tables):
    assert blocked(tables, "leads", None) is None
    assert blocked(tables, "leads", {"channel": ["Email"]}, "owner") is None
    assert blocked(tables, "orders", None) == "no orders data"
    assert blocked(tables, "leads", {"campaign": ["x"]}) == "leads have no campaign column"
    assert blocked(tables, "leads", {"campaign": []}) is None  # an empty filter is no filter
    assert blocked(tables, "nps", None, "device") == "NPS answers have no device column"


def test_group_table_properties():
    empty = GroupTable("owner", REP_COLUMNS, None, reason="no leads data")
    assert (empty.available, empty.rows, empty.unavailable_columns, empty.shown_columns) == (
        False,
        0,
        (),
        REP_COLUMNS,
    )
    frame = nw.from_native(pl.DataFrame({"group": ["a", "b"], "x": [1.0, None], "y": [None, None]}))
    table = GroupTable("channel", ("x", "y"), frame)
    assert (table.available, table.rows) == (True, 2)
    assert table.unavailable_columns == ("y",)
    assert table.shown_columns == ("x",)


@pytest.mark.parametrize(
    ("longest", "max_bins", "width"),
    [
        (0.0, 40, 1),  # one bar [0, 1)
        (39.9, 40, 1),  # floor(39.9) + 1 = 40 bars of 1 day
        (40.0, 40, 2),  # 41 bars of 1 day is one too many: floor(40 / 2) + 1 = 21
        (61.0, 8, 14),  # 7 days: floor(61 / 7) + 1 = 9 > 8; 14 days: floor(61 / 14) + 1 = 5
        (5000.0, 40, 180),  # 365 days would do too, 180 is narrower: floor(5000 / 180) + 1 = 28
        (20000.0, 40, 513),  # wider than every preset width: ceil(20000 / 39)
    ],
)
def test_bin_width(longest, max_bins, width):
    assert bin_width(longest, max_bins=max_bins) == width


@pytest.mark.parametrize(("deals", "bins"), [(0, 8), (3, 8), (16, 8), (17, 9), (400, 40), (10_000, 40)])
def test_default_bins(deals, bins):
    # 2 √n rounded up, between 8 and 40: 2 √17 = 8.25 → 9; 2 √400 = 40
    assert default_bins(deals) == bins


# --- lead time --------------------------------------------------------------------------------


def test_lead_time_distribution_in_january(tables):
    result = lead_time_distribution(tables, JAN)
    # won in January: L1 10 d, L3 4.5 d, L4 61 d (created in December), L9 −0.5 d; L6 is won in February
    assert result.won == 4
    assert result.median_days == pytest.approx((4.5 + 10) / 2)  # 7.25, negatives included
    assert result.mean_days == pytest.approx((10 + 4.5 + 61 - 0.5) / 4)  # 18.75
    assert (result.negative, result.most_negative_days) == (1, pytest.approx(-0.5))
    assert result.reason is None
    # 3 non-negative durations → at most 8 bars → 14-day bars; 0–61 days → 5 bars
    assert result.bin_days == 14
    hist = result.histogram.to_native()
    assert hist["from_days"].to_list() == [0, 14, 28, 42, 56]
    assert hist["to_days"].to_list() == [14, 28, 42, 56, 70]
    assert hist["leads"].to_list() == [2, 0, 0, 0, 1]  # 4.5 and 10 in the first, 61 in the last
    assert hist["share"].to_list() == pytest.approx([2 / 3, 0, 0, 0, 1 / 3])


def test_lead_time_median_is_the_lead_time_card(tables):
    assert compute(tables, JAN)["lead_time_days"].value == pytest.approx(
        lead_time_distribution(tables, JAN).median_days
    )


def test_lead_time_distribution_with_a_fixed_bin_width(tables):
    hist = lead_time_distribution(tables, JAN, bin_days=30).histogram.to_native()
    assert hist["leads"].to_list() == [2, 0, 1]  # [0, 30): 4.5 and 10; [60, 90): 61


def test_lead_time_distribution_respects_the_period_and_filters(tables):
    february = lead_time_distribution(tables, FEB)
    assert (february.won, february.median_days, february.negative) == (1, pytest.approx(21.0), 0)  # L6
    email = lead_time_distribution(tables, JAN, {"channel": ["Email"]})
    assert email.won == 3  # L3, L4, L9
    assert email.median_days == pytest.approx(4.5)  # median of −0.5, 4.5, 61
    mobile = lead_time_distribution(tables, JAN, {"device": ["mobile"]})
    assert (mobile.won, mobile.median_days) == (1, pytest.approx(-0.5))  # L9 only


def test_lead_time_distribution_when_nothing_can_be_shown(tables):
    assert lead_time_distribution(tables, Period(date(2024, 3, 1), date(2024, 3, 31))).reason == (
        "no deals won in the period"
    )
    assert lead_time_distribution(Tables.from_frames(nps=NPS), JAN).reason == "no leads data"
    no_won = Tables.from_frames(leads=LEADS.drop("won_at"))
    assert lead_time_distribution(no_won, JAN).reason == "leads have no won_at column"
    assert lead_time_distribution(tables, JAN, {"campaign": ["x"]}).reason == "leads have no campaign column"
    nothing = lead_time_distribution(tables, JAN, {"channel": ["Referral"]})  # L7 was lost, never won
    assert (nothing.won, nothing.median_days, nothing.histogram) == (0, None, None)


def test_lead_time_when_every_deal_was_won_before_its_lead_was_created(tables):
    result = lead_time_distribution(tables, Period(date(2024, 1, 14), date(2024, 1, 14)))  # L9 only
    assert result.won == 1
    assert result.median_days == pytest.approx(-0.5)
    assert result.histogram is None
    assert result.reason == "every deal won in the period was won before its lead was created"


# --- the leads of the period ------------------------------------------------------------------


def test_lead_cohort_in_january(tables):
    # created in January: L1 L2 L3 L5 L6 L7 L9; won at any time: L1 L3 L6 L9; lost and not won: L2 L7;
    # open: L5
    assert lead_cohort(tables, JAN) == LeadCohort(created=7, won=4, lost=2, still_open=1)
    # won / created is the sales conversion card
    assert compute(tables, JAN)["sales_conversion_rate"].value == pytest.approx(4 / 7)


def test_lead_cohort_respects_filters_and_says_why_it_is_empty(tables):
    # Paid Search created in January: L1 (won), L2 (lost), L5 (open)
    assert lead_cohort(tables, JAN, {"channel": ["Paid Search"]}) == LeadCohort(created=3, won=1, lost=1, still_open=1)
    assert lead_cohort(tables, FEB).reason == "no leads created in the period"
    assert lead_cohort(Tables(), JAN).reason == "no leads data"
    assert lead_cohort(tables, JAN, {"source": ["google"]}).reason == "leads have no source column"
    assert lead_cohort(Tables.from_frames(leads=LEADS.drop("won_at")), JAN).reason == "leads have no won_at column"


def test_lead_cohort_without_a_lost_at_column(tables):
    result = lead_cohort(Tables.from_frames(leads=LEADS.drop("lost_at")), JAN)
    assert result == LeadCohort(created=7, won=4, lost=None, still_open=None)


# --- landing pages ----------------------------------------------------------------------------


def test_lead_landing_pages(tables):
    pages = lead_landing_pages(tables, JAN)
    assert pages.columns == LANDING_PAGE_COLUMNS
    # created in January per page: /a L1 L2 L6 (won L1 L6), /b L3 L9 (both won), /c L7, none: L5
    assert rows(pages, *LANDING_PAGE_COLUMNS) == {
        "/a": (3.0, 2.0, pytest.approx(2 / 3), pytest.approx(3 / 7)),
        "/b": (2.0, 2.0, 1.0, pytest.approx(2 / 7)),
        "(not set)": (1.0, 0.0, 0.0, pytest.approx(1 / 7)),
        "/c": (1.0, 0.0, 0.0, pytest.approx(1 / 7)),
    }
    # most leads first, then by name ("(" sorts before "/")
    assert list(rows(pages)) == ["/a", "/b", "(not set)", "/c"]


def test_lead_landing_pages_respect_filters_period_and_missing_columns(tables):
    email = lead_landing_pages(tables, JAN, {"channel": ["Email"]})
    assert rows(email, "leads", "won") == {"/b": (2.0, 2.0), "/a": (1.0, 1.0)}  # L3 L9; L6
    assert not lead_landing_pages(tables, FEB).available  # no lead created in February
    assert lead_landing_pages(Tables.from_frames(leads=LEADS.drop("landing_page")), JAN).reason == (
        "leads have no landing_page column"
    )
    no_won = lead_landing_pages(Tables.from_frames(leads=LEADS.drop("won_at")), JAN)
    assert no_won.unavailable_columns == ("won", "sales_conversion_rate")
    assert dict(no_won.empty)["sales_conversion_rate"] == "leads have no won_at column"


def test_top_landing_pages_folds_the_rest(tables):
    pages = lead_landing_pages(tables, JAN)
    folded = top_landing_pages(pages, top=1)
    # Other = /b + (not set) + /c: 4 leads, 2 won, conversion 2 / 4 (a ratio of sums), share 4 / 7
    assert rows(folded, *LANDING_PAGE_COLUMNS) == {
        "/a": (3.0, 2.0, pytest.approx(2 / 3), pytest.approx(3 / 7)),
        "Other (3 pages)": (4.0, 2.0, 0.5, pytest.approx(4 / 7)),
    }
    # folding a single page would not save a row
    assert top_landing_pages(pages, top=3) is pages
    assert top_landing_pages(pages, top=10) is pages


def test_traffic_landing_pages(tables):
    web = traffic_landing_pages(tables, JAN)
    assert web.source == "traffic"
    # /a: 50 + 30 sessions, 5 + 1 leads (the December row is outside); /: 100, 1; no page: 20, 0
    assert rows(web, "sessions", "traffic_leads", "lead_conversion_rate") == {
        "/a": (80.0, 6.0, pytest.approx(6 / 80)),
        "/": (100.0, 1.0, pytest.approx(1 / 100)),
        "(not set)": (20.0, 0.0, 0.0),
    }
    assert list(rows(web)) == ["/a", "/", "(not set)"]  # most web leads first
    paid = traffic_landing_pages(tables, JAN, {"channel": ["Paid Search"]})
    assert rows(paid, "sessions", "traffic_leads") == {"/a": (50.0, 5.0), "/": (100.0, 1.0)}


def test_traffic_landing_pages_unavailable(tables):
    assert traffic_landing_pages(Tables.from_frames(leads=LEADS), JAN).reason == "no traffic data"
    no_pages = Tables.from_frames(traffic=TRAFFIC.drop("landing_page"))
    assert traffic_landing_pages(no_pages, JAN).reason == "traffic has no landing_page column"
    no_leads = Tables.from_frames(traffic=TRAFFIC.drop("leads"))
    assert traffic_landing_pages(no_leads, JAN).reason == "traffic has no leads column"
    assert traffic_landing_pages(tables, JAN, {"device": ["mobile"]}).reason == "traffic has no device column"
    # sessions only in December: no page to show, and no reason (the period is empty)
    december = traffic_landing_pages(tables, Period(date(2023, 12, 1), date(2023, 12, 30)))
    assert (december.available, december.reason) == (False, None)


# --- origin channels --------------------------------------------------------------------------


def test_channel_conversion_from_the_leads(tables):
    channels = channel_conversion(tables, JAN)
    assert channels.source == "leads"
    ids = ("leads", "mqls", "sqls", "won_deals", "mql_to_sql_rate", "sales_conversion_rate", "win_rate")
    assert rows(channels, *ids, "lead_time_days") == {
        # created L1 L2 L5; MQL in Jan L1 L2; SQL L1; won in Jan L1; of L1 L2 (MQL) L1 reached SQL;
        # won at any time L1 of 3; closed in Jan L1 won, L2 and L8 lost; lead time L1 10 d
        "Paid Search": (3.0, 2.0, 1.0, 1.0, 0.5, pytest.approx(1 / 3), pytest.approx(1 / 3), pytest.approx(10.0)),
        # created L3 L6 L9; MQL L3 L6; SQL L3 L6; won in Jan L3 L4 L9; L3 L6 both SQL; L3 L6 L9 won;
        # closed in Jan: L3 L4 L9 all won; lead time median of 4.5, 61, −0.5
        "Email": (3.0, 2.0, 2.0, 3.0, 1.0, 1.0, 1.0, pytest.approx(4.5)),
        # created L7, nothing else in January: no MQL to divide by, nothing closed
        "Referral": (1.0, 0.0, 0.0, 0.0, None, 0.0, None, None),
    }
    assert list(rows(channels)) == ["Email", "Paid Search", "Referral"]
    empty = dict(channels.empty)
    assert empty["mql_to_sql_rate"] == "no leads created that reached MQL in period"
    assert empty["win_rate"] == "no deals won or lost in period"
    assert empty["lead_time_days"] == "no won deals in period"


def test_channel_conversion_sums_to_the_cards(tables):
    channels = channel_conversion(tables, JAN).frame.to_native()
    report = compute(tables, JAN)
    for kpi_id in ("leads", "mqls", "sqls", "won_deals"):
        assert channels[kpi_id].sum() == report[kpi_id].value


def test_channel_conversion_respects_the_period_and_filters(tables):
    february = channel_conversion(tables, FEB)
    # nothing created in February; L6 (Email) won, L7 (Referral) lost
    assert rows(february, "leads", "won_deals", "win_rate") == {
        "Email": (0.0, 1.0, 1.0),
        "Referral": (0.0, 0.0, 0.0),
    }
    mobile = channel_conversion(tables, JAN, {"device": ["mobile"]})
    # mobile: L2 L5 (Paid Search), L7 (Referral), L9 (Email)
    assert rows(mobile, "leads", "won_deals") == {
        "Paid Search": (2.0, 0.0),
        "Email": (1.0, 1.0),
        "Referral": (1.0, 0.0),
    }


def test_channel_conversion_falls_back_on_the_web_analytics():
    traffic_only = Tables.from_frames(traffic=TRAFFIC)
    channels = channel_conversion(traffic_only, JAN)
    assert channels.source == "traffic"
    # Paid Search 100 + 50 sessions, 1 + 5 leads; Email 30 + 20 sessions, 1 + 0 leads
    assert rows(channels, "sessions", "traffic_leads", "lead_conversion_rate") == {
        "Paid Search": (150.0, 6.0, pytest.approx(6 / 150)),
        "Email": (50.0, 1.0, pytest.approx(1 / 50)),
    }
    assert channel_conversion(Tables.from_frames(nps=NPS), JAN).reason == "no leads data"
    no_leads_column = Tables.from_frames(traffic=TRAFFIC.drop("leads"))
    assert channel_conversion(no_leads_column, JAN).reason == "no leads data, and traffic has no leads column"


def test_channel_conversion_without_a_channel_column():
    tables = Tables.from_frames(leads=LEADS.drop("channel"))
    assert channel_conversion(tables, JAN).reason == "leads have no channel column"


# --- sales team -------------------------------------------------------------------------------


def test_deal_values_per_owner(tables):
    values = deal_values(tables, JAN).to_native()
    # won in January: Ann L1 1000 + L4 2000; Bo L3 500 (L6 is won in February); Cy L9 without a value
    assert values.rows() == [("Ann", 3000.0, 2), ("Bo", 500.0, 1), ("Cy", None, 0)]
    assert deal_values(tables, FEB).to_native().rows() == [("Bo", 700.0, 1)]  # L6
    assert deal_values(tables, JAN, {"channel": ["Paid Search"]}).to_native().rows() == [("Ann", 1000.0, 1)]
    assert deal_values(Tables.from_frames(leads=LEADS.drop("deal_value")), JAN) is None
    assert deal_values(Tables.from_frames(leads=LEADS.drop("owner")), JAN) is None
    assert deal_values(tables, JAN, {"campaign": ["x"]}) is None


def test_sales_team_per_rep(tables):
    team = sales_team(tables, JAN)
    assert team.columns == REP_COLUMNS
    assert rows(team, *REP_COLUMNS) == {
        # Ann: created L1 L2; won in Jan L1 L4; closed in Jan L1 won, L2 lost, L4 won → 2 / 3;
        # of L1 L2, L1 won → 1 / 2; lead time median of 10 and 61 = 35.5; deals 1000 + 2000
        "Ann": (2.0, 2.0, pytest.approx(2 / 3), 0.5, pytest.approx(35.5), 3000.0, 1500.0),
        # Bo: created L3 L6; won in Jan L3; closed L3 won, L8 lost → 1 / 2; L3 L6 both won → 1;
        # lead time 4.5; deal 500 (L6's 700 is won in February)
        "Bo": (2.0, 1.0, 0.5, 1.0, pytest.approx(4.5), 500.0, 500.0),
        # Cy: created L7 L9; won in Jan L9 (L7 lost in February); L9 won → 1 / 2; −0.5 d; no value
        "Cy": (2.0, 1.0, 1.0, 0.5, pytest.approx(-0.5), None, None),
        # no owner: L5 created, nothing closed
        "(not set)": (1.0, 0.0, None, 0.0, None, None, None),
    }
    assert list(rows(team)) == ["Ann", "Bo", "Cy", "(not set)"]  # won deals, then leads, then name
    empty = dict(team.empty)
    assert empty["win_rate"] == "no deals won or lost in period"
    assert empty["lead_time_days"] == "no won deals in period"
    assert empty["deal_value"] == "no won deal with a deal value in the period"


def test_sales_team_matches_the_cards(tables):
    team = sales_team(tables, JAN).frame.to_native()
    report = compute(tables, JAN)
    assert team["leads"].sum() == report["leads"].value == 7
    assert team["won_deals"].sum() == report["won_deals"].value == 4
    assert team["deal_value"].sum() == 3500.0  # Σ deal_value won in January: 1000 + 500 + 2000


def test_sales_team_respects_the_period_and_filters(tables):
    february = sales_team(tables, FEB)
    # February: L6 (Bo) won 21 days after creation, 700; L7 (Cy) lost
    assert rows(february, *REP_COLUMNS) == {
        "Bo": (0.0, 1.0, 1.0, None, pytest.approx(21.0), 700.0, 700.0),
        "Cy": (0.0, 0.0, 0.0, None, None, None, None),
    }
    email = sales_team(tables, JAN, {"channel": ["Email"]})
    # Email: Ann L4 (won in Jan, created in Dec); Bo L3 (won) L6 (created); Cy L9 (won)
    assert rows(email, "leads", "won_deals", "deal_value") == {
        "Bo": (2.0, 1.0, 500.0),
        "Cy": (1.0, 1.0, None),
        "Ann": (0.0, 1.0, 2000.0),
    }


def test_sales_team_unavailable_parts(tables):
    assert sales_team(Tables.from_frames(leads=LEADS.drop("owner")), JAN).reason == "leads have no owner column"
    assert sales_team(Tables.from_frames(nps=NPS), JAN).reason == "no leads data"
    assert sales_team(tables, JAN, {"source": ["google"]}).reason == "leads have no source column"
    no_values = sales_team(Tables.from_frames(leads=LEADS.drop("deal_value")), JAN)
    assert no_values.unavailable_columns == ("deal_value", "avg_deal_value")
    assert dict(no_values.empty)["deal_value"] == "leads have no deal_value column"
    no_lost = sales_team(Tables.from_frames(leads=LEADS.drop("lost_at")), JAN)
    assert no_lost.unavailable_columns == ("win_rate",)
    assert dict(no_lost.empty)["win_rate"] == "leads have no lost_at column"


# --- NPS --------------------------------------------------------------------------------------


def _moe_by_hand(scores: list[int]) -> float:
    """1.96 × √(var / n), var = the population variance of the answers scored +100 / 0 / −100."""
    points = [100 if s >= 9 else -100 if s <= 6 else 0 for s in scores]
    return 1.96 * math.sqrt(statistics.pvariance(points) / len(points))


@pytest.mark.parametrize(
    ("promoters", "detractors", "answers", "expected"),
    [
        (5, 2, 10, 48.41),  # p .5, d .2: var .7 − .09 = .61; 196 √.061 = 48.41
        (1, 1, 2, 138.59),  # p = d = .5: var 1; 196 √.5 = 138.59
        (10, 0, 10, 0.0),  # every answer a promoter: no spread
        (0, 3, 3, 0.0),
        (0, 0, 4, 0.0),  # all passives: NPS 0 exactly
    ],
)
def test_nps_margin_of_error(promoters, detractors, answers, expected):
    assert nps_margin_of_error(promoters, detractors, answers) == pytest.approx(expected, abs=0.005)
    scores = [10] * promoters + [0] * detractors + [7] * (answers - promoters - detractors)
    assert nps_margin_of_error(promoters, detractors, answers) == pytest.approx(_moe_by_hand(scores))


def test_nps_margin_of_error_without_answers():
    assert nps_margin_of_error(0, 0, 0) is None


def test_is_thin():
    assert is_thin(None)
    assert is_thin(29)
    assert not is_thin(30)


def test_nps_summary_overall(tables):
    summary = nps_summary(tables, JAN)
    # January: 10 9 8 3 10 6 0 7 → promoters 10 9 10 (3), passives 8 7 (2), detractors 3 6 0 (3)
    (values,) = rows(
        summary,
        "nps",
        "nps_moe",
        "nps_responses",
        "promoters",
        "passives",
        "detractors",
        "promoter_share",
        "passive_share",
        "detractor_share",
        "thin",
    ).values()
    assert values == (
        0.0,  # 100 × (3 − 3) / 8
        pytest.approx(196 * math.sqrt(0.75 / 8)),  # var .375 + .375 − 0² = .75 → 60.01
        8.0,
        3.0,
        2.0,
        3.0,
        pytest.approx(3 / 8),
        pytest.approx(2 / 8),
        pytest.approx(3 / 8),
        True,  # fewer than 30 answers
    )
    assert values[1] == pytest.approx(_moe_by_hand([10, 9, 8, 3, 10, 6, 0, 7]))
    assert compute(tables, JAN)["nps"].value == values[0]


def test_nps_summary_by_channel(tables):
    by_channel = nps_summary(tables, JAN, by="channel")
    assert rows(by_channel, "nps", "nps_moe", "nps_responses", "promoters", "passives", "detractors") == {
        # 10 9 8 3: p .5, d .25 → 25; var .75 − .0625 = .6875 → 196 √(.6875 / 4) = 81.26
        "Paid Search": (25.0, pytest.approx(196 * math.sqrt(0.6875 / 4)), 4.0, 2.0, 1.0, 1.0),
        # 10 6 0: p 1/3, d 2/3 → −33.3; var 1 − 1/9 = 8/9 → 196 √(8/27) = 106.69
        "Email": (pytest.approx(-100 / 3), pytest.approx(196 * math.sqrt(8 / 27)), 3.0, 1.0, 0.0, 2.0),
        # one passive (no channel): NPS 0, no spread
        "(not set)": (0.0, 0.0, 1.0, 0.0, 1.0, 0.0),
    }
    assert list(rows(by_channel)) == ["Paid Search", "Email", "(not set)"]  # most answers first


def test_nps_summary_respects_the_period_and_filters(tables):
    (february,) = rows(nps_summary(tables, FEB), "nps", "nps_moe", "nps_responses").values()
    assert february == (-100.0, 0.0, 1.0)  # one detractor
    (email,) = rows(nps_summary(tables, JAN, {"channel": ["Email"]}), "nps", "nps_responses").values()
    assert email == (pytest.approx(-100 / 3), 3.0)


def test_nps_summary_unavailable(tables):
    assert nps_summary(Tables.from_frames(leads=LEADS), JAN).reason == "no NPS data"
    assert nps_summary(tables, Period(date(2024, 3, 1), date(2024, 3, 31))).reason == "no NPS answers in the period"
    assert nps_summary(tables, JAN, {"source": ["google"]}).reason == "NPS answers have no source column"
    no_channel = Tables.from_frames(nps=NPS.drop("channel"))
    assert nps_summary(no_channel, JAN, by="channel").reason == "NPS answers have no channel column"
    assert nps_summary(no_channel, JAN).available


# --- the page -----------------------------------------------------------------------------------


def test_leads_page_gathers_every_section(tables):
    page = leads_page(tables, JAN)
    assert page.has_leads
    assert page.cohort == lead_cohort(tables, JAN)
    assert (page.lead_time.won, page.lead_time.median_days) == (4, pytest.approx(7.25))
    assert page.landing_pages.rows == 4
    assert page.traffic_pages.rows == 3
    assert page.channels.source == "leads"
    assert page.team.rows == 4
    assert page.nps.rows == 1
    assert page.nps_by_channel.rows == 3


def test_leads_page_without_leads_or_nps():
    page = leads_page(Tables.from_frames(traffic=TRAFFIC), JAN)
    assert not page.has_leads
    assert page.cohort.reason == page.lead_time.reason == page.team.reason == "no leads data"
    assert page.channels.source == "traffic"
    assert page.traffic_pages.available
    assert page.nps.reason == page.nps_by_channel.reason == "no NPS data"


# --- the real Olist marketing funnel --------------------------------------------------------------

OLIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "olist-marketing-funnel"
MQL_FILE = OLIST / "olist_marketing_qualified_leads_dataset.csv"
DEALS_FILE = OLIST / "olist_closed_deals_dataset.csv"


@pytest.fixture(scope="module")
def olist() -> Tables:
    if not (MQL_FILE.exists() and DEALS_FILE.exists()):
        pytest.skip(f"Olist marketing funnel not found at {OLIST}")
    from kpi.ingest.pipeline import ingest

    ingested = ingest([(MQL_FILE.name, MQL_FILE.read_bytes()), (DEALS_FILE.name, DEALS_FILE.read_bytes())])
    assert [result.status for result in ingested.results] == ["loaded", "loaded"]
    return ingested.tables


@pytest.fixture(scope="module")
def olist_oracle() -> dict[str, float]:
    """The figures from the raw CSVs, computed here with polars (not with the product): MQLs, the
    closed deals that match an MQL, and the median of won_date − first_contact_date in days."""
    if not (MQL_FILE.exists() and DEALS_FILE.exists()):
        pytest.skip(f"Olist marketing funnel not found at {OLIST}")
    mql = pl.read_csv(MQL_FILE, infer_schema=False).select(
        "mql_id", pl.col("first_contact_date").str.to_datetime("%Y-%m-%d")
    )
    deals = pl.read_csv(DEALS_FILE, infer_schema=False).select(
        "mql_id", pl.col("won_date").str.to_datetime("%Y-%m-%d %H:%M:%S")
    )
    won = deals.join(mql, on="mql_id", how="inner").with_columns(
        ((pl.col("won_date") - pl.col("first_contact_date")).dt.total_seconds() / 86_400).alias("days")
    )
    return {
        "leads": mql["mql_id"].n_unique(),
        "won": won.height,
        "median": won["days"].median(),
        "negative": (won["days"] < 0).sum(),
    }


ALL_OLIST = Period(date(2017, 1, 1), date(2018, 12, 31))


def test_olist_oracle_is_the_published_figures(olist_oracle):
    # Kaggle "Marketing Funnel by Olist": 8,000 MQLs and 842 closed deals; median lead time ≈ 14.6 days
    assert (olist_oracle["leads"], olist_oracle["won"]) == (8000, 842)
    assert olist_oracle["median"] == pytest.approx(14.65, abs=0.01)


def test_olist_won_of_leads_and_lead_time(olist, olist_oracle):
    cohort = lead_cohort(olist, ALL_OLIST)
    assert (cohort.created, cohort.won) == (olist_oracle["leads"], olist_oracle["won"])  # 8,000 and 842
    assert cohort.lost is None  # Olist exports won deals only
    lead_time = lead_time_distribution(olist, ALL_OLIST)
    assert lead_time.won == olist_oracle["won"]
    assert lead_time.median_days == pytest.approx(olist_oracle["median"], abs=1e-6)
    assert lead_time.negative == olist_oracle["negative"] == 1  # one deal "won" before its first contact
    assert lead_time.histogram["leads"].sum() == 841


def test_olist_channels_and_reps_add_up(olist, olist_oracle):
    channels = channel_conversion(olist, ALL_OLIST).frame.to_native()
    assert channels["leads"].sum() == olist_oracle["leads"]
    assert channels["won_deals"].sum() == olist_oracle["won"]
    team = sales_team(olist, ALL_OLIST)
    frame = team.frame.to_native()
    assert frame["won_deals"].sum() == olist_oracle["won"]
    # no lost deals, no deal values in the export: those columns say so instead of showing 0
    assert set(team.unavailable_columns) == {"win_rate", "deal_value", "avg_deal_value"}
