"""Typing and checking a table against its canonical schema, reporting every problem at once.

:func:`validate` takes a frame whose columns carry canonical names (text cells, or typed cells
from Parquet/Excel), types each declared column with the locale-aware parsers of
:mod:`kpi.ingest.values`, and returns the rows that can be used **and** every issue: missing
required columns (with the closest header as a hint), values that do not parse (count and
example lines), rows dropped for an empty required cell or by the recogniser (test orders,
failed payments), ambiguous dates, unknown statuses, scores outside 0–10, duplicate keys and
mixed currencies. Nothing is dropped or changed without an issue saying so.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from kpi.ingest.model import ParseOptions
from kpi.ingest.values import falses, parse_datetimes, parse_numbers
from kpi.issues import DataError, Issue
from kpi.schema import ORDER_STATUSES, SCHEMAS, TableName, TableSchema

MAX_EXAMPLES = 5
MAX_EXACT_INTEGER = 2**53
"""Whole numbers beyond this are not exact in a float: reported as unparseable."""
DROP = "_drop"
"""A column a recogniser may add: the reason to leave a row out ("test order"), null to keep it."""
MONEY_COLUMNS = ("revenue", "refunded", "spend", "deal_value", "discount", "tax", "shipping")
STATUS_WORDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "paid",
            "completed",
            "complete",
            "fulfilled",
            "processing",
            "shipped",
            "delivered",
            "closed",
            "succeeded",
            "success",
            "partially_refunded",
            "partially refunded",
            "authorized",
            "captured",
            "zrealizowane",
            "zrealizowano",
            "oplacone",
            "opłacone",
            "wyslane",
            "wysłane",
            "dostarczone",
            "zakonczone",
            "zakończone",
            "pagado",
            "completado",
            "enviado",
            "entregado",
            "paye",
            "payé",
            "payée",
            "terminee",
            "terminée",
            "expediee",
            "expédiée",
            "livree",
            "livrée",
            "bezahlt",
            "abgeschlossen",
            "versendet",
            "geliefert",
            "erledigt",
        ),
        "paid",
    ),
    **dict.fromkeys(
        (
            "refunded",
            "returned",
            "zwrocone",
            "zwrócone",
            "zwrot",
            "reembolsado",
            "devuelto",
            "rembourse",
            "remboursé",
            "remboursée",
            "erstattet",
            "ruckerstattet",
            "rückerstattet",
            "zuruckerstattet",
            "zurückerstattet",
        ),
        "refunded",
    ),
    **dict.fromkeys(
        (
            "cancelled",
            "canceled",
            "voided",
            "void",
            "anulowane",
            "anulowano",
            "anulowana",
            "cancelado",
            "cancelada",
            "anulado",
            "annule",
            "annulé",
            "annulée",
            "storniert",
            "abgebrochen",
            "annulliert",
        ),
        "cancelled",
    ),
}
"""Order statuses of shops and of five languages, as the contract's ``paid``, ``refunded`` or
``cancelled``."""


@dataclass(frozen=True)
class LoadedTable:
    """One table read into a canonical table: the typed ``frame``, every ``issue`` found, the rows
    read (``rows_read``; line items before folding) and kept, the sha256 of the file's bytes,
    what recognised it, its currency, and whether its rows only complete rows of another file."""

    source: str
    table: TableName
    frame: pl.DataFrame
    issues: tuple[Issue, ...] = ()
    rows_read: int = 0
    digest: str = ""
    recogniser: str = ""
    currency: str | None = None
    update_only: bool = False
    last_of_key: pl.Series | None = None
    """True on the last row of each key, the row the data set keeps (a repeated key's earlier rows
    are replaced); ``None`` when not worked out (a table without a key, or one that only completes
    others)."""

    @property
    def key_repeats(self) -> int | None:
        """Rows repeating an earlier key of the same file."""
        return None if self.last_of_key is None else self.frame.height - int(self.last_of_key.sum())

    @property
    def rows_kept(self) -> int:
        """Rows left after dropping the unusable ones."""
        return self.frame.height


@dataclass(frozen=True)
class Validation:
    """A frame checked against a canonical table: the typed rows that can be used, every problem
    found, the rows read and the currency found in a currency column or in the money cells."""

    frame: pl.DataFrame
    issues: tuple[Issue, ...]
    rows_read: int
    currency: str | None = None
    last_of_key: pl.Series | None = None


def digest_of(data: bytes) -> str:
    """sha256 of the bytes, hex: the identity of a file's content."""
    return hashlib.sha256(data).hexdigest()


def snake(name: str) -> str:
    """A header name as a canonical name: ``"Order ID "`` → ``"order_id"``."""
    return "_".join(name.strip().lower().replace("-", " ").split())


def did_you_mean(wanted: str, columns: Iterable[str]) -> str | None:
    """The column name closest to ``wanted``, if any is close."""
    lowered = {column.lower(): column for column in columns}
    found = difflib.get_close_matches(wanted, list(lowered), n=1, cutoff=0.6)
    return lowered[found[0]] if found else None


def _examples(frame: pl.DataFrame, mask: pl.Series, column: str, first_line: int | None) -> tuple[str, ...]:
    where = "line" if first_line is not None else "row"
    rows = frame.with_row_index("_at", offset=first_line if first_line is not None else 1).filter(mask)
    return tuple(
        f"{where} {at}: {'(empty)' if value is None else repr(value)}"
        for at, value in zip(rows["_at"].head(MAX_EXAMPLES), rows[column].head(MAX_EXAMPLES), strict=True)
    )


@dataclass(frozen=True)
class _Typed:
    values: pl.Series
    failed: pl.Series
    note: Issue | None = None
    currency: str | None = None
    currencies: tuple[str, ...] = ()


def _type_column(series: pl.Series, dtype: str, parse: ParseOptions) -> _Typed:
    """One declared column typed; ``failed`` marks non-empty cells that did not parse."""
    name = series.name
    if series.dtype != pl.String:
        return _type_typed_column(series, dtype)
    if dtype == "str":
        text = series.str.strip_chars()
        return _Typed(pl.Series(name, text.replace("", None) if text.len() else text), _none(series))
    if dtype in ("float", "int"):
        numbers = parse_numbers(series, decimal=parse.decimal)
        values, failed = numbers.values, numbers.failed
        if dtype == "int":
            whole = (values == values.round(0)) & (values.abs() <= MAX_EXACT_INTEGER)
            failed = failed | (values.is_not_null() & ~whole.fill_null(value=True))
            values = values.set(~whole.fill_null(value=True), None).cast(pl.Int64)
        return _Typed(values.rename(name), failed, currency=numbers.currency, currencies=numbers.currencies)
    dates = parse_datetimes(series, order=parse.date_order)
    note = None
    if dates.ambiguous:
        first = "day" if dates.order == "dmy" else "month"
        note = Issue(
            "warning",
            "ambiguous_dates",
            name,
            f"the dates in '{name}' could be day-first or month-first; read {first}-first",
            hint="set the date order in the column mapping if that is wrong",
        )
    values = dates.values.dt.date() if dtype == "date" else dates.values
    return _Typed(values.rename(name), dates.failed, note)


def _none(series: pl.Series) -> pl.Series:
    return falses(series.len())


def _type_typed_column(series: pl.Series, dtype: str) -> _Typed:
    """A column that arrived typed (Parquet): cast, with failures marked."""
    if dtype == "str":
        return _type_column(series.cast(pl.String), dtype, ParseOptions())
    if dtype in ("float", "int"):
        number = series.cast(pl.Float64, strict=False)
        failed = series.is_not_null() & number.is_null()
        if dtype == "int":
            whole = (number == number.round(0)) & (number.abs() <= MAX_EXACT_INTEGER)
            failed = failed | (number.is_not_null() & ~whole.fill_null(value=True))
            number = number.set(~whole.fill_null(value=True), None).cast(pl.Int64)
        return _Typed(number.rename(series.name), failed)
    if series.dtype == pl.Date:
        value = series.cast(pl.Datetime("us")) if dtype == "datetime" else series
        return _Typed(value, _none(series))
    if isinstance(series.dtype, pl.Datetime):
        value = series.dt.replace_time_zone(None) if series.dtype.time_zone else series  # type: ignore[union-attr]
        value = value.cast(pl.Datetime("us"))
        return _Typed(value.dt.date() if dtype == "date" else value, _none(series))
    return _type_column(series.cast(pl.String), dtype, ParseOptions())


def validate(
    raw: pl.DataFrame,
    table: TableName,
    parse: ParseOptions | None = None,
    *,
    currency: str | None = None,
    first_line: int | None = 2,
    required: Sequence[str] | None = None,
) -> Validation:
    """Check and type a frame as the canonical ``table``, collecting **every** problem instead
    of stopping at the first (see the module docstring). ``currency`` keeps only that currency's
    rows where orders mix several; ``first_line`` is the file line of the first row (examples
    then say "line N"; ``None`` says "row N"); ``required`` narrows the required columns (rows
    that only complete others need only their key).

    >>> raw = pl.DataFrame({"Order ID": ["A1"], "ordered_at": ["2024-11-03"], "revenue": ["x"]})
    >>> [issue.line() for issue in validate(raw, "orders").issues if issue.severity == "error"]
    ["error: required column 'customer_id' is missing"]
    """
    parse = parse or ParseOptions()
    schema = SCHEMAS[table]
    issues: list[Issue] = []
    frame = raw.rename({name: snake(name) for name in raw.columns if name != DROP})
    rows_read = frame.height
    frame = _drop_flagged(frame, issues, first_line)
    known = [name for name in frame.columns if name in schema.names]
    unknown = [name for name in frame.columns if name not in schema.names and name != DROP]
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
    must_have = tuple(required) if required is not None else schema.required
    missing = [name for name in must_have if name not in known]
    for name in missing:
        closest = did_you_mean(name, [column for column in raw.columns if snake(column) not in known])
        issues.append(
            Issue(
                "error",
                "missing_column",
                name,
                f"required column {name!r} is missing",
                hint=f"did you mean {closest!r}?" if closest else None,
            )
        )
    typed, found_currency = _typed_frame(
        frame.select(known), schema, parse, issues, first_line=first_line, must_have=must_have
    )
    last_of_key = None
    if not missing and required is None:
        typed, found_currency, last_of_key = _table_checks(typed, table, issues, currency, found_currency)
    return Validation(
        frame=typed, issues=tuple(issues), rows_read=rows_read, currency=found_currency, last_of_key=last_of_key
    )


def _drop_flagged(frame: pl.DataFrame, issues: list[Issue], first_line: int | None) -> pl.DataFrame:
    """Rows a recogniser flagged (``_drop`` = the reason) are left out, one issue per reason."""
    if DROP not in frame.columns:
        return frame
    for reason, count in frame.group_by(DROP).len().drop_nulls(DROP).sort(DROP).iter_rows():
        mask = frame.get_column(DROP) == reason
        first = frame.columns[0]
        issues.append(
            Issue(
                "info",
                "left_out",
                None,
                f"{count:,} row(s) left out: {reason}",
                rows=count,
                examples=_examples(frame, mask.fill_null(value=False), first, first_line),
                effect="dropped",
            )
        )
    return frame.filter(pl.col(DROP).is_null()).drop(DROP)


def _typed_frame(
    frame: pl.DataFrame,
    schema: TableSchema,
    parse: ParseOptions,
    issues: list[Issue],
    *,
    first_line: int | None,
    must_have: Sequence[str],
) -> tuple[pl.DataFrame, str | None]:
    columns: dict[str, pl.Series] = {}
    drop = falses(frame.height)
    currencies: set[str] = set()
    for name in frame.columns:
        declared = schema.column(name)
        typed = _type_column(frame.get_column(name), declared.dtype, parse)
        columns[name] = typed.values
        if typed.note:
            issues.append(typed.note)
        if name in MONEY_COLUMNS:
            currencies.update(typed.currencies or ((typed.currency,) if typed.currency else ()))
        needed = name in must_have and not declared.nullable
        count = int(typed.failed.sum())
        if count:
            required = needed
            issues.append(
                Issue(
                    "warning",
                    "unparseable_value",
                    name,
                    f"{count:,} value(s) in '{name}' are not a valid {declared.dtype}: "
                    + ("rows dropped" if required else "values left empty"),
                    rows=count,
                    examples=_examples(frame, typed.failed, name, first_line),
                    effect="dropped" if required else "changed",
                )
            )
        if needed:
            empty = typed.values.is_null() & ~typed.failed
            if int(empty.sum()):
                issues.append(
                    Issue(
                        "warning",
                        "empty_required",
                        name,
                        f"{int(empty.sum()):,} row(s) have no '{name}': rows dropped",
                        rows=int(empty.sum()),
                        examples=_examples(frame, empty, name, first_line),
                        effect="dropped",
                    )
                )
            drop = drop | typed.values.is_null()
    typed_frame = pl.DataFrame(columns, height=frame.height).filter(~drop) if columns else frame
    if len(currencies) > 1 and "currency" not in frame.columns:
        issues.append(
            Issue(
                "error",
                "mixed_currencies",
                None,
                f"the amounts mix currencies ({', '.join(sorted(currencies))}): totals would add different money",
                hint="load one currency per file",
                examples=tuple(sorted(currencies)),
            )
        )
    return typed_frame, (currencies.pop() if len(currencies) == 1 else None)


def _table_checks(
    frame: pl.DataFrame, table: TableName, issues: list[Issue], keep_currency: str | None, found_currency: str | None
) -> tuple[pl.DataFrame, str | None, pl.Series | None]:
    """Checks particular to a table: statuses, negative amounts, scores, currencies, repeated keys
    (returned: True on the last row of each key, the one the data set keeps)."""
    schema = SCHEMAS[table]
    if table == "orders":
        frame, found_currency = _order_checks(frame, issues, keep_currency, found_currency)
    if table == "nps":
        outside = (frame["score"] < 0) | (frame["score"] > 10)
        if int(outside.sum()):
            issues.append(
                Issue(
                    "warning",
                    "score_out_of_range",
                    "score",
                    f"{int(outside.sum()):,} answer(s) score outside 0–10: ignored",
                    rows=int(outside.sum()),
                    effect="dropped",
                )
            )
            frame = frame.filter(~outside)
    last_of_key = None
    if schema.key and schema.key in frame.columns:
        last_of_key = frame.get_column(schema.key).is_last_distinct()
        repeats = frame.height - int(last_of_key.sum())
        if repeats:
            issues.append(
                Issue(
                    "info",
                    "duplicate_key",
                    schema.key,
                    f"{repeats:,} row(s) repeat an earlier {schema.key}: the last row of each wins",
                    rows=repeats,
                    effect="changed",
                )
            )
    return frame, found_currency, last_of_key


def _order_checks(
    frame: pl.DataFrame, issues: list[Issue], keep_currency: str | None, found_currency: str | None
) -> tuple[pl.DataFrame, str | None]:
    if "status" in frame.columns:
        frame, read = _normalise_statuses(frame, issues)
        odd = read.filter(pl.col("status").is_not_null() & ~pl.col("status").is_in(ORDER_STATUSES))
        count = int(odd["count"].sum())
        if count:
            values = sorted(set(odd["status"].to_list()))[:MAX_EXAMPLES]
            issues.append(
                Issue(
                    "warning",
                    "unknown_status",
                    "status",
                    f"{count:,} order(s) have a status other than paid, refunded or cancelled: counted as live",
                    rows=count,
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
                f"{int(negative.sum()):,} order(s) have a negative revenue: kept as they are",
                rows=int(negative.sum()),
            )
        )
    if "currency" not in frame.columns:
        if found_currency:
            frame = frame.with_columns(pl.lit(found_currency).alias("currency"))
        return frame, found_currency
    frame = frame.with_columns(pl.col("currency").str.to_uppercase())
    codes = sorted(code for code in frame["currency"].drop_nulls().unique().to_list() if code)
    if len(codes) <= 1:
        return frame, codes[0] if codes else found_currency
    if keep_currency and keep_currency.upper() in codes:
        other = frame["currency"] != keep_currency.upper()
        count = int(other.fill_null(value=True).sum())
        issues.append(
            Issue(
                "warning",
                "other_currency",
                "currency",
                f"{count:,} order(s) in {', '.join(c for c in codes if c != keep_currency.upper())} "
                f"left out: keeping {keep_currency.upper()} only",
                rows=count,
                effect="dropped",
            )
        )
        return frame.filter(~other.fill_null(value=True)), keep_currency.upper()
    issues.append(
        Issue(
            "error",
            "mixed_currencies",
            "currency",
            f"orders mix currencies ({', '.join(codes[:6])}): totals would add different money",
            hint="pick the currency to keep",
            examples=tuple(codes),
        )
    )
    return frame, None


def _normalise_statuses(frame: pl.DataFrame, issues: list[Issue]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Statuses written another way (``completed``, ``anulowane``, ``storniert``) as the contract's,
    with one note listing what was read as what. Worked out once per distinct status; also returns
    the rows of each status as read (columns ``status``, ``count``)."""
    counts = frame["status"].value_counts(name="count")
    written = counts["status"]
    lowered = written.str.strip_chars().str.to_lowercase()
    mapped = lowered.replace_strict(STATUS_WORDS, default=lowered, return_dtype=pl.String)
    renamed_mask = (lowered != mapped).fill_null(value=False)
    renamed = sorted(
        {f"{a} → {b}" for a, b in zip(written.filter(renamed_mask), mapped.filter(renamed_mask), strict=True)}
    )
    if renamed:
        issues.append(
            Issue(
                "info",
                "statuses_read",
                "status",
                f"order statuses read as: {', '.join(renamed[:8])}",
                rows=int(counts["count"].filter(renamed_mask).sum()),
                effect="changed",
            )
        )
    read = pl.DataFrame({"status": mapped, "count": counts["count"]})
    if written.equals(mapped):  # every status already as the contract writes it
        return frame, read
    status = frame["status"].replace_strict(written, mapped, return_dtype=pl.String)
    return frame.with_columns(status.alias("status")), read


def to_canonical(
    raw: pl.DataFrame,
    table: TableName,
    source: str,
    *,
    parse: ParseOptions | None = None,
    currency: str | None = None,
    first_line: int | None = 2,
    required: Sequence[str] | None = None,
) -> LoadedTable:
    """:func:`validate`, then a :class:`DataError` naming every error when the table cannot be
    used as it is (missing required columns, mixed currencies)."""
    checked = validate(raw, table, parse, currency=currency, first_line=first_line, required=required)
    errors = [issue for issue in checked.issues if issue.severity == "error"]
    if errors:
        message = "; ".join(issue.message + (f" ({issue.hint})" if issue.hint else "") for issue in errors)
        raise DataError(source, message, checked.issues)
    return LoadedTable(
        source=source,
        table=table,
        frame=checked.frame,
        issues=checked.issues,
        rows_read=checked.rows_read,
        currency=checked.currency,
        last_of_key=checked.last_of_key,
    )
