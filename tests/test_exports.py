"""The KPI table download (kpi/exports.py): every KPI as a row with its comparison, change, note
and formula; changes computed by hand."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from xml.etree import ElementTree

import polars as pl
import pytest

from kpi import KPIS, REGISTRY, KpiValue, Period, Report, Settings
from kpi.exports import XLSX_NUMBER_FORMATS, definitions_table, report_table, report_xlsx
from kpi.formats import FORMATS
from kpi.safety import csv_bytes


def _report(values: dict[str, KpiValue], *, filters=None) -> Report:
    every = {kpi.id: values.get(kpi.id, KpiValue(kpi, None, note="no traffic data")) for kpi in REGISTRY}
    return Report(
        period=Period(date(2026, 11, 1), date(2026, 11, 30)),
        comparison="previous",
        compare_period=Period(date(2026, 10, 2), date(2026, 10, 31)),
        filters=filters or {},
        settings=Settings(),
        values=every,
        currency="EUR",
    )


def _rows(report: Report) -> dict[str, dict]:
    return {row["kpi"]: row for row in report_table(report).iter_rows(named=True)}


def test_one_row_per_kpi_in_the_registrys_order():
    table = report_table(_report({}))
    assert table.get_column("kpi").to_list() == [kpi.id for kpi in REGISTRY]
    assert table.get_column("label").to_list() == [kpi.label for kpi in REGISTRY]
    assert table.get_column("formula").to_list() == [kpi.formula for kpi in REGISTRY]


def test_change_is_value_minus_compare_and_relative_to_the_comparison():
    rows = _rows(
        _report(
            {
                "sessions": KpiValue(KPIS["sessions"], 250.0, 200.0),
                "conversion_rate": KpiValue(KPIS["conversion_rate"], 0.03, 0.04),
                "revenue": KpiValue(KPIS["revenue"], 1200.0, 0.0),
                "orders": KpiValue(KPIS["orders"], 12.0, None, compare_note="no orders in period"),
            }
        )
    )
    assert rows["sessions"]["change"] == pytest.approx(50.0)
    assert rows["sessions"]["change_pct"] == pytest.approx(0.25)  # 50 / 200
    assert rows["conversion_rate"]["change"] == pytest.approx(-0.01)
    assert rows["conversion_rate"]["change_pct"] == pytest.approx(-0.25)  # -0.01 / 0.04
    assert rows["revenue"]["change"] == pytest.approx(1200.0)
    assert rows["revenue"]["change_pct"] is None  # from 0: no relative change
    assert rows["orders"]["change"] is None
    assert rows["orders"]["note"] == "comparison: no orders in period"


def test_each_row_says_its_period_filters_unit_and_currency():
    rows = _rows(
        _report({"revenue": KpiValue(KPIS["revenue"], 10.0, 5.0)}, filters={"channel": ("Email", "=HYPERLINK(1)")})
    )
    assert rows["revenue"]["period"] == "2026-11-01..2026-11-30"
    assert rows["revenue"]["compared_with"] == "2026-10-02..2026-10-31"
    assert rows["revenue"]["filters"] == "channel: Email, =HYPERLINK(1)"
    assert rows["revenue"]["currency"] == "EUR"
    assert rows["sessions"]["currency"] is None
    assert rows["sessions"]["value"] is None
    assert rows["sessions"]["note"] == "no traffic data"


def test_the_csv_neutralises_text_that_would_run_as_a_formula():
    report = _report({}, filters={"campaign": ("x",)})
    table = report_table(report).with_columns(note=report_table(report).get_column("note").str.replace("^no", "=no"))
    text = csv_bytes(table).decode("utf-8-sig")
    assert "'=no traffic data" in text
    assert ",=no" not in text


# The Excel workbook (report_xlsx): the same figures, the definitions, and no formula anywhere.

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
PAYLOADS = ('=HYPERLINK("http://x")', "@SUM(A1)", "+1", "-1+2")


def _figures() -> dict[str, KpiValue]:
    return {
        "sessions": KpiValue(KPIS["sessions"], 250.0, 200.0),
        "conversion_rate": KpiValue(KPIS["conversion_rate"], 0.031, 0.04),
        "revenue": KpiValue(KPIS["revenue"], 1234.5, 0.0),
        "ltv_cac_ratio": KpiValue(KPIS["ltv_cac_ratio"], 3.25, None, compare_note="no new customers"),
    }


def _sheet(workbook: bytes, name: str) -> pl.DataFrame:
    return pl.read_excel(workbook, sheet_name=name, engine="calamine")


def _cells(workbook: bytes) -> dict[str, list[dict]]:
    """Every cell of every sheet, read from the XML: ``ref``, type ``t``, style ``s``, the text of a
    string cell (shared or inline), the ``<v>`` of a number and whether it holds a ``<f>``."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        names = archive.namelist()
        shared = []
        if "xl/sharedStrings.xml" in names:
            root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in item.iter(f"{MAIN}t")) for item in root.iter(f"{MAIN}si")]
        sheets = {}
        for sheet_name in (n for n in names if n.startswith("xl/worksheets/sheet")):
            cells = []
            for cell in ElementTree.fromstring(archive.read(sheet_name)).iter(f"{MAIN}c"):
                kind, value = cell.get("t"), cell.find(f"{MAIN}v")
                if kind == "s":
                    text = shared[int(value.text)]
                elif kind == "inlineStr":
                    text = "".join(t.text or "" for t in cell.iter(f"{MAIN}t"))
                else:
                    text = None
                cells.append(
                    {
                        "ref": cell.get("r"),
                        "t": kind,
                        "s": int(cell.get("s", "0")),
                        "text": text,
                        "number": value.text if kind is None and value is not None else None,
                        "formula": cell.find(f"{MAIN}f") is not None,
                    }
                )
            sheets[sheet_name] = cells
    return sheets


def _cell_formats(workbook: bytes) -> list[dict[str, str]]:
    """The attributes of each cell xf (index = a cell's ``s``), with its number format code."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
    codes = {fmt.get("numFmtId"): fmt.get("formatCode") for fmt in styles.iter(f"{MAIN}numFmt")}
    codes |= {"0": "General", "3": "#,##0", "9": "0%", "10": "0.00%", "2": "0.00", "4": "#,##0.00"}
    xfs = styles.find(f"{MAIN}cellXfs")
    return [dict(xf.attrib) | {"code": codes.get(xf.get("numFmtId", "0"), "?")} for xf in xfs.iter(f"{MAIN}xf")]


def test_the_kpi_sheet_holds_the_report_tables_values():
    report = _report(_figures(), filters={"channel": ("Email",)})
    expected = report_table(report)
    sheet = _sheet(report_xlsx(report), "KPIs")
    assert sheet.columns == expected.columns
    assert sheet.height == expected.height == len(REGISTRY)
    for got, want in zip(sheet.iter_rows(named=True), expected.iter_rows(named=True), strict=True):
        for name, value in want.items():
            if isinstance(value, float):
                assert got[name] == pytest.approx(value, rel=1e-15), (want["kpi"], name)
            else:
                assert got[name] == value, (want["kpi"], name)
    rows = {row["kpi"]: row for row in sheet.iter_rows(named=True)}
    assert rows["conversion_rate"]["value"] == pytest.approx(0.031)  # a fraction, not 3.1
    assert rows["revenue"]["change_pct"] is None  # from 0: empty, not an error value
    assert rows["orders"]["value"] is None
    assert rows["orders"]["note"] == "no traffic data"
    assert rows["ltv_cac_ratio"]["note"] == "comparison: no new customers"


def test_values_are_numbers_in_their_kpis_number_format_and_the_header_is_bold_and_frozen():
    workbook = report_xlsx(_report(_figures()))
    cells = {cell["ref"]: cell for cell in _cells(workbook)["xl/worksheets/sheet1.xml"]}
    formats = _cell_formats(workbook)
    columns = report_table(_report({})).columns
    letter = {name: "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i] for i, name in enumerate(columns)}
    row = {kpi.id: index + 2 for index, kpi in enumerate(REGISTRY)}

    def cell(kpi_id: str, column: str) -> dict:
        return cells[f"{letter[column]}{row[kpi_id]}"]

    assert cell("conversion_rate", "value")["t"] is None  # a number cell
    assert float(cell("conversion_rate", "value")["number"]) == pytest.approx(0.031)
    assert formats[cell("conversion_rate", "value")["s"]]["code"] == "0.0%"
    assert formats[cell("conversion_rate", "change")["s"]]["code"] == "0.0%"
    assert formats[cell("revenue", "value")["s"]]["code"] == "#,##0.00"
    assert formats[cell("sessions", "value")["s"]]["code"] == "#,##0"
    assert formats[cell("sessions", "change_pct")["s"]]["code"] == "0.0%"
    assert formats[cell("ltv_cac_ratio", "value")["s"]]["code"] == '0.00"×"'  # a multiple: 3.25×, not 325%
    assert f"{letter['value']}{row['orders']}" not in cells  # unavailable: no cell at all
    assert formats[cells["A1"]["s"]].get("applyFont") == "1"
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        styles = archive.read("xl/styles.xml").decode()
    assert re.search(r'<pane [^>]*ySplit="1"[^>]*state="frozen"', sheet)
    assert f'<autoFilter ref="A1:{letter[columns[-1]]}{len(REGISTRY) + 1}"/>' in sheet
    assert "<b/>" in styles
    widths = [float(width) for width in re.findall(r'<col [^>]*width="([\d.]+)"', sheet)]
    assert len(widths) >= 1
    assert all(8 <= width <= 61 for width in widths)


def test_every_format_tag_has_an_excel_number_format():
    assert set(XLSX_NUMBER_FORMATS) == set(FORMATS)


def test_the_definitions_sheet_lists_every_kpi_with_its_formula_and_the_conventions():
    report = _report(_figures(), filters={"channel": ("Email", "Paid Search")})
    workbook = report_xlsx(report)
    sheet = _sheet(workbook, "Definitions")
    kpis = sheet.head(len(REGISTRY))
    assert kpis.get_column("kpi").to_list() == [kpi.id for kpi in REGISTRY]
    assert kpis.get_column("formula").to_list() == [kpi.formula for kpi in REGISTRY]
    assert kpis.get_column("fallback_note").to_list() == [kpi.fallback_note for kpi in REGISTRY]
    definitions = {row["kpi"]: row for row in kpis.iter_rows(named=True)}
    assert definitions["bounce_rate"] | {"formula": None} == {
        "kpi": "bounce_rate",
        "label": "Bounce rate",
        "group": "Traffic",
        "unit": "ratio",
        "better": "lower",
        "role": "input",
        "formula": None,
        "fallback_note": None,
    }
    assert definitions["spend"]["better"] == "neither"
    assert definitions["revenue"]["better"] == "higher"
    notes = sheet.get_column("kpi").to_list()[len(REGISTRY) :]
    text = "\n".join(note for note in notes if note)
    assert "Conventions" in text
    assert "ratios of sums" in text
    assert "empty cell; the note column says why" in text
    assert "Period: 2026-11-01..2026-11-30. Compared with: 2026-10-02..2026-10-31 (previous)." in text
    assert "Filters: channel: Email, Paid Search." in text


def test_the_definitions_table_is_the_registry():
    table = definitions_table()
    assert table.columns == ["kpi", "label", "group", "unit", "better", "role", "formula", "fallback_note"]
    assert table.get_column("kpi").to_list() == [kpi.id for kpi in REGISTRY]
    assert table.get_column("unit").to_list() == [kpi.unit for kpi in REGISTRY]
    assert set(table.get_column("better")) == {"higher", "lower", "neither"}
    conversion = table.row(by_predicate=pl.col("kpi") == "conversion_rate", named=True)
    assert conversion["fallback_note"] == KPIS["conversion_rate"].fallback_note
    assert csv_bytes(table).decode("utf-8-sig").startswith("kpi,label,group,unit,better,role,formula,fallback_note")


def test_text_that_would_run_as_a_formula_stays_text_with_the_quote_prefix():
    figures = {
        kpi_id: KpiValue(KPIS[kpi_id], None, note=payload)
        for kpi_id, payload in zip(("sessions", "users", "pageviews", "orders"), PAYLOADS, strict=True)
    }
    workbook = report_xlsx(_report(figures, filters={"campaign": PAYLOADS}))
    sheets = _cells(workbook)
    formats = _cell_formats(workbook)
    cells = [cell for sheet in sheets.values() for cell in sheet]
    assert not any(cell["formula"] for cell in cells)
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        assert not any(b"<f>" in archive.read(name) or b"<f " in archive.read(name) for name in archive.namelist())
    notes = [cell for cell in cells if cell["text"] in PAYLOADS]
    assert sorted(cell["text"] for cell in notes) == sorted(PAYLOADS)
    for cell in notes:
        assert cell["t"] in ("s", "inlineStr")
        assert formats[cell["s"]].get("quotePrefix") == "1", cell
    joined = 'campaign: =HYPERLINK("http://x"), @SUM(A1), +1, -1+2'
    filters = [cell for cell in cells if cell["text"] and joined in cell["text"]]
    assert len(filters) == len(REGISTRY) + 1  # the filters column of every row, and the conventions line
    assert all(cell["t"] in ("s", "inlineStr") for cell in filters)
    # every text cell that starts like a formula carries the prefix; other text does not need it
    for cell in cells:
        if cell["text"] is not None and cell["text"].startswith(("=", "+", "-", "@")):
            assert formats[cell["s"]].get("quotePrefix") == "1", cell
    assert formats[next(c for c in cells if c["text"] == "sessions")["s"]].get("quotePrefix") is None
    rows = {row["kpi"]: row for row in _sheet(workbook, "KPIs").iter_rows(named=True)}
    assert [rows[kpi_id]["note"] for kpi_id in ("sessions", "users", "pageviews", "orders")] == list(PAYLOADS)


def test_the_table_carries_each_kpis_interval_test_and_thin_data_flag():
    from kpi.uncertainty import ChangeTest, Interval, Trust

    trusts = {
        "conversion_rate": Trust(
            Interval(0.0552, 0.1744, "Wilson score interval"),
            Interval(0.02, 0.04, "Wilson score interval"),
            ChangeTest(0.0123, "two-proportion z-test"),
            thin="only 100 sessions",
        ),
        "aov": Trust(Interval(25.03, 54.97, "delta method over 3 days"), None, ChangeTest(0.19, "z-test")),
    }
    rows = {row["kpi"]: row for row in report_table(_report({}), trusts).iter_rows(named=True)}
    assert {key: rows["conversion_rate"][key] for key in ("low", "high", "compare_low", "compare_high")} == {
        "low": 0.0552,
        "high": 0.1744,
        "compare_low": 0.02,
        "compare_high": 0.04,
    }
    assert (rows["conversion_rate"]["p_value"], rows["conversion_rate"]["real_change"]) == (0.0123, "yes")
    assert rows["conversion_rate"]["thin_data"] == "only 100 sessions"
    assert (rows["aov"]["real_change"], rows["aov"]["compare_low"], rows["aov"]["thin_data"]) == ("no", None, None)
    assert all(rows["sessions"][key] is None for key in ("low", "high", "p_value", "real_change"))
    sheet = pl.read_excel(io.BytesIO(report_xlsx(_report({}), trusts)), sheet_name="KPIs", engine="calamine")
    assert sheet.filter(pl.col("kpi") == "aov").select("low", "high", "p_value").row(0) == (25.03, 54.97, 0.19)
