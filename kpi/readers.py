"""Reading files into canonical tables (polars). The only module of ``kpi`` that parses files.

``load_table(data, name)`` takes a file's bytes, recognises which canonical table it holds from
its header, converts every column to its declared type and returns the typed frame **with every
issue found** (unparseable values, rows dropped, duplicate keys…), never raising on a bad row.
A file that cannot be used at all raises :class:`~kpi.issues.DataError` with one line naming the
file and the problem.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from kpi.issues import DataError, Issue
from kpi.schema import ORDER_STATUSES, SCHEMAS, TABLE_NAMES, TableName, TableSchema
from kpi.tables import Tables

DELIMITERS = (",", ";", "\t", "|")
ZONE_OFFSET = r"(?:[Zz]|\s*(?:UTC|GMT)?[+-]\d{2}:?\d{2}|\s+(?:UTC|GMT))$"
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
)
MAX_EXAMPLES = 5
MAX_EXACT_INTEGER = 2**53
"""Whole numbers beyond this are not exact in a float: reported as unparseable."""


@dataclass(frozen=True)
class LoadedTable:
    """One file read as a canonical table: the typed ``frame``, the ``issues`` found, how many
    data rows were read and kept, and the sha256 of the bytes (the cache and de-duplication key)."""

    source: str
    table: TableName
    frame: pl.DataFrame
    issues: tuple[Issue, ...] = field(default_factory=tuple)
    rows_read: int = 0
    digest: str = ""

    @property
    def rows_kept(self) -> int:
        """Rows left after dropping the unusable ones."""
        return self.frame.height


def digest_of(data: bytes) -> str:
    """sha256 of the bytes, hex: the identity of a file's content."""
    return hashlib.sha256(data).hexdigest()


# --- bytes → raw text frame --------------------------------------------------------------


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF8_BOM = b"\xef\xbb\xbf"
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]{1,3}")


def decode(data: bytes, source: str) -> tuple[str, list[Issue]]:
    """Text of a file: UTF-16 by its BOM, else UTF-8 (with or without BOM), else Windows-1252
    when the bytes hold no UTF-8 at all. Undecodable bytes become U+FFFD with a warning."""
    issues: list[Issue] = []
    if data.startswith(UTF16_BOMS):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            return data.decode("utf-8-sig"), issues
        except UnicodeDecodeError:
            pass
        looks_utf8 = data.startswith(UTF8_BOM) or _UTF8_MULTIBYTE.search(data) is not None
        if not looks_utf8:
            issues.append(Issue("info", "encoding", None, "decoded as Windows-1252 (the file is not UTF-8)"))
            return data.decode("cp1252", errors="replace"), issues
        text = data.decode("utf-8-sig", errors="replace")
    bad = text.count("\ufffd")
    if bad:
        issues.append(
            Issue(
                "warning",
                "undecodable_bytes",
                None,
                f"{bad} character(s) could not be decoded and show as \ufffd",
                hint="save the file as UTF-8",
                rows=bad,
            )
        )
    return text, issues


def _sniff_delimiter(header: str) -> str:
    counts = {sep: header.count(sep) for sep in DELIMITERS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ","


def _ragged_line(text: str, separator: str) -> str | None:
    """``line N has K fields, the header has M`` for the first line whose field count differs."""
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    header = next(reader, [])
    for row in reader:
        if row and len(row) > len(header):
            return f"line {reader.line_num} has {len(row)} fields, the header has {len(header)}"
    return None


def read_raw(data: bytes, source: str) -> tuple[pl.DataFrame, list[Issue]]:
    """A file's cells as text (header names trimmed, blank lines skipped) and the issues met while
    decoding. Parquet is read as it is typed.

    Raises :class:`DataError` for an empty, binary or unparseable file.
    """
    if not data.strip():
        raise DataError(source, "the file is empty")
    if data[:4] == b"PAR1":
        try:
            return pl.read_parquet(io.BytesIO(data)), []
        except Exception:  # noqa: BLE001 - any parquet failure is a bad file
            raise DataError(source, "not a readable Parquet file: it is damaged or truncated") from None
    if data[:2] == b"PK":
        raise DataError(source, "Excel and zip files are not read yet: save the sheet as CSV")
    if b"\x00" in data[:4096] and not data.startswith(UTF16_BOMS):
        raise DataError(source, "this is a binary file, not a CSV or Parquet table")
    text, issues = decode(data, source)
    text = "\n".join(line for line in text.splitlines() if line.strip()) + "\n"
    if not text.strip():
        raise DataError(source, "the file is empty")
    separator = _sniff_delimiter(text.split("\n", 1)[0])
    try:
        frame = pl.read_csv(text.encode("utf-8"), separator=separator, infer_schema=False)
    except pl.exceptions.PolarsError as err:
        detail = _ragged_line(text, separator) or (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise DataError(source, f"could not be read as a table: {detail}") from None
    return frame.rename({name: name.strip() for name in frame.columns}), issues


# --- recognising the table ----------------------------------------------------------------


def _normalised(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


def recognise(columns: Sequence[str], source: str) -> TableName:
    """The canonical table a header names: the one whose required columns are all present.

    >>> recognise(["date", "sessions", "device"], "t.csv")
    'traffic'
    """
    names = {_normalised(name) for name in columns}
    matches = [table for table in TABLE_NAMES if set(SCHEMAS[table].required) <= names]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        # the table whose declared columns explain most of the header
        scored = sorted(matches, key=lambda t: len(names & set(SCHEMAS[t].names)), reverse=True)
        if len(names & set(SCHEMAS[scored[0]].names)) > len(names & set(SCHEMAS[scored[1]].names)):
            return scored[0]
        raise DataError(source, f"the header fits several tables ({', '.join(matches)}): name the table")
    best = max(TABLE_NAMES, key=lambda t: len(names & set(SCHEMAS[t].names)))
    missing = [name for name in SCHEMAS[best].required if name not in names]
    hint = _did_you_mean(missing[0], columns) if missing else None
    detail = f"; did you mean {hint!r} for {missing[0]!r}?" if hint else ""
    raise DataError(
        source,
        f"header not recognised as a canonical table (closest: {best}, missing {', '.join(missing)}){detail}",
    )


def _did_you_mean(wanted: str, columns: Iterable[str]) -> str | None:
    lowered = {column.lower(): column for column in columns}
    found = difflib.get_close_matches(wanted, list(lowered), n=1, cutoff=0.6)
    return lowered[found[0]] if found else None


# --- typing the columns -------------------------------------------------------------------


def _examples(frame: pl.DataFrame, mask: pl.Series, column: str) -> tuple[str, ...]:
    rows = frame.with_row_index("_line", offset=2).filter(mask).head(MAX_EXAMPLES)
    return tuple(f"line {line}: {value!r}" for line, value in zip(rows["_line"], rows[column], strict=True))


def _parse_expr(column: str, dtype: str) -> pl.Expr:
    text = pl.col(column).cast(pl.String).str.strip_chars()
    if dtype == "str":
        return text
    if dtype in ("float", "int"):
        number = text.cast(pl.Float64, strict=False)
        number = pl.when(number.is_finite()).then(number)
        if dtype == "float":
            return number
        whole = (number == number.round(0)) & (number.abs() <= MAX_EXACT_INTEGER)
        return pl.when(whole).then(number).cast(pl.Int64)
    wall_clock = text.str.replace(ZONE_OFFSET, "")
    parsed = pl.coalesce(*[wall_clock.str.to_datetime(fmt, strict=False) for fmt in DATETIME_FORMATS])
    return parsed.dt.date() if dtype == "date" else parsed


def _typed_column(raw: pl.DataFrame, schema: TableSchema, column: str) -> tuple[pl.Expr, pl.Expr]:
    """(parsed value, True where a non-empty cell did not parse) for one declared column."""
    declared = schema.column(column)
    source_dtype = raw.schema[column]
    if source_dtype != pl.String:
        expr = pl.col(column)
        if declared.dtype in ("float",):
            expr = expr.cast(pl.Float64, strict=False)
        elif declared.dtype == "int":
            number = expr.cast(pl.Float64, strict=False)
            expr = (
                pl.when((number == number.round(0)) & (number.abs() <= MAX_EXACT_INTEGER)).then(number).cast(pl.Int64)
            )
        elif declared.dtype == "date" and source_dtype == pl.Datetime:
            expr = expr.dt.date()
        elif declared.dtype == "str":
            expr = expr.cast(pl.String)
        return expr, pl.lit(value=False)
    parsed = _parse_expr(column, declared.dtype)
    present = pl.col(column).str.strip_chars().fill_null("") != ""
    return parsed, present & parsed.is_null()


@dataclass(frozen=True)
class Validation:
    """A raw frame checked against a canonical table: the typed rows that can be used and every
    problem found, all at once."""

    frame: pl.DataFrame
    issues: tuple[Issue, ...]
    rows_read: int


def validate(raw: pl.DataFrame, table: TableName) -> Validation:
    """Check and type a raw frame as the canonical ``table``, collecting **every** problem instead
    of stopping at the first: each missing required column (with the closest header as a hint),
    unused columns, values that do not parse (count and example lines), rows dropped for an empty
    required cell, and the table's own checks (statuses, scores, duplicate keys, currencies).

    >>> raw = pl.DataFrame({"Order ID": ["A1"], "ordered_at": ["2024-11-03"], "revenue": ["x"]})
    >>> [issue.line() for issue in validate(raw, "orders").issues if issue.severity == "error"]
    ["error: required column 'customer_id' is missing"]
    """
    schema = SCHEMAS[table]
    renamed = raw.rename({name: _normalised(name) for name in raw.columns})
    issues: list[Issue] = []
    known = [name for name in renamed.columns if name in schema.names]
    unknown = [name for name in renamed.columns if name not in schema.names]
    if unknown:
        issues.append(
            Issue(
                "info",
                "unknown_columns",
                None,
                f"{len(unknown)} column(s) not used: {', '.join(unknown[:8])}",
                hint=f"{table} columns are: {', '.join(schema.names)}",
            )
        )
    missing = [name for name in schema.required if name not in known]
    for name in missing:
        closest = _did_you_mean(name, [column for column in raw.columns if _normalised(column) not in known])
        issues.append(
            Issue(
                "error",
                "missing_column",
                name,
                f"required column {name!r} is missing",
                hint=f"did you mean {closest!r}?" if closest else None,
            )
        )
    frame = renamed.select(known)
    parsed: dict[str, pl.Expr] = {}
    bad: dict[str, pl.Expr] = {}
    for name in known:
        parsed[name], bad[name] = _typed_column(frame, schema, name)
    flags = frame.with_columns(*(expr.alias(f"_bad_{name}") for name, expr in bad.items()))
    typed = frame.with_columns(*(expr.alias(name) for name, expr in parsed.items()))

    drop = pl.Series("drop", [False] * frame.height, dtype=pl.Boolean)
    for name in known:
        bad_mask = flags[f"_bad_{name}"]
        count = int(bad_mask.sum())
        required = not schema.column(name).nullable
        if count:
            what = "rows dropped" if required else "values left empty"
            issues.append(
                Issue(
                    "warning",
                    "unparseable_value",
                    name,
                    f"{count} value(s) in '{name}' are not a valid {schema.column(name).dtype}: {what}",
                    rows=count,
                    examples=_examples(frame, bad_mask, name),
                )
            )
        if required:
            empty = typed[name].is_null() & ~bad_mask
            if int(empty.sum()):
                issues.append(
                    Issue(
                        "warning",
                        "empty_required",
                        name,
                        f"{int(empty.sum())} row(s) have no '{name}': rows dropped",
                        rows=int(empty.sum()),
                        examples=_examples(frame, empty, name),
                    )
                )
            drop = drop | typed[name].is_null()
    typed = typed.filter(~drop)
    if not missing:
        issues.extend(_table_checks(typed, table))
    return Validation(frame=typed, issues=tuple(issues), rows_read=frame.height)


def to_canonical(raw: pl.DataFrame, table: TableName, source: str) -> LoadedTable:
    """:func:`validate`, then a :class:`DataError` naming every error when the table cannot be
    used as it is (missing required columns, mixed currencies)."""
    checked = validate(raw, table)
    errors = [issue for issue in checked.issues if issue.severity == "error"]
    if errors:
        message = "; ".join(issue.message + (f" ({issue.hint})" if issue.hint else "") for issue in errors)
        raise DataError(source, message, checked.issues)
    return LoadedTable(
        source=source, table=table, frame=checked.frame, issues=checked.issues, rows_read=checked.rows_read
    )


def _table_checks(frame: pl.DataFrame, table: TableName) -> list[Issue]:
    """Checks particular to a table: statuses, scores, negative amounts, duplicate keys, currencies."""
    issues: list[Issue] = []
    schema = SCHEMAS[table]
    if schema.key and schema.key in frame.columns:
        repeats = frame.height - frame[schema.key].n_unique()
        if repeats:
            issues.append(
                Issue(
                    "info",
                    "duplicate_key",
                    schema.key,
                    f"{repeats} row(s) repeat an earlier {schema.key}: the last row of each wins",
                    rows=repeats,
                )
            )
    if table == "orders":
        if "status" in frame.columns:
            status = frame["status"].str.to_lowercase()
            odd = status.is_not_null() & ~status.is_in(ORDER_STATUSES)
            if int(odd.sum()):
                values = sorted(set(frame.filter(odd)["status"].to_list()))[:MAX_EXAMPLES]
                issues.append(
                    Issue(
                        "warning",
                        "unknown_status",
                        "status",
                        f"{int(odd.sum())} order(s) have a status other than paid, refunded or cancelled: "
                        "counted as live",
                        rows=int(odd.sum()),
                        examples=tuple(values),
                    )
                )
        negative = frame["revenue"] < 0
        if int(negative.sum()):
            issues.append(
                Issue(
                    "warning",
                    "negative_amount",
                    "revenue",
                    f"{int(negative.sum())} order(s) have a negative revenue: kept as they are",
                    rows=int(negative.sum()),
                )
            )
        if "currency" in frame.columns:
            codes = sorted(code for code in frame["currency"].drop_nulls().unique().to_list() if code)
            if len(codes) > 1:
                issues.append(
                    Issue(
                        "error",
                        "mixed_currencies",
                        "currency",
                        f"orders mix currencies ({', '.join(codes[:6])}): totals would add different money",
                        hint="load one currency per data set",
                    )
                )
    if table == "nps":
        outside = (frame["score"] < 0) | (frame["score"] > 10)
        if int(outside.sum()):
            issues.append(
                Issue(
                    "warning",
                    "score_out_of_range",
                    "score",
                    f"{int(outside.sum())} answer(s) score outside 0–10: ignored",
                    rows=int(outside.sum()),
                )
            )
    return issues


def _drop_out_of_range_scores(loaded: LoadedTable) -> LoadedTable:
    if loaded.table != "nps":
        return loaded
    frame = loaded.frame.filter(pl.col("score").is_between(0, 10))
    return LoadedTable(loaded.source, loaded.table, frame, loaded.issues, loaded.rows_read, loaded.digest)


def load_table(data: bytes, source: str, table: TableName | None = None) -> LoadedTable:
    """Read one file's bytes as a canonical table (recognised by its header unless ``table`` is
    given). Raises :class:`DataError` only when the file cannot be used at all."""
    raw, read_issues = read_raw(data, source)
    if raw.width == 0:
        raise DataError(source, "the file has no columns")
    kind = table or recognise(raw.columns, source)
    loaded = to_canonical(raw, kind, source)
    loaded = LoadedTable(loaded.source, loaded.table, loaded.frame, (*read_issues, *loaded.issues), loaded.rows_read)
    if loaded.rows_read == 0:
        raise DataError(source, "the file has a header but no data rows")
    if loaded.frame.height == 0:
        first = next((issue.message for issue in loaded.issues if issue.severity == "warning"), "")
        raise DataError(source, f"no usable rows: {first}" if first else "no usable rows")
    loaded = _drop_out_of_range_scores(loaded)
    return LoadedTable(loaded.source, loaded.table, loaded.frame, loaded.issues, loaded.rows_read, digest_of(data))


def load_path(path: str | Path, table: TableName | None = None) -> LoadedTable:
    """:func:`load_table` on a file path; a missing or unreadable file is a :class:`DataError`."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as err:
        raise DataError(str(path), f"cannot be read ({err.strerror or type(err).__name__})") from None
    return load_table(data, file.name, table)


def combine(loaded: Sequence[LoadedTable]) -> Tables:
    """The data set of several loaded files. Files of one table are stacked in the order given
    (a later file's row of a repeated order wins); the same bytes loaded twice count once."""
    seen: set[str] = set()
    frames: dict[TableName, list[pl.DataFrame]] = {}
    for item in loaded:
        if item.digest and item.digest in seen:
            continue
        seen.add(item.digest)
        frames.setdefault(item.table, []).append(item.frame)
    stacked = {name: pl.concat(parts, how="diagonal_relaxed") for name, parts in frames.items()}
    return Tables.from_frames(**stacked)
