"""AppTest of the LTV vs CAC page: the demo data (scatter, table, curves and their toggle), and data
without spend, without orders, or with guests only."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime

import polars as pl
import pytest

from kpi import Period, Tables, breakdown, compute
from tests.conftest import with_tables

PAGE = "pages/ltv.py"
CARDS = ["Customer lifetime value", "Customer acquisition cost", "LTV : CAC", "CAC payback"]
DEMO_YTD = Period(date(2026, 1, 1), date(2026, 11, 22))  # "Year to date" on the demo data (last day 22 Nov 2026)


def charts(app) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def texts(elements) -> list[str]:
    return [element.value.replace("\\", "") for element in elements]


def open_page(app, preset: str | None = None):
    app.run()
    if preset:
        app.selectbox(key="period_preset").set_value(preset).run()
    app.switch_page(PAGE).run()
    assert not app.exception
    return app


def test_demo_default_period(app_test):
    app = open_page(app_test())
    assert [metric.label for metric in app.metric] == CARDS
    scatter = charts(app)[0]
    points = [trace["name"] for trace in scatter["data"] if trace.get("mode") == "markers+text"]
    # the demo's paid channels; organic ones have CAC 0 and are listed beside the chart instead
    assert sorted(points) == ["Email", "Offline", "Paid Search", "Paid Social"]
    beside = " ".join(texts(app.markdown))
    assert "Not on the chart" in beside
    assert "Organic Search" in beside
    assert any(button.label == "Download CSV" for button in app.get("download_button"))


def test_short_period_curves_follow_twelve_months_of_cohorts(app_test, demo_tables):
    # the last 30 days (24 Oct – 22 Nov 2026) touch October and November; cohorts need history, so the
    # curves follow the 12 months ending with November: Dec 2025 .. Nov 2026
    app = open_page(app_test())
    assert any("Customers acquired 1 Dec 2025 – 22 Nov 2026" in text for text in texts(app.caption))
    curves = charts(app)[1]
    names = [trace.get("name", "") for trace in curves["data"] if trace.get("mode") == "lines+markers"]
    assert any(name.startswith("Dec 2025 (") for name in names)
    assert not any(name.startswith("Nov 2025 (") for name in names)
    # the dashed CAC line is the blended CAC of those months, not of the last 30 days
    window_cac = compute(demo_tables, Period(date(2025, 12, 1), date(2026, 11, 22)))["cac"].value
    period_cac = compute(demo_tables, Period(date(2026, 10, 24), date(2026, 11, 22)))["cac"].value
    dashed = [shape for shape in curves["layout"]["shapes"] if shape["line"]["dash"] == "dash"]
    assert len(dashed) == 1
    assert dashed[0]["y0"] == pytest.approx(window_cac)
    assert window_cac != pytest.approx(period_cac)


def test_scatter_matches_the_breakdown_by_channel(app_test, demo_tables):
    app = open_page(app_test(), "year_to_date")
    scatter = charts(app)[0]
    placed = {trace["name"]: (trace["x"][0], trace["y"][0]) for trace in scatter["data"] if trace.get("text")}
    frame = breakdown(demo_tables, DEMO_YTD, by="channel", kpis=["cac", "ltv"]).frame.to_native()
    expected = {row["group"]: (row["cac"], row["ltv"]) for row in frame.iter_rows(named=True) if row["group"] in placed}
    assert set(placed) == set(expected) == {"Email", "Offline", "Paid Search", "Paid Social"}
    for channel, (cac, ltv) in expected.items():
        assert placed[channel] == (pytest.approx(cac), pytest.approx(ltv)), channel
    references = [trace for trace in scatter["data"] if trace.get("mode") == "lines" and not trace.get("fill")]
    slopes = sorted(trace["y"][1] / trace["x"][1] for trace in references)
    assert slopes == pytest.approx([1.0, 3.0])  # LTV = CAC and LTV = 3 × CAC
    [band] = [trace for trace in scatter["data"] if trace.get("fill") == "toself"]  # the benchmark, switchable
    assert band["name"] == "Benchmark: rule of thumb: 3 or more"
    assert band["y"][1] / band["x"][1] == pytest.approx(3.0)  # it starts on LTV = 3 × CAC


def test_curves_per_cohort_and_per_channel(app_test):
    app = open_page(app_test(), "year_to_date")
    curves = charts(app)[1]
    names = [trace.get("name", "") for trace in curves["data"]]
    assert any(name.startswith("Jan 2026 (") for name in names)
    assert "payback month" in names
    app.segmented_control(key="ltv_lines_by").set_value("channel").run()
    assert not app.exception
    names = [trace.get("name", "") for trace in charts(app)[1]["data"]]
    assert any(name.startswith("Paid Search (") for name in names)
    assert any(name.startswith("Paid Search CAC") for name in names)  # the channel's own CAC line
    assert not any(name.startswith("Direct CAC") for name in names)  # CAC 0: no line
    # no point of a curve is drawn at a month nobody can observe: every y is a number
    lines = [trace for trace in charts(app)[1]["data"] if trace.get("mode") == "lines+markers"]
    assert all(value is not None for trace in lines for value in trace["y"])


def test_without_spend_the_page_explains_cac_and_still_shows_ltv(app_test, demo_tables):
    app = open_page(with_tables(app_test(), dataclasses.replace(demo_tables, spend=None)))
    info = " ".join(texts(app.info))
    assert "CAC needs ad spend" in info
    assert "Upload a Google Ads, Meta Ads" in info
    bars = charts(app)[0]
    assert bars["data"][0]["type"] == "bar"
    assert "Paid Search" in bars["data"][0]["x"]


def test_a_fixed_sales_cost_is_explained(app_test):
    app = app_test().run()
    app.selectbox(key="cac_variant").set_value("with_sales_cost").run()
    app.switch_page(PAGE).run()
    assert not app.exception
    assert any("a fixed sales cost cannot be split by channel" in text for text in texts(app.info))


def test_without_orders(app_test, demo_tables):
    app = open_page(with_tables(app_test(), dataclasses.replace(demo_tables, orders=None)))
    assert any(
        "Upload a Shopify, WooCommerce or Stripe export (or a canonical orders table)" in text
        for text in texts(app.info)
    )
    assert not app.metric


def test_guests_only(app_test):
    orders = pl.DataFrame(
        {
            "order_id": ["o1", "o2", "o3"],
            "customer_id": [None, None, None],
            "ordered_at": [datetime(2024, 1, 5), datetime(2024, 2, 6), datetime(2024, 3, 7)],
            "revenue": [10.0, 20.0, 30.0],
            "channel": ["Direct", "Paid Search", "Direct"],
        },
        schema_overrides={"customer_id": pl.String},
    )
    app = open_page(with_tables(app_test(), Tables.from_frames(orders=orders)), "all_data")
    assert any("guest checkout" in text for text in texts(app.warning))
    assert not app.error
