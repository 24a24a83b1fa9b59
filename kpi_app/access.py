"""Optional sign-in for a hosted copy: when the host configures an identity provider (an ``[auth]``
table in ``.streamlit/secrets.toml``, see the README's Hosting section), visitors must log in with
``st.login`` before they see or upload anything. Without it the app is open, as when run locally.
"""

from __future__ import annotations

import streamlit as st

from kpi_app.markdown import md_escape


def sign_in_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` holds an ``[auth]`` table."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def locked() -> bool:
    """True when sign-in is configured and this visitor has not signed in."""
    return sign_in_configured() and not st.user.get("is_logged_in", False)


def sign_in_page() -> None:
    """What a visitor who has not signed in sees: what the app is, and the button to log in."""
    st.title("KPI Explorer")
    st.info(
        "This copy of KPI Explorer is private: sign in to see the KPIs and upload your exports. Your files stay "
        "in your browser session only.",
        icon=":material/lock:",
    )
    st.button("Log in", type="primary", icon=":material/login:", on_click=st.login, key="log_in")


def signed_in_sidebar() -> None:
    """Who is signed in, and the button to log out (only when sign-in is configured)."""
    if not sign_in_configured():
        return
    with st.sidebar:
        name = st.user.get("name") or st.user.get("email") or "you"
        st.caption(f"Signed in as {md_escape(str(name))}")
        st.button("Log out", icon=":material/logout:", on_click=st.logout, key="log_out")
