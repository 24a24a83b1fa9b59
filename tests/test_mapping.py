"""kpi.ingest.mapping (suggestions in five languages, the table guess, mapping profiles, applying a
mapping) and the recogniser of usual column names (kpi.ingest.recognisers.synonyms)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import polars as pl
import pytest

from kpi.engine import compute
from kpi.ingest.mapping import (
    PROFILE_FORMAT,
    PROFILE_VERSION,
    SYNONYMS,
    ColumnMapping,
    apply_mapping,
    guess_table,
    normalise_name,
    suggest,
    suggested_mapping,
    unmapped_columns,
)
from kpi.ingest.model import ParseOptions, RawTable
from kpi.ingest.pipeline import ingest
from kpi.ingest.quality import file_quality
from kpi.ingest.recognisers.synonyms import certain_mapping
from kpi.ingest.validation import to_canonical
from kpi.issues import DataError
from kpi.periods import Period
from kpi.schema import SCHEMAS, TABLE_NAMES

IDS = ["1001", "1002", "1003"]
DAYS = ["2024-01-05", "2024-01-06", "2024-01-17"]
MONEY = ["12.50", "7.00", "30.10"]
EMAILS = ["ana@example.com", "ben@example.com", "cy@example.com"]


def raw_table(columns: dict[str, list[str]], name: str = "upload.csv") -> RawTable:
    """A raw table of text cells, as the readers give it."""
    frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))
    return RawTable(name, frame, meta={"file_name": name})


def chosen(raw: RawTable, table) -> dict[str, str]:
    """Canonical column → the file column suggested for it."""
    return {name: suggestion.column for name, suggestion in suggest(raw, table).items()}


def data_error(call, *args, **kwargs) -> str:
    """The one-line message of the DataError the call raises."""
    with pytest.raises(DataError) as caught:
        call(*args, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    assert "Traceback" not in message
    return message


# --- names --------------------------------------------------------------------------------------


def test_header_names_are_compared_without_case_accents_or_punctuation():
    assert normalise_name("Nr zamówienia") == "nr zamowienia"
    assert normalise_name("  Wartość_Zamówienia (PLN) ") == "wartosc zamowienia pln"
    assert normalise_name("Número de pedido") == "numero de pedido"
    assert normalise_name("Bestellwert") == "bestellwert"
    assert normalise_name("Order #") == "order #"


def test_synonyms_cover_every_canonical_column_and_no_name_belongs_to_two_columns_of_a_table():
    assert set(SYNONYMS) == {name for table in TABLE_NAMES for name in SCHEMAS[table].names}
    for table in TABLE_NAMES:
        owner: dict[str, str] = {}
        for column in SCHEMAS[table].names:
            for synonym in {normalise_name(column), *SYNONYMS[column]}:
                assert owner.setdefault(synonym, column) == column, (table, synonym)


# --- suggest: five languages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order_id", "ordered_at", "revenue", "customer_id"),
    [
        ("Order ID", "Order date", "Revenue", "Customer"),
        ("Nr zamówienia", "Data zamówienia", "Wartość zamówienia", "Klient"),
        ("Número de pedido", "Fecha", "Importe", "Cliente"),
        ("Numéro de commande", "Date de commande", "Montant", "Client"),
        ("Bestellnummer", "Bestelldatum", "Bestellwert", "Kunde"),
    ],
    ids=["en", "pl", "es", "fr", "de"],
)
def test_orders_columns_are_found_in_five_languages(order_id, ordered_at, revenue, customer_id):
    # the file's columns in another order than the schema's
    raw = raw_table({customer_id: EMAILS, revenue: MONEY, order_id: IDS, ordered_at: DAYS})
    suggestions = suggest(raw, "orders")
    assert chosen(raw, "orders") == {
        "order_id": order_id,
        "customer_id": customer_id,
        "ordered_at": ordered_at,
        "revenue": revenue,
    }
    assert all(suggestion.score == 1.0 for suggestion in suggestions.values())
    assert suggestions["order_id"].why == f"'{order_id}' is a usual name for order_id"
    assert guess_table(raw) == "orders"
    mapping = certain_mapping(raw)
    assert mapping is not None
    assert mapping.table == "orders"


@pytest.mark.parametrize(
    ("table", "columns", "expected"),
    [
        (
            "traffic",
            {"Dzień": DAYS, "Kanał": ["Direct", "Email", "Direct"], "Sesje": ["10", "12", "9"], "Użytkownicy": IDS},
            {"date": "Dzień", "sessions": "Sesje", "channel": "Kanał", "users": "Użytkownicy"},
        ),
        (
            "traffic",
            {"Datum": DAYS, "Sitzungen": ["10", "12", "9"], "Seitenaufrufe": ["20", "30", "15"]},
            {"date": "Datum", "sessions": "Sitzungen", "pageviews": "Seitenaufrufe"},
        ),
        (
            "spend",
            {"Fecha": DAYS, "Campaña": ["a", "b", "a"], "Coste": ["1,50", "2,00", "3,25"], "Clics": ["3", "4", "5"]},
            {"date": "Fecha", "spend": "Coste", "campaign": "Campaña", "clicks": "Clics"},
        ),
        (
            "spend",
            {"Jour": DAYS, "Coût": ["1,50", "2,00", "3,25"], "Impressions": ["100", "120", "90"]},
            {"date": "Jour", "spend": "Coût", "impressions": "Impressions"},
        ),
        (
            "leads",
            {"ID du prospect": ["L1", "L2", "L3"], "Date de création": DAYS, "Propriétaire": ["x", "y", "x"]},
            {"lead_id": "ID du prospect", "created_at": "Date de création", "owner": "Propriétaire"},
        ),
        (
            "leads",
            {"Lead ID": ["L1", "L2", "L3"], "Create Date": DAYS, "Deal amount": MONEY, "Won date": DAYS},
            {"lead_id": "Lead ID", "created_at": "Create Date", "won_at": "Won date", "deal_value": "Deal amount"},
        ),
        (
            "nps",
            {"Antwortdatum": DAYS, "Bewertung": ["9", "3", "10"], "Kunde": EMAILS},
            {"responded_at": "Antwortdatum", "score": "Bewertung", "customer_id": "Kunde"},
        ),
        (
            "nps",
            {"Data odpowiedzi": DAYS, "Ocena": ["9", "3", "10"]},
            {"responded_at": "Data odpowiedzi", "score": "Ocena"},
        ),
    ],
    ids=["traffic-pl", "traffic-de", "spend-es", "spend-fr", "leads-fr", "leads-en", "nps-de", "nps-pl"],
)
def test_the_other_tables_are_found_by_their_usual_names(table, columns, expected):
    raw = raw_table(columns)
    assert chosen(raw, table) == expected
    assert guess_table(raw) == table


def test_a_name_match_whose_values_do_not_fit_is_demoted():
    # 'Date' is a usual name for ordered_at, but the column holds e-mails
    raw = raw_table({"Order ID": IDS, "Date": EMAILS, "Created": DAYS, "Amount": MONEY})
    assert chosen(raw, "orders")["ordered_at"] == "Created"

    alone = raw_table({"Order ID": IDS, "Date": EMAILS, "Amount": MONEY})
    weak = suggest(alone, "orders").get("ordered_at")
    assert weak is None or weak.score < 0.5
    if weak is not None:
        assert "values look like" in weak.why
    assert "ordered_at" not in suggested_mapping(alone, "orders").columns
    assert guess_table(alone) is None
    assert certain_mapping(alone) is None


def test_numbers_are_not_taken_for_a_date_either():
    raw = raw_table({"Date": ["12.50", "7.00", "30.10"], "Day": DAYS, "Sessions": ["1", "2", "3"]})
    assert chosen(raw, "traffic")["date"] == "Day"


def test_each_file_column_is_used_once():
    raw = raw_table(
        {
            "Order": IDS,
            "Order status": ["paid", "paid", "cancelled"],
            "Order date": DAYS,
            "Order total": MONEY,
            "Customer email": EMAILS,
            "Email": EMAILS,
        }
    )
    picked = chosen(raw, "orders")
    assert len(set(picked.values())) == len(picked)
    assert picked["order_id"] == "Order"
    assert picked["status"] == "Order status"
    # 'Engaged sessions' is engaged_sessions exactly; it is not also the sessions column
    traffic = raw_table({"Date": DAYS, "Engaged sessions": ["5", "6", "7"]})
    assert chosen(traffic, "traffic") == {"date": "Date", "engaged_sessions": "Engaged sessions"}
    assert guess_table(traffic) is None


def test_guess_table_returns_none_for_a_table_about_something_else():
    raw = raw_table({"ingredient": ["flour", "sugar", "butter"], "grams": ["500", "200", "250"], "kcal": IDS})
    assert guess_table(raw) is None
    assert all(suggest(raw, table) == {} for table in TABLE_NAMES)


def test_suggested_mapping_keeps_the_confident_suggestions_and_lists_the_columns_left_out():
    raw = raw_table({"Order": IDS, "Email": EMAILS, "Order date": DAYS, "Order total": MONEY, "Gift wrap": IDS})
    mapping = suggested_mapping(raw, "orders")
    assert mapping.columns == {
        "order_id": "Order",
        "customer_id": "Email",
        "ordered_at": "Order date",
        "revenue": "Order total",
    }
    assert mapping.header == ("Order", "Email", "Order date", "Order total", "Gift wrap")
    assert mapping.problems() == []
    assert list(unmapped_columns(raw, mapping)) == ["Gift wrap"]


# --- ColumnMapping: the JSON profile ----------------------------------------------------------------

FULL = ColumnMapping(
    name="Kasa fiskalna",
    table="orders",
    columns={"customer_id": "Klient", "ordered_at": "Kiedy", "revenue": "Kwota brutto"},
    constants={"channel": "Offline", "currency": "PLN"},
    parse=ParseOptions(decimal=",", date_order="dmy"),
    header=("Paragon", "Klient", "Kiedy", "Kwota brutto"),
    row_numbers_as_ids=True,
)


def test_a_mapping_round_trips_through_its_json_profile():
    text = FULL.to_json()
    data = json.loads(text)
    assert data["format"] == PROFILE_FORMAT
    assert data["version"] == PROFILE_VERSION
    assert data["header"] == ["Paragon", "Klient", "Kiedy", "Kwota brutto"]
    assert "Kwota brutto" in text  # written as UTF-8 text, not \u escapes
    assert ColumnMapping.from_json(text) == FULL
    assert ColumnMapping.from_json(text.encode()) == FULL
    plain = ColumnMapping("p", "spend", {"date": "Day", "spend": "Cost"})
    assert ColumnMapping.from_json(plain.to_json()) == plain


def _profile(**changes) -> str:
    data = json.loads(ColumnMapping("shop", "orders", {"order_id": "No", "customer_id": "Who"}).to_json())
    data["columns"].update(ordered_at="When", revenue="Value")
    data.update(changes)
    return json.dumps({key: value for key, value in data.items() if value is not ...})


def test_a_profile_made_by_hand_reads():
    mapping = ColumnMapping.from_json(_profile(), "shop.json")
    assert mapping.columns == {"order_id": "No", "customer_id": "Who", "ordered_at": "When", "revenue": "Value"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "profile.json: is not a JSON mapping profile"),
        (b"\xff\xfe\x00{", "profile.json: is not a JSON mapping profile"),
        ("[1, 2]", "profile.json: is not a KPI Explorer mapping profile"),
        (_profile(format="something-else"), "profile.json: is not a KPI Explorer mapping profile"),
        (_profile(format=...), "profile.json: is not a KPI Explorer mapping profile"),
        (_profile(version=2), "profile.json: has profile version 2; this app reads 1"),
        (_profile(table="sales"), "profile.json: names an unknown table 'sales'"),
        (
            _profile(
                columns={"order_id": "No", "customer_id": "Who", "ordered_at": "When", "revenue": "V", "hue": "C"}
            ),
            "profile.json: is not a usable mapping: 'hue' is not a column of orders",
        ),
        (_profile(columns={"order_id": 7}), "profile.json: columns and constants must map names to text"),
        (_profile(columns=["order_id", "No"]), "profile.json: columns and constants must map names to text"),
        (_profile(constants={"channel": None}), "profile.json: columns and constants must map names to text"),
        (_profile(date_order="dym"), "profile.json: has an unknown decimal mark or date order"),
        (_profile(decimal=";"), "profile.json: has an unknown decimal mark or date order"),
        (_profile(header="No,Who"), "profile.json: header must be a list of column names"),
        (_profile(header=["No", 2]), "profile.json: header must be a list of column names"),
        (
            _profile(columns={"order_id": "No"}),
            "profile.json: is not a usable mapping: required column 'ordered_at' is not mapped",
        ),
    ],
    ids=[
        "broken-json",
        "undecodable",
        "not-an-object",
        "wrong-format",
        "no-format",
        "version",
        "unknown-table",
        "unknown-column",
        "number-value",
        "list-of-columns",
        "null-constant",
        "date-order",
        "decimal",
        "header-text",
        "header-number",
        "required-unmapped",
    ],
)
def test_a_profile_that_is_not_one_is_a_one_line_data_error(text, expected):
    assert data_error(ColumnMapping.from_json, text, "profile.json") == expected


def test_a_profile_with_a_non_boolean_row_numbers_flag_is_refused():
    data_error(ColumnMapping.from_json, _profile(row_numbers_as_ids="false"), "profile.json")


# --- ColumnMapping: problems and fits ----------------------------------------------------------------


def test_problems_name_the_unmapped_required_columns_and_a_column_used_twice():
    mapping = ColumnMapping("m", "orders", {"order_id": "Id", "ordered_at": "Id", "customer_id": "Who"})
    assert mapping.problems() == [
        "required column 'revenue' is not mapped",
        "file column 'Id' is mapped twice",
    ]
    unknown = ColumnMapping("m", "spend", {"date": "Day", "spend": "Cost", "colour": "Hue"})
    assert unknown.problems() == ["'colour' is not a column of spend"]
    assert ColumnMapping("m", "spend", {"date": "Day", "spend": "Cost"}).problems() == []


def test_a_constant_maps_a_required_column_and_row_numbers_stand_in_for_the_key():
    constant = ColumnMapping("m", "spend", {"spend": "Cost"}, constants={"date": "2024-05-01"})
    assert constant.problems() == []
    keyless = ColumnMapping("m", "leads", {"created_at": "Created"})
    assert keyless.problems() == ["required column 'lead_id' is not mapped"]
    numbered = ColumnMapping("m", "leads", {"created_at": "Created"}, row_numbers_as_ids=True)
    assert numbered.problems() == []


def test_customer_id_may_be_left_unmapped():
    mapping = ColumnMapping("m", "orders", {"order_id": "No", "ordered_at": "When", "revenue": "Value"})
    assert mapping.problems() == []


def test_fits_by_header_in_any_order_and_case():
    mapping = ColumnMapping(
        "m", "spend", {"date": "Day", "spend": "Cost"}, header=("Day", "Campaign", "Cost", "Impressions")
    )
    assert mapping.fits(raw_table({"impressions": [], "COST": [], "day": [], "campaign": []}))
    assert mapping.fits(raw_table({"Cost": [], "Impressions": [], "Campaign ": [], "Day": []}))
    assert not mapping.fits(raw_table({"Day": [], "Cost": [], "Impressions": []}))
    assert not mapping.fits(raw_table({"Day": [], "Cost": [], "Impressions": [], "Campaign": [], "Clicks": []}))


def test_without_a_header_a_mapping_fits_any_table_holding_its_columns():
    mapping = ColumnMapping("m", "spend", {"date": "Day", "spend": "Cost"})
    assert mapping.fits(raw_table({"cost": [], "DAY": [], "Clicks": []}))
    assert not mapping.fits(raw_table({"Day": [], "Amount": []}))


# --- apply_mapping ------------------------------------------------------------------------------------


def test_apply_mapping_renames_the_columns_and_adds_the_constants():
    raw = raw_table({"Kiedy": DAYS, "Klient": EMAILS, "Paragon": IDS, "Kwota": MONEY, "Uwagi": ["", "", ""]})
    mapping = ColumnMapping(
        "Kasa",
        "orders",
        {"order_id": "Paragon", "customer_id": "Klient", "ordered_at": "Kiedy", "revenue": "Kwota"},
        constants={"channel": "Offline"},
    )
    converted = apply_mapping(raw, mapping)
    assert converted.table == "orders"
    assert converted.recogniser == "mapping 'Kasa'"
    assert converted.rows_in == 3
    assert converted.first_line == 2
    assert converted.frame.to_dict(as_series=False) == {
        "order_id": IDS,
        "customer_id": EMAILS,
        "ordered_at": DAYS,
        "revenue": MONEY,
        "channel": ["Offline"] * 3,
    }


def test_apply_mapping_passes_its_parse_options_to_validation():
    raw = raw_table({"Dia": ["03/02/2024", "04/02/2024"], "Coste": ["1.234,50", "2,00"]})
    mapping = ColumnMapping(
        "ads", "spend", {"date": "Dia", "spend": "Coste"}, parse=ParseOptions(decimal=",", date_order="dmy")
    )
    converted = apply_mapping(raw, mapping)
    loaded = to_canonical(converted.frame, "spend", raw.source, parse=converted.parse)
    assert loaded.frame["date"].to_list() == [date(2024, 2, 3), date(2024, 2, 4)]
    assert loaded.frame["spend"].to_list() == [1234.5, 2.0]
    assert not [issue for issue in loaded.issues if issue.code == "ambiguous_dates"]


def test_row_numbers_become_unique_ids_when_the_key_is_unmapped():
    raw = raw_table({"When": [*DAYS, DAYS[0]], "Who": [*EMAILS, ""], "Value": [*MONEY, "1"]}, name="till roll.csv")
    mapping = ColumnMapping(
        "till", "orders", {"customer_id": "Who", "ordered_at": "When", "revenue": "Value"}, row_numbers_as_ids=True
    )
    converted = apply_mapping(raw, mapping)
    ids = converted.frame["order_id"].to_list()
    stem = ids[0].removesuffix("-1")
    assert re.fullmatch(r"till-roll-csv-[0-9a-f]{6}", stem)  # the file's name and a tag of its content
    assert ids == [f"{stem}-1", f"{stem}-2", f"{stem}-3", f"{stem}-4"]
    [issue] = [issue for issue in converted.issues if issue.code == "row_ids"]
    assert issue.column == "order_id"
    assert "the file has no order_id: each row is one order" in issue.message
    assert f"{stem}-1" in issue.message
    other = raw_table({"When": DAYS, "Who": EMAILS, "Value": ["9", "9", "9"]}, name="till roll.csv")
    assert set(apply_mapping(other, mapping).frame["order_id"].to_list()).isdisjoint(ids)  # same name, other rows
    loaded = to_canonical(converted.frame, "orders", raw.source)
    assert loaded.frame.height == 4  # no row is taken for a repeat of another
    assert loaded.frame["customer_id"].null_count() == 1


def test_row_numbers_leave_a_mapped_key_alone():
    raw = raw_table({"Ref": IDS, "When": DAYS, "Who": EMAILS, "Value": MONEY})
    mapping = ColumnMapping(
        "m",
        "orders",
        {"order_id": "Ref", "customer_id": "Who", "ordered_at": "When", "revenue": "Value"},
        row_numbers_as_ids=True,
    )
    converted = apply_mapping(raw, mapping)
    assert converted.frame["order_id"].to_list() == IDS
    assert converted.issues == ()


def test_every_row_is_a_guest_when_customer_id_is_unmapped():
    raw = raw_table({"No": IDS, "When": DAYS, "Value": MONEY})
    mapping = ColumnMapping("m", "orders", {"order_id": "No", "ordered_at": "When", "revenue": "Value"})
    converted = apply_mapping(raw, mapping)
    loaded = to_canonical(converted.frame, "orders", raw.source)
    assert loaded.frame.height == 3
    assert loaded.frame["customer_id"].null_count() == 3


def test_a_mapping_naming_a_column_the_file_lacks_is_a_data_error():
    raw = raw_table({"When": DAYS, "Who": EMAILS, "Value": MONEY}, name="shop.csv")
    mapping = ColumnMapping(
        "My shop", "orders", {"order_id": "Ref", "customer_id": "Who", "ordered_at": "When", "revenue": "Value"}
    )
    message = data_error(apply_mapping, raw, mapping)
    assert message == "shop.csv: mapping 'My shop' does not fit: the file has no column 'Ref'"
    broken = ColumnMapping("Half", "orders", {"order_id": "When"})
    assert data_error(apply_mapping, raw, broken).startswith("shop.csv: mapping 'Half' does not fit: required column")


# --- mappings in the pipeline ------------------------------------------------------------------------

TILL = (
    b"Ticket;Patron;Placed on;Takings;Given back\n"
    b"T1;p1;2024-03-02 10:00;100,00;\n"
    b"T2;p2;2024-03-05 11:30;50,00;10,00\n"
    b"T3;p1;2024-03-20 09:15;30,00;\n"
)
TILL_MAPPING = ColumnMapping(
    "Till export",
    "orders",
    {
        "order_id": "Ticket",
        "customer_id": "Patron",
        "ordered_at": "Placed on",
        "revenue": "Takings",
        "refunded": "Given back",
    },
    header=("Ticket", "Patron", "Placed on", "Takings", "Given back"),
)


def test_an_unknown_file_needs_a_mapping_and_loads_with_one():
    [unknown] = ingest([("till.csv", TILL)]).results
    assert unknown.status == "unrecognised"
    assert unknown.raw is not None
    assert unknown.raw.columns == list(TILL_MAPPING.header)

    result = ingest([("till.csv", TILL)], mappings=[TILL_MAPPING])
    [loaded] = result.results
    assert loaded.status == "loaded"
    assert loaded.recogniser == "mapping 'Till export'"
    assert loaded.loaded is not None
    frame = loaded.loaded.frame
    assert frame["order_id"].to_list() == ["T1", "T2", "T3"]
    assert frame["revenue"].to_list() == [100.0, 50.0, 30.0]
    assert frame["refunded"].to_list() == [None, 10.0, None]
    assert frame["ordered_at"].to_list()[1] == datetime(2024, 3, 5, 11, 30)
    quality = file_quality(loaded.loaded)
    assert quality.recogniser == "mapping 'Till export'"
    assert quality.summary().startswith("till.csv: mapping 'Till export' → orders; 3 rows read, 3 kept")


def test_a_mapping_is_used_only_for_the_export_it_was_made_for():
    other = b"Ticket;Patron;Placed on;Takings\nT1;p1;2024-03-02;100\n"
    [result] = ingest([("other.csv", other)], mappings=[TILL_MAPPING]).results
    assert result.status == "unrecognised"


# --- the recogniser of usual names -------------------------------------------------------------------

POLISH = (
    "Nr zamówienia;Data zamówienia;Klient;Wartość zamówienia;Status\n"
    "ZS/1;05.01.2024;jan@example.pl;1 234,56 zł;zrealizowane\n"
    "ZS/2;06.01.2024;ewa@example.pl;99,00 zł;anulowane\n"
    "ZS/3;17.01.2024;;10,50 zł;Zrealizowane\n"
).encode("cp1250")


def test_a_polish_cp1250_export_loads_by_its_column_names_with_no_mapping():
    result = ingest([("zamówienia.csv", POLISH)])
    [item] = result.results
    assert item.status == "loaded", item.message
    assert item.table == "orders"
    assert item.recogniser == "orders by column names"
    loaded = item.loaded
    assert loaded is not None
    assert loaded.frame.select("order_id", "customer_id", "ordered_at", "revenue", "status").rows() == [
        ("ZS/1", "jan@example.pl", datetime(2024, 1, 5), 1234.56, "paid"),
        ("ZS/2", "ewa@example.pl", datetime(2024, 1, 6), 99.0, "cancelled"),
        ("ZS/3", None, datetime(2024, 1, 17), 10.5, "paid"),
    ]
    assert loaded.currency == "PLN"
    codes = {issue.code: issue for issue in loaded.issues}
    assert "Nr zamówienia → order_id" in codes["mapped_by_name"].message
    assert "anulowane → cancelled" in codes["statuses_read"].message
    assert "encoding" in codes
    report = compute(result.tables, Period(date(2024, 1, 1), date(2024, 1, 31)), comparison="none")
    assert report["orders"].value == 2  # the cancelled order is not live
    assert report["sales"].value == pytest.approx(1234.56 + 10.5)
    assert report["customers"].value == 2  # jan and the guest of ZS/3


def test_a_header_that_only_contains_usual_names_is_left_to_the_mapping_step():
    # 'Order number (internal)' contains a usual name but is not one: no mapping without a question
    raw = raw_table({"Order number (internal)": IDS, "Order date": DAYS, "Customer": EMAILS, "Revenue": MONEY})
    assert guess_table(raw) == "orders"
    assert certain_mapping(raw) is None
    [result] = ingest([("x.csv", b"Order number (internal),Order date,Customer,Revenue\n1,2024-01-05,a,1\n")]).results
    assert result.status == "unrecognised"
    assert result.guess == "orders"
