"""Retention: monthly acquisition cohorts (who keeps buying and how much), the period's repurchase
and returning customer rates, and the days between a customer's orders."""

import streamlit as st

from kpi.cohorts import FEWEST_COHORTS, MOST_COHORTS, cohort_table, days_between_orders, guest_share
from kpi.registry import KPIS
from kpi_app import charts, state, ui
from kpi_app import cohorts_view as cv

CARDS = ("repurchase_rate", "returning_customer_rate")
METRICS = {"active": "Active customers %", "revenue": "Net revenue per customer"}
MODES = {"month": "In each month", "cumulative": "Cumulative"}
GAP_DAYS = 7

st.title("Retention")
dataset, view = ui.page_view("orders, traffic, spend, leads or NPS answers")
tables = dataset.tables
if tables.orders is None:
    st.info(f"Retention needs orders. {ui.UNLOCKS['sales']}.", icon=":material/info:")
    st.stop()
share = guest_share(tables)
if share is None:
    st.info("The orders hold no live order (every one is cancelled).", icon=":material/info:")
    st.stop()
if share == 1.0:
    st.info(
        "Every order is a guest checkout (the orders have no customer ids), so no order can be linked to an "
        "earlier one: cohorts, repurchase and returning customers are meaningless here. Upload orders with a "
        "customer id or e-mail column on the Data page.",
        icon=":material/person_off:",
    )
    st.stop()

report = state.report(dataset, view)
ui.card_grid(dataset, view, CARDS, per_row=4)
cv.guest_caption(share)

st.subheader("Cohorts", divider="gray")
left, right = st.columns(2)
with left:
    metric = st.segmented_control(
        "Show", list(METRICS), format_func=METRICS.get, default="active", key="retention_metric", required=True
    )
with right:
    mode = st.segmented_control(
        "Months", list(MODES), format_func=MODES.get, default="month", key="retention_mode", required=True
    )
cumulative = mode == "cumulative"
table = state.memo(
    ("cohorts", dataset.id, view, metric, cumulative),
    lambda: cohort_table(tables, period=view.period, filters=view.filter_map, metric=metric, cumulative=cumulative),
)
if table.frame is None:
    st.info(f"No cohorts: {ui.md_escape(table.note or 'no customers')}.", icon=":material/info:")
else:
    charts.show(cv.heatmap_figure(table, currency=report.currency), key=f"heatmap_{metric}_{mode}")
    formulas = {
        ("active", False): "share of the cohort's customers with a live order in month k (month 0 is 100%)",
        ("active", True): "share of the cohort's customers with a second live order by the end of month k "
        "(month 0: a repeat within the first month)",
        ("revenue", False): "net revenue (revenue − refunds, not × margin) of the cohort's orders in month k / "
        "its customers",
        ("revenue", True): "cumulative net revenue (revenue − refunds, not × margin) through month k / the "
        "cohort's customers",
    }
    st.caption(
        f"Rows: the months the period touches ({FEWEST_COHORTS} to {MOST_COHORTS}, ending with the period's last "
        "month), each the customers whose first live order fell in that month and passes the filters (number after "
        "the month). Columns: months since the first order (month k runs from k to k + 1 calendar months after it). "
        f"Cell = {formulas[(metric, cumulative)]}, over the customers the data covers through the whole month k; "
        "blank = not yet observable for anyone in the cohort. Orders in any channel count; cancelled orders do not."
    )
    cv.cohort_download(table)

st.subheader("Days between orders", divider="gray")
gaps = state.memo(
    ("gaps", dataset.id, view), lambda: days_between_orders(tables, period=view.period, filters=view.filter_map)
)
if gaps.frame is None or len(gaps.frame) == 0:
    st.info(f"No repeat orders: {ui.md_escape(gaps.note or 'none in the period')}.", icon=":material/info:")
else:
    cv.gaps_summary(gaps)
    charts.show(cv.gaps_figure(gaps, width=GAP_DAYS), key="gaps_histogram")
    st.caption(
        "For each customer of the period (a customer of its live orders, after the filters), the days from each "
        "live order to their previous one (any channel), counting their orders up to the period's end; a repeat "
        "on the same day is 0 days. The share of customers with at least one such gap is the "
        f"{KPIS['returning_customer_rate'].label.lower()}."
    )
    cv.gaps_downloads(gaps, width=GAP_DAYS)
