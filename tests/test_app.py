"""AppTest: every page opens on the demo data with no exception, the cards follow the registry,
and the sidebar filters change what they show."""

from __future__ import annotations

import dataclasses

import pytest

from kpi import KPIS as KPIS_BY_ID
from kpi import REGISTRY
from kpi.periods import PRESET_LABELS
from kpi.registry import GROUP_LABELS, kpis_in_group
from tests.conftest import card_notes, with_tables

PAGES = (
    "pages/overview.py",
    "pages/funnels.py",
    "pages/ltv.py",
    "pages/channels.py",
    "pages/retention.py",
    "pages/leads.py",
    "pages/goals.py",
    "pages/data.py",
    "pages/definitions.py",
)


def _metrics(app) -> dict:
    return {metric.label: metric for metric in app.metric}


def test_overview_opens_on_the_demo_data_with_every_card(app_test):
    app = app_test().run()
    assert not app.exception
    expected = [kpi.label for group in GROUP_LABELS for kpi in kpis_in_group(group)]
    assert len(expected) == len(REGISTRY)
    # the cards, then the forecast's figures for the month the data ends in (22 Nov 2026)
    assert [metric.label for metric in app.metric] == [*expected, "So far", "Projected for 1 Nov 2026 – 30 Nov 2026"]


def test_cards_show_formatted_values_and_deltas(app_test):
    values = _metrics(app_test().run())
    assert values["Net revenue"].value.startswith("€")
    assert values["Conversion rate"].value.endswith("%")
    assert values["Conversion rate"].delta.endswith("pp")
    assert values["Sessions"].delta.endswith("%")
    assert values["Net Promoter Score"].delta.endswith("pts")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_without_exception(app_test, page):
    app = app_test().run()
    app.switch_page(page).run()
    assert not app.exception
    assert not app.error
    assert app.sidebar.multiselect, "the shared sidebar is rendered on every page"


ANALYSIS_PAGES = PAGES[:6]
OPTIONAL_TABLES = ("orders", "traffic", "spend", "leads", "nps")


@pytest.mark.parametrize("missing", OPTIONAL_TABLES)
@pytest.mark.parametrize("page", ANALYSIS_PAGES)
def test_every_analysis_page_without_each_table(app_test, demo_tables, page, missing):
    # a user's data set lacking one table: the page still renders, raises nothing, shows no error box,
    # and where it needed that table it says which export would fill it
    tables = dataclasses.replace(demo_tables, **{missing: None})
    app = with_tables(app_test(), tables).run()
    app.switch_page(page).run()
    assert not app.exception
    assert not app.error
    assert app.title, "the page rendered"


@pytest.mark.parametrize("page", ANALYSIS_PAGES)
def test_every_analysis_page_on_a_single_table(app_test, demo_tables, page):
    # only NPS answers: every page that needs more says so in an info box instead of a blank page
    only_nps = dataclasses.replace(demo_tables, orders=None, traffic=None, spend=None, leads=None)
    app = with_tables(app_test(), only_nps).run()
    app.switch_page(page).run()
    assert not app.exception
    assert not app.error
    if page not in ("pages/leads.py", "pages/overview.py"):  # these two show the NPS section
        assert any("Data page" in info.value for info in app.info)


def test_channel_filter_changes_the_cards(app_test):
    app = app_test().run()
    before = {label: metric.value for label, metric in _metrics(app).items()}
    app.multiselect(key="filter_channel").set_value(["Paid Search"]).run()
    after = {label: metric.value for label, metric in _metrics(app).items()}
    assert not app.exception
    assert after["Sessions"] != before["Sessions"]
    assert after["Organic search share"] == "0.0%"


def test_device_filter_makes_spend_kpis_unavailable_with_the_reason(app_test):
    app = app_test().run()
    app.multiselect(key="filter_device").set_value(["mobile"]).run()
    cards = _metrics(app)
    assert "Ad spend" not in cards  # every advertising KPI needs spend: one message for the group
    assert any("Advertising: spend has no device column" in info.value.replace("\\", "") for info in app.info)
    assert cards["Customer acquisition cost"].delta == "unavailable"
    assert card_notes(app)["Customer acquisition cost"] == ["spend has no device column"]
    assert cards["Sessions"].value not in ("", "—", None)


def test_custom_period_and_no_comparison(app_test):
    app = app_test().run()
    app.selectbox(key="period_preset").set_value("custom").run()
    app.selectbox(key="comparison").set_value("none").run()
    assert not app.exception
    assert app.date_input(key="period_custom")
    assert _metrics(app)["Sessions"].delta in (None, "")


def test_every_preset_renders(app_test):
    app = app_test().run()
    for preset in PRESET_LABELS:
        app.selectbox(key="period_preset").set_value(preset).run()
        assert not app.exception, preset
        labels = [metric.label for metric in app.metric]
        assert labels[: len(REGISTRY)] == [kpi.label for group in GROUP_LABELS for kpi in kpis_in_group(group)], preset
        assert labels[len(REGISTRY)] == "So far", preset  # then the forecast of the month the data ends in


def test_gross_margin_setting_changes_romi_and_ltv(app_test):
    app = app_test().run()
    before = _metrics(app)
    app.number_input(key="margin_pct").set_value(40.0).run()
    after = _metrics(app)
    assert after["Return on marketing investment"].value != before["Return on marketing investment"].value
    assert after["Customer lifetime value"].value != before["Customer lifetime value"].value
    assert after["Net revenue"].value == before["Net revenue"].value


def test_the_parse_cache_is_keyed_on_content_never_on_the_file_name():
    from kpi_app.data import parse_upload

    first = parse_upload(b"date,sessions\n2024-11-03,5\n", "traffic.csv")[0].loaded
    second = parse_upload(b"date,sessions\n2024-11-03,7\n", "traffic.csv")[0].loaded
    renamed = parse_upload(b"date,sessions\n2024-11-03,5\n", "other.csv")[0].loaded
    assert first.frame["sessions"].to_list() == [5]
    assert second.frame["sessions"].to_list() == [7]
    assert (renamed.source, renamed.digest) == ("other.csv", first.digest)


def test_a_comparison_outside_the_data_is_flagged(app_test):
    app = app_test().run()
    assert not any("before the data" in caption.value for caption in app.caption)
    app.selectbox(key="period_preset").set_value("all_data").run()
    assert any(
        "The comparison period" in caption.value and "wholly before the data" in caption.value
        for caption in app.caption
    )
    assert _metrics(app)["Sessions"].delta == "up from 0"
    assert _metrics(app)["Pages per session"].delta == "no comparison"
    interval, note = card_notes(app)["Pages per session"]
    assert note == "Comparison: no sessions in the comparison period"
    assert interval.startswith("95%: ")
    assert "change" not in interval


def test_with_sign_in_configured_a_visitor_sees_only_the_log_in_button(app_test):
    app = app_test()
    app.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-secret",
        "client_id": "id",
        "client_secret": "secret",
        "server_metadata_url": "https://accounts.example/.well-known/openid-configuration",
    }
    app.run()
    assert not app.exception
    assert [button.label for button in app.button] == ["Log in"]
    assert not app.metric
    assert not app.sidebar.multiselect
    assert "dataset" not in app.session_state


def test_without_sign_in_configured_the_app_is_open(app_test):
    app = app_test().run()
    assert "Log in" not in [button.label for button in app.button]
    assert app.metric


def test_rate_cards_carry_their_interval_and_say_whether_the_change_is_real(app_test):
    from kpi import breakdown, compute
    from kpi.formats import format_interval
    from kpi.uncertainty import assess
    from kpi_app.data import build_dataset, demo_files

    app = app_test().run()
    view = app.session_state["view"]
    tables = build_dataset("demo", demo_files()).tables
    report = compute(tables, view.period, comparison=view.comparison)
    days = breakdown(tables, view.period, by="date")
    compare_days = breakdown(tables, view.compare_period, by="date")
    notes, metrics = card_notes(app), _metrics(app)
    seen = {"real": 0, "noise": 0}
    for kpi in REGISTRY:
        trust = assess(report[kpi.id], days.parts(kpi.id), compare_days.parts(kpi.id))
        card = metrics[kpi.label]
        if trust is None:
            assert not any(note.startswith("95%") for note in notes[kpi.label]), kpi.id
            continue
        line = notes[kpi.label][0]
        if trust.interval is None:
            assert line.startswith("no interval"), kpi.id
            continue
        expected = format_interval(trust.interval.low, trust.interval.high, kpi.format, currency=report.currency)
        assert line.startswith(f"95%: {expected}"), (kpi.id, line)
        if trust.change is None or card.delta in (None, "", "no comparison") or card.delta[:1] not in "+-":
            continue
        if trust.change.is_real:
            seen["real"] += 1
            assert "· a real change" in line, kpi.id
            assert "not a real change" not in card.proto.delta_description, kpi.id
        else:
            seen["noise"] += 1
            assert "· not a real change" in line, kpi.id
            assert card.proto.delta_description == "not a real change", kpi.id
            assert card.color == 2, kpi.id  # grey, whatever the direction
    assert seen["real"] >= 3
    assert seen["noise"] >= 3


def test_benchmark_bands_are_context_on_their_cards_and_switch_off(app_test):
    from kpi.benchmarks import BENCHMARKS

    app = app_test().run()
    view = app.session_state["view"]
    notes = card_notes(app)
    ratio = next(metric for metric in app.metric if metric.label == "LTV : CAC").value  # e.g. "2.05×"
    assert f":material/straighten: Benchmark: rule of thumb: 3 or more; {ratio} is below it" in notes["LTV : CAC"]
    cards_with_a_band = {label for label, lines in notes.items() if any("Benchmark:" in line for line in lines)}
    assert cards_with_a_band == {KPIS_BY_ID[kpi_id].label for kpi_id in BENCHMARKS}
    assert view.show_benchmarks
    app.sidebar.toggle(key="show_benchmarks").set_value(False).run()
    assert not any("Benchmark:" in line for lines in card_notes(app).values() for line in lines)


def test_the_definitions_page_offers_the_definitions_as_csv(app_test):
    app = app_test().run()
    app.switch_page("pages/definitions.py").run()
    assert not app.exception
    assert [button.label for button in app.get("download_button")] == ["Download the definitions (CSV)"]
