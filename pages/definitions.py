"""KPI definitions: every KPI's formula, unit and direction, from the registry."""

import streamlit as st

from kpi.exports import definitions_table
from kpi_app import charts, state, ui

state.through_app()
st.title("KPI definitions")
st.markdown(
    "Every number in KPI Explorer follows one written definition. **Live orders** are orders whose "
    "status is not *cancelled*; a repeated order id is one order and its last row wins. **Ratios are "
    "ratios of sums** (never averages of daily rates), and a ratio whose denominator is 0 is shown as "
    "unavailable with the reason, never as 0. Customer history (first order, repeat orders, LTV) always "
    "spans all the data, whatever the filters; a customer belongs to the channel of their first order."
)
ui.definitions_table()
charts.download(
    definitions_table(), "kpi_definitions", key="download_definitions", label="Download the definitions (CSV)"
)
st.caption(
    "The Overview's KPI table downloads as Excel with these definitions on a second sheet. How the cards' 95% "
    "intervals and tests of change are computed: the README's *Intervals, goals and forecasts*."
)
