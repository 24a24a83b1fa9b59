"""Shared fixtures: the project root, the bundled demo data, and ../shared's conformance cases."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KPI_SHARED_DIR", ROOT.parent / "shared"))
CONFORMANCE = SHARED / "spec" / "conformance"
DEMO = ROOT / "data" / "demo"
TABLE_FILES = ("orders", "traffic", "spend", "leads", "nps")


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    """../shared/spec/conformance, or a skip when the shared folder is not beside the project."""
    if not (CONFORMANCE / "cases.json").exists():
        pytest.skip(f"conformance cases not found at {CONFORMANCE}")
    return CONFORMANCE


@pytest.fixture(scope="session")
def conformance_cases(conformance_dir: Path) -> list[dict]:
    """The five cases of cases.json."""
    return json.loads((conformance_dir / "cases.json").read_text())


@pytest.fixture(scope="session")
def conformance_tables(conformance_dir: Path):
    """The conformance CSVs read through the product's own readers."""
    from kpi.readers import combine, load_path

    return combine([load_path(conformance_dir / f"{name}.csv") for name in TABLE_FILES])


@pytest.fixture(scope="session")
def demo_tables():
    """The bundled demo data set, read through the product's own readers."""
    from kpi.readers import combine, load_path

    return combine([load_path(DEMO / f"{name}.csv") for name in TABLE_FILES])


def _run_main_script(main_script_path: str) -> None:
    """Execute the entry script as the server does once ``st.navigation`` has run."""
    path = str(main_script_path)
    exec(compile(Path(path).read_text(), path, "exec"), {"__name__": "__main__", "__file__": path})


@pytest.fixture
def app_test(monkeypatch):
    """A factory of ``AppTest`` runs of app.py that rerun **app.py** on every interaction.

    Why the patch: AppTest resets ``PagesManager.uses_pages_directory`` before each run, so with a
    ``pages/`` folder beside app.py every rerun after the first goes through Streamlit's legacy
    multipage path, which runs the page script alone (no app.py, no sidebar). The server sets the
    flag to False for good the first time ``st.navigation`` runs, so users always get app.py
    first; running the entry script directly reproduces that.
    """
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.testing.v1 import AppTest

    monkeypatch.setattr(script_runner, "_mpa_v1", _run_main_script)

    def make() -> AppTest:
        return AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)

    return make


def card_notes(app) -> dict[str, list[str]]:
    """Each KPI card's captions (why it is unavailable, comparison notes), by the card's label,
    markdown escapes removed."""
    notes: dict[str, list[str]] = {}

    def walk(node) -> None:
        children = list(getattr(node, "children", {}).values())
        metrics = [child for child in children if type(child).__name__ == "Metric"]
        if metrics:
            captions = [child.value.replace("\\", "") for child in children if type(child).__name__ == "Caption"]
            for metric in metrics:
                notes[metric.label] = captions
        for child in children:
            walk(child)

    walk(app.main)
    return notes


def with_tables(app, tables, name: str = "test data"):
    """An AppTest whose session computes on ``tables`` (instead of the demo data) from its first run."""
    from kpi_app.data import DataSet

    app.session_state["dataset"] = DataSet(id=f"test-{id(tables)}", name=name, tables=tables, is_demo=True)
    app.session_state["dataset_key"] = ("demo",)
    return app
