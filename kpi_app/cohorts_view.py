"""Render helpers of the LTV vs CAC and Retention pages: the CAC-vs-LTV scatter, the cumulative
value curves with CAC lines and payback marks, the cohort heatmap and the histogram of days
between orders, with their tables and CSV downloads. Figures are built from the results of
:mod:`kpi.ltv_cac` and :mod:`kpi.cohorts`; numbers are formatted with the registry's formats."""

from __future__ import annotations

from datetime import date
from typing import Any

import narwhals as nw
import plotly.graph_objects as go
import polars as pl
import streamlit as st
from plotly.colors import sample_colorscale

from kpi.benchmarks import Benchmark
from kpi.cohorts import FEWEST_COHORTS, CohortTable, LtvCurves, OrderGaps
from kpi.formats import FORMATS, format_value, printf_for
from kpi.ltv_cac import ChannelEconomics
from kpi.periods import Period
from kpi.registry import KPIS
from kpi_app import charts
from kpi_app.ui import md_escape

CHART_HEIGHT = 420
FEW_CUSTOMERS = 30
"""Below this many customers observable that long, a curve's point is drawn dotted and hollow."""
REFERENCE_LINES = ((1.0, "LTV = CAC"), (3.0, "LTV = 3 × CAC"))
ECONOMICS_COLUMNS = ("new_customers", "spend", "cac", "ltv", "ltv_cac_ratio", "cac_payback_months")


def money(value: float | None, currency: str | None) -> str:
    """Money as the cards write it (``€18.17``)."""
    return format_value(value, "currency", currency=currency)


def cohort_label(month: date) -> str:
    """``Oct 2026`` for a cohort's first day."""
    return f"{month:%b %Y}"


def line_label(group: object, by: str) -> str:
    """The name of a curve: a cohort's month or a channel."""
    return cohort_label(group) if by == "cohort" and isinstance(group, date) else str(group)


def plain(text: object) -> str:
    """Data text shown in a plotly label, legend or hover: plotly renders a subset of HTML
    (``<a href>``, ``<b>``…) there, so ``&``, ``<`` and ``>`` are written as entities.

    >>> plain("<a href='x'>A&B</a>")
    "&lt;a href='x'&gt;A&amp;B&lt;/a&gt;"
    """
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def months_text(months: float | None) -> str:
    """``1 month``, ``3 months``."""
    return format_value(months, "months")


# --- LTV vs CAC by channel ---------------------------------------------------------------------


def scatter_figure(
    economics: ChannelEconomics, *, currency: str | None, ltv_months: int, band: Benchmark | None = None
) -> go.Figure:
    """CAC (x) against LTV (y), one labelled point per channel sized by its new customers, with the
    lines LTV = CAC and LTV = 3 × CAC. Only the channels :meth:`ChannelEconomics.plotted` places.
    With ``band`` (the LTV : CAC benchmark), the region at or above its ratio is shaded and labelled
    with its source: context, not a verdict."""
    points = economics.plotted().to_native()
    fig = go.Figure()
    biggest = max(points.get_column("new_customers").max() or 1.0, 1.0)
    x_top = max(points.get_column("cac").max() or 1.0, 1.0) * 1.25
    y_top = max(points.get_column("ltv").max() or 1.0, 1.0) * 1.25
    palette = charts.colors(points.get_column("channel").to_list())
    if band is not None and band.low is not None:
        corner = min(x_top, y_top / band.low)  # where the line LTV = ratio × CAC leaves the plot
        outline = [
            (0.0, 0.0),
            (corner, band.low * corner),
            *([(x_top, y_top)] if corner == x_top else []),
            (0.0, y_top),
        ]
        fig.add_trace(
            go.Scatter(
                x=[x for x, _ in outline],
                y=[y for _, y in outline],
                mode="lines",
                fill="toself",
                fillcolor="rgba(46, 125, 50, 0.07)",
                line={"width": 0},
                hoverinfo="text",
                hovertext=f"Benchmark, {band.label} ({band.source})",
                name=f"Benchmark: {band.label}",
                showlegend=True,
            )
        )
    for slope, text in REFERENCE_LINES:
        end = min(x_top, y_top / slope)
        fig.add_trace(
            go.Scatter(
                x=[0, x_top],
                y=[0, slope * x_top],
                mode="lines",
                line={"color": "#9E9E9E", "dash": "dash" if slope == 1 else "dot", "width": 1.5},
                hoverinfo="skip",
                showlegend=False,
            )
        )
        fig.add_annotation(
            x=end,
            y=slope * end,
            text=text,
            showarrow=False,
            xanchor="right",
            yanchor="bottom",
            font={"color": "#616161"},
        )
    for row in points.iter_rows(named=True):
        details = [
            plain(row["channel"]),
            money(row["cac"], currency),
            money(row["ltv"], currency),
            format_value(row["ltv_cac_ratio"], "multiple"),
            format_value(row["new_customers"], "count"),
            months_text(row["cac_payback_months"]),
        ]
        fig.add_trace(
            go.Scatter(
                x=[row["cac"]],
                y=[row["ltv"]],
                mode="markers+text",
                text=[plain(row["channel"])],
                textposition="top center",
                marker={
                    "size": [row["new_customers"]],
                    "sizemode": "area",
                    "sizeref": 2.0 * biggest / 48**2,
                    "sizemin": 6,
                    "color": palette[row["channel"]],
                    "opacity": 0.8,
                    "line": {"color": "white", "width": 1},
                },
                name=plain(row["channel"]),
                customdata=[details],
                hovertemplate="<b>%{customdata[0]}</b><br>CAC %{customdata[1]}<br>LTV %{customdata[2]}"
                "<br>LTV : CAC %{customdata[3]}<br>New customers %{customdata[4]}<br>CAC payback %{customdata[5]}"
                "<extra></extra>",
                showlegend=False,
            )
        )
    fig.update_xaxes(
        title="CAC per new customer",
        range=[0, x_top],
        **charts.tick_format("cac", currency),
    )
    fig.update_yaxes(
        title=f"LTV per new customer, {ltv_months} months",
        range=[0, y_top],
        **charts.tick_format("ltv", currency),
    )
    return charts.style(fig, height=CHART_HEIGHT)


def left_out_list(economics: ChannelEconomics, *, currency: str | None) -> None:
    """Beside the scatter: the channels it does not place, grouped by the reason, each with its
    new customers and LTV."""
    rows = economics.left_out().to_native()
    if rows.height == 0:
        return
    st.markdown("**Not on the chart**")
    for (reason,), group in rows.group_by("reason", maintain_order=True):
        names = [
            f"**{md_escape(row['channel'])}** ({format_value(row['new_customers'], 'count')} new"
            + (f", LTV {md_escape(money(row['ltv'], currency))})" if row["ltv"] is not None else ")")
            for row in group.iter_rows(named=True)
        ]
        st.markdown(f"{md_escape(str(reason))}:  \n" + "; ".join(names))


def show_ltv_bars(economics: ChannelEconomics, *, currency: str | None, ltv_months: int) -> None:
    """LTV per channel as bars (when no channel has a CAC to plot against); nothing without LTV."""
    rows = economics.frame.filter(~nw.col("ltv").is_null()).sort("ltv", descending=True).to_native()
    if rows.height:
        charts.show(_ltv_bars(rows, currency=currency, ltv_months=ltv_months), key="ltv_bars")


def _ltv_bars(rows: pl.DataFrame, *, currency: str | None, ltv_months: int) -> go.Figure:
    names = [plain(name) for name in rows.get_column("channel").to_list()]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=rows.get_column("ltv").to_list(),
            marker_color=[charts.color_for(name) for name in rows.get_column("channel").to_list()],
            text=charts.formatted(rows.get_column("ltv").to_list(), "ltv", currency),
            textposition="outside",
            customdata=list(
                zip(
                    charts.formatted(rows.get_column("ltv").to_list(), "ltv", currency),
                    charts.formatted(rows.get_column("new_customers").to_list(), "new_customers"),
                    strict=True,
                )
            ),
            hovertemplate="<b>%{x}</b><br>LTV %{customdata[0]}<br>New customers %{customdata[1]}<extra></extra>",
        )
    )
    fig.update_yaxes(title=f"LTV per new customer, {ltv_months} months", **charts.tick_format("ltv", currency))
    return charts.style(fig, height=360)


SHORT_LABELS = {"spend": "Ad spend", "cac": "CAC", "ltv": "LTV", "cac_payback_months": "CAC payback (months)"}


def _column_label(kpi_id: str) -> str:
    """A KPI's short column title; months are named in the title (printf cannot make ``1 month``
    singular)."""
    return SHORT_LABELS.get(kpi_id, KPIS[kpi_id].label)


def _column_format(kpi_id: str, currency: str | None) -> str:
    return "%d" if KPIS[kpi_id].format == "months" else printf_for(KPIS[kpi_id].format, currency)


def economics_table(economics: ChannelEconomics, *, currency: str | None) -> None:
    """The channels' acquisition economics as a formatted table, with a CSV download."""
    frame = economics.frame.to_native()
    notes = pl.concat_str(
        [pl.col(f"{kpi_id}__note") for kpi_id in ("ltv", "cac_payback_months")], separator="; ", ignore_nulls=True
    )
    shown = frame.select(
        "channel",
        *(pl.col(kpi_id) * FORMATS[KPIS[kpi_id].format].table_scale for kpi_id in ECONOMICS_COLUMNS),
        pl.col("reason").fill_null(""),
        pl.when(notes != "").then(notes).otherwise(pl.lit("")).alias("notes"),
    )
    config: dict[str, Any] = {
        "channel": st.column_config.TextColumn("Channel", pinned=True, width="medium"),
        **{
            kpi_id: st.column_config.NumberColumn(
                _column_label(kpi_id), format=_column_format(kpi_id, currency), help=KPIS[kpi_id].formula
            )
            for kpi_id in ECONOMICS_COLUMNS
        },
        "reason": st.column_config.TextColumn("Not on the chart because"),
        "notes": st.column_config.TextColumn("Notes"),
    }
    st.dataframe(shown, column_config=config, hide_index=True, width="stretch", placeholder="—")
    charts.download(frame, "ltv_cac_by_channel", key="ltv_economics_csv")


# --- cumulative value curves -------------------------------------------------------------------


def _line_colors(groups: list[Any], by: str) -> dict[Any, str]:
    if by == "channel":
        return {group: charts.color_for(group) for group in groups}
    if len(groups) == 1:
        return {groups[0]: "#1E88E5"}
    shades = sample_colorscale("Viridis", [0.9 * i / (len(groups) - 1) for i in range(len(groups))])
    return dict(zip(groups, shades, strict=True))


def _add_curve(fig: go.Figure, line: pl.DataFrame, *, name: str, color: str, currency: str | None) -> None:
    """One curve: solid while at least :data:`FEW_CUSTOMERS` customers are observable that long,
    dotted with hollow markers after (the mean of a few customers is noisy)."""
    size = line.get_column("size")[0]
    observed = line.get_column("customers").to_list()
    values = charts.formatted(line.get_column("value").to_list(), "ltv", currency)
    custom = [
        [name, value, format_value(n, "count"), format_value(size, "count")]
        for value, n in zip(values, observed, strict=True)
    ]
    thin = next((index for index, n in enumerate(observed) if n < FEW_CUSTOMERS), len(observed))
    parts = [(0, thin, "solid", "circle")] if thin > 0 else []
    if thin < len(observed):  # the dotted tail starts at the last solid point, so the line stays joined
        parts.append((max(thin - 1, 0), len(observed), "dot", "circle-open"))
    for index, (start, stop, dash, symbol) in enumerate(parts):
        fig.add_trace(
            go.Scatter(
                x=(line.get_column("month")[start:stop] + 1).to_list(),
                y=line.get_column("value")[start:stop].to_list(),
                mode="lines+markers",
                marker={"size": 6, "symbol": symbol},
                line={"color": color, "width": 2, "dash": dash},
                name=f"{name} ({format_value(size, 'count')})",
                legendgroup=name,
                showlegend=index == 0,
                customdata=custom[start:stop],
                hovertemplate="<b>%{customdata[0]}</b>"
                "<br>after %{x} months: %{customdata[1]} per customer"
                "<br>over %{customdata[2]} of %{customdata[3]} customers the data covers that long<extra></extra>",
            )
        )


def curves_figure(
    curves: LtvCurves,
    paybacks: nw.DataFrame,
    *,
    blended_cac: float | None,
    currency: str | None,
) -> go.Figure:
    """One line per cohort or channel: mean cumulative net revenue × margin per customer after
    1, 2, … months; the blended CAC (and, per channel, each channel's CAC) as horizontal lines,
    and a star on each line's payback month."""
    assert curves.frame is not None
    points = curves.frame.to_native()
    paid = paybacks.to_native()
    groups = points.get_column("group").unique(maintain_order=True).to_list()
    palette = _line_colors(groups, curves.by)
    fig = go.Figure()
    last_month = int(points.get_column("month").max()) + 1
    for group in groups:
        line = points.filter(pl.col("group") == group)
        _add_curve(fig, line, name=plain(line_label(group, curves.by)), color=palette[group], currency=currency)
    if blended_cac is not None and blended_cac > 0:
        fig.add_hline(
            y=blended_cac,
            line={"color": "#424242", "dash": "dash", "width": 1.5},
            annotation_text=f"CAC {money(blended_cac, currency)} (blended)",
            annotation_position="top left",
        )
    if curves.by == "channel":
        for row in paid.filter(pl.col("cost") > 0).iter_rows(named=True):
            label = f"{plain(line_label(row['group'], curves.by))} CAC {money(row['cost'], currency)}"
            fig.add_trace(
                go.Scatter(
                    x=[0.5, last_month + 0.5],
                    y=[row["cost"], row["cost"]],
                    mode="lines",
                    line={"color": palette.get(row["group"], "#9E9E9E"), "dash": "dot", "width": 1.5},
                    name=label,
                    showlegend=False,
                    hovertemplate=f"{label}<extra></extra>",
                )
            )
    marks = paid.filter(pl.col("payback").is_not_null() & (pl.col("cost") > 0))
    if marks.height:
        fig.add_trace(
            go.Scatter(
                x=marks.get_column("payback").to_list(),
                y=marks.get_column("value_at_payback").to_list(),
                mode="markers",
                marker={
                    "symbol": "star",
                    "size": 15,
                    "color": [palette.get(group, "#9E9E9E") for group in marks.get_column("group").to_list()],
                    "line": {"color": "#212121", "width": 1},
                },
                name="payback month",
                customdata=[
                    [plain(line_label(group, curves.by)), money(cost, currency)]
                    for group, cost in zip(
                        marks.get_column("group").to_list(), marks.get_column("cost").to_list(), strict=True
                    )
                ],
                hovertemplate="<b>%{customdata[0]}</b><br>reaches its CAC %{customdata[1]} after %{x} months"
                "<extra></extra>",
            )
        )
    fig.update_xaxes(title="Months after the first order (1 = within the first month)", dtick=1, rangemode="tozero")
    fig.update_yaxes(
        title="Cumulative net revenue × margin per customer", rangemode="tozero", **charts.tick_format("ltv", currency)
    )
    return charts.style(fig, height=CHART_HEIGHT)


def curves_table(curves: LtvCurves, paybacks: nw.DataFrame, *, currency: str | None) -> None:
    """Per line: new customers, CAC used, payback month and the latest observable value; the
    curve's points as a CSV download."""
    assert curves.frame is not None
    assert curves.sizes is not None
    points = curves.frame.to_native()
    last = points.sort("month").group_by("group", maintain_order=True).last()
    summary = (
        curves.sizes.to_native()
        .join(paybacks.to_native(), on="group", how="left")
        .join(
            last.select("group", (pl.col("month") + 1).alias("months_seen"), "customers", "value"),
            on="group",
            how="left",
        )
        .sort("group")
    )
    shown = summary.select(
        pl.Series("line", [line_label(group, curves.by) for group in summary.get_column("group").to_list()]),
        pl.col("size").alias("new_customers"),
        pl.col("cost").alias("cac"),
        pl.col("payback"),
        pl.col("months_seen"),
        pl.col("customers").alias("customers_seen"),
        pl.col("value").alias("value_seen"),
    )
    money_format = printf_for("currency", currency)
    st.dataframe(
        shown,
        column_config={
            "line": st.column_config.TextColumn(
                "Cohort" if curves.by == "cohort" else "Channel", pinned=True, width="medium"
            ),
            "new_customers": st.column_config.NumberColumn("New customers", format="%,d"),
            "cac": st.column_config.NumberColumn("CAC", format=money_format),
            "payback": st.column_config.NumberColumn(
                "Payback (months)", format="%d", help="The first month the line reaches its CAC (1 = the first month)"
            ),
            "months_seen": st.column_config.NumberColumn(
                "Months observable", format="%d", help="The longest history any customer of the line has"
            ),
            "customers_seen": st.column_config.NumberColumn(
                "Customers that long", format="%,d", help="Customers the data covers through the last month"
            ),
            "value_seen": st.column_config.NumberColumn(
                "Value at that month", format=money_format, help="Cumulative net revenue × margin per customer"
            ),
        },
        hide_index=True,
        width="stretch",
        placeholder="—",
    )
    export = points.with_columns(
        pl.Series("line", [line_label(group, curves.by) for group in points.get_column("group").to_list()]),
        (pl.col("month") + 1).alias("months_after_first_order"),
    ).select("line", pl.col("size").alias("new_customers"), "months_after_first_order", "customers", "value")
    charts.download(export, f"ltv_curves_by_{curves.by}", key=f"ltv_curves_csv_{curves.by}")


# --- retention -----------------------------------------------------------------------------------


def _cell_format(metric: str) -> str:
    return "percent" if metric == "active" else "currency"


def heatmap_figure(table: CohortTable, *, currency: str | None) -> go.Figure:
    """Cohorts (rows, oldest on top, labelled with their size) × months since the first order;
    blank where a month is not yet observable. In the month-by-month view the colour scale is set
    by months 1 and later (month 0 would otherwise wash out the rest)."""
    assert table.frame is not None
    long = table.frame.to_native()
    cohorts = long.select("cohort", "size").unique(maintain_order=True)
    months = sorted(long.get_column("month").unique().to_list())
    tag = _cell_format(table.metric)
    grid = long.pivot(on="month", index="cohort", values="value", sort_columns=True).sort("cohort")
    seen = long.pivot(on="month", index="cohort", values="observed", sort_columns=True).sort("cohort")
    z = [[row[str(month)] for month in months] for row in grid.iter_rows(named=True)]
    observed = [[row[str(month)] for month in months] for row in seen.iter_rows(named=True)]
    text = [["" if value is None else format_value(value, tag, currency=currency) for value in row] for row in z]
    labels = [
        f"{cohort_label(cohort)} · {format_value(size, 'count')}"
        for cohort, size in zip(
            cohorts.get_column("cohort").to_list(), cohorts.get_column("size").to_list(), strict=True
        )
    ]
    later = [value for row in z for value in row[1:] if value is not None]
    top = max(later) if later and not table.cumulative else None
    what = {
        ("active", False): "active in month",
        ("active", True): "ordered again by month",
        ("revenue", False): "net revenue per customer in month",
        ("revenue", True): "cumulative net revenue per customer by month",
    }[(table.metric, table.cumulative)]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=months,
            y=labels,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 10},
            customdata=[[format_value(n, "count") for n in row] for row in observed],
            colorscale="Blues",
            zmin=0 if table.metric == "active" or not table.cumulative else None,
            zmax=top,
            hoverongaps=False,
            showscale=False,
            hovertemplate=f"<b>%{{y}}</b> customers<br>{what} %{{x}}: %{{text}}"
            "<br>over %{customdata} customers the data covers through that month<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    fig.update_xaxes(title="Months since the first order (0 = the month of the first order)", dtick=1, side="top")
    fig.update_yaxes(autorange="reversed", title=None, type="category")
    height = min(CHART_HEIGHT, 90 + 24 * len(labels))
    fig = charts.style(fig, height=max(height, 220))
    fig.update_layout(margin={"l": 8, "r": 8, "t": 48, "b": 8})
    return fig


def cohort_download(table: CohortTable) -> None:
    """The cohort table as a CSV: one row per cohort, a column per month (blank = not observable)."""
    wide = table.wide()
    if wide is None:
        return
    name = f"cohorts_{table.metric}_{'cumulative' if table.cumulative else 'by_month'}"
    charts.download(wide.to_native(), name, key="retention_cohorts_csv")


def gaps_figure(gaps: OrderGaps, *, width: int) -> go.Figure:
    """Histogram of the days between consecutive orders, the median marked."""
    bins = gaps.histogram(width=width)
    assert bins is not None
    rows = bins.to_native()
    starts = rows.get_column("days_from").to_list()
    fig = go.Figure(
        go.Bar(
            x=[start + width / 2 for start in starts],
            y=rows.get_column("gaps").to_list(),
            width=width * 0.92,
            marker_color="#1E88E5",
            customdata=[
                [start, start + width - 1, format_value(count, "count")]
                for start, count in zip(starts, rows.get_column("gaps").to_list(), strict=True)
            ],
            hovertemplate="%{customdata[0]}–%{customdata[1]} days: %{customdata[2]} repeat orders<extra></extra>",
        )
    )
    if gaps.median is not None:
        fig.add_vline(
            x=gaps.median,
            line={"color": "#E53935", "dash": "dash", "width": 2},
            annotation_text=f"median {format_value(gaps.median, 'days')}",
            annotation_position="top right",
            annotation_font={"color": "#E53935"},
        )
    fig.update_xaxes(title=f"Days since the customer's previous order ({width}-day bins)", rangemode="tozero")
    fig.update_yaxes(title="Repeat orders", tickformat=",.0f")
    return charts.style(fig, height=340)


def gaps_downloads(gaps: OrderGaps, *, width: int) -> None:
    """CSVs of the histogram's bins and of every gap."""
    bins = gaps.histogram(width=width)
    if gaps.frame is None or bins is None:
        return
    left, right = st.columns(2)
    with left:
        charts.download(bins.to_native(), "days_between_orders_histogram", key="gaps_bins_csv", label="Histogram CSV")
    with right:
        charts.download(
            gaps.frame.to_native(), "days_between_orders", key="gaps_all_csv", label="Every repeat order CSV"
        )


def guest_caption(share: float | None) -> None:
    """Say how many orders are guest checkouts (each counts as a one-order customer)."""
    if share:
        st.caption(
            f":material/info: {format_value(share, 'percent')} of the live orders are guest checkouts (no customer "
            "id): each counts as its own one-order customer, which lowers repeat and retention figures."
        )


def gaps_summary(gaps: OrderGaps) -> None:
    """Median, mean and how many customers the gaps come from."""
    st.markdown(
        f"**Median {format_value(gaps.median, 'days')}** · mean {format_value(gaps.mean, 'days')} · "
        f"{format_value(len(gaps.frame) if gaps.frame is not None else 0, 'count')} repeat orders from "
        f"{format_value(gaps.repeaters, 'count')} of the period's {format_value(gaps.customers, 'count')} customers"
    )


def curves_caption(curves: LtvCurves, *, blended_cac: float | None, currency: str | None) -> None:
    """What the curves show, and which groups have no observable month yet."""
    assert curves.sizes is not None
    assert curves.frame is not None
    drawn = set(curves.frame.get_column("group").to_list())
    waiting = [
        f"{line_label(group, curves.by)} ({format_value(size, 'count')})"
        for group, size in zip(
            curves.sizes.get_column("group").to_list(), curves.sizes.get_column("size").to_list(), strict=True
        )
        if group not in drawn
    ]
    cac = (
        "no blended CAC for these months (no spend or no new customers)"
        if blended_cac is None
        else f"blended CAC of these months {money(blended_cac, currency)}"
    )
    lines = [
        "Each point: the mean, over the line's customers the data covers for that many whole months, of their "
        "cumulative net revenue (revenue − refunds, every live order in any channel) × gross margin. Months not "
        "yet observable for anyone are left out, never drawn as 0; dotted, hollow points rest on fewer than "
        f"{FEW_CUSTOMERS} customers. The star marks the first month a line reaches "
        f"its CAC (the CAC payback KPI); dashed: {cac}"
        + ("; dotted: each channel's own CAC (channels with CAC 0 have none)." if curves.by == "channel" else ".")
    ]
    if waiting:
        lines.append("No full month of history yet: " + md_escape(", ".join(waiting)) + ".")
    st.caption("  \n".join(lines))


def window_caption(window: Period, period: Period) -> str:
    """Which customers the cohort curves follow, and why it may be more than the period."""
    text = f"Customers acquired {window.label()}"
    if window.start < period.start:
        text += (
            f": the period widened to whole calendar months, at least {FEWEST_COHORTS}, ending with its last month, "
            "since a cohort needs months of history (as on the Retention page)"
        )
    return text + ". The CACs below are taken over the same months."
