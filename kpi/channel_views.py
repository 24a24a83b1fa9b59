"""Channel views: conversion by device, social platforms, organic search over time, online vs
offline channels and every KPI per channel — all built on :func:`kpi.engine.breakdown`, so every
ratio is a ratio of sums inside its group and the user's filters apply.

How the sections combine with the user's channel filter: a section about some channels (the social
ones, Organic Search) keeps the channels of its own that the filter keeps (:func:`channel_scope`,
the intersection); without a channel filter it takes all of its own. An empty intersection means
the filter leaves the section out, and the section says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

import narwhals as nw

from kpi.engine import NOTE, Breakdown, breakdown, calc_measures
from kpi.formats import format_delta, format_value
from kpi.measures import GROUP, MEASURES, Settings
from kpi.periods import Period, day_label
from kpi.registry import GROUP_LABELS, KPIS, Kpi, kpis_in_group
from kpi.tables import EMPTY_VALUE, Tables

Filters = Mapping[str, Sequence[str]]
Grain = Literal["week", "month"]

DEVICE_ORDER: tuple[str, ...] = ("mobile", "desktop", "tablet")
SOCIAL_CHANNELS: tuple[str, ...] = ("Paid Social", "Organic Social")
ALL_SOCIAL = "Paid + organic"
"""The ``kind`` of a platform's row that adds its paid and organic social rows."""
ORGANIC_SEARCH = "Organic Search"
OFFLINE = "Offline"
ONLINE = "Online"

DEVICE_KPIS: tuple[str, ...] = ("sessions", "orders", "conversion_rate", "revenue", "aov")
SOCIAL_KPIS: tuple[str, ...] = ("sessions", "leads", "orders", "conversion_rate", "revenue", "spend", "cpa", "roas")
KIND_KPIS: tuple[str, ...] = (
    "orders",
    "revenue",
    "aov",
    "new_customers",
    "spend",
    "roas",
    "cac",
    "sessions",
    "conversion_rate",
)
MIX_KPIS: tuple[str, ...] = ("orders", "revenue", "new_customers", "spend")
"""Additive KPIs whose split between online and offline channels is shown as shares."""
NO_WEB_SESSIONS = "offline channels have no web sessions"
PLATFORM_ALIASES: dict[str, str] = {
    "fb": "facebook",
    "ig": "instagram",
    "insta": "instagram",
    "lnkd.in": "linkedin",
    "t.co": "twitter",
    "youtu.be": "youtube",
    "pin.it": "pinterest",
    "vm.tiktok": "tiktok",
}
_HOST_PREFIXES = ("www.", "m.", "l.", "lm.", "mobile.", "web.")


# --- filters ------------------------------------------------------------------------------


def channel_scope(filters: Filters | None, wanted: Sequence[str]) -> tuple[str, ...]:
    """The channels of ``wanted`` a section shows: all of them without a channel filter, else the
    ones the filter keeps (the intersection).

    >>> channel_scope(None, SOCIAL_CHANNELS), channel_scope({"channel": ["Paid Social", "Email"]}, SOCIAL_CHANNELS)
    (('Paid Social', 'Organic Social'), ('Paid Social',))
    """
    chosen = tuple((filters or {}).get("channel", ()))
    return tuple(channel for channel in wanted if not chosen or channel in chosen)


def _with(filters: Filters | None, **extra: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The filters with some dimensions replaced (``channel=(...)``); empty filters dropped."""
    merged = {name: tuple(values) for name, values in (filters or {}).items() if values}
    merged.update({name: tuple(values) for name, values in extra.items()})
    return merged


def _renamed(frame: nw.DataFrame, kpi_id: str, name: str) -> list[nw.Expr]:
    """A KPI column and its note under another name (``conversion_rate`` → ``organic_conversion``)."""
    return [nw.col(kpi_id).alias(name), nw.col(f"{kpi_id}{NOTE}").alias(f"{name}{NOTE}")]


def total(frame: nw.DataFrame, column: str) -> float:
    """Σ of a column, 0 for no rows or only nulls."""
    if len(frame) == 0:
        return 0.0
    value = frame.get_column(column).sum()
    return float(value or 0.0)


def _share(column: str) -> nw.Expr:
    """The row's part of the column's total; null when the total is 0 or unknown."""
    total = nw.col(column).sum()
    return nw.when(total > 0).then(nw.col(column) / total)


def _mix(frame: nw.DataFrame, segment: str, kpi_ids: Sequence[str]) -> nw.DataFrame:
    """One row per (segment, KPI): ``segment, kpi, value, share``, share = the segment's part of the
    KPI's total over the segments (null when the KPI is unavailable or its total is 0)."""
    parts = [
        frame.select(
            nw.col(segment).alias("segment"),
            nw.lit(kpi_id).alias("kpi"),
            nw.col(kpi_id).alias("value"),
            _share(kpi_id).alias("share"),
        )
        for kpi_id in kpi_ids
    ]
    return nw.concat(parts)


# --- conversion by device -----------------------------------------------------------------


@dataclass(frozen=True)
class DeviceFigures:
    """One device's numbers for the gap sentence (``orders`` / ``conversion`` ``None`` = unknown)."""

    sessions: float
    orders: float | None = None
    conversion: float | None = None


@dataclass(frozen=True)
class DeviceConversion:
    """Conversion by device. ``frame`` has one row per device (mobile, desktop, tablet first):
    ``device``, the :data:`DEVICE_KPIS` with their notes, ``compare_conversion_rate`` (+ note, null
    without a comparison), ``session_share`` and ``order_share`` (of the devices shown). Rows
    without a device (``(not set)``: offline orders, phone sales) are left out of the frame and of
    the shares; their sessions and orders are counted in ``not_set_sessions`` / ``not_set_orders``."""

    frame: nw.DataFrame
    not_set_sessions: float
    not_set_orders: float

    def figures(self) -> dict[str, DeviceFigures]:
        """The numbers of :func:`gap_sentence`, per device."""
        rows = self.frame.select("device", "sessions", "orders", "conversion_rate").rows()
        return {
            device: DeviceFigures(sessions=sessions or 0.0, orders=orders, conversion=conversion)
            for device, sessions, orders, conversion in rows
        }

    def note(self, column: str = "conversion_rate") -> str | None:
        """The most common note of a column (why it is unavailable, or the fallback used)."""
        return common_note(self.frame, column)

    def mix(self) -> nw.DataFrame:
        """Each device's share of sessions and of orders, one row per (device, KPI):
        ``segment, kpi, value, share``."""
        return _mix(self.frame, "device", ("sessions", "orders"))


def common_note(frame: nw.DataFrame, column: str) -> str | None:
    """The most common note of a KPI column (``{column}__note``), ``None`` when it has none."""
    notes = [note for note in frame.get_column(f"{column}{NOTE}").to_list() if note]
    return Counter(notes).most_common(1)[0][0] if notes else None


def _device_order() -> nw.Expr:
    order = {device: rank for rank, device in enumerate(DEVICE_ORDER)}
    return nw.col("device").replace_strict(order, default=len(order), return_dtype=nw.Int32())


def device_conversion(
    tables: Tables,
    period: Period,
    filters: Filters | None = None,
    settings: Settings | None = None,
    *,
    compare_period: Period | None = None,
) -> DeviceConversion:
    """Sessions, orders, conversion rate, revenue and AOV per device, with the comparison period's
    conversion rate and each device's share of sessions and of orders.

    conversion_rate = Σ purchase_sessions / Σ sessions of the device (orders / sessions where
    traffic has no purchase_sessions); session_share = sessions / Σ sessions of the devices shown;
    order_share likewise.

    >>> import polars as pl
    >>> traffic = pl.DataFrame({"date": [date(2024, 1, 1)] * 2, "device": ["Mobile", "desktop"],
    ...                         "sessions": [300, 100], "purchase_sessions": [3, 3]})
    >>> day = Period(date(2024, 1, 1), date(2024, 1, 1))
    >>> device_conversion(Tables.from_frames(traffic=traffic), day).frame.select(
    ...     "device", "conversion_rate", "session_share").rows()
    [('mobile', 0.01, 0.75), ('desktop', 0.03, 0.25)]
    """
    now = breakdown(tables, period, filters, settings, by="device", kpis=DEVICE_KPIS).frame
    known = now.filter(nw.col(GROUP) != EMPTY_VALUE)
    not_set = now.filter(nw.col(GROUP) == EMPTY_VALUE)
    frame = known.rename({GROUP: "device"})
    if compare_period is not None:
        before = breakdown(tables, compare_period, filters, settings, by="device", kpis=("conversion_rate",)).frame
        frame = frame.join(
            before.select(
                nw.col(GROUP).alias("device"), *_renamed(before, "conversion_rate", "compare_conversion_rate")
            ),
            on="device",
            how="left",
        )
    else:
        frame = frame.with_columns(
            nw.lit(None, nw.Float64()).alias("compare_conversion_rate"),
            nw.lit(None, nw.String()).alias(f"compare_conversion_rate{NOTE}"),
        )
    frame = (
        frame.with_columns(_share("sessions").alias("session_share"), _share("orders").alias("order_share"))
        .with_columns(_device_order().alias("_order"))
        .sort("_order", "device")
        .drop("_order")
    )
    return DeviceConversion(
        frame=frame,
        not_set_sessions=total(not_set, "sessions"),
        not_set_orders=total(not_set, "orders"),
    )


def _times(ratio: float) -> str:
    """How many times bigger, in words: ``more than twice``, ``more than 3 times``."""
    return "more than twice" if ratio < 3 else f"more than {int(ratio)} times"


def gap_sentence(
    figures: Mapping[str, DeviceFigures],
    *,
    focus: str = "mobile",
    base: str = "desktop",
    tolerance: float = 0.1,
) -> str | None:
    """The conversion gap between two devices in words, from the numbers: how ``focus`` converts
    against ``base`` (about the same when the rates differ by at most ``tolerance`` of ``base``'s
    rate), then ``focus``'s share of the sessions and of the orders of all devices given.
    ``None`` when a conversion rate is unavailable although there are sessions.

    >>> figures = {"mobile": DeviceFigures(630, 8, 0.013), "desktop": DeviceFigures(370, 12, 0.031)}
    >>> print(gap_sentence(figures))  # doctest: +NORMALIZE_WHITESPACE
    Mobile converts at 1.3%, less than half of desktop's 3.1% (−1.8 pp);
    mobile brings 63% of sessions but 40% of orders.
    """
    a, b = figures.get(focus), figures.get(base)
    missing = [name for name, item in ((focus, a), (base, b)) if item is None or not item.sessions]
    if missing:
        both = " or ".join(missing)
        return f"There are no {both} sessions in the period, so {focus} cannot be compared with {base}."
    assert a is not None
    assert b is not None
    if a.conversion is None or b.conversion is None:
        return None
    rate_a = format_value(a.conversion, "percent")
    rate_b = format_value(b.conversion, "percent")
    gap = (format_delta(a.conversion, b.conversion, "percent") or "").replace("-", "−")
    title = focus.capitalize()
    if b.conversion == 0:
        first = (
            f"Neither {focus} nor {base} converted in the period (0.0%)"
            if a.conversion == 0
            else f"{title} converts at {rate_a}, while {base} did not convert at all (0.0%)"
        )
    else:
        ratio = a.conversion / b.conversion
        if abs(ratio - 1) <= tolerance:
            first = f"{title} converts at about the same rate as {base}: {rate_a} vs {rate_b} ({gap})"
        elif ratio < 1 / 3:
            first = f"{title} converts at {rate_a}, less than a third of {base}'s {rate_b} ({gap})"
        elif ratio < 1 / 2:
            first = f"{title} converts at {rate_a}, less than half of {base}'s {rate_b} ({gap})"
        elif ratio < 1:
            first = f"{title} converts at {rate_a}, {1 - ratio:.0%} lower than {base}'s {rate_b} ({gap})"
        elif ratio < 2:
            first = f"{title} converts at {rate_a}, {ratio - 1:.0%} higher than {base}'s {rate_b} ({gap})"
        else:
            first = f"{title} converts at {rate_a}, {_times(ratio)} {base}'s {rate_b} ({gap})"
    sessions = sum(item.sessions for item in figures.values())
    session_share = a.sessions / sessions
    orders = [item.orders for item in figures.values()]
    if a.orders is None or any(value is None for value in orders) or not sum(v or 0 for v in orders):
        return f"{first}; {focus} brings {session_share:.0%} of sessions."
    order_share = a.orders / sum(v or 0 for v in orders)
    joint = "but" if order_share < session_share else "and"
    return f"{first}; {focus} brings {session_share:.0%} of sessions {joint} {order_share:.0%} of orders."


# --- social platforms ---------------------------------------------------------------------


def platform_name(source: str) -> str:
    """The social platform of a source: lower case, host prefixes (``www.``, ``m.``, ``l.``) and a
    ``.com`` ending dropped, and a few short forms spelled out.

    >>> [platform_name(s) for s in ("Facebook", " m.facebook.com", "IG", "lnkd.in", "www.TikTok.com", "newsletter")]
    ['facebook', 'facebook', 'instagram', 'linkedin', 'tiktok', 'newsletter']
    """
    name = source.strip().lower()
    for prefix in _HOST_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name.removeprefix(prefix)
            break
    if name.endswith(".com") and name.count(".") == 1:
        name = name.removesuffix(".com")
    return PLATFORM_ALIASES.get(name, name)


def _platform_column(frame: nw.DataFrame | None) -> nw.DataFrame | None:
    """The frame with ``source`` replaced by its platform (:func:`platform_name`), computed once per
    distinct source and joined back."""
    if frame is None or "source" not in frame.columns or frame.schema["source"] != nw.String():
        return frame
    sources = [value for value in frame.get_column("source").unique().to_list() if value is not None]
    mapping = nw.from_dict(
        {"source": sources, "_platform": [platform_name(value) for value in sources]},
        schema={"source": nw.String(), "_platform": nw.String()},
        backend=nw.get_native_namespace(frame),
    )
    columns = frame.columns
    return (
        frame.join(mapping, on="source", how="left").with_columns(nw.col("_platform").alias("source")).select(columns)
    )


def with_platforms(tables: Tables) -> Tables:
    """The data set with every table's ``source`` spelled as its platform (``Facebook`` and
    ``m.facebook.com`` both become ``facebook``)."""
    return replace(
        tables,
        orders=_platform_column(tables.orders),
        traffic=_platform_column(tables.traffic),
        spend=_platform_column(tables.spend),
        leads=_platform_column(tables.leads),
        nps=_platform_column(tables.nps),
    )


@dataclass(frozen=True)
class SocialPlatforms:
    """Social KPIs per platform. ``frame`` has ``platform``, ``kind`` (``Paid Social``,
    ``Organic Social`` or :data:`ALL_SOCIAL`, the two together) and the :data:`SOCIAL_KPIS` with
    their notes; platforms by their social sessions, most first. ``channels`` are the social
    channels shown (after the user's channel filter)."""

    frame: nw.DataFrame
    channels: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """True when no social channel has sessions or orders in the period."""
        return not (total(self.frame, "sessions") or total(self.frame, "orders"))

    def kind(self, kind: str) -> nw.DataFrame:
        """The rows of one kind."""
        return self.frame.filter(nw.col("kind") == kind)


def _active(columns: Sequence[str]) -> nw.Expr:
    """True for a row with something in any of the columns (sessions, orders, leads, spend)."""
    expr = nw.lit(value=False)
    for column in columns:
        expr = expr | (nw.col(column).fill_null(0) > 0)
    return expr


def social_platforms(
    tables: Tables,
    period: Period,
    filters: Filters | None = None,
    settings: Settings | None = None,
) -> SocialPlatforms:
    """Sessions, leads, orders, conversion rate, revenue, spend, CPA and ROAS per social platform
    (the ``source`` of the Paid Social and Organic Social rows, spelled by :func:`platform_name`),
    for paid and organic social apart and together (a platform's row per channel, and one
    :data:`ALL_SOCIAL` row when both channels are shown).

    The social channels are those the user's channel filter keeps (:func:`channel_scope`); a source
    filter matches platforms whatever their spelling. Ratios are ratios of sums of the platform's
    rows: conversion = Σ purchase sessions / Σ sessions, CPA = spend / orders, ROAS = net revenue /
    spend. As the contract has it, a platform with orders but no spend (organic) has CPA 0 and ROAS
    unavailable ("no spend in period"); without spend data both are unavailable.
    """
    channels = channel_scope(filters, SOCIAL_CHANNELS)
    schema = {"platform": nw.String(), "kind": nw.String()}
    if not channels:
        empty = nw.from_dict({"platform": [], "kind": []}, schema=schema, backend=tables.backend()).with_columns(
            *(nw.lit(None, nw.Float64()).alias(kpi_id) for kpi_id in SOCIAL_KPIS),
            *(nw.lit(None, nw.String()).alias(f"{kpi_id}{NOTE}") for kpi_id in SOCIAL_KPIS),
        )
        return SocialPlatforms(frame=empty, channels=channels)
    spelled = with_platforms(tables)
    sources = sorted({platform_name(value) for value in (filters or {}).get("source", ())})
    kinds = [(channel, (channel,)) for channel in channels]
    if len(channels) > 1:
        kinds.append((ALL_SOCIAL, channels))
    parts = []
    for kind, kept in kinds:
        extra = {"channel": kept, **({"source": sources} if sources else {})}
        frame = breakdown(spelled, period, _with(filters, **extra), settings, by="source", kpis=SOCIAL_KPIS).frame
        parts.append(frame.with_columns(nw.lit(kind).alias("kind")).rename({GROUP: "platform"}))
    frame = nw.concat(parts).filter(_active(("sessions", "orders", "leads", "spend")))
    rank = frame.group_by("platform").agg(nw.col("sessions").fill_null(0).max().alias("_sessions"))
    kind_order = {kind: rank for rank, (kind, _) in enumerate(kinds)}
    frame = (
        frame.join(rank, on="platform")
        .with_columns(nw.col("kind").replace_strict(kind_order, return_dtype=nw.Int32()).alias("_kind"))
        .sort(["_sessions", "platform", "_kind"], descending=[True, False, False])
        .select("platform", "kind", *(name for kpi_id in SOCIAL_KPIS for name in (kpi_id, f"{kpi_id}{NOTE}")))
    )
    return SocialPlatforms(frame=frame, channels=channels)


# --- organic search over time ---------------------------------------------------------------


@dataclass(frozen=True)
class OrganicTrend:
    """Organic search per week (or month). ``frame``: ``period_start`` (the bucket's first day),
    ``sessions``, ``organic_sessions``, ``organic_search_share`` and ``organic_conversion`` (each
    with its note). ``partial_first`` / ``partial_last``: the first / last bucket is cut by the
    period."""

    frame: nw.DataFrame
    grain: Grain
    partial_first: bool
    partial_last: bool


def _bucket_end(start: date, grain: Grain) -> date:
    if grain == "week":
        return start + timedelta(days=6)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def organic_trend(
    tables: Tables,
    period: Period,
    filters: Filters | None = None,
    settings: Settings | None = None,
    *,
    grain: Grain = "week",
) -> OrganicTrend:
    """Per week (Monday first; or month): organic_search_share = Σ sessions of Organic Search /
    Σ sessions (of the channels the filters keep), and organic_conversion = the conversion rate of
    the Organic Search rows (Σ purchase sessions / Σ sessions, or orders / sessions). Each week is
    its own period; the first and last weeks are cut to the period. When the user's channel filter
    leaves out Organic Search, the organic conversion is unavailable and says so.
    """
    share = breakdown(tables, period, filters, settings, by=grain, kpis=("sessions", "organic_search_share")).frame
    frame = share.rename({GROUP: "period_start"})
    if channel_scope(filters, (ORGANIC_SEARCH,)):
        organic = breakdown(
            tables,
            period,
            _with(filters, channel=(ORGANIC_SEARCH,)),
            settings,
            by=grain,
            kpis=("sessions", "conversion_rate"),
        ).frame
        frame = frame.join(
            organic.select(
                nw.col(GROUP).alias("period_start"),
                *_renamed(organic, "sessions", "organic_sessions"),
                *_renamed(organic, "conversion_rate", "organic_conversion"),
            ),
            on="period_start",
            how="left",
        )
    else:
        reason = "the channel filter leaves out Organic Search"
        frame = frame.with_columns(
            *(nw.lit(None, nw.Float64()).alias(name) for name in ("organic_sessions", "organic_conversion")),
            *(nw.lit(reason).alias(f"{name}{NOTE}") for name in ("organic_sessions", "organic_conversion")),
        )
    starts = frame.get_column("period_start").to_list()
    return OrganicTrend(
        frame=frame.sort("period_start"),
        grain=grain,
        partial_first=bool(starts) and min(starts) < period.start,
        partial_last=bool(starts) and _bucket_end(max(starts), grain) > period.end,
    )


def movement_sentence(
    label: str, starts: Sequence[date], values: Sequence[float | None], *, grain: Grain = "week"
) -> str | None:
    """How a rate moved over the period, in words: first and last value (of the buckets that have
    one), the change in points, and the lowest and highest bucket. ``None`` without any value.

    >>> weeks = [date(2024, 1, 1), date(2024, 1, 8), date(2024, 1, 15)]
    >>> print(movement_sentence("Organic search share", weeks, [0.25, 0.2, 0.3]))  # doctest: +NORMALIZE_WHITESPACE
    Organic search share went from 25.0% (week of 1 Jan 2024) to 30.0% (week of 15 Jan 2024), +5.0 pp;
    lowest 20.0% (week of 8 Jan 2024), highest 30.0% (week of 15 Jan 2024).
    """
    points = [(start, value) for start, value in zip(starts, values, strict=True) if value is not None]
    if not points:
        return None
    unit = "week of " if grain == "week" else ""

    def when(start: date) -> str:
        return f"{unit}{day_label(start)}" if grain == "week" else f"{start:%b %Y}"

    def pct(value: float) -> str:
        return format_value(value, "percent")

    (first_at, first), (last_at, last) = points[0], points[-1]
    if len(points) == 1:
        return f"{label} was {pct(first)} ({when(first_at)}), the only {grain} with a value."
    low_at, low = min(points, key=lambda point: point[1])
    high_at, high = max(points, key=lambda point: point[1])
    delta = (format_delta(last, first, "percent") or "").replace("-", "−")
    if delta[:1] not in "+−":
        moved = f"{label} ended where it started: {pct(first)} ({when(first_at)}) and {pct(last)} ({when(last_at)})"
    else:
        moved = f"{label} went from {pct(first)} ({when(first_at)}) to {pct(last)} ({when(last_at)}), {delta}"
    return f"{moved}; lowest {pct(low)} ({when(low_at)}), highest {pct(high)} ({when(high_at)})."


# --- online vs offline ------------------------------------------------------------------------


@dataclass(frozen=True)
class OnlineOffline:
    """The :data:`KIND_KPIS` of online channels, of ``Offline`` (store, phone, events, print) and
    of rows without a channel (``(not set)``), one row each in that order, column ``kind``. Offline
    without web sessions has sessions and conversion rate unavailable ("offline channels have no
    web sessions"), never 0."""

    frame: nw.DataFrame

    @property
    def has_offline(self) -> bool:
        """True when Offline has orders or spend in the period."""
        offline = self.frame.filter(nw.col("kind") == OFFLINE)
        return bool(total(offline, "orders") or total(offline, "spend"))

    def mix(self) -> nw.DataFrame:
        """One row per (kind, KPI of :data:`MIX_KPIS`): ``segment, kpi, value, share``."""
        return _mix(self.frame, "kind", MIX_KPIS)


def online_offline(
    tables: Tables,
    period: Period,
    filters: Filters | None = None,
    settings: Settings | None = None,
) -> OnlineOffline:
    """Orders, revenue, AOV, new customers, spend, ROAS, CAC, sessions and conversion rate of the
    online channels against Offline (``breakdown(by="channel_kind")``): each a ratio of sums within
    the kind; CAC = that kind's spend / new customers whose first order came from it.

    >>> import polars as pl
    >>> from datetime import datetime
    >>> orders = pl.DataFrame({"order_id": ["1", "2"], "customer_id": ["a", "b"],
    ...     "ordered_at": [datetime(2024, 1, 1, 9)] * 2, "revenue": [10.0, 30.0], "channel": ["Email", "Offline"]})
    >>> day = Period(date(2024, 1, 1), date(2024, 1, 1))
    >>> online_offline(Tables.from_frames(orders=orders), day).frame.select("kind", "revenue").rows()
    [('Online', 10.0), ('Offline', 30.0)]
    """
    frame = breakdown(tables, period, filters, settings, by="channel_kind", kpis=KIND_KPIS).frame
    order = {ONLINE: 0, OFFLINE: 1}
    frame = (
        _without_web_offline(frame, [KPIS[kpi_id] for kpi_id in KIND_KPIS])
        .with_columns(nw.col(GROUP).replace_strict(order, default=len(order), return_dtype=nw.Int32()).alias("_o"))
        .sort("_o")
        .drop("_o")
        .rename({GROUP: "kind"})
    )
    return OnlineOffline(frame=frame)


# --- every KPI per channel --------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelTable:
    """Every KPI per channel, for a table. ``table`` keeps the KPIs available for at least one
    channel, in the registry's group order (traffic, sales, leads, advertising, customers,
    satisfaction), channels by net revenue (most first); ``missing`` lists the KPIs unavailable
    for every channel with the reason."""

    table: Breakdown
    missing: tuple[tuple[str, str], ...]

    def kpi_ids(self, groups: Sequence[str] | None = None) -> list[str]:
        """The table's KPIs of the given registry groups (all by default)."""
        return [kpi.id for kpi in self.table.kpis if groups is None or kpi.group in groups]

    def export(self) -> nw.DataFrame:
        """``channel`` and one column per KPI named by its label (ratios as fractions)."""
        return self.table.frame.select(
            nw.col(GROUP).alias("channel"), *(nw.col(kpi.id).alias(kpi.label) for kpi in self.table.kpis)
        )


def web_kpis(kpis: Sequence[Kpi]) -> list[Kpi]:
    """The KPIs computed from web traffic (any of their measures, or their fallback's, is a
    traffic measure): sessions, conversion rate, bounce rate…

    >>> [kpi.id for kpi in web_kpis([KPIS["sessions"], KPIS["conversion_rate"], KPIS["orders"]])]
    ['sessions', 'conversion_rate']
    """
    found = []
    for kpi in kpis:
        names = calc_measures(kpi.calc) + (calc_measures(kpi.fallback) if kpi.fallback else [])
        if any(name in MEASURES and MEASURES[name].table == "traffic" for name in names):
            found.append(kpi)
    return found


def _without_web_offline(frame: nw.DataFrame, kpis: Sequence[Kpi]) -> nw.DataFrame:
    """Offline without web sessions: its traffic KPIs unavailable ("offline channels have no web
    sessions") rather than 0."""
    if "sessions" not in frame.columns:
        return frame
    no_web = (nw.col(GROUP) == OFFLINE) & (nw.col("sessions").fill_null(0) == 0)
    web = [kpi.id for kpi in web_kpis(kpis)]
    return frame.with_columns(
        *(nw.when(~no_web).then(nw.col(kpi_id)).alias(kpi_id) for kpi_id in web),
        *(
            nw.when(no_web).then(nw.lit(NO_WEB_SESSIONS)).otherwise(nw.col(f"{kpi_id}{NOTE}")).alias(f"{kpi_id}{NOTE}")
            for kpi_id in web
        ),
    )


def channel_table(data: Breakdown) -> ChannelTable:
    """The KPIs of a ``breakdown(by="channel")`` arranged for the every-KPI table (see
    :class:`ChannelTable`). Offline without web sessions has its traffic KPIs (sessions, users,
    conversion rate…) unavailable, not 0."""
    order = [kpi for group in GROUP_LABELS for kpi in kpis_in_group(group) if kpi in data.kpis]
    shown, missing = [], []
    for kpi in order:
        if any(value is not None for value in data.series(kpi.id)):
            shown.append(kpi)
        else:
            missing.append((kpi.id, common_note(data.frame, kpi.id) or "unavailable"))
    frame = _without_web_offline(data.frame, data.kpis)
    frame = frame.select(GROUP, *(name for kpi in shown for name in (kpi.id, f"{kpi.id}{NOTE}")))
    if KPIS["revenue"] in shown:
        frame = frame.sort(["revenue", GROUP], descending=[True, False], nulls_last=True)
    table = Breakdown(by=data.by, period=data.period, frame=frame, kpis=tuple(shown))
    return ChannelTable(table=table, missing=tuple(missing))
