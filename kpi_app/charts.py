"""Charts and tables shared by the analysis pages: one colour per channel, device and platform on
every page, axis and hover formats from the KPI registry, and CSV downloads guarded against
spreadsheet formulas."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from kpi.formats import CURRENCY_SYMBOLS, FORMATS, format_value
from kpi.registry import KPIS
from kpi.safety import csv_bytes

CHANNEL_COLORS: dict[str, str] = {
    "Direct": "#6B7280",
    "Organic Search": "#2E7D32",
    "Paid Search": "#1E88E5",
    "Organic Social": "#F9A825",
    "Paid Social": "#E53935",
    "Email": "#8E24AA",
    "Referral": "#00897B",
    "Display": "#FB8C00",
    "Paid Shopping": "#3949AB",
    "Organic Shopping": "#7CB342",
    "Paid Video": "#D81B60",
    "Organic Video": "#F06292",
    "Affiliates": "#6D4C41",
    "Audio": "#546E7A",
    "SMS": "#00ACC1",
    "Mobile Push Notifications": "#9E9D24",
    "Cross-network": "#5E35B1",
    "Paid Other": "#FF7043",
    "Offline": "#8D6E63",
    "Unassigned": "#BDBDBD",
    "(not set)": "#9E9E9E",
    "Online": "#1E88E5",
}
DEVICE_COLORS: dict[str, str] = {"mobile": "#F4511E", "desktop": "#3949AB", "tablet": "#00897B", "other": "#9E9E9E"}
PLATFORM_COLORS: dict[str, str] = {
    "facebook": "#1877F2",
    "instagram": "#C13584",
    "tiktok": "#111111",
    "linkedin": "#0A66C2",
    "youtube": "#FF0000",
    "pinterest": "#E60023",
    "twitter": "#1DA1F2",
    "x": "#111111",
    "snapchat": "#FFC107",
    "google": "#34A853",
    "bing": "#008373",
}
FALLBACK = (
    "#4E79A7",
    "#F28E2B",
    "#E15759",
    "#76B7B2",
    "#59A14F",
    "#EDC948",
    "#B07AA1",
    "#FF9DA7",
    "#9C755F",
    "#BAB0AC",
)
COMPARE_OPACITY = 0.45


def color_for(value: object, dimension: str = "channel") -> str:
    """The colour of a channel, device or platform, the same on every page; any other label gets
    a colour chosen by its name (stable across reruns and pages)."""
    text = str(value)
    known = {"channel": CHANNEL_COLORS, "device": DEVICE_COLORS, "source": PLATFORM_COLORS}.get(dimension, {})
    found = known.get(text) or known.get(text.lower()) or CHANNEL_COLORS.get(text)
    if found:
        return found
    digest = int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16)
    return FALLBACK[digest % len(FALLBACK)]


def colors(values: Sequence[object], dimension: str = "channel") -> dict[str, str]:
    """A colour map for plotly's ``color_discrete_map``."""
    return {str(value): color_for(value, dimension) for value in values}


def tick_format(kpi_id: str, currency: str | None = None) -> dict[str, str]:
    """Plotly axis settings for a KPI: the d3 tick format from the registry, and the currency
    symbol as prefix (or code as suffix)."""
    fmt = FORMATS[KPIS[kpi_id].format]
    axis = {"tickformat": fmt.d3}
    if fmt.tag == "currency" and currency:
        symbol = CURRENCY_SYMBOLS.get(currency.upper())
        axis.update({"tickprefix": symbol} if symbol else {"ticksuffix": f" {currency.upper()}"})
    return axis


def formatted(values: Sequence[float | None], kpi_id: str, currency: str | None = None) -> list[str]:
    """Values as the cards show them (for hover texts)."""
    return [format_value(value, KPIS[kpi_id].format, currency=currency) for value in values]


def style(fig: go.Figure, *, height: int = 380, legend_title: str | None = None) -> go.Figure:
    """The common look: white template, compact margins, horizontal legend above the plot."""
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 8, "r": 8, "t": 36, "b": 8},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "title": {"text": legend_title or ""}},
        font={"size": 13},
        hoverlabel={"namelength": -1},
    )
    return fig


def show(fig: go.Figure, key: str) -> None:
    """Render a figure at the page's width (plotly's own toolbar offers the PNG download)."""
    st.plotly_chart(fig, width="stretch", key=key, config={"displaylogo": False})


def download(frame: pl.DataFrame, name: str, key: str, label: str = "Download CSV") -> None:
    """A CSV download of a table, text cells guarded against spreadsheet formulas."""
    st.download_button(
        label, csv_bytes(frame), file_name=f"{name}.csv", mime="text/csv", key=key, icon=":material/download:"
    )
