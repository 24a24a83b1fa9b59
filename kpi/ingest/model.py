"""The values passed between the ingest stages.

A file becomes one or more :class:`RawTable` (its cells as text, with what was learnt while
reading it in ``meta``); a recogniser or a mapping turns a raw table into a :class:`Converted`
(canonical column names, still text or already typed) or a :class:`Skipped` (with the reason);
validation then types and checks every column (:func:`kpi.readers.validate`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

import polars as pl

from kpi.issues import Issue
from kpi.schema import TableName

DateOrder = Literal["ymd", "dmy", "mdy"]
Decimal = Literal[".", ","]


@dataclass(frozen=True)
class Limits:
    """What one upload may hold before it is refused, checked before a full parse."""

    max_bytes: int = 200 * 1024 * 1024
    max_uncompressed_bytes: int = 1024 * 1024 * 1024
    max_compression_ratio: float = 100.0
    max_columns: int = 500
    max_cell_chars: int = 1_000_000
    max_files_in_zip: int = 200


LOCAL_LIMITS = Limits(max_bytes=2**40, max_uncompressed_bytes=2**40)
"""For files on the user's own machine (the CLI, the benchmark): no size limit but memory; the
checks against zip bombs and malformed files stay."""


@dataclass(frozen=True)
class RawTable:
    """One table found in a file, before recognition.

    ``source`` names the file and, where one file holds several tables, which one
    (``report.xlsx#Sheet1``, ``export.zip/Chart.csv``, ``snapshot.csv#6``). ``frame`` holds the
    cells as text (``pl.String``) with the header names trimmed; a Parquet file keeps its types.
    ``meta`` holds what was learnt while reading: ``file_name``, ``encoding``, ``delimiter``,
    ``title`` and ``date_range`` (an ads report's first lines), ``start_date``/``end_date``
    (GA4's ``# Start date: 20260220`` comments), ``block_title`` (a comment line just above the
    table), ``sheet``, ``layout`` (``"table"`` or ``"key_value"``). ``issues`` are what reading
    found (encoding fallbacks, total rows removed…). ``header_line`` is the 1-based line of the
    header row in the file, so data row ``i`` (0-based) is near line ``header_line + 1 + i``.
    """

    source: str
    frame: pl.DataFrame
    meta: Mapping[str, str] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()
    header_line: int = 1

    @property
    def columns(self) -> list[str]:
        """The header names."""
        return self.frame.columns


@dataclass(frozen=True)
class ParseOptions:
    """How text cells are read when a column is typed: the decimal mark and the order of day and
    month (``None`` = infer from the column's values, and say so when it stays ambiguous)."""

    decimal: Decimal | None = None
    date_order: DateOrder | None = None


@dataclass(frozen=True)
class Converted:
    """A raw table turned into a canonical table: columns named as the contract names them,
    cells still text (typed by validation) or already typed. ``recogniser`` says what did it
    ("Shopify orders export", "mapping profile 'My CRM'"). ``rows_in`` is the number of raw rows
    (line items, say) and ``issues`` every row dropped or changed on the way, with the reason.
    ``update_only`` marks rows that only complete rows of the same key loaded from another file
    (Olist's closed deals add ``won_at`` to its leads)."""

    source: str
    table: TableName
    frame: pl.DataFrame
    recogniser: str
    rows_in: int
    issues: tuple[Issue, ...] = ()
    parse: ParseOptions = field(default_factory=ParseOptions)
    update_only: bool = False
    currency: str | None = None
    """The currency the export states outside its cells (Meta's ``Amount spent (USD)`` header, a
    ``Currency code`` column of a table that has none in the contract)."""
    first_line: int | None = None
    """The file line of the first row when rows map one to one to lines (examples then cite
    lines), else ``None`` (examples cite row numbers)."""


@dataclass(frozen=True)
class Skipped:
    """A raw table that a recogniser knows but that maps to no canonical table, and why
    ("GA4 'Nth day, Active users' has users but no sessions")."""

    source: str
    recogniser: str
    reason: str


class Recogniser(Protocol):
    """A known export: ``detect`` says whether a raw table is one, ``convert`` maps it."""

    name: str

    def detect(self, raw: RawTable) -> bool:
        """True when the raw table is this export (by its header, meta and a glance at values)."""
        ...

    def convert(self, raw: RawTable) -> Converted | Skipped:
        """The canonical table (or the reason there is none)."""
        ...
