"""``python -m kpi`` on users' own files, run as a user runs it (a subprocess): the quality report
(``check``), mapping profiles (``--mapping``), ``--currency``, and a one-line error with exit status
2 for each crafted broken file — never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from kpi.ingest.mapping import ColumnMapping
from tests.conftest import ROOT

BAD = ROOT / "tests" / "fixtures" / "bad"
ENV = {**os.environ, "PYTHONIOENCODING": "utf-8"}
ONE_LINE_ERROR = "error: {name}: "


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def kpi(*args: str | Path) -> Run:
    done = subprocess.run(
        [sys.executable, "-m", "kpi", *map(str, args)],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    return Run(done.returncode, done.stdout, done.stderr)


TRAFFIC = b"date,channel,sessions\n2024-01-01,Direct,10\n2024-01-02,Email,5\n"
POLISH = (
    "Nr zamówienia;Data zamówienia;Klient;Wartość zamówienia;Status\n"
    "ZS/1;05.01.2024;jan@example.pl;1 234,56 zł;zrealizowane\n"
    "ZS/2;06.01.2024;ewa@example.pl;99,00 zł;anulowane\n"
    "ZS/3;17.01.2024;;10,50 zł;zrealizowane\n"
).encode("cp1250")
TILL = (
    b"Ticket;Patron;Placed on;Takings;Given back\n"
    b"T1;p1;2024-03-02 10:00;100,00;\n"
    b"T2;p2;2024-03-05 11:30;50,00;10,00\n"
    b"T3;p1;2024-03-20 09:15;30,00;\n"
    b"T4;p3;2024-02-10 08:00;999,00;\n"
)
MIXED = (
    b"order_id,customer_id,ordered_at,revenue,currency\n"
    b"1,a,2024-01-03,10,EUR\n"
    b"2,b,2024-01-04,20,USD\n"
    b"3,c,2024-01-05,30,eur\n"
    b"4,d,2024-01-06,5,PLN\n"
)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cli_ingest")
    content = {
        "traffic.csv": TRAFFIC,
        "zamówienia.csv": POLISH,
        "till.csv": TILL,
        "mixed.csv": MIXED,
        "broken.json": b"{not json",
        "till.json": ColumnMapping(
            "Till export",
            "orders",
            {
                "order_id": "Ticket",
                "customer_id": "Patron",
                "ordered_at": "Placed on",
                "revenue": "Takings",
                "refunded": "Given back",
            },
            header=("Ticket", "Patron", "Placed on", "Takings", "Given back"),
        )
        .to_json()
        .encode(),
    }
    for name, data in content.items():
        (folder / name).write_bytes(data)
    return {name: folder / name for name in content}


# --- check ---------------------------------------------------------------------------------------------


def test_check_prints_the_quality_report_of_a_canonical_and_a_polish_file(files):
    run = kpi("check", files["traffic.csv"], files["zamówienia.csv"])
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert "traffic.csv: canonical traffic → traffic; 2 rows read, 2 kept; 2024-01-01 – 2024-01-02" in lines
    assert "zamówienia.csv: orders by column names → orders; 3 rows read, 3 kept; 2024-01-05 – 2024-01-17; PLN" in lines
    assert any(line.startswith("  changed: ") and "anulowane → cancelled" in line for line in lines)
    assert any("Nr zamówienia → order_id" in line for line in lines)
    assert not [line for line in run.err_lines if line.startswith("error")]


def test_check_as_json(files):
    run = kpi(
        "check",
        "--format",
        "json",
        "--start",
        "2024-01-01",
        "--end",
        "2024-01-10",
        files["traffic.csv"],
        files["zamówienia.csv"],
    )
    assert run.code == 0, run.err
    data = json.loads(run.out)
    assert data["not_loaded"] == []
    traffic, polish = data["files"]
    assert (traffic["source"], traffic["table"], traffic["rows_read"], traffic["rows_kept"]) == (
        "traffic.csv",
        "traffic",
        2,
        2,
    )
    assert {line["channel"] for line in traffic["channels"]} == {"Direct", "Email"}
    assert traffic["outside_period"] == 0
    assert polish["recogniser"] == "orders by column names"
    assert polish["currency"] == "PLN"
    assert (polish["first_day"], polish["last_day"], polish["outside_period"]) == ("2024-01-05", "2024-01-17", 1)
    assert [item["code"] for item in polish["changed"]] == ["statuses_read"]
    assert "mapped_by_name" in [item["code"] for item in polish["notes"]]


def test_check_on_a_bad_file_exits_2_with_its_reason():
    run = kpi("check", BAD / "ragged.csv")
    assert run.code == 2
    assert run.err_lines == ["warning: ragged.csv: line 3 has 5 fields, the header has 3"]
    assert "ragged.csv: failed: line 3 has 5 fields, the header has 3" in run.out


# --- report with a mapping profile -----------------------------------------------------------------------


def test_report_maps_an_unknown_file_with_a_profile(files):
    run = kpi(
        "report",
        files["till.csv"],
        "--mapping",
        files["till.json"],
        "--start",
        "2024-03-01",
        "--end",
        "2024-03-31",
        "--compare",
        "none",
    )
    assert run.code == 0, run.err
    kpis = {name: item["value"] for name, item in json.loads(run.out)["kpis"].items()}
    # March: T1 100 (p1), T2 50 refunded 10 (p2), T3 30 (p1); T4 is February
    assert kpis["orders"] == 3
    assert kpis["sales"] == pytest.approx(180.0)
    assert kpis["revenue"] == pytest.approx(170.0)
    assert kpis["aov"] == pytest.approx(60.0)
    assert kpis["customers"] == 2
    assert kpis["new_customers"] == 2
    assert kpis["purchase_frequency"] == pytest.approx(1.5)
    assert kpis["repurchase_rate"] == pytest.approx(0.5)


def test_report_on_an_unknown_file_without_a_mapping_says_how_to_map_it(files):
    run = kpi("report", files["till.csv"])
    assert run.code == 2
    [line] = run.err_lines
    assert line.startswith("error: till.csv: header not recognised")
    assert line.endswith("; map its columns in the app and pass the profile with --mapping")
    assert run.out == ""


def test_a_profile_that_is_not_one_exits_2(files):
    run = kpi("report", files["till.csv"], "--mapping", files["broken.json"])
    assert run.code == 2
    [line] = run.err_lines
    assert line.startswith("error: ")
    assert line.endswith("broken.json: is not a JSON mapping profile")


# --- currencies ----------------------------------------------------------------------------------------


def test_mixed_currencies_exit_2_and_currency_keeps_one(files):
    run = kpi("report", files["mixed.csv"], "--start", "2024-01-01", "--end", "2024-01-31")
    assert run.code == 2
    [line] = run.err_lines
    assert line.startswith("error: mixed.csv: orders mix currencies (EUR, PLN, USD)")

    run = kpi(
        "report",
        files["mixed.csv"],
        "--currency",
        "EUR",
        "--start",
        "2024-01-01",
        "--end",
        "2024-01-31",
        "--compare",
        "none",
    )
    assert run.code == 0, run.err
    kpis = json.loads(run.out)["kpis"]
    assert kpis["orders"]["value"] == 2
    assert kpis["sales"]["value"] == pytest.approx(40.0)
    assert any("2 order(s) in PLN, USD left out: keeping EUR only" in line for line in run.err_lines)


# --- every crafted broken file ------------------------------------------------------------------------------

USABLE = {"utf16_no_bom.csv", "dupe_header.csv"}
"""Odd but usable: a UTF-16 file without its BOM (traffic) and a repeated column name (spend)."""
REASONS = {
    "binary.bin": "binary file",
    "empty.csv": "the file is empty",
    "empty.zip": "the zip file is empty or damaged",
    "header_only.csv": "the file has a header but no data rows",
    "image.png": "PNG image",
    "not_really.xlsx": "not a valid Excel file",
    "old_excel.xls": ".xls",
    "ragged.csv": "line 3 has 5 fields",
    "thousand_columns.csv": "1,000 columns",
    "wrong_table.csv": "header not recognised",
    "mixed_encodings.csv": "",  # campaign costs without dates: the words depend on the ads recogniser
    "only_totals.csv": "",
}


@pytest.fixture(scope="module")
def bad_runs() -> dict[str, Run]:
    """``report`` on each bad file, the runs side by side."""
    names = sorted(path.name for path in BAD.iterdir())
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(names, pool.map(lambda name: kpi("report", BAD / name), names), strict=True))


def test_every_bad_file_is_accounted_for():
    assert sorted(path.name for path in BAD.iterdir()) == sorted(USABLE | set(REASONS))


@pytest.mark.parametrize("name", sorted(REASONS))
def test_report_on_a_bad_file_exits_2_with_one_error_line(bad_runs, name):
    run = bad_runs[name]
    assert run.code == 2, (run.code, run.err)
    [line] = run.err_lines
    assert line.startswith(ONE_LINE_ERROR.format(name=name))
    assert REASONS[name] in line
    assert len(line) > len(ONE_LINE_ERROR.format(name=name)) + 5
    assert run.out == ""


@pytest.mark.parametrize("name", sorted(USABLE))
def test_report_on_an_odd_but_usable_file_works(bad_runs, name):
    run = bad_runs[name]
    assert run.code == 0, run.err
    assert json.loads(run.out)["kpis"]
    assert all(line.startswith(("info: ", "warning: ")) for line in run.err_lines)
