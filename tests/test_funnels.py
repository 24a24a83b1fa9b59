"""The e-commerce and lead funnels (kpi.funnels) on tiny hand-made data, every figure worked out by
hand in the comments."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from kpi import Period, Tables, compute
from kpi.funnels import funnel, funnel_frame, weekly_funnel

PERIOD = Period(date(2024, 1, 7), date(2024, 1, 10))  # Sunday 7 Jan – Wednesday 10 Jan
BEFORE = Period(date(2024, 1, 3), date(2024, 1, 6))  # the previous 4 days
ECOMMERCE = ["sessions", "add_to_cart_sessions", "checkout_sessions", "purchase_sessions"]

TRAFFIC = pl.DataFrame(
    {
        "date": [date(2024, 1, 7), date(2024, 1, 8), date(2024, 1, 8), date(2024, 1, 9), date(2024, 1, 4)],
        "channel": ["Email", "Email", "Paid Search", "Paid Search", "Email"],
        "device": ["mobile", "desktop", "mobile", "desktop", "mobile"],
        "sessions": [100, 200, 300, 400, 500],
        "add_to_cart_sessions": [10, 30, 12, 48, 25],
        "checkout_sessions": [4, 15, 6, 30, 10],
        "purchase_sessions": [2, 9, 3, 18, 5],
        "leads": [1, 0, 2, 1, 3],
    }
)
# in the period (the first four rows): sessions 1000, add to cart 100, checkout 55, purchase 32


def _traffic(**columns: list[int]) -> pl.DataFrame:
    """One day of traffic with the given step columns."""
    return pl.DataFrame({"date": [date(2024, 1, 8)], **columns})


def _rows(frame) -> list[dict]:
    return frame.to_native().to_dicts()


# --- e-commerce --------------------------------------------------------------------------


def test_ecommerce_counts_shares_and_drop_offs():
    result = funnel(Tables.from_frames(traffic=TRAFFIC), PERIOD, kind="ecommerce")
    assert [step.name for step in result.steps] == ECOMMERCE
    assert [step.count for step in result.steps] == [1000, 100, 55, 32]  # 100+200+300+400, 10+30+12+48, …
    assert [step.of_first for step in result.steps] == pytest.approx([1.0, 0.1, 0.055, 0.032])
    sessions, cart, checkout, purchase = result.steps
    assert sessions.of_previous is None  # the first step has nothing before it
    assert cart.of_previous == pytest.approx(0.1)  # 100 / 1000
    assert checkout.of_previous == pytest.approx(0.55)  # 55 / 100
    assert purchase.of_previous == pytest.approx(32 / 55)
    assert [step.drop_off for step in result.steps[1:]] == pytest.approx([0.9, 0.45, 23 / 55])
    assert [step.previous for step in result.steps] == [None, "Sessions", "Add to cart", "Checkout"]
    assert all(step.note is None for step in result.steps)
    assert result.biggest_drop == "add_to_cart_sessions"  # 90% > 45% > 41.8%
    assert result.note is None
    assert result.available


def test_the_funnel_agrees_with_the_kpis_of_the_registry():
    tables = Tables.from_frames(traffic=TRAFFIC)
    result = funnel(tables, PERIOD, kind="ecommerce")
    report = compute(tables, PERIOD, comparison="none")
    assert result.step("sessions").count == report["sessions"].value
    assert result.step("add_to_cart_sessions").of_first == pytest.approx(report["add_to_cart_rate"].value)
    assert result.step("purchase_sessions").of_first == pytest.approx(report["conversion_rate"].value)
    # checkout abandonment = 1 − purchase / checkout = the purchase step's drop-off
    assert result.step("purchase_sessions").drop_off == pytest.approx(report["checkout_abandonment_rate"].value)


def test_biggest_drop_is_the_largest_rate_not_the_largest_count_lost():
    traffic = _traffic(sessions=[1000], add_to_cart_sessions=[500], checkout_sessions=[100], purchase_sessions=[90])
    result = funnel(Tables.from_frames(traffic=traffic), PERIOD, kind="ecommerce")
    frame = pl.DataFrame(_rows(funnel_frame(Tables.from_frames(traffic=traffic), PERIOD, kind="ecommerce")))
    # lost: 500 at add to cart (rate 50%), 400 at checkout (rate 80%), 10 at purchase (10%)
    assert frame["lost"].to_list() == [None, 500, 400, 10]
    assert result.biggest_drop == "checkout_sessions"
    assert frame["biggest_drop"].to_list() == [False, False, True, False]
    assert result.drop() == (result.step("add_to_cart_sessions"), result.step("checkout_sessions"))


def test_biggest_drop_ties_go_to_the_earlier_step_and_no_loss_flags_nothing():
    tied = _traffic(sessions=[100], add_to_cart_sessions=[50], checkout_sessions=[25], purchase_sessions=[25])
    assert funnel(Tables.from_frames(traffic=tied), PERIOD, kind="ecommerce").biggest_drop == "add_to_cart_sessions"
    flat = _traffic(sessions=[10], add_to_cart_sessions=[10], checkout_sessions=[10], purchase_sessions=[10])
    result = funnel(Tables.from_frames(traffic=flat), PERIOD, kind="ecommerce")
    assert result.biggest_drop is None
    assert result.drop() is None


def test_a_zero_step_makes_the_next_share_unavailable_with_the_reason():
    traffic = _traffic(sessions=[100], add_to_cart_sessions=[0], checkout_sessions=[0], purchase_sessions=[0])
    result = funnel(Tables.from_frames(traffic=traffic), PERIOD, kind="ecommerce")
    cart, checkout, purchase = result.steps[1:]
    assert (cart.count, cart.of_first, cart.of_previous, cart.drop_off) == (0, 0.0, 0.0, 1.0)
    assert checkout.count == 0
    assert checkout.of_first == 0.0  # 0 / 100
    assert checkout.of_previous is None  # 0 / 0
    assert checkout.note == "no add-to-cart sessions in period"
    assert purchase.of_previous is None
    assert purchase.note == "no checkout sessions in period"
    assert result.biggest_drop == "add_to_cart_sessions"  # the only step with a drop-off: 100%


def test_no_sessions_in_the_period_gives_no_share_but_zero_counts():
    result = funnel(Tables.from_frames(traffic=TRAFFIC), Period(date(2024, 2, 1), date(2024, 2, 2)), kind="ecommerce")
    assert [step.count for step in result.steps] == [0, 0, 0, 0]
    assert all(step.of_first is None for step in result.steps)
    assert result.steps[0].note == "no sessions in period"
    assert result.base is not None
    assert result.base.name == "sessions"
    assert result.biggest_drop is None


def test_a_missing_column_makes_its_step_unavailable_not_zero():
    traffic = TRAFFIC.drop("checkout_sessions")
    result = funnel(Tables.from_frames(traffic=traffic), PERIOD, kind="ecommerce")
    checkout = result.step("checkout_sessions")
    assert checkout.count is None
    assert checkout.of_first is None
    assert checkout.note == "traffic has no checkout_sessions column"
    purchase = result.step("purchase_sessions")
    # purchase is compared with the nearest available step before it: add to cart (32 / 100)
    assert purchase.previous == "Add to cart"
    assert purchase.of_previous == pytest.approx(0.32)
    assert purchase.of_first == pytest.approx(0.032)
    assert result.available
    assert result.biggest_drop == "add_to_cart_sessions"  # 90% > 68%


def test_no_traffic_makes_the_whole_funnel_unavailable():
    orders = pl.DataFrame(
        {"order_id": ["a"], "customer_id": ["x"], "ordered_at": [datetime(2024, 1, 8, 9)], "revenue": [10.0]}
    )
    result = funnel(Tables.from_frames(orders=orders), PERIOD, kind="ecommerce")
    assert not result.available
    assert result.note == "no traffic data"
    assert all(step.count is None and step.note == "no traffic data" for step in result.steps)
    assert result.base is None
    assert result.biggest_drop is None


def test_traffic_with_sessions_only_cannot_draw_a_funnel():
    traffic = pl.DataFrame({"date": [date(2024, 1, 8)], "sessions": [100]})
    result = funnel(Tables.from_frames(traffic=traffic), PERIOD, kind="ecommerce")
    assert not result.available
    assert result.note == (
        "traffic has no add_to_cart_sessions column; traffic has no checkout_sessions column; "
        "traffic has no purchase_sessions column"
    )


def test_a_channel_filter_keeps_the_channel_only():
    result = funnel(Tables.from_frames(traffic=TRAFFIC), PERIOD, {"channel": ("Email",)}, kind="ecommerce")
    # Email in the period: 7 Jan (100, 10, 4, 2) + 8 Jan (200, 30, 15, 9)
    assert [step.count for step in result.steps] == [300, 40, 19, 11]
    assert result.step("checkout_sessions").of_previous == pytest.approx(19 / 40)


def test_a_filter_on_a_column_traffic_lacks_makes_the_funnel_unavailable():
    result = funnel(Tables.from_frames(traffic=TRAFFIC), PERIOD, {"campaign": ("spring",)}, kind="ecommerce")
    assert not result.available
    assert result.note == "traffic has no campaign column"


def test_grouped_by_device_largest_first():
    rows = _rows(funnel_frame(Tables.from_frames(traffic=TRAFFIC), PERIOD, kind="ecommerce", by="device"))
    # desktop: 200 + 400 sessions, 30 + 48 carts, 15 + 30 checkouts, 9 + 18 purchases
    # mobile: 100 + 300 sessions, 10 + 12 carts, 4 + 6 checkouts, 2 + 3 purchases
    assert [(row["group"], row["step"], row["count"]) for row in rows] == [
        ("desktop", "sessions", 600),
        ("desktop", "add_to_cart_sessions", 78),
        ("desktop", "checkout_sessions", 45),
        ("desktop", "purchase_sessions", 27),
        ("mobile", "sessions", 400),
        ("mobile", "add_to_cart_sessions", 22),
        ("mobile", "checkout_sessions", 10),
        ("mobile", "purchase_sessions", 5),
    ]
    assert rows[2]["of_previous"] == pytest.approx(45 / 78)
    assert rows[7]["of_first"] == pytest.approx(5 / 400)
    assert rows[5]["biggest_drop"]  # mobile: 94.5% of sessions add nothing to the cart


def test_groups_with_nothing_in_any_step_are_left_out():
    orders = pl.DataFrame(
        {
            "order_id": ["a"],
            "customer_id": ["x"],
            "ordered_at": [datetime(2024, 1, 8, 9)],
            "revenue": [10.0],
            "channel": ["Offline"],
        }
    )
    frame = funnel_frame(Tables.from_frames(traffic=TRAFFIC, orders=orders), PERIOD, kind="ecommerce", by="channel")
    # Offline has an order but no traffic: not a funnel; Email (300 sessions) comes after Paid Search (700)
    assert frame.get_column("group").unique(maintain_order=True).to_list() == ["Paid Search", "Email"]


def test_weekly_trend_splits_at_monday():
    rows = _rows(weekly_funnel(Tables.from_frames(traffic=TRAFFIC), PERIOD, kind="ecommerce"))
    weeks = sorted({row["group"] for row in rows})
    assert weeks == [date(2024, 1, 1), date(2024, 1, 8)]  # Sunday 7 Jan is in the week of Monday 1 Jan
    by_week = {(row["group"], row["step"]): row for row in rows}
    first = by_week[(date(2024, 1, 1), "add_to_cart_sessions")]
    assert (first["count"], first["of_previous"]) == (10, pytest.approx(0.1))  # 10 / 100, 7 Jan only
    # week of 8 Jan: 200 + 300 + 400 sessions, 30 + 12 + 48 carts, 15 + 6 + 30 checkouts, 9 + 3 + 18 purchases
    assert by_week[(date(2024, 1, 8), "sessions")]["count"] == 900
    assert by_week[(date(2024, 1, 8), "checkout_sessions")]["of_previous"] == pytest.approx(51 / 90)
    assert by_week[(date(2024, 1, 8), "purchase_sessions")]["of_first"] == pytest.approx(30 / 900)


def test_comparison_period_values_and_changes():
    result = funnel(Tables.from_frames(traffic=TRAFFIC), PERIOD, kind="ecommerce", compare_period=BEFORE)
    assert result.compare_period == BEFORE
    cart = result.step("add_to_cart_sessions")
    # 4 Jan: 500 sessions, 25 carts → 5%; the period: 10%
    assert (cart.compare_count, cart.compare_of_first) == (25, pytest.approx(0.05))
    assert cart.of_first_change == pytest.approx(0.05)
    purchase = result.step("purchase_sessions")
    assert purchase.compare_of_previous == pytest.approx(0.5)  # 5 / 10
    assert purchase.of_previous_change == pytest.approx(32 / 55 - 0.5)
    assert funnel(Tables.from_frames(traffic=TRAFFIC), PERIOD, kind="ecommerce").step("sessions").compare_count is None


# --- leads -------------------------------------------------------------------------------

LEADS = pl.DataFrame(
    {
        "lead_id": ["L1", "L2", "L3", "L4", "L5"],
        "created_at": [
            datetime(2024, 1, 7, 9),
            datetime(2024, 1, 8, 9),
            datetime(2024, 1, 9, 9),
            datetime(2024, 1, 3, 9),  # created before the period
            datetime(2024, 1, 10, 23, 59),
        ],
        "mql_at": [datetime(2024, 1, 8), datetime(2024, 1, 9), None, datetime(2024, 1, 8), None],
        "sql_at": [datetime(2024, 1, 20), None, None, datetime(2024, 1, 9), None],  # L1's SQL after the period
        "won_at": [datetime(2024, 2, 1), None, None, None, datetime(2024, 1, 15)],  # L5 won with no MQL/SQL dates
        "channel": ["Email", "Email", "Paid Search", "Email", "Paid Search"],
    },
    schema_overrides={"mql_at": pl.Datetime, "sql_at": pl.Datetime, "won_at": pl.Datetime},
)


def test_lead_cohort_funnel_counts_later_stages_of_the_leads_created_in_the_period():
    tables = Tables.from_frames(traffic=TRAFFIC, leads=LEADS)
    result = funnel(tables, PERIOD, kind="leads")
    assert [step.name for step in result.steps] == ["sessions", "leads", "reached_mql", "reached_sql", "reached_won"]
    # cohort: L1, L2, L3, L5 (L4 was created before the period)
    # MQL: L1, L2 and L5 (won, so past MQL); SQL: L1 (on 20 Jan, after the period) and L5; won: L1 and L5
    assert [step.count for step in result.steps] == [1000, 4, 3, 2, 2]
    assert [step.of_previous for step in result.steps[1:]] == pytest.approx([0.004, 0.75, 2 / 3, 1.0])
    assert result.step("reached_won").of_first == pytest.approx(0.002)
    assert result.step("reached_mql").note == "1 counted here by a later stage's date (no mql_at)"
    assert result.step("reached_sql").note == "1 counted here by a later stage's date (no sql_at)"
    assert result.step("reached_won").note is None
    assert result.biggest_drop == "leads"  # 99.6% of sessions do not become leads
    # unlike the cards, which count the stage events in the period: MQL on 8–9 Jan = L1, L2, L4; SQL = L4 only
    report = compute(tables, PERIOD, comparison="none")
    assert report["mqls"].value == 3
    assert report["sqls"].value == 1
    assert result.step("leads").count == report["leads"].value
    # the won step is the sales conversion rate's numerator
    assert result.step("reached_won").count / result.step("leads").count == report["sales_conversion_rate"].value


def test_lead_funnel_by_channel_groups_leads_by_their_own_channel():
    rows = _rows(funnel_frame(Tables.from_frames(traffic=TRAFFIC, leads=LEADS), PERIOD, kind="leads", by="channel"))
    counts = {(row["group"], row["step"]): row["count"] for row in rows}
    # Paid Search: 700 sessions; leads L3, L5; L5 passes MQL, SQL and won
    assert [counts[("Paid Search", step)] for step in ("sessions", "leads", "reached_mql", "reached_sql")] == [
        700,
        2,
        1,
        1,
    ]
    # Email: 300 sessions; leads L1, L2; MQL both, SQL and won L1
    assert [counts[("Email", step)] for step in ("leads", "reached_mql", "reached_sql", "reached_won")] == [2, 2, 1, 1]


def test_lead_funnel_without_a_leads_table_uses_traffic_leads():
    result = funnel(Tables.from_frames(traffic=TRAFFIC), PERIOD, kind="leads")
    assert result.step("leads").count == 4  # Σ traffic leads in the period: 1 + 0 + 2 + 1
    assert result.step("leads").of_previous == pytest.approx(0.004)
    for name in ("reached_mql", "reached_sql", "reached_won"):
        assert result.step(name).count is None
        assert result.step(name).note == "no leads data"
    assert result.available


def test_lead_funnel_without_a_stage_column_skips_it():
    leads = LEADS.drop("sql_at")
    result = funnel(Tables.from_frames(traffic=TRAFFIC, leads=leads), PERIOD, kind="leads")
    assert result.step("reached_sql").count is None
    assert result.step("reached_sql").note == "leads have no sql_at column"
    won = result.step("reached_won")
    assert (won.count, won.previous) == (2, "MQL")
    assert won.of_previous == pytest.approx(2 / 3)


def test_lead_funnel_without_traffic_starts_at_leads():
    result = funnel(Tables.from_frames(leads=LEADS), PERIOD, kind="leads")
    assert result.step("sessions").count is None
    assert result.step("sessions").note == "no traffic data"
    assert result.base is not None
    assert result.base.name == "leads"
    assert [step.of_first for step in result.steps[1:]] == pytest.approx([1.0, 0.75, 0.5, 0.5])
    assert result.step("leads").of_previous is None
    assert result.biggest_drop == "reached_sql"  # leads → MQL loses 1 of 4, MQL → SQL 1 of 3, SQL → won none


def test_lead_weekly_cohort_uses_the_week_each_lead_was_created():
    rows = _rows(weekly_funnel(Tables.from_frames(traffic=TRAFFIC, leads=LEADS), PERIOD, kind="leads"))
    counts = {(row["group"], row["step"]): row["count"] for row in rows}
    # week of 1 Jan (only 7 Jan in the period): L1, which reached SQL and won later
    assert [counts[(date(2024, 1, 1), step)] for step in ("leads", "reached_mql", "reached_sql", "reached_won")] == [
        1,
        1,
        1,
        1,
    ]
    # week of 8 Jan: L2 (MQL), L3, L5 (won)
    assert [counts[(date(2024, 1, 8), step)] for step in ("leads", "reached_mql", "reached_sql", "reached_won")] == [
        3,
        2,
        1,
        1,
    ]
