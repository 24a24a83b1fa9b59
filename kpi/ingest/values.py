"""Text cells → numbers, percentages and datetimes, in any common locale, vectorised with polars.

Exports are written by many tools in many locales: ``1,234.56`` (US), ``1.234,56 €`` (DE),
``1 234,56 zł`` with a no-break space (PL, FR), ``1'234.56`` (CH), ``(1,234.56)`` (accounting
negatives), ``> 90%`` (Google Ads impression share), ``9 (0.5%)`` (Mailchimp), ``2026-04-05
21:06:21 +0400`` (Shopify), ``05.01.2024`` (PL/DE), ``1/12/2010 8:26`` vs ``12/1/10 8:26``, ``Jun 09,
2018 09:30 pm`` (Mailchimp). The functions here read a whole column at once and decide what is
ambiguous **per column** (the decimal mark, the order of day and month), so that one cell never
decides alone, and every cell that cannot be read is *reported* (``failed``), never silently null.

How it stays fast without a Python loop over rows: numbers are checked by one regular expression
(run as a DFA, no capture groups) and taken apart with ``strip_chars``, plain columns are simply
cast, and a column of repeated values is read once per distinct value; datetimes take a fast path
for the column's dominant fixed layout (checked by a regular expression, parsed by polars), and
only the other cells' *distinct* values go through the general parser (one regular expression with
capture groups), joined back. About 1 s per million cells of ``1 234,56 zł`` on two cores.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal, NamedTuple

import polars as pl

from kpi.ingest.model import DateOrder, Decimal

__all__ = [
    "MISSING_MARKERS",
    "ColumnKind",
    "DateParse",
    "NumberParse",
    "infer_decimal",
    "parse_datetimes",
    "parse_numbers",
    "sniff_kind",
]

# --- missing values ----------------------------------------------------------------------------

_MISSING_BASE = (
    "",
    "-",
    "--",
    "---",
    "—",
    "–",
    "n/a",
    "n.a.",
    "na",
    "null",
    "none",
    "nan",
    "nat",
    "#n/a",
    "(not set)",
    "(none)",
)
MISSING_MARKERS: frozenset[str] = frozenset(
    variant
    for base in _MISSING_BASE
    for variant in (base, base.upper(), base.title(), base.capitalize(), {"nan": "NaN", "nat": "NaT"}.get(base, base))
)
"""Cells that mean "no value" in a number or date column, compared after trimming whitespace and
surrounding quotes, in the usual letter cases (``n/a``, ``N/A``, ``NaN``…). ``(not set)`` is
GA4's placeholder. Excel errors other than ``#N/A`` (``#DIV/0!``, ``#VALUE!``) are *not* missing:
they fail, so that the user sees them. Not meant for text columns, where ``NA`` may be Namibia."""

_MISSING_LIST = sorted(MISSING_MARKERS)
_SPACES = " \u00a0\u202f\u2009"  # space, no-break space, narrow no-break space, thin space
_APOSTROPHES = "'’"
_MINUS = "-−–"  # hyphen-minus, U+2212 minus sign, en dash (some spreadsheets)
# around a cell: whitespace (with NBSP, U+202F, U+2007, U+3000, zero-width space, BOM), quotes left
# by a reader, Excel's text marker '
_STRIPPED = " \t\n\r\x0b\x0c\u00a0\u202f\u2009\u2007\u3000\u200b\ufeff\"'"


def _cleaned(series: pl.Series) -> pl.Series:
    """The cells as trimmed text without surrounding quotes or Excel's leading text marker ``'``
    (``'0812``), missing markers null."""
    text = series.cast(pl.String, strict=False).str.strip_chars(_STRIPPED)
    return text.set(text.is_in(_MISSING_LIST).fill_null(value=False), None).alias("text")


# --- numbers -----------------------------------------------------------------------------------

# ISO 4217 codes read as a currency when they prefix or suffix a number (upper or lower case:
# Stripe writes ``usd``). Deliberately the common currencies, not all of ISO 4217, so that words
# such as "top" or "all" are not taken for Tongan paʻanga or Albanian lek.
_CODE_LIST = (
    "USD EUR GBP PLN CHF JPY CNY INR AUD CAD NZD BRL MXN SEK NOK DKK ISK CZK HUF RON BGN RSD UAH RUB "
    "TRY ILS ZAR KRW SGD HKD TWD THB IDR MYR PHP VND AED SAR QAR KWD BHD OMR EGP MAD NGN KES GHS PKR "
    "BDT LKR COP PEN CLP ARS UYU"
)
_CODES = frozenset(_CODE_LIST.split())

# Symbols and local abbreviations → ISO code (None: the symbol is used by several currencies).
_SYMBOLS: dict[str, str | None] = {
    "$": "USD",
    "us$": "USD",
    "ca$": "CAD",
    "c$": "CAD",
    "can$": "CAD",
    "a$": "AUD",
    "au$": "AUD",
    "nz$": "NZD",
    "r$": "BRL",
    "hk$": "HKD",
    "s$": "SGD",
    "sg$": "SGD",
    "mx$": "MXN",
    "nt$": "TWD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "₽": "RUB",
    "₴": "UAH",
    "₺": "TRY",
    "₪": "ILS",
    "฿": "THB",
    "₫": "VND",
    "₱": "PHP",
    "₦": "NGN",
    "zł": "PLN",
    "zl": "PLN",
    "kč": "CZK",
    "ft": "HUF",
    "lei": "RON",
    "kr": None,
}
_SYMBOL_CHARS = "$€£¥₹₩₽₴₺₪฿₫₱₦"
_CURRENCY = (
    rf"(?:[A-Za-z]{{0,3}}\$|[{_SYMBOL_CHARS}]|(?i:zł|zl|kč|kr|ft|lei)|"
    + "|".join(sorted(_CODES | {code.lower() for code in _CODES}))
    + ")"
)
_SEPARATORS = f".,{_APOSTROPHES}{_SPACES}"
_BODY = rf"(?:[0-9]+(?:[{_SEPARATORS}][0-9]+)*|[.,][0-9]+)(?:[eE][-+]?[0-9]{{1,3}})?"


def _number_pattern() -> str:
    """One regular expression for the whole cell: which signs, parentheses, currencies and ``%``
    may surround the digits, and in which order (one sign or one pair of parentheses at most,
    one currency at most)."""
    prefix, suffix, pct, sign = rf"(?:{_CURRENCY}\s*)", rf"(?:\s*{_CURRENCY})", r"(?:\s*%)?", f"[{_MINUS}+]"
    core = rf"(?:{prefix}{_BODY}|{_BODY}{suffix}?){pct}"
    forms = (
        rf"(?:{sign}\s*)?{core}",  # 5, -5, +3, -$5, -5 zł, 12,5%
        rf"{prefix}{sign}\s*{_BODY}{pct}",  # $-5, USD -5
        rf"{core}\s*-",  # 1.234,56- (SAP)
        rf"\(\s*{core}\s*\)",  # (1,234.56), ($5)
        rf"{prefix}\(\s*{_BODY}\s*\){pct}",  # $(5)
    )
    return rf"^(?:[<>≤≥]=?\s*)?(?:{'|'.join(forms)})$"


_NUMBER = _number_pattern()
_SAMPLE = 20_000  # the first cells, to tell a column of repeated values from one of distinct values
_SHARE = r"([0-9])\s*\(\s*[-+]?[0-9.,]+\s*%\s*\)$"  # Mailchimp's "9 (0.5%)": the count, not the share
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZłŁčČ"
_LEAD = f"{_LETTERS}{_SYMBOL_CHARS}{_MINUS}+(<>≤≥={_SPACES}"
_TRAIL = f"{_LETTERS}{_SYMBOL_CHARS}{_MINUS}%).{_SPACES}"
_EXPONENT = r"(?:[eE][-+]?[0-9]{1,3})?"
# A valid body for each decimal mark: ungrouped digits, or groups of three after one to three
# digits (no leading zero) with one kind of separator (Indian lakh grouping, 12,34,567.50, with a
# dot decimal); then an optional fraction and exponent.
_GROUPED = rf"|[1-9][0-9]{{0,2}}(?:[{_SPACES}][0-9]{{3}})+|[1-9][0-9]{{0,2}}(?:[{_APOSTROPHES}][0-9]{{3}})+"
_VALID_BODY: dict[str, str] = {
    ".": rf"^(?:[0-9]+|[1-9][0-9]{{0,2}}(?:,[0-9]{{3}})+|[1-9][0-9]?(?:,[0-9]{{2}})+,[0-9]{{3}}{_GROUPED})?"
    rf"(?:\.[0-9]+)?{_EXPONENT}$",
    ",": rf"^(?:[0-9]+|[1-9][0-9]{{0,2}}(?:\.[0-9]{{3}})+{_GROUPED})?(?:,[0-9]+)?{_EXPONENT}$",
}


@dataclass(frozen=True)
class NumberParse:
    """A text column read as numbers.

    ``values`` (Float64) is null where a cell is empty, a missing marker or unparseable;
    ``failed`` (Boolean) is True only where a non-empty, non-missing cell did not parse.
    ``decimal`` is the decimal mark used. ``currency`` is the ISO 4217 code when the cells that
    carry a currency (symbol or code) all carry the same one, else None. ``percent`` is True when
    cells carried a ``%`` sign; the values are then fractions (``12,5%`` → 0.125).
    ``currencies`` lists every currency the cells name (several: the column mixes money).
    """

    values: pl.Series
    failed: pl.Series
    decimal: Decimal
    currency: str | None
    percent: bool
    currencies: tuple[str, ...] = ()


def _with_votes(frame: pl.DataFrame) -> pl.DataFrame:
    """Adds ``vote``: the decimal mark each cell's digits prove (``"."`` or ``","``), or null
    when they prove none (``1,234``)."""
    body = pl.col("body")
    frame = frame.with_columns(
        body.str.count_matches(".", literal=True).alias("_dots"),
        body.str.count_matches(",", literal=True).alias("_commas"),
        body.str.find(".", literal=True).alias("_first_dot"),
        body.str.find(",", literal=True).alias("_first_comma"),
        # one mark between a valid first group and exactly three digits, and nothing else: 1,234 / 1.234
        body.str.contains(r"^[1-9][0-9]{0,2}[.,][0-9]{3}$").alias("_thousands"),
    )
    dots, commas, thousands = pl.col("_dots"), pl.col("_commas"), pl.col("_thousands")
    vote = (
        pl.when(~pl.col("ok"))
        .then(pl.lit(None, dtype=pl.String))
        .when((dots > 0) & (commas > 0))  # the mark that comes last (after the first of the other)
        .then(pl.when(pl.col("_first_comma") < pl.col("_first_dot")).then(pl.lit(".")).otherwise(pl.lit(",")))
        .when(dots > 1)
        .then(pl.lit(","))
        .when(commas > 1)
        .then(pl.lit("."))
        .when((dots == 1) & ~thousands)
        .then(pl.lit("."))
        .when((commas == 1) & ~thousands)
        .then(pl.lit(","))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    return frame.with_columns(vote.alias("vote")).drop("_dots", "_commas", "_first_dot", "_first_comma", "_thousands")


def _split_numbers(text: pl.Series) -> pl.DataFrame:
    """The cleaned text of each cell, whether it has the shape of a number (``ok``), its digits
    (``body``) and what surrounds them (``prefix``, ``suffix``)."""
    frame = text.to_frame("text").with_columns(pl.col("text").alias("cell"))  # "text" stays as it came
    text = pl.col("cell")
    if frame.select(text.str.contains("%)", literal=True).any()).item():
        frame = frame.with_columns(text.str.replace(_SHARE, "${1}"))
    if frame.select(text.str.contains(r"^[kK][rR]\.").any()).item():
        frame = frame.with_columns(text.str.replace(r"(?i)^kr\.", "kr"))
    frame = frame.with_columns(
        text.str.contains(_NUMBER).fill_null(value=False).alias("ok"),
        text.str.strip_chars_start(_LEAD).alias("lead"),
    ).with_columns(pl.col("lead").str.strip_chars_end(_TRAIL).alias("body"))
    length, lead, body = text.str.len_chars(), pl.col("lead").str.len_chars(), pl.col("body").str.len_chars()
    return frame.with_columns(
        text.str.head(length - lead).alias("prefix"),
        pl.col("lead").str.tail(lead - body).alias("suffix"),
    ).drop("lead")


def _decide_decimal(frame: pl.DataFrame) -> Decimal:
    """The mark most cells vote for (each row weighted by ``weight``, the cells it stands for)."""
    vote, weight = pl.col("vote"), pl.col("weight").cast(pl.Int64)
    comma, dot = (
        _with_votes(frame)
        .select(weight.filter(vote == ",").sum().alias("comma"), weight.filter(vote == ".").sum().alias("dot"))
        .row(0)
    )
    return "," if comma > dot else "."


def infer_decimal(series: pl.Series) -> Decimal:
    """The decimal mark of a column of numbers written as text, decided by the column as a whole.

    Each cell votes: with both ``.`` and ``,`` for the last one; a mark that appears twice is a
    thousands separator, so for the other; a single mark that cannot be a thousands separator
    (not exactly three digits after it, or after ``0``, or after more than three digits, or
    after space/NBSP/apostrophe grouping: ``12,5``, ``0,123``, ``1 234,5``) for itself; a single
    mark that could be either (``1,234``) does not vote. The majority wins; with no vote or a
    tie, ``"."`` (so ``1,234`` is 1234).

    >>> infer_decimal(pl.Series(["1.234", "12,5"]))
    ','
    """
    if series.dtype.is_numeric():
        return "."
    frame = _split_numbers(_cleaned(series)).with_columns(pl.lit(1, dtype=pl.UInt32).alias("weight"))
    return _decide_decimal(frame)


def _currencies_of(affixes: list[str]) -> set[str | None]:
    """The ISO codes the currency marks around the numbers name (None for an unknown mark)."""
    codes: set[str | None] = set()
    for affix in affixes:
        token = re.sub(f"[^{_LETTERS}{_SYMBOL_CHARS}]", "", affix)
        if not token:
            continue
        upper = token.upper()
        codes.add(upper if upper in _CODES else _SYMBOLS.get(token.lower()))
    return codes


def _currency_of(affixes: list[str]) -> str | None:
    """The one ISO code that the currency marks around the numbers name, or None."""
    codes = _currencies_of(affixes)
    return codes.pop() if len(codes) == 1 else None


def falses(length: int, name: str = "") -> pl.Series:
    """A Boolean column of ``length`` False values (no cell failed), built without a Python list."""
    return pl.repeat(value=False, n=length, dtype=pl.Boolean, eager=True).alias(name)


class _Numbers(NamedTuple):
    parse: NumberParse
    currency_marked: bool  # some cell carried a currency symbol or code (maybe an ambiguous one: kr)
    whole: bool  # every parsed value is a whole number


def _parse_numbers(series: pl.Series, decimal: Decimal | None) -> _Numbers:
    if series.dtype.is_numeric() or series.dtype == pl.Null:
        number = series.cast(pl.Float64, strict=False)
        values = number.set(~number.is_finite().fill_null(value=False), None).alias(series.name)
        failed = falses(len(series), series.name)
        whole = bool((values.drop_nulls() % 1 == 0).all())
        return _Numbers(NumberParse(values, failed, ".", None, percent=False), currency_marked=False, whole=whole)
    text = _cleaned(series)
    if decimal != "," and text.str.contains(r"^-?[0-9]+(?:\.[0-9]+)?$").fill_null(value=True).all():
        # plain numbers (GA4, Google Ads "Cost"): polars reads them as they are
        values = text.cast(pl.Float64, strict=False).alias(series.name)
        parse = NumberParse(
            values,
            falses(len(text), series.name),
            ".",
            None,
            percent=False,
        )
        return _Numbers(parse, currency_marked=False, whole=bool((values.drop_nulls() % 1 == 0).all()))
    sample = text.head(_SAMPLE)
    repeated = sample.n_unique() * 2 <= sample.len()  # read each distinct value once, then join back
    if repeated:
        counts = text.value_counts(name="weight")
        frame = _split_numbers(counts["text"]).with_columns(counts["weight"])
    else:
        frame = _split_numbers(text).with_columns(pl.lit(1, dtype=pl.UInt32).alias("weight"))
    mark: Decimal = decimal if decimal is not None else _decide_decimal(frame)
    body = pl.col("body")
    groups = [sep for sep in _SEPARATORS if sep != mark]
    digits = body.str.replace_many(groups, [""] * len(groups))
    if mark == ",":
        digits = digits.str.replace(",", ".", literal=True)
    frame = frame.with_columns(
        (pl.col("ok") & body.str.contains(_VALID_BODY[mark])).alias("ok"),
        digits.alias("digits"),
        (pl.col("prefix").str.contains(f"[{_MINUS}(]") | pl.col("suffix").str.contains("-", literal=True)).alias(
            "negative"
        ),
        pl.col("suffix").str.contains("%", literal=True).alias("pct"),
    )
    percent = bool(frame.select((pl.col("ok") & pl.col("pct")).any()).item())
    if percent:  # "1.36e-2" is read as exactly 0.0136, where 1.36 / 100 is not
        scaled = pl.concat_str("digits", pl.lit("e-2")).cast(pl.Float64, strict=False)
        divided = pl.col("digits").cast(pl.Float64, strict=False) / 100
        number = pl.when(body.str.contains("[eE]")).then(divided).otherwise(scaled)
    else:
        number = pl.col("digits").cast(pl.Float64, strict=False)
    frame = frame.with_columns(number.alias("number"))
    number, value = pl.col("number"), pl.col("value")
    signed = pl.when(pl.col("negative")).then(-number).otherwise(number)
    frame = frame.with_columns(pl.when(pl.col("ok") & number.is_finite()).then(signed).alias("value"))
    affixes, whole = frame.select(
        pl.concat_str("prefix", "suffix").filter(value.is_not_null()).unique().implode(),
        ((value % 1 == 0) | value.is_null()).all(),
    ).row(0)
    if repeated:
        frame = text.to_frame().join(frame.select("text", "value"), on="text", how="left", maintain_order="left")
    return _Numbers(
        NumberParse(
            frame["value"].alias(series.name),
            (frame["text"].is_not_null() & frame["value"].is_null()).alias(series.name),
            mark,
            _currency_of(affixes),
            percent=percent,
            currencies=tuple(sorted(code for code in _currencies_of(affixes) if code)),
        ),
        currency_marked=any(re.search(f"[{_LETTERS}{_SYMBOL_CHARS}]", affix) for affix in affixes),
        whole=bool(whole),
    )


def parse_numbers(series: pl.Series, *, decimal: Decimal | None = None) -> NumberParse:
    """Read a column of numbers written as text in any common locale.

    A cell may have a sign (``-``, ``+``, U+2212 ``−``, or a trailing ``-``) or accounting
    parentheses (``(1,234.56)`` → −1234.56); a currency symbol or ISO code before or after
    (``$``, ``CA$``, ``€``, ``zł``, ``PLN``, ``usd``…); thousands grouped by ``,`` ``.`` space,
    NBSP, U+202F or apostrophe (one kind per cell, in valid groups of three, or Indian
    ``12,34,567`` with a dot decimal); the decimal mark ``decimal``, or the column's
    (:func:`infer_decimal`); an exponent (``1.5e3``); a ``%`` (the value becomes a fraction, and
    so do the column's other cells); a bound (``> 90%`` → 0.9); a trailing share (``9 (0.5%)``
    → 9). :data:`MISSING_MARKERS` give null without failing; anything else that does not fit
    gives null and ``failed``. Numeric columns (Parquet, Excel) pass through as Float64.

    >>> parse_numbers(pl.Series(["1 234,56 zł", "-118,72 PLN", "--"])).values.to_list()
    [1234.56, -118.72, None]
    """
    return _parse_numbers(series, decimal).parse


# --- dates: the general parser -----------------------------------------------------------------

_MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_TIME = (
    r"(?:t|\s*,\s*|\s+(?:at\s+)?)"
    r"(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:[.,](?P<F>[0-9]{1,9}))?)?"
    r"(?:\s*(?P<P>[ap])\.?m\.?)?"
    # a zone is dropped, not converted: Z, UTC, CEST, +0400, -06:00, GMT+1
    r"(?:\s*(?:z|[a-z]{3,5}(?:\s*[+-][0-9]{1,2}(?::?[0-9]{2})?)?|[+-][0-9]{2}(?::?[0-9]{2})?))?"
)
_DATE = (
    rf"(?i)^{_WEEKDAY}"
    r"(?:(?P<iy>[0-9]{4})[-./](?P<im>[0-9]{1,2})[-./](?P<id>[0-9]{1,2})"
    r"|(?P<cy>(?:19|20)[0-9]{2})(?P<cm>[0-9]{2})(?P<cd>[0-9]{2})"
    r"|(?P<na>[0-9]{1,2})(?P<ns1>[-./])(?P<nb>[0-9]{1,2})(?P<ns2>[-./])(?P<nc>[0-9]{4}|[0-9]{2})"
    r"|(?P<mm>[a-z]{3,9})\.?\s+(?P<md>[0-9]{1,2})(?:st|nd|rd|th)?,?\s+(?P<my>[0-9]{4})"
    r"|(?P<dd>[0-9]{1,2})(?:st|nd|rd|th)?\.?(?:\s+|-)?(?P<dm>[a-z]{3,9})\.?(?:,?\s+|-)(?P<dy>[0-9]{4}|[0-9]{2})"
    rf")(?:{_TIME})?$"
)
_SERIAL = r"^[0-9]{1,7}(?:\.[0-9]+)?$"
_LAST_SERIAL = 2958465  # 9999-12-31


def _int(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Int32, strict=False)


def _full_year(text: pl.Expr) -> pl.Expr:
    """A year field as a number: four digits, or two pivoting at 69 (00–68 → 20xx, 69–99 → 19xx)."""
    year, digits = text.cast(pl.Int32, strict=False), text.str.len_chars()
    return (
        pl.when(digits == 4)
        .then(year)
        .when(digits != 2)
        .then(None)
        .when(year <= 68)
        .then(year + 2000)
        .otherwise(year + 1900)
    )


def _month_number(name: pl.Expr) -> pl.Expr:
    return name.str.to_lowercase().replace_strict(_MONTHS, default=None, return_dtype=pl.Int32)


_DEFAULTS = (("y", 2000), ("m", 1), ("d", 1), ("H", 0), ("M", 0), ("S", 0), ("us", 0))


def _with_datetime(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Adds ``value``, the datetime of the integer fields ``y m d H M S us``, null where any is out
    of range (2024-02-30, 31.04.2024, 24:00)."""
    year, month = pl.col("y"), pl.col("m")
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days_in_month = (
        pl.when(month == 2).then(28 + leap.cast(pl.Int32)).when(month.is_in([4, 6, 9, 11])).then(30).otherwise(31)
    )
    frame = frame.with_columns(
        (
            year.is_between(1, 9999)
            & month.is_between(1, 12)
            & pl.col("d").is_between(1, days_in_month)
            & pl.col("H").is_between(0, 23)
            & pl.col("M").is_between(0, 59)
            & pl.col("S").is_between(0, 59)
            & pl.col("us").is_between(0, 999_999)
        )
        .fill_null(value=False)
        .alias("valid")
    )
    safe = [pl.when(pl.col("valid")).then(pl.col(name)).otherwise(default) for name, default in _DEFAULTS]
    return frame.with_columns(pl.when(pl.col("valid")).then(pl.datetime(*safe, time_unit="us")).alias("value"))


def _serial_datetime(serial: pl.Expr) -> pl.Expr:
    """Excel's 1900 date system: 1 = 1900-01-01, 60 = the 29 February 1900 that never was, 61 = 1 March."""
    epoch = pl.when(serial < 60).then(pl.datetime(1899, 12, 31)).otherwise(pl.datetime(1899, 12, 30))
    valid = (serial >= 1) & (serial < _LAST_SERIAL + 1) & ~((serial >= 60) & (serial < 61))
    micros = pl.when(valid).then(serial * 86_400_000_000).round(0).cast(pl.Int64)
    return pl.when(valid).then(epoch.dt.cast_time_unit("us") + pl.duration(microseconds=micros))


def _general(text: pl.Series, day_month: DateOrder, *, ymd: bool, excel_serial: bool) -> pl.DataFrame:
    """Every accepted form, one regular expression with capture groups: ``text``, ``value``,
    ``has_time`` for each value of ``text`` (meant for distinct values: it is the slow path).
    ``day_month`` orders numeric dates whose year comes last; with ``ymd``, numeric dates
    whose last field has two digits are year-first (``24.01.05``)."""
    frame = text.to_frame("text").lazy().with_columns(pl.col("text").str.extract_groups(_DATE).alias("parts"))
    frame = frame.unnest("parts").with_columns(
        *(_int(name) for name in ("iy", "im", "id", "cy", "cm", "cd", "na", "nb", "my", "md", "dd", "H", "M", "S")),
        _full_year(pl.col("nc")).alias("nc_year"),
        _full_year(pl.col("na")).alias("na_year"),
        _full_year(pl.col("dy")).alias("dy"),
        _month_number(pl.col("mm")).alias("mm"),
        _month_number(pl.col("dm")).alias("dm"),
        (pl.col("na").is_not_null() & (pl.col("ns1") == pl.col("ns2"))).alias("numeric"),
        ((pl.col("nc").str.len_chars() == 2) if ymd else pl.lit(value=False)).alias("year_first"),
        pl.col("P").str.to_lowercase(),
        pl.col("F").str.slice(0, 6).str.pad_end(6, "0").cast(pl.Int32, strict=False).fill_null(0).alias("us"),
    )
    month, day = ("na", "nb") if day_month == "mdy" else ("nb", "na")
    year_first, numeric = pl.col("year_first"), pl.col("numeric")
    num_year = pl.when(year_first).then(pl.col("na_year")).otherwise(pl.col("nc_year"))
    num_month = pl.when(year_first).then(pl.col("nb")).otherwise(pl.col(month))
    num_day = pl.when(year_first).then(pl.col("nc").cast(pl.Int32, strict=False)).otherwise(pl.col(day))
    clock, meridiem = pl.col("H"), pl.col("P")
    frame = frame.with_columns(
        pl.coalesce("iy", "cy", pl.when(numeric).then(num_year), "my", "dy").alias("y"),
        pl.coalesce("im", "cm", pl.when(numeric).then(num_month), "mm", "dm").alias("m"),
        pl.coalesce("id", "cd", pl.when(numeric).then(num_day), "md", "dd").alias("d"),
        pl.when(clock.is_null())
        .then(0)
        .when(meridiem.is_null())
        .then(clock)
        .when(clock <= 12)
        .then(clock % 12 + pl.when(meridiem == "p").then(12).otherwise(0))
        .alias("H"),
        pl.col("M").fill_null(0),
        pl.col("S").fill_null(0),
        clock.is_not_null().alias("has_time"),
    )
    frame = _with_datetime(frame)
    if excel_serial:
        serial = pl.when(pl.col("text").str.contains(_SERIAL)).then(pl.col("text").cast(pl.Float64, strict=False))
        frame = frame.with_columns(serial.alias("serial")).with_columns(
            pl.coalesce("value", _serial_datetime(pl.col("serial"))).alias("value"),
            (pl.col("has_time") | (pl.col("serial") % 1 != 0)).fill_null(value=False).alias("has_time"),
        )
    has_time = pl.col("has_time") & pl.col("value").is_not_null()
    return frame.select("text", "value", has_time.alias("has_time")).collect()


# --- dates: the day/month order of a column ----------------------------------------------------

_TIME_PLAIN = re.sub(r"\?P<\w+>", "", _TIME)
_DAY_OVER_12 = "(?:1[3-9]|2[0-9]|3[01])"
_MONTH = "(?:0?[1-9]|1[0-2])"


def _numeric_date(pairs: list[str], *, years: str) -> str:
    """A whole cell that is a numeric date ``A<sep>B<sep>year`` (one separator), with an optional time."""
    return rf"(?i)^{_WEEKDAY}(?:{'|'.join(pairs)})(?:{_TIME_PLAIN})?$".replace("YEAR", years)


def _pairs(first: str, second: str, separators: str = "./-") -> list[str]:
    return [f"{first}{re.escape(sep)}{second}{re.escape(sep)}YEAR" for sep in separators]


_SAME = [f"0?{k}{re.escape(sep)}0?{k}{re.escape(sep)}YEAR" for k in range(1, 10) for sep in "./-"] + [
    f"{k}{re.escape(sep)}{k}{re.escape(sep)}YEAR" for k in (10, 11, 12) for sep in "./-"
]


class _Order(NamedTuple):
    day_month: DateOrder  # the order used for numeric dates with the year last
    ambiguous: bool
    conflicts: int
    numeric: int  # cells that are numeric dates (D.M.Y, M/D/Y…)


def _order_of(text: pl.Series, order: DateOrder | None) -> _Order:
    """What the column says about the order of day and month (a few DFA passes over it)."""
    years = "(?:[0-9]{4})" if order == "ymd" else "(?:[0-9]{4}|[0-9]{2})"
    numeric = int(text.str.contains(_numeric_date(_pairs("[0-9]{1,2}", "[0-9]{1,2}"), years=years)).sum())
    if numeric == 0:
        return _Order(order if order in ("dmy", "mdy") else "dmy", ambiguous=False, conflicts=0, numeric=0)
    day_first = int(text.str.contains(_numeric_date(_pairs(_DAY_OVER_12, _MONTH), years=years)).sum())
    month_first = int(text.str.contains(_numeric_date(_pairs(_MONTH, _DAY_OVER_12), years=years)).sum())
    ambiguous = False
    if order in ("dmy", "mdy"):
        chosen: DateOrder = order  # type: ignore[assignment]
    elif day_first != month_first:
        chosen = "dmy" if day_first > month_first else "mdy"
    else:
        slashed = int(text.str.contains(_numeric_date(_pairs("[0-9]{1,2}", "[0-9]{1,2}", "/"), years=years)).sum())
        chosen = "mdy" if slashed * 2 > numeric else "dmy"
        both_months = text.str.contains(_numeric_date(_pairs(_MONTH, _MONTH), years=years))
        same = text.str.contains(_numeric_date(_SAME, years=years))
        ambiguous = day_first == 0 and bool((both_months & ~same).any())
    conflicts = month_first if chosen == "dmy" else day_first
    return _Order(chosen, ambiguous=ambiguous, conflicts=conflicts, numeric=numeric)


# --- dates: the fast path ----------------------------------------------------------------------


class _Layout(NamedTuple):
    """A fixed layout parsed by polars itself: cells matching ``guard`` (the whole cell) are
    parsed with ``fmt`` after keeping their first ``keep`` characters (a zone suffix dropped)."""

    guard: str
    fmt: str
    keep: int | None
    has_time: bool
    two_digit_year: bool


_ZONE = r"(?:\s?(?:[+-][0-9]{2}:?[0-9]{2}|Z|UTC))?"
_HM = "[0-9]{1,2}:[0-5][0-9]"
_HMS = "[0-9]{1,2}:[0-5][0-9]:[0-5][0-9]"


@functools.cache
def _layouts(day_month: DateOrder, *, ymd: bool) -> list[tuple[_Layout, re.Pattern[str]]]:
    """The fixed layouts tried on a column: year-first with ``-./`` and an optional time and zone
    (two-digit fields), numeric dates in the column's order, compact ``YYYYMMDD``, and
    Mailchimp's ``Jun 09, 2018 09:30 pm``."""
    layouts = []
    first, second = ("%m", "%d") if day_month == "mdy" else ("%d", "%m")
    for sep in "-./":
        s = re.escape(sep)
        iso = rf"[0-9]{{4}}{s}[0-9]{{2}}{s}[0-9]{{2}}"
        layouts.append(_Layout(rf"^{iso}$", f"%Y{sep}%m{sep}%d", None, has_time=False, two_digit_year=False))
        clocks = (
            (_HM, "%H:%M", 16),
            (_HMS, "%H:%M:%S", 19),
            (rf"{_HMS}\.[0-9]{{3}}", "%H:%M:%S%.3f", 23),  # JavaScript's toISOString()
            (rf"{_HMS}\.[0-9]{{6}}", "%H:%M:%S%.6f", 26),  # Python's isoformat()
        )
        for t in (" ", "T"):
            for clock, fmt, width in clocks:
                guard = rf"^{iso}{t}{clock.replace('{1,2}', '{2}')}{_ZONE}$"
                layouts.append(_Layout(guard, f"%Y{sep}%m{sep}%d{t}{fmt}", width, has_time=True, two_digit_year=False))
        for year, year_fmt in (("[0-9]{4}", "%Y"), ("[0-9]{2}", "%y")):
            if ymd and year_fmt == "%y":
                continue
            date = rf"[0-9]{{1,2}}{s}[0-9]{{1,2}}{s}{year}"
            date_fmt = f"{first}{sep}{second}{sep}{year_fmt}"
            two = year_fmt == "%y"
            layouts.append(_Layout(rf"^{date}$", date_fmt, None, has_time=False, two_digit_year=two))
            for clock, fmt in ((_HM, "%H:%M"), (_HMS, "%H:%M:%S")):
                layouts.append(
                    _Layout(rf"^{date} {clock}$", f"{date_fmt} {fmt}", None, has_time=True, two_digit_year=two)
                )
    months = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    layouts += [
        _Layout(r"^(?:19|20)[0-9]{6}$", "%Y%m%d", None, has_time=False, two_digit_year=False),
        _Layout(rf"^{months} [0-9]{{2}}, [0-9]{{4}}$", "%b %d, %Y", None, has_time=False, two_digit_year=False),
        _Layout(
            rf"^{months} [0-9]{{2}}, [0-9]{{4}} (?:0[1-9]|1[0-2]):[0-5][0-9] [AaPp][Mm]$",
            "%b %d, %Y %I:%M %p",
            None,
            has_time=True,
            two_digit_year=False,
        ),
    ]
    return [(layout, re.compile(layout.guard)) for layout in layouts]


def _fast(text: pl.Series, day_month: DateOrder, *, ymd: bool, sample: int = 50) -> tuple[pl.Series, bool] | None:
    """The column parsed in its dominant fixed layout (null elsewhere), and whether that layout
    has a time; None when no layout fits the first ``sample`` values (the choice is made in
    Python on those few values; the parse is polars' over the column)."""
    head = text.drop_nulls().head(sample).to_list()
    layouts = _layouts(day_month, ymd=ymd)
    counts = [sum(1 for cell in head if guard.match(cell)) for _, guard in layouts]
    best = max(range(len(layouts)), key=lambda i: counts[i], default=0)
    if not head or counts[best] == 0:
        return None
    layout = layouts[best][0]
    source = text.str.head(layout.keep) if layout.keep else text
    parsed = source.str.to_datetime(layout.fmt, strict=False, cache=False, time_unit="us")
    if layout.two_digit_year:  # polars reads %y 00–69 as 20xx; the rule here is 00–68 → 20xx, 69–99 → 19xx
        parsed = parsed.set((parsed.dt.year() == 2069).fill_null(value=False), None).fill_null(
            parsed.dt.offset_by("-100y")
        )
    return parsed.set(~text.str.contains(layout.guard).fill_null(value=False), None), layout.has_time


# --- dates: the public parser ------------------------------------------------------------------


@dataclass(frozen=True)
class DateParse:
    """A text column read as datetimes.

    ``values`` is ``Datetime("us")`` holding the naive wall-clock time as exported (a zone offset
    is dropped, not converted; a date alone is at 00:00). ``failed`` is True only where a
    non-empty, non-missing cell did not parse. ``order`` is the day/month order used for
    numeric dates (for a column without any: ``"ymd"`` for ISO, ``"mdy"`` for ``Nov 1, 2024``,
    ``"dmy"`` for ``1 Nov 2024``). ``ambiguous`` is True when the order was inferred (``order``
    not given, or ``"ymd"``, which says nothing of ``05.01.2024``) and no value decided it (no
    day above 12, while some value reads differently in the two orders): the caller should warn.
    ``has_time`` is True when any value carried a time of day. ``order_conflicts`` counts the
    cells that could only be read in the other day/month order (they are ``failed``).
    """

    values: pl.Series
    failed: pl.Series
    order: DateOrder
    ambiguous: bool
    has_time: bool
    order_conflicts: int = 0


def _passthrough(series: pl.Series, order: DateOrder | None) -> DateParse:
    """A column that is already temporal: a zone-aware one keeps its wall-clock time."""
    values = series
    if isinstance(series.dtype, pl.Datetime) and series.dtype.time_zone is not None:
        values = series.dt.replace_time_zone(None)
    values = values.cast(pl.Datetime("us"))
    has_time = bool(isinstance(series.dtype, pl.Datetime) and (values.dt.truncate("1d") != values).any())
    failed = falses(len(series), series.name)
    return DateParse(values.alias(series.name), failed, order or "ymd", ambiguous=False, has_time=has_time)


def _reported_order(text: pl.Series) -> DateOrder:
    """The order a column without numeric dates is written in (the most frequent in its first
    values): ISO → ymd, ``Nov 1, 2024`` → mdy, ``1 Nov 2024`` → dmy."""
    head = text.drop_nulls().head(200)
    tally = {
        "ymd": int(head.str.contains(r"^(?:[0-9]{4}[-./]|(?:19|20)[0-9]{6})").sum()),
        "mdy": int(head.str.contains(rf"(?i)^{_WEEKDAY}[a-z]{{3,9}}\.?\s+[0-9]").sum()),
        "dmy": int(head.str.contains(r"(?i)^[0-9]{1,2}(?:st|nd|rd|th)?\.?(?:\s+|-)?[a-z]{3,9}").sum()),
    }
    return max(("ymd", "mdy", "dmy"), key=lambda key: tally[key])  # type: ignore[return-value]


def parse_datetimes(series: pl.Series, *, order: DateOrder | None = None, excel_serial: bool = False) -> DateParse:
    """Read a column of dates or datetimes written as text.

    Accepted: ISO ``2024-01-05``, ``2024-01-05T10:00:00.123Z`` and year-first ``2018.02.01``
    (always year-month-day, whatever ``order`` says); compact ``20260220``; numeric
    ``05.01.2024``, ``01-02-2018``, ``1/12/2010 8:26``, ``12/1/10 8:26`` (two-digit years: 00–68
    → 20xx, 69–99 → 19xx); English month names: ``Jun 09, 2018 09:30 pm``, ``Sat, May 1, 2021
    10:15``, ``1 Nov 2024``, ``05-Jan-24``; a time ``H:MM[:SS[.ffffff]]`` with optional am/pm;
    a zone (``+0400``, ``-06:00``, ``Z``, ``UTC``) is dropped, keeping the wall-clock time. With
    ``excel_serial``, plain numbers are Excel serial days (1900 system: 45234 → 2023-11-04).

    The day/month order of numeric dates: ``order`` when given (``"ymd"`` also reads two-digit
    year-first values such as ``24.01.05``); else the column decides: a first field above 12
    means ``dmy``, a second field above 12 means ``mdy``; when both occur the majority wins and
    the other cells fail (``order_conflicts``); when neither does, ``ambiguous`` is True and the
    order is ``mdy`` for slashed values, ``dmy`` for dotted or dashed ones. Impossible dates
    (``2024-02-30``, ``31.04.2024``) fail.

    >>> parse_datetimes(pl.Series(["05.01.2024", "2026-04-05 21:06:21 +0400"])).values.to_list()
    [datetime.datetime(2024, 1, 5, 0, 0), datetime.datetime(2026, 4, 5, 21, 6, 21)]
    """
    if series.dtype == pl.Date or isinstance(series.dtype, pl.Datetime):
        return _passthrough(series, order)
    if excel_serial and series.dtype.is_numeric():
        serial = series.cast(pl.Float64, strict=False)
        values = pl.select(_serial_datetime(pl.lit(serial)).alias(series.name)).to_series()
        failed = (serial.is_not_null() & values.is_null()).alias(series.name)
        has_time = bool((serial.filter(values.is_not_null()) % 1 != 0).any())
        return DateParse(values, failed, order or "ymd", ambiguous=False, has_time=has_time)

    text = _cleaned(series)
    known = _order_of(text, order)
    ymd = order == "ymd"
    fast = _fast(text, known.day_month, ymd=ymd)
    if fast is None:
        values = pl.repeat(None, len(text), dtype=pl.Datetime("us"), eager=True).alias(series.name)
        has_time = falses(len(text))
    else:
        values = fast[0]
        has_time = values.is_not_null() & fast[1]
    rest = text.is_not_null() & values.is_null()
    if rest.any():
        frame = text.to_frame().with_row_index("row").filter(rest)
        general = _general(frame["text"].unique(), known.day_month, ymd=ymd, excel_serial=excel_serial)
        joined = frame.join(general, on="text", how="left", maintain_order="left")
        values = values.scatter(joined["row"], joined["value"])
        has_time = has_time.scatter(joined["row"], joined["has_time"])
    if order is not None:
        reported: DateOrder = order
    elif known.numeric:
        reported = known.day_month
    else:
        reported = _reported_order(text)
    return DateParse(
        values.alias(series.name),
        (text.is_not_null() & values.is_null()).alias(series.name),
        reported,
        ambiguous=known.ambiguous,
        has_time=bool(has_time.any()),
        order_conflicts=known.conflicts,
    )


# --- what a column looks like ------------------------------------------------------------------

ColumnKind = Literal["empty", "integer", "number", "percent", "money", "date", "datetime", "boolean", "id", "text"]

_BOOLEAN_WORDS = frozenset({"true", "false", "yes", "no", "y", "n", "t", "f", "tak", "nie", "ja", "nein", "oui", "non"})
_BOOLEAN = _BOOLEAN_WORDS | {"1", "0"}
_ID = r"^#?[A-Za-z0-9][A-Za-z0-9_\-.:/]*$"
_MOST = 0.95  # the share of a sample's values that must read as a kind


def sniff_kind(series: pl.Series, *, sample: int = 200) -> ColumnKind:
    """What a column's values look like, judged on its first ``sample`` non-missing values.

    In this order: no values → ``"empty"``; ``true/false``, ``yes/no``, ``y/n``, ``t/f``
    (``tak/nie``, ``ja/nein``, ``oui/non``; ``1/0`` only mixed with those words) → ``"boolean"``;
    at least 95 % read as dates → ``"datetime"`` when a value has a time of day, else ``"date"``;
    at least 95 % read as numbers → ``"percent"`` (a ``%``), ``"money"`` (a currency symbol or
    code), ``"id"`` (digits with a leading zero: ``0812``), ``"integer"`` (whole numbers) or
    ``"number"``; single tokens with a digit that are mostly unique (half the values or more) or
    all ``#``-prefixed (``#1001``, ``ORD-77``, ``ch_3Ab…``, a uuid) → ``"id"``; else ``"text"``.

    >>> sniff_kind(pl.Series(["12,50 zł", "3,00 zł"]))
    'money'
    """
    if series.dtype == pl.Boolean:
        return "boolean"
    if series.dtype == pl.Date or isinstance(series.dtype, pl.Datetime):
        if series.drop_nulls().len() == 0:
            return "empty"
        return "datetime" if parse_datetimes(series).has_time else "date"
    if series.dtype.is_numeric():
        if series.drop_nulls().len() == 0:
            return "empty"
        return "integer" if series.dtype.is_integer() or _parse_numbers(series, None).whole else "number"
    text = _cleaned(series).drop_nulls().head(sample)
    if text.len() == 0:
        return "empty"
    lowered = text.str.to_lowercase()
    if lowered.is_in(list(_BOOLEAN)).all() and lowered.is_in(list(_BOOLEAN_WORDS)).any():
        return "boolean"
    needed = _MOST * text.len()
    dates = parse_datetimes(text)
    if dates.values.is_not_null().sum() >= needed:
        return "datetime" if dates.has_time else "date"
    numbers = _parse_numbers(text, None)
    if numbers.parse.values.is_not_null().sum() >= needed:
        if numbers.parse.percent:
            return "percent"
        if numbers.currency_marked:
            return "money"
        if text.str.contains(r"^0[0-9]+$").any():
            return "id"
        return "integer" if numbers.whole else "number"
    tokens = text.str.contains(_ID).all() and text.str.contains("[0-9]").all()
    if tokens and (text.n_unique() >= 0.5 * text.len() or text.str.starts_with("#").all()):
        return "id"
    return "text"
