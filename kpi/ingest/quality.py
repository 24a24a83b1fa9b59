"""The data-quality report of every loaded table: what was read, kept, dropped or changed and why,
the dates and currency it covers, and the channels it holds with how each was assigned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl

from kpi.channels import channel_for, normalize_channel
from kpi.ingest.validation import LoadedTable
from kpi.issues import Issue
from kpi.periods import Period
from kpi.schema import SCHEMAS, TableName

MAX_CHANNEL_LINES = 12


@dataclass(frozen=True)
class ChannelLine:
    """A channel found in a table, how many rows carry it, and how it was assigned."""

    channel: str
    rows: int
    how: str


@dataclass(frozen=True)
class FileQuality:
    """The quality report of one loaded table (see the module docstring)."""

    source: str
    recogniser: str
    table: TableName
    rows_read: int
    rows_kept: int
    dropped: tuple[Issue, ...]
    changed: tuple[Issue, ...]
    notes: tuple[Issue, ...]
    first_day: date | None
    last_day: date | None
    currency: str | None
    channels: tuple[ChannelLine, ...]
    outside_period: int | None = None

    @property
    def rows_dropped(self) -> int:
        """Rows left out, summed over the reasons."""
        return sum(issue.rows for issue in self.dropped)

    def summary(self) -> str:
        """``orders.csv: Shopify orders export → orders; 1,057 rows read, 1,050 kept; 2024-11-01 – 2026-11-22; EUR``."""
        text = f"{self.source}: {self.recogniser} → {self.table}; {_rows(self.rows_read)} read, {self.rows_kept:,} kept"
        if self.first_day and self.last_day:
            text += f"; {self.first_day} – {self.last_day}"
        if self.currency:
            text += f"; {self.currency}"
        if self.outside_period:
            text += f"; {_rows(self.outside_period)} outside the period"
        return text

    def lines(self) -> list[str]:
        """The report as plain lines (the CLI's text output)."""
        out = [self.summary()]
        out += [f"  dropped: {issue.line()}" for issue in self.dropped]
        out += [f"  changed: {issue.line()}" for issue in self.changed]
        out += [f"  note: {issue.line()}" for issue in self.notes]
        out += [f"  channel {line.channel}: {_rows(line.rows)} ({line.how})" for line in self.channels]
        return out

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""

        def issue(item: Issue) -> dict[str, Any]:
            return {
                "severity": item.severity,
                "code": item.code,
                "column": item.column,
                "message": item.message,
                "rows": item.rows,
                "examples": list(item.examples),
                "hint": item.hint,
            }

        return {
            "source": self.source,
            "recogniser": self.recogniser,
            "table": self.table,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "rows_dropped": self.rows_dropped,
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "currency": self.currency,
            "outside_period": self.outside_period,
            "dropped": [issue(item) for item in self.dropped],
            "changed": [issue(item) for item in self.changed],
            "notes": [issue(item) for item in self.notes],
            "channels": [{"channel": line.channel, "rows": line.rows, "how": line.how} for line in self.channels],
        }


def _rows(count: int) -> str:
    return f"{count:,} row" if count == 1 else f"{count:,} rows"


def _day(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def channel_lines(frame: pl.DataFrame) -> tuple[ChannelLine, ...]:
    """The channels of a typed table and how each was assigned: given in the file, or derived by a
    GA4 rule from source/medium/campaign, or Unassigned and why; largest first."""
    lines: list[ChannelLine] = []
    origin = [name for name in ("source", "medium", "campaign") if name in frame.columns]
    if "channel" in frame.columns:
        given = frame.filter(pl.col("channel").str.strip_chars().fill_null("") != "")
        for label, rows in given.group_by("channel").len().sort("len", descending=True).iter_rows():
            lines.append(ChannelLine(normalize_channel(label) or label, rows, "given in the file"))
        rest = frame.filter(pl.col("channel").str.strip_chars().fill_null("") == "")
    else:
        rest = frame
    if origin and rest.height:
        combos = rest.group_by(origin).len().sort("len", descending=True)
        for row in combos.iter_rows(named=True):
            if not (row.get("source") or row.get("medium")):
                lines.append(ChannelLine("(not set)", row["len"], "no channel, source or medium in the row"))
                continue
            match = channel_for(row.get("source"), row.get("medium"), row.get("campaign"))
            lines.append(ChannelLine(match.channel, row["len"], match.reason))
    elif rest.height and "channel" in frame.columns:
        lines.append(ChannelLine("(not set)", rest.height, "no channel, source or medium in the row"))
    merged: dict[tuple[str, str], int] = {}
    for line in lines:
        merged[(line.channel, line.how)] = merged.get((line.channel, line.how), 0) + line.rows
    ordered = sorted(merged.items(), key=lambda item: item[1], reverse=True)
    return tuple(ChannelLine(channel, rows, how) for (channel, how), rows in ordered[:MAX_CHANNEL_LINES])


def file_quality(loaded: LoadedTable, *, period: Period | None = None, extra: Sequence[Issue] = ()) -> FileQuality:
    """The quality report of one loaded table; ``extra`` adds issues found when stacking it with
    other files; ``period`` counts its rows outside the period."""
    issues = (*loaded.issues, *extra)
    date_column = SCHEMAS[loaded.table].date_column
    dates = loaded.frame.get_column(date_column) if date_column in loaded.frame.columns else None
    first_day = _day(dates.min()) if dates is not None and dates.len() else None  # type: ignore[arg-type]
    last_day = _day(dates.max()) if dates is not None and dates.len() else None  # type: ignore[arg-type]
    outside = None
    if period is not None and dates is not None:
        days = dates.dt.date() if dates.dtype != pl.Date else dates
        outside = int((~days.is_between(period.start, period.end)).sum())
    return FileQuality(
        source=loaded.source,
        recogniser=loaded.recogniser or f"canonical {loaded.table}",
        table=loaded.table,
        rows_read=loaded.rows_read,
        rows_kept=loaded.rows_kept - sum(issue.rows for issue in extra if issue.effect == "dropped"),
        dropped=tuple(issue for issue in issues if issue.effect == "dropped"),
        changed=tuple(issue for issue in issues if issue.effect == "changed"),
        notes=tuple(issue for issue in issues if issue.effect == "note"),
        first_day=first_day,
        last_day=last_day,
        currency=loaded.currency,
        channels=channel_lines(loaded.frame),
        outside_period=outside,
    )
