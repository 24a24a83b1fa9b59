"""Render helpers of the Data page: what each upload became, its quality report, the mapping
step for files no recogniser knows, and previews of the canonical tables.

Every string that comes from a file (names, headers, cell values) is shown with ``st.dataframe``
(which escapes) or through :func:`~kpi_app.ui.md_escape`; nothing is rendered as HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import streamlit as st

from kpi.ingest.mapping import ColumnMapping, apply_mapping, suggest, unmapped_columns
from kpi.ingest.model import ParseOptions, RawTable
from kpi.ingest.pipeline import TableResult
from kpi.ingest.quality import FileQuality, file_quality
from kpi.ingest.validation import validate
from kpi.issues import DataError, Issue
from kpi.schema import SCHEMAS, TABLE_NAMES, TableName
from kpi_app.data import DataSet
from kpi_app.ui import md_escape

TABLE_LABELS: dict[str, str] = {
    "orders": "Orders (one row per order)",
    "traffic": "Traffic (sessions per day and dimensions)",
    "spend": "Ad spend (cost per day and dimensions)",
    "leads": "Leads (one row per lead / deal)",
    "nps": "NPS answers (one row per answer)",
}
STATUS_ICONS = {
    "loaded": ":material/check_circle:",
    "skipped": ":material/remove_circle:",
    "unrecognised": ":material/help:",
    "failed": ":material/error:",
}
NOT_MAPPED = "— not in the file —"
PREVIEW_ROWS = 20
DATE_ORDERS = {
    None: "Detect",
    "dmy": "Day first (31.12.2024)",
    "mdy": "Month first (12/31/2024)",
    "ymd": "Year first (2024-12-31)",
}
DECIMALS = {None: "Detect", ".": "Dot (1,234.56)", ",": "Comma (1 234,56)"}


def results_table(dataset: DataSet) -> None:
    """One line per table found in the uploads: what it became and how many rows it kept."""
    rows = []
    for result in dataset.results:
        loaded = result.loaded
        rows.append(
            {
                "File / table": result.source,
                "Status": result.status,
                "Recognised as": result.recogniser or "",
                "Table": result.table or (f"probably {result.guess}" if result.guess else ""),
                "Rows read": loaded.rows_read if loaded else None,
                "Rows kept": loaded.rows_kept if loaded else None,
                "Note": result.message or "",
            }
        )
    st.dataframe(pl.DataFrame(rows), hide_index=True, width="stretch", placeholder="—")


def _issue_lines(title: str, issues: Sequence[Issue]) -> None:
    if not issues:
        return
    st.markdown(f"**{title}**")
    for issue in issues:
        text = issue.message + (f"; e.g. {', '.join(issue.examples)}" if issue.examples else "")
        if issue.hint:
            text += f" ({issue.hint})"
        st.markdown(f"- {md_escape(text)}")


def quality_report(result: TableResult, extra: Sequence[Issue] = (), period=None) -> None:
    """The data-quality report of one loaded table, in an expander."""
    assert result.loaded is not None
    report: FileQuality = file_quality(result.loaded, period=period, extra=extra)
    worrying = any(issue.severity != "info" for issue in (*report.dropped, *report.changed, *report.notes))
    title = (
        f"{report.source}: {report.recogniser} → {report.table}, {report.rows_read:,} rows read, "
        f"{report.rows_kept:,} kept"
    )
    with st.expander(
        md_escape(title), icon=":material/warning:" if worrying else ":material/check_circle:", expanded=worrying
    ):
        facts = []
        if report.first_day and report.last_day:
            facts.append(f"dates {report.first_day:%d %b %Y} – {report.last_day:%d %b %Y}")
        facts.append(f"currency {report.currency}" if report.currency else "no currency found")
        if report.outside_period:
            facts.append(f"{report.outside_period:,} rows outside the selected period")
        st.caption(md_escape(" · ".join(facts)))
        _issue_lines(f"Left out ({report.rows_dropped:,} rows)", report.dropped)
        _issue_lines("Changed", report.changed)
        _issue_lines("Notes", report.notes)
        if report.channels:
            st.markdown("**Channels and how they were assigned**")
            st.dataframe(
                pl.DataFrame(
                    [{"Channel": line.channel, "Rows": line.rows, "How": line.how} for line in report.channels]
                ),
                hide_index=True,
                width="stretch",
            )
        st.markdown("**Preview**")
        st.dataframe(result.loaded.frame.head(PREVIEW_ROWS), hide_index=True, width="stretch")


def table_previews(dataset: DataSet) -> None:
    """The canonical tables of the data set, one tab each, with their row counts."""
    present = dataset.tables.present()
    if not present:
        st.info("No canonical table yet.")
        return
    tabs = st.tabs([f"{name} ({len(dataset.tables.get(name)):,})" for name in present])  # type: ignore[arg-type]
    for tab, name in zip(tabs, present, strict=True):
        frame = dataset.tables.get(name)
        assert frame is not None
        with tab:
            shown = [column for column in SCHEMAS[name].names if column in frame.columns]
            st.dataframe(frame.select(shown).to_native().head(200), hide_index=True, width="stretch")
            if len(frame) > 200:
                st.caption(f"The first 200 of {len(frame):,} rows.")


def _column_choice(
    raw: RawTable, table: TableName, canonical: str, *, why: str | None, suggested: str | None, key: str
) -> str | None:
    column = SCHEMAS[table].column(canonical)
    options = [NOT_MAPPED, *raw.columns]
    label = f"{canonical}{' *' if column.required and not column.nullable else ''}"
    help_text = f"{column.meaning}." + (f" Suggested because {why}." if why else "")
    picked = st.selectbox(
        label,
        options,
        index=options.index(suggested) if suggested in options else 0,
        key=key,
        help=md_escape(help_text),
    )
    return None if picked == NOT_MAPPED else picked


def mapping_form(result: TableResult, key: str) -> ColumnMapping | None:
    """The mapping step for one unrecognised table: pick the table kind, map each canonical
    column to a file column (suggestions preselected), preview the typed result, then use the
    mapping (returned) or download it as a JSON profile."""
    raw = result.raw
    assert raw is not None
    st.markdown(
        f"**{md_escape(raw.source)}** is not a known export. Map its columns once; download the mapping "
        "to reuse it next time."
    )
    st.dataframe(raw.frame.head(5), hide_index=True, width="stretch")
    tables = list(TABLE_NAMES)
    table: TableName = st.selectbox(
        "This file holds",
        tables,
        index=tables.index(result.guess) if result.guess else 0,
        format_func=TABLE_LABELS.get,
        key=f"{key}_table",
    )
    suggestions = suggest(raw, table)
    schema = SCHEMAS[table]
    chosen: dict[str, str] = {}
    columns = st.columns(3)
    ordered = sorted(schema.columns, key=lambda column: not column.required)
    for index, column in enumerate(ordered):
        with columns[index % 3]:
            hint = suggestions.get(column.name)
            suggested = hint.column if hint and hint.score >= 0.5 else None
            picked = _column_choice(
                raw,
                table,
                column.name,
                why=hint.why if suggested and hint else None,
                suggested=suggested,
                key=f"{key}_{table}_{column.name}",
            )
            if picked:
                chosen[column.name] = picked
    left, right, third = st.columns(3)
    order = left.selectbox("Dates are written", list(DATE_ORDERS), format_func=DATE_ORDERS.get, key=f"{key}_order")
    decimal = right.selectbox("Decimal mark", list(DECIMALS), format_func=DECIMALS.get, key=f"{key}_decimal")
    row_ids = False
    if schema.key and schema.key not in chosen:
        row_ids = third.checkbox(f"No {schema.key}: each row is one {table[:-1]}", key=f"{key}_rowids")
    name = st.text_input("Mapping name", value=f"{raw.meta.get('file_name', raw.source)}", key=f"{key}_name")
    mapping = ColumnMapping(
        name=name,
        table=table,
        columns=chosen,
        parse=ParseOptions(decimal=decimal, date_order=order),
        header=tuple(raw.columns),
        row_numbers_as_ids=row_ids,
    )
    problems = mapping.problems()
    if problems:
        st.warning(md_escape("; ".join(problems)), icon=":material/rule:")
    else:
        _mapping_preview(raw, mapping)
    left, right = st.columns(2)
    use = left.button("Use this mapping", type="primary", disabled=bool(problems), key=f"{key}_use")
    right.download_button(
        "Download mapping profile (.json)",
        mapping.to_json(),
        file_name=f"{name}.mapping.json",
        mime="application/json",
        disabled=bool(problems),
        key=f"{key}_download",
    )
    unused = unmapped_columns(raw, mapping)
    if unused:
        st.caption(md_escape(f"Columns left out: {', '.join(unused[:20])}" + (" …" if len(unused) > 20 else "")))
    return mapping if use else None


def _mapping_preview(raw: RawTable, mapping: ColumnMapping) -> None:
    sample = RawTable(raw.source, raw.frame.head(500), raw.meta, (), raw.header_line)
    try:
        converted = apply_mapping(sample, mapping)
    except DataError as err:
        st.error(md_escape(err.message))
        return
    checked = validate(converted.frame, mapping.table, mapping.parse, first_line=converted.first_line)
    st.markdown("**Preview of the result** (first rows, typed)")
    st.dataframe(checked.frame.head(10), hide_index=True, width="stretch")
    for issue in checked.issues:
        if issue.severity != "info":
            st.caption(md_escape(issue.line()))
