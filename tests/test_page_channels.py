"""AppTest of the Channels page: every section on the demo data, and the empty states on data
without traffic, traffic without devices, no spend, no offline rows, and with sidebar filters that
leave a section nothing to compare."""

from __future__ import annotations

from dataclasses import replace

import narwhals as nw
import pytest

from tests.conftest import with_tables

PAGE = "pages/channels.py"
SECTIONS = [
    "Conversion by device",
    "Why the conversion rate changed",
    "Social platforms",
    "Organic search over time",
    "Online vs offline channels",
    "Every KPI per channel",
]


def _text(elements) -> str:
    """Every element's text, markdown escapes removed."""
    return "\n".join(str(element.value).replace("\\", "") for element in elements)


def _open(app):
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    assert not app.error
    return app


def test_channels_page_on_the_demo_data(app_test):
    app = _open(app_test())
    assert [header.value for header in app.subheader] == SECTIONS
    markdown = _text(app.markdown)
    # demo: mobile converts at less than half the desktop rate (README, "The demo data")
    assert "Mobile converts at" in markdown
    assert "less than half of desktop's" in markdown
    assert "Organic search share went from" in markdown or "Organic search share ended where it started" in markdown
    assert not app.info, _text(app.info)
    # device, mix shift, social, organic (in an expander) and every-KPI tables; online vs offline is a table
    assert len(app.dataframe) == 5
    assert len(app.table) == 1
    devices = app.dataframe[0].value
    assert list(devices["device"]) == ["mobile", "desktop", "tablet"]
    social = app.dataframe[2].value
    assert {"facebook", "instagram", "tiktok", "linkedin"} <= set(social["platform"])
    every = app.dataframe[-1].value
    assert "Offline" in set(every["group"])
    offline = _text(app.table)
    assert "offline channels have no web sessions" in offline


def test_channels_page_follows_the_comparison_and_kpi_groups(app_test):
    app = _open(app_test())
    assert "compare_conversion_rate" in app.dataframe[0].value.columns
    app.selectbox(key="comparison").set_value("none").run()
    assert not app.exception
    assert "compare_conversion_rate" not in app.dataframe[0].value.columns
    app.button_group(key="channels_groups").set_value(["advertising"]).run()
    assert not app.exception
    columns = list(app.dataframe[-1].value.columns)
    assert columns[0] == "group"
    assert "spend" in columns
    assert "sessions" not in columns


def test_channels_page_without_traffic(app_test, demo_tables):
    app = _open(with_tables(app_test(), replace(demo_tables, traffic=None)))
    infos = _text(app.info)
    # the device and organic sections both point to the export that unlocks them
    assert infos.count("Upload a GA4 or Shopify sessions export on the Data page") == 2
    assert [header.value for header in app.subheader] == SECTIONS


def test_channels_page_with_survey_answers_only(app_test, demo_tables):
    tables = replace(demo_tables, orders=None, traffic=None, spend=None, leads=None)
    app = _open(with_tables(app_test(), tables))
    infos = _text(app.info)
    assert "Social platforms need web sessions or orders. Upload a GA4 or Shopify sessions export" in infos
    # the table per channel keeps the NPS and groups what it cannot show by reason, each reason once
    captions = _text(app.caption)
    assert "no traffic data: Sessions, Users" in captions
    assert captions.count("no orders data") == 1


def test_channels_page_with_traffic_without_device(app_test, demo_tables):
    tables = replace(demo_tables, traffic=demo_tables.traffic.drop("device"))
    app = _open(with_tables(app_test(), tables))
    infos = _text(app.info)
    assert "your traffic has no device column (GA4: add the Device category dimension)" in infos
    assert "Organic search share" in _text(app.markdown)  # the other sections still work


def test_channels_page_without_spend(app_test, demo_tables):
    app = _open(with_tables(app_test(), replace(demo_tables, spend=None)))
    infos = _text(app.info)
    assert "ROAS per platform is unavailable: no spend data" in infos
    social = app.dataframe[2].value
    assert social["roas"].isna().all()
    assert "Return on ad spend: no spend data" in _text(app.caption)


def test_channels_page_without_offline_rows(app_test, demo_tables):
    online = nw.col("channel") != "Offline"
    tables = replace(
        demo_tables,
        orders=demo_tables.orders.filter(online.fill_null(value=True)),
        spend=demo_tables.spend.filter(online.fill_null(value=True)),
    )
    app = _open(with_tables(app_test(), tables))
    assert "no offline (store, phone, events) orders or spend in the data" in _text(app.info)
    assert not app.table


def test_channels_page_without_social_channels(app_test, demo_tables):
    social = nw.col("channel").is_in(["Paid Social", "Organic Social"]).fill_null(value=False)
    tables = replace(
        demo_tables,
        **{name: demo_tables.get(name).filter(~social) for name in ("orders", "traffic", "spend", "leads")},
    )
    app = _open(with_tables(app_test(), tables))
    assert "No social channel (Paid Social, Organic Social)" in _text(app.info)


@pytest.mark.parametrize(
    ("dimension", "values", "message"),
    [
        ("device", ["mobile"], "Your device filter keeps only mobile"),
        ("channel", ["Email"], "leaves out Paid Social and Organic Social"),
        ("channel", ["Email"], "leaves out Organic Search"),
        ("channel", ["Email"], "keeps only online channels"),
        ("channel", ["Offline"], "keeps only Offline"),
    ],
)
def test_channels_page_says_when_a_filter_leaves_a_section_nothing(app_test, dimension, values, message):
    app = _open(app_test())
    app.multiselect(key=f"filter_{dimension}").set_value(values).run()
    assert not app.exception
    assert message in _text(app.info)


def test_channels_page_with_only_organic_search(app_test):
    app = _open(app_test())
    app.multiselect(key="filter_channel").set_value(["Organic Search"]).run()
    assert not app.exception
    assert "100% by construction" in _text(app.caption)
    assert "Organic conversion rate" in _text(app.markdown)


def test_the_conversion_change_is_split_into_mix_and_rates(app_test):
    from kpi import breakdown
    from kpi.uncertainty import breakdown_mix_shift
    from kpi_app.channels_view import mix_sentence

    app = _open(app_test())
    view, tables = app.session_state["view"], app.session_state["dataset"].tables
    for by in ("device", "channel"):
        app.segmented_control(key="mix_by").set_value(by).run()
        now = breakdown(tables, view.period, by=by, kpis=["conversion_rate"])
        before = breakdown(tables, view.compare_period, by=by, kpis=["conversion_rate"])
        shift = breakdown_mix_shift(now, before)
        assert abs(shift.mix_effect + shift.rate_effect - shift.change) < 1e-12
        assert mix_sentence(shift, by) in _text(app.markdown)
        assert f"from the {by} mix" in mix_sentence(shift, by)
    app.sidebar.selectbox(key="comparison").set_value("none").run()
    assert "Pick a comparison in the sidebar to split the conversion rate's change." in _text(app.info)
