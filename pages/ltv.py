"""LTV vs CAC: what a new customer is worth against what it cost to acquire, per channel, and how
fast each acquisition cohort or channel pays its CAC back."""

import streamlit as st

from kpi.benchmarks import BENCHMARKS
from kpi.cohorts import guest_share
from kpi.ltv_cac import channel_economics, cohort_payback
from kpi.registry import KPIS
from kpi_app import charts, state, ui
from kpi_app import cohorts_view as cv

CARDS = ("ltv", "cac", "ltv_cac_ratio", "cac_payback_months")
LINES = {"cohort": "Acquisition month", "channel": "Channel"}

st.title("LTV vs CAC")
dataset, view = ui.page_view("orders, traffic, spend, leads or NPS answers")
tables = dataset.tables
if tables.orders is None:
    st.info(f"LTV, CAC and payback need orders. {ui.UNLOCKS['sales']}.", icon=":material/info:")
    st.stop()

report = state.report(dataset, view)
ui.card_grid(dataset, view, CARDS, per_row=len(CARDS))
if guest_share(tables) == 1.0:
    st.warning(
        "Every order is a guest checkout (no customer ids): each order counts as a new one-order customer, so LTV "
        "is the first order's value and the curves stay flat. Upload orders with customer ids on the Data page.",
        icon=":material/person_off:",
    )

st.subheader("LTV vs CAC by channel", divider="gray")
economics = channel_economics(state.grouped(dataset, view, "channel"))
settings = view.settings
if len(economics.frame) == 0:
    st.info("No channel acquired customers in this period (after the filters).", icon=":material/info:")
elif len(economics.plotted()) == 0:
    if tables.spend is None:
        st.info(f"CAC needs ad spend. {ui.UNLOCKS['advertising']}. Meanwhile: LTV per channel.", icon=":material/info:")
    else:
        reason = ui.md_escape(economics.main_reason() or "see the table")
        st.info(
            f"No channel can be placed on a CAC vs LTV chart: {reason}. Meanwhile: LTV per channel.",
            icon=":material/info:",
        )
    cv.show_ltv_bars(economics, currency=report.currency, ltv_months=settings.ltv_months)
else:
    chart, side = st.columns([3, 1])
    with chart:
        band = BENCHMARKS["ltv_cac_ratio"] if view.show_benchmarks else None
        figure = cv.scatter_figure(economics, currency=report.currency, ltv_months=settings.ltv_months, band=band)
        charts.show(figure, key="ltv_scatter")
    with side:
        cv.left_out_list(economics, currency=report.currency)
st.caption(
    f"One point per acquisition channel (a customer belongs to the channel of their first order); size = new "
    f"customers. **CAC** = {ui.md_escape(KPIS['cac'].formula)}. **LTV** = {ui.md_escape(KPIS['ltv'].formula)}. "
    "Above the dashed line a channel's customers earn back their acquisition cost within the horizon; above the "
    "dotted one, three times over (a common target). Channels with CAC 0 (no spend attributed: organic, direct, "
    "referral) are listed beside the chart instead of being drawn at 0."
)
cv.economics_table(economics, currency=report.currency)

st.subheader("Cumulative value per customer", divider="gray")
by = st.segmented_control(
    "Lines per", list(LINES), format_func=LINES.get, default="cohort", key="ltv_lines_by", required=True
)
result = state.memo(
    ("cohort_payback", dataset.id, view, by),
    lambda: cohort_payback(tables, period=view.period, filters=view.filter_map, settings=settings, by=by),
)
curves = result.curves
st.caption(cv.window_caption(result.window, view.period))
if curves.frame is None:
    st.info(f"No curves: {ui.md_escape(curves.note or 'no new customers')}.", icon=":material/info:")
elif len(curves.frame) == 0:
    st.info(
        "No customer acquired in these months has a full month of history in the data yet.",
        icon=":material/hourglass_empty:",
    )
else:
    figure = cv.curves_figure(curves, result.paybacks, blended_cac=result.blended_cac, currency=report.currency)
    charts.show(figure, key=f"curves_{by}")
    cv.curves_caption(curves, blended_cac=result.blended_cac, currency=report.currency)
    cv.curves_table(curves, result.paybacks, currency=report.currency)

with st.expander("How the LTV card and the curves relate", icon=":material/help:"):
    st.markdown(
        f"- **The LTV card** is *realised* LTV over the horizon H = {settings.ltv_months} months (Settings): every "
        "new customer of the period counts, with the net revenue × margin of their live orders placed within H "
        "months of their first order. A customer acquired recently has had less than H months to buy again, so "
        "the card counts what they have spent so far and says how many such customers there are.\n"
        "- **The curves** show the same money month by month, but each point only averages the customers the "
        "data covers for that whole month, so recent customers leave the curve as it goes on. The curve at month "
        "H therefore differs from the card when some customers have a shorter history: it is an estimate of a "
        "full H months, the card a floor.\n"
        "- **CAC payback** = the first month the curve reaches CAC (1 = within the month of the first order). "
        "The curves span at least the 12 calendar months up to the period's end (a short period has no "
        "history yet), and their CACs are taken over the same months: every monthly cohort is compared with the "
        "blended CAC of those months, each channel with its own."
    )
