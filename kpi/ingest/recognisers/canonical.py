"""The contract's own canonical headers: a header made only of one table's column names (any
case, spaces or underscores), with that table's required columns, needs no mapping."""

from __future__ import annotations

from dataclasses import dataclass

from kpi.ingest.model import Converted, RawTable
from kpi.ingest.validation import snake
from kpi.schema import SCHEMAS, TABLE_NAMES, TableName


def canonical_candidates(columns: list[str]) -> list[TableName]:
    """The tables whose required columns the header holds and whose column names make at least
    half of the header, those explaining most columns first."""
    names = {snake(name) for name in columns}
    fits = [
        table
        for table in TABLE_NAMES
        if set(SCHEMAS[table].required) <= names and 2 * len(names & set(SCHEMAS[table].names)) >= len(names)
    ]
    return sorted(fits, key=lambda table: -len(names & set(SCHEMAS[table].names)))


def canonical_table(columns: list[str]) -> TableName | None:
    """The one table a canonical header names (other columns are left out, with a note); ``None``
    when none fits or two fit equally well (the user then names the table).

    >>> canonical_table(["date", "Sessions", "device"]), canonical_table(["date", "spend", "clicks", "notes"])
    ('traffic', 'spend')
    >>> canonical_table(["date", "sessions", "spend"]) is None
    True
    """
    fits = canonical_candidates(columns)
    if not fits:
        return None
    names = {snake(name) for name in columns}
    explained = [len(names & set(SCHEMAS[table].names)) for table in fits]
    if len(fits) > 1 and explained[0] == explained[1]:
        return None
    return fits[0]


@dataclass(frozen=True)
class Canonical:
    """Canonical CSV/Parquet files (what ``python data/generate_demo.py`` writes)."""

    name: str = "canonical table"

    def detect(self, raw: RawTable) -> bool:
        """True when the header is (a subset of) one canonical table's columns."""
        return canonical_table(raw.columns) is not None

    def convert(self, raw: RawTable) -> Converted:
        """The columns renamed to their canonical spelling."""
        table = canonical_table(raw.columns)
        assert table is not None
        frame = raw.frame.rename({name: snake(name) for name in raw.columns})
        return Converted(
            source=raw.source,
            table=table,
            frame=frame,
            recogniser=f"canonical {table}",
            rows_in=raw.frame.height,
            first_line=raw.header_line + 1,
        )
