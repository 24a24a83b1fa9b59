"""Channels: conversion by device, social platforms, organic search over time, online vs
offline channels, and every KPI per channel."""

import streamlit as st

from kpi import channel_views as cv
from kpi.uncertainty import breakdown_mix_shift
from kpi_app import channels_view as section
from kpi_app import state, ui

st.title("Channels")
dataset, view = ui.page_view("orders, traffic, spend, leads or NPS answers")
tables, currency = dataset.tables, dataset.tables.currency
period, filters, settings = view.period, view.filter_map, view.settings


def memo(name, make):
    """A section's numbers, computed once per data set and view in this session."""
    return state.memo(("channels", name, dataset.id, view), make)


st.subheader("Conversion by device", divider="gray")
blocked = section.device_blocker(tables, view)
if blocked:
    st.info(ui.md_escape(blocked), icon=section.INFO)
else:
    devices = memo(
        "device", lambda: cv.device_conversion(tables, period, filters, settings, compare_period=view.compare_period)
    )
    section.devices(devices, view=view, currency=currency)

st.subheader("Why the conversion rate changed", divider="gray")
mix_by = st.segmented_control(
    "Split the change by",
    list(section.MIX_BY),
    format_func=section.MIX_BY.get,
    default="device",
    key="mix_by",
    required=True,
)
if view.compare_period is None:
    st.info("Pick a comparison in the sidebar to split the conversion rate's change.", icon=section.INFO)
else:
    shift = memo(
        f"mix_{mix_by}",
        lambda: breakdown_mix_shift(
            state.grouped(dataset, view, mix_by), state.grouped(dataset, view, mix_by, compare=True)
        ),
    )
    section.mix_shift_section(shift, by=mix_by, view=view)

st.subheader("Social platforms", divider="gray")
blocked = section.social_blocker(tables, view)
if blocked:
    st.info(blocked, icon=section.INFO)
else:
    section.social(memo("social", lambda: cv.social_platforms(tables, period, filters, settings)), currency=currency)

st.subheader("Organic search over time", divider="gray")
blocked = section.organic_blocker(tables, view)
if blocked:
    st.info(blocked, icon=section.INFO)
else:
    section.organic(memo("organic", lambda: cv.organic_trend(tables, period, filters, settings)), view=view)

st.subheader("Online vs offline channels", divider="gray")
blocked = section.kind_blocker(view)
if blocked:
    st.info(blocked, icon=section.INFO)
else:
    kinds = memo("kinds", lambda: cv.online_offline(tables, period, filters, settings))
    section.online_offline(kinds, currency=currency)

st.subheader("Every KPI per channel", divider="gray")
section.every_kpi(cv.channel_table(state.grouped(dataset, view, "channel")), currency=currency)
