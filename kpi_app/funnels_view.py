"""Render helpers of the Funnels page: the funnel chart with its comparison overlay and the biggest
drop, the steps table, the breakdown by channel or device, and the weekly trend of each step rate.

Numbers come from :mod:`kpi.funnels`; here they are only formatted and drawn. Group names come
from the data: they reach markdown through :func:`kpi_app.ui.md_escape` and plotly with ``<`` and
``>`` escaped, so they cannot become links or markup.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Literal

import narwhals as nw
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from kpi.formats import format_delta, format_value
from kpi.funnels import FUNNEL_LABELS, Funnel, FunnelKind, FunnelStep, LeadMaturity
from kpi.periods import Period, day_label
from kpi.tables import Tables
from kpi_app import charts
from kpi_app.ui import md_escape

Share = Literal["of_first", "of_previous"]
SHARE_LABELS: dict[Share, str] = {"of_first": "% of first step", "of_previous": "% of previous step"}
BY_LABELS: dict[str, str] = {"channel": "Channel", "device": "Device"}
UNLOCK: dict[FunnelKind, str] = {
    "ecommerce": "Upload a GA4 or Shopify sessions export (with add-to-cart/checkout/purchase sessions) on the "
    "Data page",
    "leads": "Upload a CRM export (HubSpot, Zoho, Olist…) on the Data page",
}
STEP_COLOR = "#3949AB"
DROP_COLOR = "#E53935"
COMPARE_COLOR = "#424242"
TOP_GROUPS = 8
LOG_SPAN = 100
"""A funnel whose largest count is more than this many times its smallest is drawn on a log axis."""
PERCENT_COLUMNS = (
    "of_first",
    "of_previous",
    "drop_off",
    "compare_of_first",
    "compare_of_previous",
    "of_first_change",
    "of_previous_change",
)
"""Columns of the steps table shown ×100 (printf ``%.2f%%`` does not multiply)."""
TREND_COLORS = ("#1E88E5", "#FB8C00", "#8E24AA", "#2E7D32", "#E53935")

FORMULAS: dict[FunnelKind, str] = {
    "ecommerce": "Each step is the Σ of its traffic column over the period after filters: sessions, "
    "add-to-cart sessions, checkout sessions, purchase sessions (sessions that reached the step). "
    "% of first step = step / sessions; % of previous step = step / the step before; "
    "drop-off = 1 − % of previous step.",
    "leads": "Sessions = Σ traffic sessions; leads = leads created in the period (Σ traffic leads without a CRM "
    "export). MQL, SQL and won count **the leads created in the period** that reached that stage at any time, "
    "even after the period, so every step is a subset of the one before (the MQL and SQL cards of the "
    "Overview count instead the stage events that happened in the period). A lead counts at a stage when it "
    "has that stage's date or a later one's. % of first step = step / sessions; % of previous step = step / "
    "the step before; drop-off = 1 − % of previous step. Leads created near the end of the period may not "
    "have reached their later stages yet.",
}
BIGGEST_DROP = (
    "The biggest drop is the step with the largest drop-off **rate** (1 − % of previous step), not the largest "
    "count lost, which is nearly always at the top of the funnel."
)


def share_text(value: float | None) -> str:
    """A step share as text: one decimal like every rate, two under 0.1% (a lead funnel's later steps
    are tiny shares of sessions and would all read "0.0%").

    >>> share_text(0.4601), share_text(0.00031), share_text(None)
    ('46.0%', '0.03%', '—')
    """
    if value is not None and 0 < abs(value) < 0.001:
        return f"{value * 100:.2f}%"
    return format_value(value, "percent")


def count_text(value: float | None) -> str:
    """A step count with thousands separators (``—`` when unavailable)."""
    return format_value(value, "count")


def plain(text: object) -> str:
    """A data string safe for plotly text (which reads a few HTML tags, links among them)."""
    return html.escape(str(text), quote=False)


def _percent_axis(values: Sequence[float | None]) -> dict[str, str]:
    """The registry's percent tick format, with two decimals when every share is under 1%."""
    axis = charts.tick_format("conversion_rate")
    top = max((abs(value) for value in values if value is not None), default=0.0)
    return {**axis, "tickformat": ".2%"} if top < 0.01 else axis


# --- empty states -----------------------------------------------------------------------


def empty_state(result: Funnel, tables: Tables) -> bool:
    """Say what is missing, and return True when there is no funnel to draw. A lead funnel without
    a CRM export still draws sessions → leads from traffic's leads column when it has one."""
    kind = result.kind
    if kind == "ecommerce" and tables.traffic is None:
        st.info(UNLOCK["ecommerce"] + ".", icon=":material/info:")
        return True
    if kind == "leads" and tables.leads is None:
        st.info(
            f"{UNLOCK['leads']} to follow leads through MQL, SQL and won"
            + (" (sessions → leads below come from the traffic's leads column)." if result.available else "."),
            icon=":material/info:",
        )
        if not result.available:
            return True
    if not result.available:
        hint = "Clear the filter that this data cannot answer" if "column" in (result.note or "") else UNLOCK[kind]
        st.info(
            md_escape(f"{FUNNEL_LABELS[kind]} funnel unavailable: {result.note}.") + f" {hint}.",
            icon=":material/info:",
        )
        return True
    base = result.base
    if base is not None and not base.count:
        st.info(f"No {base.noun} in the period with these filters.", icon=":material/info:")
        return True
    if kind == "leads" and not result.steps[0].available and tables.traffic is None:
        st.caption(
            ":material/info: The funnel starts at leads: " + UNLOCK["ecommerce"].lower() + " to start at sessions."
        )
    return False


# --- the funnel -------------------------------------------------------------------------


def _hover(step: FunnelStep) -> str:
    parts = [f"{step.label}: {count_text(step.count)}"]
    if step.of_first is not None:
        parts.append(f"{share_text(step.of_first)} of the first step")
    if step.of_previous is not None:
        parts.append(f"{share_text(step.of_previous)} of {step.previous}")
    if step.note:
        parts.append(plain(step.note))
    return "<br>".join(parts)


def funnel_chart(result: Funnel, *, share: Share) -> go.Figure:
    """Horizontal bars, first step on top: each step's count labelled with the chosen share, the
    step reached with the biggest drop in red, unavailable steps named with the reason, and the
    comparison period's count as a dark tick on each bar."""
    labels = [step.label for step in result.steps]
    counts = [step.count for step in result.steps]
    text = [
        count_text(step.count) + ("" if getattr(step, share) is None else f" · {share_text(getattr(step, share))}")
        for step in result.steps
    ]
    fig = go.Figure(
        go.Bar(
            x=counts,
            y=labels,
            orientation="h",
            name=f"This period: {result.period.label()}",
            marker_color=[DROP_COLOR if step.name == result.biggest_drop else STEP_COLOR for step in result.steps],
            text=text,
            textposition="outside",
            cliponaxis=False,
            hovertext=[_hover(step) for step in result.steps],
            hoverinfo="text",
        )
    )
    compared = [step.compare_count for step in result.steps]
    if result.compare_period and any(value is not None for value in compared):
        fig.add_trace(
            go.Scatter(
                x=compared,
                y=labels,
                mode="markers",
                name=f"Comparison: {result.compare_period.label()}",
                marker={
                    "symbol": "line-ns-open",
                    "size": 26,
                    "color": COMPARE_COLOR,
                    "line": {"width": 3, "color": COMPARE_COLOR},
                },
                hovertext=[
                    f"{step.label}, comparison: {count_text(step.compare_count)}"
                    + (
                        ""
                        if getattr(step, f"compare_{share}") is None
                        else f" · {share_text(getattr(step, f'compare_{share}'))}"
                    )
                    for step in result.steps
                ],
                hoverinfo="text",
            )
        )
    positive = [value for value in [*counts, *compared] if value]
    top, low = max(positive, default=1), min(positive, default=1)
    log = top > LOG_SPAN * low  # a lead funnel: thousands of sessions, a handful of deals
    start = math.floor(math.log10(low)) if log else 0  # where a bar starts (a log axis is placed in log10 units)
    if log:
        fig.update_xaxes(
            type="log", range=[start, math.log10(top) + 0.75], tickformat=",.0f", title="count (log scale)"
        )
    else:
        fig.update_xaxes(range=[0, top * 1.35], tickformat=",.0f", title=None)
    for index, step in enumerate(result.steps):
        if not step.available:
            label, colour = f"unavailable: {plain(step.note or 'no data')}", "#757575"
        elif log and step.count == 0:  # no bar on a log axis: the label alone
            label, colour = text[index], DROP_COLOR if step.name == result.biggest_drop else "#424242"
        else:
            continue
        fig.add_annotation(x=start, y=step.label, text=label, showarrow=False, xanchor="left", font={"color": colour})
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", title=None)
    return charts.style(fig, height=min(420, 110 + 58 * len(labels)))


def drop_sentence(result: Funnel) -> str | None:
    """ "**Biggest drop: Add to cart → Checkout.** 53.9% of add-to-cart sessions (2,092) do not reach
    the Checkout step." with the comparison period's rate when there is one."""
    pair = result.drop()
    if pair is None:
        return None
    previous, step = pair
    lost = None if previous.count is None or step.count is None else previous.count - step.count
    text = (
        f":material/trending_down: **Biggest drop: {previous.label} → {step.label}.** "
        f"{share_text(step.drop_off)} of {previous.noun} ({count_text(lost)}) do not reach the {step.label} step"
    )
    if step.compare_of_previous is not None:
        text += f" (comparison period: {share_text(1 - step.compare_of_previous)})"
    return text + "."


def maturity_warning(maturity: LeadMaturity | None) -> str | None:
    """Said when the period's leads are younger than deals usually take, so MQL, SQL and won are
    still filling up and the drop-offs at the bottom of the lead funnel overstate the loss."""
    if maturity is None or not maturity.settling:
        return None
    median = format_value(maturity.median_lead_time, "days")
    youngest = format_value(maturity.youngest_days, "count")
    end = day_label(maturity.data_end)
    return (
        f"These leads are still moving: the data ends on {end}, only {youngest} days after the period, while half "
        f"of all won deals took more than {median} from lead to win. The MQL, SQL and won steps will grow, so "
        f"their drop-offs overstate the loss; for a settled funnel choose a period that ends at least {median} "
        "before the data does (for example Last quarter)."
    )


def steps_frames(result: Funnel) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the table shown: shares scaled to percent, changes in points; the CSV: raw fractions)."""
    raw = pl.DataFrame(
        [
            {
                "step": step.label,
                "count": step.count,
                "of_first": step.of_first,
                "of_previous": step.of_previous,
                "drop_off": step.drop_off,
                "compared_with": step.previous,
                "compare_count": step.compare_count,
                "compare_of_first": step.compare_of_first,
                "compare_of_previous": step.compare_of_previous,
                "of_first_change": step.of_first_change,
                "of_previous_change": step.of_previous_change,
                "note": step.note,
            }
            for step in result.steps
        ],
        schema={
            "step": pl.String,
            "count": pl.Int64,
            "of_first": pl.Float64,
            "of_previous": pl.Float64,
            "drop_off": pl.Float64,
            "compared_with": pl.String,
            "compare_count": pl.Int64,
            "compare_of_first": pl.Float64,
            "compare_of_previous": pl.Float64,
            "of_first_change": pl.Float64,
            "of_previous_change": pl.Float64,
            "note": pl.String,
        },
    )
    if result.compare_period is None:
        raw = raw.drop(
            "compare_count", "compare_of_first", "compare_of_previous", "of_first_change", "of_previous_change"
        )
    shown = raw.with_columns(pl.col(name) * 100 for name in raw.columns if name in PERCENT_COLUMNS)
    return shown, raw


def steps_table(result: Funnel) -> None:
    """The steps with counts, shares, drop-off and the comparison, and a CSV download."""
    shown, raw = steps_frames(result)
    percent = "%.2f%%"
    points = "%+.2f pp"
    config = {
        "step": st.column_config.TextColumn("Step", pinned=True),
        "count": st.column_config.NumberColumn("Count", format="%,d"),
        "of_first": st.column_config.NumberColumn("% of first step", format=percent, help="step / first step"),
        "of_previous": st.column_config.NumberColumn(
            "% of previous step", format=percent, help="step / the step before"
        ),
        "drop_off": st.column_config.NumberColumn("Drop-off", format=percent, help="1 − % of previous step"),
        "compared_with": st.column_config.TextColumn("Previous step", help="the step % of previous divides by"),
        "compare_count": st.column_config.NumberColumn("Count (comparison)", format="%,d"),
        "compare_of_first": st.column_config.NumberColumn("% of first (comparison)", format=percent),
        "compare_of_previous": st.column_config.NumberColumn("% of previous (comparison)", format=percent),
        "of_first_change": st.column_config.NumberColumn(
            "Δ % of first", format=points, help="this period − comparison, in percentage points"
        ),
        "of_previous_change": st.column_config.NumberColumn(
            "Δ % of previous", format=points, help="this period − comparison, in percentage points"
        ),
        "note": st.column_config.TextColumn("Note"),
    }
    hidden = ["compare_of_first", "compare_of_previous"]
    natural = [None, *(step.label for step in result.steps[:-1])]
    if [step.previous for step in result.steps if step.available] == [
        label for step, label in zip(result.steps, natural, strict=True) if step.available
    ]:
        hidden.append("compared_with")  # every step is compared with the one above it
    if shown.get_column("note").null_count() == shown.height:
        hidden.append("note")
    st.dataframe(
        shown.drop(hidden, strict=False), column_config=config, hide_index=True, width="stretch", placeholder="—"
    )
    charts.download(raw, f"funnel_{result.kind}", key=f"funnel_csv_{result.kind}")


def change_line(result: Funnel, *, share: Share) -> str | None:
    """One line with each step rate's change against the comparison: "Add to cart 7.5% (−0.3 pp) · …"."""
    if result.compare_period is None:
        return None
    parts = []
    for step in result.steps[1:]:
        value, before = getattr(step, share), getattr(step, f"compare_{share}")
        if value is None:
            continue
        delta = format_delta(value, before, "percent") or "no comparison"
        parts.append(f"{step.label} {share_text(value)} ({delta})")
    return ("Change vs comparison, " + SHARE_LABELS[share] + ": " + " · ".join(parts)) if parts else None


# --- breakdown and trend -----------------------------------------------------------------


def _tidy(frame: nw.DataFrame) -> pl.DataFrame:
    return frame.to_polars()


def breakdown_unavailable(frame: nw.DataFrame, *, by: str) -> str:
    """Why there is no breakdown to draw: the reason of the missing steps, or no group with data."""
    data = _tidy(frame)
    reasons = [note for note in data.filter(pl.col("count").is_null()).get_column("note").unique().to_list() if note]
    name = BY_LABELS.get(by, by).lower()
    if data.is_empty() or not reasons:
        return f"No {name} has a step to compare in the period."
    return md_escape(f"Breakdown by {name} unavailable: {'; '.join(sorted(reasons))}.")


def breakdown_caption(*, by: str, share: Share, kind: FunnelKind, left_out: int) -> str:
    """How the breakdown is computed, and how many groups the chart leaves out."""
    name = BY_LABELS.get(by, by).lower()
    text = (
        f"Each {name}'s funnel is computed over its own rows ({SHARE_LABELS[share]}: "
        + ("step / the group's first step" if share == "of_first" else "step / the group's step before")
        + "). Groups with no count in any step are left out."
    )
    if kind == "leads":
        text += f" Leads are grouped by their own {name}, sessions by the traffic's."
    if left_out:
        text += f" The chart shows the {TOP_GROUPS} largest by first step; the table lists all (+{left_out})."
    return text


def trend_caption(period: Period, *, kind: FunnelKind, share: Share) -> str:
    """How the weekly trend is computed."""
    text = (
        f"{SHARE_LABELS[share].capitalize()} in each week (Monday to Sunday, each week its own period; the weeks "
        f"at the ends are cut to {period.label()}, so they may be partial)."
    )
    if kind == "leads":
        text += (
            " A week's MQL, SQL and won count the leads created in that week, whenever they reached the stage: "
            "the latest weeks are still filling up."
        )
    return text


def breakdown_chart(frame: nw.DataFrame, *, by: str, share: Share) -> tuple[go.Figure | None, int]:
    """Grouped bars: each step's share per group (the largest ``TOP_GROUPS`` groups by first step),
    coloured by channel or device. Returns the figure (``None`` when no group has a share) and how
    many groups were left out."""
    data = _tidy(frame)
    groups = data.get_column("group").unique(maintain_order=True).to_list()
    shown = groups[:TOP_GROUPS]
    rows = data.filter(pl.col("group").is_in(shown) & (pl.col("order") > 0) & pl.col(share).is_not_null())
    if rows.is_empty():
        return None, len(groups) - len(shown)
    colour = charts.colors(shown, by)
    fig = go.Figure()
    for group in shown:
        part = rows.filter(pl.col("group") == group)
        if part.is_empty():
            continue
        values = part.get_column(share).to_list()
        fig.add_trace(
            go.Bar(
                x=part.get_column("label").to_list(),
                y=values,
                name=plain(group),
                marker_color=colour[str(group)],
                hovertext=[
                    f"{plain(group)} · {label}: {share_text(value)} ({count_text(count)})"
                    for label, value, count in zip(
                        part.get_column("label").to_list(), values, part.get_column("count").to_list(), strict=True
                    )
                ],
                hoverinfo="text",
            )
        )
    fig.update_layout(barmode="group", yaxis=_percent_axis(rows.get_column(share).to_list()))
    fig.update_yaxes(title=SHARE_LABELS[share])
    return charts.style(fig, height=400), len(groups) - len(shown)


def breakdown_table(frame: nw.DataFrame, *, by: str, share: Share, kind: FunnelKind) -> None:
    """Per group: each step's count and chosen share, wide, and the tidy frame as CSV."""
    data = _tidy(frame)
    labels = data.get_column("label").unique(maintain_order=True).to_list()
    wide = data.pivot(on="label", index="group", values=["count", share], aggregate_function="first")
    columns = ["group"]
    config: dict[str, object] = {"group": st.column_config.TextColumn(BY_LABELS.get(by, by), pinned=True)}
    for index, label in enumerate(labels):
        count_col, share_col = f"count_{label}", f"{share}_{label}"
        columns.append(count_col)
        config[count_col] = st.column_config.NumberColumn(label, format="%,d")
        if index > 0:
            columns.append(share_col)
            config[share_col] = st.column_config.NumberColumn(
                f"{label} %", format="%.2f%%", help=f"{label}, {SHARE_LABELS[share]}"
            )
    present = [name for name in columns if name in wide.columns]
    shown = wide.select(present).with_columns(pl.col(name) * 100 for name in present if name.startswith(share))
    st.dataframe(shown, column_config=config, hide_index=True, width="stretch", placeholder="—")
    reasons = data.filter(pl.col("count").is_null()).get_column("note").unique(maintain_order=True).to_list()
    if reasons:
        st.caption("Empty columns: " + "; ".join(md_escape(str(reason)) for reason in reasons if reason))
    charts.download(data, f"funnel_{kind}_by_{by}", key=f"funnel_by_csv_{kind}_{by}")


def trend_chart(frame: nw.DataFrame, *, share: Share) -> go.Figure | None:
    """One line per step (after the first): its share in each week, on a percent axis."""
    data = _tidy(frame).filter(pl.col("order") > 0)
    steps = data.filter(pl.col("count").is_not_null()).get_column("label").unique(maintain_order=True).to_list()
    if not steps or data.get_column(share).drop_nulls().is_empty():
        return None
    fig = go.Figure()
    for index, label in enumerate(steps):
        part = data.filter(pl.col("label") == label)
        values = part.get_column(share).to_list()
        previous = part.get_column("previous").to_list()
        fig.add_trace(
            go.Scatter(
                x=part.get_column("group").to_list(),
                y=values,
                mode="lines+markers",
                name=label,
                line={"color": TREND_COLORS[index % len(TREND_COLORS)]},
                hovertext=[
                    f"week of {week:%d %b %Y} · {label}: {share_text(value)}"
                    + (f" of {before}" if share == "of_previous" and before else " of the first step")
                    for week, value, before in zip(part.get_column("group").to_list(), values, previous, strict=True)
                ],
                hoverinfo="text",
            )
        )
    fig.update_layout(yaxis=_percent_axis(data.get_column(share).to_list()))
    fig.update_yaxes(title=SHARE_LABELS[share], rangemode="tozero")
    fig.update_xaxes(title=None)
    return charts.style(fig, height=360)


def trend_download(frame: nw.DataFrame, *, kind: FunnelKind) -> None:
    """The weekly funnel, tidy, as CSV."""
    charts.download(_tidy(frame).rename({"group": "week"}), f"funnel_{kind}_by_week", key=f"funnel_week_csv_{kind}")
