"""kpi.ingest.text: delimited text files → raw tables.

The fixtures are built here, with invented numbers, to copy the *format* of real exports
(../shared/data/README.md §2); the second half reads the real files in ../shared/data when they are
there and checks the figures that README gives (§1), doing the arithmetic in plain Python.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kpi.ingest.model import Limits, RawTable
from kpi.ingest.text import read_text_tables
from kpi.issues import DataError
from tests.conftest import SHARED

DATA = SHARED / "data"


def read_one(data: bytes, name: str = "export.csv", limits: Limits | None = None) -> RawTable:
    tables = read_text_tables(data, name, limits or Limits())
    assert len(tables) == 1, [table.source for table in tables]
    return tables[0]


def codes(table: RawTable) -> list[str]:
    return [issue.code for issue in table.issues]


def issue(table: RawTable, code: str):
    return next(found for found in table.issues if found.code == code)


def number(text: str | None) -> float:
    """``"1,204.50"`` → 1204.5; ``" --"`` and empty → 0 (the arithmetic the tests check by hand)."""
    if text is None or text.strip() in ("--", ""):
        return 0.0
    return float(text.replace(",", ""))


def all_strings(table: RawTable) -> bool:
    return all(dtype == pl.String for dtype in table.frame.dtypes)


# --- Google Ads UI downloads ---------------------------------------------------------------------

ADS_CAMPAIGNS = b"""Campaign report
"March 1, 2026 - March 31, 2026"
Campaign status,Campaign,Budget,Budget name,Campaign type,Impr.,Clicks,Currency code,Cost,Search impr. share,Conversions
Enabled,"Shoes, summer",20.00, --,Search,"12,400","1,204",EUR,950.10,> 90%,"1,010.50"
Paused,Total Wine & More,5.00, --,Display,900,12,EUR,30.00, --,0.00
Enabled,Brand,3.00, --,Search,40,7,EUR,6.40,< 10%,1.00
Total: Campaigns, --, --, --, --,"13,340","1,223",EUR,986.50,51.00%,"1,011.50"
Total: Account,,,,,"13,400","1,230",EUR,990.00,51.00%,"1,011.50"
Total: Search,,,,Search,"12,440","1,211",EUR,956.50,51.00%,"1,011.50"
"""


def test_ads_campaign_report_keeps_rows_drops_totals_and_reads_the_preamble():
    table = read_one(ADS_CAMPAIGNS, "Campaign report.csv")
    assert table.header_line == 3
    assert table.columns[:3] == ["Campaign status", "Campaign", "Budget"]
    assert table.frame["Campaign"].to_list() == ["Shoes, summer", "Total Wine & More", "Brand"]
    assert table.frame.row(0) == (
        "Enabled",
        "Shoes, summer",
        "20.00",
        " --",
        "Search",
        "12,400",
        "1,204",
        "EUR",
        "950.10",
        "> 90%",
        "1,010.50",
    )
    assert all_strings(table)
    assert table.meta["title"] == "Campaign report"
    assert table.meta["date_range"] == "March 1, 2026 - March 31, 2026"
    assert table.meta["preamble"] == "Campaign report\nMarch 1, 2026 - March 31, 2026"
    assert table.meta["delimiter"] == ","
    totals = issue(table, "total_rows")
    assert (totals.severity, totals.rows) == ("info", 3)
    assert totals.examples == ("Total: Campaigns", "Total: Account", "Total: Search")
    assert codes(table).count("total_rows") == 1
    assert sum(number(cost) for cost in table.frame["Cost"]) == pytest.approx(986.50)


ADS_KEYWORDS_BY_DEVICE = b"""Search keyword report
All time
Device,Keyword status,Keyword,Campaign,Currency code,Cost,Clicks
Computers,Enabled,\"\"\"ELD\"\"\",Trucks,USD,10.00,4
Mobile phones,Enabled,fleet tracking,Trucks,USD,2.50,1
Computers,Total: Filtered keywords,,,USD,10.00,4
Mobile phones,Total: Search,,,USD,2.50,1
Computers,Total: Account,,,USD,11.00,5
"""


def test_ads_keyword_report_total_marker_in_the_second_column_and_embedded_quotes():
    table = read_one(ADS_KEYWORDS_BY_DEVICE)
    assert table.frame["Keyword"].to_list() == ['"ELD"', "fleet tracking"]
    assert table.meta["date_range"] == "All time"
    assert issue(table, "total_rows").rows == 3
    assert issue(table, "total_rows").examples == ("Total: Filtered keywords", "Total: Search", "Total: Account")


@pytest.mark.parametrize(
    "marker",
    [
        *("Total", "TOTAL", "Totals", "Grand total", "Grand Total", "Total: Campaigns", "Total : campagnes", "Total:"),
        *("Suma", "Suma:", "Razem", "Summe", "Gesamt", "Gesamt: Konto", "Totale", "Totaal"),
    ],
)
def test_total_rows_in_many_languages_are_removed(marker):
    table = read_one(f"Kampania,Koszt\nWiosna,10\n{marker},10\n".encode())
    assert table.frame.rows() == [("Wiosna", "10")]
    assert issue(table, "total_rows").examples == (marker.strip(),)


@pytest.mark.parametrize("name", ["Total Wine & More", "Totally Fresh", "Subtotal", "Summer total", "Razem lepiej"])
def test_names_that_merely_contain_total_are_data(name):
    table = read_one(f"Campaign,Cost\n{name},10\nOther,5\n".encode())
    assert table.frame["Campaign"].to_list() == [name, "Other"]
    assert "total_rows" not in codes(table)


# --- GA4 Reports snapshot ------------------------------------------------------------------------

GA4_SNAPSHOT = """# ----------------------------------------
# Reports snapshot
# Account: Test Shop
# Property: Test Shop
# ----------------------------------------
#  
# Start date: 20260105
# End date: 20260111
Nth day,Active users
0000,12
0001,15
0002,9

# Where do your new users come from?
# Start date: 20260105
# End date: 20260111
Session primary channel group (Default Channel Group),Sessions
Direct,40
Organic Search,31
"Paid, other",2

# How well do you retain your users?
# Start date: 20251201
# End date: 20260111
Date,Week 0,Week 1,Week 2
Dec 1 - Dec 7,50,4,2
Dec 8 - Dec 14,48,3
Dec 15 - Dec 21,47

#  
# Start date: 20260105
# End date: 20260111
Item name,Items purchased

"""  # noqa: W291 - GA4 writes "#  " with trailing spaces


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_ga4_snapshot_blocks_become_tables_with_their_comment_meta(newline):
    tables = read_text_tables(GA4_SNAPSHOT.replace("\n", newline).encode(), "snapshot.csv")
    assert [table.source for table in tables] == [f"snapshot.csv#{index}" for index in range(1, 5)]
    daily, channels, retention, items = tables
    assert daily.columns == ["Nth day", "Active users"]
    assert daily.frame.rows() == [("0000", "12"), ("0001", "15"), ("0002", "9")]
    assert daily.header_line == 9
    assert daily.meta["start_date"] == "20260105"
    assert daily.meta["end_date"] == "20260111"
    assert daily.meta["block_title"] == "Reports snapshot"
    assert daily.meta["account"] == "Test Shop"
    assert daily.meta["table_count"] == "4"
    assert channels.meta["block_title"] == "Where do your new users come from?"
    assert channels.header_line == 17
    assert sum(int(value) for value in channels.frame["Sessions"]) == 73
    assert channels.frame["Session primary channel group (Default Channel Group)"][2] == "Paid, other"
    assert retention.meta["start_date"] == "20251201"
    assert retention.meta["block_title"] == "How well do you retain your users?"
    assert retention.frame.rows() == [
        ("Dec 1 - Dec 7", "50", "4", "2"),
        ("Dec 8 - Dec 14", "48", "3", None),
        ("Dec 15 - Dec 21", "47", None, None),
    ]
    assert items.columns == ["Item name", "Items purchased"]
    assert items.frame.height == 0
    assert "block_title" not in items.meta
    assert all(table.meta["line_ending"] == ("crlf" if newline == "\r\n" else "lf") for table in tables)
    assert all(not table.issues for table in tables)


def test_a_single_table_keeps_the_file_name_as_source():
    table = read_one(
        b"# Start date: 20260101\n# End date: 20260131\nSession default channel group,Sessions\nDirect,5\n"
    )
    assert table.source == "export.csv"
    assert table.meta["start_date"] == "20260101"
    assert "table_index" not in table.meta


# --- encodings -----------------------------------------------------------------------------------

EDITOR = (
    "Campaign\tCampaign Type\tNetworks\tBudget\tBudget type\tLabels\r\n"
    "Lawn care (<2025)\tSearch\tGoogle search;Search Partners\t5.00\tDaily\t[]\r\n"
    '"Deck, siding & other"\tDisplay\tDisplay Network\t10.00\tDaily\t[]\r\n'
)


def test_ads_editor_utf16le_tab_crlf_with_bom():
    table = read_one(b"\xff\xfe" + EDITOR.encode("utf-16-le"), "Editor.csv")
    assert table.meta["encoding"] == "utf-16-le"
    assert table.meta["delimiter"] == "\t"
    assert table.meta["line_ending"] == "crlf"
    assert table.columns == ["Campaign", "Campaign Type", "Networks", "Budget", "Budget type", "Labels"]
    assert table.frame.row(0) == ("Lawn care (<2025)", "Search", "Google search;Search Partners", "5.00", "Daily", "[]")
    assert table.frame["Campaign"][1] == "Deck, siding & other"
    assert issue(table, "encoding").severity == "info"


@pytest.mark.parametrize(("codec", "label"), [("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be")])
def test_utf16_without_bom_is_told_by_its_zero_bytes(codec, label):
    table = read_one(EDITOR.encode(codec))
    assert table.meta["encoding"] == label
    assert table.frame.height == 2


def test_utf16be_with_bom():
    assert read_one(b"\xfe\xff" + EDITOR.encode("utf-16-be")).frame.height == 2


def test_utf8_bom_is_not_part_of_the_first_header():
    table = read_one("\ufeffKanał;Kwota\r\nE-mail;5\r\n".encode())
    assert table.columns == ["Kanał", "Kwota"]
    assert table.meta["encoding"] == "utf-8-sig"
    assert not table.issues


POLISH = (
    "Kanał;Wyświetlenia;Koszt;Źródło\nWyszukiwarka;1\u00a0204;1 234,56 zł;Łódź\nE-mail – żółty;17;99,00 zł;Gdańsk\n"
)


def test_polish_windows_1250_semicolon_file():
    table = read_one(POLISH.encode("cp1250"), "raport.csv")
    assert table.meta["encoding"] == "windows-1250"
    assert table.meta["delimiter"] == ";"
    assert table.columns == ["Kanał", "Wyświetlenia", "Koszt", "Źródło"]
    assert table.frame.row(0) == ("Wyszukiwarka", "1\u00a0204", "1 234,56 zł", "Łódź")
    assert table.frame.row(1) == ("E-mail – żółty", "17", "99,00 zł", "Gdańsk")
    note = issue(table, "encoding")
    assert note.severity == "info"
    assert "Windows-1250" in note.message


@pytest.mark.parametrize(
    "text",
    [
        "Produkt,Preis\nCafé €5,5\nGröße Straße,3\n",
        "Nom,Note\nCrème brûlée à la carte,fenêtre\nGarçon,très bien\n",
        "Nombre,Nota\nNiño,¿Qué tal?\nAño,¡Olé!\n",
    ],
)
def test_western_windows_1252_files(text):
    table = read_one(text.encode("cp1252"))
    assert table.meta["encoding"] == "windows-1252"
    header, *rows = [line.split(",") for line in text.strip().split("\n")]
    assert table.columns == header
    assert [list(row) for row in table.frame.rows()] == rows


@pytest.mark.parametrize(
    ("text", "codec", "label"),
    [
        ("Kanał", "cp1250", "windows-1250"),
        ("Zażółć gęślą jaźń", "cp1250", "windows-1250"),
        ("Kraków; Gdańsk", "cp1250", "windows-1250"),
        ("Data księgowania", "cp1250", "windows-1250"),
        ("Příliš žluťoučký kůň", "cp1250", "windows-1250"),
        ("Środa, że, źle", "iso-8859-2", "iso-8859-2"),
        ("Café €5", "cp1252", "windows-1252"),
        ("Gift Voucher £40.00", "cp1252", "windows-1252"),
        ("España, señor, año", "cp1252", "windows-1252"),
        ("naïve façade, fenêtre", "cp1252", "windows-1252"),
        ("São Paulo, ação", "cp1252", "windows-1252"),
    ],
)
def test_the_legacy_code_page_is_chosen_by_plausible_letters(text, codec, label):
    table = read_one(f'Name,Count\n"{text}",1\n'.encode(codec))
    assert table.meta["encoding"] == label
    assert table.frame.row(0) == (text, "1")


def test_short_polish_word_in_windows_1250():
    assert read_one("Kanał\nx\n".encode("cp1250")).columns == ["Kanał"]


def test_utf8_file_with_a_few_legacy_lines_is_decoded_line_by_line():
    good = "".join(f"Sklep {index},Zürich,{index}\n" for index in range(30))
    data = b"Name,City,Orders\n" + good.encode() + "Café Noir,Besançon,4\n".encode("cp1252")
    data += "Crêperie,Nîmes,2\n".encode("cp1252")
    table = read_one(data)
    assert table.frame.height == 32
    assert table.frame.row(30) == ("Café Noir", "Besançon", "4")
    assert table.frame.row(31) == ("Crêperie", "Nîmes", "2")
    assert table.frame.row(0) == ("Sklep 0", "Zürich", "0")
    mixed = issue(table, "mixed_encoding")
    assert (mixed.severity, mixed.rows) == ("warning", 2)
    assert mixed.examples == ("line 32", "line 33")
    assert "2 line(s)" in mixed.message
    assert table.meta["encoding"] == "utf-8+windows-1252"


def test_undecodable_bytes_become_replacement_characters_with_a_warning():
    # a line of UTF-8 with one broken sequence, and an undefined Windows-1252 byte elsewhere
    data = "Name,City\nŻaneta,Kraków\n".encode() + b"Broken \xc5 name,\xc3\xa9vry\n"
    table = read_one(data)
    assert table.frame.row(1) == ("Broken \ufffd name", "évry")
    assert issue(table, "undecodable_bytes").severity == "warning"
    legacy = read_one(b"Name,Cost\nA\x81B,5\n")
    assert legacy.frame.row(0) == ("A\ufffdB", "5")
    assert issue(legacy, "undecodable_bytes").rows == 1


# --- preambles, key-value reports, headers -------------------------------------------------------

MBANK = """mBank S.A. Bankowość Detaliczna;
Skrytka Pocztowa 0000;
00-000 Łódź 2;
www.mBank.pl;

#Klient;
JAN TESTOWY;

Lista operacji;

#Za okres:;
01.01.2026;31.01.2026;

#zgodnie z wybranymi filtrami wyszukiwania;
#dla rachunków:;
eKonto - 0000;

#Waluta;#Wpływy;#Wydatki;
PLN;1 500,00;-420,12;

#Data operacji;#Opis operacji;#Rachunek;#Kategoria;#Kwota;#Saldo po operacji;
2026-01-30;"PRZELEW WŁASNY
ZA STYCZEŃ";"eKonto 0000";"Wpływy";1 500,00 PLN;2 079,88 PLN;
2026-01-12;"ZAKUP PRZY UŻYCIU KARTY";"eKonto 0000";"Jedzenie";-20,12 PLN;579,88 PLN;
2026-01-05;"PRZELEW";"eKonto 0000";"Rachunki";-400,00 PLN;600,00 PLN;
"""


def test_bank_statement_preamble_hash_header_and_trailing_semicolon():
    table = read_one(MBANK.replace("\n", "\r\n").encode("utf-8-sig"), "lista.csv")
    assert table.columns == ["Data operacji", "Opis operacji", "Rachunek", "Kategoria", "Kwota", "Saldo po operacji"]
    assert table.header_line == 21
    assert table.frame.height == 3
    assert table.frame.row(0)[1] == "PRZELEW WŁASNY\nZA STYCZEŃ"
    assert table.frame["Kwota"].to_list() == ["1 500,00 PLN", "-20,12 PLN", "-400,00 PLN"]
    assert table.meta["title"] == "mBank S.A. Bankowość Detaliczna"
    assert table.meta["date_range"] == "01.01.2026;31.01.2026"
    preamble = table.meta["preamble"].split("\n")
    assert len(preamble) == 14
    assert preamble[-2:] == ["#Waluta;#Wpływy;#Wydatki", "PLN;1 500,00;-420,12"]
    assert table.meta["line_ending"] == "crlf"
    assert not table.issues


META_FOLLOWS = (
    '"Facebook follows"\r\n"Page: Test Shop"\r\n"Date","Primary"\r\n'
    '"2026-01-01T00:00:00","3"\r\n"2026-01-02T00:00:00","0"\r\n'
)


def test_meta_business_suite_follows_utf16_with_two_preamble_rows():
    table = read_one(b"\xff\xfe" + META_FOLLOWS.encode("utf-16-le"))
    assert table.columns == ["Date", "Primary"]
    assert table.frame.rows() == [("2026-01-01T00:00:00", "3"), ("2026-01-02T00:00:00", "0")]
    assert table.meta["title"] == "Facebook follows"
    assert table.header_line == 3


MAILCHIMP = b"""Campaign Report
"Title:","SPRING-01-03-2026"
"Delivery Date/Time:","Sun, Mar 1, 2026 10:15"

"Overall Stats"
"Subject Line:","Spring, at last"
"Total Recipients:","2,040"
"Successful Deliveries:","2,031"
"Bounces:","9 (0.4%)"
"Recipients Who Opened:","512 (25.2%)"
"Total Clicks:","88"
"Total Sales:","CA$0.00"
"Last Open Date:",""
"""


def test_mailchimp_single_campaign_report_is_key_value():
    table = read_one(MAILCHIMP)
    assert table.columns == ["key", "value"]
    assert table.meta["layout"] == "key_value"
    assert table.meta["title"] == "Campaign Report"
    assert table.meta["sections"] == "Overall Stats"
    values = dict(table.frame.rows())
    assert values["Title"] == "SPRING-01-03-2026"
    assert values["Total Recipients"] == "2,040"
    assert values["Bounces"] == "9 (0.4%)"
    assert values["Subject Line"] == "Spring, at last"
    assert values["Last Open Date"] is None
    assert table.frame.height == 10
    assert table.header_line == 1


def test_whitespace_aligned_file_without_header():
    data = (
        b" 00001 19970101  1   11.77\r\n 00002 19970112  1   12.00\r\n"
        b" 00002 19970112  5   77.00\r\n 00003 19970102  2   20.76"
    )
    table = read_one(data, "CDNOW.txt")
    assert table.meta["delimiter"] == "whitespace"
    assert table.meta["has_header"] == "false"
    assert table.columns == ["column_1", "column_2", "column_3", "column_4"]
    assert table.frame.height == 4
    assert table.frame.row(0) == ("00001", "19970101", "1", "11.77")
    assert table.frame.row(3) == ("00003", "19970102", "2", "20.76")
    assert table.header_line == 0
    assert issue(table, "no_header").severity == "info"


def test_whitespace_aligned_file_with_header():
    data = b" customer_id  date number_of_cds  dollar_value\n 00001 19970101  1   11.77\n 00002 19970112  5   77.00\n"
    table = read_one(data)
    assert table.columns == ["customer_id", "date", "number_of_cds", "dollar_value"]
    assert table.meta["has_header"] == "true"
    assert table.frame.height == 2


SHOPIFY = (
    "Name,Email,Financial Status,Total,Created at,Lineitem quantity,Lineitem name,Billing Zip,Note Attributes\n"
    "#1001,a@example.com,paid,54.00,2026-02-01 10:00:00 +1100,1,Goat cheese,'0812,\"UTM source: facebook\n"
    "UTM medium: paid\n"
    "\n"
    '# UTM campaign: spring"\n'
    "#1001,a@example.com,,,2026-02-01 10:00:00 +1100,2,Crackers,'0812,\n"
    "#1002,b@example.com,refunded,12.50,2026-02-02 11:30:00 +1100,1,Honey,'2000,\n"
)


def test_shopify_line_items_with_a_multiline_note_attributes_cell():
    table = read_one(SHOPIFY.encode(), "orders_export.csv")
    assert table.frame.height == 3
    assert table.frame["Note Attributes"][0] == "UTM source: facebook\nUTM medium: paid\n\n# UTM campaign: spring"
    assert table.frame["Name"].to_list() == ["#1001", "#1001", "#1002"]
    assert table.frame["Total"].to_list() == ["54.00", None, "12.50"]
    assert table.frame["Billing Zip"].to_list() == ["'0812", "'0812", "'2000"]
    assert not table.issues


def test_blank_lines_inside_one_table_are_skipped():
    table = read_one(b"Date,Orders\n2026-01-01,3\n\n2026-01-02,4\n\n\n2026-01-03,5\n")
    assert table.frame.rows() == [("2026-01-01", "3"), ("2026-01-02", "4"), ("2026-01-03", "5")]


def test_blank_line_then_a_new_header_starts_another_table():
    tables = read_text_tables(b"Country,Users\nPL,3\nDE,2\n\nDevice,Users,Sessions\nMobile,4,6\n", "two.csv")
    assert [table.columns for table in tables] == [["Country", "Users"], ["Device", "Users", "Sessions"]]
    assert [table.header_line for table in tables] == [1, 5]


def test_empty_duplicate_and_hash_header_names():
    table = read_one(b"Date,,Cost,Cost,,Cost\n2026-01-01,a,1,2,b,3\n")
    assert table.columns == ["Date", "column_2", "Cost", "Cost_2", "column_5", "Cost_3"]
    assert issue(table, "duplicate_columns").examples == ("Cost",)
    row_numbers = read_one(b"#,Campaign,Clicks\n1,Spring,4\n")
    assert row_numbers.columns == ["#", "Campaign", "Clicks"]


def test_trailing_unnamed_column_is_kept_when_it_holds_values():
    table = read_one(b"a;b;\n1;2;\n3;4;x\n")
    assert table.columns == ["a", "b", "column_3"]
    assert table.frame["column_3"].to_list() == [None, "x"]


def test_header_names_are_trimmed_and_cells_kept_as_they_are():
    table = read_one(b' Campaign , Cost ,Note\n  Spring  sale ,  --," a ""quoted"" word "\n')
    assert table.columns == ["Campaign", "Cost", "Note"]
    assert table.frame.row(0) == ("  Spring  sale ", "  --", ' a "quoted" word ')


# --- delimiters and lines --------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_sniffed(delimiter):
    rows = [["Day", "Channel", "Revenue"], ["2026-01-01", "Email, weekly", "1.5"], ["2026-01-02", "Direct", "2"]]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    table = read_one(buffer.getvalue().encode())
    assert table.meta["delimiter"] == delimiter
    assert [list(row) for row in table.frame.rows()] == rows[1:]


def test_semicolon_wins_over_decimal_commas():
    table = read_one(b"Kanal;Koszt\nE-mail;1,50\nDirect;2,75\n")
    assert table.meta["delimiter"] == ";"
    assert table.frame.rows() == [("E-mail", "1,50"), ("Direct", "2,75")]


def test_one_column_file():
    table = read_one(b"revenue\n10\n20.5\n")
    assert table.columns == ["revenue"]
    assert table.frame["revenue"].to_list() == ["10", "20.5"]
    texts = read_one(b"Comment\nhello, world\nfine\n")
    assert texts.frame["Comment"].to_list() == ["hello, world", "fine"]


def test_excel_sep_line_sets_the_delimiter():
    table = read_one(b"sep=;\r\nName;Cost\r\nA;1,5\r\n")
    assert table.meta["delimiter"] == ";"
    assert table.frame.rows() == [("A", "1,5")]
    assert table.header_line == 2


@pytest.mark.parametrize("newline", ["\r", "\n", "\r\n"])
def test_line_endings_and_no_final_newline(newline):
    table = read_one(newline.join(["a,b", "1,2", '3,"x' + newline + 'y"']).encode())
    assert table.frame.rows() == [("1", "2"), ("3", "x\ny")]
    assert table.meta["line_ending"] == {"\r": "cr", "\n": "lf", "\r\n": "crlf"}[newline]


# --- refusals and limits ---------------------------------------------------------------------------


def test_a_row_with_more_fields_than_its_header_is_refused_with_its_line():
    data = b"a,b,c,d,e,f\n" + b"1,2,3,4,5,6\n" * 5 + b"1,2,3,4,5,6,7,8,9\n" + b"1,2,3,4,5,6\n" * 3
    with pytest.raises(DataError) as error:
        read_text_tables(data, "ragged.csv")
    assert str(error.value) == "ragged.csv: line 7 has 9 fields, the header has 6"


def test_a_wide_row_far_down_the_file_is_found_too():
    data = b"a,b\n" + b"1,2\n" * 30_000 + b"1,2,3\n"
    with pytest.raises(DataError, match="line 30002 has 3 fields, the header has 2"):
        read_text_tables(data, "ragged.csv")


def test_rows_all_wider_than_a_short_header_are_refused():
    with pytest.raises(DataError, match="line 2 has 3 fields, the header has 2"):
        read_text_tables(b"a,b\n1,2,3\n4,5,6\n", "x.csv")
    with pytest.raises(DataError, match="line 3 has 3 fields, the header has 2"):
        read_text_tables(b"a,b\n1,2\n1,2,3\n", "x.csv")
    with pytest.raises(DataError, match="line 2 has 4 fields, the header has 2"):
        read_text_tables(b"Name,Count\nParis, Lyon, Nice,1\n", "x.csv")


def test_a_short_first_row_is_padded():
    table = read_one(b"Date,Week 0,Week 1\nDec 15 - Dec 21,47\nDec 8 - Dec 14,48,3\n")
    assert table.frame.rows() == [("Dec 15 - Dec 21", "47", None), ("Dec 8 - Dec 14", "48", "3")]


def test_an_unclosed_quote_names_its_line():
    with pytest.raises(DataError) as error:
        read_text_tables(b'a,b\n1,2\n3,"never closed\n4,5\n', "x.csv")
    assert (
        str(error.value)
        == 'x.csv: could not be read as a table: the quote opened on line 3 is never closed (a " without its pair)'
    )


def test_a_footer_after_the_table_is_reported_not_read():
    table = read_one(b"Date,Orders\n2026-01-01,3\n\nExported by Some Tool\n")
    assert table.frame.rows() == [("2026-01-01", "3")]
    footer = issue(table, "trailing_lines")
    assert (footer.rows, footer.examples) == (1, ("Exported by Some Tool",))


def test_french_ads_report_resaved_with_semicolons_in_windows_1252():
    text = "Rapport sur les campagnes\n1 mars 2026 - 31 mars 2026\nCampagne;Coût;Clics\nPrintemps;1 234,56;12\n"
    text += "Total : campagnes;1 234,56;12\n"
    table = read_one(text.encode("cp1252"))
    assert table.columns == ["Campagne", "Coût", "Clics"]
    assert table.frame.rows() == [("Printemps", "1 234,56", "12")]
    assert (table.meta["title"], table.meta["date_range"]) == (
        "Rapport sur les campagnes",
        "1 mars 2026 - 31 mars 2026",
    )
    assert issue(table, "total_rows").examples == ("Total : campagnes",)


ADS_EXCEL = (
    "Campaign report\r\n"
    '"March 1, 2026 - March 31, 2026"\r\n'
    "Campaign\tImpr.\tCost\tConv. rate\r\n"
    "Shoes, summer\t12,400\t950.10\t2.10%\r\n"
    "Brand\t40\t6.40\t --\r\n"
    "Total: Campaigns\t12,440\t956.50\t2.09%\r\n"
    "Total: Account\t12,440\t956.50\t2.09%\r\n"
)


def test_google_ads_csv_excel_download_in_utf16():
    table = read_one(b"\xff\xfe" + ADS_EXCEL.encode("utf-16-le"))
    assert (table.meta["encoding"], table.meta["delimiter"]) == ("utf-16-le", "\t")
    assert (table.meta["title"], table.meta["date_range"]) == ("Campaign report", "March 1, 2026 - March 31, 2026")
    assert table.header_line == 3
    assert table.frame.rows() == [("Shoes, summer", "12,400", "950.10", "2.10%"), ("Brand", "40", "6.40", " --")]
    assert issue(table, "total_rows").rows == 2


def test_extra_fields_that_are_empty_are_tolerated():
    table = read_one(b"a,b\n1,2,\n3,4,,\n")
    assert table.frame.rows() == [("1", "2"), ("3", "4")]


def test_more_columns_than_the_limit():
    header = ",".join(f"c{index}" for index in range(1000)).encode()
    with pytest.raises(DataError) as error:
        read_text_tables(header + b"\n" + b",".join([b"1"] * 1000) + b"\n", "wide.csv")
    assert "has 1,000 columns; at most 500 can be read" in str(error.value)
    assert "\n" not in str(error.value)


def test_a_cell_longer_than_the_limit_names_its_line():
    data = b'a,b\n1,2\n3,"' + b"x" * 1_100_000 + b'"\n4,5\n'
    with pytest.raises(DataError) as error:
        read_text_tables(data, "big.csv", Limits(max_cell_chars=1_000_000))
    assert str(error.value) == "big.csv: line 3 has a cell of 1,100,000 characters; at most 1,000,000 can be read"


def test_a_long_cell_within_the_limit_is_read():
    table = read_one(b'a,b\n1,"' + b"y" * 200_000 + b'"\n', limits=Limits(max_cell_chars=1_000_000))
    assert len(table.frame["b"][0]) == 200_000


@pytest.mark.parametrize(
    "data", [b"", b"   \n\t\r\n  ", b"\xef\xbb\xbf", b"\xff\xfe", b"\xff\xfe" + " \r\n".encode("utf-16-le")]
)
def test_empty_files(data):
    with pytest.raises(DataError) as error:
        read_text_tables(data, "empty.csv")
    assert str(error.value) == "empty.csv: the file is empty"


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04\x14\x00\x06\x00" + bytes(200),
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        b"name,value\nA,1\x00\x00\x00\x02\x00\x07B,2\n",
        bytes(range(1, 9)) * 200,
    ],
)
def test_binary_files_are_refused(data):
    with pytest.raises(DataError, match="is a binary file, not a text table"):
        read_text_tables(data, "upload.csv")


def test_only_comments_is_not_a_table():
    with pytest.raises(DataError, match="no table"):
        read_text_tables(b"# Start date: 20260101\n# End date: 20260131\n", "x.csv")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_any_bytes_give_tables_or_a_data_error(data):
    try:
        tables = read_text_tables(data, "fuzz.csv")
    except DataError as error:
        message = error.message
    else:
        message = ""
        assert tables
        assert all(all_strings(table) for table in tables)
    assert "\n" not in message


_CELL = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85")
    | st.sampled_from('\n,;\t|" '),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(
    delimiter=st.sampled_from([",", ";", "\t"]),
    rows=st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=1, max_size=8),
)
def test_quoted_csv_round_trips(delimiter, rows):
    assume(
        not any(
            re.match(r"(?is)\s*(total|totals|grand total|suma|razem|summe|gesamt|totale|totaal)\b", cell)
            for row in rows
            for cell in row[:2]
        )
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerows([["Day", "Channel", "Note"], *rows])
    table = read_one(buffer.getvalue().encode())
    assert table.columns == ["Day", "Channel", "Note"]
    assert [list(row) for row in table.frame.rows()] == [[cell or None for cell in row] for row in rows]


# --- the real exports in ../shared/data ------------------------------------------------------------


@pytest.fixture(scope="module")
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.skip(f"real exports not found at {DATA}")
    return DATA


def read_real(data_dir: Path, relative: str) -> list[RawTable]:
    path = data_dir / relative
    return read_text_tables(path.read_bytes(), path.name)


def by_header(tables: list[RawTable]) -> dict[tuple[str, ...], RawTable]:
    return {tuple(table.columns): table for table in tables}


CHANNEL_SESSIONS = ("Session primary channel group (Default Channel Group)", "Sessions")


@pytest.mark.parametrize(
    ("file", "sessions", "revenue", "key_events", "start"),
    [
        ("fireflyfarms_Reports_snapshot_28d.csv", 3_541, 1_208.73, 10, "20260220"),
        ("fireflyfarms_Reports_snapshot_long.csv", 93_765, 49_523.82, 391, "20231101"),
        ("ailocalbusiness_Reports_snapshot_crlf.csv", 49, 0.0, 3, "20260215"),
    ],
)
def test_real_ga4_snapshots(data_dir, file, sessions, revenue, key_events, start):  # noqa: PLR0917
    tables = read_real(data_dir, f"ga4-reports-snapshot/{file}")
    assert len(tables) == 16
    assert [table.source for table in tables] == [f"{file}#{index}" for index in range(1, 17)]
    assert all("start_date" in table.meta and "end_date" in table.meta for table in tables)
    assert tables[0].meta["start_date"] == start
    blocks = by_header(tables)
    assert sum(int(value) for value in blocks[CHANNEL_SESSIONS].frame["Sessions"]) == sessions
    total_revenue = sum(float(value) for value in blocks["Nth day", "Total revenue"].frame["Total revenue"])
    assert total_revenue == pytest.approx(revenue)
    assert sum(int(value) for value in blocks["Event name", "Key events"].frame["Key events"]) == key_events
    retention = blocks["Date", "Week 0", "Week 1", "Week 2", "Week 3", "Week 4", "Week 5"]
    assert retention.frame.height == 6
    assert retention.meta["start_date"] == "20260201"
    assert all(all_strings(table) and not table.issues for table in tables)


def test_real_ga4_firefly_channels_match_the_readme(data_dir):
    tables = by_header(read_real(data_dir, "ga4-reports-snapshot/fireflyfarms_Reports_snapshot_28d.csv"))
    channels = dict(tables[CHANNEL_SESSIONS].frame.rows())
    assert channels == {
        "Direct": "1612",
        "Organic Search": "1392",
        "Referral": "217",
        "SMS": "114",
        "Email": "89",
        "Unassigned": "65",
        "Organic Social": "52",
    }
    new_users = tables["First user primary channel group (Default Channel Group)", "New users"]
    assert sum(int(value) for value in new_users.frame["New users"]) == 2_704
    assert new_users.meta["block_title"] == "Where do your new users come from?"


def test_real_ga4_empty_blocks(data_dir):
    tables = read_real(data_dir, "ga4-reports-snapshot/ailocalbusiness_Reports_snapshot_crlf.csv")
    assert [table.frame.height for table in tables[13:15]] == [0, 0]
    assert tables[13].columns == ["First user primary channel group (Default Channel Group)", "Average 120d value"]
    assert tables[0].meta["line_ending"] == "crlf"


@pytest.mark.parametrize(
    ("file", "rows", "date_range", "title"),
    [
        ("calpreserving_Campaign report_alltime_USD.csv", 12, "All time", "Campaign report"),
        ("calpreserving_Ad report- 22nd Jan.csv", 15, "January 20, 2026 - January 21, 2026", "Ad report"),
        ("dentplant_Campaign report_EUR_greek.csv", 3, "March 27, 2026 - April 23, 2026", "Campaign report"),
        (
            "kw08_Search keyword report_by-device_USD.csv",
            675,
            "August 8, 2020 - August 14, 2020",
            "Search keyword report",
        ),
        ("vishalmotling_Campaign report_INR.csv", 2, "July 8, 2025 - July 31, 2025", "Campaign report"),
    ],
)
def test_real_google_ads_reports(data_dir, file, rows, date_range, title):
    [table] = read_real(data_dir, f"google-ads-exports/{file}")
    assert table.header_line == 3
    assert table.frame.height == rows
    assert table.meta["title"] == title
    assert table.meta["date_range"] == date_range
    assert issue(table, "total_rows").rows > 0
    for position in (0, 1):
        cells = [value or "" for value in table.frame.to_series(position)]
        assert not any(value.startswith("Total") for value in cells)
    assert all_strings(table)


def test_real_google_ads_campaign_rows_sum_to_the_campaigns_total(data_dir):
    [table] = read_real(data_dir, "google-ads-exports/calpreserving_Campaign report_alltime_USD.csv")
    assert round(sum(number(value) for value in table.frame["Cost"]), 2) == 199_421.15
    assert sum(number(value) for value in table.frame["Impr."]) == 14_117_313
    assert sum(number(value) for value in table.frame["Clicks"]) == 167_739
    assert round(sum(number(value) for value in table.frame["Conversions"]), 2) == 18_703.32
    assert " --" in table.frame["Budget name"].to_list()
    assert issue(table, "total_rows").examples[:2] == ("Total: Campaigns", "Total: Account")


def test_real_google_ads_keywords_by_device(data_dir):
    [table] = read_real(data_dir, "google-ads-exports/kw08_Search keyword report_by-device_USD.csv")
    assert round(sum(number(value) for value in table.frame["Cost"]), 2) == 18_950.07
    cost = {}
    for device, value in zip(table.frame["Device"], table.frame["Cost"], strict=True):
        cost[device] = cost.get(device, 0.0) + number(value)
    assert round(cost["Computers"], 2) == 17_035.92
    assert round(cost["Mobile phones"], 2) == 1_879.82
    assert round(cost["Tablets"], 2) == 34.33
    assert '"ELD"' in table.frame["Keyword"].to_list()
    assert "Total: Filtered keywords" in issue(table, "total_rows").examples


def test_real_google_ads_editor_utf16(data_dir):
    [table] = read_real(data_dir, "google-ads-exports/calpreserving_AdsEditor_Campaign_utf16le_tab.csv")
    assert (table.meta["encoding"], table.meta["delimiter"], table.meta["line_ending"]) == ("utf-16-le", "\t", "crlf")
    assert table.columns[:4] == ["Campaign", "Labels", "Campaign Type", "Networks"]
    assert table.frame.height == 15
    assert table.frame.row(0)[:4] == (
        "Bay Area Exterior Wood (<2025)",
        None,
        "Search",
        "Google search;Search Partners;Display Network",
    )


@pytest.mark.parametrize(
    ("file", "shape", "delimiter", "encoding"),
    [
        ("euro-resaved_olist_marketing_closed_deals_dataset.csv", (842, 14), ";", "utf-8-sig"),
        ("euro-resaved_olist_marketing_qualified_leads_dataset.csv", (8_000, 4), ";", "utf-8-sig"),
        ("ddmmyyyy-crlf_olist_marketing_qualified_leads_dataset.csv", (8_000, 4), ",", "utf-8"),
    ],
)
def test_real_olist_variants(data_dir, file, shape, delimiter, encoding):
    [table] = read_real(data_dir, f"olist-marketing-funnel/variants/{file}")
    assert table.frame.shape == shape
    assert (table.meta["delimiter"], table.meta["encoding"], table.meta["line_ending"]) == (delimiter, encoding, "crlf")
    assert table.columns[0] == "mql_id"
    if "origin" in table.columns:
        origins = table.frame["origin"].str.to_lowercase().str.replace(" ", "_").value_counts()
        assert dict(origins.rows())["paid_search"] == 1_586


def test_real_hillstrom(data_dir):
    [table] = read_real(data_dir, "hillstrom-email-ab/hillstrom.csv")
    assert table.frame.shape == (64_000, 12)
    assert table.meta["line_ending"] == "crlf"
    assert table.frame.row(-1) == (
        "1",
        "4) $350 - $500",
        "472.82",
        "0",
        "1",
        "Surburban",
        "0",
        "Web",
        "Mens E-Mail",
        "0",
        "0",
        "0",
    )
    assert dict(table.frame["segment"].value_counts().rows()) == {
        "Mens E-Mail": 21_307,
        "No E-Mail": 21_306,
        "Womens E-Mail": 21_387,
    }
    assert round(sum(float(value) for value in table.frame["spend"]), 2) == round(30_311.69 + 13_908.33 + 23_038.11, 2)


def test_real_cdnow_master(data_dir):
    # The README calls it header-less, but this copy starts with " customer_id  date number_of_cds  dollar_value".
    [table] = read_real(data_dir, "cdnow-lifetimes/CDNOW_master.txt")
    assert table.meta["delimiter"] == "whitespace"
    assert table.frame.shape == (69_659, 4)
    assert table.columns == ["customer_id", "date", "number_of_cds", "dollar_value"]
    assert table.frame["customer_id"].n_unique() == 23_570
    assert round(sum(float(value) for value in table.frame["dollar_value"]), 2) == 2_500_315.63


def test_real_cdnow_sample_has_no_header(data_dir):
    [table] = read_real(data_dir, "cdnow-lifetimes/CDNOW_sample.txt")
    assert table.meta["has_header"] == "false"
    assert table.frame.shape == (6_919, 5)
    assert table.frame.row(0) == ("00004", "0001", "19970101", "2", "29.33")
    assert table.frame["column_1"].n_unique() == 2_357


def test_real_shopify_orders_subset(data_dir):
    [table] = read_real(data_dir, "shopify-exports/orders_export_subset-columns_AU.csv")
    assert table.frame.height == 1_057
    assert table.frame.row(0)[7] == "'0812"
    assert round(sum(float(value) for value in table.frame["Total"]), 2) == 68_141.45


def test_real_woocommerce_metorik_orders(data_dir):
    [table] = read_real(data_dir, "woocommerce-metorik-fireflyfarms/orders_export_pii-stripped.csv")
    frame = table.frame
    assert frame.shape == (1_767, 53)
    assert int(frame["Line Items"].str.contains("\n").sum()) == 807
    statuses = dict(frame["Status"].value_counts().rows())
    assert statuses == {"completed": 1_300, "failed": 439, "refunded": 16, "cancelled": 7, "processing": 5}
    completed = [number(total) for total, status in frame.select("Total", "Status").rows() if status == "completed"]
    assert round(sum(completed), 2) == 112_903.53


@pytest.mark.parametrize("export", ["dentplant.gr-2026-05-06", "dentplant.gr-2026-06-03"])
def test_real_search_console_exports(data_dir, export):
    folder = data_dir / "google-search-console-exports" / export
    for path in sorted(folder.glob("*.csv")):
        [table] = read_text_tables(path.read_bytes(), path.name)
        assert all_strings(table)
        assert not table.issues
    [appearance] = read_real(data_dir, f"google-search-console-exports/{export}/Search appearance.csv")
    assert appearance.frame.shape == (0, 5)
    [filters] = read_real(data_dir, f"google-search-console-exports/{export}/Filters.csv")
    assert filters.frame.rows() == [("Search type", "Web"), ("Date", "Last 3 months")]


def test_real_search_console_devices(data_dir):
    [devices] = read_real(data_dir, "google-search-console-exports/dentplant.gr-2026-06-03/Devices.csv")
    assert devices.frame.rows() == [
        ("Mobile", "15", "638", "2.35%", "5.9"),
        ("Desktop", "11", "190", "5.79%", "11.15"),
        ("Tablet", "1", "4", "25%", "4.75"),
    ]


def test_real_facebook_kag(data_dir):
    [table] = read_real(data_dir, "facebook-ads-kag-conversion/KAG_conversion_data_with_added_date.csv")
    frame = table.frame
    assert frame.height == 1_143
    assert sum(int(value) for value in frame["Impressions"]) == 213_434_828
    assert sum(int(value) for value in frame["Clicks"]) == 38_165
    assert round(sum(float(value) for value in frame["Spent"]), 2) == 58_705.23
    assert sum(int(value) for value in frame["Total_Conversion"]) == 3_264
    assert sum(int(value) for value in frame["Approved_Conversion"]) == 1_079


def test_real_online_retail(data_dir):
    data = gzip.decompress((data_dir / "uci-online-retail" / "online_retail.csv.gz").read_bytes())
    [table] = read_text_tables(data, "online_retail.csv")
    assert table.frame.shape == (541_909, 8)
    assert table.frame["Description"].null_count() == 1_454
    assert table.frame["CustomerID"].null_count() == 541_909 - 406_829
