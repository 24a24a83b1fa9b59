"""Render helpers shared by the pages: KPI card grid, breakdown table, issue list, definitions.

Nothing here renders user text as HTML: Streamlit's markdown escapes HTML, and data-derived text
that reaches markdown (filter values, file names) also goes through :func:`md_escape`, so markdown
image or link syntax in data cannot make the browser fetch anything.
"""

from __future__ import annotations

from collections.abc import Sequence

import narwhals as nw
import streamlit as st

from kpi import Breakdown, Kpi, KpiValue
from kpi.benchmarks import BENCHMARKS, Benchmark, describe
from kpi.formats import FORMATS, format_delta, format_interval, format_value, printf_for
from kpi.goals import GoalProgress
from kpi.issues import Issue
from kpi.periods import COMPARISON_LABELS, coverage_note
from kpi.registry import GROUP_LABELS, KPIS, help_text, kpis_in_group
from kpi.uncertainty import Trust
from kpi_app import charts, goals_view, state
from kpi_app.data import DataSet
from kpi_app.markdown import md_escape
from kpi_app.state import FILTER_DIMENSIONS, View, current

CARDS_PER_ROW = 4
UNLOCKS: dict[str, str] = {
    "traffic": "Upload a GA4, Shopify sessions or Search Console export (or a canonical traffic table) on the "
    "Data page",
    "sales": "Upload a Shopify, WooCommerce or Stripe export (or a canonical orders table) on the Data page",
    "leads": "Upload a HubSpot, Zoho or other CRM export (or a canonical leads table) on the Data page",
    "advertising": "Upload a Google Ads, Meta Ads or Mailchimp export (or a canonical spend table) on the Data page",
    "customers": "Upload orders with customer ids on the Data page",
    "satisfaction": "Upload survey answers (a canonical nps table: responded_at, score) on the Data page",
}
"""Which export unlocks each group of KPIs, said when the whole group is unavailable."""
DELTA_WORDS = {"previous": "vs previous period", "year": "vs last year", "none": ""}


def delta_color(kpi: Kpi) -> str:
    """``normal`` when higher is better, ``inverse`` when lower is, ``off`` when neither."""
    return {True: "normal", False: "inverse", None: "off"}[kpi.higher_is_better]


def is_no_change(delta: str | None) -> bool:
    """True for a change that rounds to zero ("0.0%", "0.0 pp"): shown grey, with no arrow."""
    return delta is not None and delta[:1] not in "+-"


def _no_delta(item: KpiValue) -> tuple[str, str | None]:
    """The short pill and, where it needs one, the reason, when a card has no change to show: the
    comparison is unavailable, or was 0."""
    if item.compare is None:
        reason = (item.compare_note or "unavailable").replace(" in period", " in the comparison period")
        return "no comparison", f"Comparison: {reason}"
    return ("up from 0" if (item.value or 0) > 0 else "down from 0" if (item.value or 0) < 0 else "no change"), None


def _sparkline(series: Sequence[float | None]) -> list[float] | None:
    points = [float(value) for value in series if value is not None]
    return points if len(points) >= 2 else None


def benchmark_line(benchmark: Benchmark, value: float | None) -> str:
    """``Benchmark: typical 2–4%; 0.3% is below it`` (the source is in the tooltip)."""
    return f"Benchmark: {describe(benchmark, value, with_source=False)}"


def benchmark_help(benchmark: Benchmark) -> str:
    """The tooltip's paragraph on a benchmark: the band, its source (linked) and what it means."""
    source = f"[{benchmark.source}]({benchmark.source_url})" if benchmark.source_url else benchmark.source
    return f"Benchmark ({benchmark.label}): {source}. {benchmark.note}"


def trust_line(item: KpiValue, trust: Trust, *, currency: str | None) -> str:
    """The card's line on how far to trust it: ``95%: 1.79%–2.00% · not a real change (p 0.06)``."""
    tag = item.kpi.format
    parts = []
    if trust.interval is not None:
        parts.append(f"95%: {format_interval(trust.interval.low, trust.interval.high, tag, currency=currency)}")
    elif trust.reason:
        parts.append(trust.reason)
    if trust.change is not None:
        verdict = "a real change" if trust.change.is_real else "not a real change"
        parts.append(f"{verdict} ({p_text(trust.change.p_value)})")
    return " · ".join(parts)


def p_text(p_value: float) -> str:
    """``p 0.06``, ``p < 0.001``."""
    return "p < 0.001" if p_value < 0.001 else f"p {p_value:.3f}" if p_value < 0.01 else f"p {p_value:.2f}"


def trust_help(trust: Trust, *, currency: str | None, item: KpiValue) -> str:
    """The tooltip's paragraph on the interval and the test."""
    lines = []
    if trust.interval is not None:
        lines.append(f"95% interval: {trust.interval.method}.")
    if trust.compare_interval is not None:
        low, high = trust.compare_interval.low, trust.compare_interval.high
        lines.append(f"Comparison: {format_interval(low, high, item.kpi.format, currency=currency)}.")
    if trust.change is not None:
        lines.append(
            f"Change tested with a {trust.change.method}: p = {trust.change.p_value:.3g}; below 0.05 it is called "
            "a real change, otherwise it could be noise."
        )
    return "  \n".join(lines)


def kpi_card(
    item: KpiValue,
    *,
    view: View,
    currency: str | None,
    series: Sequence[float | None],
    trust: Trust | None = None,
    goals: Sequence[GoalProgress] = (),
) -> None:
    """One KPI as ``st.metric``: value, change against the comparison coloured by whether higher
    is better, the daily sparkline, and the formula in the tooltip. An unavailable KPI shows a
    dash and says why. With ``trust``, a line gives the 95% interval and whether the change is
    real; a change that could be noise is grey and says "not a real change"; thin data is flagged.
    Each of ``goals`` adds its progress marker."""
    kpi = item.kpi
    tooltip = help_text(kpi, margin_set=view.settings.margin is not None)
    if trust is not None:
        tooltip += "  \n" + trust_help(trust, currency=currency, item=item)
    benchmark = BENCHMARKS.get(kpi.id) if view.show_benchmarks else None
    if benchmark is not None:
        tooltip += "  \n" + benchmark_help(benchmark)
    with st.container(border=True, height="stretch"):
        if item.value is None:
            st.metric(kpi.label, None, delta="unavailable", delta_color="off", delta_arrow="off", help=tooltip)
            st.caption(md_escape(item.note or "unavailable"))
            if benchmark is not None:
                st.caption(f":material/straighten: {md_escape(benchmark_line(benchmark, None))}")
            for goal in goals:
                goals_view.card_marker(goal, currency)
            return
        delta = format_delta(item.value, item.compare, kpi.format)
        description, why_no_delta = DELTA_WORDS[view.comparison], None
        if view.comparison != "none" and delta is None:
            delta, why_no_delta = _no_delta(item)
            color, arrow, description = "off", "off", ""
        elif is_no_change(delta):
            color, arrow = "off", "off"
        elif trust is not None and trust.change is not None and not trust.change.is_real:
            color, arrow = "off", "auto"
            description = "not a real change"  # the period compared is in the page's caption
        else:
            color, arrow = delta_color(kpi), "auto"
        st.metric(
            kpi.label,
            format_value(item.value, kpi.format, currency=currency),
            delta=delta,
            delta_color=color,
            delta_arrow=arrow,
            delta_description=description or None,
            help=tooltip,
            chart_data=_sparkline(series) if kpi.daily_series else None,
            chart_type="line",
        )
        if trust is not None:
            st.caption(md_escape(trust_line(item, trust, currency=currency)))
            if trust.thin:
                st.caption(f":material/warning: Thin data: {md_escape(trust.thin)}")
        for note in (item.note, why_no_delta):
            if note:
                st.caption(md_escape(note))
        if benchmark is not None:
            st.caption(f":material/straighten: {md_escape(benchmark_line(benchmark, item.value))}")
        for goal in goals:
            goals_view.card_marker(goal, currency)


def card_grid(dataset: DataSet, view: View, kpi_ids: Sequence[str], *, per_row: int = CARDS_PER_ROW) -> None:
    """The KPIs as cards, ``per_row`` to a row: each with the view's comparison, its daily
    sparkline, its 95% interval and test of change, and the progress markers of its goals."""
    report, daily, trusts = state.report(dataset, view), state.daily(dataset, view), state.trust(dataset, view)
    goals = goals_view.progress_by_kpi(dataset, view)
    for start in range(0, len(kpi_ids), per_row):
        for column, kpi_id in zip(st.columns(per_row), kpi_ids[start : start + per_row], strict=False):
            with column:
                kpi_card(
                    report[kpi_id],
                    view=view,
                    currency=report.currency,
                    series=daily.series(kpi_id),
                    trust=trusts.get(kpi_id),
                    goals=goals.get(kpi_id, ()),
                )


def kpi_sections(dataset: DataSet, view: View) -> None:
    """Every KPI card, grouped (traffic, sales, leads, advertising, customers, satisfaction),
    outcome KPIs first in each group; a group with nothing to show says what would unlock it."""
    report = state.report(dataset, view)
    for group, label in GROUP_LABELS.items():
        st.subheader(label, divider="gray")
        members = kpis_in_group(group)
        reasons = {report[kpi.id].note for kpi in members if report[kpi.id].value is None}
        if all(report[kpi.id].value is None for kpi in members) and len(reasons) == 1:
            reason = next(iter(reasons)) or "unavailable"
            missing_table = reason.startswith("no ") and reason.endswith(" data")
            hint = UNLOCKS[group] if missing_table else "Clear the filter that this data cannot answer"
            st.info(md_escape(f"{label}: {reason}. {hint}."), icon=":material/info:")
            continue
        card_grid(dataset, view, [kpi.id for kpi in members])


def view_caption(dataset: DataSet, view: View) -> None:
    """One line under the title: data set, period, comparison, active filters."""
    parts = [md_escape(dataset.name), md_escape(view.period.label())]
    if view.compare_period:
        parts.append(f"{COMPARISON_LABELS[view.comparison].lower()}: {md_escape(view.compare_period.label())}")
    for dimension, values in view.filters:
        parts.append(f"{FILTER_DIMENSIONS[dimension]}: {md_escape(', '.join(values))}")
    if view.settings.margin is not None:
        parts.append(f"gross margin {view.settings.margin:.0%}")
    st.caption(" · ".join(parts))


def coverage_warnings(dataset: DataSet, view: View) -> None:
    """Say so when the period or its comparison reaches outside the data's dates."""
    span = dataset.tables.date_range()
    if span is None:
        return
    notes = [coverage_note(view.period, span)]
    if view.compare_period:
        notes.append(coverage_note(view.compare_period, span, name="The comparison period"))
    for note in notes:
        if note:
            st.caption(f":material/info: {md_escape(note)}")


def page_view(needs: str) -> tuple[DataSet, View]:
    """The start of every analysis page: the session's data set and view, with the caption and
    the coverage warnings under the title. With no dated rows, says what to load (``needs``, e.g.
    "traffic (sessions) or leads") and stops the page."""
    dataset, view = current()
    if view is None:
        st.info(f"The data set has no dated rows yet: load {needs} on the Data page.")
        st.stop()
    view_caption(dataset, view)
    coverage_warnings(dataset, view)
    return dataset, view


def breakdown_table(data: Breakdown, kpi_ids: Sequence[str], *, currency: str | None, download_name: str) -> None:
    """KPIs per group as a sortable table, each column formatted by its KPI's format; empty cells
    are unavailable (the reasons are listed under the table). The same figures download as
    ``download_name``.csv, unscaled (rates as fractions), with the KPIs' labels as headers."""
    chosen = [KPIS[kpi_id] for kpi_id in kpi_ids]
    group = nw.col("group").cast(nw.String())
    group_label = data.by.replace("_", " ").capitalize()
    frame = data.frame.select(group, *(nw.col(kpi.id) * FORMATS[kpi.format].table_scale for kpi in chosen))
    config = {
        "group": st.column_config.TextColumn(group_label, pinned=True),
        **{
            kpi.id: st.column_config.NumberColumn(kpi.label, format=printf_for(kpi.format, currency), help=kpi.formula)
            for kpi in chosen
        },
    }
    st.dataframe(frame.to_native(), column_config=config, hide_index=True, width="stretch", placeholder="—")
    reasons = _column_reasons(data, chosen)
    if reasons:
        st.caption("Empty cells: " + "; ".join(f"{md_escape(label)}: {md_escape(reason)}" for label, reason in reasons))
    export = data.frame.select(group.alias(group_label), *(nw.col(kpi.id).alias(kpi.label) for kpi in chosen))
    charts.download(export.to_native(), download_name, key=f"{download_name}_csv")


def _column_reasons(data: Breakdown, kpis: Sequence[Kpi]) -> list[tuple[str, str]]:
    """The most common reason each KPI is missing in some group."""
    reasons = []
    for kpi in kpis:
        notes = [
            note
            for value, note in zip(data.series(kpi.id), data.frame.get_column(f"{kpi.id}__note").to_list(), strict=True)
            if value is None and note
        ]
        if notes:
            reasons.append((kpi.label, max(set(notes), key=notes.count)))
    return reasons


def issue_list(problems: Sequence[tuple[str, Issue]]) -> None:
    """Data problems, one line each, naming the file: errors first."""
    for source, issue in sorted(problems, key=lambda item: item[1].severity != "error"):
        text = md_escape(issue.line(source))
        if issue.severity == "error":
            st.error(text, icon=":material/error:")
        else:
            st.warning(text, icon=":material/warning:")


def definitions_table() -> None:
    """The registry, a table per group: every KPI with its id, formula, unit and direction."""
    better = {True: "higher", False: "lower", None: "neither"}
    for group, label in GROUP_LABELS.items():
        st.subheader(label, divider="gray")
        rows = [
            {
                "KPI": f"**{kpi.label}**  \n`{kpi.id}`",
                "Formula": kpi.formula,
                "Unit": kpi.unit,
                "Better": better[kpi.higher_is_better],
                "Kind": kpi.role,
            }
            for kpi in kpis_in_group(group)
        ]
        st.table(rows, hide_index=True, border="horizontal")
