"""Funnels: the e-commerce funnel (sessions → add to cart → checkout → purchase) and the lead funnel
(sessions → leads → MQL → SQL → won), with the comparison period, a breakdown by channel or device and
the weekly trend of each step rate."""

import streamlit as st

from kpi.funnels import FUNNEL_LABELS, funnel, funnel_frame, lead_maturity, weekly_funnel
from kpi_app import charts, state, ui
from kpi_app import funnels_view as fv

st.title("Funnels")
dataset, view = ui.page_view("traffic (sessions) or leads")

left, right = st.columns(2)
with left:
    kind = st.segmented_control(
        "Funnel",
        list(FUNNEL_LABELS),
        format_func=FUNNEL_LABELS.get,
        default="ecommerce",
        key="funnel_kind",
        required=True,
    )
with right:
    share = st.segmented_control(
        "Show each step as",
        list(fv.SHARE_LABELS),
        format_func=fv.SHARE_LABELS.get,
        default="of_first",
        key="funnel_share",
        required=True,
    )

tables, filters, settings = dataset.tables, view.filter_map, view.settings
result = state.memo(
    ("funnel", dataset.id, view, kind),
    lambda: funnel(tables, view.period, filters, settings, kind=kind, compare_period=view.compare_period),
)
if fv.empty_state(result, tables):
    st.stop()

st.subheader(f"{FUNNEL_LABELS[kind]} funnel", divider="gray")
charts.show(fv.funnel_chart(result, share=share), key=f"funnel_chart_{kind}")
sentence = fv.drop_sentence(result)
if sentence:
    st.markdown(sentence)
settling = fv.maturity_warning(lead_maturity(tables, view.period)) if kind == "leads" else None
if settling:
    st.warning(settling, icon=":material/hourglass_top:")
changes = fv.change_line(result, share=share)
if changes:
    st.caption(changes)
fv.steps_table(result)
st.caption(fv.FORMULAS[kind] + " " + fv.BIGGEST_DROP)

st.subheader("By channel or device", divider="gray")
by = st.segmented_control(
    "Break down by", list(fv.BY_LABELS), format_func=fv.BY_LABELS.get, default="channel", key="funnel_by", required=True
)
grouped = state.memo(
    ("funnel_by", dataset.id, view, kind, by),
    lambda: funnel_frame(tables, view.period, filters, settings, kind=kind, by=by),
)
figure, left_out = fv.breakdown_chart(grouped, by=by, share=share)
if figure is None:
    st.info(fv.breakdown_unavailable(grouped, by=by), icon=":material/info:")
else:
    charts.show(figure, key=f"funnel_by_chart_{kind}_{by}")
    fv.breakdown_table(grouped, by=by, share=share, kind=kind)
    st.caption(fv.breakdown_caption(by=by, share=share, kind=kind, left_out=left_out))

st.subheader("Weekly trend of each step rate", divider="gray")
weekly = state.memo(
    ("funnel_weekly", dataset.id, view, kind),
    lambda: weekly_funnel(tables, view.period, filters, settings, kind=kind),
)
trend = fv.trend_chart(weekly, share=share)
if trend is None:
    st.info("No week of the period has a step rate to show.", icon=":material/info:")
else:
    charts.show(trend, key=f"funnel_trend_{kind}")
    st.caption(fv.trend_caption(view.period, kind=kind, share=share))
    fv.trend_download(weekly, kind=kind)
