"""AppTest of the *Leads and sales team* page: every section on the demo data, the empty states on
data sets missing each optional table (each naming the export that unlocks it), sidebar filters the
data cannot answer or that leave nothing, and the real Olist marketing funnel."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import narwhals as nw
import polars as pl
import pytest

from kpi_app.ui import UNLOCKS
from tests.conftest import card_notes, with_tables

PAGE = "pages/leads.py"
SECTIONS = ["Leads and pipeline", "Lead time", "Where leads come from", "Sales team", "Customer satisfaction (NPS)"]
CARDS = [
    "Leads",
    "Marketing-qualified leads",
    "Sales-qualified leads",
    "Won deals",
    "Sales conversion rate",
    "MQL → SQL rate",
    "Win rate",
    "Lead time",
]
NPS_CARDS = [
    "Net Promoter Score",
    "NPS answers",
    "NPS margin of error (95%)",
    "Promoters (9–10)",
    "Passives (7–8)",
    "Detractors (0–6)",
]
REPS = {"Anna Keller", "Ben Novak", "Clara Dubois", "David Jansen", "Elif Yilmaz"}  # the demo's sales team
CRM = "a HubSpot, Zoho or other CRM export (or a canonical leads table) on the Data page"
SURVEY = "survey answers (a canonical nps table: responded_at, score) on the Data page"
WEB = "a GA4, Shopify sessions or Search Console export (or a canonical traffic table) on the Data page"


def _text(elements) -> str:
    """Every element's text, markdown escapes removed."""
    return "\n".join(str(element.value).replace("\\", "") for element in elements)


def _open(app):
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    assert not app.error
    return app


def _labels(app) -> list[str]:
    return [metric.label for metric in app.metric]


def _value(app, label: str) -> str:
    return next(metric.value for metric in app.metric if metric.label == label)


def _table(app, column: str):
    """The one table of the page with this column (raw column ids, as the page sends them)."""
    [found] = [frame for frame in app.dataframe if column in frame.value.columns]
    return found


def test_leads_page_on_the_demo_data(app_test):
    app = _open(app_test())
    assert [header.value for header in app.subheader] == SECTIONS
    assert _labels(app) == CARDS + NPS_CARDS
    assert not app.info, _text(app.info)
    assert not app.warning, _text(app.warning)  # ≥ 30 answers in the last 30 days of the demo
    # lead time, landing pages, channels, sales reps, NPS by channel
    assert len(app.get("plotly_chart")) == 5
    tables = [frame.value for frame in app.dataframe]
    assert len(tables) == 5
    # every table has its CSV download
    assert len(app.get("download_button")) == 5
    captions = _text(app.caption)
    assert "deals won in the period · median" in captions
    assert "created in the period" in captions
    assert "are still open" in captions
    assert "1.96 × 100 × √((p + d − (p − d)²) / n)" in captions


def test_every_table_column_carries_its_formula(app_test):
    app = _open(app_test())
    for frame in app.dataframe:
        config = json.loads(frame.proto.columns)
        numbers = [name for name in frame.value.columns if name not in ("group", "thin")]
        assert numbers
        assert all(config[name].get("help") for name in numbers), (frame.value.columns, config)


def test_the_rep_table_and_the_cards_agree(app_test):
    app = _open(app_test())
    team = _table(app, "avg_deal_value").value
    assert set(team["group"]) == REPS
    assert list(team.columns) == [
        "group",
        "leads",
        "won_deals",
        "win_rate",
        "sales_conversion_rate",
        "lead_time_days",
        "deal_value",
        "avg_deal_value",
    ]
    # every demo lead has an owner, so the reps add up to the cards
    assert team["won_deals"].sum() == int(_value(app, "Won deals"))
    assert team["leads"].sum() == int(_value(app, "Leads").replace(",", ""))
    assert (team["won_deals"].diff().dropna() <= 0).all()  # most won deals first
    assert (team["win_rate"].dropna().between(0, 100)).all()  # shown in percent
    # the rep chart switches to deal value
    app.button_group(key="leads_team_kpi").set_value("deal_value").run()
    assert not app.exception


def test_the_nps_table_leaves_the_shares_to_the_chart(app_test):
    app = _open(app_test())
    nps = _table(app, "nps_moe").value
    assert list(nps.columns) == [
        "group",
        "nps",
        "nps_moe",
        "nps_responses",
        "thin",
        "promoters",
        "passives",
        "detractors",
    ]
    # each channel's answers split into promoters, passives and detractors
    assert (nps["promoters"] + nps["passives"] + nps["detractors"] == nps["nps_responses"]).all()
    assert (nps["thin"] == (nps["nps_responses"] < 30)).all()


def test_leads_page_without_leads(app_test, demo_tables):
    app = _open(with_tables(app_test(), replace(demo_tables, leads=None)))
    assert [header.value for header in app.subheader] == SECTIONS
    infos = _text(app.info)
    assert f"{UNLOCKS['leads']}." in infos  # the pipeline section
    assert f"Lead time: upload {CRM}." in infos
    assert f"Sales team: upload {CRM}." in infos
    # meanwhile the web analytics' lead-form submissions: cards, landing pages and channels
    assert _labels(app)[:3] == ["Leads", "Lead conversion rate", "Landing page conversion rate"]
    frames = [frame.value for frame in app.dataframe]
    assert any("traffic_leads" in frame.columns for frame in frames)
    assert "Without a leads table, the web analytics' lead-form submissions per channel." in _text(app.caption)
    assert "Net Promoter Score" in _labels(app)


def test_leads_page_without_nps(app_test, demo_tables):
    app = _open(with_tables(app_test(), replace(demo_tables, nps=None)))
    assert _text(app.info) == f"NPS: upload {SURVEY}."
    assert _labels(app) == CARDS
    assert len(app.dataframe) == 4  # leads' landing pages, web landing pages, channels, reps


def test_leads_page_without_traffic(app_test, demo_tables):
    app = _open(with_tables(app_test(), replace(demo_tables, traffic=None)))
    assert _text(app.info) == f"Lead-form conversion per landing page: upload {WEB}."
    assert _labels(app) == CARDS + NPS_CARDS
    assert len(app.dataframe) == 4  # leads' landing pages, channels, reps, NPS


def test_leads_page_without_orders(app_test, demo_tables):
    app = _open(with_tables(app_test(), replace(demo_tables, orders=None, spend=None)))
    assert not app.info, _text(app.info)  # the page needs neither orders nor spend
    assert _labels(app) == CARDS + NPS_CARDS
    assert len(app.dataframe) == 5


def test_leads_page_with_nothing_at_all(app_test, demo_tables):
    empty = replace(demo_tables, orders=None, traffic=None, spend=None, leads=None, nps=None)
    app = _open(with_tables(app_test(), empty))
    assert "The data set has no dated rows yet" in _text(app.info)


def test_leads_page_without_owner_lost_and_deal_values(app_test, demo_tables):
    leads = demo_tables.leads.drop("owner", "lost_at", "deal_value")
    app = _open(with_tables(app_test(), replace(demo_tables, leads=leads)))
    assert "The export has no owner / sales rep column" in _text(app.info)
    assert card_notes(app)["Win rate"] == ["leads have no lost_at column"]
    captions = _text(app.caption)
    assert "Not in this data: Win rate (leads have no lost_at column)" in captions  # the channel table
    assert "there is no lost_at column to tell lost from open leads" in captions


def test_leads_page_with_everything_filtered_out(app_test, demo_tables):
    keep = (nw.col("channel") != "Referral").fill_null(value=True)
    tables = replace(
        demo_tables,
        leads=demo_tables.leads.filter(keep),
        nps=demo_tables.nps.filter(keep),
        traffic=demo_tables.traffic.filter(keep),
    )  # Referral stays in the orders, so the sidebar still offers it
    app = _open(with_tables(app_test(), tables))
    app.multiselect(key="filter_channel").set_value(["Referral"]).run()
    assert not app.exception
    assert [header.value for header in app.subheader] == SECTIONS
    infos = _text(app.info)
    assert "No deals were won in the period: there is no lead time to show." in infos
    assert "No leads were created in the period." in infos
    assert "No web sessions in the period." in infos
    assert infos.count("No leads were created, won or lost in the period.") == 2  # channels, sales team
    assert "No survey answers in the period." in infos
    assert _value(app, "Leads") == "0"
    assert not app.dataframe
    assert not app.get("plotly_chart")


def test_leads_page_with_a_filter_the_survey_cannot_answer(app_test):
    app = _open(app_test())
    source = app.multiselect(key="filter_source")
    source.set_value([source.options[0]]).run()
    assert not app.exception
    infos = _text(app.info)
    assert "NPS: NPS answers have no source column. Clear the filter that this data cannot answer." in infos


def test_leads_page_warns_when_the_answers_are_thin(app_test, demo_tables):
    few = demo_tables.nps.filter(nw.col("channel") == "Referral")
    app = _open(with_tables(app_test(), replace(demo_tables, nps=few)))
    assert "Fewer than 30 answers in the period" in _text(app.warning)


OLIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "olist-marketing-funnel"


def test_leads_page_on_the_olist_marketing_funnel(app_test):
    files = [OLIST / "olist_marketing_qualified_leads_dataset.csv", OLIST / "olist_closed_deals_dataset.csv"]
    if not all(path.exists() for path in files):
        pytest.skip(f"Olist marketing funnel not found at {OLIST}")
    from kpi.ingest.pipeline import ingest

    # oracle from the raw files: "All data" spans the first contacts and the deals won after them
    # (the last deal is won months after the last first contact), so every won deal counts
    mql = pl.read_csv(files[0], infer_schema=False).select("mql_id", pl.col("first_contact_date").str.to_date())
    deals = pl.read_csv(files[1], infer_schema=False).select(
        "mql_id", pl.col("won_date").str.to_datetime("%Y-%m-%d %H:%M:%S").dt.date()
    )
    won = deals.join(mql, on="mql_id")
    assert won["won_date"].max() > mql["first_contact_date"].max()

    tables = ingest([(path.name, path.read_bytes()) for path in files]).tables
    app = with_tables(app_test(), tables, name="Olist")
    app.run()
    app.selectbox(key="period_preset").set_value("all_data").run()
    app.switch_page(PAGE).run()
    assert not app.exception
    assert _value(app, "Leads") == f"{mql.height:,}" == "8,000"
    assert _value(app, "Won deals") == f"{won.height:,}" == "842"
    assert _value(app, "Sales conversion rate") == f"{won.height / mql.height:.1%}" == "10.5%"  # 842 / 8,000
    assert f"{won.height} have been won so far and {mql.height - won.height:,} not (yet)" in _text(app.caption)
    assert card_notes(app)["Win rate"] == ["leads have no lost_at column"]
    infos = _text(app.info)
    assert f"NPS: upload {SURVEY}." in infos
    assert f"Lead-form conversion per landing page: upload {WEB}." in infos
