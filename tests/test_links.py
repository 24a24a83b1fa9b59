"""Shareable links: the sidebar's choices as query parameters and back (kpi_app/links.py), and the
app opening a link on the view it names (AppTest with query parameters)."""

from __future__ import annotations

from datetime import date

import pytest

from kpi.periods import Period
from kpi_app.links import WIDGET_DEFAULTS, link_params, widget_values

SPAN = (date(2024, 11, 1), date(2026, 11, 22))
CHANNELS = ["Direct", "Email", "Paid Search"]


def _options(dimension: str) -> list[str]:
    return CHANNELS if dimension == "channel" else ["mobile", "desktop"] if dimension == "device" else []


def _read(params: dict[str, list[str]]):
    return widget_values(params, span=SPAN, options=_options)


def test_defaults_make_an_empty_link():
    defaults = {
        **WIDGET_DEFAULTS,
        "filter_channel": [],
        "period_custom": (date(2026, 10, 1), date(2026, 10, 31)),  # ignored while a preset is chosen
    }
    assert link_params(defaults) == {}
    assert WIDGET_DEFAULTS["period_preset"] == "last_30_days"
    assert (WIDGET_DEFAULTS["ltv_months"], WIDGET_DEFAULTS["margin_pct"]) == (12, None)  # Settings() defaults


def test_every_choice_survives_the_round_trip():
    chosen = {
        "period_preset": "custom",
        "period_custom": (date(2025, 11, 14), date(2025, 12, 31)),
        "comparison": "year",
        "filter_channel": ["Email", "Paid Search"],
        "filter_device": ["mobile"],
        "margin_pct": 42.5,
        "ltv_months": 24,
        "cac_variant": "with_sales_cost",
        "monthly_sales_cost": 1500.0,
        "show_benchmarks": False,
    }
    params = link_params(chosen)
    assert params == {
        "period": "2025-11-14..2025-12-31",
        "compare": "year",
        "channel": ["Email", "Paid Search"],
        "device": ["mobile"],
        "margin": "42.5",
        "ltv_months": "24",
        "sales_cost": "1500",
        "cac": "with_sales_cost",
        "benchmarks": "off",
    }
    as_lists = {name: value if isinstance(value, list) else [value] for name, value in params.items()}
    values, notices = _read(as_lists)
    assert notices == []
    assert values == chosen


def test_a_preset_is_kept_by_name():
    assert link_params({"period_preset": "year_to_date"}) == {"period": "year_to_date"}
    assert _read({"period": ["year_to_date"]}) == ({"period_preset": "year_to_date"}, [])


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"period": ["last_fortnight"]}, 'Period "last_fortnight" is neither a preset nor dates'),
        ({"period": ["2025-12-31..2025-01-01"]}, 'Period "2025-12-31..2025-01-01" is neither'),
        ({"period": ["2025-02-30..2025-03-01"]}, "is neither a preset"),
        ({"period": ["2020-01-01..2020-12-31"]}, "lies outside the data (2024-11-01 to 2026-11-22)"),
        ({"compare": ["lastyear"]}, 'Comparison "lastyear" is not one of previous, year, none.'),
        ({"cac": ["<script>"]}, 'CAC variant "<script>" is not one of marketing, paid, with_sales_cost.'),
        ({"margin": ["0"]}, 'Margin "0" is not a number from 1 to 100.'),
        ({"margin": ["nan"]}, "Margin"),
        ({"margin": ["inf"]}, "Margin"),
        ({"ltv_months": ["6.5"]}, 'Ltv months "6.5" is not a number from 1 to 120.'),
        ({"sales_cost": ["-1"]}, "Sales cost"),
        ({"benchmarks": ["hide"]}, 'Benchmarks "hide" is not one of on, off.'),
    ],
)
def test_an_invalid_parameter_keeps_the_default_and_says_why(params, notice):
    values, notices = _read(params)
    assert values == {}
    assert len(notices) == 1
    assert notice in notices[0]


def test_dates_reaching_outside_the_data_are_cut_to_it_with_a_notice():
    values, notices = _read({"period": ["2024-10-01..2024-11-30"]})
    assert values == {"period_preset": "custom", "period_custom": (date(2024, 11, 1), date(2024, 11, 30))}
    assert notices == ["Period 2024-10-01..2024-11-30 was cut to the data's dates: 2024-11-01..2024-11-30."]


def test_filter_values_absent_from_the_data_are_dropped_one_by_one():
    values, notices = _read({"channel": ["Email", "Fax", "Email"], "source": ["google"]})
    assert values == {"filter_channel": ["Email"], "filter_source": []}
    assert notices == ['Channel "Fax" is not in this data.', 'Source "google" is not in this data.']


# The app: a link opens its view; choices are written back to the address.


def test_a_link_opens_the_view_it_names(app_test):
    app = app_test()
    app.query_params.update(
        {"period": "2025-11-14..2025-12-31", "compare": "year", "channel": ["Email", "Paid Search"], "margin": "40"}
    )
    app.run()
    assert not app.exception
    view = app.session_state["view"]
    assert view.period == Period(date(2025, 11, 14), date(2025, 12, 31))
    assert view.comparison == "year"
    assert view.filter_map == {"channel": ("Email", "Paid Search")}
    assert view.settings.margin == pytest.approx(0.40)
    assert not app.sidebar.warning
    assert app.sidebar.multiselect(key="filter_channel").value == ["Email", "Paid Search"]


def test_the_address_follows_the_choices(app_test):
    app = app_test().run()
    assert dict(app.query_params) == {}
    app.sidebar.selectbox(key="period_preset").set_value("last_90_days").run()
    app.sidebar.multiselect(key="filter_channel").set_value(["Organic Search", "Email"]).run()
    assert app.query_params["period"] == "last_90_days"
    assert app.query_params["channel"] == ["Organic Search", "Email"]
    app.sidebar.multiselect(key="filter_channel").set_value([]).run()
    assert "channel" not in app.query_params


def test_a_broken_link_falls_back_to_defaults_with_a_notice(app_test):
    app = app_test()
    app.query_params.update({"period": "yesterday-ish", "channel": ["Email", "<img src=x onerror=alert(1)>"]})
    app.run()
    assert not app.exception
    view = app.session_state["view"]
    assert view.filter_map == {"channel": ("Email",)}
    assert app.sidebar.selectbox(key="period_preset").value == "last_30_days"
    [warning] = app.sidebar.warning
    assert "yesterday" in warning.value
    assert "\\<img src=x onerror=alert\\(1\\)\\>" in warning.value  # escaped: shown as text
    app.sidebar.button(key="dismiss_link_notices").click().run()
    assert not app.sidebar.warning


def test_the_copy_link_box_holds_this_views_link(app_test):
    # AppTest has no browser address, so the link is the query alone; the browser test checks the full one
    app = app_test().run()
    app.sidebar.selectbox(key="period_preset").set_value("last_90_days").run()
    app.sidebar.multiselect(key="filter_channel").set_value(["Paid Search", "Email"]).run()
    app.sidebar.toggle(key="show_benchmarks").set_value(False).run()
    [box] = app.sidebar.code
    assert box.value == "?period=last_90_days&channel=Paid+Search&channel=Email&benchmarks=off"
    assert app.session_state["view"].show_benchmarks is False
    # that query opens the same view in a new session
    again = app_test()
    again.query_params.update(dict(app.query_params))
    again.run()
    assert again.session_state["view"] == app.session_state["view"]
