"""kpi.readers (bytes → canonical tables, with every issue found), kpi.issues and kpi.schema."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime

import polars as pl
import pytest

from kpi.issues import DataError, Issue, has_errors
from kpi.readers import combine, digest_of, load_path, load_table, recognise, validate
from kpi.schema import SCHEMAS, TABLE_NAMES

ORDERS = b"order_id,customer_id,ordered_at,revenue\n"


def _codes(loaded) -> list[str]:
    return [issue.code for issue in loaded.issues]


def _issue(loaded, code: str, column: str | None = None) -> Issue:
    found = [issue for issue in loaded.issues if issue.code == code and (column is None or issue.column == column)]
    assert len(found) == 1, loaded.issues
    return found[0]


def _rows(loaded) -> list[dict]:
    return loaded.frame.to_dicts()


def _data_error(data: bytes, name: str = "upload.csv", table=None) -> str:
    with pytest.raises(DataError) as caught:
        load_table(data, name, table)
    message = str(caught.value)
    assert message.startswith(f"{name}: ")
    assert "\n" not in message
    assert "Traceback" not in message
    assert not re.search(r"\b\w*(Error|Exception)\b", message), message
    return message


# --- the schema ---------------------------------------------------------------------------------


def test_required_columns_are_the_contract_starred_ones():
    assert {name: SCHEMAS[name].required for name in TABLE_NAMES} == {
        "orders": ("order_id", "customer_id", "ordered_at", "revenue"),
        "traffic": ("date", "sessions"),
        "spend": ("date", "spend"),
        "leads": ("lead_id", "created_at"),
        "nps": ("responded_at", "score"),
    }


def test_a_missing_column_is_explained_per_table():
    assert SCHEMAS["orders"].lacks("device") == "orders have no device column"
    assert SCHEMAS["spend"].lacks("device") == "spend has no device column"
    assert SCHEMAS["nps"].lacks("device") == "NPS answers have no device column"


# --- recognising a header -----------------------------------------------------------------------


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_required_header_is_recognised(table):
    assert recognise(list(SCHEMAS[table].required), "f.csv") == table


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_full_canonical_header_is_recognised(table):
    assert recognise(list(SCHEMAS[table].names), "f.csv") == table


@pytest.mark.parametrize(
    ("header", "table"),
    [
        (["revenue", "ordered_at", "customer_id", "order_id"], "orders"),
        (["ORDER_ID", "Customer_ID", "ORDERED_AT", "Revenue"], "orders"),
        (["Order ID", "Customer ID", "Ordered At", "Revenue"], "orders"),
        (["sessions", "channel", "date"], "traffic"),
        (["DATE", "SPEND", "clicks"], "spend"),
        (["score", "responded_at", "comment"], "nps"),
        (["lead_id", "created_at", "won_at", "utm_content"], "leads"),
    ],
)
def test_header_in_any_order_and_case(header, table):
    assert recognise(header, "f.csv") == table


def test_an_unrecognised_header_names_the_file_and_the_closest_table():
    with pytest.raises(DataError) as caught:
        recognise(["order_id", "customer_id", "ordered_at", "revenu"], "shop.csv")
    message = str(caught.value)
    assert message.startswith("shop.csv: header not recognised")
    assert "closest: orders" in message
    assert "did you mean 'revenu' for 'revenue'?" in message


def test_a_header_that_fits_two_tables_equally_asks_for_the_table():
    with pytest.raises(DataError, match=r"fits several tables \(traffic, spend\)"):
        recognise(["date", "sessions", "spend"], "both.csv")


# --- loading: shapes of a header ----------------------------------------------------------------


def test_canonical_orders_are_typed():
    loaded = load_table(ORDERS + b"A1,c1,2024-11-03 10:00:00,10.5\nA2,,2024-11-04 23:59:59,5\n", "orders.csv")
    assert (loaded.table, loaded.source, loaded.rows_read, loaded.rows_kept) == ("orders", "orders.csv", 2, 2)
    assert loaded.issues == ()
    assert _rows(loaded) == [
        {"order_id": "A1", "customer_id": "c1", "ordered_at": datetime(2024, 11, 3, 10, 0), "revenue": 10.5},
        {"order_id": "A2", "customer_id": None, "ordered_at": datetime(2024, 11, 4, 23, 59, 59), "revenue": 5.0},
    ]


def test_columns_in_another_order_with_an_extra_column_and_upper_case_names():
    data = b"REVENUE,Ordered_At,Customer_ID,Order_ID,Coupon\n12,2024-11-03 10:00,c1,A1,XMAS\n"
    loaded = load_table(data, "shop.csv")
    assert loaded.table == "orders"
    assert _rows(loaded) == [
        {"revenue": 12.0, "ordered_at": datetime(2024, 11, 3, 10, 0), "customer_id": "c1", "order_id": "A1"}
    ]
    issue = _issue(loaded, "unknown_columns")
    assert issue.severity == "info"
    assert "coupon" in issue.message
    assert not has_errors(loaded.issues)


def test_every_table_loads_typed():
    cases = {
        "traffic": (b"date,sessions,users,session_duration_s\n2024-11-03,120,80,4500.5\n", "traffic"),
        "spend": (b"date,spend,impressions,clicks\n2024-11-03,99.5,1000,12\n", "spend"),
        "leads": (b"lead_id,created_at,mql_at,deal_value\nL1,2024-11-03 09:00,2024-11-05,1500\n", "leads"),
        "nps": (b"responded_at,score,channel\n2024-11-03 12:00,9,Email\n", "nps"),
    }
    rows = {name: _rows(load_table(data, f"{name}.csv")) for name, (data, _) in cases.items()}
    assert rows == {
        "traffic": [{"date": date(2024, 11, 3), "sessions": 120, "users": 80, "session_duration_s": 4500.5}],
        "spend": [{"date": date(2024, 11, 3), "spend": 99.5, "impressions": 1000, "clicks": 12}],
        "leads": [
            {
                "lead_id": "L1",
                "created_at": datetime(2024, 11, 3, 9, 0),
                "mql_at": datetime(2024, 11, 5),
                "deal_value": 1500.0,
            }
        ],
        "nps": [{"responded_at": datetime(2024, 11, 3, 12, 0), "score": 9, "channel": "Email"}],
    }


def test_the_table_can_be_named():
    loaded = load_table(b"date,sessions,spend\n2024-11-03,5,1.5\n", "both.csv", "spend")
    assert loaded.table == "spend"
    assert _rows(loaded) == [{"date": date(2024, 11, 3), "spend": 1.5}]


# --- loading: dates and times -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-11-03 10:00:00+1100", datetime(2024, 11, 3, 10, 0)),
        ("2024-11-03 10:00:00 +1100", datetime(2024, 11, 3, 10, 0)),
        ("2024-11-03T23:30:00+11:00", datetime(2024, 11, 3, 23, 30)),
        ("2024-11-03T23:30:00-05:00", datetime(2024, 11, 3, 23, 30)),
        ("2024-11-04 01:02:03Z", datetime(2024, 11, 4, 1, 2, 3)),
        ("2024-11-04T01:02:03.250Z", datetime(2024, 11, 4, 1, 2, 3, 250000)),
        ("2024-11-03T10:00:00", datetime(2024, 11, 3, 10, 0)),
        ("2024-11-03T10:00", datetime(2024, 11, 3, 10, 0)),
        ("2024-11-03 10:00", datetime(2024, 11, 3, 10, 0)),
        ("2024-11-05", datetime(2024, 11, 5, 0, 0)),
        ("2024-02-29 23:59:59", datetime(2024, 2, 29, 23, 59, 59)),
    ],
)
def test_datetimes_keep_the_wall_clock_time(text, expected):
    loaded = load_table(ORDERS + f"A1,c1,{text},1\n".encode(), "orders.csv")
    assert loaded.issues == ()
    assert loaded.frame["ordered_at"].to_list() == [expected]


def test_date_columns_accept_datetimes_and_zones():
    data = b"date,sessions\n2024-11-03,1\n2024-11-04 23:00:00+0100,2\n2024-11-05T00:00:00Z,3\n"
    loaded = load_table(data, "t.csv")
    assert loaded.issues == ()
    assert loaded.frame["date"].to_list() == [date(2024, 11, 3), date(2024, 11, 4), date(2024, 11, 5)]


def test_iso_dates_are_never_read_day_first():
    loaded = load_table(b"date,sessions\n2024-01-05,1\n", "t.csv")
    assert loaded.frame["date"].to_list() == [date(2024, 1, 5)]


# --- loading: bad values ------------------------------------------------------------------------


def test_unparseable_values_are_a_warning_with_examples_naming_the_line():
    data = ORDERS + (
        b"A1,c1,2024-11-03,abc\n"  # line 2
        b"A2,c2,2024-13-11,5\n"  # line 3: no 13th month
        b"A3,c3,2024-11-03,1\n"  # line 4: good
        b"A4,c4,2024-02-30,x\n"  # line 5: impossible date and a bad number
        b"A5,c5,2024-11-03,y\n"
        b"A6,c6,2024-11-03,z\n"
        b"A7,c7,2024-11-03,w\n"
        b"A8,c8,2024-11-03,v\n"  # line 9: the sixth bad revenue
    )
    loaded = load_table(data, "orders.csv")
    assert loaded.rows_read == 8
    assert loaded.frame["order_id"].to_list() == ["A3"]
    revenue = _issue(loaded, "unparseable_value", "revenue")
    assert (revenue.severity, revenue.rows) == ("warning", 6)
    assert revenue.message.startswith("6 value(s) in 'revenue' are not a valid float")
    assert revenue.examples == ("line 2: 'abc'", "line 5: 'x'", "line 6: 'y'", "line 7: 'z'", "line 8: 'w'")
    ordered_at = _issue(loaded, "unparseable_value", "ordered_at")
    assert (ordered_at.severity, ordered_at.rows) == ("warning", 2)
    assert ordered_at.examples == ("line 3: '2024-13-11'", "line 5: '2024-02-30'")


def test_a_slashed_date_is_read_and_its_ambiguous_order_flagged():
    loaded = load_table(ORDERS + b"A1,c1,2024-11-03,1\nA2,c2,03/11/2024,5\n", "orders.csv")
    assert loaded.frame["order_id"].to_list() == ["A1", "A2"]
    assert _issue(loaded, "ambiguous_dates", "ordered_at").severity == "warning"


def test_an_unparseable_optional_value_is_left_empty_and_the_row_kept():
    loaded = load_table(
        ORDERS.rstrip(b"\n") + b",refunded\nA1,c1,2024-11-03,10,abc\nA2,c2,2024-11-03,10,n/a\n", "orders.csv"
    )
    assert loaded.frame["refunded"].to_list() == [None, None]
    assert loaded.rows_kept == 2
    issue = _issue(loaded, "unparseable_value", "refunded")
    assert issue.message.endswith("values left empty")
    assert issue.examples == ("line 2: 'abc'",)  # 'n/a' is a missing marker, not a bad value


def test_an_empty_required_value_drops_the_row_with_a_warning():
    loaded = load_table(ORDERS + b"A1,c1,,10\nA2,,2024-11-03,5\n", "orders.csv")
    assert loaded.frame["order_id"].to_list() == ["A2"]  # an empty customer_id is a guest, kept
    issue = _issue(loaded, "empty_required", "ordered_at")
    assert (issue.severity, issue.rows) == ("warning", 1)


def test_non_finite_numbers_are_not_values():
    loaded = load_table(b"date,spend\n2024-11-03,inf\n2024-11-04,NaN\n2024-11-05,1e3\n", "s.csv")
    assert _rows(loaded) == [{"date": date(2024, 11, 5), "spend": 1000.0}]
    assert _issue(loaded, "unparseable_value", "spend").examples == ("line 2: 'inf'",)
    assert _issue(loaded, "empty_required", "spend").examples == ("line 3: 'NaN'",)  # NaN marks a missing value


# --- loading: files that cannot be used ---------------------------------------------------------


def test_a_missing_required_column_names_the_file_and_suggests_the_closest():
    message = _data_error(b"order_id,customer_id,ordered_at,revenu\nA1,c1,2024-11-03,3\n", "shop.csv", "orders")
    assert message == "shop.csv: required column 'revenue' is missing (did you mean 'revenu'?)"


def test_an_unrecognised_file_suggests_the_closest_column():
    message = _data_error(b"order_id,customer_id,orderd_at,revenue\nA1,c1,2024-11-03,3\n", "shop.csv")
    assert "did you mean 'orderd_at' for 'ordered_at'?" in message


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the file is empty"),
        (b"  \r\n\n", "the file is empty"),
        (ORDERS, "the file has a header but no data rows"),
        (b"date,sessions\r\n", "the file has a header but no data rows"),
        (bytes(range(256)) * 4, "binary file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
        (b"PK\x03\x04\x14\x00\x06\x00", "the zip file is empty or damaged"),
        (ORDERS + b"A1,c1,2024-11-03,3\nA2,c2,2024-11-03,4,5,6\n", "line 3 has 6 fields, the header has 4"),
        (b'date,sessions,channel\n2024-11-03,5,"unterminated\n', "never closed"),
    ],
    ids=["empty", "blank", "header-only", "header-only-crlf", "binary", "png", "zip", "ragged", "open-quote"],
)
def test_unusable_files_raise_one_line_naming_the_file(data, problem):
    assert problem in _data_error(data, "upload.csv")


def test_a_ragged_line_is_named():
    message = _data_error(ORDERS + b"A1,c1,2024-11-03,3\nA2,c2,2024-11-03,4,5,6\n", "upload.csv")
    assert "line 3" in message


def test_a_corrupt_parquet_file_is_one_plain_line():
    assert "Parquet" in _data_error(b"PAR1 this is not parquet", "upload.parquet")


def test_truncated_utf16_keeps_its_good_rows_and_warns():
    data = b"\xff\xfe" + "date,sessions\n2024-11-03,5\n".encode("utf-16-le") + b"\x00"
    loaded = load_table(data, "upload.csv")
    assert loaded.frame["sessions"].to_list() == [5]
    assert _issue(loaded, "undecodable_bytes", None).severity == "warning"


def test_an_integer_too_large_is_an_unparseable_value():
    loaded = load_table(b"date,sessions\n2024-11-03,99999999999999999999999\n2024-11-04,5\n", "t.csv")
    assert loaded.frame["sessions"].to_list() == [5]
    assert _issue(loaded, "unparseable_value", "sessions").rows == 1


def test_a_short_line_leaves_its_missing_cells_empty():
    loaded = load_table(ORDERS + b"A1,c1,2024-11-03,3\nA2,c2\n", "orders.csv")
    assert loaded.frame["order_id"].to_list() == ["A1"]
    assert _issue(loaded, "empty_required", "revenue").examples == ("line 3: (empty)",)


def test_a_trailing_blank_line_is_not_a_row():
    loaded = load_table(b"date,sessions\n2024-11-03,5\n\n", "t.csv")
    assert (loaded.rows_read, loaded.issues) == (1, ())


# --- delimiters and encodings -------------------------------------------------------------------


@pytest.mark.parametrize("separator", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(separator):
    text = separator.join(["date", "spend", "campaign"]) + "\n" + separator.join(["2024-11-03", "5.5", "a b"]) + "\n"
    loaded = load_table(text.encode(), "s.csv")
    assert _rows(loaded) == [{"date": date(2024, 11, 3), "spend": 5.5, "campaign": "a b"}]


def test_quoted_cells_keep_the_delimiter():
    loaded = load_table(b'date,sessions,campaign\n"2024-11-03","5","sale, 50% off"\n', "t.csv")
    assert _rows(loaded) == [{"date": date(2024, 11, 3), "sessions": 5, "campaign": "sale, 50% off"}]


def test_utf8_bom():
    loaded = load_table("\ufeffdate,sessions,channel\n2024-11-03,5,Kanał €\n".encode(), "t.csv")
    assert loaded.frame.columns == ["date", "sessions", "channel"]
    assert _rows(loaded) == [{"date": date(2024, 11, 3), "sessions": 5, "channel": "Kanał €"}]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(encoding):
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[encoding]
    data = bom + "date\tsessions\tchannel\r\n2024-11-03\t5\tKanał €\r\n".encode(encoding)
    loaded = load_table(data, "t.csv")
    assert _rows(loaded) == [{"date": date(2024, 11, 3), "sessions": 5, "channel": "Kanał €"}]


def test_cp1252_text_decodes():
    data = "date,sessions,channel\n2024-11-03,5,Café €\n".encode("cp1252")
    loaded = load_table(data, "t.csv")
    assert _rows(loaded) == [{"date": date(2024, 11, 3), "sessions": 5, "channel": "Café €"}]


def test_cp1250_text_does_not_crash():
    data = "date,sessions,channel\n2024-11-03,5,Kanał\n".encode("cp1250")
    loaded = load_table(data, "t.csv")
    assert loaded.frame["sessions"].to_list() == [5]
    assert loaded.frame["channel"].to_list()[0].startswith("Kana")


def test_utf8_bom_with_one_bad_byte_keeps_its_header():
    loaded = load_table(b"\xef\xbb\xbfdate,sessions,channel\n2024-11-03,5,Caf\xff\n", "t.csv")
    assert loaded.table == "traffic"
    assert loaded.frame["sessions"].to_list() == [5]


# --- table checks -------------------------------------------------------------------------------


def test_a_repeated_order_id_is_an_info_and_the_last_row_wins():
    first = load_table(
        b"order_id,customer_id,ordered_at,revenue,status\n"
        b"A1,c1,2024-11-03,10,paid\n"
        b"A1,c1,2024-11-03,10,refunded\n"
        b"A2,c2,2024-11-04,5,paid\n",
        "first.csv",
    )
    issue = _issue(first, "duplicate_key", "order_id")
    assert (issue.severity, issue.rows) == ("info", 1)
    assert first.rows_kept == 3  # the loader reports, the data set keeps the last row

    tables = combine([first])
    orders = tables.orders.to_native().sort("order_id")
    assert orders.select("order_id", "status").to_dicts() == [
        {"order_id": "A1", "status": "refunded"},
        {"order_id": "A2", "status": "paid"},
    ]

    later = load_table(b"order_id,customer_id,ordered_at,revenue,status\nA1,c1,2024-11-03,10,cancelled\n", "later.csv")
    orders = combine([first, later]).orders.to_native().sort("order_id")
    assert orders.select("order_id", "status").to_dicts() == [
        {"order_id": "A1", "status": "cancelled"},
        {"order_id": "A2", "status": "paid"},
    ]


def test_the_same_bytes_loaded_twice_count_once():
    data = b"date,sessions\n2024-11-03,5\n2024-11-04,7\n"
    once = load_table(data, "traffic.csv")
    again = load_table(data, "traffic (1).csv")
    other = load_table(b"date,sessions\n2024-11-05,1\n", "more.csv")
    assert once.digest == again.digest != other.digest
    tables = combine([once, again, other])
    assert tables.traffic.to_native()["sessions"].to_list() == [5, 7, 1]


def test_combine_gives_each_table_its_frame():
    tables = combine(
        [
            load_table(ORDERS + b"A1,c1,2024-11-03,10\n", "o.csv"),
            load_table(b"date,spend\n2024-11-03,4\n", "s.csv"),
        ]
    )
    assert tables.present() == ("orders", "spend")
    assert tables.traffic is None


def test_mixed_currencies_are_an_error():
    data = ORDERS.rstrip(b"\n") + b",currency\nA1,c1,2024-11-03,10,EUR\nA2,c2,2024-11-03,10,USD\nA3,c3,2024-11-03,1,\n"
    with pytest.raises(DataError) as caught:
        load_table(data, "orders.csv")
    assert "orders mix currencies (EUR, USD)" in str(caught.value)
    issue = next(issue for issue in caught.value.issues if issue.code == "mixed_currencies")
    assert issue.severity == "error"
    assert has_errors(caught.value.issues)


def test_every_missing_column_is_reported_at_once():
    raw = pl.DataFrame({"OrderID": ["A1"], "Ordered": ["2024-11-03"], "note": ["x"]})
    errors = [issue for issue in validate(raw, "orders").issues if issue.severity == "error"]
    assert [issue.column for issue in errors] == ["order_id", "customer_id", "ordered_at", "revenue"]
    assert errors[0].hint == "did you mean 'OrderID'?"
    assert errors[2].hint == "did you mean 'Ordered'?"
    with pytest.raises(DataError) as caught:
        load_table(b"OrderID,Ordered,note\nA1,2024-11-03,x\n", "orders.csv", "orders")
    message = str(caught.value)
    assert message.count("is missing") == 4
    assert "\n" not in message


def test_one_currency_is_fine():
    data = ORDERS.rstrip(b"\n") + b",currency\nA1,c1,2024-11-03,10,EUR\nA2,c2,2024-11-03,10,EUR\n"
    loaded = load_table(data, "orders.csv")
    assert loaded.issues == ()
    assert combine([loaded]).currency == "EUR"


def test_nps_scores_outside_0_to_10_are_dropped_with_a_warning():
    data = b"responded_at,score\n2024-11-03,11\n2024-11-03,-1\n2024-11-03,9\n2024-11-03,10\n2024-11-03,0\n"
    loaded = load_table(data, "nps.csv")
    assert loaded.frame["score"].to_list() == [9, 10, 0]
    assert loaded.rows_read == 5
    issue = _issue(loaded, "score_out_of_range", "score")
    assert (issue.severity, issue.rows) == ("warning", 2)


def test_unknown_statuses_and_negative_revenue_are_warnings():
    data = b"order_id,customer_id,ordered_at,revenue,status\nA1,c1,2024-11-03,-10,on the way\nA2,c2,2024-11-03,5,PAID\n"
    loaded = load_table(data, "orders.csv")
    status = _issue(loaded, "unknown_status", "status")
    assert (status.severity, status.rows, status.examples) == ("warning", 1, ("on the way",))
    assert _issue(loaded, "negative_amount", "revenue").rows == 1


# --- paths and digests --------------------------------------------------------------------------


def test_load_path_reads_a_file_and_names_it(tmp_path):
    path = tmp_path / "spend.csv"
    data = b"date,spend\n2024-11-03,4.5\n"
    path.write_bytes(data)
    loaded = load_path(path)
    assert (loaded.source, loaded.table, loaded.digest) == ("spend.csv", "spend", digest_of(data))
    assert _rows(loaded) == [{"date": date(2024, 11, 3), "spend": 4.5}]


def test_load_path_with_a_table(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"date,sessions,spend\n2024-11-03,5,1\n")
    assert load_path(path, "traffic").table == "traffic"


def test_a_missing_path_is_a_data_error(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(DataError) as caught:
        load_path(path)
    assert str(caught.value) == f"{path}: cannot be read (No such file or directory)"


def test_digest_is_the_sha256_of_the_bytes():
    assert digest_of(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert digest_of(b"date,sessions\n") == hashlib.sha256(b"date,sessions\n").hexdigest()
    data = b"date,spend\n2024-11-03,4\n"
    assert load_table(data, "s.csv").digest == hashlib.sha256(data).hexdigest()


# --- issues -------------------------------------------------------------------------------------


def test_issue_line():
    issue = Issue(
        "warning",
        "unparseable_value",
        "revenue",
        "2 value(s) in 'revenue' are not a valid float: rows dropped",
        hint="use a dot for decimals",
        rows=2,
        examples=("line 2: 'abc'", "line 5: 'x'"),
    )
    assert issue.line("orders.csv") == (
        "warning: orders.csv: 2 value(s) in 'revenue' are not a valid float: rows dropped; "
        "e.g. line 2: 'abc', line 5: 'x' (use a dot for decimals)"
    )
    assert Issue("info", "x", None, "hello").line() == "info: hello"


def test_data_error_is_one_line_naming_the_source():
    err = DataError("orders.csv", "the file is empty")
    assert (str(err), err.source, err.message) == ("orders.csv: the file is empty", "orders.csv", "the file is empty")


def test_has_errors():
    assert not has_errors([Issue("warning", "a", None, "m"), Issue("info", "b", None, "m")])
    assert has_errors((Issue("info", "b", None, "m"), Issue("error", "c", None, "m")))


def test_load_table_follows_the_size_limit_it_is_given():
    from kpi.ingest.model import LOCAL_LIMITS, Limits
    from kpi.ingest.pipeline import IngestOptions

    data = b"date,sessions\n2024-01-01,5\n2024-01-02,7\n"
    with pytest.raises(DataError, match="the limit is"):
        load_table(data, "traffic.csv", options=IngestOptions(limits=Limits(max_bytes=20)))
    assert load_table(data, "traffic.csv", options=IngestOptions(limits=LOCAL_LIMITS)).frame.height == 2
    assert LOCAL_LIMITS.max_bytes > Limits().max_bytes  # the CLI reads files the app would refuse
    assert LOCAL_LIMITS.max_compression_ratio == Limits().max_compression_ratio  # zip bombs stay refused
