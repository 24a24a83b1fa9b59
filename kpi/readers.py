"""Reading files into canonical tables: the façade over :mod:`kpi.ingest` used by the CLI, the
app and the tests. Polars only; the only part of ``kpi`` that parses files.

``load_table(data, name)`` reads one file's bytes (CSV/TSV/TXT, Excel, Parquet, zip, gz),
recognises the export (canonical headers or a known tool's), types every column and returns the
typed frame **with every issue found**; a file that cannot be used at all raises
:class:`~kpi.issues.DataError` with one line naming the file and the problem. ``combine`` stacks
loaded tables into a data set without counting anything twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kpi.ingest.pipeline import IngestOptions, read_files, stack
from kpi.ingest.recognisers.canonical import canonical_candidates, canonical_table
from kpi.ingest.validation import LoadedTable, Validation, did_you_mean, digest_of, snake, to_canonical, validate
from kpi.issues import DataError
from kpi.schema import SCHEMAS, TABLE_NAMES, TableName
from kpi.tables import Tables

__all__ = [
    "LoadedTable",
    "Validation",
    "combine",
    "digest_of",
    "load_path",
    "load_table",
    "recognise",
    "to_canonical",
    "validate",
]


def recognise(columns: Sequence[str], source: str) -> TableName:
    """The canonical table a header names; :class:`DataError` saying which tables fit equally, or
    the closest table, what it misses and the header that looks like it, when it names none.

    >>> recognise(["date", "sessions", "device"], "t.csv")
    'traffic'
    """
    found = canonical_table(list(columns))
    if found is not None:
        return found
    tied = canonical_candidates(list(columns))
    if tied:
        raise DataError(source, f"the header fits several tables ({', '.join(tied)}): name the table")
    names = {snake(name) for name in columns}
    best = max(TABLE_NAMES, key=lambda t: len(names & set(SCHEMAS[t].names)))
    missing = [name for name in SCHEMAS[best].required if name not in names]
    text = f"header not recognised as a canonical table (closest: {best}, missing {', '.join(missing)})"
    closest = did_you_mean(missing[0], [name for name in columns if snake(name) not in SCHEMAS[best].names])
    if closest:
        text += f"; did you mean {closest!r} for {missing[0]!r}?"
    raise DataError(source, text)


def load_table(
    data: bytes, source: str, table: TableName | None = None, *, options: IngestOptions | None = None
) -> LoadedTable:
    """Read one file's bytes as exactly one canonical table (recognised unless ``table`` is
    given; ``options`` sets the currency to keep and the size limits). Raises :class:`DataError`
    when the file cannot be used, holds no recognised table, or holds several."""
    results = read_files([(source, data)], forced={source: table} if table else None, options=options)
    loaded = [item.loaded for item in results if item.loaded is not None]
    if len(loaded) == 1:
        return loaded[0]
    failed = [item for item in results if item.status == "failed"]
    if failed and not loaded:
        raise DataError(source, failed[0].message or "could not be read", failed[0].issues)
    unknown = [item for item in results if item.status == "unrecognised"]
    if unknown and not loaded and unknown[0].raw is not None:
        recognise(unknown[0].raw.columns, source)  # raises with the closest table and header
    skipped = [item for item in results if item.status == "skipped"]
    if skipped and not loaded:
        raise DataError(source, skipped[0].message or "holds no table that maps to a KPI table")
    raise DataError(source, f"holds {len(loaded)} tables: load it with ingest() to keep them all")


def load_path(path: str | Path, table: TableName | None = None, *, options: IngestOptions | None = None) -> LoadedTable:
    """:func:`load_table` on a file path; a missing or unreadable file is a :class:`DataError`."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as err:
        raise DataError(str(path), f"cannot be read ({err.strerror or type(err).__name__})") from None
    return load_table(data, file.name, table, options=options)


def _part_of_file(source: str) -> str:
    """Which table of its file a source names: ``"#3"`` of a sheet or block, the member of a zip."""
    if "#" in source:
        return source.rsplit("#", 1)[1]
    return source.split("/", 1)[1] if "/" in source else ""


def combine(loaded: Sequence[LoadedTable]) -> Tables:
    """The data set of several loaded tables; the same bytes loaded twice count once, and a later
    file's rows replace an earlier file's rows of the same order, lead, or date and dimensions."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for item in loaded:
        identity = (item.digest, _part_of_file(item.source))
        if item.digest and identity in seen:
            continue
        seen.add(identity)
        unique.append(item)
    return stack(unique)[0]
