"""KPI definitions: every KPI's formula, unit and direction, from the registry."""

import streamlit as st

from kpi_app import state, ui

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
