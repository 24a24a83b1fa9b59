"""The Overview's forecast: one KPI per day over the month, quarter or year that the data's last day
belongs to, with the forecast of the days left, its 95% band, and where the KPI will end."""

from __future__ import annotations

from datetime import date, timedelta

import plotly.graph_objects as go
import streamlit as st

from kpi.formats import format_interval, format_value
from kpi.periods import Period, calendar_period
from kpi.projection import Projection, kpi_shape, project
from kpi.registry import KPIS, REGISTRY
from kpi_app import charts, state
from kpi_app.data import DataSet
from kpi_app.markdown import md_escape
from kpi_app.state import View

UNITS = {"month": "This month", "quarter": "This quarter", "year": "This year"}
DEFAULT_KPI = "revenue"


def forecastable() -> list[str]:
    """KPIs that add up over days (totals and ratios of sums) and mean something per day."""
    return [kpi.id for kpi in REGISTRY if kpi.daily_series and kpi_shape(kpi) != "level"]


def projection(dataset: DataSet, view: View, kpi_id: str, period: Period, as_of: date) -> Projection:
    """The KPI's projection over ``period`` with the view's filters and settings (memoised)."""
    key = ("projection", dataset.id, view.filters, view.settings, kpi_id, period, as_of)
    return state.memo(
        key,
        lambda: project(dataset.tables, kpi_id, period, as_of=as_of, filters=view.filter_map, settings=view.settings),
    )


def forecast_section(dataset: DataSet, view: View) -> None:
    """Pick a KPI and a calendar period; see its days so far, the forecast of the days left and
    where it will end."""
    span = dataset.tables.date_range()
    if span is None:
        return
    as_of = span[1]
    ids = forecastable()
    left, right = st.columns([2, 3])
    kpi_id = left.selectbox(
        "KPI to forecast",
        ids,
        index=ids.index(DEFAULT_KPI) if DEFAULT_KPI in ids else 0,
        format_func=lambda k: KPIS[k].label,
        key="forecast_kpi",
    )
    unit = right.segmented_control(
        "Period", list(UNITS), format_func=UNITS.get, default="month", key="forecast_unit", required=True
    )
    period = calendar_period(as_of, unit)
    found = projection(dataset, view, kpi_id, period, as_of)
    currency = dataset.tables.currency
    kpi = KPIS[kpi_id]
    if found.value is None:
        st.info(md_escape(f"{kpi.label}: {found.reason or 'unavailable'}."), icon=":material/info:")
        return
    show = [("So far", found.value, f"{found.days_elapsed} days to {as_of:%d %b}")]
    if found.days_left and found.projected is not None:
        interval = None
        if found.projected_low is not None and found.projected_high is not None:
            bounds = format_interval(found.projected_low, found.projected_high, kpi.format, currency=currency)
            interval = f"95%: {bounds}"
        show.append((f"Projected for {period.label()}", found.projected, interval))
    columns = st.columns(3)
    for column, (label, value, detail) in zip(columns, show, strict=False):
        column.metric(
            label,
            format_value(value, kpi.format, currency=currency),
            delta=detail,
            delta_color="off",
            delta_arrow="off",
        )
    if not found.days_left:
        st.caption(f"{period.label()} is complete in the data: nothing left to forecast.")
    charts.show(forecast_figure(found, currency), key=f"forecast_{kpi_id}_{unit}")
    for note in found.notes:
        st.caption(md_escape(note))


def forecast_figure(found: Projection, currency: str | None) -> go.Figure:
    """The KPI per day so far, the forecast of each day left (dotted) and its 95% band."""
    color = charts.color_for("Paid Search")
    kpi_id = found.kpi_id
    fig = go.Figure()
    fig.add_scatter(
        x=[day for day, _ in found.daily],
        y=[value for _, value in found.daily],
        name="Actual",
        line={"color": color, "width": 2},
        mode="lines+markers",
        marker={"size": 4},
    )
    days = [row[0] for row in found.daily_forecast]
    if days:
        lows, highs = [row[2] for row in found.daily_forecast], [row[3] for row in found.daily_forecast]
        if all(v is not None for v in (*lows, *highs)):
            fig.add_scatter(x=days, y=highs, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip")
            fig.add_scatter(
                x=days,
                y=lows,
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor="rgba(30, 136, 229, 0.18)",
                name="95% band",
                hoverinfo="skip",
            )
        fig.add_scatter(
            x=days, y=[row[1] for row in found.daily_forecast], name="Forecast", line={"color": color, "dash": "dot"}
        )
    axis = charts.tick_format(kpi_id, currency)
    fig.update_traces(yhoverformat=axis["tickformat"], xhoverformat="%a %d %b %Y")
    fig.update_xaxes(range=[found.period.start - timedelta(days=1), found.period.end + timedelta(days=1)])
    fig.update_yaxes(**axis, rangemode="tozero", title=f"{KPIS[kpi_id].label} per day")
    return charts.style(fig, height=340)
