"""Goals: targets for KPIs over a goal period, where each stands today and whether the pace so far
reaches it; goals are kept in a file the user downloads and loads again."""

import streamlit as st

from kpi_app import goals_view, ui

st.title("Goals")
dataset, view = ui.page_view("orders, traffic, spend, leads or NPS answers")
report_currency = dataset.tables.currency
st.caption(
    "A goal is one KPI, a number to reach (a value, or an uplift on a baseline period) and a goal period. "
    "Progress is measured up to the last day of data; the rest of the period is forecast from the daily "
    "history (weekday pattern, and yearly pattern with more than a year of data)."
)

current = goals_view.goals()
st.subheader(f"Your goals ({len(current)})", divider="gray")
if not current:
    st.info(
        "No goals yet: add one below, or load a goals file you saved earlier. Goals stay in this browser "
        "session only; download them to keep them.",
        icon=":material/flag:",
    )
for index, goal in enumerate(current):
    goals_view.goal_card(goals_view.progress_of(dataset, view, goal), currency=report_currency, index=index)

st.subheader("Add a goal", divider="gray")
goals_view.goal_form(dataset, view)

st.subheader("Save and load", divider="gray")
st.caption("Nothing is stored on the server: keep the file and load it again next time (JSON or YAML).")
goals_view.goals_file_section()
