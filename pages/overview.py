"""Overview: every KPI card for the chosen period, and the KPIs per channel, device, source or
campaign."""

import streamlit as st

from kpi.exports import report_table, report_xlsx
from kpi_app import charts, forecast_view, state, ui

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
ui.kpi_sections(dataset, view)
report, trusts = state.report(dataset, view), state.trust(dataset, view)
name = f"kpi_table_{view.period.start}_{view.period.end}"
csv_column, xlsx_column = st.columns([1, 3])
with csv_column:
    charts.download(report_table(report, trusts), name, key="download_kpi_table", label="Download the KPI table (CSV)")
with xlsx_column:
    st.download_button(
        "Download the KPI table (Excel, with definitions)",
        lambda: report_xlsx(report, trusts),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="download_kpi_table_xlsx",
        icon=":material/table_view:",
        on_click="ignore",
    )
st.caption(
    "One row per KPI: value, comparison, change, 95% interval, whether the change is real, the note the card "
    "shows and the formula; the Excel file adds every KPI's definition on a second sheet. Charts download as PNG "
    "from the camera icon of their toolbar."
)

st.subheader("Forecast", divider="gray")
forecast_view.forecast_section(dataset, view)

st.subheader("Breakdown", divider="gray")
by = st.segmented_control(
    "Break down by", list(BREAKDOWNS), format_func=BREAKDOWNS.get, default="channel", key="overview_by", required=True
)
ui.breakdown_table(state.grouped(dataset, view, by), KEY_KPIS, currency=report.currency, download_name=f"kpis_by_{by}")
st.caption(
    "Every ratio is computed within the group as Σ numerator / Σ denominator. New customers and CAC "
    "count each customer in the group of their first order."
)
