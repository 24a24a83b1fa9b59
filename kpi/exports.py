"""Tables for download: every KPI of a report as one row, with its comparison, change, note and
formula, so a spreadsheet holds the same figures as the cards and says how each was computed; the
KPI definitions as a table; both as one Excel workbook (built in memory, returned as bytes)."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping

import polars as pl
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from kpi.engine import Report
from kpi.formats import FormatTag
from kpi.registry import GROUP_LABELS, KPIS, REGISTRY
from kpi.safety import FORMULA_TRIGGERS
from kpi.uncertainty import Trust


def report_table(report: Report, trusts: Mapping[str, Trust] | None = None) -> pl.DataFrame:
    """One row per KPI of the registry, in its order.

    Columns: ``kpi`` (id), ``label``, ``group``, ``value``, ``compare`` (the comparison period's
    value), ``change`` = value − compare, ``change_pct`` = (value − compare) / |compare| (empty
    when compare = 0 or either side is unavailable), ``unit``, ``currency``, ``note`` (why a value
    is unavailable, or what it must say; the comparison's note is prefixed "comparison:"),
    ``formula``, ``period``, ``compared_with`` and ``filters`` (the view the figures belong to).
    Rates are fractions (0.025 = 2.5%), as in the CLI's JSON. With ``trusts``
    (:func:`kpi.uncertainty.assess` per KPI): ``low``/``high`` and ``compare_low``/``compare_high``
    (the 95% intervals), ``p_value`` of the change, ``real_change`` ("yes" when p < 0.05, "no"
    otherwise) and ``thin_data`` ("only 14 sessions"); empty for KPIs without an interval.
    """
    trusts = trusts or {}
    compared = f"{report.compare_period.start}..{report.compare_period.end}" if report.compare_period else ""
    filters = "; ".join(f"{name}: {', '.join(values)}" for name, values in report.filters.items())
    rows = []
    for kpi in REGISTRY:
        item = report[kpi.id]
        both = item.value is not None and item.compare is not None
        change = item.value - item.compare if both else None
        notes = [item.note, f"comparison: {item.compare_note}" if item.compare_note else None]
        rows.append(
            {
                "kpi": kpi.id,
                "label": kpi.label,
                "group": GROUP_LABELS[kpi.group],
                "value": item.value,
                "compare": item.compare,
                "change": change,
                "change_pct": change / abs(item.compare) if change is not None and item.compare else None,
                "unit": kpi.unit,
                "currency": report.currency if kpi.unit == "currency" else None,
                "note": "; ".join(note for note in notes if note) or None,
                "formula": kpi.formula,
                "period": f"{report.period.start}..{report.period.end}",
                "compared_with": compared or None,
                "filters": filters or None,
                **_trust_columns(trusts.get(kpi.id)),
            }
        )
    return pl.DataFrame(rows, schema=REPORT_TABLE_SCHEMA)


def _trust_columns(trust: Trust | None) -> dict[str, float | str | None]:
    """The interval, test and thin-data columns of one KPI (all empty without a ``trust``)."""
    interval = trust.interval if trust else None
    compare = trust.compare_interval if trust else None
    change = trust.change if trust else None
    return {
        "low": interval.low if interval else None,
        "high": interval.high if interval else None,
        "compare_low": compare.low if compare else None,
        "compare_high": compare.high if compare else None,
        "p_value": change.p_value if change else None,
        "real_change": ("yes" if change.is_real else "no") if change else None,
        "thin_data": trust.thin if trust else None,
    }


REPORT_TABLE_SCHEMA = {
    "kpi": pl.String,
    "label": pl.String,
    "group": pl.String,
    "value": pl.Float64,
    "compare": pl.Float64,
    "change": pl.Float64,
    "change_pct": pl.Float64,
    "unit": pl.String,
    "currency": pl.String,
    "note": pl.String,
    "formula": pl.String,
    "period": pl.String,
    "compared_with": pl.String,
    "filters": pl.String,
    "low": pl.Float64,
    "high": pl.Float64,
    "compare_low": pl.Float64,
    "compare_high": pl.Float64,
    "p_value": pl.Float64,
    "real_change": pl.String,
    "thin_data": pl.String,
}


def definitions_table() -> pl.DataFrame:
    """Every KPI of the registry with its definition, in the registry's order: ``kpi`` (id),
    ``label``, ``group``, ``unit``, ``better`` ("higher", "lower" or "neither"), ``role`` (outcome
    or input), ``formula`` and ``fallback_note`` (what is computed when the data lacks the
    formula's inputs).

    >>> definitions_table().filter(pl.col("kpi") == "bounce_rate").select("unit", "better", "role").row(0)
    ('ratio', 'lower', 'input')
    """
    better = {True: "higher", False: "lower", None: "neither"}
    rows = [
        {
            "kpi": kpi.id,
            "label": kpi.label,
            "group": GROUP_LABELS[kpi.group],
            "unit": kpi.unit,
            "better": better[kpi.higher_is_better],
            "role": kpi.role,
            "formula": kpi.formula,
            "fallback_note": kpi.fallback_note,
        }
        for kpi in REGISTRY
    ]
    return pl.DataFrame(rows, schema=DEFINITIONS_SCHEMA)


DEFINITIONS_COLUMNS = ("kpi", "label", "group", "unit", "better", "role", "formula", "fallback_note")
DEFINITIONS_SCHEMA = dict.fromkeys(DEFINITIONS_COLUMNS, pl.String)

XLSX_NUMBER_FORMATS: dict[FormatTag, str] = {
    "count": "#,##0",
    "currency": "#,##0.00",
    "percent": "0.0%",
    "decimal": "0.00",
    "multiple": '0.00"×"',
    "days": "0.0",
    "duration": "0",
    "score": "0.0",
    "months": "0",
}
"""Excel number format of each format tag. Rates stay fractions (0.025) and ``%`` shows them ×100,
as d3's ``.1%`` does; multiples (ROAS, LTV : CAC, unit "ratio" too) keep their "×"."""

_VALUE_COLUMNS = ("value", "compare", "change", "low", "high", "compare_low", "compare_high")
_MIN_WIDTH, _MAX_WIDTH, _NUMBER_WIDTH = 8, 60, 13


def report_xlsx(report: Report, trusts: Mapping[str, Trust] | None = None) -> bytes:
    """The report as an Excel workbook: sheet "KPIs" holds :func:`report_table` (bold frozen
    header, autofilter, each value in its KPI's number format: rates as fractions shown as %,
    money with 2 decimals, an unavailable value as an empty cell with the reason in ``note``);
    sheet "Definitions" holds :func:`definitions_table` and the conventions of the export.

    Every text cell is written as text, never as a formula, and text a spreadsheet would run as a
    formula (starting with = + - @) carries Excel's quote prefix (as when a user types ``'=1``):
    it shows as typed and stays text when edited. Numbers are numbers; the workbook is built in
    memory (no file is written).
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    styles = _Styles(workbook)
    _kpi_sheet(workbook.add_worksheet("KPIs"), report_table(report, trusts), styles)
    _definitions_sheet(workbook.add_worksheet("Definitions"), definitions_table(), _conventions(report), styles)
    workbook.close()
    return buffer.getvalue()


class _Styles:
    """The workbook's cell formats, made once (xlsxwriter keeps one xf per format object)."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.header = workbook.add_format({"bold": True, "bottom": 1})
        self.heading = workbook.add_format({"bold": True})
        self.quoted = workbook.add_format({"quote_prefix": True})
        self.numbers = {tag: workbook.add_format({"num_format": code}) for tag, code in XLSX_NUMBER_FORMATS.items()}
        self.percent = self.numbers["percent"]
        self.by_column = {"p_value": workbook.add_format({"num_format": "0.000"})}


def _write_text(sheet: Worksheet, row: int, col: int, text: str | None, styles: _Styles) -> None:
    """Text as a string cell (``write`` would turn "=…" into a formula); formula-like text gets
    the quote prefix; ``None`` leaves the cell empty."""
    if text is None:
        return
    sheet.write_string(row, col, text, styles.quoted if text.startswith(FORMULA_TRIGGERS) else None)


def _write_number(sheet: Worksheet, row: int, col: int, number: float | None, style: Format) -> None:
    if number is None or not math.isfinite(number):
        return
    sheet.write_number(row, col, number, style)


def _write_header(sheet: Worksheet, columns: list[str], styles: _Styles) -> None:
    for col, name in enumerate(columns):
        sheet.write_string(0, col, name, styles.header)
    sheet.freeze_panes(1, 0)


def _text_width(frame: pl.DataFrame, name: str) -> int:
    longest = frame.select(pl.col(name).str.len_chars().max()).item() or 0
    return min(max(longest, len(name)) + 2, _MAX_WIDTH)


def _kpi_sheet(sheet: Worksheet, table: pl.DataFrame, styles: _Styles) -> None:
    _write_header(sheet, table.columns, styles)
    number_formats = [KPIS[kpi_id].format for kpi_id in table.get_column("kpi")]
    for row, (record, tag) in enumerate(zip(table.iter_rows(named=True), number_formats, strict=True), start=1):
        for col, (name, dtype) in enumerate(table.schema.items()):
            if dtype == pl.String:
                _write_text(sheet, row, col, record[name], styles)
            else:
                style = styles.numbers[tag] if name in _VALUE_COLUMNS else styles.by_column.get(name, styles.percent)
                _write_number(sheet, row, col, record[name], style)
    for col, (name, dtype) in enumerate(table.schema.items()):
        width = _text_width(table, name) if dtype == pl.String else _NUMBER_WIDTH
        sheet.set_column(col, col, max(width, _MIN_WIDTH))
    sheet.autofilter(0, 0, table.height, table.width - 1)


def _definitions_sheet(sheet: Worksheet, table: pl.DataFrame, conventions: list[str], styles: _Styles) -> None:
    _write_header(sheet, table.columns, styles)
    for row, record in enumerate(table.iter_rows(), start=1):
        for col, text in enumerate(record):
            _write_text(sheet, row, col, text, styles)
    for col, name in enumerate(table.columns):
        sheet.set_column(col, col, max(_text_width(table, name), _MIN_WIDTH))
    sheet.autofilter(0, 0, table.height, table.width - 1)
    first = table.height + 2
    sheet.write_string(first, 0, "Conventions", styles.heading)
    for offset, line in enumerate(conventions, start=1):
        _write_text(sheet, first + offset, 0, line, styles)


def _conventions(report: Report) -> list[str]:
    """What a reader of the workbook must know to read its figures, and which view they belong to."""
    compared = (
        f"{report.compare_period.start}..{report.compare_period.end} ({report.comparison})"
        if report.compare_period
        else "no comparison"
    )
    filters = "; ".join(f"{name}: {', '.join(values)}" for name, values in report.filters.items()) or "none"
    settings = report.settings
    margin = "not set (revenue-based, 1.0)" if settings.margin is None else f"{settings.margin:.0%}"
    return [
        "Ratios are ratios of sums: Σ numerator / Σ denominator over the period and filters, never an average of "
        "daily or per-row rates.",
        "Rates are fractions shown as percentages (0.025 = 2.5%); money is in the currency column's currency, "
        "with 2 decimals.",
        "An unavailable value is an empty cell; the note column says why.",
        "change = value − compare in the KPI's unit (for rates: percentage points); change_pct = change / |compare|, "
        "empty when compare is 0 or unavailable.",
        "low and high: the 95% interval of the value (Wilson for rates, the delta method over the period's days "
        "for other ratios of sums, the margin of error for NPS); p_value tests the change against the comparison "
        "(real_change is yes when p < 0.05); thin_data flags a value resting on few sessions, orders or answers.",
        f"Period: {report.period.start}..{report.period.end}. Compared with: {compared}. Filters: {filters}.",
        f"Gross margin: {margin}; LTV horizon: {settings.ltv_months} months; CAC cost: {settings.cac_variant}.",
    ]
