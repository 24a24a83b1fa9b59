"""Guards for what leaves the app: spreadsheet formula injection (CWE-1236)."""

from __future__ import annotations

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
