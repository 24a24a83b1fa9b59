"""Periods, comparison windows and the presets of the app's period picker (contract section 2).

A period is an inclusive range of dates; a datetime belongs to it by its date. Presets are
relative to an "as of" date passed in by the caller (the last day in the data), never to
``date.today()``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Comparison = Literal["previous", "year", "none"]
Preset = Literal[
    "last_7_days",
    "last_30_days",
    "last_90_days",
    "this_month",
    "last_month",
    "this_quarter",
    "last_quarter",
    "year_to_date",
    "all_data",
]

PRESET_LABELS: dict[Preset, str] = {
    "last_7_days": "Last 7 days",
    "last_30_days": "Last 30 days",
    "last_90_days": "Last 90 days",
    "this_month": "This month",
    "last_month": "Last month",
    "this_quarter": "This quarter",
    "last_quarter": "Last quarter",
    "year_to_date": "Year to date",
    "all_data": "All data",
}
COMPARISON_LABELS: dict[Comparison, str] = {
    "previous": "Previous period",
    "year": "Same period last year",
    "none": "No comparison",
}


def day_label(day: date) -> str:
    """A day as every caption writes it: ``1 Nov 2024``.

    >>> day_label(date(2024, 11, 1))
    '1 Nov 2024'
    """
    return f"{day.day} {day:%b %Y}"


@dataclass(frozen=True, order=True)
class Period:
    """An inclusive range of dates ``[start, end]``.

    >>> Period(date(2024, 2, 1), date(2024, 2, 29)).days
    29
    """

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        """Number of days in the period, both ends included."""
        return (self.end - self.start).days + 1

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    def label(self) -> str:
        """``1 Nov 2024 – 30 Nov 2024`` (one date when start = end)."""
        text = day_label(self.start)
        return text if self.start == self.end else f"{text} – {day_label(self.end)}"

    def as_dict(self) -> dict[str, str]:
        """``{"start": "2024-11-01", "end": "2024-11-30"}``, as in the CLI's JSON."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def year_earlier(day: date) -> date:
    """The same date one year earlier; 29 February maps to 28 February.

    >>> year_earlier(date(2024, 2, 29))
    datetime.date(2023, 2, 28)
    """
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def previous_window(period: Period) -> Period:
    """The window of the same number of days ending the day before ``period.start``.

    >>> previous_window(Period(date(2024, 11, 1), date(2024, 11, 30))).as_dict()
    {'start': '2024-10-02', 'end': '2024-10-31'}
    """
    end = period.start - timedelta(days=1)
    return Period(end - timedelta(days=period.days - 1), end)


def comparison_period(period: Period, comparison: Comparison) -> Period | None:
    """The comparison window: ``previous`` (same length, just before), ``year`` (same dates one
    year earlier) or ``None`` for ``none``."""
    if comparison == "previous":
        return previous_window(period)
    if comparison == "year":
        return Period(year_earlier(period.start), year_earlier(period.end))
    return None


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def calendar_period(day: date, unit: Literal["month", "quarter", "year"]) -> Period:
    """The whole calendar month, quarter or year ``day`` is in.

    >>> calendar_period(date(2026, 11, 22), "quarter").label()
    '1 Oct 2026 – 31 Dec 2026'
    >>> calendar_period(date(2028, 2, 10), "month").as_dict()
    {'start': '2028-02-01', 'end': '2028-02-29'}
    """
    if unit == "year":
        return Period(date(day.year, 1, 1), date(day.year, 12, 31))
    if unit == "month":
        return Period(day.replace(day=1), _month_end(day))
    start = _quarter_start(day)
    return Period(start, _month_end(date(start.year, start.month + 2, 1)))


def preset_period(preset: Preset, *, as_of: date, data_start: date | None = None) -> Period:
    """The period a preset names, ending on ``as_of`` (the last day in the data) or, for
    "last month" and "last quarter", on the last complete one before it.

    >>> preset_period("last_7_days", as_of=date(2024, 3, 3)).as_dict()
    {'start': '2024-02-26', 'end': '2024-03-03'}
    >>> preset_period("last_month", as_of=date(2024, 3, 3)).as_dict()
    {'start': '2024-02-01', 'end': '2024-02-29'}
    """
    if preset in ("last_7_days", "last_30_days", "last_90_days"):
        days = int(preset.split("_")[1])
        return Period(as_of - timedelta(days=days - 1), as_of)
    if preset == "this_month":
        return Period(as_of.replace(day=1), as_of)
    if preset == "last_month":
        end = as_of.replace(day=1) - timedelta(days=1)
        return Period(end.replace(day=1), end)
    if preset == "this_quarter":
        return Period(_quarter_start(as_of), as_of)
    if preset == "last_quarter":
        end = _quarter_start(as_of) - timedelta(days=1)
        return Period(_quarter_start(end), end)
    if preset == "year_to_date":
        return Period(date(as_of.year, 1, 1), as_of)
    if preset == "all_data":
        return Period(data_start or as_of, as_of)
    raise ValueError(f"unknown period preset {preset!r}")


def default_period(data_start: date, data_end: date) -> Period:
    """The CLI's default: the last full calendar month inside the data, or all the data when no
    calendar month lies wholly inside it.

    >>> default_period(date(2023, 11, 1), date(2025, 3, 31)).as_dict()
    {'start': '2025-03-01', 'end': '2025-03-31'}
    >>> default_period(date(2024, 1, 15), date(2024, 2, 20)).as_dict()
    {'start': '2024-01-15', 'end': '2024-02-20'}
    """
    end = data_end if _month_end(data_end) == data_end else data_end.replace(day=1) - timedelta(days=1)
    start = end.replace(day=1)
    if start < data_start:
        return Period(data_start, data_end)
    return Period(start, end)


def coverage_note(period: Period, span: tuple[date, date], *, name: str = "The period") -> str | None:
    """A warning when ``period`` reaches outside the data's first and last day, else ``None``.

    >>> coverage_note(Period(date(2024, 10, 1), date(2024, 10, 31)), (date(2024, 11, 1), date(2026, 11, 22)))
    'The period (1 Oct 2024 – 31 Oct 2024) lies wholly before the data, which starts on 1 Nov 2024.'
    >>> coverage_note(Period(date(2024, 10, 15), date(2024, 11, 14)), (date(2024, 11, 1), date(2026, 11, 22)))
    'The period (15 Oct 2024 – 14 Nov 2024) starts before the data (1 Nov 2024): its figures cover 14 of its 31 days.'
    """
    first, last = span
    if period.start >= first and period.end <= last:
        return None
    label = f"{name} ({period.label()})"
    if period.end < first:
        return f"{label} lies wholly before the data, which starts on {day_label(first)}."
    if period.start > last:
        return f"{label} lies wholly after the data, which ends on {day_label(last)}."
    covered = (min(period.end, last) - max(period.start, first)).days + 1
    where = (
        f"starts before the data ({day_label(first)})"
        if period.start < first
        else f"ends after the data ({day_label(last)})"
    )
    return f"{label} {where}: its figures cover {covered} of its {period.days} days."
