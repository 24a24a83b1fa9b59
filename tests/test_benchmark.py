"""The benchmark runs at its smallest size: its data is deterministic, its output is complete, and the
product and the pandas baseline agree on every KPI of the generated data (timings are not checked)."""

from __future__ import annotations

import json
import subprocess
import sys

import polars as pl
import pytest

from benchmarks import generate
from tests.conftest import ROOT

STEPS = [
    "ingest orders CSV",
    "ingest orders Parquet",
    "ingest peak memory",
    "every KPI, first (cold)",
    "every KPI, first, cubes built",
    "every KPI, after a filter change",
    "monthly cohort table",
]


def test_generated_data_is_deterministic_and_consistent(tmp_path):
    first = generate.write(generate.generate(3_000, seed=3), tmp_path / "a")
    again = generate.write(generate.generate(3_000, seed=3), tmp_path / "b")
    for name, files in first.items():
        assert files["csv"].read_bytes() == again[name]["csv"].read_bytes(), name
    orders = pl.read_csv(first["orders"]["csv"], infer_schema=False)
    assert orders.height == 3_000
    assert orders["order_id"].n_unique() < 3_000  # some ids repeat: the last row must win
    traffic = pl.read_parquet(first["traffic"]["parquet"])
    assert traffic.height == generate.Sizes(3_000).traffic
    # the funnel nests on every row
    assert traffic.filter(
        (pl.col("purchase_sessions") > pl.col("checkout_sessions"))
        | (pl.col("checkout_sessions") > pl.col("add_to_cart_sessions"))
        | (pl.col("add_to_cart_sessions") > pl.col("sessions"))
    ).is_empty()


@pytest.mark.timeout(300)
def test_the_benchmark_runs_and_agrees_with_pandas(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--sizes", "5000", "--out", str(out), "--work", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(out.read_text())
    assert [row["step"] for row in results["rows"]] == STEPS
    for row in results["rows"]:
        assert row["size"] == 5000
        assert row["product_s"] > 0
        if row["baseline_s"] is not None:
            assert row["ratio"] == pytest.approx(row["product_s"] / row["baseline_s"])
    facts = results["data"]["5000"]
    assert facts["kpis_compared"] == 47
    assert facts["kpis_differing"] == []
    assert facts["rows"]["orders"] == 5000
    assert results["machine"]["cores"] >= 1
    assert "every KPI, after a filter change" in done.stdout  # the printed table
