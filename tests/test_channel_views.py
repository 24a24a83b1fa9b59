"""kpi.channel_views on tiny hand-made data: conversion by device and the gap in words, social
platforms (spelling, paid and organic, CPA/ROAS with and without spend), organic search per week,
online vs offline, and the every-KPI-per-channel table. Expected values are worked out in the
comments."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import polars as pl
import pytest

from kpi import Period, Tables, breakdown
from kpi.channel_views import (
    ALL_SOCIAL,
    NO_WEB_SESSIONS,
    DeviceFigures,
    channel_scope,
    channel_table,
    device_conversion,
    gap_sentence,
    movement_sentence,
    online_offline,
    organic_trend,
    platform_name,
    social_platforms,
    web_kpis,
)
from kpi.registry import KPIS

DAY = date(2024, 3, 5)
ONE_DAY = Period(DAY, DAY)
DAY_BEFORE = Period(date(2024, 3, 4), date(2024, 3, 4))


def _orders(rows: list[tuple]) -> pl.DataFrame:
    """(order_id, customer_id, ordered_at, revenue, channel, source, device) rows."""
    names = ["order_id", "customer_id", "ordered_at", "revenue", "channel", "source", "device"]
    return pl.DataFrame(
        rows,
        schema={
            "order_id": pl.String,
            "customer_id": pl.String,
            "ordered_at": pl.Datetime,
            "revenue": pl.Float64,
            "channel": pl.String,
            "source": pl.String,
            "device": pl.String,
        },
        orient="row",
    ).select(names)


def _traffic(rows: list[tuple]) -> pl.DataFrame:
    """(date, channel, source, device, sessions, purchase_sessions) rows."""
    return pl.DataFrame(
        rows,
        schema={
            "date": pl.Date,
            "channel": pl.String,
            "source": pl.String,
            "device": pl.String,
            "sessions": pl.Int64,
            "purchase_sessions": pl.Int64,
        },
        orient="row",
    )


def _spend(rows: list[tuple]) -> pl.DataFrame:
    """(date, channel, source, spend) rows."""
    return pl.DataFrame(
        rows, schema={"date": pl.Date, "channel": pl.String, "source": pl.String, "spend": pl.Float64}, orient="row"
    )


def _at(hour: int, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour)


def _rows(frame, *columns: str) -> dict:
    """``{first column: (other columns…)}`` of a narwhals frame."""
    return {row[0]: row[1:] for row in frame.select(*columns).rows()}


# --- conversion by device -----------------------------------------------------------------


@pytest.fixture
def device_tables() -> Tables:
    traffic = _traffic(
        [
            (DAY, "Direct", "(direct)", "Mobile", 300, 3),  # device spelled in capitals: same device
            (DAY, "Organic Search", "google", "mobile", 100, 1),
            (DAY, "Direct", "(direct)", "desktop", 100, 3),
            (date(2024, 3, 4), "Direct", "(direct)", "mobile", 100, 2),  # the day before
            (date(2024, 3, 4), "Direct", "(direct)", "desktop", 50, 2),
        ]
    )
    orders = _orders(
        [
            ("1", "a", _at(9), 10.0, "Direct", "(direct)", "mobile"),
            ("2", "b", _at(10), 30.0, "Direct", "(direct)", "mobile"),
            ("3", "c", _at(11), 20.0, "Direct", "(direct)", "desktop"),
            ("4", "d", _at(12), 40.0, "Direct", "(direct)", "desktop"),
            ("5", "e", _at(13), 60.0, "Direct", "(direct)", "desktop"),
            ("6", "f", _at(14), 99.0, "Offline", "store", None),  # no device: left out of the shares
        ]
    )
    return Tables.from_frames(orders=orders, traffic=traffic)


def test_device_conversion_is_purchase_sessions_over_sessions_per_device(device_tables):
    result = device_conversion(device_tables, ONE_DAY, compare_period=DAY_BEFORE)
    rows = _rows(
        result.frame,
        "device",
        "sessions",
        "orders",
        "conversion_rate",
        "compare_conversion_rate",
        "session_share",
        "order_share",
        "aov",
    )
    # mobile: 400 sessions, 4 purchase sessions → 1%; the day before 2/100 = 2%
    # desktop: 100 sessions, 3 purchase sessions → 3%; the day before 2/50 = 4%
    # shares of the devices shown: sessions 400/500 and 100/500; orders 2/5 and 3/5 (the store order
    # without a device is left out); AOV mobile (10+30)/2 = 20, desktop 120/3 = 40
    assert list(rows) == ["mobile", "desktop"]
    assert rows["mobile"] == pytest.approx((400, 2, 0.01, 0.02, 0.8, 0.4, 20.0))
    assert rows["desktop"] == pytest.approx((100, 3, 0.03, 0.04, 0.2, 0.6, 40.0))
    assert result.not_set_orders == 1
    assert result.not_set_sessions == 0
    assert result.figures()["mobile"] == DeviceFigures(sessions=400, orders=2, conversion=pytest.approx(0.01))


def test_device_conversion_falls_back_to_orders_over_sessions(device_tables):
    tables = replace(device_tables, traffic=device_tables.traffic.drop("purchase_sessions"))
    result = device_conversion(tables, ONE_DAY)
    rows = _rows(result.frame, "device", "conversion_rate", "compare_conversion_rate")
    # mobile 2 orders / 400 sessions = 0.5%; desktop 3 / 100 = 3%; no comparison asked
    assert rows == {"mobile": (pytest.approx(0.005), None), "desktop": (pytest.approx(0.03), None)}
    assert result.note() == "orders / sessions: traffic has no purchase_sessions column"


def test_device_conversion_respects_a_device_filter(device_tables):
    result = device_conversion(device_tables, ONE_DAY, {"device": ["desktop"]})
    # only desktop is left: 100% of the sessions and of the orders shown
    assert _rows(result.frame, "device", "session_share", "order_share") == {"desktop": (1.0, 1.0)}


def test_device_conversion_without_a_device_column_says_why(device_tables):
    result = device_conversion(replace(device_tables, traffic=device_tables.traffic.drop("device")), ONE_DAY)
    # the orders still have devices; the sessions cannot be split: unavailable with the reason
    rows = _rows(result.frame, "device", "orders", "sessions", "conversion_rate", "order_share")
    assert rows == {"mobile": pytest.approx((2, None, None, 0.4)), "desktop": pytest.approx((3, None, None, 0.6))}
    assert result.note("sessions") == "traffic has no device column"
    assert result.note() == "traffic has no device column"


# --- the gap in words ---------------------------------------------------------------------


def test_gap_sentence_less_than_half():
    # 1.3% / 3.1% = 0.42 → less than half; −1.8 pp; sessions 630/1000 = 63%, orders 8/20 = 40% → "but"
    figures = {"mobile": DeviceFigures(630, 8, 0.013), "desktop": DeviceFigures(370, 12, 0.031)}
    assert gap_sentence(figures) == (
        "Mobile converts at 1.3%, less than half of desktop's 3.1% (−1.8 pp); "
        "mobile brings 63% of sessions but 40% of orders."
    )


def test_gap_sentence_smaller_by_a_percentage_and_other_devices_in_the_shares():
    # 2.4% / 3.0% = 0.8 → 20% lower, −0.6 pp; sessions 500 of 500+300+200 = 50%, orders 12 of 12+9+4 = 48%
    figures = {
        "mobile": DeviceFigures(500, 12, 0.024),
        "desktop": DeviceFigures(300, 9, 0.03),
        "tablet": DeviceFigures(200, 4, 0.02),
    }
    assert gap_sentence(figures) == (
        "Mobile converts at 2.4%, 20% lower than desktop's 3.0% (−0.6 pp); "
        "mobile brings 50% of sessions but 48% of orders."
    )


def test_gap_sentence_bigger():
    # 4.5% / 3.0% = 1.5 → 50% higher, +1.5 pp; sessions 100/200 = 50%, orders 6/9 = 67% → "and"
    figures = {"mobile": DeviceFigures(100, 6, 0.045), "desktop": DeviceFigures(100, 3, 0.03)}
    assert gap_sentence(figures) == (
        "Mobile converts at 4.5%, 50% higher than desktop's 3.0% (+1.5 pp); "
        "mobile brings 50% of sessions and 67% of orders."
    )
    # 7% / 3% = 2.33 → more than twice; 10% / 3% = 3.33 → more than 3 times
    assert "more than twice desktop's 3.0% (+4.0 pp)" in gap_sentence(
        {"mobile": DeviceFigures(100, 7, 0.07), "desktop": DeviceFigures(100, 3, 0.03)}
    )
    assert "more than 3 times desktop's" in gap_sentence(
        {"mobile": DeviceFigures(100, 10, 0.10), "desktop": DeviceFigures(100, 3, 0.03)}
    )


def test_gap_sentence_about_the_same_within_the_tolerance():
    # 3.1% / 3.0% = 1.033: within 10% → about the same; +0.1 pp
    figures = {"mobile": DeviceFigures(300, 9, 0.031), "desktop": DeviceFigures(100, 3, 0.030)}
    assert gap_sentence(figures) == (
        "Mobile converts at about the same rate as desktop: 3.1% vs 3.0% (+0.1 pp); "
        "mobile brings 75% of sessions and 75% of orders."
    )
    # with a 2% tolerance the same numbers are a gap: 3% higher
    assert "3% higher than desktop's" in gap_sentence(figures, tolerance=0.02)


def test_gap_sentence_missing_device_zero_sessions_and_unknown_rates():
    desktop = DeviceFigures(100, 3, 0.03)
    assert gap_sentence({"desktop": desktop}) == (
        "There are no mobile sessions in the period, so mobile cannot be compared with desktop."
    )
    assert gap_sentence({"mobile": DeviceFigures(0, 0, None), "desktop": desktop}) == (
        "There are no mobile sessions in the period, so mobile cannot be compared with desktop."
    )
    assert gap_sentence({}) == (
        "There are no mobile or desktop sessions in the period, so mobile cannot be compared with desktop."
    )
    # sessions but no conversion rate (neither purchase sessions nor orders): nothing to say
    assert gap_sentence({"mobile": DeviceFigures(100, None, None), "desktop": DeviceFigures(100, None, None)}) is None


def test_gap_sentence_zero_rates_and_no_orders():
    assert gap_sentence({"mobile": DeviceFigures(100, 0, 0.0), "desktop": DeviceFigures(100, 0, 0.0)}) == (
        "Neither mobile nor desktop converted in the period (0.0%); mobile brings 50% of sessions."
    )
    # orders unknown (no orders table): only the share of sessions; 300/400 = 75%
    assert gap_sentence({"mobile": DeviceFigures(300, None, 0.02), "desktop": DeviceFigures(100, None, 0.0)}) == (
        "Mobile converts at 2.0%, while desktop did not convert at all (0.0%); mobile brings 75% of sessions."
    )


def test_gap_sentence_other_devices():
    figures = {"tablet": DeviceFigures(100, 2, 0.02), "desktop": DeviceFigures(100, 4, 0.04)}
    assert gap_sentence(figures, focus="tablet").startswith("Tablet converts at 2.0%, 50% lower than desktop's 4.0%")


# --- social platforms ---------------------------------------------------------------------


def test_platform_names():
    assert platform_name("Facebook") == "facebook"
    assert platform_name("l.facebook.com") == "facebook"
    assert platform_name("LinkedIn.com") == "linkedin"
    assert platform_name("t.co") == "twitter"
    assert platform_name("kaffeeklatsch-blog.de") == "kaffeeklatsch-blog.de"
    assert platform_name("m.") == "m."


@pytest.fixture
def social_tables() -> Tables:
    traffic = _traffic(
        [
            (DAY, "Paid Social", "facebook", "mobile", 100, 2),
            (DAY, "Paid Social", "Facebook", "desktop", 100, 1),  # same platform, other spelling
            (DAY, "Organic Social", "m.facebook.com", "mobile", 50, 1),
            (DAY, "Paid Social", "instagram", "mobile", 80, 0),
            (DAY, "Organic Search", "google", "mobile", 500, 10),  # not social
        ]
    )
    orders = _orders(
        [
            ("1", "a", _at(9), 50.0, "Paid Social", "facebook", "mobile"),
            ("2", "b", _at(10), 30.0, "Paid Social", "Facebook", "desktop"),
            ("3", "c", _at(11), 20.0, "Organic Social", "FACEBOOK", "mobile"),
            ("4", "d", _at(12), 70.0, "Organic Search", "google", "mobile"),
        ]
    )
    spend = _spend(
        [
            (DAY, "Paid Social", "Facebook", 40.0),
            (DAY, "Paid Social", "facebook", 20.0),
            (DAY, "Paid Social", "instagram", 30.0),
        ]
    )
    leads = pl.DataFrame(
        {
            "lead_id": ["L1", "L2", "L3"],
            "created_at": [_at(9), _at(10), _at(11)],
            "channel": ["Paid Social", "Paid Social", "Paid Social"],
            "source": ["LinkedIn", "linkedin", "facebook"],
        }
    )
    return Tables.from_frames(orders=orders, traffic=traffic, spend=spend, leads=leads)


SOCIAL_COLUMNS = ("sessions", "leads", "orders", "conversion_rate", "revenue", "spend", "cpa", "roas")


def _social_rows(result) -> dict:
    return {(row[0], row[1]): row[2:] for row in result.frame.select("platform", "kind", *SOCIAL_COLUMNS).rows()}


def test_social_platforms_paid_organic_and_together(social_tables):
    result = social_platforms(social_tables, ONE_DAY)
    rows = _social_rows(result)
    # facebook paid: 200 sessions, 3 purchase sessions → 1.5%; 1 lead; orders 50 + 30 = 80; spend 40 + 20 = 60;
    #   CPA 60 / 2 = 30; ROAS 80 / 60
    assert rows["facebook", "Paid Social"] == pytest.approx((200, 1, 2, 0.015, 80, 60, 30, 80 / 60))
    # facebook organic (m.facebook.com, FACEBOOK): 50 sessions, 1 purchase → 2%; no spend: CPA 0/1 = 0 (the
    #   contract's spend / orders) and ROAS unavailable
    assert rows["facebook", "Organic Social"] == pytest.approx((50, 0, 1, 0.02, 20, 0, 0.0, None))
    # together: 250 sessions, 4 purchases → 1.6%; 3 orders, 100 revenue; CPA 60 / 3 = 20; ROAS 100 / 60
    assert rows["facebook", ALL_SOCIAL] == pytest.approx((250, 1, 3, 0.016, 100, 60, 20, 100 / 60))
    # instagram: spend without orders → CPA unavailable, ROAS 0
    assert rows["instagram", "Paid Social"] == pytest.approx((80, 0, 0, 0.0, 0, 30, None, 0.0))
    # linkedin: only leads (LinkedIn + linkedin = 2), no sessions
    assert rows["linkedin", "Paid Social"][:3] == (0, 2, 0)
    # google (Organic Search) is not social; platforms by social sessions: facebook 250, instagram 80, linkedin 0
    assert list(dict.fromkeys(platform for platform, _ in rows)) == ["facebook", "instagram", "linkedin"]
    assert ("instagram", "Organic Social") not in rows  # nothing there: no row
    notes = {
        (p, k): (cpa, roas)
        for p, k, cpa, roas in result.frame.select("platform", "kind", "cpa__note", "roas__note").rows()
    }
    assert notes["facebook", "Organic Social"] == (None, "no spend in period")
    assert notes["instagram", "Paid Social"] == ("no orders in period", None)
    assert result.channels == ("Paid Social", "Organic Social")
    assert not result.empty
    # the data set itself is not changed
    assert "Facebook" in social_tables.traffic.get_column("source").to_list()


def test_social_platforms_without_spend_data(social_tables):
    result = social_platforms(replace(social_tables, spend=None), ONE_DAY)
    frame = result.frame.filter(result.frame["kind"] == "Paid Social")
    # facebook, instagram and linkedin (leads only): CPA and ROAS unavailable everywhere, with the reason
    assert frame["platform"].to_list() == ["facebook", "instagram", "linkedin"]
    assert frame["cpa"].to_list() == [None, None, None]
    assert frame["roas"].to_list() == [None, None, None]
    assert set(frame["roas__note"].to_list()) == {"no spend data"}
    assert set(frame["cpa__note"].to_list()) == {"no spend data"}


def test_social_platforms_intersect_the_channel_filter_and_match_sources_in_any_case(social_tables):
    paid = social_platforms(social_tables, ONE_DAY, {"channel": ["Paid Social", "Organic Search"]})
    assert paid.channels == ("Paid Social",)
    assert set(paid.frame["kind"].to_list()) == {"Paid Social"}  # no paid + organic rows for one channel
    assert "google" not in paid.frame["platform"].to_list()
    # a source filter "Facebook" keeps every spelling of facebook: 200 + 50 sessions
    facebook = social_platforms(social_tables, ONE_DAY, {"source": ["Facebook"]})
    assert _social_rows(facebook)["facebook", ALL_SOCIAL][0] == 250
    assert set(facebook.frame["platform"].to_list()) == {"facebook"}
    none = social_platforms(social_tables, ONE_DAY, {"channel": ["Email"]})
    assert none.channels == ()
    assert none.empty
    assert len(none.frame) == 0


def test_social_platforms_without_social_rows(device_tables):
    result = social_platforms(device_tables, ONE_DAY)
    assert result.empty


# --- organic search over time -------------------------------------------------------------

SUNDAY, MONDAY, TUESDAY = date(2024, 1, 7), date(2024, 1, 8), date(2024, 1, 9)


@pytest.fixture
def organic_tables() -> Tables:
    traffic = _traffic(
        [
            (date(2024, 1, 6), "Organic Search", "google", "mobile", 1000, 50),  # before the period
            (SUNDAY, "Organic Search", "google", "mobile", 30, 1),
            (SUNDAY, "Direct", "(direct)", "mobile", 70, 5),
            (MONDAY, "Organic Search", "google", "mobile", 20, 0),
            (MONDAY, "Direct", "(direct)", "mobile", 30, 1),
            (TUESDAY, "Organic Search", "bing", "desktop", 30, 2),
            (TUESDAY, "Direct", "(direct)", "desktop", 20, 1),
        ]
    )
    return Tables.from_frames(traffic=traffic)


def test_organic_share_and_conversion_per_week_across_a_week_boundary(organic_tables):
    trend = organic_trend(organic_tables, Period(SUNDAY, TUESDAY))
    rows = _rows(
        trend.frame, "period_start", "sessions", "organic_sessions", "organic_search_share", "organic_conversion"
    )
    # week of Mon 1 Jan, cut to Sunday 7 Jan: organic 30 of 100 sessions = 30%; organic conversion 1/30
    # week of Mon 8 Jan, cut to 8–9 Jan: organic 20 + 30 = 50 of 100 = 50%; conversion (0 + 2) / 50 = 4%
    assert rows == {
        date(2024, 1, 1): pytest.approx((100, 30, 0.3, 1 / 30)),
        date(2024, 1, 8): pytest.approx((100, 50, 0.5, 0.04)),
    }
    assert trend.partial_first
    assert trend.partial_last
    full = organic_trend(organic_tables, Period(date(2024, 1, 1), date(2024, 1, 14)))
    assert not full.partial_first
    assert not full.partial_last


def test_organic_trend_with_a_channel_filter(organic_tables):
    direct = organic_trend(organic_tables, Period(SUNDAY, TUESDAY), {"channel": ["Direct"]})
    # only Direct is kept: the share is 0 and the organic conversion is unavailable, with the reason
    assert direct.frame["organic_search_share"].to_list() == [0.0, 0.0]
    assert direct.frame["organic_conversion"].to_list() == [None, None]
    assert set(direct.frame["organic_conversion__note"].to_list()) == {"the channel filter leaves out Organic Search"}
    both = organic_trend(organic_tables, Period(SUNDAY, TUESDAY), {"channel": ["Direct", "Organic Search"]})
    assert both.frame["organic_conversion"].to_list() == pytest.approx([1 / 30, 0.04])


def test_organic_trend_by_month(organic_tables):
    trend = organic_trend(organic_tables, Period(SUNDAY, TUESDAY), grain="month")
    # one month, cut at both ends: 30 + 20 + 30 = 80 organic of 200 sessions = 40%; conversion 3 / 80
    assert _rows(trend.frame, "period_start", "organic_search_share", "organic_conversion") == {
        date(2024, 1, 1): pytest.approx((0.4, 3 / 80))
    }
    assert trend.partial_first
    assert trend.partial_last


def test_movement_sentences():
    weeks = [date(2024, 1, 1), date(2024, 1, 8)]
    assert movement_sentence("Organic search share", weeks, [0.3, 0.5]) == (
        "Organic search share went from 30.0% (week of 1 Jan 2024) to 50.0% (week of 8 Jan 2024), +20.0 pp; "
        "lowest 30.0% (week of 1 Jan 2024), highest 50.0% (week of 8 Jan 2024)."
    )
    assert movement_sentence("Share", weeks, [0.5, 0.3]).startswith("Share went from 50.0% (week of 1 Jan 2024) to")
    assert "−20.0 pp" in movement_sentence("Share", weeks, [0.5, 0.3])
    assert movement_sentence("Share", weeks, [0.3, 0.3]).startswith("Share ended where it started: 30.0%")
    # a week without a value is skipped; one value; none
    assert movement_sentence("Share", weeks, [None, 0.25]) == (
        "Share was 25.0% (week of 8 Jan 2024), the only week with a value."
    )
    assert movement_sentence("Share", weeks, [None, None]) is None
    assert movement_sentence("Share", [date(2024, 1, 1)], [0.2], grain="month") == (
        "Share was 20.0% (Jan 2024), the only month with a value."
    )


# --- online vs offline ----------------------------------------------------------------------


@pytest.fixture
def kind_tables() -> Tables:
    orders = _orders(
        [
            ("1", "a", _at(9), 10.0, "Email", "newsletter", "mobile"),
            ("2", "b", _at(10), 30.0, "Paid Search", "google", "desktop"),
            ("3", "c", _at(11), 60.0, "Offline", "store", None),
        ]
    )
    traffic = _traffic([(DAY, "Email", "newsletter", "mobile", 100, 2)])
    spend = _spend([(DAY, "Paid Search", "google", 15.0), (DAY, "Offline", "print", 20.0)])
    return Tables.from_frames(orders=orders, traffic=traffic, spend=spend)


def test_online_vs_offline(kind_tables):
    result = online_offline(kind_tables, ONE_DAY)
    columns = ("orders", "revenue", "aov", "new_customers", "spend", "roas", "cac", "sessions", "conversion_rate")
    rows = _rows(result.frame, "kind", *columns)
    # online: 2 orders, 10 + 30 = 40, AOV 20, 2 new customers, spend 15, ROAS 40/15, CAC 15/2 = 7.5,
    #   100 sessions, 2 purchase sessions → 2%
    assert rows["Online"] == pytest.approx((2, 40, 20, 2, 15, 40 / 15, 7.5, 100, 0.02))
    # offline: 1 order of 60, spend 20 → ROAS 3, CAC 20; no web sessions → unavailable, not 0
    assert rows["Offline"] == pytest.approx((1, 60, 60, 1, 20, 3.0, 20, None, None))
    assert list(rows) == ["Online", "Offline"]
    notes = _rows(result.frame, "kind", "sessions__note", "conversion_rate__note")
    assert notes["Offline"] == (NO_WEB_SESSIONS, NO_WEB_SESSIONS)
    assert result.has_offline
    mix = {(segment, kpi): share for segment, kpi, _, share in result.mix().rows()}
    # orders 2 of 3 online; revenue 40 of 100; spend 15 of 35
    assert mix["Online", "orders"] == pytest.approx(2 / 3)
    assert mix["Offline", "revenue"] == pytest.approx(0.6)
    assert mix["Online", "spend"] == pytest.approx(15 / 35)


def test_online_vs_offline_keeps_web_sessions_of_offline_channels(kind_tables):
    # a QR code on a print ad: web sessions in the Offline channel are real sessions
    traffic = _traffic([(DAY, "Email", "newsletter", "mobile", 100, 2), (DAY, "Offline", "print", "mobile", 10, 1)])
    tables = Tables.from_frames(
        orders=kind_tables.orders.to_native().select("order_id", "customer_id", "ordered_at", "revenue", "channel"),
        traffic=traffic,
    )
    rows = _rows(online_offline(tables, ONE_DAY).frame, "kind", "sessions", "conversion_rate")
    assert rows["Offline"] == pytest.approx((10, 0.1))


def test_online_vs_offline_without_offline_rows(device_tables):
    tables = Tables.from_frames(traffic=device_tables.traffic.to_native())
    result = online_offline(tables, ONE_DAY)
    assert result.frame["kind"].to_list() == ["Online"]
    assert not result.has_offline


# --- every KPI per channel ------------------------------------------------------------------


def test_channel_table_frame(kind_tables):
    data = channel_table(breakdown(kind_tables, ONE_DAY, by="channel"))
    frame = data.table.frame
    # channels by net revenue: Offline 60, Paid Search 30, Email 10
    assert frame["group"].to_list() == ["Offline", "Paid Search", "Email"]
    ids = [kpi.id for kpi in data.table.kpis]
    # columns in the registry's group order: traffic first, satisfaction would be last
    assert ids[0] == "sessions"
    assert ids.index("sessions") < ids.index("revenue") < ids.index("spend") < ids.index("new_customers")
    # no NPS table and no leads: unavailable for every channel, listed with the reason
    missing = dict(data.missing)
    assert missing["nps"] == "no NPS data"
    assert "nps" not in ids
    assert "leads" in missing
    # Offline has no web sessions: its traffic KPIs are empty with the reason, not 0
    offline = dict(zip(frame.columns, frame.row(0), strict=True))
    assert offline["sessions"] is None
    assert offline["conversion_rate"] is None
    assert offline["sessions__note"] == NO_WEB_SESSIONS
    assert offline["revenue"] == 60
    # Email: 100 sessions, 2 purchase sessions
    email = dict(zip(frame.columns, frame.row(2), strict=True))
    assert (email["sessions"], email["conversion_rate"]) == (100, 0.02)
    export = data.export()
    assert export.columns[:2] == ["channel", KPIS["sessions"].label]
    assert len(export.columns) == 1 + len(ids)
    assert data.kpi_ids(["advertising"]) == [kpi_id for kpi_id in ids if KPIS[kpi_id].group == "advertising"]


def test_web_kpis_and_channel_scope():
    assert {kpi.id for kpi in web_kpis([KPIS["bounce_rate"], KPIS["roas"], KPIS["lead_conversion_rate"]])} == {
        "bounce_rate",
        "lead_conversion_rate",
    }
    assert channel_scope({"channel": []}, ("Organic Search",)) == ("Organic Search",)
    assert channel_scope({"channel": ["Direct"]}, ("Organic Search",)) == ()
