"""``kpi`` is pure (STYLE.md): no Streamlit, no plotting, no clock, no file writes.

The import check runs in a fresh interpreter (as narwhals' ``tests/no_imports_test.py`` does); the
source check reads the syntax tree, so a docstring that *mentions* ``date.today()`` is fine while a
call is not.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "kpi"
FORBIDDEN_PACKAGES = ("streamlit", "plotly")
CLOCK_CALLS = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today")}
WRITE_METHODS = {
    "write_text",
    "write_bytes",
    "write_csv",
    "write_parquet",
    "write_excel",
    "write_ndjson",
    "write_ipc",
    "sink_csv",
    "sink_parquet",
    "to_csv",
    "to_parquet",
    "to_excel",
}

IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
import kpi
names = ["kpi"] + [m.name for m in pkgutil.walk_packages(kpi.__path__, "kpi.")]
for name in names:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("streamlit", "plotly"))
print(json.dumps({"modules": names, "forbidden": loaded}))
"""


def test_importing_every_kpi_module_never_imports_streamlit_or_plotly():
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING], capture_output=True, text=True, cwd=ROOT, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert {"kpi", "kpi.cli", "kpi.readers", "kpi.channels", "kpi.engine", "kpi.__main__"} <= set(found["modules"])
    assert found["forbidden"] == []


def _mode_of(call: ast.Call, position: int) -> str | None:
    for keyword in call.keywords:
        if keyword.arg == "mode" and isinstance(keyword.value, ast.Constant):
            return str(keyword.value.value)
    if len(call.args) > position and isinstance(call.args[position], ast.Constant):
        return str(call.args[position].value)
    return None


def _base_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def impurities(source: str) -> list[str]:
    """What in this source breaks the package's purity, one line per finding."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            found += [f"{line}: import {a.name}" for a in node.names if a.name.split(".")[0] in FORBIDDEN_PACKAGES]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in FORBIDDEN_PACKAGES:
            found.append(f"{line}: from {node.module} import")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and (_base_name(func.value), func.attr) in CLOCK_CALLS:
                found.append(f"{line}: {_base_name(func.value)}.{func.attr}()")
            elif isinstance(func, ast.Attribute) and func.attr in WRITE_METHODS and (node.args or node.keywords):
                # with no destination, write_csv()/to_csv() return the text: only a destination writes a file
                found.append(f"{line}: .{func.attr}()")
            elif isinstance(func, ast.Name | ast.Attribute) and _base_name(func) == "open":
                # builtin/io open(file, mode), Path.open(mode)
                mode = _mode_of(node, 1 if isinstance(func, ast.Name) or _base_name(func.value) == "io" else 0)
                if mode and set(mode) & set("wax+"):
                    found.append(f"{line}: open(..., {mode!r})")
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_the_package_has_its_modules():
    assert {path.name for path in SOURCES} >= {"__init__.py", "__main__.py", "cli.py", "readers.py", "channels.py"}


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_streamlit_plotly_clock_or_file_writes(path: Path):
    assert impurities(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "import streamlit as st",
        "import plotly.express as px",
        "from plotly import graph_objects",
        "from streamlit.testing.v1 import AppTest",
        "from datetime import date\ndate.today()",
        "import datetime\ndatetime.datetime.now()",
        "datetime.now(tz=None)",
        "open('out.csv', 'w')",
        "open(path, mode='a', encoding='utf-8')",
        "io.open(path, 'wb')",
        "Path('x').open('w')",
        "Path('x').write_text('y')",
        "frame.write_csv('out.csv')",
        "frame.to_parquet('out.parquet')",
    ],
)
def test_the_checker_catches_each_impurity(snippet):
    assert len(impurities(snippet)) == 1


def test_the_checker_passes_pure_code():
    pure = '''
"""Never call ``date.today()``; import streamlit only in the app."""
import polars as pl
text = open(path, encoding="utf-8").read()
data = Path(path).read_bytes()
with Path(path).open("rb") as file:
    pass
sys.stdout.write("ok")
day = date.fromisoformat("2024-11-01")
'''
    assert impurities(pure) == []


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("frame.write_csv('out.csv')", True),
        ("frame.write_csv(file=path)", True),
        ("Path('x').write_text('a')", True),
        ("open(path, 'w')", True),
        ("frame.write_csv()", False),  # returns the text, writes nothing
        ("open(path)", False),
        ("date.today()", True),
        ("import plotly.express", True),
    ],
)
def test_the_checker_tells_writes_from_pure_calls(source: str, flagged: bool):
    assert bool(impurities(source)) is flagged
