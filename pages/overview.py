"""Overview: every KPI card for the chosen period, and the KPIs per channel, device, source or
campaign."""

import streamlit as st

from kpi.exports import report_table
from kpi_app import charts, state, ui

KEY_KPIS = ("sessions", "orders", "revenue", "conversion_rate", "aov", "spend", "roas", "cpa", "new_customers", "cac")
BREAKDOWNS = {"channel": "Channel", "device": "Device", "source": "Source", "campaign": "Campaign"}

st.title("Overview")
dataset, view = state.current()
if dataset.problems:
    with st.expander(f"Data problems ({len(dataset.problems)})", icon=":material/warning:"):
        ui.issue_list(dataset.problems)
if view is None:
    st.info("The data set has no dated rows yet: load orders, traffic, spend, leads or NPS answers.")
    st.stop()

ui.view_caption(dataset, view)
ui.coverage_warnings(dataset, view)
report = state.report(dataset, view)
ui.kpi_sections(report, state.daily(dataset, view), view)
charts.download(
    report_table(report),
    f"kpi_table_{view.period.start}_{view.period.end}",
    key="download_kpi_table",
    label="Download the KPI table (CSV)",
)
st.caption("One row per KPI: value, comparison, change, the note the card shows and the formula.")

st.subheader("Breakdown", divider="gray")
by = st.segmented_control(
    "Break down by", list(BREAKDOWNS), format_func=BREAKDOWNS.get, default="channel", key="overview_by", required=True
)
ui.breakdown_table(state.grouped(dataset, view, by), KEY_KPIS, currency=report.currency, download_name=f"kpis_by_{by}")
st.caption(
    "Every ratio is computed within the group as Σ numerator / Σ denominator. New customers and CAC "
    "count each customer in the group of their first order."
)
