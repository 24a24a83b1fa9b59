"""The app's data source: the bundled demo data by default (uploads come in a later step).

Each file is parsed once per **content**: the parse cache is keyed on the file's bytes (Streamlit
hashes them), never on a file name, so two users' files of the same name never share a result.
The prepared data set lives in the user's own ``st.session_state``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from pathlib import Path

import streamlit as st

from kpi.issues import DataError, Issue
from kpi.readers import LoadedTable, combine, load_table
from kpi.tables import Tables

DEMO_DIR = Path(os.environ.get("KPI_DEMO_DIR") or Path(__file__).resolve().parents[1] / "data" / "demo")
"""The bundled demo data; ``KPI_DEMO_DIR`` points the app at another folder of canonical CSVs."""
DEMO_NAME = "Demo shop: Brew & Co. (coffee gear, EUR)"
DEMO_FILES = ("orders.csv", "traffic.csv", "spend.csv", "leads.csv", "nps.csv")


@dataclass(frozen=True)
class DataSet:
    """What the app computes on: the prepared tables, the files they came from, and an id made of
    the files' digests (the memo key of computed reports)."""

    id: str
    name: str
    tables: Tables
    files: tuple[LoadedTable, ...]
    problems: tuple[tuple[str, Issue], ...] = ()


@st.cache_data(show_spinner=False, max_entries=64)
def parse_content(content: bytes) -> tuple[LoadedTable | None, str | None]:
    """One file's canonical table, cached on its bytes alone (the same content under two names is
    parsed once; two files of one name never share a result). A bad file gives
    ``(None, message)``, so its failure is cached too."""
    try:
        return load_table(content, "file"), None
    except DataError as err:
        return None, err.message


def parse_file(content: bytes, name: str) -> tuple[LoadedTable | None, str | None]:
    """:func:`parse_content`, with the file's own name on the result."""
    loaded, failure = parse_content(content)
    return (replace(loaded, source=name) if loaded else None), failure


def build_dataset(name: str, files: list[tuple[str, bytes]]) -> DataSet:
    """Parse files (cached per content) and prepare their data set."""
    loaded: list[LoadedTable] = []
    problems: list[tuple[str, Issue]] = []
    for file_name, content in files:
        result, failure = parse_file(content, file_name)
        if result is None:
            problems.append((file_name, Issue("error", "unreadable", None, failure or "could not be read")))
            continue
        loaded.append(result)
        problems.extend((file_name, issue) for issue in result.issues if issue.severity != "info")
    digest = hashlib.sha256("".join(sorted(item.digest for item in loaded)).encode()).hexdigest()[:16]
    return DataSet(id=digest, name=name, tables=combine(loaded), files=tuple(loaded), problems=tuple(problems))


def demo_files() -> list[tuple[str, bytes]]:
    """The bundled demo data's files as (name, bytes)."""
    return [(name, (DEMO_DIR / name).read_bytes()) for name in DEMO_FILES if (DEMO_DIR / name).exists()]


def current_dataset() -> DataSet:
    """The session's data set, the demo data until the user loads their own."""
    dataset = st.session_state.get("dataset")
    if dataset is None:
        dataset = build_dataset(DEMO_NAME, demo_files())
        st.session_state["dataset"] = dataset
    return dataset
