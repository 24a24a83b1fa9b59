"""The performance benchmark: one process, one run per size, the product against its baselines.

For each size (order rows; traffic, spend, leads and NPS scaled alongside, see
:mod:`benchmarks.generate`) it times, side by side:

* **ingest**: the product reading ``orders.csv`` into its canonical, prepared table (types, checks,
  last row of an order wins, guests, channels), against polars' own ``read_csv`` of the same file
  with a declared schema (the practical limit for CSV) and against reading the Parquet copy (each
  read twice, the fastest kept, the baseline's too);
* **first compute**: every KPI of the contract for a month with a channel filter on the freshly
  loaded data set, building the per-data-set cubes and per-customer tables first (the app builds
  them while the upload's progress shows; the next row is the same without that build), against
  the straightforward pandas implementation in :mod:`benchmarks.pandas_kpis`;
* **change**: the same after a filter or period change (median of several changes);
* **cohorts**: the monthly cohort table (12 acquisition months × months since the first order);
* **peak memory** of each step: the process's resident memory sampled every few milliseconds,
  above what it was when the step began; for the reads, the same in a fresh process that only
  reads (memory an earlier step freed would otherwise be reused unseen).

It prints a table of times and ratios and writes it as JSON:

    python -m benchmarks.run                       # 100k, 1M and 10M order rows
    python -m benchmarks.run --sizes 100000 --out benchmarks/results-small.json
    python -m benchmarks.run --markdown benchmarks/results.json   # the README's table
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import psutil

from benchmarks import generate, pandas_kpis
from kpi import Period, compute
from kpi.cohorts import build_cubes, cohort_months, cohort_table
from kpi.ingest.model import LOCAL_LIMITS
from kpi.ingest.pipeline import IngestOptions
from kpi.readers import combine, load_path

SIZES = (100_000, 1_000_000, 10_000_000)
TABLES = ("orders", "traffic", "spend", "leads", "nps")
PERIOD = Period(date(2025, 10, 1), date(2025, 10, 31))
FILTER = {"channel": ["Paid Search"]}
CHANGES = (  # what a user does next: another channel, a device, another month, no filter
    (PERIOD, {"channel": ["Paid Social", "Email"]}),
    (PERIOD, {"device": ["mobile"]}),
    (Period(date(2025, 9, 1), date(2025, 9, 30)), FILTER),
    (Period(date(2025, 1, 1), date(2025, 12, 31)), {}),
    (PERIOD, FILTER),
)
LOCAL = IngestOptions(limits=LOCAL_LIMITS)
"""A local run reads files of any size, as the CLI does (the app's upload limits guard a shared server)."""
ORDERS_SCHEMA = {
    "order_id": pl.String,
    "customer_id": pl.String,
    "ordered_at": pl.Datetime("us"),
    "revenue": pl.Float64,
    "refunded": pl.Float64,
    "status": pl.String,
    "channel": pl.String,
    "source": pl.String,
    "medium": pl.String,
    "campaign": pl.String,
    "device": pl.String,
}


@dataclass(frozen=True)
class Measured:
    """One timed step: wall seconds, peak resident memory above the start (MB), and its result."""

    seconds: float
    peak_mb: float
    result: Any = None


class PeakMemory:
    """Samples the process's resident set size on a thread while a step runs."""

    def __init__(self, interval: float = 0.002) -> None:
        self.process = psutil.Process(os.getpid())
        self.interval = interval
        self.start = self.peak = 0
        self._running = False

    def __enter__(self) -> PeakMemory:
        gc.collect()
        self.start = self.peak = self.process.memory_info().rss
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while self._running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(self.interval)

    def __exit__(self, *_: object) -> None:
        self._running = False
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def above_start_mb(self) -> float:
        return (self.peak - self.start) / 1e6


def measure(step: Callable[[], Any]) -> Measured:
    """Time ``step()`` and its peak memory."""
    with PeakMemory() as memory:
        began = time.perf_counter()
        result = step()
        seconds = time.perf_counter() - began
    return Measured(seconds, memory.above_start_mb, result)


READS = 2
"""Each file read is timed this many times, the product's and the baselines' alike, and the fastest
kept: on a shared virtual machine one read of the same file varies by a fifth from run to run."""


def best_of(times: int, step: Callable[[], Any], *, keep: bool = True) -> Measured:
    """The fastest of ``times`` runs of ``step``, with the highest peak memory of them (and the
    last result when ``keep``; a result not kept is freed before the next run)."""
    runs = []
    for _ in range(times):
        result = None  # the previous run's result is not in memory while the next one is measured
        run = measure(step)
        runs.append(Measured(run.seconds, run.peak_mb))
        result = run.result if keep else None
        del run
    return Measured(min(r.seconds for r in runs), max(r.peak_mb for r in runs), result)


_FRESH = """
import sys
from pathlib import Path
import polars as pl
from benchmarks.run import ORDERS_SCHEMA, PeakMemory, _ingest
with PeakMemory() as memory:
    _ingest(Path(sys.argv[2])) if sys.argv[1] == "product" else pl.read_csv(sys.argv[2], schema=ORDERS_SCHEMA)
print(memory.above_start_mb)
"""


def fresh_peak_mb(reader: str, path: Path) -> float:
    """Peak memory of one read in a fresh process (sampled, above the memory it had once imported),
    ``reader`` being ``product`` or ``raw``: in this process, memory freed by an earlier step is
    reused and would hide part of the next step's peak. (Not ``ru_maxrss``: on Linux a child keeps
    the high-water mark of the process it was started from.)"""
    done = subprocess.run(
        [sys.executable, "-c", _FRESH, reader, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return float(done.stdout.strip().splitlines()[-1])


@dataclass(frozen=True)
class Row:
    """One line of the result table."""

    size: int
    step: str
    product_s: float
    baseline: str
    baseline_s: float | None
    ratio: float | None  # product / baseline (< 1: the product is faster)
    product_peak_mb: float
    baseline_peak_mb: float | None
    target: str
    met: bool | None


def _row(
    size: int,
    step: str,
    product: Measured,
    *,
    baseline: str = "",
    base: Measured | None = None,
    target: str = "",
    met: Callable[[Measured, Any], bool] | None = None,
) -> Row:
    ratio = product.seconds / base.seconds if base and base.seconds > 0 else None
    return Row(
        size,
        step,
        product.seconds,
        baseline,
        base.seconds if base else None,
        ratio,
        product.peak_mb,
        base.peak_mb if base else None,
        target,
        met(product, base) if met else None,
    )


def run_size(size: int, folder: Path, *, seed: int = 7) -> tuple[list[Row], dict[str, Any]]:
    """Generate the data set of ``size`` order rows in ``folder``, then time every step."""
    paths = generate.write(generate.generate(size, seed=seed), folder)
    csv_mb = paths["orders"]["csv"].stat().st_size / 1e6
    rows: list[Row] = []

    raw = best_of(READS, lambda: pl.read_csv(paths["orders"]["csv"], schema=ORDERS_SCHEMA), keep=False)
    parquet = best_of(READS, lambda: _ingest(paths["orders"]["parquet"]), keep=False)
    ingest = best_of(READS, lambda: _ingest(paths["orders"]["csv"]))
    raw, parquet, ingest = (
        replace(raw, peak_mb=fresh_peak_mb("raw", paths["orders"]["csv"])),
        replace(parquet, peak_mb=fresh_peak_mb("product", paths["orders"]["parquet"])),
        replace(ingest, peak_mb=fresh_peak_mb("product", paths["orders"]["csv"])),
    )
    raw_read = "polars read_csv, declared schema"
    rows.append(
        _row(
            size,
            "ingest orders CSV",
            ingest,
            baseline=raw_read,
            base=raw,
            target="≤ 1.5× raw read",
            met=lambda p, b: p.seconds <= 1.5 * b.seconds,
        )
    )
    rows.append(_row(size, "ingest orders Parquet", parquet, baseline=raw_read, base=raw))
    memory_target = 3 * csv_mb
    rows.append(
        _row(
            size,
            "ingest peak memory",
            ingest,
            target=f"≤ 3× CSV ({memory_target:,.0f} MB)",
            met=lambda p, _: p.peak_mb <= memory_target,
        )
    )

    loaded = [ingest.result[0]] + [load_path(paths[name]["csv"], options=LOCAL) for name in TABLES[1:]]
    tables = combine(loaded)
    del loaded, ingest
    frames = pandas_kpis.load_csv({name: paths[name]["csv"] for name in TABLES})

    def cold() -> tuple[float, Any]:
        """The cubes and per-customer tables built (once per data set; the app does it while the
        upload's progress shows), then every KPI: the first computation of a fresh data set."""
        began = time.perf_counter()
        build_cubes(tables)
        return time.perf_counter() - began, compute(tables, PERIOD, FILTER)

    first = measure(cold)
    built_s, report = first.result
    pandas_first = measure(lambda: pandas_kpis.compute_kpis(frames, start=PERIOD.start, end=PERIOD.end, filters=FILTER))
    rows.append(
        _row(
            size,
            "every KPI, first (cold)",
            first,
            baseline="pandas",
            base=pandas_first,
            target="≥ 5× faster than pandas",
            met=lambda p, b: b.seconds >= 5 * p.seconds,
        )
    )
    after_build = Measured(first.seconds - built_s, first.peak_mb)
    rows.append(_row(size, "every KPI, first, cubes built", after_build, baseline="pandas", base=pandas_first))
    changes = [
        measure(lambda period=period, chosen=chosen: compute(tables, period, chosen)) for period, chosen in CHANGES
    ]
    median = Measured(statistics.median(m.seconds for m in changes), max(m.peak_mb for m in changes))
    pandas_changes = [
        measure(
            lambda period=period, chosen=chosen: pandas_kpis.compute_kpis(
                frames, start=period.start, end=period.end, filters=chosen
            )
        )
        for period, chosen in CHANGES
    ]
    pandas_median = Measured(
        statistics.median(m.seconds for m in pandas_changes), max(m.peak_mb for m in pandas_changes)
    )
    rows.append(
        _row(
            size,
            "every KPI, after a filter change",
            median,
            baseline="pandas",
            base=pandas_median,
            target="≤ 100 ms",
            met=lambda p, _: p.seconds <= 0.1,
        )
    )

    months = cohort_months(Period(date(2025, 1, 1), date(2025, 12, 31)))
    cohorts = measure(lambda: cohort_table(tables, period=Period(date(2025, 1, 1), date(2025, 12, 31))))
    pandas_cohorts = measure(lambda: pandas_kpis.cohort_table(frames, months=months))
    rows.append(_row(size, "monthly cohort table", cohorts, baseline="pandas", base=pandas_cohorts))

    agreement = _agreement(report, pandas_first.result)
    facts = {
        "orders_csv_mb": round(csv_mb, 1),
        "rows": {name: generate_rows(paths[name]["parquet"]) for name in TABLES},
        "kpis_compared": agreement["compared"],
        "kpis_differing": agreement["differing"],
    }
    return rows, facts


def _ingest(path: Path) -> tuple[Any, Any]:
    """A file read, typed and checked, then prepared as the data set's table (last row of an order
    wins, guests, channels): everything before the first KPI."""
    loaded = load_path(path, options=LOCAL)
    return loaded, combine([loaded])


def generate_rows(parquet: Path) -> int:
    """Rows of a written table."""
    return pl.scan_parquet(parquet).select(pl.len()).collect().item()


def _agreement(report: Any, pandas_values: dict[str, float | None]) -> dict[str, Any]:
    """Which KPIs the product and pandas both give, and those that differ (relative 1e-6)."""
    differing = []
    compared = 0
    for kpi_id, value in pandas_values.items():
        mine = report[kpi_id].value
        compared += 1
        if (mine is None) != (value is None) or (mine is not None and abs(mine - value) > 1e-6 * max(1.0, abs(value))):
            differing.append(kpi_id)
    return {"compared": compared, "differing": differing}


def machine() -> dict[str, Any]:
    """What the run ran on."""
    return {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 1e9, 1),
        "python": platform.python_version(),
        "polars": pl.__version__,
        "pandas": pandas_kpis.pd.__version__,
        "system": platform.platform(),
    }


def table(rows: list[Row]) -> str:
    """The rows as an aligned text table."""
    lines = [f"{'rows':>11}  {'step':<34} {'product':>9} {'baseline':>9} {'ratio':>7} {'peak MB':>8}  target"]
    for row in rows:
        base = f"{row.baseline_s:9.3f}" if row.baseline_s is not None else f"{'':>9}"
        ratio = f"{row.ratio:7.2f}" if row.ratio is not None else f"{'':>7}"
        verdict = "" if row.met is None else (" met" if row.met else " MISSED")
        lines.append(
            f"{row.size:>11,}  {row.step:<34} {row.product_s:9.3f} {base} {ratio} {row.product_peak_mb:8.0f}  "
            f"{row.target}{verdict}"
        )
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    """The results as the README's Markdown table, with the machine they ran on."""
    lines = [
        "| order rows | step | KPI Explorer (s) | baseline | baseline (s) | ratio | peak MB | target |",
        "|---:|---|---:|---|---:|---:|---:|---|",
    ]
    for row in results["rows"]:
        base = f"{row['baseline_s']:.3f}" if row["baseline_s"] is not None else ""
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else ""
        verdict = "" if row["met"] is None else (" ✅ met" if row["met"] else " ❌ missed")
        lines.append(
            f"| {row['size']:,} | {row['step']} | {row['product_s']:.3f} | {row['baseline']} | {base} | {ratio} | "
            f"{row['product_peak_mb']:,.0f} | {row['target']}{verdict} |"
        )
    box = results["machine"]
    lines.append("")
    lines.append(
        f"Ran on {box['cores']} cores ({box['cpu']}), {box['memory_gb']} GB, Python {box['python']}, polars "
        f"{box['polars']}, pandas {box['pandas']}; ratio = KPI Explorer ÷ baseline (below 1: KPI Explorer is faster)."
    )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="KPI Explorer performance benchmark")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="order rows per run")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results.json"))
    parser.add_argument("--work", type=Path, default=None, help="folder for the generated files (default: temp)")
    parser.add_argument("--markdown", type=Path, default=None, help="print this results file as Markdown, and stop")
    arguments = parser.parse_args()
    if arguments.markdown:
        print(markdown(json.loads(arguments.markdown.read_text(encoding="utf-8"))), end="")
        return
    results: dict[str, Any] = {"machine": machine(), "rows": [], "data": {}}
    for size in arguments.sizes:
        with tempfile.TemporaryDirectory(dir=arguments.work) as folder:
            rows, facts = run_size(size, Path(folder))
        results["rows"] += [asdict(row) for row in rows]
        results["data"][str(size)] = facts
        print(table(rows), flush=True)
        arguments.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")  # after every size
    print(f"\nwritten to {arguments.out}")


if __name__ == "__main__":
    main()
