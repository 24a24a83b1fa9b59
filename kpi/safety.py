"""Guards for what leaves the app: spreadsheet formula injection (CWE-1236)."""

from __future__ import annotations

import polars as pl

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def neutralize_cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe; numbers
    and other values pass unchanged. Idempotent.

    >>> neutralize_cell("=HYPERLINK(\\"http://x\\")"), neutralize_cell(-5), neutralize_cell("'=1+1")
    ('\\'=HYPERLINK("http://x")', -5, "'=1+1")
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """A frame as UTF-8 CSV (with BOM, so Excel reads accents) whose text cells cannot run as
    spreadsheet formulas; numbers are written as numbers.

    >>> csv_bytes(pl.DataFrame({"campaign": ["=1+1", "spring"], "spend": [-5.0, 2.5]})).decode("utf-8-sig")
    "campaign,spend\\n'=1+1,-5.0\\nspring,2.5\\n"
    """
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    guarded = frame.with_columns(
        pl.when(pl.col(name).str.contains(r"^[=+\-@\t\r\x00]"))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text_columns
    )
    return guarded.write_csv().encode("utf-8-sig")
