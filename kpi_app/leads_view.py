"""Render helpers of the *Leads and sales team* page: card grids, the per-group tables with
their CSV downloads, and the page's charts (lead time histogram, landing pages, channels, sales
reps, NPS by channel). The numbers come from :mod:`kpi.leads_views`; formats, labels and
formulas from the registry (:func:`kpi.leads_views.column`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from kpi import Breakdown, Report
from kpi.formats import CURRENCY_SYMBOLS, FORMATS, format_value, printf_for
from kpi.leads_views import THIN_ANSWERS, GroupTable, LeadCohort, LeadTime, column
from kpi.registry import KPIS
from kpi.schema import MISSING_TABLE_REASON
from kpi.uncertainty import Trust
from kpi_app import charts, ui
from kpi_app.state import View

BY_LABELS: dict[str, str] = {"landing_page": "Landing page", "channel": "Channel", "owner": "Sales rep", "all": "All"}
NPS_PARTS: dict[str, tuple[str, str]] = {
    "promoter_share": ("Promoters (9–10)", "#2E7D32"),
    "passive_share": ("Passives (7–8)", "#BDBDBD"),
    "detractor_share": ("Detractors (0–6)", "#E53935"),
}
NPS_SHARES: tuple[str, ...] = tuple(NPS_PARTS)
"""The NPS shares: drawn in the chart, so the on-screen table leaves them out (the CSV keeps them)."""
BAR_COLOR = "#3949AB"
MAX_BARS = 12


# --- cards and empty states ------------------------------------------------------------------


def unavailable(reason: str | None, *, hint: str, view: View, what: str | None = None) -> None:
    """An ``st.info`` saying why a section is empty: the export that would fill it when its table is
    missing, the filter to clear when the table lacks a filtered column, else the reason."""
    text = reason or "unavailable"
    if text in MISSING_TABLE_REASON.values() or text.startswith(f"{MISSING_TABLE_REASON['leads']},"):
        message = f"{what}: {hint[:1].lower()}{hint[1:]}." if what else f"{hint}."
    elif any(text.endswith(f"no {name} column") for name in view.filter_map):
        message = f"{what + ': ' if what else ''}{text}. Clear the filter that this data cannot answer."
    else:
        message = f"{what + ': ' if what else ''}{text}."
    st.info(ui.md_escape(message[:1].upper() + message[1:]), icon=":material/info:")


def cohort_caption(cohort: LeadCohort) -> str | None:
    """Where the leads created in the period stand, when some are not closed yet: why a recent
    period's sales conversion reads low. ``None`` when there is nothing to add."""
    if cohort.reason is not None or cohort.created == 0:
        return None
    created = (
        f"Of the {format_value(cohort.created, 'count')} lead{'s' if cohort.created != 1 else ''} created in the period"
    )
    won = f"{format_value(cohort.won, 'count')} {'has' if cohort.won == 1 else 'have'} been won so far"
    if cohort.still_open is None:
        undecided = cohort.created - cohort.won
        if undecided == 0:
            return None
        return (
            f"{created}, {won} and "
            f"{format_value(undecided, 'count')} not (yet): sales conversion counts the wins up to the end of the "
            "data (there is no lost_at column to tell lost from open leads)."
        )
    if cohort.still_open == 0:
        return None
    return (
        f"{created}, {won}, "
        f"{format_value(cohort.lost, 'count')} lost and {format_value(cohort.still_open, 'count')} are still open: "
        "sales conversion counts the wins up to the end of the data, so it reads low until a recent period's "
        "leads close."
    )


# --- tables --------------------------------------------------------------------------------


def _label(table: GroupTable) -> str:
    return BY_LABELS.get(table.by, table.by.replace("_", " ").capitalize())


def csv_frame(table: GroupTable) -> pl.DataFrame:
    """The table as the CSV gives it: the group and every column with a value under its label,
    raw values (ratios as fractions, money without its symbol)."""
    assert table.frame is not None
    frame = table.frame.to_native()
    names = {"group": _label(table), **{cid: column(cid).label for cid in table.shown_columns}}
    if "thin" in frame.columns:
        names["thin"] = f"Fewer than {THIN_ANSWERS} answers"
    return frame.select(list(names)).rename(names)


def group_table(table: GroupTable, *, currency: str | None, name: str, key: str, hide: Sequence[str] = ()) -> None:
    """A sortable table of the groups, each column formatted by its format with its formula as
    the header's tooltip; columns the data cannot give are left out and named under it with the
    reason, as are the reasons of other empty cells; a CSV download (with every column, also
    those in ``hide``, which the on-screen table leaves out where a chart above shows them)."""
    assert table.frame is not None
    frame = table.frame.to_native()
    shown = tuple(cid for cid in table.shown_columns if cid not in hide)
    scaled = frame.with_columns(pl.col(cid) * FORMATS[column(cid).format].table_scale for cid in shown)
    config: dict[str, object] = {
        "group": st.column_config.TextColumn(_label(table), pinned=True),
        **{
            cid: st.column_config.NumberColumn(
                column(cid).label, format=printf_for(column(cid).format, currency), help=column(cid).formula
            )
            for cid in shown
        },
    }
    order = ["group", *shown]
    if "thin" in frame.columns:  # the flag beside the answers it is about
        config["thin"] = st.column_config.CheckboxColumn(
            "Thin", help=f"Fewer than {THIN_ANSWERS} answers: too few to compare"
        )
        order.insert(order.index("nps_responses") + 1 if "nps_responses" in order else len(order), "thin")
    st.dataframe(
        scaled.select(order),
        column_config=config,
        column_order=order,
        hide_index=True,
        width="stretch",
        placeholder="—",
    )
    reasons = dict(table.empty)
    missing = table.unavailable_columns
    partial = [cid for cid in shown if cid in reasons]
    notes = []
    if missing:
        notes.append(
            "Not in this data: "
            + "; ".join(
                f"{ui.md_escape(column(cid).label)} ({ui.md_escape(reasons.get(cid, 'unavailable'))})"
                for cid in missing
            )
        )
    if partial:
        notes.append(
            "Empty cells: "
            + "; ".join(f"{ui.md_escape(column(cid).label)}: {ui.md_escape(reasons[cid])}" for cid in partial)
        )
    if notes:
        st.caption(". ".join(notes) + ".")
    charts.download(csv_frame(table), name, key=f"{key}_csv")


def bar_section(
    table: GroupTable,
    options: Sequence[str],
    *,
    default: str,
    key: str,
    currency: str | None,
    dimension: str = "channel",
) -> None:
    """A segmented control choosing a column, and the bar chart of it per group (the
    :data:`MAX_BARS` largest; the table below has them all)."""
    available = [cid for cid in options if cid in table.shown_columns]
    if not available:
        return
    picked = st.segmented_control(
        "Chart",
        available,
        format_func=lambda cid: column(cid).label,
        default=default if default in available else available[0],
        key=key,
        required=True,
        label_visibility="collapsed",
    )
    chosen = picked or available[0]
    charts.show(group_bars(table, chosen, currency=currency, dimension=dimension), key=f"{key}_chart")
    if table.rows > MAX_BARS:
        st.caption(f"The {MAX_BARS} largest of {table.rows} in the chart; every one is in the table.")


# --- chart helpers ---------------------------------------------------------------------------


def axis(column_id: str, currency: str | None) -> dict[str, str]:
    """Plotly axis settings of a column: the d3 format of its tag and the currency symbol."""
    if column_id in KPIS:
        return charts.tick_format(column_id, currency)
    fmt = FORMATS[column(column_id).format]
    settings = {"tickformat": fmt.d3}
    if fmt.tag == "currency" and currency:
        symbol = CURRENCY_SYMBOLS.get(currency.upper())
        settings.update({"tickprefix": symbol} if symbol else {"ticksuffix": f" {currency.upper()}"})
    return settings


def texts(values: Sequence[float | None], column_id: str, currency: str | None) -> list[str]:
    """Values as the cards and tables write them (for bar labels and hovers)."""
    if column_id in KPIS:
        return charts.formatted(values, column_id, currency)
    return [format_value(value, column(column_id).format, currency=currency) for value in values]


def _values(table: GroupTable, name: str) -> list:
    assert table.frame is not None
    return table.frame.get_column(name).to_list()


def _padded(values: Sequence[float | None]) -> list[float]:
    """An x range from 0 (or the lowest negative) with room on the right for the bar labels."""
    present = [float(value) for value in values if value is not None]
    low, high = min([0.0, *present]), max([0.0, *present])
    return [low * 1.25, high * 1.25 if high > 0 else 1.0]


def group_bars(
    table: GroupTable, column_id: str, *, currency: str | None, dimension: str = "channel", height: int = 400
) -> go.Figure:
    """One horizontal bar per group, largest on top (at most :data:`MAX_BARS`), coloured by channel
    where the groups are channels; the value written at the end of each bar."""
    assert table.frame is not None
    top = (
        table.frame.to_native()
        .select("group", column_id)
        .sort(column_id, descending=True, nulls_last=True, maintain_order=True)  # ties keep the table's order
        .head(MAX_BARS)
    )
    groups = [str(group) for group in top["group"].to_list()]
    values = top[column_id].to_list()
    colours = charts.colors(groups, dimension) if dimension == "channel" else {}
    labels = texts(values, column_id, currency)
    fig = go.Figure(
        go.Bar(
            x=values,
            y=groups,
            orientation="h",
            marker_color=[colours.get(group, BAR_COLOR) for group in groups],
            text=labels,
            textposition="outside",
            cliponaxis=False,
            customdata=labels,
            hovertemplate="%{y}: %{customdata}<extra></extra>",
        )
    )
    fig.update_xaxes(title=column(column_id).label, range=_padded(values), **axis(column_id, currency))
    fig.update_yaxes(autorange="reversed", title=None, automargin=True)
    return charts.style(fig, height=min(height, 110 + 24 * len(groups)))


def lead_time_figure(lead_time: LeadTime) -> go.Figure:
    """The histogram of lead times (negative durations left out), with the median and mean."""
    assert lead_time.histogram is not None
    hist = lead_time.histogram.to_native()
    width = lead_time.bin_days
    hover = [
        f"{lo:,}–{hi:,} days: {n:,} deal{'s' if n != 1 else ''} ({share:.1%})"
        for lo, hi, n, share in hist.select("from_days", "to_days", "leads", "share").iter_rows()
    ]
    fig = go.Figure(
        go.Bar(
            x=[lo + width / 2 for lo in hist["from_days"].to_list()],
            y=hist["leads"].to_list(),
            width=width * 0.92,
            marker_color=BAR_COLOR,
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            name="Won deals per bar",
        )
    )
    top = max(hist["leads"].max() or 0, 1)
    for value, name, dash, colour in (
        (lead_time.median_days, "Median", "dash", "#E53935"),
        (lead_time.mean_days, "Mean", "dot", "#111111"),
    ):
        if value is not None:
            label = f"{name}: {format_value(value, 'days')}"
            fig.add_trace(
                go.Scatter(
                    x=[value, value],
                    y=[0, top * 1.05],
                    mode="lines",
                    line={"dash": dash, "color": colour, "width": 2},
                    name=label,
                    hovertemplate=f"{label}<extra></extra>",
                )
            )
    fig.update_xaxes(title="Days from lead created to deal won", tickformat=",.0f", rangemode="tozero")
    fig.update_yaxes(title="Won deals", tickformat=",.0f")
    return charts.style(fig, height=340)


def lead_time_caption(lead_time: LeadTime) -> str:
    """What the histogram shows and how the median is defined; the negative durations left out."""
    text = (
        f"{lead_time.won:,} deal{'s' if lead_time.won != 1 else ''} won in the period · median "
        f"{format_value(lead_time.median_days, 'days')} (the Lead time card) · mean "
        f"{format_value(lead_time.mean_days, 'days')} · bars of {lead_time.bin_days} day"
        f"{'s' if lead_time.bin_days != 1 else ''}. Lead time = won_at − created_at in days, over the leads won "
        "in the period."
    )
    if lead_time.negative:
        text += (
            f" {lead_time.negative:,} deal{'s were' if lead_time.negative != 1 else ' was'} won before "
            f"{'their leads were' if lead_time.negative != 1 else 'its lead was'} created (lowest "
            f"{format_value(lead_time.most_negative_days, 'days')}): left out of the bars, kept in the median and "
            "mean as the Lead time card defines them."
        )
    return text


def landing_page_figure(top: GroupTable, *, currency: str | None) -> go.Figure:
    """Leads per landing page (top pages and the rest folded), the sales conversion written on
    each bar."""
    pages = [str(page) for page in _values(top, "group")]
    leads = _values(top, "leads")
    rates = texts(_values(top, "sales_conversion_rate"), "sales_conversion_rate", currency)
    won = texts(_values(top, "won"), "won", currency)
    hover = [
        f"{format_value(n, 'count')} leads · {w} won · sales conversion {r}"
        for n, w, r in zip(leads, won, rates, strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=leads,
            y=pages,
            orientation="h",
            marker_color=[charts.color_for("(not set)") if page.startswith("Other (") else BAR_COLOR for page in pages],
            text=[f"{w} won ({r})" for w, r in zip(won, rates, strict=True)],
            textposition="outside",
            cliponaxis=False,
            customdata=hover,
            hovertemplate="%{y}: %{customdata}<extra></extra>",
        )
    )
    fig.update_xaxes(title="Leads created in the period", range=_padded(leads), **axis("leads", currency))
    fig.update_yaxes(autorange="reversed", title=None, automargin=True)
    return charts.style(fig, height=min(420, 120 + 26 * len(pages)))


def nps_channel_figure(table: GroupTable) -> go.Figure:
    """A 100% stacked bar per channel of promoters, passives and detractors, with NPS ± margin of
    error (and the answers) written beside each bar; thin groups say so."""
    groups = [str(group) for group in _values(table, "group")]
    fig = go.Figure()
    for cid, (name, colour) in NPS_PARTS.items():
        shares = _values(table, cid)
        fig.add_trace(
            go.Bar(
                x=shares,
                y=groups,
                orientation="h",
                name=name,
                marker_color=colour,
                text=[f"{share:.0%}" if share and share >= 0.06 else "" for share in shares],
                textposition="inside",
                insidetextanchor="middle",
                customdata=texts(shares, cid, None),
                hovertemplate=f"%{{y}} · {name}: %{{customdata}}<extra></extra>",
            )
        )
    for group, nps, moe, n, thin in zip(
        groups,
        _values(table, "nps"),
        _values(table, "nps_moe"),
        _values(table, "nps_responses"),
        _values(table, "thin"),
        strict=True,
    ):
        label = f"NPS {format_value(nps, 'score')} ± {format_value(moe, 'score')} (n = {format_value(n, 'count')})"
        fig.add_annotation(
            x=1.01,
            xref="paper",
            y=group,
            yref="y",
            text=f"{label} · thin" if thin else label,
            showarrow=False,
            xanchor="left",
            font={"color": "#9E9E9E" if thin else "#111111"},
        )
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    fig.update_xaxes(tickformat=".0%", range=[0, 1], title=None)
    fig.update_yaxes(autorange="reversed", title=None, automargin=True)
    charts.style(fig, height=min(420, 130 + 32 * len(groups)))
    fig.update_layout(margin={"r": 260})
    return fig


def nps_metrics(
    summary: GroupTable, report: Report, daily: Breakdown, view: View, trusts: Mapping[str, Trust] | None = None
) -> None:
    """The NPS and answers cards (with the comparison), the margin of error, and promoters,
    passives and detractors (share and count); a warning when the answers are thin."""
    assert summary.frame is not None
    row: Mapping[str, float] = summary.frame.to_native().row(0, named=True)
    first, second = st.columns(3), st.columns(3)
    with first[0]:
        ui.kpi_card(
            report["nps"], view=view, currency=None, series=daily.series("nps"), trust=(trusts or {}).get("nps")
        )
    with first[1]:
        ui.kpi_card(report["nps_responses"], view=view, currency=None, series=daily.series("nps_responses"))
    with first[2], st.container(border=True, height="stretch"):
        st.metric(
            "NPS margin of error (95%)",
            f"± {format_value(row['nps_moe'], 'score')}",
            help=f"{column('nps_moe').formula}. The NPS lies within this many points of the true score 19 times "
            "in 20 (normal approximation).",
        )
        low, high = row["nps"] - row["nps_moe"], row["nps"] + row["nps_moe"]
        st.caption(f"95% interval of the NPS: {format_value(low, 'score')} to {format_value(high, 'score')}")
    for slot, (share_id, count_id) in zip(
        second,
        (("promoter_share", "promoters"), ("passive_share", "passives"), ("detractor_share", "detractors")),
        strict=True,
    ):
        with slot, st.container(border=True, height="stretch"):
            st.metric(
                NPS_PARTS[share_id][0],
                format_value(row[share_id], "percent"),
                help=f"{column(share_id).formula}; {column(count_id).label.lower()} = {column(count_id).formula}.",
            )
            st.caption(
                f"{format_value(row[count_id], 'count')} of {format_value(row['nps_responses'], 'count')} answers"
            )
    if row["thin"]:
        st.warning(
            f"Fewer than {THIN_ANSWERS} answers in the period: the score is too uncertain to compare.",
            icon=":material/warning:",
        )
