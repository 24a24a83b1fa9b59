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
