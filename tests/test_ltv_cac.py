"""LTV vs CAC per channel and the payback month of curves (kpi.ltv_cac), on tiny hand-made data.

Expected figures are worked out by hand in the comments; the per-channel payback of the curves is
also held against the registry's ``cac_payback_months`` KPI, which must agree by definition.
"""

from __future__ import annotations

from datetime import date

import narwhals as nw
import polars as pl
import pytest

from kpi import Period, Settings, Tables, breakdown, compute
from kpi.cohorts import ltv_curves
from kpi.ltv_cac import NO_COST, NO_NEW_CUSTOMERS, channel_economics_for, curve_paybacks, payback
from tests.test_cohorts import cohort_orders

Q1 = Period(date(2024, 1, 1), date(2024, 3, 31))


def spend(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema={"date": pl.Date, "channel": pl.String, "spend": pl.Float64}, orient="row")


def q1_spend() -> pl.DataFrame:
    return spend(
        (date(2024, 1, 2), "Paid Search", 200.0),
        (date(2024, 2, 2), "Paid Search", 61.0),  # Paid Search: 261
        (date(2024, 1, 3), "Email", 100.0),
        (date(2024, 3, 3), "Display", 50.0),  # spend, but no customer came from Display
    )


@pytest.fixture
def tables() -> Tables:
    return Tables.from_frames(orders=cohort_orders(), spend=q1_spend())


def by_channel(frame: nw.DataFrame, *columns: str) -> dict[str, tuple]:
    return {row["channel"]: tuple(row[c] for c in columns) for row in frame.to_native().iter_rows(named=True)}


# --- the scatter's data ------------------------------------------------------------------------


def test_channel_economics_cac_ltv_and_size(tables):
    economics = channel_economics_for(tables, period=Q1)
    got = by_channel(economics.frame, "new_customers", "cac", "ltv", "ltv_cac_ratio")
    # new customers by first order: Paid Search A, g1, C; Email B; Direct g2, D, E (cohort_orders)
    # LTV (H = 12 months, all data within it): Paid Search (150 + 60 + 90) / 3 = 100; Email 80 / 1;
    # Direct (70 + 65 + 35) / 3 = 56.67. CAC: 261 / 3 = 87; 100 / 1; Direct has no spend → 0
    assert got["Paid Search"] == pytest.approx((3, 87.0, 100.0, 100 / 87))
    assert got["Email"] == pytest.approx((1, 100.0, 80.0, 0.8))
    assert got["Direct"][:3] == pytest.approx((3, 0.0, 170 / 3))
    assert got["Direct"][3] is None  # LTV / 0 is unavailable, never inf
    # Display spent 50 but acquired nobody: listed, with no CAC and no LTV
    assert got["Display"] == (0, None, None, None)


def test_channels_the_scatter_cannot_place_say_why(tables):
    economics = channel_economics_for(tables, period=Q1)
    assert sorted(economics.plotted().get_column("channel").to_list()) == ["Email", "Paid Search"]
    assert by_channel(economics.left_out(), "reason") == {"Direct": (NO_COST,), "Display": (NO_NEW_CUSTOMERS,)}


def test_without_spend_every_channel_is_left_out_with_the_reason_and_keeps_its_ltv():
    economics = channel_economics_for(Tables.from_frames(orders=cohort_orders()), period=Q1)
    assert len(economics.plotted()) == 0
    got = by_channel(economics.frame, "ltv", "reason")
    assert got["Paid Search"] == (pytest.approx(100.0), "no spend data")
    assert got["Direct"] == (pytest.approx(170 / 3), "no spend data")


def test_a_fixed_sales_cost_cannot_be_split_by_channel(tables):
    settings = Settings(cac_variant="with_sales_cost", monthly_sales_cost=1000.0)
    economics = channel_economics_for(tables, period=Q1, settings=settings)
    assert set(economics.frame.get_column("reason").to_list()) == {
        "a fixed sales cost cannot be split by channel",
        NO_NEW_CUSTOMERS,
    }


def test_filters_apply_to_the_channels(tables):
    economics = channel_economics_for(tables, period=Q1, filters={"channel": ["Email"]})
    assert by_channel(economics.frame, "new_customers", "cac") == {"Email": (1, 100.0)}


# --- payback -------------------------------------------------------------------------------------


def test_payback_is_the_first_month_the_curve_reaches_the_cost():
    curves = nw.from_native(
        pl.DataFrame(
            {"group": ["a", "a", "a", "b", "c"], "month": [0, 1, 2, 0, 0], "value": [5.0, 9.0, 12.0, 3.0, 1.0]}
        )
    )
    got = payback(curves, {"a": 9.0, "b": 4.0, "c": None}).to_native().rows()
    # a: month 1 reaches 9 exactly → 2 months; b never reaches 4; c has no cost
    assert got == [("a", 9.0, 2, 9.0), ("b", 4.0, None, None), ("c", None, None, None)]


def test_cohort_lines_pay_back_the_blended_cac(tables):
    curves = ltv_curves(tables, period=Q1, by="cohort")
    # blended CAC = (261 + 100 + 50) / 7 new customers = 58.71
    blended = 411 / 7
    assert compute(tables, Q1, comparison="none")["cac"].value == pytest.approx(blended)
    got = curve_paybacks(curves, blended_cac=blended, economics=None).to_native()
    # Jan curve 76.67 ≥ 58.71 in month 0 → 1; Feb 75 → 1; Mar 37.5 then 65 → 2
    assert got.select("payback").to_series().to_list() == [1, 1, 2]
    assert got.get_column("cost").to_list() == pytest.approx([blended] * 3)


def test_channel_lines_pay_back_their_own_cac_as_the_kpi_does(tables):
    economics = channel_economics_for(tables, period=Q1)
    curves = ltv_curves(tables, period=Q1, by="channel")
    got = {row[0]: row[2] for row in curve_paybacks(curves, blended_cac=None, economics=economics).to_native().rows()}
    # Paid Search: CAC 87; curve 86.67 (month 0) < 87, 90 (month 1) ≥ 87 → 2 months.
    # Email: CAC 100; B's curve 50, 80, 80 never reaches it → none. Direct: CAC 0 → nothing to pay back
    assert got == {"Paid Search": 2, "Email": None, "Direct": None}
    kpi = breakdown(tables, Q1, by="channel", kpis=["cac_payback_months"]).frame.to_native()
    from_kpi = {row["group"]: row["cac_payback_months"] for row in kpi.iter_rows(named=True)}
    assert {channel: from_kpi[channel] for channel in got} == got


def test_channel_lines_without_economics_have_no_cost(tables):
    curves = ltv_curves(tables, period=Q1, by="channel")
    got = curve_paybacks(curves, blended_cac=50.0, economics=None).to_native()
    assert got.get_column("payback").null_count() == len(got)
    assert curve_paybacks(ltv_curves(Tables.from_frames(), period=Q1), blended_cac=1.0, economics=None) is None
