"""Tables for download: every KPI of a report as one row, with its comparison, change, note and
formula, so a spreadsheet holds the same figures as the cards and says how each was computed."""

from __future__ import annotations

import polars as pl

from kpi.engine import Report
from kpi.registry import GROUP_LABELS, REGISTRY


def report_table(report: Report) -> pl.DataFrame:
    """One row per KPI of the registry, in its order.

    Columns: ``kpi`` (id), ``label``, ``group``, ``value``, ``compare`` (the comparison period's
    value), ``change`` = value − compare, ``change_pct`` = (value − compare) / |compare| (empty
    when compare = 0 or either side is unavailable), ``unit``, ``currency``, ``note`` (why a value
    is unavailable, or what it must say; the comparison's note is prefixed "comparison:"),
    ``formula``, ``period``, ``compared_with`` and ``filters`` (the view the figures belong to).
    Rates are fractions (0.025 = 2.5%), as in the CLI's JSON.
    """
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
            }
        )
    return pl.DataFrame(rows, schema=REPORT_TABLE_SCHEMA)


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
}
