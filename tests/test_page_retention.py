"""AppTest of the Retention page: the demo data (cards, cohort heatmap and its toggles, days between
orders), and data without spend, without orders, or with guests only."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime

import polars as pl

from kpi import Tables
from tests.conftest import with_tables

PAGE = "pages/retention.py"


def charts(app) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]


def texts(elements) -> list[str]:
    return [element.value.replace("\\", "") for element in elements]


def open_page(app):
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    return app


def heatmap(app) -> dict:
    return next(trace for chart in charts(app) for trace in chart["data"] if trace["type"] == "heatmap")


def test_demo_cards_heatmap_and_histogram(app_test):
    app = open_page(app_test())
    assert [metric.label for metric in app.metric] == ["Repurchase rate", "Returning customer rate"]
    cells = heatmap(app)
    # the last 30 days touch Oct and Nov 2026: the 12 cohorts Dec 2025 … Nov 2026
    assert len(cells["y"]) == 12
    assert cells["y"][0].startswith("Dec 2025 · ")
    assert cells["y"][-1].startswith("Nov 2026 · ")
    assert all(row[0] == 1.0 for row in cells["z"][:-1])  # month 0: everyone is active
    # November's customers have no whole month yet: blank (null) cells, never 0
    assert all(value is None for value in cells["z"][-1])
    assert all(text == "" for text in cells["text"][-1])
    bars = next(trace for chart in charts(app) for trace in chart["data"] if trace["type"] == "bar")
    assert sum(bars["y"]) > 0
    assert any(text.startswith("**Median ") for text in texts(app.markdown))
    assert [button.label for button in app.get("download_button")] == [
        "Download CSV",
        "Histogram CSV",
        "Every repeat order CSV",
    ]


def test_heatmap_toggles(app_test):
    app = open_page(app_test())
    app.segmented_control(key="retention_metric").set_value("revenue").run()
    assert not app.exception
    assert heatmap(app)["text"][0][0].startswith("€")
    app.segmented_control(key="retention_mode").set_value("cumulative").run()
    assert not app.exception
    cumulative = heatmap(app)
    first = [value for value in cumulative["z"][0] if value is not None]
    assert first == sorted(first)  # a cumulative revenue row never falls (the demo has no refund beyond its order)
    app.segmented_control(key="retention_metric").set_value("active").run()
    assert not app.exception
    assert heatmap(app)["z"][0][0] < 1.0  # cumulative month 0: only those who ordered again within it


def test_without_spend_retention_still_works(app_test, demo_tables):
    app = open_page(with_tables(app_test(), dataclasses.replace(demo_tables, spend=None)))
    assert heatmap(app)["z"]


def test_without_orders(app_test, demo_tables):
    app = open_page(with_tables(app_test(), dataclasses.replace(demo_tables, orders=None)))
    assert any(
        "Upload a Shopify, WooCommerce or Stripe export (or a canonical orders table)" in text
        for text in texts(app.info)
    )
    assert not app.get("plotly_chart")


def test_guests_only(app_test):
    orders = pl.DataFrame(
        {
            "order_id": ["o1", "o2", "o3"],
            "customer_id": [None, None, None],
            "ordered_at": [datetime(2024, 1, 5), datetime(2024, 2, 6), datetime(2024, 3, 7)],
            "revenue": [10.0, 20.0, 30.0],
        },
        schema_overrides={"customer_id": pl.String},
    )
    app = open_page(with_tables(app_test(), Tables.from_frames(orders=orders)))
    assert any("guest checkout" in text and "meaningless" in text for text in texts(app.info))
    assert not app.get("plotly_chart")
    assert not app.metric
