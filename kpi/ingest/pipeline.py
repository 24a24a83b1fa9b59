"""From uploaded files to a data set, with the fate of every table in them.

:func:`ingest` reads every file (zip, xlsx, gz, Parquet, CSV…), recognises each table in it (a
user's mapping profile first, then the known exports), types and checks its columns, and stacks
the tables into one :class:`~kpi.tables.Tables` without counting anything twice:

* the same bytes uploaded twice are read once;
* orders and leads: a key loaded from an earlier file is replaced by the later file's row;
* traffic, spend and NPS: rows of a later file whose date and dimensions repeat an earlier file's
  (two overlapping exports) replace them; rows repeated inside one file are kept (they differ in
  a column the table does not hold);
* rows that only complete others (Olist's closed deals) update the rows of the same key.

Every drop or change is an :class:`~kpi.issues.Issue` on the file it concerns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import polars as pl

from kpi.ingest.containers import read_tables
from kpi.ingest.mapping import ColumnMapping, apply_mapping, guess_table
from kpi.ingest.model import Converted, Limits, RawTable, Skipped
from kpi.ingest.recognisers import RECOGNISERS
from kpi.ingest.validation import LoadedTable, digest_of, snake, to_canonical
from kpi.issues import DataError, Issue
from kpi.schema import DIMENSIONS, SCHEMAS, TABLE_NAMES, TableName
from kpi.tables import Tables

Status = Literal["loaded", "skipped", "unrecognised", "failed"]


@dataclass(frozen=True)
class IngestOptions:
    """Choices the user makes once: the currency to keep when orders mix several, and limits."""

    currency: str | None = None
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class TableResult:
    """What became of one table found in the uploads.

    ``loaded``: typed and checked (``loaded`` holds it); ``skipped``: a known export's table that
    maps to nothing (``message`` says why); ``unrecognised``: needs a column mapping (``raw`` is
    kept for the mapping step, ``guess`` is the likely table); ``failed``: unusable (``message``).
    """

    source: str
    status: Status
    recogniser: str | None = None
    table: TableName | None = None
    loaded: LoadedTable | None = None
    message: str | None = None
    raw: RawTable | None = None
    guess: TableName | None = None
    issues: tuple[Issue, ...] = ()
    """Every problem found in a table that failed (all missing columns, mixed currencies…)."""


@dataclass(frozen=True)
class Ingested:
    """Everything the uploads gave: each table's result, the data set, and the issues that span
    files (overlaps, currencies)."""

    results: tuple[TableResult, ...]
    tables: Tables
    issues: tuple[tuple[str, Issue], ...] = ()

    def loaded(self) -> list[LoadedTable]:
        """The tables that made it into the data set, in upload order."""
        return [result.loaded for result in self.results if result.loaded is not None]

    def needs_mapping(self) -> list[TableResult]:
        """The tables no recogniser knew."""
        return [result for result in self.results if result.status == "unrecognised"]

    def failures(self) -> list[TableResult]:
        """The files or tables that could not be used at all."""
        return [result for result in self.results if result.status == "failed"]


def convert(raw: RawTable, mappings: Sequence[ColumnMapping] = ()) -> Converted | Skipped | None:
    """The raw table as a canonical table: by a user's mapping that fits its header, else by the
    first recogniser that knows it; ``None`` when nothing does."""
    for mapping in mappings:
        if mapping.fits(raw):
            return apply_mapping(raw, mapping)
    for recogniser in RECOGNISERS:
        if recogniser.detect(raw):
            return recogniser.convert(raw)
    return None


def _typed(converted: Converted, options: IngestOptions) -> LoadedTable:
    loaded = to_canonical(
        converted.frame,
        converted.table,
        converted.source,
        parse=converted.parse,
        currency=options.currency,
        first_line=converted.first_line,
        required=(SCHEMAS[converted.table].key,) if converted.update_only and SCHEMAS[converted.table].key else None,
    )
    return replace(
        loaded,
        issues=(*converted.issues, *loaded.issues),
        recogniser=converted.recogniser,
        currency=loaded.currency or converted.currency,
        rows_read=converted.rows_in,
        update_only=converted.update_only,
    )


def _result_of(
    raw: RawTable, mappings: Sequence[ColumnMapping], options: IngestOptions, forced: TableName | None
) -> TableResult:
    try:
        converted = _as_forced(raw, forced) or convert(raw, mappings)
        if converted is None:
            if forced is not None:
                converted = Converted(
                    raw.source,
                    forced,
                    raw.frame,
                    f"canonical {forced}",
                    raw.frame.height,
                    first_line=raw.header_line + 1,
                )
            else:
                return TableResult(
                    raw.source,
                    "unrecognised",
                    raw=raw,
                    guess=guess_table(raw),
                    message="not a known export: map its columns once",
                )
        if isinstance(converted, Skipped):
            return TableResult(raw.source, "skipped", recogniser=converted.recogniser, message=converted.reason)
        if forced is not None and converted.table != forced:
            return TableResult(
                raw.source,
                "failed",
                recogniser=converted.recogniser,
                table=converted.table,
                message=f"holds {converted.table}, not {forced}",
            )
        loaded = _typed(converted, options)
        loaded = replace(loaded, issues=(*raw.issues, *loaded.issues))
    except DataError as err:
        return TableResult(raw.source, "failed", message=err.message, raw=raw, issues=err.issues)
    if loaded.frame.height == 0:
        return TableResult(
            raw.source, "failed", recogniser=loaded.recogniser, table=loaded.table, message=_why_empty(loaded), raw=raw
        )
    return TableResult(raw.source, "loaded", recogniser=loaded.recogniser, table=loaded.table, loaded=loaded)


def _as_forced(raw: RawTable, forced: TableName | None) -> Converted | None:
    """A file named as a table (``--spend F``) whose header holds that table's canonical columns."""
    if forced is None or not set(SCHEMAS[forced].required) <= {snake(name) for name in raw.columns}:
        return None
    frame = raw.frame.rename({name: snake(name) for name in raw.columns})
    return Converted(raw.source, forced, frame, f"canonical {forced}", raw.frame.height, first_line=raw.header_line + 1)


def _why_empty(loaded: LoadedTable) -> str:
    if loaded.rows_read == 0:
        totals = next((issue for issue in loaded.issues if issue.code == "total_rows"), None)
        return "the file holds only total rows" if totals else "the file has a header but no data rows"
    first = next((issue.message for issue in loaded.issues if issue.effect == "dropped"), "")
    return f"no usable rows: {first}" if first else "no usable rows"


def ingest_file(
    name: str,
    content: bytes,
    *,
    mappings: Sequence[ColumnMapping] = (),
    options: IngestOptions | None = None,
    table: TableName | None = None,
) -> list[TableResult]:
    """Every table of one file, read, recognised (or mapped) and typed; ``table`` names the table
    the file must hold (the CLI's ``--orders F``)."""
    options = options or IngestOptions()
    try:
        raws = read_tables(content, name, options.limits)
    except DataError as err:
        return [TableResult(name, "failed", message=err.message)]
    digest = digest_of(content)
    results = []
    for raw in raws:
        result = _result_of(raw, mappings, options, table)
        if result.loaded is not None:
            result = replace(result, loaded=replace(result.loaded, digest=digest))
        results.append(result)
    return results


def ingest(
    files: Sequence[tuple[str, bytes]],
    *,
    mappings: Sequence[ColumnMapping] = (),
    options: IngestOptions | None = None,
    forced: Mapping[str, TableName] | None = None,
) -> Ingested:
    """Read, recognise, type and stack uploaded files (see the module docstring). ``forced``
    names the table of a file by its name (the CLI's ``--orders F``)."""
    return assemble(read_files(files, mappings=mappings, options=options, forced=forced))


def read_files(
    files: Sequence[tuple[str, bytes]],
    *,
    mappings: Sequence[ColumnMapping] = (),
    options: IngestOptions | None = None,
    forced: Mapping[str, TableName] | None = None,
) -> list[TableResult]:
    """:func:`ingest` without the stacking: what became of each table of the files."""
    forced = forced or {}
    results: list[TableResult] = []
    seen: dict[str, str] = {}
    for name, content in files:
        digest = digest_of(content)
        if digest in seen:
            results.append(TableResult(name, "skipped", message=f"the same content as {seen[digest]}: read once"))
            continue
        seen[digest] = name
        results.extend(ingest_file(name, content, mappings=mappings, options=options, table=forced.get(name)))
    return results


def assemble(results: Sequence[TableResult]) -> Ingested:
    """The data set of the tables that loaded, with the issues that span files."""
    tables, issues = stack([result.loaded for result in results if result.loaded is not None])
    return Ingested(results=tuple(results), tables=tables, issues=tuple(issues))


# --- stacking without double counting ------------------------------------------------------


def _natural_key(frame: pl.DataFrame, table: TableName) -> list[str]:
    date_column = SCHEMAS[table].date_column
    if table == "nps":
        return [name for name in frame.columns if name != "_file"]
    return [date_column, *(name for name in DIMENSIONS if name in frame.columns)]


def _stack_keyed(parts: list[LoadedTable], table: TableName) -> tuple[pl.DataFrame, list[tuple[str, Issue]]]:
    """Orders and leads: a key seen in an earlier file is replaced by the later file's row.

    One file keeps the last row of each of its keys (found by validation, ``last_of_key``); the
    keys of several are compared by joins, never row by row in Python."""
    key = SCHEMAS[table].key
    assert key is not None
    if len(parts) == 1:
        part = parts[0]
        if part.key_repeats:  # the last row of each key wins
            return part.frame.filter(part.last_of_key), []
        return part.frame, []
    issues: list[tuple[str, Issue]] = []
    seen = pl.DataFrame(schema={key: pl.String, "_source": pl.String})
    for part in parts:
        keys = part.frame.select(pl.col(key).cast(pl.String).unique(maintain_order=True))
        earlier = seen.join(keys, on=key, how="semi", maintain_order="left")
        if earlier.height:
            sources = sorted(earlier.get_column("_source").unique().to_list())
            issues.append(
                (
                    part.source,
                    Issue(
                        "info",
                        "already_loaded",
                        key,
                        f"{earlier.height:,} {table} were already loaded from {', '.join(sources)}: "
                        "this file's rows replace them (the later export wins, nothing is counted twice)",
                        rows=earlier.height,
                        examples=tuple(earlier.get_column(key).head(5).to_list()),
                        effect="changed",
                    ),
                )
            )
        fresh = keys.with_columns(pl.lit(part.source, pl.String).alias("_source"))
        seen = pl.concat([seen.join(keys, on=key, how="anti", maintain_order="left"), fresh])
    frame = pl.concat([part.frame for part in parts], how="diagonal_relaxed")
    return frame.unique(subset=[key], keep="last", maintain_order=True), issues


def _stack_aggregated(parts: list[LoadedTable], table: TableName) -> tuple[pl.DataFrame, list[tuple[str, Issue]]]:
    """Traffic, spend, NPS: rows of a later file that repeat an earlier file's date and dimensions
    replace the earlier rows (overlapping exports); repeats inside one file are kept."""
    frames = [part.frame.with_columns(pl.lit(index).alias("_file")) for index, part in enumerate(parts)]
    stacked = pl.concat(frames, how="diagonal_relaxed")
    key = _natural_key(stacked, table)
    latest = pl.col("_file").max().over(key)
    replaced = stacked.filter(pl.col("_file") < latest)
    issues: list[tuple[str, Issue]] = []
    if replaced.height:
        for index, count in replaced.group_by("_file").len().sort("_file").iter_rows():
            issues.append(
                (
                    parts[index].source,
                    Issue(
                        "info",
                        "overlap",
                        None,
                        f"{count:,} rows repeat dates and dimensions of a later file: the later file's rows are kept "
                        "(overlapping exports are never added twice)",
                        rows=count,
                        effect="dropped",
                    ),
                )
            )
    issues.extend(_detail_mismatches(parts, table))
    return stacked.filter(pl.col("_file") == latest).drop("_file"), issues


def _detail_mismatches(parts: list[LoadedTable], table: TableName) -> list[tuple[str, Issue]]:
    """Files of one table covering the same dates at different detail (by channel vs by channel
    and device) cannot be told apart from new data: both are counted, and the user is told."""
    date_column = SCHEMAS[table].date_column
    shapes = []
    for part in parts:
        dims = tuple(name for name in DIMENSIONS if name in part.frame.columns)
        dates = part.frame.get_column(date_column)
        shapes.append((dims, dates.min(), dates.max()))
    found = []
    for later in range(1, len(parts)):
        for earlier in range(later):
            (dims_a, start_a, end_a), (dims_b, start_b, end_b) = shapes[earlier], shapes[later]
            if (
                dims_a != dims_b
                and start_a is not None
                and start_b is not None
                and start_b <= end_a
                and start_a <= end_b
            ):
                found.append(
                    (
                        parts[later].source,
                        Issue(
                            "warning",
                            "overlap_detail",
                            None,
                            f"covers dates that {parts[earlier].source} also covers, broken down by "
                            f"{', '.join(dims_b) or 'nothing'} instead of {', '.join(dims_a) or 'nothing'}: both are "
                            "counted; if they hold the same activity, load only one of them",
                        ),
                    )
                )
    return found


def _apply_updates(frame: pl.DataFrame, updates: list[LoadedTable], table: TableName) -> pl.DataFrame:
    """Rows that only complete others (same key): their non-empty values fill the columns, adding
    the columns the table lacked; keys the table does not hold add nothing."""
    key = SCHEMAS[table].key
    assert key is not None
    for update in updates:
        extra = update.frame.unique(subset=[key], keep="last")
        renamed = extra.rename({name: f"{name}__update" for name in extra.columns if name != key})
        joined = frame.join(renamed, on=key, how="left")
        columns = [name for name in extra.columns if name != key]
        frame = joined.with_columns(
            (pl.coalesce(f"{name}__update", name) if name in frame.columns else pl.col(f"{name}__update")).alias(name)
            for name in columns
        ).drop([f"{name}__update" for name in columns])
    return frame


def stack(loaded: Sequence[LoadedTable]) -> tuple[Tables, list[tuple[str, Issue]]]:
    """The data set of several loaded tables (see the module docstring) and the issues that span
    files."""
    issues: list[tuple[str, Issue]] = []
    frames: dict[TableName, pl.DataFrame] = {}
    unique_keys: list[TableName] = []  # validation trimmed every text column; these also repeat no key
    for table in TABLE_NAMES:
        parts = [item for item in loaded if item.table == table and not item.update_only]
        updates = [item for item in loaded if item.table == table and item.update_only]
        if not parts:
            if updates:
                issues.extend(
                    (
                        item.source,
                        Issue(
                            "warning",
                            "nothing_to_update",
                            None,
                            f"completes {table} by {SCHEMAS[table].key}, but no {table} file was loaded: upload it too",
                            effect="dropped",
                            rows=item.frame.height,
                        ),
                    )
                    for item in updates
                )
            continue
        if SCHEMAS[table].key:
            frame, found = _stack_keyed(parts, table)
            if len(parts) > 1 or parts[0].last_of_key is not None:  # now one row per key
                unique_keys.append(table)
        else:
            frame, found = _stack_aggregated(parts, table)
        issues.extend(found)
        if updates:
            frame = _apply_updates(frame, updates, table)
        frames[table] = frame
    issues.extend(_currency_checks(loaded))
    return Tables.from_frames(trimmed=list(frames), unique_keys=unique_keys, **frames), issues


def _currency_checks(loaded: Sequence[LoadedTable]) -> list[tuple[str, Issue]]:
    """Money of different currencies in one data set (orders in EUR, ads in USD)."""
    currencies = {item.currency for item in loaded if item.currency}
    if len(currencies) <= 1:
        return []
    listed = ", ".join(f"{item.source}: {item.currency}" for item in loaded if item.currency)
    return [
        (
            "data set",
            Issue(
                "warning",
                "currencies_differ",
                None,
                f"the files are in different currencies ({listed}): ROAS, CPA, CAC and ROMI would "
                "compare different money",
                hint="load every file in one currency",
            ),
        )
    ]
