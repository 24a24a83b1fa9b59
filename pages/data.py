"""Data: upload exports, see what each became and its quality report, map unknown files once,
preview the canonical tables, or go back to the demo data."""

import streamlit as st

from kpi.ingest.mapping import ColumnMapping
from kpi.issues import DataError
from kpi_app import data, data_ui, state, ui

UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "xlsm", "parquet", "zip", "gz"]

st.title("Data")
dataset, view = state.current()

st.session_state["data_source_choice"] = "demo" if dataset.is_demo else "uploads"
st.segmented_control(
    "Data source",
    ["demo", "uploads"],
    format_func={"demo": "Demo data", "uploads": "My uploads"}.get,
    key="data_source_choice",
    required=True,
    disabled=not data.uploads(),
    on_change=lambda: data.use_demo(demo=st.session_state["data_source_choice"] == "demo"),
)

counter = st.session_state.setdefault("uploader_round", 0)
files = st.file_uploader(
    "Drop your exports here: Shopify, WooCommerce, GA4, Google Ads, Meta Ads, Search Console, HubSpot, Stripe, "
    "Mailchimp, Online Retail, Olist, or any CSV / Excel / Parquet / zip",
    accept_multiple_files=True,
    key=f"uploader_{counter}",
    help="Any file is accepted and checked on the server, so an unsupported one gets a message saying why "
    f"(formats read: {', '.join(UPLOAD_TYPES)}).",
)
if files:
    added = [upload.name for upload in files if data.add_upload(upload.name, upload.getvalue())]
    data.release_uploaded_files(files)
    st.session_state["uploader_round"] = counter + 1
    st.session_state["just_added"] = added
    st.rerun()
if st.session_state.pop("just_added", None):
    st.toast("Files added: the KPIs now use your uploads.", icon=":material/upload_file:")

left, right = st.columns([3, 1])
with left:
    profile = st.file_uploader("Load a column-mapping profile (.json) saved earlier", key=f"profile_{counter}")
    if profile is not None:
        try:
            data.add_mapping(ColumnMapping.from_json(profile.getvalue(), profile.name))
            st.session_state["uploader_round"] = counter + 1
            st.rerun()
        except DataError as err:
            st.error(ui.md_escape(str(err)), icon=":material/error:")
with right:
    if data.uploads() and st.button("Remove all uploads", icon=":material/delete:", key="remove_uploads"):
        data.clear_uploads()
        st.rerun()

if dataset.is_demo:
    st.info(
        "You are looking at the bundled demo data. Upload your own exports above; they stay in this browser "
        "session only and are never written to disk.",
        icon=":material/info:",
    )

st.subheader("What was found", divider="gray")
data_ui.results_table(dataset)
ui.issue_list([(source, issue) for source, issue in dataset.problems if issue.code == "unreadable"])

codes = sorted(
    {
        code
        for result in dataset.results
        for issue in result.issues
        if issue.code == "mixed_currencies"
        for code in issue.examples
    }
)
if codes:
    chosen = st.selectbox(
        "Orders mix currencies: keep only", codes, index=None, placeholder="pick a currency", key="currency_choice"
    )
    if chosen and chosen != st.session_state.get("currency"):
        st.session_state["currency"] = chosen
        st.rerun()

for index, result in enumerate(result for result in dataset.results if result.status == "unrecognised"):
    with st.container(border=True):
        mapping = data_ui.mapping_form(result, key=f"map{index}")
        if mapping is not None:
            data.add_mapping(mapping)
            st.rerun()

if dataset.issues:
    st.subheader("Across files", divider="gray")
    ui.issue_list(dataset.issues)

loaded = [result for result in dataset.results if result.loaded is not None]
if loaded:
    st.subheader("Quality report", divider="gray")
    for result in loaded:
        extra = [issue for source, issue in dataset.issues if source == result.source]
        data_ui.quality_report(result, extra, period=view.period if view else None)

st.subheader("Canonical tables", divider="gray")
data_ui.table_previews(dataset)
