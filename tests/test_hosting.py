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


def _parameters(function: ast.FunctionDef) -> list[ast.arg]:
    arguments = function.args
    extra = [arg for arg in (arguments.vararg, arguments.kwarg) if arg is not None]
    return [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, *extra]


def hosting_violations(source: str, filename: str = "<code>") -> list[str]:
    """What in ``source`` a hosted app must not do: render HTML (``unsafe_allow_html=True``,
    ``st.html``, ``components.html``), share data across sessions (``st.cache_resource`` on a
    function that takes anything: only one without parameters, which can hold nothing a visitor
    sent, such as the demo data set, may share; a cache persisted to disk), or cache by a
    ``_``-prefixed (unhashed) argument."""
    found = []
    tree = ast.parse(source, filename)
    shared_without_input = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and not _parameters(node)
        for decorator in node.decorator_list
        if "cache_resource" in ast.unparse(decorator)
        for part in ast.walk(decorator)
    }
    for node in ast.walk(tree):
        if id(node) in shared_without_input:
            continue
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
        "@st.cache_resource()\ndef load(*files):\n    return files",
        "@st.cache_resource(show_spinner=False)\ndef load(*, name=None):\n    return name",
        "frames = st.cache_resource(read)",
        '@st.cache_data(persist="disk")\ndef load(data):\n    return data',
        "@st.cache_data\ndef parse(_content, name):\n    return name",
    ],
)
def test_the_check_finds_each_violation(source):
    assert hosting_violations(source)


def test_a_shared_resource_without_parameters_is_allowed():
    assert hosting_violations("@st.cache_resource(show_spinner=False)\ndef demo():\n    return build()") == []


def test_the_app_renders_no_html_and_shares_no_user_data():
    assert len(APP_CODE) > 10
    found = [item for path in APP_CODE for item in hosting_violations(path.read_text(encoding="utf-8"), path.name)]
    assert found == []


SCRIPTS = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py")])


def magic_output(source: str, filename: str = "<script>") -> list[str]:
    """Bare expressions Streamlit's "magic" would write on the page of a script it runs (app.py and
    the pages): any expression statement but a call, a yield, an await or a docstring (the first
    statement of a module, class or function). A note string after an assignment is one."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for index, statement in enumerate(body):
            if not isinstance(statement, ast.Expr):
                continue
            value = statement.value
            is_text = isinstance(value, ast.Constant) and isinstance(value.value, str)
            is_docstring = is_text and index == 0 and isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            if isinstance(value, ast.Call | ast.Yield | ast.YieldFrom | ast.Await) or is_docstring:
                continue
            found.append(f"{filename}:{statement.lineno} {ast.unparse(value)[:60]}")
    return found


@pytest.mark.parametrize(
    "source",
    ['"""Doc."""\nICON = 1\n"""What ICON is."""', "x = 2\nx", "if True:\n    'shown'", "data,"],
)
def test_the_magic_check_finds_text_that_would_be_shown(source):
    assert magic_output(source)


def test_the_check_lets_docstrings_and_calls_pass():
    assert magic_output('"""Doc."""\nimport streamlit as st\nst.title("x")\ndef f():\n    """Doc."""\n') == []


def test_no_script_writes_a_stray_value_on_its_page():
    found = [item for path in SCRIPTS for item in magic_output(path.read_text(encoding="utf-8"), path.name)]
    assert found == []
