"""KPI Explorer: the entry point. Sets the page, owns the data source and the sidebar filters
every page shares, and routes to the pages with ``st.navigation``.

Run: ``streamlit run app.py`` (opens on the bundled demo data).
"""

from pathlib import Path

import streamlit as st

from kpi_app import access, data, state

# A local file: a material icon would make every visitor's browser fetch it from fonts.gstatic.com.
ICON = Path(__file__).parent / "kpi_app" / "icon.png"

st.set_page_config(page_title="KPI Explorer", page_icon=str(ICON), layout="wide")

pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/funnels.py", title="Funnels", icon=":material/filter_alt:"),
    st.Page("pages/ltv.py", title="LTV vs CAC", icon=":material/savings:"),
    st.Page("pages/channels.py", title="Channels", icon=":material/hub:"),
    st.Page("pages/retention.py", title="Retention", icon=":material/autorenew:"),
    st.Page("pages/leads.py", title="Leads and sales team", icon=":material/groups:"),
    st.Page("pages/goals.py", title="Goals", icon=":material/flag:"),
    st.Page("pages/data.py", title="Data", icon=":material/upload_file:"),
    st.Page("pages/definitions.py", title="KPI definitions", icon=":material/menu_book:"),
]
if access.locked():  # a host configured sign-in ([auth] in .streamlit/secrets.toml): nothing before it
    st.navigation([st.Page(access.sign_in_page, title="Sign in", url_path="sign_in")]).run()
    st.stop()
navigation = st.navigation(pages)
dataset = data.current_dataset()
state.sidebar(dataset)
access.signed_in_sidebar()
navigation.run()
