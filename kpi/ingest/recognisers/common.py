"""Small helpers every recogniser uses: finding columns by (normalised) name, the period a
report covers, device labels, and the ``_drop`` reason column."""

from __future__ import annotations

import re
from datetime import date

import polars as pl

from kpi.ingest.mapping import normalise_name
from kpi.ingest.model import RawTable
from kpi.ingest.validation import DROP
from kpi.ingest.values import parse_datetimes

DEVICE_WORDS: dict[str, str] = {
    "computers": "desktop",
    "computer": "desktop",
    "desktop": "desktop",
    "pc": "desktop",
    "komputery": "desktop",
    "ordinateurs": "desktop",
    "ordenadores": "desktop",
    "computer ": "desktop",
    "mobile phones": "mobile",
    "mobile": "mobile",
    "smartphone": "mobile",
    "mobile_app": "mobile",
    "mobile_web": "mobile",
    "phone": "mobile",
    "telefony komorkowe": "mobile",
    "mobiles": "mobile",
    "tablets": "tablet",
    "tablet": "tablet",
    "tablety": "tablet",
    "tv screens": "other",
    "other": "other",
}
_FILE_PERIOD = re.compile(r"(\d{4}-\d{2}-\d{2})[_ ](?:to[_ ])?(\d{4}-\d{2}-\d{2})")


def headers(raw: RawTable) -> dict[str, str]:
    """Normalised header name → the header as written."""
    return {normalise_name(name): name for name in raw.columns}


def find(raw: RawTable, *candidates: str) -> str | None:
    """The first header equal (after normalising) to one of the candidates, as written in the file.

    >>> find(RawTable("x", pl.DataFrame({"Amount spent (USD)": [], "Impr.": []})), "impressions", "impr")
    'Impr.'
    """
    known = headers(raw)
    for candidate in candidates:
        found = known.get(normalise_name(candidate))
        if found is not None:
            return found
    return None


def find_prefix(raw: RawTable, prefix: str) -> str | None:
    """The first header that starts with ``prefix`` once normalised (``Amount spent (USD)``)."""
    wanted = normalise_name(prefix)
    return next((name for name in raw.columns if normalise_name(name).startswith(wanted)), None)


def has_all(raw: RawTable, *candidates: str) -> bool:
    """True when every candidate names a header."""
    return all(find(raw, candidate) is not None for candidate in candidates)


def text(raw: RawTable, column: str | None) -> pl.Expr:
    """A header's cells as text, or null text when the column is absent."""
    return pl.col(column).cast(pl.String) if column else pl.lit(None, pl.String)


def period_of(raw: RawTable) -> tuple[date, date] | None:
    """The period a report covers when its rows carry no date: GA4's ``start_date``/``end_date``
    comments, an ads report's date-range line (``July 8, 2025 - July 31, 2025``), or dates in the
    file name (``…_2025-09-01_2025-12-19.csv``). ``None`` for "All time" or nothing."""
    meta = raw.meta
    if meta.get("start_date") and meta.get("end_date"):
        parsed = parse_datetimes(pl.Series([meta["start_date"], meta["end_date"]]), order="ymd")
        if not parsed.failed.any() and parsed.values.null_count() == 0:
            return parsed.values[0].date(), parsed.values[1].date()
    span = meta.get("date_range", "")
    parts = re.split(r"\s+[-–]\s+", span.strip().strip('"')) if span else []
    if len(parts) == 2:
        parsed = parse_datetimes(pl.Series(parts))
        if not parsed.failed.any() and parsed.values.null_count() == 0:
            return parsed.values[0].date(), parsed.values[1].date()
    found = _FILE_PERIOD.search(str(meta.get("file_name", raw.source)))
    if found:
        return date.fromisoformat(found.group(1)), date.fromisoformat(found.group(2))
    return None


def device(expr: pl.Expr) -> pl.Expr:
    """Device labels of ads and analytics tools (``Computers``, ``Mobile phones``, ``mobile_web``)
    as ``desktop``, ``mobile``, ``tablet`` or ``other``; unknown labels lower-cased."""
    lowered = expr.cast(pl.String).str.strip_chars().str.to_lowercase()
    return lowered.replace_strict(DEVICE_WORDS, default=lowered, return_dtype=pl.String)


def drop_when(condition: pl.Expr, reason: str, previous: pl.Expr | None = None) -> pl.Expr:
    """The ``_drop`` column: ``reason`` where ``condition`` holds (the first reason wins)."""
    flagged = pl.when(condition.fill_null(value=False)).then(pl.lit(reason))
    return (flagged.otherwise(previous) if previous is not None else flagged).alias(DROP)
