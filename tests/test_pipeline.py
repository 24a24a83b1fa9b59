"""kpi.ingest.pipeline: uploads → a data set with nothing counted twice, and the fate of every file
(including each crafted broken file of tests/fixtures/bad)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from kpi.engine import compute
from kpi.ingest import pipeline
from kpi.ingest.model import Converted, RawTable
from kpi.ingest.pipeline import Ingested, IngestOptions, TableResult, ingest, ingest_file, stack
from kpi.ingest.validation import LoadedTable
from kpi.issues import Issue
from kpi.periods import Period
from kpi.tables import Tables

BAD = Path(__file__).resolve().parent / "fixtures" / "bad"
ORDERS = "order_id,customer_id,ordered_at,revenue,status\n"


def orders_csv(*rows: str) -> bytes:
    return (ORDERS + "".join(f"{row}\n" for row in rows)).encode()


def only(result: Ingested) -> TableResult:
    [item] = result.results
    return item


def issues_of(result: Ingested, code: str) -> list[tuple[str, Issue]]:
    return [(source, issue) for source, issue in result.issues if issue.code == code]


def kpis(result: Ingested, start: date, end: date):
    return compute(result.tables, Period(start, end), comparison="none")


def frame(result: Ingested, table: str) -> pl.DataFrame:
    prepared = result.tables.get(table)
    assert prepared is not None, f"no {table} table"
    return prepared.to_native()


# --- the same bytes twice -----------------------------------------------------------------------

THREE_ORDERS = orders_csv(
    "A1,c1,2024-01-05,100,paid",
    "A2,c2,2024-01-06,50,paid",
    "A3,c1,2024-01-20,25.5,paid",
)


@pytest.mark.parametrize("second_name", ["orders.csv", "orders (1).csv"])
def test_the_same_bytes_uploaded_twice_count_once(second_name):
    result = ingest([("orders.csv", THREE_ORDERS), (second_name, THREE_ORDERS)])
    first, second = result.results
    assert first.status == "loaded"
    assert second.status == "skipped"
    assert second.source == second_name
    assert second.message == "the same content as orders.csv: read once"
    report = kpis(result, date(2024, 1, 1), date(2024, 1, 31))
    assert report["orders"].value == 3
    assert report["revenue"].value == pytest.approx(175.5)
    assert frame(result, "orders").height == 3


# --- overlapping exports --------------------------------------------------------------------------

JAN_MAR = orders_csv(
    "1,c1,2024-01-10,100,paid",
    "2,c2,2024-02-10,50,paid",
    "3,c3,2024-03-05,30,paid",
    "4,c1,2024-03-20,20,paid",
)
MAR_MAY = orders_csv(
    "3,c3,2024-03-05,30,cancelled",
    "4,c1,2024-03-20,20,paid",
    "5,c5,2024-04-10,70,paid",
    "6,c2,2024-05-02,40,refunded",
)


def test_overlapping_order_exports_keep_each_order_once_and_the_later_row_wins():
    result = ingest([("jan-mar.csv", JAN_MAR), ("mar-may.csv", MAR_MAY)])
    orders = frame(result, "orders").sort("order_id")
    assert orders["order_id"].to_list() == ["1", "2", "3", "4", "5", "6"]
    assert orders.filter(pl.col("order_id") == "3")["status"].item() == "cancelled"
    [(source, issue)] = issues_of(result, "already_loaded")
    assert source == "mar-may.csv"
    assert issue.rows == 2
    assert sorted(issue.examples) == ["3", "4"]
    assert issue.message.startswith("2 orders were already loaded from jan-mar.csv")
    report = kpis(result, date(2024, 1, 1), date(2024, 5, 31))
    assert report["orders"].value == 5  # six orders, one cancelled by the later export
    assert report["sales"].value == pytest.approx(100 + 50 + 20 + 70 + 40)


def test_overlapping_spend_exports_take_the_overlap_days_from_the_later_file():
    earlier = (
        b"date,campaign,spend\n2024-03-01,brand,10\n2024-03-01,generic,5\n2024-03-02,brand,11\n2024-03-03,brand,12\n"
    )
    later = (
        b"date,campaign,spend\n2024-03-02,brand,20\n2024-03-03,brand,21\n2024-03-03,generic,3\n2024-03-04,brand,22\n"
    )
    result = ingest([("feb-mar.csv", earlier), ("mar.csv", later)])
    spend = frame(result, "spend").sort("date", "campaign")
    assert spend.select("date", "campaign", "spend").rows() == [
        (date(2024, 3, 1), "brand", 10.0),
        (date(2024, 3, 1), "generic", 5.0),
        (date(2024, 3, 2), "brand", 20.0),
        (date(2024, 3, 3), "brand", 21.0),
        (date(2024, 3, 3), "generic", 3.0),
        (date(2024, 3, 4), "brand", 22.0),
    ]
    [(source, issue)] = issues_of(result, "overlap")
    assert source == "feb-mar.csv"  # the file whose rows were replaced
    assert issue.rows == 2
    assert issue.effect == "dropped"
    # by hand: 10 + 5 (1 March, earlier file only) + 20 + 21 + 3 + 22 (the later file)
    assert kpis(result, date(2024, 3, 1), date(2024, 3, 31))["spend"].value == pytest.approx(81.0)


def test_rows_repeated_inside_one_traffic_file_are_all_kept():
    data = b"date,channel,sessions\n2024-03-01,Direct,10\n2024-03-01,Direct,5\n2024-03-02,Direct,7\n"
    result = ingest([("ga.csv", data)])
    assert frame(result, "traffic").height == 3
    assert result.issues == ()
    assert kpis(result, date(2024, 3, 1), date(2024, 3, 1))["sessions"].value == 15


# --- rows that only complete others -----------------------------------------------------------------

LEAD_SCHEMA = {"lead_id": pl.String, "created_at": pl.Datetime("us"), "won_at": pl.Datetime("us")}


def _leads() -> LoadedTable:
    rows = {
        "lead_id": ["L1", "L2", "L3"],
        "created_at": [datetime(2024, 1, 1), datetime(2024, 1, 2), datetime(2024, 1, 3)],
        "won_at": [None, None, datetime(2024, 1, 20)],
    }
    return LoadedTable("leads.csv", "leads", pl.DataFrame(rows, schema=LEAD_SCHEMA), rows_read=3)


def _deals(**columns) -> LoadedTable:
    rows = {"lead_id": ["L2", "L9"], "won_at": [datetime(2024, 2, 1), datetime(2024, 2, 3)], **columns}
    return LoadedTable("deals.csv", "leads", pl.DataFrame(rows), rows_read=2, update_only=True)


def test_an_update_only_table_completes_the_leads_of_another_file():
    tables, issues = stack([_leads(), _deals()])
    assert issues == []
    leads = tables.leads
    assert leads is not None
    assert leads.to_native().sort("lead_id").select("lead_id", "won_at").rows() == [
        ("L1", None),
        ("L2", datetime(2024, 2, 1)),
        ("L3", datetime(2024, 1, 20)),
    ]  # L9 completes no lead and adds none


def test_an_update_only_table_without_its_leads_file_is_a_warning():
    tables, issues = stack([_deals()])
    assert tables.leads is None
    [(source, issue)] = issues
    assert source == "deals.csv"
    assert issue.severity == "warning"
    assert issue.code == "nothing_to_update"
    assert issue.rows == 2
    assert "no leads file was loaded" in issue.message


def test_an_update_only_table_may_add_a_column_the_leads_lack():
    tables, _ = stack([_leads(), _deals(deal_value=[100.0, 5.0])])
    assert tables.leads is not None
    leads = tables.leads.to_native().sort("lead_id")
    assert leads["deal_value"].to_list() == [None, 100.0, None]


@dataclass(frozen=True)
class _ClosedDeals:
    """A tiny recogniser of a closed-deals export whose rows only complete leads."""

    name: str = "closed deals"

    def detect(self, raw: RawTable) -> bool:
        return raw.columns[:2] == ["deal_lead", "won_on"]

    def convert(self, raw: RawTable) -> Converted:
        renames = {"deal_lead": "lead_id", "won_on": "won_at", "first_contact": "created_at"}
        frame = raw.frame.rename({old: new for old, new in renames.items() if old in raw.columns})
        return Converted(raw.source, "leads", frame, self.name, raw.frame.height, update_only=True, first_line=2)


LEADS_CSV = b"lead_id,created_at,won_at\nL1,2024-01-01,\nL2,2024-01-02,\n"


def test_an_update_only_file_completes_leads_through_ingest(monkeypatch):
    monkeypatch.setattr(pipeline, "RECOGNISERS", (_ClosedDeals(), *pipeline.RECOGNISERS))
    deals = b"deal_lead,won_on,first_contact\nL2,2024-02-01,2024-01-02\n"
    result = ingest([("leads.csv", LEADS_CSV), ("deals.csv", deals)])
    assert [item.status for item in result.results] == ["loaded", "loaded"]
    assert result.results[1].loaded is not None
    assert result.results[1].loaded.update_only
    leads = frame(result, "leads").sort("lead_id")
    assert leads.select("lead_id", "won_at").rows() == [("L1", None), ("L2", datetime(2024, 2, 1))]
    assert kpis(result, date(2024, 2, 1), date(2024, 2, 29))["won_deals"].value == 1


def test_an_update_only_file_needs_only_the_key(monkeypatch):
    monkeypatch.setattr(pipeline, "RECOGNISERS", (_ClosedDeals(), *pipeline.RECOGNISERS))
    result = ingest([("leads.csv", LEADS_CSV), ("deals.csv", b"deal_lead,won_on\nL2,2024-02-01\n")])
    assert [item.status for item in result.results] == ["loaded", "loaded"]
    assert frame(result, "leads").sort("lead_id")["won_at"].to_list() == [None, datetime(2024, 2, 1)]


# --- currencies -------------------------------------------------------------------------------------


def test_currencies_differing_across_files_are_a_warning():
    orders = "order_id,customer_id,ordered_at,revenue\n1,a,2024-01-01,10 €\n2,b,2024-01-02,20 €\n".encode()
    spend = b"date,spend\n2024-01-01,$5.00\n2024-01-02,$6.00\n"
    result = ingest([("shop.csv", orders), ("ads.csv", spend)])
    assert [item.loaded.currency for item in result.results if item.loaded] == ["EUR", "USD"]
    [(source, issue)] = issues_of(result, "currencies_differ")
    assert source == "data set"
    assert issue.severity == "warning"
    assert "shop.csv: EUR" in issue.message
    assert "ads.csv: USD" in issue.message


def test_one_currency_across_files_is_no_issue():
    orders = "order_id,customer_id,ordered_at,revenue\n1,a,2024-01-01,10 €\n".encode()
    spend = "date,spend\n2024-01-01,5 €\n".encode()
    assert issues_of(ingest([("shop.csv", orders), ("ads.csv", spend)]), "currencies_differ") == []


MIXED = (
    b"order_id,customer_id,ordered_at,revenue,currency\n"
    b"1,a,2024-01-01,10,EUR\n"
    b"2,b,2024-01-02,20,USD\n"
    b"3,c,2024-01-03,30,eur\n"
    b"4,d,2024-01-04,5,PLN\n"
)


def test_mixed_currencies_in_one_orders_file_fail_the_table():
    item = only(ingest([("mixed.csv", MIXED)]))
    assert item.status == "failed"
    assert item.message == (
        "orders mix currencies (EUR, PLN, USD): totals would add different money (pick the currency to keep)"
    )
    assert [issue.code for issue in item.issues if issue.severity == "error"] == ["mixed_currencies"]


def test_a_chosen_currency_keeps_its_rows_and_counts_the_others():
    result = ingest([("mixed.csv", MIXED)], options=IngestOptions(currency="EUR"))
    item = only(result)
    assert item.status == "loaded"
    assert item.loaded is not None
    assert item.loaded.currency == "EUR"
    assert item.loaded.frame["order_id"].to_list() == ["1", "3"]
    [dropped] = [issue for issue in item.loaded.issues if issue.code == "other_currency"]
    assert dropped.effect == "dropped"
    assert dropped.rows == 2
    assert dropped.message == "2 order(s) in PLN, USD left out: keeping EUR only"
    assert result.tables.currency == "EUR"
    assert kpis(result, date(2024, 1, 1), date(2024, 1, 31))["sales"].value == pytest.approx(40.0)


def test_mixed_currency_symbols_in_the_cells_fail_the_table():
    data = "order_id,customer_id,ordered_at,revenue\n1,a,2024-01-01,10 €\n2,b,2024-01-02,$20\n".encode()
    item = only(ingest([("cells.csv", data)]))
    assert item.status == "failed"
    assert "mix currencies" in (item.message or "")


# --- naming the table --------------------------------------------------------------------------------

BOTH = b"date,sessions,spend\n2024-01-01,10,5.5\n2024-01-02,20,6.5\n"


def test_a_forced_table_wins_for_a_header_that_fits_two_tables():
    result = ingest([("both.csv", BOTH)], forced={"both.csv": "spend"})
    item = only(result)
    assert item.status == "loaded"
    assert item.table == "spend"
    assert item.recogniser == "canonical spend"
    assert frame(result, "spend")["spend"].to_list() == [5.5, 6.5]
    assert result.tables.traffic is None
    traffic = only(ingest([("both.csv", BOTH)], forced={"both.csv": "traffic"}))
    assert traffic.table == "traffic"


def test_a_forced_table_the_file_does_not_hold_fails():
    item = only(ingest([("ga.csv", b"date,sessions\n2024-01-01,10\n")], forced={"ga.csv": "orders"}))
    assert item.status == "failed"
    assert item.message == "holds traffic, not orders"


def test_a_header_that_fits_two_tables_is_not_loaded_as_one_of_them_silently():
    item = only(ingest([("both.csv", BOTH)]))
    assert item.status in ("unrecognised", "failed")


# --- containers and empty results ---------------------------------------------------------------------


def test_a_zip_of_an_orders_csv_and_a_spend_csv_gives_both_tables():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("orders.csv", THREE_ORDERS)
        archive.writestr("spend.csv", "date,spend\n2024-01-05,12.5\n2024-01-06,7.5\n")
    result = ingest([("export.zip", buffer.getvalue())])
    assert {(item.source, item.status, item.table) for item in result.results} == {
        ("export.zip/orders.csv", "loaded", "orders"),
        ("export.zip/spend.csv", "loaded", "spend"),
    }
    report = kpis(result, date(2024, 1, 1), date(2024, 1, 31))
    assert report["orders"].value == 3
    assert report["spend"].value == pytest.approx(20.0)
    assert report["roas"].value == pytest.approx(175.5 / 20.0)


def test_every_loaded_table_carries_the_digest_of_its_file():
    [result] = ingest_file("orders.csv", THREE_ORDERS)
    assert result.loaded is not None
    assert len(result.loaded.digest) == 64


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (orders_csv("1,a,soon,10,paid", "2,b,later,20,paid"), "no usable rows: 2 value(s) in 'ordered_at' are not"),
        (orders_csv(",a,2024-01-01,10,paid", ",b,2024-01-02,20,paid"), "no usable rows: 2 row(s) have no 'order_id'"),
    ],
    ids=["dates", "ids"],
)
def test_a_file_with_no_usable_rows_fails_with_the_first_reason(data, expected):
    item = only(ingest([("x.csv", data)]))
    assert item.status == "failed"
    assert item.table == "orders"
    assert (item.message or "").startswith(expected)


def test_a_file_of_only_total_rows_fails_with_that_reason():
    item = only(ingest([("ads.csv", b"campaign,date,spend\nTotal: Account,,987.65\nTotal: Search,,800\n")]))
    assert item.status == "failed"
    assert item.message == "the file holds only total rows"


@pytest.mark.parametrize(
    "header",
    [
        "order_id,customer_id,ordered_at,revenue",
        "date,sessions,users",
        "date,spend,clicks",
        "lead_id,created_at",
        "responded_at,score",
    ],
)
def test_a_header_with_no_rows_fails_with_that_reason_for_every_table(header):
    item = only(ingest([("head.csv", f"{header}\n".encode())]))
    assert item.status == "failed"
    assert item.message == "the file has a header but no data rows"


# --- the crafted broken files -------------------------------------------------------------------------

# file → (the statuses it may end in, words its message holds)
BAD_FILES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "binary.bin": (("failed",), "binary file, not a table"),
    "empty.csv": (("failed",), "the file is empty"),
    "empty.zip": (("failed",), "the zip file is empty or damaged"),
    "header_only.csv": (("failed",), "the file has a header but no data rows"),
    "image.png": (("failed",), "binary file (PNG image)"),
    "not_really.xlsx": (("failed",), "not a valid Excel file"),
    "old_excel.xls": (("failed",), "old .xls"),
    "ragged.csv": (("failed",), "line 3 has 5 fields, the header has 3"),
    "thousand_columns.csv": (("failed",), "1,000 columns; at most 500"),
    # a table of something else: the mapping step
    "wrong_table.csv": (("unrecognised",), "map its columns"),
    # campaign costs with no date column: they cannot be placed in a period, so never loaded; either
    # left to the mapping step or skipped by an ads recogniser that says why
    "mixed_encodings.csv": (("unrecognised", "skipped"), None),
    "only_totals.csv": (("unrecognised", "skipped"), None),
    # usable
    "utf16_no_bom.csv": (("loaded",), None),
    "dupe_header.csv": (("loaded",), None),
}


def test_the_table_above_names_every_bad_file():
    assert sorted(BAD_FILES) == sorted(path.name for path in BAD.iterdir())


@pytest.mark.parametrize("name", BAD_FILES)
def test_each_bad_file_fails_with_one_line_or_loads_what_it_holds(name):
    statuses, words = BAD_FILES[name]
    results = ingest([(name, (BAD / name).read_bytes())]).results
    assert len(results) == 1, results
    [item] = results
    assert item.status in statuses, (item.status, item.message)
    if item.status == "loaded":
        assert item.loaded is not None
        assert item.loaded.frame.height > 0
        return
    assert item.message
    assert "\n" not in item.message
    assert "Traceback" not in item.message
    assert not item.message.startswith(("TypeError", "ValueError", "polars"))
    if words:
        assert words in item.message
    if item.status == "unrecognised":
        assert item.raw is not None
        assert item.guess is None


def test_a_utf16_file_without_bom_loads_its_traffic():
    item = only(ingest([("utf16_no_bom.csv", (BAD / "utf16_no_bom.csv").read_bytes())]))
    assert item.table == "traffic"
    assert item.loaded is not None
    assert item.loaded.frame["sessions"].to_list() == [120, 130]
    assert any(issue.code == "encoding" or "UTF-16" in issue.message for issue in item.loaded.issues)


def test_a_repeated_header_name_loads_the_first_column_and_says_so():
    item = only(ingest([("dupe_header.csv", (BAD / "dupe_header.csv").read_bytes())]))
    assert item.table == "spend"
    assert item.loaded is not None
    assert item.loaded.frame.select("date", "clicks", "spend").rows() == [
        (date(2024, 1, 1), 1, 3.5),
        (date(2024, 1, 2), 4, 6.0),
    ]
    assert any("clicks" in issue.line() and "more than once" in issue.message for issue in item.loaded.issues)


@pytest.mark.parametrize("files", [1, 2])
def test_the_data_set_skips_only_what_the_importer_already_did(files):
    """Ingest vouches for its frames (text trimmed, empty cells null, the winning row of each key
    known), so preparing them skips those passes: the result must equal preparing the same typed
    rows from scratch, with a repeated key, padded and empty text, and one file or two."""
    first = orders_csv(
        "1, c1 ,2024-03-01 10:00,10,paid",
        '2,"",2024-03-01 11:00,5,Completed',
        "1,c1,2024-03-02 09:00,12,paid",  # order 1 again: this row wins
        '3,c3,2024-03-03 08:00,7,"  refunded "',
    )
    second = orders_csv("3,c3,2024-03-03 08:00,7,cancelled", "4,c4,2024-03-04 12:00,9,paid")
    uploads = [("a.csv", first), ("b.csv", second)][:files]
    result = ingest(uploads)
    typed = pl.concat([loaded.frame for loaded in result.loaded()], how="diagonal_relaxed")
    from_scratch = Tables.from_frames(orders=typed).orders.to_native()
    shortcut = result.tables.orders.to_native()
    assert shortcut.sort("order_id").equals(from_scratch.sort("order_id"))
    assert shortcut.height == (3 if files == 1 else 4)
    assert shortcut.filter(pl.col("order_id") == "1")["revenue"].item() == 12
    assert shortcut.filter(pl.col("order_id") == "2")["customer_key"].item() == "guest:2"
