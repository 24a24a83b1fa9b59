"""Frames of any engine: the few places where eager (polars) and lazy (Spark) frames differ.

The KPI code is written once against narwhals. The canonical tables may be eager polars frames
(the app and the default CLI) or lazy frames of a distributed engine (PySpark, with
``python -m kpi report --engine spark``). Row-level work runs on the tables' engine; what comes
out of an aggregation (one row per group, per customer or per combination of dimensions) is
brought back with :func:`collect` as an eager polars frame, and the rest of the computation runs
on those small frames.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw

ROW = "_row"
"""The row-number column a lazy reader adds (Spark has no row order; "the last row of an order
wins" needs one)."""

FILE = "_file"
"""The source-file column a lazy reader adds: with several files per table, rows are ordered by
file path, then row number."""


def is_lazy(frame: Any) -> bool:
    """True for a narwhals LazyFrame (Spark, DuckDB, lazy polars)."""
    return isinstance(frame, nw.LazyFrame)


def collect(frame: Any) -> nw.DataFrame:
    """An eager frame: a lazy one is executed and returned as polars; an eager one as it is.
    Only for aggregated, small results."""
    if is_lazy(frame):
        return frame.collect(backend="polars")
    return frame


def like(frame: Any, small: nw.DataFrame) -> Any:
    """``small`` (an eager frame) on the engine of ``frame``, so the two can be joined."""
    if not is_lazy(frame):
        return small
    native = frame.to_native()
    session = getattr(native, "sparkSession", None)
    if session is not None:
        return nw.from_native(session.createDataFrame(small.to_arrow()))
    return small.lazy()


def persist(frame: Any) -> Any:
    """A lazy Spark frame cached by its engine (it is read by every KPI); any other as it is."""
    if is_lazy(frame) and hasattr(frame.to_native(), "sparkSession"):
        return nw.from_native(frame.to_native().cache())
    return frame


def keep_last(frame: Any, key: str) -> Any:
    """One row per ``key``: the last one in row order (a later export updates the earlier). A lazy
    frame has no row order of its own: its reader's :data:`ROW` column gives it."""
    if is_lazy(frame):
        names = frame.collect_schema().names()
        if ROW not in names:
            raise ValueError(f"a lazy table needs a {ROW} column to keep the last row of each {key}")
        return frame.unique(subset=[key], keep="last", order_by=[name for name in (FILE, ROW) if name in names])
    return frame.filter(nw.col(key).is_last_distinct())  # in row order; faster than unique(keep="last")
