"""Render helpers of the Channels page: one function per section (device conversion, social
platforms, organic search over time, online vs offline, every KPI per channel), the empty states
that say which export or which filter is missing, and a formatted, sortable table with its CSV
download. Numbers come from :mod:`kpi.channel_views`; nothing here computes a KPI."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import narwhals as nw
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from kpi import channel_views as cv
from kpi.engine import NOTE
from kpi.formats import FORMATS, FormatTag, format_value, printf_for
from kpi.intervals import MixShift
from kpi.periods import COMPARISON_LABELS
from kpi.registry import GROUP_LABELS, KPIS
from kpi.tables import Tables
from kpi_app import charts
from kpi_app.state import View
from kpi_app.ui import UNLOCKS, md_escape

NO_TRAFFIC = "Upload a GA4 or Shopify sessions export on the Data page"
NO_DEVICE = "your traffic has no device column (GA4: add the Device category dimension)"
NO_OFFLINE = "There are no offline (store, phone, events) orders or spend in the data for this period."
KIND_LABELS = {"Paid Social": "paid", "Organic Social": "organic", cv.ALL_SOCIAL: "paid + organic"}
ORGANIC_PATTERN = "/"
INFO = ":material/info:"
ROW_HEIGHT = 35
MAX_TABLE_HEIGHT = 36 * ROW_HEIGHT


# --- a formatted table --------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One table column: the frame's column, its heading, its format (``None`` = text) and tooltip."""

    name: str
    label: str
    tag: FormatTag | None = None
    help: str | None = None


def kpi_column(kpi_id: str, *, name: str | None = None, label: str | None = None) -> Column:
    """A column of a KPI, labelled and formatted by the registry (the formula as tooltip)."""
    kpi = KPIS[kpi_id]
    return Column(name or kpi_id, label or kpi.label, kpi.format, kpi.formula)


def _reasons(frame: nw.DataFrame, columns: Sequence[Column]) -> list[str]:
    """Why cells are empty, one entry per reason with the columns it empties: ``reason (A, B)``;
    each column's most common note."""
    by_reason: dict[str, list[str]] = {}
    for column in columns:
        if column.tag is None or f"{column.name}{NOTE}" not in frame.columns:
            continue
        empty = frame.filter(nw.col(column.name).is_null())
        notes = [note for note in empty.get_column(f"{column.name}{NOTE}").to_list() if note]
        if notes:
            by_reason.setdefault(max(set(notes), key=notes.count), []).append(column.label)
    return [f"{', '.join(labels)}: {reason}" for reason, labels in by_reason.items()]


def number_table(frame: nw.DataFrame, columns: Sequence[Column], *, currency: str | None, name: str, key: str) -> None:
    """A sortable table, each number formatted by its format tag; empty cells are unavailable and
    the reasons are listed under it; then a CSV download (raw values, ratios as fractions)."""
    shown = frame.select(
        *(nw.col(c.name) * FORMATS[c.tag].table_scale if c.tag else nw.col(c.name).cast(nw.String()) for c in columns)
    )
    config = {
        c.name: st.column_config.NumberColumn(c.label, format=printf_for(c.tag, currency), help=c.help)
        if c.tag
        else st.column_config.TextColumn(c.label, pinned=index == 0, help=c.help)
        for index, c in enumerate(columns)
    }
    height = min(ROW_HEIGHT * (len(frame) + 1) + 3, MAX_TABLE_HEIGHT)
    st.dataframe(
        shown.to_native(),
        column_config=config,
        hide_index=True,
        width="stretch",
        height=height,
        placeholder="—",
        key=f"{key}_table",
    )
    reasons = _reasons(frame, columns)
    if reasons:
        st.caption("Empty cells: " + "; ".join(md_escape(reason) for reason in reasons) + ".")
    export = frame.select(*(nw.col(c.name).alias(c.label) for c in columns))
    charts.download(export.to_native(), name, key=f"{key}_csv")


# --- charts -------------------------------------------------------------------------------


def _texts(values: Sequence[float | None], kpi_id: str, currency: str | None) -> list[str]:
    return charts.formatted(values, kpi_id, currency)


def mix_chart(mix: nw.DataFrame, *, dimension: str, currency: str | None, title: str) -> go.Figure:
    """Horizontal 100 % bars: each KPI's split over the segments (devices, online/offline)."""
    fig = go.Figure()
    kpi_ids = list(dict.fromkeys(mix.get_column("kpi").to_list()))
    labels = [KPIS[kpi_id].label for kpi_id in kpi_ids]
    for segment in dict.fromkeys(mix.get_column("segment").to_list()):
        rows = mix.filter(nw.col("segment") == segment)
        values = dict(zip(rows.get_column("kpi").to_list(), rows.get_column("value").to_list(), strict=True))
        shares = dict(zip(rows.get_column("kpi").to_list(), rows.get_column("share").to_list(), strict=True))
        texts = [
            f"{format_value(values[k], KPIS[k].format, currency=currency)} ({format_value(shares[k], 'percent')})"
            for k in kpi_ids
        ]
        fig.add_trace(
            go.Bar(
                y=labels,
                x=[shares[k] for k in kpi_ids],
                orientation="h",
                name=str(segment),
                marker_color=charts.color_for(segment, dimension),
                customdata=texts,
                text=[f"{s:.0%}" if s and s >= 0.1 else "" for s in (shares[k] for k in kpi_ids)],
                textposition="inside",
                textangle=0,
                insidetextanchor="middle",
                hovertemplate=f"{segment}<br>%{{y}}: %{{customdata}}<extra></extra>",
            )
        )
    charts.style(fig, height=110 + 46 * len(labels))
    fig.update_layout(
        barmode="stack",
        xaxis={"tickformat": ".0%", "range": [0, 1], "tickvals": [0, 0.25, 0.5, 0.75, 1]},
        yaxis={"autorange": "reversed"},
        title={"text": title, "font": {"size": 14}, "y": 0.98, "yanchor": "top"},
        margin={"t": 70, "r": 28},
        legend={"y": 1.0, "traceorder": "normal"},
    )
    return fig


def _bars(
    x: Sequence[str],
    y: Sequence[float | None],
    *,
    kpi_id: str,
    colors: Sequence[str],
    currency: str | None,
    name: str,
    **extra: object,
) -> go.Bar:
    texts = _texts(y, kpi_id, currency)
    return go.Bar(
        x=list(x),
        y=list(y),
        name=name,
        marker_color=list(colors),
        customdata=texts,
        hovertemplate=f"%{{x}} · {name}: %{{customdata}}<extra></extra>",
        **extra,
    )


def _bar_layout(fig: go.Figure, *, kpi_id: str, currency: str | None, title: str, height: int = 340) -> go.Figure:
    charts.style(fig, height=height)
    fig.update_layout(
        barmode="group",
        showlegend=False,
        yaxis=charts.tick_format(kpi_id, currency),
        title={"text": title, "font": {"size": 14}},
        margin={"t": 48},
    )
    return fig


# --- empty states -------------------------------------------------------------------------


def device_blocker(tables: Tables, view: View) -> str | None:
    """Why conversion by device cannot be shown: no traffic, traffic without devices, or a device
    filter that keeps one device."""
    if tables.traffic is None:
        return f"Conversion by device needs web sessions. {NO_TRAFFIC}."
    if "device" not in tables.traffic.columns:
        return f"Conversion by device is not available: {NO_DEVICE}."
    devices = view.filter_map.get("device", ())
    if len(devices) == 1:
        return (
            f"Your device filter keeps only {devices[0]}: there is nothing to compare it with. "
            "Clear the device filter in the sidebar to compare devices."
        )
    return None


def organic_blocker(tables: Tables, view: View) -> str | None:
    """Why organic search over time cannot be shown: no traffic, or a channel filter without
    Organic Search."""
    if tables.traffic is None:
        return f"Organic search over time needs web sessions. {NO_TRAFFIC}."
    if not cv.channel_scope(view.filter_map, (cv.ORGANIC_SEARCH,)):
        return "Your channel filter leaves out Organic Search: add it, or clear the filter, to see organic search."
    return None


def social_blocker(tables: Tables, view: View) -> str | None:
    """No sessions and no orders to count, or a channel filter that leaves out both social channels."""
    if tables.traffic is None and tables.orders is None:
        return f"Social platforms need web sessions or orders. {NO_TRAFFIC}."
    if not cv.channel_scope(view.filter_map, cv.SOCIAL_CHANNELS):
        return (
            "Your channel filter leaves out Paid Social and Organic Social: add one of them, or clear the "
            "filter, to see the social platforms."
        )
    return None


def kind_blocker(view: View) -> str | None:
    """A channel filter that keeps only online channels, or only Offline."""
    chosen = view.filter_map.get("channel", ())
    if not chosen:
        return None
    if cv.OFFLINE not in chosen:
        return "Your channel filter keeps only online channels: clear it to compare them with Offline."
    if set(chosen) == {cv.OFFLINE}:
        return "Your channel filter keeps only Offline: clear it to compare it with the online channels."
    return None


# --- sections -----------------------------------------------------------------------------


def devices(data: cv.DeviceConversion, *, view: View, currency: str | None) -> None:
    """The gap sentence, conversion per device (now and in the comparison period), the split of
    sessions and orders, and the table."""
    frame = data.frame
    if len(frame) == 0 or not cv.total(frame, "sessions"):
        note = data.note("sessions")
        st.info(
            md_escape(f"No sessions with a device in this period{f' ({note})' if note else ''}."),
            icon=INFO,
        )
        return
    sentence = cv.gap_sentence(data.figures())
    if sentence is None:
        st.info(md_escape(f"Conversion by device is unavailable: {data.note() or 'unavailable'}."), icon=INFO)
    else:
        st.markdown(f"**{md_escape(sentence)}**")
    names = frame.get_column("device").to_list()
    colors = [charts.color_for(name, "device") for name in names]
    compare = frame.get_column("compare_conversion_rate").to_list()
    has_compare = view.compare_period is not None and any(value is not None for value in compare)
    left, right = st.columns(2)
    with left:
        fig = go.Figure()
        title = "Conversion rate by device"
        if has_compare and view.compare_period is not None:
            label = view.compare_period.label()
            fig.add_trace(
                _bars(names, compare, kpi_id="conversion_rate", colors=colors, currency=currency, name=label).update(
                    opacity=charts.COMPARE_OPACITY
                )
            )
            title += f" · faded: {label}"
        now = frame.get_column("conversion_rate").to_list()
        fig.add_trace(
            _bars(
                names,
                now,
                kpi_id="conversion_rate",
                colors=colors,
                currency=currency,
                name=view.period.label(),
                text=_texts(now, "conversion_rate", currency),
                textposition="outside",
            )
        )
        charts.show(_bar_layout(fig, kpi_id="conversion_rate", currency=currency, title=title), key="channels_device")
    with right:
        fig = mix_chart(data.mix(), dimension="device", currency=currency, title="Share of sessions and of orders")
        charts.show(fig, key="channels_device_mix")
    columns = [
        Column("device", "Device"),
        kpi_column("sessions"),
        Column("session_share", "Share of sessions", "percent", "sessions / Σ sessions of the devices shown"),
        kpi_column("orders"),
        Column("order_share", "Share of orders", "percent", "orders / Σ orders of the devices shown"),
        kpi_column("conversion_rate"),
    ]
    if has_compare and view.compare_period is not None:
        columns.append(
            Column(
                "compare_conversion_rate",
                f"Conversion rate ({COMPARISON_LABELS[view.comparison].lower()})",
                "percent",
                f"{KPIS['conversion_rate'].formula}, over {view.compare_period.label()}",
            )
        )
    columns += [kpi_column("revenue"), kpi_column("aov")]
    number_table(frame, columns, currency=currency, name="conversion_by_device", key="channels_device")
    notes = [f"Conversion rate = {KPIS['conversion_rate'].formula}, per device."]
    fallback = data.note()
    if fallback and all(value is not None for value in frame.get_column("conversion_rate").to_list()):
        notes.append(f"Here: {fallback}.")
    if data.not_set_orders:
        count = format_value(data.not_set_orders, "count")
        notes.append(f"{count} orders have no device (offline, phone) and are left out of the shares.")
    if data.not_set_sessions:
        count = format_value(data.not_set_sessions, "count")
        notes.append(f"{count} sessions have no device and are left out.")
    st.caption(md_escape(" ".join(notes)))


def social(data: cv.SocialPlatforms, *, currency: str | None) -> None:
    """Conversion and ROAS per platform (paid solid, organic hatched) and the table of every
    platform's social KPIs."""
    if data.empty:
        st.info(
            "No social channel (Paid Social, Organic Social) has sessions or orders in the data for this "
            "period and filters.",
            icon=INFO,
        )
        return
    if len(data.channels) == 1:
        st.caption(md_escape(f"Only {data.channels[0]}: your channel filter leaves out the other social channel."))
    left, right = st.columns(2)
    with left:
        fig = go.Figure()
        for kind in data.channels:
            rows = data.kind(kind)
            names = rows.get_column("platform").to_list()
            fig.add_trace(
                _bars(
                    names,
                    rows.get_column("conversion_rate").to_list(),
                    kpi_id="conversion_rate",
                    colors=[charts.color_for(name, "source") for name in names],
                    currency=currency,
                    name=kind,
                    marker_pattern_shape=ORGANIC_PATTERN if kind == "Organic Social" else "",
                )
            )
        title = "Conversion rate per platform"
        if len(data.channels) > 1:
            title += " · solid: paid, hatched: organic"
        charts.show(_bar_layout(fig, kpi_id="conversion_rate", currency=currency, title=title), key="channels_social")
    with right:
        _roas_chart(data, currency=currency)
    columns = [
        Column("platform", "Platform"),
        Column("kind", "Paid / organic"),
        *(kpi_column(kpi_id) for kpi_id in cv.SOCIAL_KPIS),
    ]
    number_table(data.frame, columns, currency=currency, name="social_platforms", key="channels_social")
    st.caption(
        "Platform = the source of the Paid Social and Organic Social rows, in lower case (Facebook and "
        "m.facebook.com are both facebook). Conversion rate = Σ purchase sessions / Σ sessions; CPA = spend / "
        "orders; ROAS = net revenue / spend, each within the platform's rows. Organic rows have no ad spend: "
        "their CPA is 0 and their ROAS unavailable."
    )


def _roas_chart(data: cv.SocialPlatforms, *, currency: str | None) -> None:
    paid = data.kind("Paid Social") if "Paid Social" in data.channels else data.kind(data.channels[0])
    values = paid.get_column("roas").to_list()
    if not any(value is not None for value in values):
        note = cv.common_note(paid, "roas") if len(paid) else None
        hint = f" {UNLOCKS['advertising']}." if note == "no spend data" else ""
        st.info(md_escape(f"ROAS per platform is unavailable: {note or 'no paid social spend'}.{hint}"), icon=INFO)
        return
    names = paid.get_column("platform").to_list()
    fig = go.Figure(
        _bars(
            names,
            values,
            kpi_id="roas",
            colors=[charts.color_for(name, "source") for name in names],
            currency=currency,
            name="Paid Social",
            text=_texts(values, "roas", currency),
            textposition="outside",
        )
    )
    fig.add_hline(y=1, line_dash="dot", line_color="#757575", annotation_text="revenue = spend")
    charts.show(
        _bar_layout(fig, kpi_id="roas", currency=currency, title="Return on ad spend per platform (paid social)"),
        key="channels_social_roas",
    )


def _line(trend: cv.OrganicTrend, column: str, *, kpi_id: str, title: str) -> go.Figure:
    frame = trend.frame
    values = frame.get_column(column).to_list()
    fig = go.Figure(
        go.Scatter(
            x=frame.get_column("period_start").to_list(),
            y=values,
            mode="lines+markers",
            line_color=charts.color_for(cv.ORGANIC_SEARCH),
            customdata=_texts(values, kpi_id, None),
            hovertemplate=f"{trend.grain} of %{{x|%d %b %Y}}: %{{customdata}}<extra></extra>",
            connectgaps=False,
        )
    )
    charts.style(fig, height=300)
    fig.update_layout(
        showlegend=False,
        yaxis={**charts.tick_format(kpi_id), "rangemode": "tozero"},
        title={"text": title, "font": {"size": 14}},
        margin={"t": 48},
    )
    return fig


def organic(trend: cv.OrganicTrend, *, view: View) -> None:
    """Organic search share and organic conversion per week, as lines, with how they moved."""
    frame = trend.frame
    starts = frame.get_column("period_start").to_list()
    only_organic = view.filter_map.get("channel", ()) == (cv.ORGANIC_SEARCH,)
    series = [("organic_conversion", "Organic conversion rate")]
    if not only_organic:
        series.insert(0, ("organic_search_share", "Organic search share"))
    sentences = [cv.movement_sentence(label, starts, frame.get_column(name).to_list()) for name, label in series]
    if not any(sentences):
        note = cv.common_note(frame, "organic_search_share") or cv.common_note(frame, "organic_conversion")
        st.info(md_escape(f"Organic search is unavailable for this period: {note or 'no sessions'}."), icon=INFO)
        return
    for sentence in sentences:
        if sentence:
            st.markdown(md_escape(sentence))
    if only_organic:
        st.caption("Your channel filter keeps only Organic Search, so its share of sessions is 100% by construction.")
    columns = st.columns(len(series))
    for column, (name, label) in zip(columns, series, strict=True):
        with column:
            kpi_id = "organic_search_share" if name == "organic_search_share" else "conversion_rate"
            charts.show(_line(trend, name, kpi_id=kpi_id, title=f"{label} per {trend.grain}"), key=f"channels_{name}")
    notes = [
        f"Organic search share = {KPIS['organic_search_share'].formula}. Organic conversion rate = "
        f"{KPIS['conversion_rate'].formula}, over the Organic Search rows. Each {trend.grain} (Monday first) is "
        "its own period."
    ]
    cut = [word for word, flag in (("first", trend.partial_first), ("last", trend.partial_last)) if flag]
    if cut:
        notes.append(f"The {' and '.join(cut)} {trend.grain} {'is' if len(cut) == 1 else 'are'} cut by the period.")
    st.caption(" ".join(notes))
    with st.expander(f"Organic search per {trend.grain} (table)", icon=":material/table:"):
        number_table(
            frame,
            [
                Column("period_start", trend.grain.capitalize()),
                kpi_column("sessions"),
                kpi_column("sessions", name="organic_sessions", label="Organic search sessions"),
                kpi_column("organic_search_share"),
                kpi_column("conversion_rate", name="organic_conversion", label="Organic conversion rate"),
            ],
            currency=None,
            name=f"organic_search_per_{trend.grain}",
            key="channels_organic",
        )


def online_offline(data: cv.OnlineOffline, *, currency: str | None) -> None:
    """Online and Offline side by side (a table of every KPI) and the split of orders, revenue, new
    customers and spend."""
    frame = data.frame
    if not data.has_offline:
        st.info(NO_OFFLINE, icon=INFO)
        return
    kinds = frame.get_column("kind").to_list()
    left, right = st.columns([3, 2])
    with left:
        rows = []
        for kpi_id in cv.KIND_KPIS:
            kpi = KPIS[kpi_id]
            values = frame.get_column(kpi_id).to_list()
            notes = frame.get_column(f"{kpi_id}{NOTE}").to_list()
            row = {"KPI": kpi.label}
            for kind, value, note in zip(kinds, values, notes, strict=True):
                row[str(kind)] = (
                    format_value(value, kpi.format, currency=currency) if value is not None else f"— {note or ''}"
                )
            rows.append(row)
        st.table(rows, hide_index=True, border="horizontal")
    with right:
        fig = mix_chart(data.mix(), dimension="channel", currency=currency, title="Online vs offline share")
        charts.show(fig, key="channels_kind_mix")
    st.caption(
        "Offline = traditional channels (store, markets, phone, field sales, events, print, TV, radio); online = "
        "every other channel; (not set) = rows without a channel. ROAS = net revenue / spend and CAC = spend / new "
        "customers, within each side (a customer belongs to the side of their first order). Sessions and conversion "
        "exist only where there are web sessions."
    )
    columns = [Column("kind", "Channels"), *(kpi_column(kpi_id) for kpi_id in cv.KIND_KPIS)]
    export = frame.select(*(nw.col(c.name).alias(c.label) for c in columns))
    charts.download(export.to_native(), "online_vs_offline", key="channels_kind_csv")


def every_kpi(data: cv.ChannelTable, *, currency: str | None) -> None:
    """Every KPI per channel as one sortable table, the KPI groups to show chosen above it."""
    groups = [group for group in GROUP_LABELS if data.kpi_ids([group])]
    chosen = st.pills(
        "KPI groups",
        groups,
        selection_mode="multi",
        default=groups,
        format_func=GROUP_LABELS.get,
        key="channels_groups",
    )
    kpi_ids = data.kpi_ids(chosen or groups)
    columns = [Column("group", "Channel"), *(kpi_column(kpi_id) for kpi_id in kpi_ids)]
    number_table(data.table.frame, columns, currency=currency, name="kpis_per_channel", key="channels_all")
    if data.missing:
        by_reason: dict[str, list[str]] = {}
        for kpi_id, reason in data.missing:
            by_reason.setdefault(reason, []).append(KPIS[kpi_id].label)
        listed = "; ".join(f"{reason}: {', '.join(labels)}" for reason, labels in by_reason.items())
        st.caption(md_escape(f"Not available for any channel ({listed})."))
    st.caption(
        "Each ratio is Σ numerator / Σ denominator within the channel; new customers, CAC and LTV count each "
        "customer in the channel of their first order. Click a column heading to sort; hover it for the formula."
    )


MIX_BY = {"device": "Device", "channel": "Channel"}


def _pp(value: float) -> str:
    """A change of a rate in percentage points: ``+0.08 pp``."""
    return f"{value * 100:+.2f} pp"


def mix_sentence(shift: MixShift, by: str) -> str:
    """``Conversion rate 1.81% → 1.90% (+0.08 pp): -0.01 pp from the device mix, +0.09 pp from the
    rates within each device.``"""
    word = MIX_BY[by].lower()
    before, now = f"{shift.compare_rate:.2%}", f"{shift.rate:.2%}"
    return (
        f"Conversion rate {before} → {now} ({_pp(shift.change)}): {_pp(shift.mix_effect)} from the {word} mix "
        f"(each {word}'s share of sessions) and {_pp(shift.rate_effect)} from the conversion rate within each {word}."
    )


def mix_waterfall(shift: MixShift, *, by: str, compare_label: str, label: str) -> go.Figure:
    """The comparison's rate, the mix effect, the rate effect, and the period's rate."""
    word = MIX_BY[by].lower()
    fig = go.Figure(
        go.Waterfall(
            x=["Before", f"{MIX_BY[by]} mix", f"Rates within each {word}", "Now"],
            hovertext=[compare_label, "", "", label],
            measure=["absolute", "relative", "relative", "total"],
            y=[shift.compare_rate, shift.mix_effect, shift.rate_effect, shift.rate],
            text=[f"{shift.compare_rate:.2%}", _pp(shift.mix_effect), _pp(shift.rate_effect), f"{shift.rate:.2%}"],
            textposition="outside",
            increasing={"marker": {"color": "#2E7D32"}},
            decreasing={"marker": {"color": "#E53935"}},
            totals={"marker": {"color": "#3949AB"}},
            connector={"line": {"color": "#9E9E9E", "dash": "dot"}},
        )
    )
    low = min(shift.compare_rate, shift.rate, shift.compare_rate + shift.mix_effect)
    high = max(shift.compare_rate, shift.rate, shift.compare_rate + shift.mix_effect)
    margin = max(high - low, 0.001)
    fig.update_yaxes(tickformat=".2%", range=[max(low - 1.5 * margin, 0), high + 1.5 * margin])
    fig.update_layout(showlegend=False)
    return charts.style(fig, height=340)


def mix_shift_section(shift: MixShift | None, *, by: str, view: View) -> None:
    """Why the conversion rate changed: the sentence, the waterfall and the table per group."""
    if shift is None or view.compare_period is None:
        st.info(
            "The split needs the conversion rate in both periods, computed the same way (sessions with a "
            "purchase / sessions, or orders / sessions in both).",
            icon=INFO,
        )
        return
    st.markdown(f"**{md_escape(mix_sentence(shift, by))}**")
    left, right = st.columns([3, 2], vertical_alignment="center")
    with left:
        figure = mix_waterfall(shift, by=by, compare_label=view.compare_period.label(), label=view.period.label())
        charts.show(figure, key=f"channels_mix_shift_{by}")
    right.caption(
        f"Before: {md_escape(view.compare_period.label())}. Now: {md_escape(view.period.label())}. The mix effect is "
        f"what the change of each {MIX_BY[by].lower()}'s share of sessions alone would have moved the rate; the rate "
        "effect is what the change of the rates within each would have. Read the table for which group moved."
    )
    frame = pl.DataFrame(
        {
            "group": [g.group for g in shift.groups],
            "compare_share": [g.compare_share for g in shift.groups],
            "share": [g.share for g in shift.groups],
            "compare_rate": [g.compare_rate for g in shift.groups],
            "rate": [g.rate for g in shift.groups],
            "mix_effect": [100 * g.mix_effect for g in shift.groups],
            "rate_effect": [100 * g.rate_effect for g in shift.groups],
        },
        schema={
            "group": pl.String,
            **dict.fromkeys(
                ("compare_share", "share", "compare_rate", "rate", "mix_effect", "rate_effect"), pl.Float64
            ),
        },
    )
    points = "in percentage points of the whole conversion rate"
    columns = [
        Column("group", MIX_BY[by]),
        Column("compare_share", "Share of sessions before", "percent", "sessions / Σ sessions, comparison"),
        Column("share", "Share of sessions now", "percent", "sessions / Σ sessions"),
        Column("compare_rate", "Conversion before", "percent", "conversions / sessions, comparison"),
        Column("rate", "Conversion now", "percent", "conversions / sessions"),
        Column(
            "mix_effect",
            "Mix effect (pp)",
            "decimal",
            f"(share now − share before) × mean of the two rates, {points}",
        ),
        Column(
            "rate_effect",
            "Rate effect (pp)",
            "decimal",
            f"(rate now − rate before) × mean of the two shares, {points}",
        ),
    ]
    number_table(nw.from_native(frame), columns, currency=None, name=f"conversion_mix_shift_by_{by}", key=f"mix_{by}")
    st.caption(
        "Exact split: for each group, share × rate now − share × rate before = (Δ share × mean rate) + (Δ rate × "
        "mean share); the effects add up to the change. A group with no sessions in one period counts wholly as mix."
    )
