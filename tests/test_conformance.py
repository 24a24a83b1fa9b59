"""The contract's conformance cases: canonical files → our readers → ``compute`` (and the CLI),
every KPI's value and comparison within a relative 1e-6 of an independent implementation."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import date

import pytest

from kpi import Period, Settings, compute
from kpi.registry import CONTRACT_KPIS
from tests.conftest import ROOT, TABLE_FILES

REL = 1e-6


def _close(expected: float | None, got: float | None) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    return math.isclose(got, expected, rel_tol=REL, abs_tol=1e-9)


def _mismatches(case: dict, values: dict[str, dict]) -> list[str]:
    found = []
    for kpi_id, expected in case["expected"].items():
        for field in ("value", "compare"):
            got = values[kpi_id][field]
            if not _close(expected[field], got):
                found.append(f"{kpi_id}.{field}: expected {expected[field]}, got {got} ({values[kpi_id].get('note')})")
    return found


def _settings(case: dict) -> Settings:
    return Settings(margin=case.get("margin"), ltv_months=case.get("ltv_months", 12))


def test_cases_cover_every_kpi_of_the_contract(conformance_cases):
    for case in conformance_cases:
        assert set(case["expected"]) == set(CONTRACT_KPIS), case["name"]


@pytest.mark.parametrize("index", range(5))
def test_compute_reproduces_the_expected_figures(conformance_cases, conformance_tables, index):
    case = conformance_cases[index]
    period = Period(date.fromisoformat(case["start"]), date.fromisoformat(case["end"]))
    report = compute(conformance_tables, period, case["filters"], _settings(case), comparison=case["compare"])
    window = case["compare_window"]
    assert (report.compare_period.as_dict() if report.compare_period else None) == window
    values = {
        kpi_id: {"value": kv.value, "compare": kv.compare, "note": kv.note} for kpi_id, kv in report.values.items()
    }
    assert _mismatches(case, values) == []


def test_unavailable_figures_say_why(conformance_cases, conformance_tables):
    case = next(c for c in conformance_cases if c["name"] == "summer-mobile")
    period = Period(date.fromisoformat(case["start"]), date.fromisoformat(case["end"]))
    report = compute(conformance_tables, period, case["filters"], _settings(case), comparison="none")
    assert report["spend"].note == "spend has no device column"
    assert report["nps"].note == "NPS answers have no device column"
    assert report["cac"].note == "spend has no device column"


@pytest.mark.parametrize("name", ["november-all", "december-paid-search-vs-last-year", "year-margin-ltv3"])
def test_cli_json_reproduces_the_expected_figures(conformance_cases, conformance_dir, name):
    case = next(c for c in conformance_cases if c["name"] == name)
    args = [
        sys.executable,
        "-m",
        "kpi",
        "report",
        "--format",
        "json",
        "--start",
        case["start"],
        "--end",
        case["end"],
        "--compare",
        case["compare"],
    ]
    for table in TABLE_FILES:
        args += [f"--{table}", str(conformance_dir / f"{table}.csv")]
    for dimension, values in case["filters"].items():
        for value in values:
            args += [f"--{dimension}", value]
    if "margin" in case:
        args += ["--margin", str(case["margin"])]
    if "ltv_months" in case:
        args += ["--ltv-months", str(case["ltv_months"])]
    result = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["period"] == {"start": case["start"], "end": case["end"]}
    assert output["compare"] == case["compare_window"]
    assert _mismatches(case, output["kpis"]) == []


def test_cli_recognises_files_by_their_header(conformance_cases, conformance_dir):
    case = conformance_cases[0]
    files = [str(conformance_dir / f"{table}.csv") for table in TABLE_FILES]
    args = [sys.executable, "-m", "kpi", "report", *files, "--start", case["start"], "--end", case["end"]]
    result = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    assert _mismatches(case, json.loads(result.stdout)["kpis"]) == []
