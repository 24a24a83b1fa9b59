"""The distributed engine: canonical CSV or Parquet files read by PySpark, the same KPI code on top.

``python -m kpi report --engine spark --orders PATH …`` reads each table with Spark (a local
file, a folder of part files, or any URL Spark can read: ``s3a://``, ``abfss://``, ``hdfs://``)
with the column types the contract declares, and hands the lazy frames to
:class:`~kpi.tables.Tables`. Every KPI then runs on Spark through narwhals; only aggregates (one
row per group, per customer) come back to this process (see :mod:`kpi.frames`).

This engine reads **canonical** files as they are; it does not recognise or repair exports (the
polars readers do, and ``python -m kpi check`` reports what they fix). So that nothing is lost
silently, a cell that does not parse as its declared type stops the run with the file named, and
a row with an empty required cell is dropped and counted, as the polars readers do.

PySpark is imported only here, and only when this engine is chosen.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import narwhals as nw

from kpi.frames import FILE, ROW
from kpi.issues import DataError
from kpi.schema import SCHEMAS, ColumnType, TableName
from kpi.tables import Tables

DEFAULT_MASTER = "local[*]"
SPARK_TYPES: dict[ColumnType, str] = {
    "str": "string",
    "float": "double",
    "int": "long",
    "datetime": "timestamp_ntz",
    "date": "date",
}
"""Spark SQL type of each declared column type. Datetimes are wall-clock (no time zone), as the
contract says: ``timestamp_ntz`` keeps them as written."""


@dataclass(frozen=True)
class SparkRead:
    """What reading gave: the tables, and one warning line per table that lost rows."""

    tables: Tables
    warnings: tuple[str, ...]


def session(master: str | None = None, app_name: str = "kpi-explorer") -> Any:
    """A Spark session: ``master`` is ``local[2]``, ``spark://host:7077``, ``yarn``…, or a Spark
    Connect URL ``sc://host:15002``. Without one, the master ``PYSPARK_SUBMIT_ARGS`` or spark-submit
    chose, else ``local[*]``. The session's time zone is UTC, so no date moves with the machine's zone."""
    # PySpark 4.3 warns that pandas 3 is untested; this engine exchanges Arrow tables, not pandas
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    try:
        from pyspark.sql import SparkSession  # noqa: PLC0415 - the optional engine
    except ImportError:
        needed = "pip install -r requirements-spark.txt; it needs Java 17 or 21"
        raise DataError("--engine spark", f"PySpark is not installed ({needed})") from None
    builder = (
        SparkSession.builder.appName(app_name)
        .config("spark.sql.session.timeZone", "UTC")
        # parse every column when a file is first counted, so a bad cell is found while reading
        .config("spark.sql.csv.parser.columnPruning.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if (master or DEFAULT_MASTER).startswith("local"):
        # one machine: a few shuffle partitions, not the cluster default of 200 (a job per KPI query
        # would otherwise schedule hundreds of near-empty tasks)
        builder = builder.config("spark.sql.shuffle.partitions", "4")
    if master and master.startswith("sc://"):
        builder = builder.remote(master)
    elif master:
        builder = builder.master(master)
    elif not _has_master():
        builder = builder.master(DEFAULT_MASTER)
    try:
        spark = builder.getOrCreate()
    except Exception as err:  # noqa: BLE001 - Java missing, master unreachable: one line, never a traceback
        raise DataError("--engine spark", f"cannot start Spark ({_first_line(err)})") from None
    if not (master or "").startswith("sc://"):
        spark.sparkContext.setLogLevel("ERROR")
    logging.getLogger("pyspark").setLevel(logging.CRITICAL)  # errors become one line, not a query plan
    return spark


def _has_master() -> bool:
    """True when spark-submit (or SPARK_MASTER / PYSPARK_SUBMIT_ARGS) already chose a master."""
    return any(name in os.environ for name in ("SPARK_MASTER", "PYSPARK_SUBMIT_ARGS", "SPARK_ENV_LOADED"))


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0][:300] if text else type(err).__name__


def _ddl(table: TableName, header: list[str]) -> str:
    """The schema of a CSV in its header's order: declared columns typed, any other as text."""
    schema = SCHEMAS[table]
    declared = {column.name: column.dtype for column in schema.columns}
    return ", ".join(f"`{name}` {SPARK_TYPES[declared[name]] if name in declared else 'string'}" for name in header)


def _is_parquet(path: str) -> bool:
    return path.rstrip("/").lower().endswith((".parquet", ".pq"))


def _read_native(spark: Any, table: TableName, path: str) -> Any:
    """The table as a Spark DataFrame, typed as declared, with the file and row-number columns."""
    from pyspark.sql import functions as F  # noqa: PLC0415

    if _is_parquet(path):
        frame = spark.read.parquet(path)
        declared = {column.name: column.dtype for column in SCHEMAS[table].columns}
        frame = frame.select(
            *(
                F.col(f"`{name}`").cast(SPARK_TYPES[declared[name]]).alias(name) if name in declared else name
                for name in frame.columns
            )
        )
    else:
        header = spark.read.option("header", "true").csv(path).columns
        frame = (
            spark.read.option("header", "true")
            .option("mode", "FAILFAST")
            .option("timestampNTZFormat", "yyyy-MM-dd[ HH:mm[:ss][.SSSSSS]]")
            .option("dateFormat", "yyyy-MM-dd")
            .schema(_ddl(table, header))
            .csv(path)
        )
    return frame.withColumn(FILE, F.col("_metadata.file_path")).withColumn(ROW, F.monotonically_increasing_id())


def _drop_incomplete(frame: Any, table: TableName, path: str) -> tuple[Any, str | None]:
    """Rows with an empty required cell left out, and the warning that counts them."""
    from pyspark.sql import functions as F  # noqa: PLC0415

    schema = SCHEMAS[table]
    missing = [name for name in schema.required if name not in frame.columns]
    if missing:
        raise DataError(path, f"required column(s) missing for {table}: {', '.join(missing)}")
    must = [column.name for column in schema.columns if column.required and not column.nullable]
    if not must:
        return frame, None
    complete = None
    for name in must:
        present = F.col(name).isNotNull() & (F.trim(F.col(name).cast("string")) != "")
        complete = present if complete is None else complete & present
    dropped = frame.filter(~complete).count()
    warning = (
        f"warning: {path}: {dropped} row(s) dropped: an empty required cell ({', '.join(must)})" if dropped else None
    )
    return frame.filter(complete), warning


def read_tables(spark: Any, paths: Mapping[TableName, str]) -> SparkRead:
    """Each table's path read with Spark into :class:`Tables` of lazy frames.

    A cell that does not parse stops with a :class:`DataError` naming the path (Spark reads
    lazily, so the check counts the rows once here, before any KPI runs)."""
    frames: dict[str, Any] = {}
    warnings: list[str] = []
    for table, path in paths.items():
        try:
            native = _read_native(spark, table, path)
            native, warning = _drop_incomplete(native, table, path)
        except DataError:
            raise
        except Exception as err:  # noqa: BLE001 - Spark reports bad files as Java exceptions
            raise DataError(path, f"cannot be read as the {table} table: {spark_message(err)}") from None
        if warning:
            warnings.append(warning)
        frames[table] = nw.from_native(native)
    return SparkRead(Tables.from_frames(**frames), tuple(warnings))


def spark_message(err: BaseException) -> str:
    """The useful line of a Spark error: a malformed record, a missing path, else the first line."""
    text = str(err)
    for marker in ("Malformed records are detected", "PATH_NOT_FOUND", "Path does not exist", "CANNOT_PARSE"):
        if marker in text:
            line = next((line for line in text.splitlines() if marker in line), marker)
            return line.strip()[:300] + (
                " (a cell does not parse as the contract's type)" if "Malformed" in line else ""
            )
    return _first_line(err)
