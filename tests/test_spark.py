"""The Spark engine: the same KPI code on PySpark (local[2]) gives what polars gives.

Skipped when Java or PySpark is absent, unless ``KPI_REQUIRE_SPARK=1`` (as in CI), which makes
a missing engine a failure. One Spark session serves the module; the CLI test starts its own.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from datetime import date

import polars as pl
import pytest

from kpi import Period, Settings, breakdown, compute
from kpi.issues import DataError
from kpi.readers import combine, load_path
from tests.conftest import ROOT, TABLE_FILES

REL = 1e-9


def _spark_available() -> str | None:
    """Why Spark cannot run here, or None."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java is not installed (apt-get install default-jre-headless)"
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "PySpark is not installed"
    return None


@pytest.fixture(scope="module")
def spark():
    """A local[2] Spark session for the module."""
    missing = _spark_available()
    if missing:
        if os.environ.get("KPI_REQUIRE_SPARK") == "1":
            pytest.fail(f"Spark is required (KPI_REQUIRE_SPARK=1): {missing}")
        pytest.skip(missing)
    from kpi.spark import session

    spark = session("local[2]")
    yield spark
    spark.stop()


@pytest.fixture(scope="module")
def spark_tables(spark, conformance_dir):
    from kpi.spark import read_tables

    read = read_tables(spark, {name: str(conformance_dir / f"{name}.csv") for name in TABLE_FILES})
    assert read.warnings == ()
    return read.tables


def _close(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is None and right is None
    return math.isclose(left, right, rel_tol=REL, abs_tol=1e-12)


def _case_args(case: dict) -> tuple[Period, dict, Settings]:
    period = Period(date.fromisoformat(case["start"]), date.fromisoformat(case["end"]))
    return period, case["filters"], Settings(margin=case.get("margin"), ltv_months=case.get("ltv_months", 12))


@pytest.mark.parametrize("index", range(5))
def test_every_kpi_on_spark_equals_polars_and_the_expected_figures(
    spark_tables, conformance_tables, conformance_cases, index
):
    case = conformance_cases[index]
    period, filters, settings = _case_args(case)
    on_spark = compute(spark_tables, period, filters, settings, comparison=case["compare"])
    on_polars = compute(conformance_tables, period, filters, settings, comparison=case["compare"])
    differences = [
        f"{kpi_id}: spark {on_spark[kpi_id].value}/{on_spark[kpi_id].compare}, polars {value.value}/{value.compare}"
        for kpi_id, value in on_polars.values.items()
        if not (_close(on_spark[kpi_id].value, value.value) and _close(on_spark[kpi_id].compare, value.compare))
        or on_spark[kpi_id].note != value.note
    ]
    assert differences == []
    assert on_spark.compare_period == on_polars.compare_period
    for kpi_id, expected in case["expected"].items():
        assert _close(on_spark[kpi_id].value, expected["value"]), kpi_id
        assert _close(on_spark[kpi_id].compare, expected["compare"]), kpi_id


@pytest.mark.parametrize("by", ["channel", "device", "week", "month"])
def test_breakdowns_on_spark_equal_polars(spark_tables, conformance_tables, by):
    period = Period(date(2024, 9, 1), date(2024, 12, 31))
    on_spark = breakdown(spark_tables, period, by=by).frame.to_native()
    on_polars = breakdown(conformance_tables, period, by=by).frame.to_native()
    assert on_spark.columns == on_polars.columns
    assert on_spark["group"].to_list() == on_polars["group"].to_list()
    for column in on_polars.columns[1:]:
        left, right = on_spark[column].to_list(), on_polars[column].to_list()
        if column.endswith("__note"):
            assert left == right, column
        else:
            assert all(_close(a, b) for a, b in zip(left, right, strict=True)), column


def test_data_range_filters_and_currency_match(spark_tables, conformance_tables):
    assert spark_tables.date_range() == conformance_tables.date_range()
    assert spark_tables.orders_end() == conformance_tables.orders_end()
    assert spark_tables.currency == conformance_tables.currency
    for name in ("channel", "device", "source"):
        assert spark_tables.dimension_values(name) == conformance_tables.dimension_values(name)


ORDERS_HEADER = "order_id,customer_id,ordered_at,revenue,status,channel\n"


def test_the_last_row_of_a_repeated_order_wins_in_file_order(spark, tmp_path):
    from kpi.spark import read_tables

    rows = [f"#{n},C{n},2024-03-0{1 + n % 5} 10:00:00,{n}.0,paid,Email\n" for n in range(200)]
    rows.insert(150, "#7,C7,2024-03-02 10:00:00,999.0,refunded,Paid Search\n")  # a later row updates #7
    rows.append("#9,C9,2024-03-02 10:00:00,5.0,cancelled,Email\n")  # the very last row cancels #9
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS_HEADER + "".join(rows))
    on_spark = read_tables(spark, {"orders": str(path)}).tables.orders.collect(backend="polars").to_native()
    on_polars = combine([load_path(path)]).orders.to_native()
    assert on_spark.height == on_polars.height == 200
    assert on_spark.row(by_predicate=pl.col("order_id") == "#7", named=True)["revenue"] == 999.0
    assert on_spark.row(by_predicate=pl.col("order_id") == "#9", named=True)["status"] == "cancelled"
    columns = ["order_id", "revenue", "status", "channel"]
    assert on_spark.select(columns).sort("order_id").rows() == on_polars.select(columns).sort("order_id").rows()


def test_a_cell_that_does_not_parse_stops_with_the_file_named(spark, tmp_path):
    from kpi.spark import read_tables

    path = tmp_path / "orders.csv"
    path.write_text(
        ORDERS_HEADER + "#1,C1,2024-03-01 10:00:00,12.5,paid,Email\n#2,C2,2024-03-01 11:00:00,twelve,paid,\n"
    )
    with pytest.raises(DataError) as raised:
        read_tables(spark, {"orders": str(path)})
    assert raised.value.source == str(path)
    assert "cannot be read as the orders table" in raised.value.message


def test_a_row_with_an_empty_required_cell_is_dropped_and_counted(spark, tmp_path):
    from kpi.spark import read_tables

    path = tmp_path / "orders.csv"
    path.write_text(ORDERS_HEADER + "#1,C1,2024-03-01 10:00:00,12.5,paid,Email\n#2,C2,,3.0,paid,Email\n")
    read = read_tables(spark, {"orders": str(path)})
    assert read.warnings == (
        f"warning: {path}: 1 row(s) dropped: an empty required cell (order_id, ordered_at, revenue)",
    )
    assert read.tables.orders.collect(backend="polars").get_column("order_id").to_list() == ["#1"]


def test_a_missing_required_column_names_the_file(spark, tmp_path):
    from kpi.spark import read_tables

    path = tmp_path / "traffic.parquet"
    pl.DataFrame({"date": [date(2024, 1, 1)], "users": [3]}).write_parquet(path)
    with pytest.raises(DataError, match="required column"):
        read_tables(spark, {"traffic": str(path)})


def test_parquet_reads_like_csv(spark, tmp_path, conformance_dir, conformance_tables):
    from kpi.spark import read_tables

    path = tmp_path / "traffic.parquet"
    pl.read_csv(conformance_dir / "traffic.csv", try_parse_dates=True).write_parquet(path)
    tables = read_tables(spark, {"traffic": str(path)}).tables
    period = Period(date(2024, 11, 1), date(2024, 11, 30))
    polars_traffic = combine([load_path(conformance_dir / "traffic.csv")])
    for kpi_id in ("sessions", "conversion_rate", "organic_search_share", "avg_session_duration_s"):
        assert _close(compute(tables, period)[kpi_id].value, compute(polars_traffic, period)[kpi_id].value), kpi_id


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kpi", "report", *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )


def _same_json(left: object, right: object, path: str = "") -> list[str]:
    """Where two JSON values differ (numbers within REL)."""
    if isinstance(left, dict) and isinstance(right, dict):
        if left.keys() != right.keys():
            return [f"{path}: keys differ"]
        return [d for key in left for d in _same_json(left[key], right[key], f"{path}.{key}")]
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return [f"{path}: lengths differ"]
        return [d for i, (a, b) in enumerate(zip(left, right, strict=True)) for d in _same_json(a, b, f"{path}[{i}]")]
    if isinstance(left, float | int) and isinstance(right, float | int) and not isinstance(left, bool):
        return [] if _close(float(left), float(right)) else [f"{path}: {left} != {right}"]
    return [] if left == right else [f"{path}: {left!r} != {right!r}"]


def test_the_cli_prints_the_same_json_on_spark(spark, conformance_dir):
    files = [arg for name in TABLE_FILES for arg in (f"--{name}", str(conformance_dir / f"{name}.csv"))]
    common = [*files, "--start", "2024-11-01", "--end", "2024-11-30", "--channel", "Email", "--by", "device"]
    on_polars = _run_cli(*common)
    on_spark = _run_cli(*common, "--engine", "spark", "--spark-master", "local[2]")
    assert on_polars.returncode == 0, on_polars.stderr
    assert on_spark.returncode == 0, on_spark.stderr[-2000:]
    assert "Traceback" not in on_spark.stderr
    assert _same_json(json.loads(on_spark.stdout), json.loads(on_polars.stdout)) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["orders.csv"], "reads canonical files named by table"),
        (["--orders", "a.csv", "--orders", "b.csv"], "give one path per table"),
        ([], "no files given"),
    ],
)
def test_spark_engine_usage_errors_are_one_line(args, message):
    result = _run_cli(*args, "--engine", "spark")
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_path_is_one_line_naming_it(spark, tmp_path):
    missing = tmp_path / "nowhere.csv"
    result = _run_cli("--engine", "spark", "--spark-master", "local[1]", "--orders", str(missing))
    assert result.returncode == 2
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1
    assert str(missing) in error_lines[0]
    assert "Traceback" not in result.stderr
