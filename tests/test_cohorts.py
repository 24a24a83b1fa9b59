"""Cohort tables, LTV curves and the days between orders (kpi.cohorts), on tiny hand-made orders.

Every expected figure is worked out by hand in the comments from the rows below; nothing is
copied from the product's output.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import polars as pl
import pytest

from kpi import Period, Settings, Tables, compute
from kpi.cohorts import cohort_months, cohort_table, customer_months, days_between_orders, guest_share, ltv_curves

Q1 = Period(date(2024, 1, 1), date(2024, 3, 31))
JAN = Period(date(2024, 1, 1), date(2024, 1, 31))
FEB = Period(date(2024, 2, 1), date(2024, 2, 29))
ORDER_SCHEMA = {
    "order_id": pl.String,
    "customer_id": pl.String,
    "ordered_at": pl.Datetime("us"),
    "revenue": pl.Float64,
    "refunded": pl.Float64,
    "status": pl.String,
    "channel": pl.String,
}


def orders(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=ORDER_SCHEMA, orient="row")


def cohort_orders() -> pl.DataFrame:
    """Three monthly cohorts. The data ends on 30 Apr 2024 (midnight 1 May): customers first seen
    on 10, 15 and 25 Jan have 3 whole months (0, 1, 2), on 5 and 20 Feb 2 (0, 1), on 1 Mar 2 (1 Mar
    to 1 May), on 20 Mar 1."""
    return orders(
        # January cohort: A, B and the guest g1
        ("a1", "A", datetime(2024, 1, 10, 10), 100.0, 0.0, "paid", "Paid Search"),  # A month 0
        ("a2", "A", datetime(2024, 1, 20), 20.0, 0.0, "paid", "Email"),  # A month 0 again (a repeat)
        ("a3", "A", datetime(2024, 3, 15), 30.0, 0.0, "paid", "Direct"),  # A month 2 (from 10 Mar 10:00)
        ("b1", "B", datetime(2024, 1, 25), 50.0, 0.0, "paid", "Email"),  # B month 0
        ("b2", "B", datetime(2024, 2, 26), 40.0, 10.0, "refunded", "Email"),  # B month 1, net 30 (live)
        ("g1", None, datetime(2024, 1, 15), 60.0, 0.0, "paid", "Paid Search"),  # a guest: its own customer
        # February cohort: C (a cancelled order in January does not make them a January customer), guest g2
        ("cx", "C", datetime(2024, 1, 5), 999.0, 0.0, "cancelled", "Email"),
        ("c1", "C", datetime(2024, 2, 5), 80.0, 0.0, "paid", "Paid Search"),  # C month 0
        ("c2", "C", datetime(2024, 3, 6), 10.0, 0.0, "paid", "Direct"),  # C month 1
        ("g2", None, datetime(2024, 2, 20), 70.0, 0.0, "paid", "Direct"),  # another guest order: another customer
        # March cohort: D (observable 2 months), E (observable 1 month)
        ("d1", "D", datetime(2024, 3, 1), 40.0, 0.0, "paid", "Direct"),
        ("d2", "D", datetime(2024, 4, 30), 25.0, 0.0, "paid", "Direct"),  # D month 1; the data's last day
        ("e1", "E", datetime(2024, 3, 20), 35.0, 0.0, "paid", "Direct"),
    )


@pytest.fixture
def tables() -> Tables:
    return Tables.from_frames(orders=cohort_orders())


def cells(table) -> dict[tuple[str, int], tuple[int, float | None]]:
    """(cohort yyyy-mm, month) → (observed, value)."""
    frame = table.frame.to_native()
    return {
        (f"{row['cohort']:%Y-%m}", row["month"]): (row["observed"], row["value"]) for row in frame.iter_rows(named=True)
    }


def assert_close(got: dict, expected: dict) -> None:
    """The same keys, each (count, value) equal, values to floating-point tolerance (None = None)."""
    assert set(got) == set(expected)
    for key, (count, value) in expected.items():
        assert got[key][0] == count, key
        assert got[key][1] == (None if value is None else pytest.approx(value)), key


def sizes(table) -> dict[str, int]:
    frame = table.frame.to_native().unique("cohort")
    return {f"{row['cohort']:%Y-%m}": row["size"] for row in frame.iter_rows(named=True)}


# --- which cohorts ---------------------------------------------------------------------------


def test_cohort_months_are_the_period_s_months_at_least_twelve_at_most_twenty_four():
    # one month → the 12 months ending with it
    months = cohort_months(Period(date(2024, 11, 5), date(2024, 11, 20)))
    assert (months[0], months[-1], len(months)) == (date(2023, 12, 1), date(2024, 11, 1), 12)
    # 30 months → the last 24
    months = cohort_months(Period(date(2022, 1, 1), date(2024, 6, 30)))
    assert (months[0], months[-1], len(months)) == (date(2022, 7, 1), date(2024, 6, 1), 24)
    # 14 months: each one
    assert len(cohort_months(Period(date(2023, 1, 31), date(2024, 2, 1)))) == 14


def test_short_periods_show_the_twelve_cohorts_ending_with_the_period(tables):
    table = cohort_table(tables, period=Period(date(2024, 3, 1), date(2024, 3, 31)))
    # Apr 2023 … Mar 2024: the customers are in Jan, Feb and Mar 2024 only; empty months have no row
    assert sizes(table) == {"2024-01": 3, "2024-02": 2, "2024-03": 2}


# --- active customers --------------------------------------------------------------------------


def test_active_share_by_month(tables):
    table = cohort_table(tables, period=Q1, fewest=1)
    # Jan: A, B, g1 (a guest counts once per order); Feb: C (cancelled Jan order left out) and g2; Mar: D, E
    assert sizes(table) == {"2024-01": 3, "2024-02": 2, "2024-03": 2}
    assert_close(
        cells(table),
        {
            ("2024-01", 0): (3, 1.0),  # everyone buys in month 0
            ("2024-01", 1): (3, 1 / 3),  # B only (A's second order is in month 0)
            ("2024-01", 2): (3, 1 / 3),  # A only
            ("2024-02", 0): (2, 1.0),
            ("2024-02", 1): (2, 1 / 2),  # C
            ("2024-02", 2): (0, None),  # nobody of February has 3 whole months of data: null, never 0
            ("2024-03", 0): (2, 1.0),
            ("2024-03", 1): (1, 1.0),  # only D is observable through April (E from 20 Mar is not): D bought
            ("2024-03", 2): (0, None),
        },
    )


def test_cumulative_active_is_the_share_that_ordered_again(tables):
    table = cohort_table(tables, period=Q1, fewest=1, cumulative=True)
    got = cells(table)
    # Jan: a second live order by the end of month 0: A (a2) → 1/3; by month 1: A, B → 2/3; month 2: 2/3
    assert [got[("2024-01", k)][1] for k in range(3)] == pytest.approx([1 / 3, 2 / 3, 2 / 3])
    # Feb: C orders again in month 1 → 0, 1/2; Mar: D in month 1 (1 observable) → 0, 1
    assert [got[("2024-02", k)][1] for k in range(2)] == pytest.approx([0.0, 0.5])
    assert [got[("2024-03", k)][1] for k in range(2)] == pytest.approx([0.0, 1.0])
    assert got[("2024-02", 2)] == (0, None)


# --- revenue ------------------------------------------------------------------------------------


def test_revenue_per_customer_by_month_and_cumulative(tables):
    by_month = cells(cohort_table(tables, period=Q1, fewest=1, metric="revenue"))
    # Jan month 0: (100 + 20 + 50 + 60) / 3 = 76.67; month 1: B's 40 − 10 refunded = 30 / 3 = 10; month 2: 30 / 3
    assert [by_month[("2024-01", k)][1] for k in range(3)] == pytest.approx([230 / 3, 10.0, 10.0])
    # Feb: (80 + 70) / 2 = 75 (the cancelled 999 is not revenue), month 1: 10 / 2 = 5
    assert [by_month[("2024-02", k)][1] for k in range(2)] == pytest.approx([75.0, 5.0])
    # Mar: (40 + 35) / 2 = 37.5; month 1 over D alone: 25
    assert [by_month[("2024-03", k)][1] for k in range(2)] == pytest.approx([37.5, 25.0])

    cumulative = cells(cohort_table(tables, period=Q1, fewest=1, metric="revenue", cumulative=True))
    # Jan: 230/3, 260/3, 290/3; Feb: 75, 80; Mar: 37.5, then D's 40 + 25 = 65 over D alone
    assert [cumulative[("2024-01", k)][1] for k in range(3)] == pytest.approx([230 / 3, 260 / 3, 290 / 3])
    assert [cumulative[("2024-02", k)][1] for k in range(2)] == pytest.approx([75.0, 80.0])
    assert [cumulative[("2024-03", k)][1] for k in range(2)] == pytest.approx([37.5, 65.0])
    assert cumulative[("2024-03", 2)] == (0, None)


def test_filters_select_customers_by_their_first_order(tables):
    table = cohort_table(tables, period=Q1, fewest=1, filters={"channel": ["Paid Search"]})
    # first live orders in Paid Search: A, g1 (Jan), C (Feb; the cancelled Email order does not count)
    assert sizes(table) == {"2024-01": 2, "2024-02": 1}
    got = cells(table)
    # Jan month 1: neither A nor g1 bought → a real 0 (observable), not null; month 2: A (in Direct: any channel)
    assert got[("2024-01", 1)] == (2, 0.0)
    assert got[("2024-01", 2)] == (2, pytest.approx(0.5))
    assert got[("2024-02", 1)] == (1, 1.0)


def test_wide_table_has_a_column_per_month_and_nulls_where_unobservable(tables):
    wide = cohort_table(tables, period=Q1, fewest=1).wide().to_native()
    assert wide.columns == ["cohort", "customers", "month_0", "month_1", "month_2"]
    assert wide.get_column("customers").to_list() == [3, 2, 2]
    assert wide.get_column("month_2").to_list()[1:] == [None, None]


def test_cohort_table_without_orders_or_with_a_filter_orders_cannot_answer():
    traffic = pl.DataFrame({"date": [date(2024, 1, 1)], "sessions": [5]})
    assert cohort_table(Tables.from_frames(traffic=traffic), period=Q1).note == "no orders data"
    table = cohort_table(Tables.from_frames(orders=cohort_orders()), period=Q1, filters={"device": ["mobile"]})
    assert (table.frame, table.note) == (None, "orders have no device column")
    nobody = cohort_table(
        Tables.from_frames(orders=cohort_orders()), period=Period(date(2020, 1, 1), date(2020, 1, 31))
    )
    assert nobody.frame is None
    assert nobody.note == "no customers acquired in these months"


# --- LTV curves -----------------------------------------------------------------------------------


def curve_points(curves) -> dict[tuple[str, int], tuple[int, float]]:
    frame = curves.frame.to_native()
    return {
        (row["group"] if isinstance(row["group"], str) else f"{row['group']:%Y-%m}", row["month"]): (
            row["customers"],
            row["value"],
        )
        for row in frame.iter_rows(named=True)
    }


def test_ltv_curves_per_monthly_cohort_with_the_margin(tables):
    curves = ltv_curves(tables, period=Q1, settings=Settings(margin=0.5), by="cohort")
    assert_close(
        curve_points(curves),
        {
            # Jan: cumulative A 120/120/150, B 50/80/80, g1 60 → means 76.67, 86.67, 96.67 × 0.5
            ("2024-01", 0): (3, 230 / 6),
            ("2024-01", 1): (3, 260 / 6),
            ("2024-01", 2): (3, 290 / 6),
            # Feb: C 80/90, g2 70 → 75, 80 × 0.5
            ("2024-02", 0): (2, 37.5),
            ("2024-02", 1): (2, 40.0),
            # Mar: D 40, E 35 → 37.5 × 0.5; month 1 over D alone (E not observable): 65 × 0.5
            ("2024-03", 0): (2, 18.75),
            ("2024-03", 1): (1, 32.5),
        },
    )
    assert dict(curves.sizes.to_native().iter_rows()) == {date(2024, 1, 1): 3, date(2024, 2, 1): 2, date(2024, 3, 1): 2}


def test_ltv_curves_per_acquisition_channel(tables):
    curves = ltv_curves(tables, period=Q1, by="channel")
    assert_close(
        curve_points(curves),
        {
            # Paid Search: A, g1, C. Month 0: 120 + 60 + 80 = 260 / 3; month 1: 120 + 60 + 90 = 270 / 3;
            # month 2: only A and g1 are observable: (150 + 60) / 2
            ("Paid Search", 0): (3, 260 / 3),
            ("Paid Search", 1): (3, 90.0),
            ("Paid Search", 2): (2, 105.0),
            ("Email", 0): (1, 50.0),  # B
            ("Email", 1): (1, 80.0),
            ("Email", 2): (1, 80.0),
            # Direct: g2, D, E: (70 + 40 + 35) / 3; month 1 over g2 and D: (70 + 65) / 2; nobody has month 2
            ("Direct", 0): (3, 145 / 3),
            ("Direct", 1): (2, 67.5),
        },
    )


def test_ltv_curves_of_new_customers_of_the_period_after_filters(tables):
    curves = ltv_curves(tables, period=FEB, filters={"channel": ["Paid Search"]}, by="cohort")
    # February's new customers acquired in Paid Search: C only → 80, 90
    assert_close(curve_points(curves), {("2024-02", 0): (1, 80.0), ("2024-02", 1): (1, 90.0)})


def test_ltv_curves_keep_groups_without_an_observable_month_in_sizes():
    late = orders(
        ("a1", "A", datetime(2024, 1, 10), 10.0, 0.0, "paid", "Direct"),
        ("b1", "B", datetime(2024, 1, 25), 20.0, 0.0, "paid", "Direct"),
    )
    curves = ltv_curves(Tables.from_frames(orders=late), period=JAN)
    # the data ends on 25 Jan: nobody has a whole month → no points, the cohort keeps its size
    assert len(curves.frame) == 0
    assert curves.sizes.to_native().rows() == [(date(2024, 1, 1), 2)]
    assert ltv_curves(Tables.from_frames(orders=late), period=FEB).note == "no new customers in period"


# --- days between orders ------------------------------------------------------------------------


def gap_orders() -> pl.DataFrame:
    return orders(
        ("p1", "P", datetime(2024, 1, 3, 10), 10.0, 0.0, "paid", "Paid Search"),
        ("p2", "P", datetime(2024, 1, 3, 18), 10.0, 0.0, "paid", "Paid Search"),  # same day: 0 days
        ("px", "P", datetime(2024, 1, 8), 10.0, 0.0, "cancelled", "Paid Search"),  # cancelled: not an order
        ("p3", "P", datetime(2024, 1, 13), 10.0, 0.0, "paid", "Paid Search"),  # 10 days after 3 Jan
        ("p4", "P", datetime(2024, 2, 20), 10.0, 0.0, "paid", "Paid Search"),  # 38 days after 13 Jan
        ("q1", "Q", datetime(2024, 1, 20), 10.0, 0.0, "paid", "Email"),
        ("q2", "Q", datetime(2024, 1, 27), 10.0, 0.0, "paid", "Paid Search"),  # 7 days
        ("r1", "R", datetime(2024, 1, 25), 10.0, 0.0, "paid", "Direct"),  # one order: no gap
        ("g1", None, datetime(2024, 1, 5), 10.0, 0.0, "paid", "Direct"),  # a guest: one order
    )


def test_days_between_consecutive_orders_of_the_period_s_customers():
    gaps = days_between_orders(Tables.from_frames(orders=gap_orders()), period=JAN)
    # P: 0 (same day), 10 (3 → 13 Jan; the cancelled 8 Jan order is skipped); p4 is after the period's end.
    # Q: 7. Customers of January: P, Q, R and the guest = 4, two of them with a gap.
    assert sorted(gaps.frame.get_column("days").to_list()) == [0, 7, 10]
    assert (gaps.median, gaps.mean) == pytest.approx((7.0, 17 / 3))
    assert (gaps.customers, gaps.repeaters) == (4, 2)
    assert gaps.histogram(width=7).to_native().rows() == [(0, 7, 1), (7, 14, 2)]  # 0 | 7, 10
    assert gaps.histogram(width=5).to_native().rows() == [(0, 5, 1), (5, 10, 1), (10, 15, 1)]


def test_repeaters_over_customers_is_the_returning_customer_rate():
    tables = Tables.from_frames(orders=gap_orders())
    gaps = days_between_orders(tables, period=JAN)
    report = compute(tables, JAN, comparison="none")
    assert report["returning_customer_rate"].value == pytest.approx(0.5)  # P, Q of P, Q, R, guest
    assert gaps.repeaters / gaps.customers == pytest.approx(0.5)


def test_days_between_orders_counts_the_history_up_to_the_period_s_end_in_any_channel():
    tables = Tables.from_frames(orders=gap_orders())
    february = days_between_orders(tables, period=FEB)
    # February's customers: P (p4). Their gaps up to 29 Feb: 0, 10, 38 (13 Jan → 20 Feb) → median 10
    assert february.frame.get_column("days").to_list() == [0, 10, 38]
    assert february.median == 10.0
    assert (february.customers, february.repeaters) == (1, 1)
    # the filter picks the customers by their orders in the period (Q's q1 is Email); the gap counts q2 (Paid Search)
    email = days_between_orders(tables, period=JAN, filters={"channel": ["Email"]})
    assert email.frame.get_column("days").to_list() == [7]
    assert email.frame.get_column("customer").to_list() == ["Q"]


def test_days_between_orders_without_repeats_or_orders():
    guests = orders(
        ("g1", None, datetime(2024, 1, 5), 10.0, 0.0, "paid", "Direct"),
        ("g2", None, datetime(2024, 1, 6), 10.0, 0.0, "paid", "Direct"),
    )
    gaps = days_between_orders(Tables.from_frames(orders=guests), period=JAN)
    assert (len(gaps.frame), gaps.customers, gaps.median) == (0, 2, None)
    assert gaps.note == "no customer of the period has a repeat order"
    assert gaps.histogram().to_native().rows() == []
    traffic = pl.DataFrame({"date": [date(2024, 1, 1)], "sessions": [5]})
    assert days_between_orders(Tables.from_frames(traffic=traffic), period=JAN).note == "no orders data"
    filtered = days_between_orders(Tables.from_frames(orders=guests), period=JAN, filters={"device": ["mobile"]})
    assert filtered.note == "orders have no device column"


def test_guest_share():
    assert guest_share(Tables.from_frames(orders=cohort_orders())) == pytest.approx(2 / 12)  # 12 live orders
    traffic = pl.DataFrame({"date": [date(2024, 1, 1)], "sessions": [5]})
    assert guest_share(Tables.from_frames(traffic=traffic)) is None


def test_the_customer_month_table_is_built_once_per_data_set():
    orders = pl.DataFrame(
        {
            "order_id": ["a", "b"],
            "customer_id": ["x", "x"],
            "ordered_at": [datetime(2024, 1, 5), datetime(2024, 2, 6)],
            "revenue": [10.0, 20.0],
        }
    )
    tables = Tables.from_frames(orders=orders)
    assert customer_months(tables) is customer_months(tables)
    # another data set (a replaced table) never sees the first one's derived tables
    fewer = dataclasses.replace(tables, orders=Tables.from_frames(orders=orders.head(1)).orders)
    assert customer_months(fewer).to_native().get_column("net_revenue").to_list() == [10.0]
    assert customer_months(tables).to_native().get_column("net_revenue").to_list() == [10.0, 20.0]
