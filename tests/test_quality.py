"""kpi.ingest.quality: the data-quality report of each loaded table (read, kept, dropped, changed and
why; dates, currency, channels and how each was assigned)."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from kpi.ingest.pipeline import ingest
from kpi.ingest.quality import ChannelLine, FileQuality, channel_lines, file_quality
from kpi.ingest.validation import LoadedTable
from kpi.periods import Period

SHOP = (
    b"order_id,customer_id,ordered_at,revenue,refunded,status,channel,source,medium,gift_note\n"
    b"1,a,2024-01-05 10:00,10,,completed,Email,,,x\n"  # status read as paid
    b"2,b,2024-01-06,20,abc,paid,,google,cpc,\n"  # refunded unparseable: emptied
    b"3,c,not a date,30,,paid,,,,\n"  # dropped: no date
    b",d,2024-01-07,40,,paid,,,,\n"  # dropped: no id
    b"5,e,2024-02-10,50,,anulowane,,newsletter,Facebook,\n"  # read as cancelled; Unassigned
    b"6,,2024-02-11,60,,paid,Paid Social,,,\n"  # a guest
    b"7,g,2024-02-29 23:59,70,,paid,,google,cpc,\n"
)


def loaded_of(name: str, data: bytes) -> LoadedTable:
    [result] = ingest([(name, data)]).results
    assert result.loaded is not None, result.message
    return result.loaded


@pytest.fixture(scope="module")
def shop() -> LoadedTable:
    return loaded_of("shop.csv", SHOP)


@pytest.fixture(scope="module")
def report(shop) -> FileQuality:
    return file_quality(shop, period=Period(date(2024, 2, 1), date(2024, 2, 29)))


def codes(issues) -> list[str]:
    return [issue.code for issue in issues]


def test_rows_read_kept_and_dropped_add_up(report):
    assert report.source == "shop.csv"
    assert report.recogniser == "canonical orders"
    assert report.table == "orders"
    assert report.rows_read == 7
    assert report.rows_kept == 5
    assert report.rows_dropped == 2
    assert report.rows_read - report.rows_dropped == report.rows_kept


def test_dropped_rows_are_listed_with_their_reason_and_line(report):
    by_code = {issue.code: issue for issue in report.dropped}
    assert sorted(by_code) == ["empty_required", "unparseable_value"]
    assert by_code["unparseable_value"].column == "ordered_at"
    assert by_code["unparseable_value"].examples == ("line 4: 'not a date'",)
    assert by_code["empty_required"].column == "order_id"
    assert by_code["empty_required"].rows == 1
    assert by_code["empty_required"].examples[0].startswith("line 5")


def test_changed_values_and_notes_are_listed(report):
    by_code = {issue.code: issue for issue in report.changed}
    assert sorted(by_code) == ["statuses_read", "unparseable_value"]
    assert by_code["unparseable_value"].column == "refunded"
    assert "values left empty" in by_code["unparseable_value"].message
    assert by_code["unparseable_value"].examples == ("line 3: 'abc'",)
    assert "completed → paid" in by_code["statuses_read"].message
    assert "anulowane → cancelled" in by_code["statuses_read"].message
    assert codes(report.notes) == ["unknown_columns"]
    assert "gift_note" in report.notes[0].message


def test_first_and_last_day_and_rows_outside_the_period(report):
    assert report.first_day == date(2024, 1, 5)
    assert report.last_day == date(2024, 2, 29)
    assert report.outside_period == 2  # 5 and 6 January (the 7 January row has no id)
    assert file_quality(loaded_of("shop.csv", SHOP)).outside_period is None


def test_the_currency_is_reported(report):
    assert report.currency is None
    euros = loaded_of("eu.csv", "order_id;customer_id;ordered_at;revenue\n1;a;2024-01-05;12,50 €\n".encode())
    assert file_quality(euros).currency == "EUR"  # from the cells
    coded = loaded_of("eur.csv", b"order_id,customer_id,ordered_at,revenue,currency\n1,a,2024-01-05,12.5,eur\n")
    quality = file_quality(coded)
    assert quality.currency == "EUR"
    assert quality.summary().endswith("; EUR")


def test_a_date_table_reports_its_days():
    spend = loaded_of("ads.csv", b"date,spend\n2024-03-03,1\n2024-03-01,2\n2024-03-02,3\n")
    quality = file_quality(spend, period=Period(date(2024, 3, 2), date(2024, 3, 31)))
    assert (quality.first_day, quality.last_day, quality.outside_period) == (date(2024, 3, 1), date(2024, 3, 3), 1)


# --- channels -------------------------------------------------------------------------------------------


def test_channels_given_derived_by_a_ga4_rule_or_unassigned(report):
    lines = {line.channel: line for line in report.channels}
    assert set(lines) == {"Email", "Paid Social", "Paid Search", "Unassigned"}
    assert lines["Email"] == ChannelLine("Email", 1, "given in the file")
    assert lines["Paid Social"] == ChannelLine("Paid Social", 1, "given in the file")
    assert lines["Paid Search"].rows == 2
    assert lines["Paid Search"].how.startswith("rule 4: ")
    assert "source 'google', medium 'cpc'" in lines["Paid Search"].how
    assert lines["Unassigned"].rows == 1
    assert lines["Unassigned"].how == "no rule matched source 'newsletter', medium 'facebook'"
    assert report.channels[0].channel == "Paid Search"  # largest first


def test_channels_are_derived_when_the_file_has_no_channel_column():
    frame = pl.DataFrame(
        {"source": ["google", "google", "(direct)", "facebook.com"], "medium": ["organic", "organic", "(none)", "cpc"]}
    )
    lines = channel_lines(frame)
    assert (lines[0].channel, lines[0].rows) == ("Organic Search", 2)  # largest first
    assert sorted((line.channel, line.rows) for line in lines[1:]) == [("Direct", 1), ("Paid Social", 1)]
    assert all(line.how.startswith("rule ") for line in lines)


def test_a_table_with_no_channel_source_or_medium_has_no_channel_lines():
    assert channel_lines(pl.DataFrame({"date": [date(2024, 1, 1)], "sessions": [1]})) == ()


def test_each_channel_and_reason_is_one_line():
    given = channel_lines(pl.DataFrame({"channel": ["Email", "email", "Direct"]}))
    assert sorted((line.channel, line.rows) for line in given) == [("Direct", 1), ("Email", 2)]
    derived = channel_lines(pl.DataFrame({"source": ["google"] * 2, "medium": ["cpc"] * 2, "campaign": ["a", "b"]}))
    assert [(line.channel, line.rows) for line in derived] == [("Paid Search", 2)]


# --- output forms ----------------------------------------------------------------------------------------


def test_as_dict_is_json_serialisable_and_matches_the_report(report):
    data = json.loads(json.dumps(report.as_dict()))
    assert data["source"] == "shop.csv"
    assert (data["rows_read"], data["rows_kept"], data["rows_dropped"]) == (7, 5, 2)
    assert (data["first_day"], data["last_day"]) == ("2024-01-05", "2024-02-29")
    assert data["outside_period"] == 2
    assert len(data["dropped"]) == len(report.dropped)
    assert len(data["changed"]) == len(report.changed)
    assert len(data["notes"]) == len(report.notes)
    assert {"severity", "code", "column", "message", "rows", "examples", "hint"} <= set(data["dropped"][0])
    assert {item["channel"] for item in data["channels"]} == {"Email", "Paid Social", "Paid Search", "Unassigned"}


def test_lines_give_one_line_per_item(report):
    lines = report.lines()
    items = len(report.dropped) + len(report.changed) + len(report.notes) + len(report.channels)
    assert len(lines) == 1 + items
    assert all("\n" not in line for line in lines)
    assert lines[0] == report.summary()
    assert lines[0] == (
        "shop.csv: canonical orders → orders; 7 rows read, 5 kept; 2024-01-05 – 2024-02-29; 2 rows outside the period"
    )
    assert sum(line.startswith("  dropped: ") for line in lines) == 2
    assert sum(line.startswith("  changed: ") for line in lines) == 2
    assert sum(line.startswith("  note: ") for line in lines) == 1
    assert sum(line.startswith("  channel ") for line in lines) == len(report.channels)


def test_issues_found_when_stacking_join_the_report():
    earlier = b"date,spend\n2024-03-01,1\n2024-03-02,2\n2024-03-03,3\n"
    later = b"date,spend\n2024-03-03,30\n2024-03-04,40\n"
    result = ingest([("feb.csv", earlier), ("mar.csv", later)])
    first = result.loaded()[0]
    quality = file_quality(first, extra=[issue for source, issue in result.issues if source == "feb.csv"])
    assert codes(quality.dropped) == ["overlap"]
    assert quality.rows_dropped == 1
    assert "1 rows repeat dates and dimensions of a later file" in quality.lines()[1]


def test_read_dropped_and_kept_still_add_up_when_a_later_file_replaces_rows():
    earlier = b"date,spend\n2024-03-01,1\n2024-03-02,2\n2024-03-03,3\n"
    later = b"date,spend\n2024-03-03,30\n2024-03-04,40\n"
    result = ingest([("feb.csv", earlier), ("mar.csv", later)])
    first = result.loaded()[0]
    quality = file_quality(first, extra=[issue for source, issue in result.issues if source == "feb.csv"])
    assert quality.rows_read - quality.rows_dropped == quality.rows_kept
