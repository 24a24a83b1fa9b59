"""Leads and sales team: the pipeline's cards, lead time, where leads come from (landing pages,
channels), each sales rep's figures, and customer satisfaction (NPS with its margin of error)."""

import streamlit as st

from kpi.leads_views import CARD_KPIS, THIN_ANSWERS, TRAFFIC_CARD_KPIS, column, leads_page, top_landing_pages
from kpi_app import charts, leads_view, state, ui

CRM_HINT = ui.UNLOCKS["leads"]
NPS_HINT = ui.UNLOCKS["satisfaction"]
WEB_HINT = ui.UNLOCKS["traffic"]
TOP_PAGES = 10
CHANNEL_CHART = ("leads", "won_deals", "sales_conversion_rate", "win_rate", "lead_time_days")

st.title("Leads and sales team")
dataset, view = ui.page_view("leads, NPS answers or other data")
report = state.report(dataset, view)
daily = state.daily(dataset, view)
page = state.memo(
    ("leads_page", dataset.id, view),
    lambda: leads_page(dataset.tables, view.period, view.filter_map, view.settings),
)
currency = report.currency

# --- Leads and pipeline ---------------------------------------------------------------------
st.subheader("Leads and pipeline", divider="gray")
if page.has_leads:
    ui.card_grid(dataset, view, CARD_KPIS)
    st.caption(
        "Each count places a lead by the date of its own step (created, MQL, SQL, won); sales conversion and "
        "MQL → SQL follow the leads created in the period. The **?** of each card gives its formula."
    )
    standing = leads_view.cohort_caption(page.cohort)
    if standing:
        st.caption(standing)
else:
    st.info(f"{CRM_HINT}.", icon=":material/info:")
    if report["leads"].value is not None:
        st.caption("Meanwhile, the web analytics' lead-form submissions:")
        ui.card_grid(dataset, view, TRAFFIC_CARD_KPIS)

# --- Lead time ------------------------------------------------------------------------------
st.subheader("Lead time", divider="gray")
lead_time = page.lead_time
if lead_time.histogram is None:
    if lead_time.reason == "no deals won in the period":
        st.info("No deals were won in the period: there is no lead time to show.", icon=":material/info:")
    else:
        leads_view.unavailable(lead_time.reason, hint=CRM_HINT, view=view, what="Lead time")
else:
    charts.show(leads_view.lead_time_figure(lead_time), key="leads_lead_time")
    st.caption(leads_view.lead_time_caption(lead_time))

# --- Where leads come from ------------------------------------------------------------------
st.subheader("Where leads come from", divider="gray")
pages = page.landing_pages
if page.has_leads:
    st.markdown("**Landing pages**")
if pages.available:
    charts.show(
        leads_view.landing_page_figure(top_landing_pages(pages, top=TOP_PAGES), currency=currency),
        key="leads_pages_chart",
    )
    st.caption(
        f"The {TOP_PAGES} landing pages with most leads, the rest folded into *Other*; every page is in the table. "
        f"{column('sales_conversion_rate').label} = {column('sales_conversion_rate').formula} "
        "(won / leads of the page)."
    )
    with st.expander(f"All {pages.rows} landing pages of the leads", icon=":material/table:"):
        leads_view.group_table(pages, currency=currency, name="leads_by_landing_page", key="leads_pages")
elif pages.reason and pages.reason != "no leads data":
    leads_view.unavailable(pages.reason, hint=CRM_HINT, view=view, what="Landing pages of the leads")
elif page.has_leads:
    st.info("No leads were created in the period.", icon=":material/info:")

web = page.traffic_pages
if web.available:
    st.markdown("**Landing pages in the web analytics**")
    leads_view.group_table(web, currency=currency, name="web_leads_by_landing_page", key="leads_web_pages")
    st.caption(
        f"{column('lead_conversion_rate').label} = {column('lead_conversion_rate').formula}, per page. The "
        f"{column('landing_page_conversion_rate').label} card leaves out the home page (/) and rows without a "
        "landing page."
    )
elif page.has_leads or web.reason is None:
    st.markdown("**Landing pages in the web analytics**")
    if web.reason is None:
        st.info("No web sessions in the period.", icon=":material/info:")
    else:
        leads_view.unavailable(web.reason, hint=WEB_HINT, view=view, what="Lead-form conversion per landing page")
else:  # neither a leads table nor web analytics with leads per landing page
    leads_view.unavailable(web.reason, hint=CRM_HINT, view=view, what="Landing pages")

st.markdown("**Origin channels**")
channels = page.channels
if channels.available:
    options = CHANNEL_CHART if channels.source == "leads" else channels.columns
    default = "leads" if channels.source == "leads" else "traffic_leads"
    leads_view.bar_section(channels, options, default=default, key="leads_channel_kpi", currency=currency)
    leads_view.group_table(channels, currency=currency, name="leads_by_channel", key="leads_channels")
    if channels.source == "traffic":
        st.caption("Without a leads table, the web analytics' lead-form submissions per channel.")
    else:
        st.caption(
            "Per channel of the lead, each ratio within the channel as on the cards. "
            "Hover a column header for its formula."
        )
elif channels.reason and page.has_leads:
    leads_view.unavailable(channels.reason, hint=CRM_HINT, view=view, what="Channels")
elif page.has_leads:
    st.info("No leads were created, won or lost in the period.", icon=":material/info:")

# --- Sales team -----------------------------------------------------------------------------
st.subheader("Sales team", divider="gray")
team = page.team
if team.available:
    leads_view.bar_section(
        team,
        ("won_deals", "deal_value", "win_rate", "leads", "lead_time_days", "avg_deal_value"),
        default="won_deals",
        key="leads_team_kpi",
        currency=currency,
        dimension="owner",
    )
    leads_view.group_table(team, currency=currency, name="sales_team", key="leads_team")
    st.caption(
        f"Per owner of the lead. {column('deal_value').label} = {column('deal_value').formula}; "
        f"{column('avg_deal_value').label} = {column('avg_deal_value').formula}. Leads without an owner are "
        "*(not set)*."
    )
elif team.reason == "leads have no owner column":
    st.info(
        "The export has no owner / sales rep column: the sales team's figures need one (HubSpot's deal owner, "
        "Olist's sr_id, a canonical owner column).",
        icon=":material/info:",
    )
elif team.reason:
    leads_view.unavailable(team.reason, hint=CRM_HINT, view=view, what="Sales team")
else:
    st.info("No leads were created, won or lost in the period.", icon=":material/info:")

# --- Customer satisfaction (NPS) -------------------------------------------------------------
st.subheader("Customer satisfaction (NPS)", divider="gray")
nps = page.nps
if nps.available:
    leads_view.nps_metrics(nps, report, daily, view, state.trust(dataset, view))
    st.markdown("**By channel**")
    by_channel = page.nps_by_channel
    if by_channel.available:
        charts.show(leads_view.nps_channel_figure(by_channel), key="leads_nps_chart")
        leads_view.group_table(
            by_channel, currency=currency, name="nps_by_channel", key="leads_nps", hide=leads_view.NPS_SHARES
        )
        st.caption(
            f"Per channel of the answer. NPS = 100 × (promoters − detractors) / answers; "
            f"± = {column('nps_moe').formula}. *Thin*: fewer than {THIN_ANSWERS} answers. The shares are in the "
            "chart and the CSV."
        )
    elif by_channel.reason == "NPS answers have no channel column":
        st.info(
            "The survey answers have no channel column: NPS by channel needs one.",
            icon=":material/info:",
        )
    else:
        leads_view.unavailable(by_channel.reason, hint=NPS_HINT, view=view, what="NPS by channel")
elif nps.reason == "no NPS answers in the period":
    st.info("No survey answers in the period.", icon=":material/info:")
else:
    leads_view.unavailable(nps.reason, hint=NPS_HINT, view=view, what="NPS")
