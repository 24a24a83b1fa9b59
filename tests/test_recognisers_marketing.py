"""Recognisers of marketing exports: GA4, Google Ads, Meta Ads, Search Console, Mailchimp, Shopify
reports.

Every fixture below is invented: it reproduces the headers and quirks of the real exports described
in ``../shared/data/README.md`` (preambles, ``#`` comments, total rows, ``" --"``, localised headers,
decimal commas, UTF-16) with made-up numbers. The real samples are only read, when present, by the
tests at the end (skipped on a fresh clone)."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from kpi.ingest.containers import read_tables
from kpi.ingest.pipeline import Ingested, TableResult, ingest
from kpi.ingest.recognisers import RECOGNISERS as ALL_RECOGNISERS
from kpi.ingest.recognisers import marketing
from kpi.ingest.recognisers.canonical import Canonical

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def run(name: str, data: bytes) -> Ingested:
    return ingest([(name, data)])


def one(name: str, data: bytes, status: str = "loaded") -> TableResult:
    [result] = run(name, data).results
    assert result.status == status, (result.status, result.message)
    return result


def frame_of(result: TableResult) -> pl.DataFrame:
    assert result.loaded is not None
    return result.loaded.frame


def codes(result: TableResult) -> set[str]:
    assert result.loaded is not None
    return {issue.code for issue in result.loaded.issues}


def issue(result: TableResult, code: str):
    assert result.loaded is not None
    return next(item for item in result.loaded.issues if item.code == code)


def by(frame: pl.DataFrame, key: str, value: str) -> dict:
    return dict(frame.group_by(key).agg(pl.col(value).sum()).sort(key).rows())


# --- GA4 ----------------------------------------------------------------------------------------

GA4_TRAFFIC = b"""# ----------------------------------------
# Traffic acquisition: Session primary channel group (Default Channel Group)
# Account: Example Garden Shop
# Property: Example Garden Shop
# ----------------------------------------
#\x20\x20
# Start date: 20260301
# End date: 20260302
Date,Session primary channel group (Default Channel Group),Sessions,Engaged sessions,Engagement rate,\
Average engagement time per session,Events per session,Event count,Key events,Total revenue
20260301,Direct,120,80,0.6666666666666666,45.5,5.2,624,3,150.5
20260301,Organic Search,90,60,0.6666666666666666,60,6.1,549,2,99
20260302,Direct,100,70,0.7,40,5,500,1,20
20260302,Paid Search,30,12,0.4,12.25,3,90,0,0
"""

GA4_OLD_LABELS = b"""# Start date: 20260101
# End date: 20260131
Session default channel group,Users,Sessions,Engaged sessions per user,Engagement rate,Key events,Event count
Direct,900,1200,0.9,74.6%,12,5000
Email,80,100,0.8,50%,1,300
"""

GA4_SOURCE_MEDIUM = b"""# Start date: 20260201
# End date: 20260228
Session source / medium,Date,Device category,Sessions,Bounce rate,Views,Key events (generate_lead)
google / organic,20260203,mobile,50,0.4,120,2
(direct) / (none),20260203,desktop,30,0.5,60,1
"""

GA4_NO_DATES = b"""Session source / medium,Sessions,Active users
google / organic,50,40
(direct) / (none),30,25
"""

GA4_PAGES = b"""# Start date: 20260301
# End date: 20260331
Page title and screen class,Views,Active users,Event count
Home | Example Garden Shop,500,300,2000
"Hoses, reels & more | Example Garden Shop",120,90,400
"""

GA4_SNAPSHOT = b"""# ----------------------------------------\r
# Reports snapshot\r
# Account: Example Garden Shop\r
# Property: Example Garden Shop\r
# ----------------------------------------\r
#  \r
# Start date: 20260301\r
# End date: 20260307\r
Nth day,Active users\r
0000,40\r
0001,42\r
\r
# Where do your new users come from?\r
# Start date: 20260301\r
# End date: 20260307\r
First user primary channel group (Default Channel Group),New users\r
Direct,30\r
Organic Search,20\r
\r
#  \r
# Start date: 20260301\r
# End date: 20260307\r
Session primary channel group (Default Channel Group),Sessions\r
Direct,210\r
Organic Search,150\r
Email,40\r
Unassigned,5\r
\r
# How well do you retain your users?\r
# Start date: 20260215\r
# End date: 20260307\r
Date,Week 0,Week 1,Week 2\r
Feb 15 - Feb 21,60,5,2\r
Feb 22 - Feb 28,55,4,-1\r
Mar 1 - Mar 7,50,-1,-1\r
\r
# Start date: 20260301\r
# End date: 20260307\r
Page title and screen class,Views\r
"Home | Example Garden Shop",300\r
"Hoses, reels & more | Example ""Garden"" Shop",80\r
"""


def test_ga4_traffic_acquisition_with_dates():
    result = one("ga4_traffic.csv", GA4_TRAFFIC)
    assert (result.recogniser, result.table) == ("GA4 traffic acquisition report", "traffic")
    frame = frame_of(result)
    assert frame["sessions"].sum() == 340
    assert frame["engaged_sessions"].sum() == 222
    assert frame["session_duration_s"].sum() == pytest.approx(45.5 * 120 + 60 * 90 + 40 * 100 + 12.25 * 30)
    assert by(frame, "date", "sessions") == {date(2026, 3, 1): 210, date(2026, 3, 2): 130}
    assert by(frame, "channel", "sessions") == {"Direct": 220, "Organic Search": 90, "Paid Search": 30}
    assert "leads" not in frame.columns
    assert "purchase_sessions" not in frame.columns
    left_out = issue(result, "left_out")
    assert "Key events" in left_out.message
    assert "Total revenue" in left_out.message
    assert "engagement time" in issue(result, "derived_column").message


def test_ga4_old_labels_without_a_date_column_go_on_the_first_day():
    result = one("ga4_acquisition.csv", GA4_OLD_LABELS)
    frame = frame_of(result)
    assert frame["date"].unique().to_list() == [date(2026, 1, 1)]
    assert frame["sessions"].sum() == 1300
    assert frame["users"].sum() == 980
    assert frame["engaged_sessions"].to_list() == [895, 50]  # 74.6% × 1200, 50% × 100
    note = issue(result, "period_on_first_day")
    assert note.severity == "info"
    assert "2026-01-01 – 2026-01-31 (31 days)" in note.message
    assert "placed on its first day, 2026-01-01" in note.message


def test_ga4_source_medium_device_bounce_rate_and_lead_events():
    result = one("ga4_source_medium.csv", GA4_SOURCE_MEDIUM)
    assert result.recogniser == "GA4 report"
    frame = frame_of(result)
    assert frame.select("source", "medium", "device").rows() == [
        ("google", "organic", "mobile"),
        ("(direct)", "(none)", "desktop"),
    ]
    assert frame["engaged_sessions"].to_list() == [30, 15]  # (1 − bounce rate) × sessions
    assert frame["pageviews"].sum() == 180
    assert frame["leads"].sum() == 3
    assert "bounce rate" in issue(result, "derived_column").message
    assert "generate_lead" in issue(result, "leads_from_events").message


def test_ga4_unreadable_rates_leave_the_derived_value_empty_with_a_warning():
    data = b"# Start date: 20260101\n# End date: 20260101\nSession default channel group,Sessions,Engagement rate\n"
    data += b"Direct,100,0.5\nEmail,10,#DIV/0!\n"
    result = one("ga4_bad_rate.csv", data)
    assert frame_of(result)["engaged_sessions"].to_list() == [50, None]
    warning = issue(result, "unparseable_value")
    assert (warning.column, warning.rows, warning.effect) == ("engaged_sessions", 1, "changed")
    assert warning.examples == ("line 5: '#DIV/0!'",)


def test_ga4_without_any_date_is_skipped_with_the_reason():
    result = one("ga4_nodates.csv", GA4_NO_DATES, status="skipped")
    assert result.recogniser == "GA4 report"
    assert "has no Date column and no '# Start date' lines" in result.message


def test_a_ga4_table_without_sessions_is_skipped():
    result = one("ga4_pages.csv", GA4_PAGES, status="skipped")
    assert result.message.startswith("GA4 'Page title and screen class, Views, Active users, Event count'")


def test_ga4_nth_day_is_counted_from_the_start_date():
    data = b"# Start date: 20260310\n# End date: 20260312\nNth day,Sessions\n0000,5\n0002,7\n"
    frame = frame_of(one("ga4_daily.csv", data))
    assert frame.select("date", "sessions").rows() == [(date(2026, 3, 10), 5), (date(2026, 3, 12), 7)]


def test_ga4_reports_snapshot_keeps_sessions_by_channel_and_skips_the_rest():
    results = run("snapshot.csv", GA4_SNAPSHOT).results
    assert [result.source for result in results] == [f"snapshot.csv#{index}" for index in range(1, 6)]
    assert {result.recogniser for result in results} == {"GA4 Reports snapshot"}
    loaded = [result for result in results if result.status == "loaded"]
    assert [result.source for result in loaded] == ["snapshot.csv#3"]
    frame = frame_of(loaded[0])
    assert frame["sessions"].sum() == 405
    assert frame["date"].unique().to_list() == [date(2026, 3, 1)]
    assert dict(frame.select("channel", "sessions").rows()) == {
        "Direct": 210,
        "Organic Search": 150,
        "Email": 40,
        "Unassigned": 5,
    }
    assert "7 days" in issue(loaded[0], "period_on_first_day").message
    reasons = {result.source: result.message for result in results if result.status == "skipped"}
    assert reasons == {
        "snapshot.csv#1": "GA4 'Nth day, Active users': users without sessions do not make a traffic table",
        "snapshot.csv#2": "GA4 'First user primary channel group (Default Channel Group), New users': 'New users' "
        "by the users' first channel, without sessions, does not make a traffic table",
        "snapshot.csv#4": "GA4 'Date, Week 0, Week 1, Week 2': a retention cohort table (share of users returning "
        "each week) is not traffic",
        "snapshot.csv#5": "GA4 'Page title and screen class, Views': top-N page titles with views: no sessions and "
        "no dates per row",
    }


# --- Google Ads ---------------------------------------------------------------------------------

ADS_DAILY = b"""Campaign report
"March 1, 2026 - March 2, 2026"
Day,Device,Campaign status,Campaign,Campaign type,Impr.,Interactions,Currency code,Cost,Clicks,Search impr. share,Conv.
2026-03-01,Computers,Enabled,"Spring sale, search",Search,"1,200",60,EUR,45.50,60,> 90%,2.00
2026-03-01,Mobile phones,Enabled,"Spring sale, search",Search,800,40,EUR,30.25,40,< 10%,1.00
2026-03-01,Computers,Enabled,PMax | all products,Performance Max,"5,000",90,EUR,70.00,55, --,3.00
2026-03-02,Tablets,Enabled,Brand video,Video,"2,000",400,EUR,12.75,4, --,0.00
2026-03-02,TV screens,Paused,Demand gen test,Demand Gen,300,3,EUR,1.50,3, --,0.00
2026-03-02,Mobile phones,Enabled,Display remarketing,Display,"10,000",25,EUR,8.00,25, --,0.00
2026-03-02,Computers,Enabled,Shopping feed,Shopping,900,30,EUR,20.00,30,45.10%,1.00
2026-03-02,Computers,Enabled,Hotel test,Hotel,10,1,EUR,0.50,1, --,0.00
2026-03-02,Computers,Total: Search,,,"2,910",131,EUR,96.25,131, --,4.00
Total: Campaigns,,,,,"20,210",649,EUR,188.50,218, --,7.00
"""

ADS_POLISH = """Raport kampanii
1 marca 2026 – 2 marca 2026
Dzień;Kampania;Typ kampanii;Stan kampanii;Kod waluty;Wyświetlenia;Kliknięcia;CTR;Śr. CPC;Koszt;Konwersje
2026-03-01;Wiosna – wyszukiwarka;Sieć wyszukiwania;Włączona;PLN;1\u00a0234;56;4,54%;1,80 zł;100,80 zł;2,00
2026-03-02;Wiosna – wyszukiwarka;Sieć wyszukiwania;Włączona;PLN;1\u00a0000;44;4,40%;1,50 zł;66,00 zł;1,00
2026-03-02;Produkty PMax;Maksymalizacja skuteczności;Włączona;PLN;5\u00a0000;20;0,40%;2,00 zł;40,00 zł;0,00
Suma;;;;PLN;7\u00a0234;120;;;206,80 zł;3,00
""".encode()

ADS_FRENCH = """Rapport sur les campagnes
Jour;Campagne;Type de campagne;Impr.;Clics;Coût;Code de la devise
13/03/2026;Printemps;Réseau de Recherche;1 500;75;1 234,56;EUR
14/03/2026;Printemps;Réseau de Recherche;1 000;25;765,44;EUR
Total : campagnes;;;2 500;100;2 000,00;EUR
""".encode("cp1252")

ADS_ALL_TIME = b"""Campaign report
All time
Campaign status,Campaign,Campaign type,Impr.,Currency code,Cost,Clicks
Enabled,Lawn care,Search,"10,000",USD,500.00,"1,000"
Total: Campaigns, --, --,"10,000",USD,500.00,"1,000"
"""

ADS_KEYWORDS = b'''Search keyword report
"August 3, 2026 - August 9, 2026"
Device,Keyword status,Keyword,Campaign,Ad group,Currency code,Max. CPC,Impr.,Cost,Clicks,Match type
Computers,Enabled,"""garden hose""",Garden,Hoses,USD,1.20,400,50.00,20,Phrase match
Mobile phones,Enabled,"""garden hose""",Garden,Hoses,USD,1.20,300,30.00,15,Phrase match
Tablets,Enabled,[hose reel],Garden,Reels,USD,0.90,50,2.50,2,Exact match
,Total: Filtered keywords,,,,USD,,750,82.50,37,
Computers,Total: Filtered keywords,,,,USD,,400,50.00,20,
Computers,Total: Account,,,,USD,,900,61.00,30,
'''

ADS_EDITOR = b"\xff\xfe" + (
    "Campaign\tLabels\tCampaign Type\tNetworks\tBudget\tBudget type\tBid Strategy Type\tStart Date\tCampaign Status\r\n"
    "Lawn care\t[]\tSearch\tGoogle search;Search Partners\t5.00\tDaily\tMaximize conversions\t2024-01-01\tEnabled\r\n"
    '"Deck, fence & more"\t[]\tDisplay\tDisplay Network\t10.00\tDaily\tMaximize clicks\t2024-02-01\tPaused\r\n'
).encode("utf-16-le")


def test_google_ads_daily_campaign_report_by_device():
    result = one("Campaign report.csv", ADS_DAILY)
    assert (result.recogniser, result.table) == ("Google Ads campaign report", "spend")
    frame = frame_of(result)
    assert frame.height == 8  # 2 totals gone: one by the reader, one ("Total: Search" in column 3) here
    assert frame["spend"].sum() == pytest.approx(188.50)
    assert frame["clicks"].sum() == 218
    assert frame["impressions"].sum() == 20_210
    assert by(frame, "date", "spend") == pytest.approx({date(2026, 3, 1): 145.75, date(2026, 3, 2): 42.75})
    assert dict(frame.select("campaign", "channel").unique().rows()) == {
        "Spring sale, search": "Paid Search",
        "PMax | all products": "Cross-network",
        "Brand video": "Paid Video",
        "Demand gen test": "Cross-network",
        "Display remarketing": "Display",
        "Shopping feed": "Paid Shopping",
        "Hotel test": "Paid Search",
    }
    assert set(frame["device"]) == {"desktop", "mobile", "tablet", "other"}
    assert set(frame["source"]) == {"google"}
    assert set(frame["medium"]) == {"cpc"}
    assert issue(result, "currency").message == "spend is in EUR (from 'Currency code')"
    assert issue(result, "unknown_campaign_type").examples == ("Hotel",)
    left = issue(result, "left_out")
    assert (left.rows, left.effect) == (1, "dropped")
    assert "total row" in left.message
    assert issue(result, "total_rows").rows == 1


def test_google_ads_polish_headers_semicolons_and_zloty():
    result = one("raport.csv", ADS_POLISH)
    assert result.recogniser == "Google Ads raport kampanii"
    frame = frame_of(result)
    assert frame["spend"].sum() == pytest.approx(206.80)
    assert frame["clicks"].sum() == 120
    assert frame["impressions"].sum() == 7_234
    assert frame["channel"].to_list() == ["Paid Search", "Paid Search", "Cross-network"]
    assert result.loaded.currency == "PLN"
    assert "PLN" in issue(result, "currency").message


def test_google_ads_french_headers_windows_1252():
    result = one("rapport.csv", ADS_FRENCH)
    frame = frame_of(result)
    assert frame["date"].to_list() == [date(2026, 3, 13), date(2026, 3, 14)]
    assert frame["spend"].sum() == pytest.approx(2000.00)
    assert frame["clicks"].sum() == 100
    assert set(frame["channel"]) == {"Paid Search"}


def test_google_ads_all_time_report_is_skipped():
    result = one("Campaign report.csv", ADS_ALL_TIME, status="skipped")
    assert result.recogniser == "Google Ads report"
    assert result.message == (
        "'Campaign report' is an 'All time' report with no dates: its costs cannot be placed in any period; "
        "download it with the Day segment (Segment → Time → Day)"
    )


def test_google_ads_keyword_report_by_device_on_the_range_start():
    result = one("Search keyword report.csv", ADS_KEYWORDS)
    assert result.recogniser == "Google Ads search keyword report"
    frame = frame_of(result)
    assert frame["date"].unique().to_list() == [date(2026, 8, 3)]
    assert by(frame, "device", "spend") == {"desktop": 50.0, "mobile": 30.0, "tablet": 2.5}
    assert by(frame, "device", "clicks") == {"desktop": 20, "mobile": 15, "tablet": 2}
    assert set(frame["channel"]) == {"Paid Search"}
    assert "no Campaign type column" in issue(result, "no_campaign_type").message
    assert "2026-08-03 – 2026-08-09" in issue(result, "period_on_first_day").message


def test_google_ads_editor_export_is_skipped():
    result = one("Editor.csv", ADS_EDITOR, status="skipped")
    assert result.recogniser == "Google Ads Editor export"
    assert "budget is not spend" in result.message


def test_google_ads_ad_report_uses_interactions_for_search_clicks():
    data = b"""Ad report
"January 5, 2026 - January 6, 2026"
Ad status,Headline 1,Campaign,Ad group,Ad type,Impr.,Interactions,Currency code,Cost
Enabled,Fresh hoses,Garden,Hoses,Responsive search ad,14,2,USD,11.90
Enabled,Reels,Garden,Reels,Responsive search ad,4,1,USD,3.10
"""
    result = one("Ad report.csv", data)
    frame = frame_of(result)
    assert frame["clicks"].to_list() == [2, 1]
    assert frame["spend"].sum() == pytest.approx(15.0)
    assert issue(result, "interactions_as_clicks").effect == "note"


@pytest.mark.parametrize(
    ("segment", "cells"),
    [
        ("Week", ("2026-03-02", "2026-03-09")),
        ("Month", ("March 2026", "April 2026")),
        ("Month", ("2026-03", "2026-04")),
    ],
)
def test_google_ads_week_and_month_segments_go_on_their_first_day(segment, cells):
    data = (
        f'Campaign report\n"March 1, 2026 - April 30, 2026"\n{segment},Campaign,Campaign type,Impr.,Cost,Clicks\n'
        f"{cells[0]},Lawn,Search,100,10.00,5\n{cells[1]},Lawn,Search,50,5.00,2\n"
    ).encode()
    result = one("weekly.csv", data)
    first = date(2026, 3, 2) if segment == "Week" else date(2026, 3, 1)
    assert frame_of(result)["date"].to_list()[0] == first
    assert f"covers a {segment.lower()}" in issue(result, "period_on_first_day").message


def test_google_ads_month_segment_without_dates_is_skipped():
    data = b"Campaign report\nAll time\nMonth,Campaign,Impr.,Cost,Clicks\nsomeday,Lawn,100,10.00,5\n"
    assert "download it with the Day segment" in one("monthly.csv", data, status="skipped").message


# --- Meta ---------------------------------------------------------------------------------------

META_DAILY = b"""Reporting starts,Reporting ends,Campaign name,Ad set name,Platform,Campaign delivery,\
Attribution setting,Results,Result indicator,Reach,Impressions,Amount spent (USD),\
"CPM (cost per 1,000 impressions) (USD)",Link clicks,"CPC (cost per link click) (USD)",Clicks (all),Ends
2026-04-01,2026-04-01,Spring \xe2\x80\x93 prospecting,Lookalike 1%,facebook,active,"7-day click, 1-day view, or \
1-day engaged-view",3,actions:offsite_conversion.fb_pixel_purchase,900,1500,25.50,17.00,30,0.85,45,Ongoing
2026-04-01,2026-04-01,Spring \xe2\x80\x93 prospecting,Lookalike 1%,instagram,active,"7-day click, 1-day view, or \
1-day engaged-view",1,actions:offsite_conversion.fb_pixel_purchase,400,700,10.25,14.64,12,0.85,20,Ongoing
2026-04-02,2026-04-02,Retargeting,Website visitors,audience_network,active,"7-day click, 1-day view, or \
1-day engaged-view",,,100,300,2.00,6.67,,,5,2026-04-30
"""

META_SPANISH = """Inicio del informe;Fin del informe;Nombre de la campaña;Resultados;Indicador de resultado;\
Importe gastado (COP);Impresiones;Clics en el enlace
2026-03-01;2026-03-31;Campaña A;10;actions:lead;150000,50;20000;300
2026-03-01;2026-03-31;Campaña B;;;49999,50;10000;100
""".encode()

META_GERMAN = """Tag;Kampagnenname;Ausgegebener Betrag (EUR);Impressionen;Klicks (alle);Geräteplattform
2026-05-04;Sommer;12,50;1000;40;mobile_app
2026-05-04;Sommer;7,50;500;10;desktop
""".encode()

META_FRENCH = """Jour;Nom de la campagne;Montant dépensé (USD);Impressions;Clics sur un lien
2026-06-01;Été;30,00;2000;25
""".encode()

META_NO_DATES = b"Campaign name,Amount spent (USD),Impressions\nSpring,10.00,100\n"

KAG = b"""Date,ad_id,xyz_campaign_id,fb_campaign_id,age,gender,interest,Impressions,Clicks,Spent,\
Total_Conversion,Approved_Conversion
17-08-2023,700001,916,100001,30-34,M,15,7000,2,1.429999948,2,1
18-08-2023,700002,936,100002,35-39,F,16,12000,3,2.640000105,1,0
18-08-2023,700003,1178,100003,45-49,F,10,500,0,0,1,0
"""


def test_meta_daily_export_by_platform():
    result = one("meta.csv", META_DAILY)
    assert (result.recogniser, result.table) == ("Meta Ads Manager export", "spend")
    frame = frame_of(result)
    assert frame["spend"].sum() == pytest.approx(37.75)
    assert frame["impressions"].sum() == 2_500
    assert frame["clicks"].to_list() == [30, 12, None]  # link clicks, not "Clicks (all)"
    assert frame["source"].to_list() == ["facebook", "instagram", "audience_network"]
    assert set(frame["channel"]) == {"Paid Social"}
    assert set(frame["medium"]) == {"paid"}
    assert frame["campaign"].to_list() == ["Spring – prospecting", "Spring – prospecting", "Retargeting"]
    assert "period_on_first_day" not in codes(result)
    assert issue(result, "currency").message == "spend is in USD (from 'Amount spent (USD)')"


def test_meta_spanish_period_rows_go_on_their_start_day():
    result = one("meta_es.csv", META_SPANISH)
    frame = frame_of(result)
    assert frame["spend"].sum() == pytest.approx(200_000.00)
    assert frame["date"].unique().to_list() == [date(2026, 3, 1)]
    assert frame["campaign"].to_list() == ["Campaña A", "Campaña B"]
    assert frame["clicks"].sum() == 400
    note = issue(result, "period_on_first_day")
    assert (note.rows, note.examples) == (2, ("2026-03-01 – 2026-03-31",))
    assert "COP" in issue(result, "currency").message


def test_meta_german_day_breakdown_with_device_and_all_clicks():
    result = one("meta_de.csv", META_GERMAN)
    frame = frame_of(result)
    assert frame["spend"].sum() == pytest.approx(20.0)
    assert frame["device"].to_list() == ["mobile", "desktop"]
    assert frame["clicks"].sum() == 50
    assert "Klicks (alle)" in issue(result, "all_clicks").message
    assert "EUR" in issue(result, "currency").message


def test_meta_french_jour_column():
    frame = frame_of(one("meta_fr.csv", META_FRENCH))
    assert frame.select("date", "spend", "campaign", "clicks").rows() == [(date(2026, 6, 1), 30.0, "Été", 25)]


def test_meta_impression_device_and_chinese_headers():
    data = (
        "报告开始日期,报告结束日期,广告系列名称,Impression device,已花费金额 (USD),Impressions,Link clicks\n"
        "2026-01-05,2026-01-05,冬季,iphone,1.50,10,1\n2026-01-05,2026-01-05,冬季,ipad,2.50,20,2\n"
    ).encode()
    result = one("meta_zh.csv", data)
    frame = frame_of(result)
    assert frame.select("date", "campaign", "device", "spend").rows() == [
        (date(2026, 1, 5), "冬季", "mobile", 1.5),
        (date(2026, 1, 5), "冬季", "tablet", 2.5),
    ]
    assert "USD" in issue(result, "currency").message


def test_meta_without_dates_is_skipped():
    result = one("meta.csv", META_NO_DATES, status="skipped")
    assert "no 'Reporting starts' or 'Day' column" in result.message


def test_kaggle_kag_layout_keeps_float_artefacts():
    result = one("KAG_conversion_data.csv", KAG)
    assert result.recogniser == "Facebook ads (Kaggle KAG conversion data)"
    frame = frame_of(result)
    assert frame["spend"].to_list() == [1.429999948, 2.640000105, 0.0]
    assert frame["impressions"].sum() == 19_500
    assert frame["clicks"].sum() == 5
    assert frame["date"].to_list() == [date(2023, 8, 17), date(2023, 8, 18), date(2023, 8, 18)]
    assert frame["campaign"].to_list() == ["916", "936", "1178"]
    assert set(frame["channel"]) == {"Paid Social"}


def test_kaggle_kag_without_date_is_skipped():
    data = b"\n".join([*KAG.replace(b"Date,", b"").splitlines()[:1], b"700001,916,100001,30-34,M,15,7000,2,1.43,2,1"])
    result = one("KAG_conversion_data.csv", data, status="skipped")
    assert "no Date column" in result.message


# --- Google Search Console ----------------------------------------------------------------------

GSC_FILES = {
    "Chart.csv": b"Date,Clicks,Impressions,CTR,Position\n2026-05-01,2,40,5%,7.5\n2026-05-02,0,18,0%,12.1\n"
    b"2026-05-03,5,60,8.33%,6.02",
    "Queries.csv": b"Top queries,Clicks,Impressions,CTR,Position\ngarden hose,4,50,8%,5.5\nhose reel,3,30,10%,4",
    "Pages.csv": b"Top pages,Clicks,Impressions,CTR,Position\nhttps://shop.example.com/,6,90,6.67%,6.1",
    "Countries.csv": b"Country,Clicks,Impressions,CTR,Position\nPoland,7,118,5.93%,8.2",
    "Devices.csv": b"Device,Clicks,Impressions,CTR,Position\nMobile,4,70,5.71%,7\nDesktop,2,40,5%,9.5\n"
    b"Tablet,1,8,12.5%,4.25",
    "Search appearance.csv": b"Search Appearance,Clicks,Impressions,CTR,Position\n",
    "Filters.csv": b"Filter,Value\nSearch type,Web\nDate,Last 3 months",
}


def gsc_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in GSC_FILES.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_search_console_zip_loads_the_chart_and_skips_the_rest():
    results = {
        result.source.rsplit("/", 1)[-1]: result for result in run("shop.example.com-2026.zip", gsc_zip()).results
    }
    chart = results.pop("Chart.csv")
    assert (chart.status, chart.recogniser, chart.table) == ("loaded", "Google Search Console chart", "traffic")
    frame = frame_of(chart)
    assert frame["sessions"].sum() == 7
    assert frame["date"].to_list() == [date(2026, 5, 1), date(2026, 5, 2), date(2026, 5, 3)]
    assert set(frame.select("channel", "source", "medium").rows()) == {("Organic Search", "google", "organic")}
    note = issue(chart, "clicks_as_sessions")
    assert "not sessions" in note.message
    assert "counted twice" in note.message
    assert {name: result.status for name, result in results.items()} == dict.fromkeys(results, "skipped")
    assert {result.recogniser for result in results.values()} == {"Google Search Console export"}
    assert "clicks per device for the whole period, with no dates" in results["Devices.csv"].message
    assert "queries are not a traffic dimension" in results["Queries.csv"].message
    assert "traffic has no country column" in results["Countries.csv"].message
    assert results["Filters.csv"].message.startswith("Search Console 'Filters'")
    assert "search appearance" in results["Search appearance.csv"].message


# --- Mailchimp ----------------------------------------------------------------------------------

MAILCHIMP_HEADER = (
    'Title,Subject,List,"Send Date","Send Weekday","Total Recipients","Successful Deliveries","Soft Bounces",'
    '"Hard Bounces","Total Bounces","Times Forwarded","Forwarded Opens","Unique Opens","Open Rate","Total Opens",'
    '"Unique Clicks","Click Rate","Total Clicks",Unsubscribes,"Abuse Complaints","Times Liked on Facebook",'
    '"Folder Id","Unique Id","Total Orders","Total Gross Sales","Total Revenue","Analytics ROI","Campaign Cost",'
    '"Revenue Created",Visits,"New Visits",Pages/Visit,"Bounce Rate","Time on Site","Goal Conversion Rate",'
    '"Per Visit Goal Value",Transactions,"Ecommerce Conversion Rate","Per Visit Value","Average Value"'
)
MAILCHIMP_ROWS = (
    'Spring newsletter,Spring is here,Main list,"Mar 03, 2026 09:30 am",Tuesday,1000,990,5,5,10,0,0,300,30.30%,'
    "450,40,4.04%,70,2,0,0,0,a1b2c3,0,0,0,n/a,25.00" + ",n/a" * 12,
    'April offer,"20% off, this week only",Main list,"Apr 07, 2026 06:15 pm",Tuesday,"1,200","1,180",10,10,20,1,1,'
    "400,33.90%,600,60,5.08%,90,3,1,0,0,d4e5f6,2,100,100,n/a,n/a" + ",n/a" * 12,
)
MAILCHIMP = "\n".join((MAILCHIMP_HEADER, *MAILCHIMP_ROWS)).encode()

MAILCHIMP_ONE = b"""Campaign Report
"Title:","GARDEN-05-2026"
"Delivery Date/Time:","Fri, May 1, 2026 10:15"

"Overall Stats"
"Subject Line:","Hoses, reels and more"
"Total Recipients:","2,040"
"Successful Deliveries:","2,031"
"Bounces:","9 (0.4%)"
"Recipients Who Opened:","512 (25.2%)"
"Total Opens:","700"
"Recipients Who Clicked:","61 (3.0%)"
"Total Clicks:","88"
"Total Sales:","CA$0.00"
"""


def test_mailchimp_campaign_reports_export():
    result = one("campaigns.csv", MAILCHIMP)
    assert (result.recogniser, result.table) == ("Mailchimp campaign reports", "spend")
    frame = frame_of(result)
    assert frame.select("date", "campaign", "spend", "impressions", "clicks").rows() == [
        (date(2026, 3, 3), "Spring newsletter", 25.0, 990, 40),
        (date(2026, 4, 7), "April offer", 0.0, 1180, 60),
    ]
    assert set(frame.select("channel", "source", "medium").rows()) == {("Email", "mailchimp", "email")}
    cost = issue(result, "no_campaign_cost")
    assert (cost.rows, cost.effect) == (1, "changed")
    assert "unique clicks" in issue(result, "unique_clicks").message


def test_mailchimp_single_campaign_report():
    result = one("report.csv", MAILCHIMP_ONE)
    assert result.recogniser == "Mailchimp campaign report"
    frame = frame_of(result)
    assert frame.select("date", "campaign", "spend", "impressions", "clicks").rows() == [
        (date(2026, 5, 1), "GARDEN-05-2026", 0.0, 2031, 61)
    ]
    assert result.loaded.rows_read == 1


def test_mailchimp_ab_test_combinations_are_added():
    data = MAILCHIMP_ONE.replace(b'"Overall Stats"', b'"Combination 1 Stats"') + (
        b'\n"Combination 2 Stats"\n"Successful Deliveries:","1,000"\n"Recipients Who Clicked:","9 (0.9%)"\n'
    )
    frame = frame_of(one("report.csv", data))
    assert frame.select("impressions", "clicks").rows() == [(3031, 70)]


# --- Shopify reports ----------------------------------------------------------------------------

SHOPIFY_SESSIONS = b""""Day","UTM campaign","UTM term","Landing page URL","Online store visitors","Sessions",\
"Sessions with cart additions","Sessions that reached checkout","Sessions that completed checkout",\
"Average session duration","Pageviews"
"2026-02-01","spring","","https://shop.example.com/","80","100","10","6","3","65.2","250"
"2026-02-01","","","https://shop.example.com/products/mug?variant=1","40","50","5","2","1","30","90"
"2026-02-02","spring","hose","https://shop.example.com/collections/all","60","70","7","4","2","40","150"
"""

SHOPIFY_CHANNELS = b"""Referring platform,Channel,Type,Sessions,Sales,Orders,Conversion rate,Cost,ROAS,CPA,CTR,AOV,\
Orders from new customers,Orders from returning customers
direct,direct,direct,500,1000.00,10,0.02,,,,,100,6,4
alphabet,google,paid,300,900.00,6,0.02,120.00,7.5,20,,150,5,1
alphabet,google,organic,200,400.00,4,0.02,,,,,100,2,2
meta,instagram,paid,150,,,,,,,,,,
meta,facebook,organic,50,50.00,1,0.02,,,,,50,1,0
someblog,someblog,organic,20,,,,,,,,,,
alphabet,unattributed,unknown,100,,,,,,,,,,
"""


def test_shopify_sessions_report():
    result = one("sessions_over_time.csv", SHOPIFY_SESSIONS)
    assert (result.recogniser, result.table) == ("Shopify sessions report", "traffic")
    frame = frame_of(result)
    assert frame["sessions"].sum() == 220
    assert frame["add_to_cart_sessions"].sum() == 22
    assert frame["checkout_sessions"].sum() == 12
    assert frame["purchase_sessions"].sum() == 6
    assert frame["users"].sum() == 180
    assert frame["pageviews"].sum() == 490
    assert frame["landing_page"].to_list() == ["/", "/products/mug", "/collections/all"]
    assert frame["campaign"].to_list() == ["spring", None, "spring"]
    assert {"landing_page_path", "left_out"} <= codes(result)


def test_shopify_channels_report_with_the_period_in_the_file_name():
    result = one("channels_2026-01-01_2026-01-31.csv", SHOPIFY_CHANNELS)
    assert (result.recogniser, result.table) == ("Shopify channels report", "traffic")
    frame = frame_of(result)
    assert frame["sessions"].sum() == 1_320
    assert frame["purchase_sessions"].sum() == 21
    assert frame["date"].unique().to_list() == [date(2026, 1, 1)]
    assert by(frame, "channel", "sessions") == {
        "Direct": 500,
        "Organic Search": 200,
        "Organic Social": 50,
        "Paid Search": 300,
        "Paid Social": 150,
        "Referral": 20,
        "Unassigned": 100,
    }
    assert frame.filter(pl.col("channel") == "Direct").select("source", "medium").row(0) == ("(direct)", "(none)")
    assert frame.filter(pl.col("channel") == "Unassigned")["source"].to_list() == ["alphabet"]
    assert "120.00 of Cost" in issue(result, "left_out").message
    assert "one order per converting session" in issue(result, "orders_as_purchase_sessions").message


def test_shopify_channels_report_without_a_period_is_skipped():
    result = one("channels.csv", SHOPIFY_CHANNELS, status="skipped")
    assert "the file name names no period" in result.message


# --- who claims what ----------------------------------------------------------------------------

FIXTURES: dict[str, tuple[str, bytes, str]] = {
    "ga4 traffic": ("ga4_traffic.csv", GA4_TRAFFIC, "GA4 report"),
    "ga4 old labels": ("ga4_acquisition.csv", GA4_OLD_LABELS, "GA4 report"),
    "ga4 source/medium": ("ga4_source_medium.csv", GA4_SOURCE_MEDIUM, "GA4 report"),
    "ga4 no dates": ("ga4_nodates.csv", GA4_NO_DATES, "GA4 report"),
    "ga4 pages": ("ga4_pages.csv", GA4_PAGES, "GA4 report"),
    "ga4 snapshot": ("snapshot.csv", GA4_SNAPSHOT, "GA4 Reports snapshot"),
    "ads daily": ("Campaign report.csv", ADS_DAILY, "Google Ads report"),
    "ads polish": ("raport.csv", ADS_POLISH, "Google Ads report"),
    "ads french": ("rapport.csv", ADS_FRENCH, "Google Ads report"),
    "ads all time": ("Campaign report.csv", ADS_ALL_TIME, "Google Ads report"),
    "ads keywords": ("Search keyword report.csv", ADS_KEYWORDS, "Google Ads report"),
    "ads editor": ("Editor.csv", ADS_EDITOR, "Google Ads Editor export"),
    "meta daily": ("meta.csv", META_DAILY, "Meta Ads Manager export"),
    "meta spanish": ("meta_es.csv", META_SPANISH, "Meta Ads Manager export"),
    "meta german": ("meta_de.csv", META_GERMAN, "Meta Ads Manager export"),
    "meta french": ("meta_fr.csv", META_FRENCH, "Meta Ads Manager export"),
    "meta no dates": ("meta.csv", META_NO_DATES, "Meta Ads Manager export"),
    "kag": ("KAG_conversion_data.csv", KAG, "Facebook ads (Kaggle KAG conversion data)"),
    "gsc": ("gsc.zip", gsc_zip(), "Google Search Console export"),
    "mailchimp": ("campaigns.csv", MAILCHIMP, "Mailchimp campaign reports"),
    "mailchimp one": ("report.csv", MAILCHIMP_ONE, "Mailchimp campaign report"),
    "shopify sessions": ("sessions.csv", SHOPIFY_SESSIONS, "Shopify sessions report"),
    "shopify channels": ("channels_2026-01-01_2026-01-31.csv", SHOPIFY_CHANNELS, "Shopify channels report"),
}


@pytest.mark.parametrize("key", list(FIXTURES))
def test_each_fixture_is_claimed_by_exactly_one_recogniser(key):
    name, data, expected = FIXTURES[key]
    for raw in read_tables(data, name):
        claimed = [recogniser.name for recogniser in marketing.RECOGNISERS if recogniser.detect(raw)]
        assert claimed == [expected], raw.source
        first = next(recogniser.name for recogniser in ALL_RECOGNISERS if recogniser.detect(raw))
        assert first == expected, f"{raw.source} is taken by {first!r} before the marketing recognisers"


CANONICAL_LOOKING = {
    "traffic.csv": b"date,sessions,channel,source,medium,users\n2026-01-01,5,Direct,,,4\n",
    "spend.csv": b"date,spend,channel,source,campaign,impressions,clicks\n2026-01-01,10.5,Paid Search,google,A,100,3\n",
    "Spend.csv": b"Date,Spend,Campaign,Clicks,Impressions\n2026-01-01,10.5,A,3,100\n",
    "orders.csv": b"order_id,customer_id,ordered_at,revenue,channel\nA1,c1,2026-01-01,10,Email\n",
}


@pytest.mark.parametrize("name", list(CANONICAL_LOOKING))
def test_canonical_files_are_not_claimed(name):
    [raw] = read_tables(CANONICAL_LOOKING[name], name)
    assert [recogniser.name for recogniser in marketing.RECOGNISERS if recogniser.detect(raw)] == []
    assert Canonical().detect(raw)


def test_recognisers_are_frozen_dataclasses_with_documented_headers():
    for recogniser in marketing.RECOGNISERS:
        assert recogniser.__dataclass_params__.frozen  # type: ignore[attr-defined]
        assert recogniser.name
        assert len(type(recogniser).__doc__ or "") > 200


# --- real samples (../shared/data, skipped when absent) ------------------------------------------

needs_shared = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"real samples not found at {SHARED_DATA}")


def real(*parts: str) -> tuple[str, bytes]:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not found")
    return path.name, path.read_bytes()


@needs_shared
def test_real_ga4_snapshot_sessions_by_channel():
    results = ingest([real("ga4-reports-snapshot", "fireflyfarms_Reports_snapshot_28d.csv")]).results
    assert len(results) == 16
    loaded = [result for result in results if result.status == "loaded"]
    assert [result.source for result in loaded] == ["fireflyfarms_Reports_snapshot_28d.csv#6"]
    frame = frame_of(loaded[0])
    assert frame["sessions"].sum() == 3_541
    assert dict(frame.select("channel", "sessions").rows()) == {
        "Direct": 1_612,
        "Organic Search": 1_392,
        "Referral": 217,
        "SMS": 114,
        "Email": 89,
        "Unassigned": 65,
        "Organic Social": 52,
    }
    assert frame["date"].unique().to_list() == [date(2026, 2, 20)]
    skipped = {result.source.rsplit("#", 1)[1]: result.message for result in results if result.status == "skipped"}
    assert len(skipped) == 15
    assert skipped["1"] == "GA4 'Nth day, Active users': users without sessions do not make a traffic table"
    assert "retention cohort" in skipped["10"]
    assert "top-N page titles" in skipped["11"]


@pytest.mark.parametrize(
    ("name", "sessions", "first_day"),
    [
        ("fireflyfarms_Reports_snapshot_long.csv", 93_765, date(2023, 11, 1)),
        ("ailocalbusiness_Reports_snapshot_crlf.csv", None, date(2026, 2, 15)),
    ],
)
@needs_shared
def test_real_ga4_snapshots_load_one_table_each(name, sessions, first_day):
    results = ingest([real("ga4-reports-snapshot", name)]).results
    loaded = [result for result in results if result.status == "loaded"]
    assert len(loaded) == 1
    assert len(results) == 16
    assert all(result.status == "skipped" for result in results if result not in loaded)
    frame = frame_of(loaded[0])
    if sessions is not None:
        assert frame["sessions"].sum() == sessions
    assert frame["date"].unique().to_list() == [first_day]


def _with_day_column(text: str, day: str) -> bytes:
    """The real all-time campaign report with a Day segment added (a copy made in memory)."""
    lines = text.splitlines()
    header = next(index for index, line in enumerate(lines) if line.startswith("Campaign status,"))
    out = [*lines[:header], "Day," + lines[header]]
    out += [f"{day},{line}" for line in lines[header + 1 :] if line.strip()]
    return "\n".join(out).encode()


@needs_shared
def test_real_google_ads_all_time_campaign_report():
    name, data = real("google-ads-exports", "calpreserving_Campaign report_alltime_USD.csv")
    [result] = ingest([(name, data)]).results
    assert result.status == "skipped"
    assert "is an 'All time' report with no dates" in result.message
    daily = _with_day_column(data.decode(), "2025-06-01")
    [result] = ingest([("calpreserving_daily.csv", daily)]).results
    assert result.status == "loaded", result.message
    frame = frame_of(result)
    assert frame["spend"].sum() == pytest.approx(199_421.15)
    assert frame["impressions"].sum() == 14_117_313
    assert frame["clicks"].sum() == 167_739
    assert set(frame["channel"]) == {"Paid Search", "Display", "Cross-network"}
    assert "USD" in issue(result, "currency").message


@needs_shared
def test_real_google_ads_keyword_report_by_device():
    [result] = ingest([real("google-ads-exports", "kw08_Search keyword report_by-device_USD.csv")]).results
    assert result.status == "loaded"
    frame = frame_of(result)
    spend = by(frame, "device", "spend")
    clicks = by(frame, "device", "clicks")
    assert spend["desktop"] == pytest.approx(17_035.92)
    assert spend["mobile"] == pytest.approx(1_879.82)
    assert spend["tablet"] == pytest.approx(34.33)
    assert (clicks["desktop"], clicks["mobile"], clicks["tablet"]) == (1_320, 316, 7)
    assert frame["spend"].sum() == pytest.approx(18_950.07)  # = "Total: Filtered keywords"
    assert frame["date"].unique().to_list() == [date(2020, 8, 8)]


@needs_shared
def test_real_google_ads_other_files():
    results = {
        name: ingest([real("google-ads-exports", name)]).results[0]
        for name in (
            "calpreserving_AdsEditor_Campaign_utf16le_tab.csv",
            "calpreserving_Ad report- 22nd Jan.csv",
            "dentplant_Campaign report_EUR_greek.csv",
            "vishalmotling_Campaign report_INR.csv",
        )
    }
    assert results["calpreserving_AdsEditor_Campaign_utf16le_tab.csv"].status == "skipped"
    ads = results["calpreserving_Ad report- 22nd Jan.csv"]
    # the ad rows (their "Total: Account" of 133.89 also counts removed ads, which the report leaves out)
    assert frame_of(ads)["spend"].sum() == pytest.approx(117.06)
    assert frame_of(ads)["clicks"].sum() == 17  # Interactions of Search ads
    greek = frame_of(results["dentplant_Campaign report_EUR_greek.csv"])
    assert "Οδοντικά Εμφυτεύματα Αθήνα" in greek["campaign"].to_list()
    assert set(greek["channel"]) == {"Cross-network"}  # Smart campaigns
    inr = frame_of(results["vishalmotling_Campaign report_INR.csv"])
    assert inr["spend"].sum() == pytest.approx(2_565.93)
    assert dict(inr.select("campaign", "channel").rows())["MH-m-sand"] == "Cross-network"  # Demand Gen


@needs_shared
def test_real_kaggle_facebook_ads():
    [result] = ingest([real("facebook-ads-kag-conversion", "KAG_conversion_data_with_added_date.csv")]).results
    frame = frame_of(result)
    assert frame.height == 1_143
    assert frame["impressions"].sum() == 213_434_828
    assert frame["clicks"].sum() == 38_165
    assert frame["spend"].sum() == pytest.approx(58_705.23, abs=0.005)
    assert 1.429999948 in frame["spend"].to_list()
    assert by(frame.with_columns(pl.lit(1).alias("ads")), "campaign", "ads") == {"1178": 625, "916": 54, "936": 464}


@needs_shared
def test_real_search_console_export():
    folder = SHARED_DATA / "google-search-console-exports" / "dentplant.gr-2026-06-03"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.glob("*.csv")):
            archive.writestr(path.name, path.read_bytes())
    results = {result.source.rsplit("/", 1)[-1]: result for result in ingest([("gsc.zip", buffer.getvalue())]).results}
    chart = results.pop("Chart.csv")
    expected = pl.read_csv(folder / "Chart.csv")
    frame = frame_of(chart)
    assert frame.height == expected.height
    assert frame["sessions"].sum() == expected["Clicks"].sum()
    assert all(result.status == "skipped" for result in results.values())
    [devices] = read_tables((folder / "Devices.csv").read_bytes(), "Devices.csv")
    rows = {device: (int(clicks), int(impressions)) for device, clicks, impressions, *_ in devices.frame.rows()}
    assert rows["Mobile"] == (15, 638)
    assert sum(clicks for clicks, _ in rows.values()) == frame["sessions"].sum()  # the same clicks, by device


@needs_shared
def test_real_shopify_channel_performance():
    [result] = ingest([real("shopify-exports", "shopify_channel_performance_US_2025-09-01_2025-12-19.csv")]).results
    frame = frame_of(result)
    assert frame["sessions"].sum() == 52_401
    assert frame["purchase_sessions"].sum() == 352
    assert frame["date"].unique().to_list() == [date(2025, 9, 1)]
    kind = (
        pl.when(pl.col("medium") == "paid")
        .then(pl.lit("paid"))
        .when(pl.col("channel") == "Direct")
        .then(pl.lit("direct"))
        .when(pl.col("medium").is_in(["organic", "referral"]))
        .then(pl.lit("organic"))
        .otherwise(pl.lit("unknown"))
    )
    assert by(frame.with_columns(kind.alias("type")), "type", "sessions") == {
        "direct": 9_410,
        "organic": 2_902,
        "paid": 24_171,
        "unknown": 15_918,
    }
