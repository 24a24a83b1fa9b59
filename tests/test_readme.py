"""The README stays true: its KPI table is the registry's, and its two commands are the ones CI
and users run."""

from __future__ import annotations

import re

from kpi.cli import kpi_markdown
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_kpi_table_is_generated_from_the_registry():
    block = re.search(r"<!-- kpi-table:start -->\n(.*?)<!-- kpi-table:end -->", README, flags=re.S)
    assert block, "README lost its KPI table markers"
    assert block.group(1) == kpi_markdown()


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"```bash\n(python3 -m venv .venv && .*?)\n```", README)
    run_app = next(command for command in commands if command.endswith("streamlit run app.py"))
    run_tests = next(command for command in commands if command.endswith("python -m pytest"))
    assert "requirements.txt" in run_app
    assert run_tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_screenshots_exist():
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", README)
    assert len(images) >= 5  # overview, funnels, LTV vs CAC, channels, data
    missing = [image for image in images if not (ROOT / image).is_file()]
    assert missing == []


def test_the_performance_table_is_the_latest_benchmark_run():
    import json

    from benchmarks.run import markdown

    block = re.search(r"<!-- benchmark:start -->\n(.*?)<!-- benchmark:end -->", README, flags=re.S)
    assert block, "README lost its benchmark table markers"
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    assert block.group(1) == markdown(results)
    assert {row["size"] for row in results["rows"]} == {100_000, 1_000_000, 10_000_000}


def test_the_load_table_is_the_latest_load_run():
    import json

    from tests.test_load import markdown_table

    block = re.search(r"<!-- load:start -->\n(.*?)<!-- load:end -->", README, flags=re.S)
    assert block, "README lost its load table markers"
    results = json.loads((ROOT / "benchmarks" / "load_results.json").read_text(encoding="utf-8"))
    assert block.group(1) == markdown_table(results)
