"""Hosting guards (../shared/RELIABILITY.md, tests 16 and 25): the server configuration a hosted app
needs, and a static check that the app's code renders no user string as HTML and keeps no user data
where another session can reach it."""

from __future__ import annotations

import ast
import tomllib

import pytest

from tests.conftest import ROOT

CONFIG = ROOT / ".streamlit" / "config.toml"
APP_CODE = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "kpi_app").glob("*.py")])
MAX_UPLOAD_MB = 200
"""The per-file cap the README documents for a hosted app."""


def test_the_hosting_configuration_is_the_hardened_one():
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    server, client, browser = config["server"], config["client"], config["browser"]
    assert 0 < server["maxUploadSize"] <= MAX_UPLOAD_MB
    assert server["enableXsrfProtection"] is True
    assert server["enableCORS"] is True
    assert server["fileWatcherType"] == "none"
    assert server["runOnSave"] is False
    assert server["enableStaticServing"] is False
    assert client["showErrorDetails"] in ("none", "type", False)  # never "full": no tracebacks to visitors
    assert client["toolbarMode"] == "viewer"
    assert browser["gatherUsageStats"] is False


def hosting_violations(source: str, filename: str = "<code>") -> list[str]:
    """What in ``source`` a hosted app must not do: render HTML (``unsafe_allow_html=True``,
    ``st.html``, ``components.html``), share data across sessions (``st.cache_resource``, a cache
    persisted to disk), or cache by a ``_``-prefixed (unhashed) argument."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.keyword):
            if node.arg == "unsafe_allow_html" and not (isinstance(node.value, ast.Constant) and not node.value.value):
                found.append(f"{where} unsafe_allow_html")
            if node.arg == "persist" and isinstance(node.value, ast.Constant) and node.value.value:
                found.append(f"{where} a cache persisted to disk")
        if isinstance(node, ast.Attribute):
            name = ast.unparse(node)
            if name.endswith((".html", "cache_resource")) and name.split(".")[0] in ("st", "streamlit", "components"):
                found.append(f"{where} {name}")
        if isinstance(node, ast.FunctionDef) and any("cache_data" in ast.unparse(d) for d in node.decorator_list):
            hidden = [arg.arg for arg in node.args.args if arg.arg.startswith("_")]
            if hidden:
                found.append(f"{where} cached {node.name} ignores {', '.join(hidden)} in its key")
    return found


@pytest.mark.parametrize(
    "source",
    [
        "st.markdown(name, unsafe_allow_html=True)",
        "st.html(page)",
        "components.html(page)",
        "@st.cache_resource\ndef load(data):\n    return data",
        '@st.cache_data(persist="disk")\ndef load(data):\n    return data',
        "@st.cache_data\ndef parse(_content, name):\n    return name",
    ],
)
def test_the_check_finds_each_violation(source):
    assert hosting_violations(source)


def test_the_app_renders_no_html_and_shares_no_user_data():
    assert len(APP_CODE) > 10
    found = [item for path in APP_CODE for item in hosting_violations(path.read_text(encoding="utf-8"), path.name)]
    assert found == []
