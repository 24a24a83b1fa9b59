"""Data problems as values.

A loader never raises on the first bad row: it returns the frame it could build **and** every
problem it found, each as an :class:`Issue`. Bugs are still exceptions. A file that cannot be
used at all raises :class:`DataError` with a one-line message naming the file and the problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "info"]
Effect = Literal["dropped", "changed", "note"]


@dataclass(frozen=True)
class Issue:
    """One problem found in a file or table.

    ``code`` is a stable identifier (``missing_column``, ``unparseable_value``…), ``column`` the
    column concerned (``None`` for the whole table), ``rows`` how many rows it touches,
    ``examples`` up to five offending values or row descriptions, ``hint`` a suggestion
    ("did you mean 'Order ID'?").

    >>> Issue("error", "missing_column", "revenue", "required column 'revenue' is missing").line()
    "error: required column 'revenue' is missing"
    """

    severity: Severity
    code: str
    column: str | None
    message: str
    hint: str | None = None
    rows: int = 0
    examples: tuple[str, ...] = field(default_factory=tuple)
    effect: Effect = "note"
    """What happened to the ``rows``: ``dropped`` (left out of the table), ``changed`` (kept with
    a value emptied or corrected) or ``note`` (nothing lost)."""

    def line(self, source: str | None = None) -> str:
        """The issue on one line, as the CLI prints it: ``severity: [source: ]message (hint)``."""
        where = f"{source}: " if source else ""
        text = f"{self.severity}: {where}{self.message}"
        if self.examples:
            text += f"; e.g. {', '.join(self.examples)}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class DataError(Exception):
    """A file or table that cannot be used at all. ``str(err)`` is one line naming the source."""

    def __init__(self, source: str, message: str, issues: tuple[Issue, ...] = ()) -> None:
        self.source = source
        self.message = message
        self.issues = issues
        super().__init__(f"{source}: {message}")


def has_errors(issues: tuple[Issue, ...] | list[Issue]) -> bool:
    """True when any issue has severity ``error`` (the table cannot be used as it is)."""
    return any(issue.severity == "error" for issue in issues)
