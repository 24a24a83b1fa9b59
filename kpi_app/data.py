"""The app's data source: the bundled demo data, or the files this user uploaded.

Uploads, confirmed column mappings and the chosen currency live in the user's own
``st.session_state``; nothing is written to disk. Each file is parsed once per **content**: the
parse cache is keyed on the file's bytes (with its name, mappings and currency), never on a file
name alone, so two users' files of the same name never share a result.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.uploaded_file_manager import UploadedFile

from kpi.cohorts import build_cubes
from kpi.formats import byte_size
from kpi.ingest.mapping import ColumnMapping
from kpi.ingest.pipeline import IngestOptions, TableResult, assemble, ingest_file
from kpi.ingest.validation import digest_of
from kpi.issues import Issue
from kpi.tables import Tables

DEMO_DIR = Path(os.environ.get("KPI_DEMO_DIR") or Path(__file__).resolve().parents[1] / "data" / "demo")
"""The bundled demo data; ``KPI_DEMO_DIR`` points the app at another folder of canonical CSVs."""
DEMO_NAME = "Demo shop: Brew & Co. (coffee gear, EUR)"
DEMO_FILES = ("orders.csv", "traffic.csv", "spend.csv", "leads.csv", "nps.csv")
UPLOADS_NAME = "Your uploads"


@dataclass(frozen=True)
class DataSet:
    """What the app computes on: the prepared tables, the fate of every table found in the
    files, the issues that span files, and an id (the memo key of computed reports)."""

    id: str
    name: str
    tables: Tables
    results: tuple[TableResult, ...] = ()
    issues: tuple[tuple[str, Issue], ...] = ()
    is_demo: bool = False
    shared: bool = False
    """True for the one demo data set every session of the server shares (:mod:`kpi_app.shared`)."""

    @property
    def problems(self) -> tuple[tuple[str, Issue], ...]:
        """Errors and warnings worth showing above the KPIs, naming the file of each."""
        found: list[tuple[str, Issue]] = []
        for result in self.results:
            if result.status == "failed":
                found.append((result.source, Issue("error", "unreadable", None, result.message or "could not be read")))
            elif result.status == "unrecognised":
                found.append(
                    (
                        result.source,
                        Issue("warning", "unmapped", None, "not a known export: map its columns on the Data page"),
                    )
                )
            elif result.loaded is not None:
                found.extend((result.source, issue) for issue in result.loaded.issues if issue.severity != "info")
        found.extend((source, issue) for source, issue in self.issues if issue.severity != "info")
        return tuple(found)


TOO_BIG_FOR_MEMORY = (
    "is too big to read in this server's memory: save it as Parquet (smaller, and read without parsing "
    "text), upload fewer columns or a shorter date range, or run `python -m kpi report` on your own machine"
)


@st.cache_data(show_spinner=False, max_entries=64)
def parse_upload(
    content: bytes, name: str, mappings: tuple[str, ...] = (), currency: str | None = None
) -> list[TableResult]:
    """Every table of one file, cached on its bytes (and name, mappings, currency). A file too big
    for the server's memory fails with what to do instead, never a traceback."""
    profiles = [ColumnMapping.from_json(text) for text in mappings]
    try:
        return ingest_file(name, content, mappings=profiles, options=IngestOptions(currency=currency))
    except MemoryError:
        return [TableResult(name, "failed", message=TOO_BIG_FOR_MEMORY)]


Progress = Callable[[str, float], None]
"""Told each stage of building a data set: what is happening, and the fraction done (0–1)."""


def build_dataset(
    name: str,
    files: list[tuple[str, bytes]],
    *,
    mappings: tuple[str, ...] = (),
    currency: str | None = None,
    is_demo: bool = False,
    progress: Progress | None = None,
) -> DataSet:
    """Parse files (cached per content) and stack them into a data set; the same content
    uploaded twice is read once. ``progress`` hears each stage: reading each file (the share of
    the bytes read so far), stacking the tables, and the per-customer tables built once per data
    set (so the first page after an upload does not wait for them)."""
    tell = progress or (lambda _stage, _done: None)
    results: list[TableResult] = []
    seen: dict[str, str] = {}
    total = sum(len(content) for _, content in files) or 1
    done = 0
    for number, (file_name, content) in enumerate(files, start=1):
        digest = digest_of(content)
        if digest in seen:
            results.append(TableResult(file_name, "skipped", message=f"the same content as {seen[digest]}: read once"))
            continue
        seen[digest] = file_name
        tell(f"Reading {file_name} ({number} of {len(files)}, {byte_size(len(content))})", 0.8 * done / total)
        results.extend(parse_upload(content, file_name, mappings, currency))
        done += len(content)
    tell("Stacking the tables and deriving channels", 0.8)
    ingested = assemble(results)
    tell("Building the daily cubes and the per-customer tables (first orders, months since the first order)", 0.9)
    prepare_customer_tables(ingested.tables)
    tell("Ready", 1.0)
    identity = "|".join([*sorted(seen), *mappings, currency or ""])
    return DataSet(
        id=hashlib.sha256(identity.encode()).hexdigest()[:16],
        name=name,
        tables=ingested.tables,
        results=ingested.results,
        issues=ingested.issues,
        is_demo=is_demo,
    )


def prepare_customer_tables(tables: Tables) -> None:
    """Build the per-customer tables every page reads (cached on the data set) now, while the
    progress is on screen, rather than on the first page shown."""
    build_cubes(tables)


def demo_files() -> list[tuple[str, bytes]]:
    """The bundled demo data's files as (name, bytes)."""
    return [(name, (DEMO_DIR / name).read_bytes()) for name in DEMO_FILES if (DEMO_DIR / name).exists()]


def uploads() -> list[tuple[str, bytes]]:
    """This session's uploaded files, in upload order."""
    return st.session_state.setdefault("uploads", [])


def add_upload(name: str, content: bytes) -> bool:
    """Keep an uploaded file in this session (once per content); True when it is new."""
    files = uploads()
    if any(digest_of(existing) == digest_of(content) for _, existing in files):
        return False
    files.append((name, content))
    st.session_state["source"] = "uploads"
    return True


def release_uploaded_files(files: Sequence[UploadedFile]) -> None:
    """Drop Streamlit's own copy of uploaded files once :func:`add_upload` keeps their bytes in this
    session: its upload manager would otherwise hold every upload a second time until the session
    ends (the file chooser is replaced by a fresh one after each upload, so nothing reads it again)."""
    context = get_script_run_ctx()
    if context is None or not Runtime.exists():
        return
    manager = Runtime.instance().uploaded_file_mgr
    for upload in files:
        manager.remove_file(context.session_id, upload.file_id)


def mappings() -> list[str]:
    """This session's confirmed column mappings, as JSON profiles."""
    return st.session_state.setdefault("mappings", [])


def add_mapping(mapping: ColumnMapping) -> None:
    """Use a mapping from now on (replacing one made for the same header)."""
    profiles = [
        text for text in mappings() if ColumnMapping.from_json(text).header != mapping.header or not mapping.header
    ]
    profiles.append(mapping.to_json())
    st.session_state["mappings"] = profiles


def use_demo(*, demo: bool) -> None:
    """Switch between the demo data and the uploads (the uploads are kept)."""
    st.session_state["source"] = "demo" if demo else "uploads"


def clear_uploads() -> None:
    """Forget this session's uploads and mappings; back to the demo data."""
    for key in ("uploads", "mappings", "currency"):
        st.session_state.pop(key, None)
    st.session_state["source"] = "demo"


def current_dataset() -> DataSet:
    """The session's data set: the uploads when the user chose them, else the demo data. Rebuilt
    only when the files, mappings or currency change."""
    files = uploads()
    on_uploads = st.session_state.get("source") == "uploads" and bool(files)
    currency = st.session_state.get("currency")
    key = (
        ("uploads", tuple(digest_of(content) for _, content in files), tuple(mappings()), currency)
        if on_uploads
        else ("demo",)
    )
    cached = st.session_state.get("dataset")
    if cached is not None and st.session_state.get("dataset_key") == key:
        return cached
    if on_uploads:
        dataset = _build_uploads_with_progress(files, currency)
    else:
        from kpi_app.shared import demo_dataset  # noqa: PLC0415 - shared imports this module

        dataset = demo_dataset()
    st.session_state["dataset"] = dataset
    st.session_state["dataset_key"] = key
    return dataset


def _build_uploads_with_progress(files: list[tuple[str, bytes]], currency: str | None) -> DataSet:
    """The uploads' data set, with a status box naming each stage and a progress bar while it is
    built (a 100 MB export takes several seconds); it closes, with the time taken, when done."""
    from kpi_app.ui import md_escape  # noqa: PLC0415 - ui imports this module

    started = time.perf_counter()
    size = byte_size(sum(len(content) for _, content in files))
    with st.status(f"Reading {len(files)} file(s), {size}…", expanded=True) as status:
        bar = st.progress(0.0)

        def show(stage: str, done: float) -> None:
            shown = md_escape(stage)  # the stage names the user's file
            status.update(label=f"{shown}…" if done < 1 else f"Read {len(files)} file(s), {size}")
            bar.progress(min(max(done, 0.0), 1.0), text=shown)

        dataset = build_dataset(UPLOADS_NAME, files, mappings=tuple(mappings()), currency=currency, progress=show)
        seconds = time.perf_counter() - started
        status.update(label=f"Read {len(files)} file(s), {size}, in {seconds:,.1f} s", state="complete", expanded=False)
    return dataset
