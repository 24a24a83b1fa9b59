"""AppTest of the Funnels page: both funnels on the demo data (their figures checked against the KPI
cards' own computation), the share toggle, the breakdown switch, and the empty states of data sets
without traffic, without leads, and with traffic lacking checkout sessions."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import polars as pl
import pytest

from kpi import compute
from kpi.funnels import Funnel, FunnelStep
from kpi.periods import Period
from kpi_app.funnels_view import drop_sentence, share_text
from tests.conftest import DEMO, with_tables

PAGE = "pages/funnels.py"


def _open(app):
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    return app


def _steps(app) -> dict[str, dict]:
    """The steps table (the first data frame), by step label."""
    frame = app.dataframe[0].value
    return {row["step"]: row for row in frame.to_dict("records")}


def _texts(elements) -> list[str]:
    return [element.value.replace("\\", "") for element in elements]


def _report(app, tables):
    view = app.session_state["view"]
    return compute(tables, view.period, view.filter_map, view.settings, comparison="none")


def test_ecommerce_funnel_on_the_demo_data_matches_the_cards(app_test, demo_tables):
    app = _open(app_test())
    assert app.button_group(key="funnel_kind").value == "ecommerce"
    assert len(app.get("plotly_chart")) == 3  # funnel, breakdown, weekly trend
    steps = _steps(app)
    assert list(steps) == ["Sessions", "Add to cart", "Checkout", "Purchase"]
    report = _report(app, demo_tables)
    assert steps["Sessions"]["count"] == report["sessions"].value
    # the table shows shares ×100
    assert steps["Add to cart"]["of_first"] == pytest.approx(100 * report["add_to_cart_rate"].value)
    assert steps["Purchase"]["of_first"] == pytest.approx(100 * report["conversion_rate"].value)
    assert steps["Purchase"]["drop_off"] == pytest.approx(100 * report["checkout_abandonment_rate"].value)
    assert any(text.startswith(":material/trending_down: **Biggest drop:") for text in _texts(app.markdown))
    assert any(text.startswith("Change vs comparison, % of first step") for text in _texts(app.caption))


def test_lead_funnel_on_the_demo_data(app_test, demo_tables):
    app = _open(app_test())
    app.button_group(key="funnel_kind").set_value("leads").run()
    assert not app.exception
    steps = _steps(app)
    assert list(steps) == ["Sessions", "Leads", "MQL", "SQL", "Won"]
    report = _report(app, demo_tables)
    assert steps["Leads"]["count"] == report["leads"].value
    assert steps["Won"]["count"] / steps["Leads"]["count"] == pytest.approx(report["sales_conversion_rate"].value)
    counts = [steps[label]["count"] for label in steps]
    assert counts == sorted(counts, reverse=True)  # a cohort: every step a subset of the one before
    assert any("the leads created in the period" in text for text in _texts(app.caption))


def _median_lead_time_days() -> float:
    # every won lead of the demo data, straight from the CSV
    leads = pl.read_csv(DEMO / "leads.csv", try_parse_dates=True).filter(pl.col("won_at").is_not_null())
    return leads.select(((pl.col("won_at") - pl.col("created_at")).dt.total_seconds() / 86400).median()).item()


@pytest.mark.parametrize(("preset", "period_end"), [("last_30_days", date(2026, 11, 22)), ("last_quarter", None)])
def test_lead_funnel_says_when_its_leads_are_still_moving(app_test, preset, period_end):
    app = app_test().run()
    app.selectbox(key="period_preset").set_value(preset).run()
    app.switch_page(PAGE).run()
    app.button_group(key="funnel_kind").set_value("leads").run()
    assert not app.exception
    median = _median_lead_time_days()
    end = app.session_state["view"].period.end
    if period_end:
        assert end == period_end
    # the demo data ends on 22 Nov 2026: the last 30 days' youngest leads are 0 days old; last quarter's
    # (ending 30 Sep) 53 days old, older than the median lead time
    settling = (date(2026, 11, 22) - end).days < median
    assert settling is (preset == "last_30_days")
    warnings = _texts(app.warning)
    assert bool(warnings) is settling
    if settling:
        assert f"took more than {median:.1f} days from lead to win" in warnings[0]
        assert "only 0 days after the period" in warnings[0]


def test_share_toggle_and_breakdown_switch(app_test):
    app = _open(app_test())
    app.button_group(key="funnel_share").set_value("of_previous").run()
    assert not app.exception
    assert any(text.startswith("Change vs comparison, % of previous step") for text in _texts(app.caption))
    by_channel = app.dataframe[1].value
    assert "Paid Search" in set(by_channel["group"])
    row = by_channel.iloc[0]
    # the breakdown's share columns now divide by the step before (shown ×100)
    assert row["of_previous_Checkout"] == pytest.approx(100 * row["count_Checkout"] / row["count_Add to cart"])
    app.button_group(key="funnel_by").set_value("device").run()
    assert not app.exception
    assert set(app.dataframe[1].value["group"]) <= {"mobile", "desktop", "tablet", "(not set)"}


def test_without_a_comparison_period(app_test):
    app = _open(app_test())
    app.selectbox(key="comparison").set_value("none").run()
    assert not app.exception
    assert "compare_count" not in app.dataframe[0].value.columns
    assert not any(text.startswith("Change vs comparison") for text in _texts(app.caption))
    assert any("Biggest drop" in text for text in _texts(app.markdown))


def test_without_traffic(app_test, demo_tables):
    app = _open(with_tables(app_test(), replace(demo_tables, traffic=None)))
    assert any("Upload a GA4 or Shopify sessions export" in text for text in _texts(app.info))
    assert not app.dataframe  # no funnel to draw
    app.button_group(key="funnel_kind").set_value("leads").run()
    assert not app.exception
    steps = _steps(app)
    assert math.isnan(steps["Sessions"]["count"])  # unavailable, not 0
    assert steps["Sessions"]["note"] == "no traffic data"
    assert steps["Leads"]["of_first"] == pytest.approx(100.0)  # the funnel starts at leads
    assert any("The funnel starts at leads" in text for text in _texts(app.caption))


def test_without_leads(app_test, demo_tables):
    app = _open(with_tables(app_test(), replace(demo_tables, leads=None)))
    assert len(app.dataframe) == 2  # the e-commerce funnel does not need leads
    app.button_group(key="funnel_kind").set_value("leads").run()
    assert not app.exception
    assert any("Upload a CRM export (HubSpot, Zoho, Olist…)" in text for text in _texts(app.info))
    steps = _steps(app)  # sessions → leads from the traffic's leads column
    assert steps["Leads"]["count"] > 0
    assert math.isnan(steps["MQL"]["count"])
    assert steps["MQL"]["note"] == "no leads data"


def test_without_leads_or_traffic_leads_only_the_message(app_test, demo_tables):
    tables = replace(demo_tables, leads=None, traffic=demo_tables.traffic.drop("leads"))
    app = _open(with_tables(app_test(), tables))
    app.button_group(key="funnel_kind").set_value("leads").run()
    assert not app.exception
    assert any("Upload a CRM export (HubSpot, Zoho, Olist…)" in text for text in _texts(app.info))
    assert not app.dataframe


def test_traffic_without_checkout_sessions_shows_the_step_unavailable(app_test, demo_tables):
    tables = replace(demo_tables, traffic=demo_tables.traffic.drop("checkout_sessions"))
    app = _open(with_tables(app_test(), tables))
    steps = _steps(app)
    assert math.isnan(steps["Checkout"]["count"])
    assert steps["Checkout"]["note"] == "traffic has no checkout_sessions column"
    assert steps["Purchase"]["compared_with"] == "Add to cart"
    assert steps["Purchase"]["count"] > 0
    assert not app.error


def test_share_text_and_drop_sentence():
    assert share_text(0.4601) == "46.0%"
    assert share_text(0.00031) == "0.03%"  # not "0.0%"
    assert share_text(None) == "—"
    period = Period(date(2024, 1, 1), date(2024, 1, 31))
    steps = (
        FunnelStep("sessions", "Sessions", "sessions", 1000, 1.0, None, None),
        FunnelStep("add_to_cart_sessions", "Add to cart", "add-to-cart sessions", 100, 0.1, 0.1, "Sessions"),
        FunnelStep("checkout_sessions", "Checkout", "checkout sessions", 39, 0.039, 0.39, "Add to cart"),
    )
    result = Funnel(kind="ecommerce", period=period, steps=steps, biggest_drop="checkout_sessions")
    # 1 − 0.39 = 61% of 100 carts, 61 lost
    assert drop_sentence(result) == (
        ":material/trending_down: **Biggest drop: Add to cart → Checkout.** 61.0% of add-to-cart sessions (61) "
        "do not reach the Checkout step."
    )
