"""``python -m kpi`` as a user runs it (contract section 4): a subprocess on small canonical CSVs."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from kpi import REGISTRY, Period, Settings, compute
from kpi.cli import render_csv
from kpi.readers import combine, load_table
from kpi.safety import FORMULA_TRIGGERS
from tests.conftest import ROOT

UNITS = {"count", "currency", "ratio", "days", "seconds", "score", "months"}  # months: CAC payback (an extension)
IDS = [kpi.id for kpi in REGISTRY]

ORDERS = """order_id,customer_id,ordered_at,revenue,refunded,status,channel,device
A1,c1,2024-10-05 10:00:00,100,0,paid,Paid Search,mobile
A2,c2,2024-11-03 10:00:00+0100,50,10,paid,Email,desktop
A3,c1,2024-11-20 23:59:59,30,0,paid,Email,mobile
A4,c3,2024-11-21 12:00:00,70,0,cancelled,Email,mobile
A5,c3,2024-12-05 10:00:00,20,0,paid,Email,mobile
"""
TRAFFIC = """date,sessions,channel,device,purchase_sessions
2024-10-10,100,Email,mobile,1
2024-11-01,150,Email,mobile,2
2024-11-02,50,Paid Search,desktop,1
2024-12-05,50,Email,mobile,0
"""
SPEND = """date,spend,channel,impressions,clicks
2024-10-10,20,Paid Search,1000,10
2024-11-02,100,Email,2000,20
"""
# less than a calendar month of data: the default period is all of it
SHORT_ORDERS = """order_id,customer_id,ordered_at,revenue
B1,c1,2024-11-10 09:00:00,40
B2,c2,2024-11-20 18:00:00,60
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cli")
    contents: dict[str, str | bytes] = {
        "orders": ORDERS,
        "traffic": TRAFFIC,
        "spend": SPEND,
        "short": SHORT_ORDERS,
        "empty": b"",
        "binary": bytes(range(256)) * 8,
        "odd": "foo,bar\n1,2\n",
        "huge": "date,sessions\n2024-11-03,99999999999999999999999\n",
        "utf16": b"\xff\xfe" + "date,sessions\n2024-11-03,5\n".encode("utf-16-le") + b"\x00",
        "mixed": "order_id,customer_id,ordered_at,revenue,currency\nA1,c1,2024-11-03,10,EUR\nA2,c2,2024-11-04,5,USD\n",
    }
    paths = {}
    for name, content in contents.items():
        path = folder / f"{name}.csv"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        paths[name] = path
    return paths


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kpi", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )


@pytest.fixture(scope="module")
def report(files) -> dict:
    """The default JSON report of orders + traffic (by header) + spend (by flag)."""
    result = _run("report", files["orders"], files["traffic"], "--spend", files["spend"])
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


# --- JSON ---------------------------------------------------------------------------------------


def test_json_has_the_contract_shape(report):
    assert list(report) == ["period", "compare", "filters", "kpis"]
    assert list(report["kpis"]) == IDS
    for kpi in REGISTRY:
        item = report["kpis"][kpi.id]
        assert set(item) == {"value", "compare", "unit", "label", "note"}, kpi.id
        assert item["unit"] in UNITS
        assert (item["unit"], item["label"]) == (kpi.unit, kpi.label)
        assert item["note"] is None or isinstance(item["note"], str)
        for field in ("value", "compare"):
            assert item[field] is None or isinstance(item[field], int | float), (kpi.id, field)


def test_default_period_is_the_last_full_month_compared_with_the_window_before(report):
    # the data runs from 5 Oct to 5 Dec 2024: November is the last full calendar month
    assert report["period"] == {"start": "2024-11-01", "end": "2024-11-30"}
    assert report["compare"] == {"start": "2024-10-02", "end": "2024-10-31"}
    assert report["filters"] == {"channel": [], "source": [], "campaign": [], "device": []}


def test_json_values(report):
    kpis = report["kpis"]
    got = {kpi_id: (kpis[kpi_id]["value"], kpis[kpi_id]["compare"]) for kpi_id in kpis}
    assert got["orders"] == (2, 1)  # the cancelled A4 is not live
    assert got["sales"] == (80.0, 100.0)
    assert got["revenue"] == (70.0, 100.0)
    assert got["aov"] == (40.0, 100.0)
    assert got["sessions"] == (200, 100)
    assert got["conversion_rate"] == (pytest.approx(0.015), pytest.approx(0.01))
    assert got["spend"] == (100.0, 20.0)
    assert got["roas"] == (pytest.approx(0.7), pytest.approx(5.0))
    assert got["customers"] == (2, 1)
    assert got["new_customers"] == (1, 1)
    assert kpis["nps"] == {
        "value": None,
        "compare": None,
        "unit": "score",
        "label": "Net Promoter Score",
        "note": "no NPS data",
    }


def test_compare_none_filters_and_an_unknown_filter_value(files):
    result = _run(
        "report",
        files["orders"],
        files["traffic"],
        files["spend"],
        "--compare",
        "none",
        "--channel",
        "Email",
        "--channel",
        "Nope",
        "--device",
        "mobile",
    )
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["compare"] is None
    assert output["filters"] == {"channel": ["Email", "Nope"], "source": [], "campaign": [], "device": ["mobile"]}
    assert all(item["compare"] is None for item in output["kpis"].values())
    assert output["kpis"]["orders"]["value"] == 1  # A3: Email on mobile
    assert output["kpis"]["sessions"]["value"] == 150
    assert output["kpis"]["spend"]["value"] is None
    assert output["kpis"]["spend"]["note"] == "spend has no device column"
    warnings = result.stderr.splitlines()
    assert len(warnings) == 1
    assert warnings[0].startswith("warning: --channel 'Nope' matches no row")
    assert "Email" in warnings[0]
    assert "Traceback" not in result.stderr


# --- table and CSV --------------------------------------------------------------------------------


def test_table_format_on_less_than_a_month_of_data(files):
    result = _run("report", files["short"], "--format", "table")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # less than a full calendar month: the period is all the data
    assert lines[0] == "KPIs for 10 Nov 2024 – 20 Nov 2024, compared with 30 Oct 2024 – 9 Nov 2024"
    assert lines[1].split() == ["KPI", "value", "compare", "change", "note"]
    assert "[Traffic]" in lines
    assert "[Satisfaction]" in lines
    for kpi in REGISTRY:
        assert any(line.startswith(f"  {kpi.label} ") for line in lines), kpi.id
    orders = next(line for line in lines if line.startswith("  Orders "))
    assert orders.split()[1:] == ["2", "0"]
    revenue = next(line for line in lines if line.startswith("  Net revenue "))
    assert revenue.split()[2] == "100.00"
    sessions = next(line for line in lines if line.startswith("  Sessions "))
    assert sessions.split()[1:] == ["—", "—", "no", "traffic", "data"]


def test_csv_format(files):
    result = _run("report", files["orders"], files["traffic"], files["spend"], "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["id", "label", "group", "unit", "value", "compare", "period_start", "period_end", "note"]
    body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [row["id"] for row in body] == IDS
    by_id = {row["id"]: row for row in body}
    assert (float(by_id["orders"]["value"]), float(by_id["orders"]["compare"])) == (2.0, 1.0)
    assert (by_id["orders"]["period_start"], by_id["orders"]["period_end"]) == ("2024-11-01", "2024-11-30")
    # a negative number is a number, not a formula: it is never prefixed
    assert float(by_id["romi"]["value"]) == pytest.approx(-0.3)
    assert by_id["romi"]["value"].startswith("-")
    assert (by_id["nps"]["value"], by_id["nps"]["note"]) == ("", "no NPS data")
    for row in body:
        for column in ("label", "note"):
            assert not row[column].startswith(FORMULA_TRIGGERS), (row["id"], column)


def test_csv_text_cells_are_guarded_against_formulas(files):
    tables = combine([load_table(files["orders"].read_bytes(), "orders.csv")])
    report = compute(tables, Period(date(2024, 11, 1), date(2024, 11, 30)), {}, Settings(None, 12), comparison="none")
    values = dict(report.values)
    values["orders"] = dataclasses.replace(values["orders"], note='=HYPERLINK("http://evil.example","x")')
    values["sales"] = dataclasses.replace(values["sales"], note="@SUM(A1:A9)")
    text = render_csv(dataclasses.replace(report, values=values))
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows["orders"]["note"] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows["sales"]["note"] == "'@SUM(A1:A9)"
    assert rows["revenue"]["note"] == ""


def test_a_damaged_file_loads_what_it_can_and_warns_on_stderr(files):
    result = _run("report", str(files["utf16"]), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: utf16.csv: ")]
    assert any("could not be decoded" in line for line in warnings), result.stderr
    assert json.loads(result.stdout)["kpis"]["sessions"]["value"] == 5


# --- bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["{missing}"], ["missing.csv: cannot be read"]),
        (["{empty}"], ["empty.csv: the file is empty"]),
        (["{binary}"], ["binary.csv: this is a binary file"]),
        (["{odd}"], ["odd.csv: header not recognised"]),
        (["{mixed}"], ["mixed.csv: orders mix currencies"]),
        (["{orders}", "--start", "2024-13-01"], ["--start", "'2024-13-01' is not a date"]),
        (["{orders}", "--margin", "2"], ["--margin", "gross margin must be a fraction"]),
        (["{orders}", "--start", "2024-11-30", "--end", "2024-11-01"], ["ends (2024-11-01) before it starts"]),
        (["{huge}"], ["huge.csv: no usable rows", "sessions"]),
    ],
    ids=[
        "missing-file",
        "empty-file",
        "binary-file",
        "unrecognised-header",
        "mixed-currencies",
        "bad-start",
        "margin-2",
        "end-before-start",
        "int-overflow",
    ],
)
def test_bad_input_exits_2_with_one_error_line(files, args, expected):
    paths = {name: str(path) for name, path in files.items()} | {"missing": str(files["orders"].parent / "missing.csv")}
    result = _run("report", *(arg.format(**paths) for arg in args))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for part in expected:
        assert part in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


# --- kpis ---------------------------------------------------------------------------------------------


def test_kpis_prints_the_registry_as_markdown():
    result = _run("kpis")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "| Group | KPI | id | Formula | Unit | Better |"
    assert lines[1] == "|---|---|---|---|---|---|"
    assert len(lines) == 2 + len(REGISTRY)
    ids = [line.split("|")[3].strip() for line in lines[2:]]
    assert sorted(ids) == sorted(f"`{kpi_id}`" for kpi_id in IDS)
    for line in lines[2:]:
        assert line.startswith("| ")
        assert line.endswith(" |")
        assert line.count("|") == 7, line  # six cells: no formula breaks the table
