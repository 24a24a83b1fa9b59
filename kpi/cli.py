"""``python -m kpi``: the KPI report from the command line (contract section 4).

    python -m kpi check [FILES…] [--start D --end D] [--format text|json]   (the data-quality report)
    python -m kpi report [FILES…] [--orders F] [--traffic F] [--spend F] [--leads F] [--nps F]
        [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--compare previous|year|none]
        [--channel NAME]… [--device NAME]… [--source NAME]… [--campaign NAME]…
        [--margin 0.4] [--ltv-months 12] [--format json|table|csv]
        [--engine polars|spark] [--spark-master URL]

A bad file or argument exits with status 2 and one line on stderr naming the file and the
problem; it never prints a traceback. Data warnings (rows dropped, duplicates) go to stderr, one
line each, so stdout stays clean JSON / CSV.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from kpi.engine import Breakdown, Report, breakdown, compute
from kpi.formats import format_delta, format_value
from kpi.ingest.mapping import ColumnMapping
from kpi.ingest.model import LOCAL_LIMITS
from kpi.ingest.pipeline import Ingested, IngestOptions, ingest
from kpi.ingest.quality import file_quality
from kpi.issues import DataError
from kpi.measures import BY_VALUES, CAC_VARIANTS, Settings
from kpi.periods import Period, default_period
from kpi.readers import recognise
from kpi.registry import GROUP_LABELS, KPIS, REGISTRY
from kpi.safety import neutralize_cell
from kpi.schema import TABLE_NAMES, TableName
from kpi.tables import Tables

EXIT_BAD_INPUT = 2
BREAKDOWNS = BY_VALUES
FILTERS = ("channel", "source", "campaign", "device")
ENGINES = ("polars", "spark")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error on one line with exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"error: {message} (see python -m kpi {self.prog.split()[-1]} --help)\n")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-11-30") from None


def _margin(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"gross margin must be a fraction in (0, 1], got {text}")
    return value


def _money(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount") from None
    if value < 0:
        raise argparse.ArgumentTypeError("the amount cannot be negative")
    return value


def _months(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of months") from None
    if not 1 <= value <= 120:
        raise argparse.ArgumentTypeError(f"LTV horizon must be 1–120 months, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m kpi`` argument parser."""
    parser = _Parser(prog="python -m kpi", description="Marketing and sales KPIs from canonical CSV/Parquet files.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    report = commands.add_parser("report", help="every KPI of the contract for a period and its comparison")
    _input_arguments(report)
    report.add_argument("--start", type=_date, help="first day of the period (default: last full month in the data)")
    report.add_argument("--end", type=_date, help="last day of the period")
    report.add_argument("--compare", choices=("previous", "year", "none"), default="previous")
    for name in FILTERS:
        report.add_argument(
            f"--{name}",
            dest=f"filter_{name}",
            action="append",
            default=[],
            metavar="NAME",
            help=f"keep only this {name} (repeat for several)",
        )
    report.add_argument(
        "--margin", type=_margin, help="gross margin as a fraction, e.g. 0.4 (default: revenue-based 1.0)"
    )
    report.add_argument("--ltv-months", type=_months, default=12, help="LTV horizon in months (default 12)")
    report.add_argument(
        "--cac",
        choices=tuple(CAC_VARIANTS),
        default="marketing",
        help="what CAC counts as cost: all marketing spend (default), paid ad spend only, or all "
        "spend plus --monthly-sales-cost",
    )
    report.add_argument(
        "--monthly-sales-cost",
        type=_money,
        default=0.0,
        metavar="AMOUNT",
        help="a fixed monthly cost of the sales team, added to CAC's cost with --cac with_sales_cost",
    )
    report.add_argument("--by", choices=BREAKDOWNS, help="also give every KPI per group (JSON key 'breakdown')")
    report.add_argument("--format", choices=("json", "table", "csv"), default="json")
    report.add_argument(
        "--engine",
        choices=ENGINES,
        default="polars",
        help="polars: this machine (default; reads and repairs exports). spark: PySpark reads canonical "
        "CSV/Parquet paths given with --orders, --traffic… (local, a folder, or any URL Spark can read)",
    )
    report.add_argument(
        "--spark-master",
        metavar="URL",
        help="with --engine spark: local[4], spark://host:7077, yarn, or a Spark Connect URL sc://host:15002 "
        "(default: what spark-submit set, else local[*])",
    )
    check = commands.add_parser("check", help="the data-quality report of each file: read, kept, dropped and why")
    _input_arguments(check)
    check.add_argument("--start", type=_date, help="count rows outside this period (with --end)")
    check.add_argument("--end", type=_date, help="last day of that period")
    check.add_argument("--format", choices=("text", "json"), default="text")
    commands.add_parser("kpis", help="the KPI registry as a Markdown table (the README's)")
    return parser


def _input_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("files", nargs="*", help="exports or canonical files, recognised by their header")
    for table in TABLE_NAMES:
        command.add_argument(
            f"--{table}", action="append", default=[], metavar="F", help=f"a file that holds the {table} table"
        )
    command.add_argument(
        "--mapping",
        action="append",
        default=[],
        metavar="PROFILE.json",
        help="a column-mapping profile saved in the app, for files no recogniser knows",
    )
    command.add_argument("--currency", metavar="CODE", help="keep only this currency where orders mix several")


def _read(path: str) -> tuple[str, bytes]:
    file = Path(path)
    try:
        return file.name, file.read_bytes()
    except OSError as err:
        raise DataError(path, f"cannot be read ({err.strerror or type(err).__name__})") from None


def _ingest(args: argparse.Namespace, *, strict: bool = True) -> Ingested:
    """Every file given, recognised (or mapped by a profile); with ``strict``, a file that gives no
    table at all is a :class:`DataError` naming it."""
    files = [_read(path) for path in args.files]
    forced: dict[str, TableName] = {}
    for table in TABLE_NAMES:
        for path in getattr(args, table):
            files.append(_read(path))
            forced[files[-1][0]] = table
    if not files:
        raise DataError("input", "no files given: pass exports or canonical files, or --orders F, --traffic F, …")
    mappings = [ColumnMapping.from_json(_read(path)[1], path) for path in args.mapping]
    options = IngestOptions(currency=args.currency, limits=LOCAL_LIMITS)  # the user's own files: memory is the limit
    result = ingest(files, mappings=mappings, options=options, forced=forced)
    for name, _ in files if strict else ():
        parts = [
            item for item in result.results if item.source == name or item.source.startswith((f"{name}#", f"{name}/"))
        ]
        if parts and not any(item.status == "loaded" for item in parts):
            problem = next((item for item in parts if item.status in ("failed", "unrecognised")), parts[0])
            message = problem.message or "holds no table that maps to a KPI table"
            if problem.status == "unrecognised" and problem.raw is not None:
                try:
                    recognise(problem.raw.columns, problem.source)
                except DataError as err:
                    message = f"{err.message}; map its columns in the app and pass the profile with --mapping"
            raise DataError(problem.source, message)
    return result


def _spark_tables(args: argparse.Namespace) -> Tables:
    """The tables read by Spark from the paths given per table (see :mod:`kpi.spark`)."""
    if args.files or args.mapping or args.currency:
        given = "files without a table" if args.files else "--mapping" if args.mapping else "--currency"
        raise DataError(
            "--engine spark",
            f"reads canonical files named by table (--orders PATH, --traffic PATH, …); {given} need the default engine",
        )
    paths: dict[TableName, str] = {}
    for table in TABLE_NAMES:
        given_paths = getattr(args, table)
        if len(given_paths) > 1:
            raise DataError(f"--{table}", "give one path per table (a folder or a glob reads several files)")
        if given_paths:
            paths[table] = given_paths[0]
    if not paths:
        raise DataError("input", "no files given: pass --orders PATH, --traffic PATH, …")
    from kpi.spark import read_tables, session  # noqa: PLC0415 - PySpark only when asked for

    read = read_tables(session(args.spark_master), paths)
    for line in read.warnings:
        print(line, file=sys.stderr)
    return read.tables


def _warnings(result: Ingested) -> list[str]:
    """One line per issue worth a look (stderr): every table's issues, skipped tables, overlaps."""
    lines = []
    for item in result.results:
        if item.loaded is not None:
            lines += [issue.line(item.source) for issue in item.loaded.issues]
        elif item.status == "skipped":
            lines.append(f"info: {item.source}: skipped: {item.message}")
        else:
            lines.append(f"warning: {item.source}: {item.message}")
    lines += [issue.line(source) for source, issue in result.issues]
    return lines


def _period(args: argparse.Namespace, tables: Tables) -> Period:
    """--start/--end as given; only --start runs to the last day in the data; only --end starts
    on the first day of its month; neither gives the last full calendar month in the data."""
    if args.start and args.end:
        try:
            return Period(args.start, args.end)
        except ValueError as err:
            raise DataError("--start/--end", str(err)) from None
    span = tables.date_range()
    if span is None:
        raise DataError("input", "the files have no dated rows: pass --start and --end")
    if args.start:
        return Period(args.start, max(span[1], args.start))
    if args.end:
        return Period(args.end.replace(day=1), args.end)
    return default_period(*span)


def unmatched_filter_values(tables: Tables, filters: dict[str, list[str]]) -> list[str]:
    """Warnings for filter values found in no table ("--channel 'paid search' matches nothing")."""
    lines = []
    for name, values in filters.items():
        known = set(tables.dimension_values(name))
        for value in values:
            if value not in known:
                options = ", ".join(sorted(known)[:12]) or "none"
                lines.append(f"warning: --{name} {value!r} matches no row; {name} values in the data: {options}")
    return lines


def render_table(report: Report) -> str:
    """A plain-text table: group, KPI, value, comparison, change, note."""
    rows = [("KPI", "value", "compare", "change", "note")]
    for group, label in GROUP_LABELS.items():
        rows.append((f"[{label}]", "", "", "", ""))
        for kpi in (k for k in REGISTRY if k.group == group):
            item = report[kpi.id]
            rows.append(
                (
                    f"  {kpi.label}",
                    format_value(item.value, kpi.format, currency=report.currency),
                    format_value(item.compare, kpi.format, currency=report.currency) if report.compare_period else "",
                    format_delta(item.value, item.compare, kpi.format) or "",
                    item.note or (f"comparison: {item.compare_note}" if item.compare_note else ""),
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    head = f"KPIs for {report.period.label()}"
    if report.compare_period:
        head += f", compared with {report.compare_period.label()}"
    lines = [head]
    lines += [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)) + "  " + row[4]
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def render_csv(report: Report) -> str:
    """One row per KPI: id, label, group, unit, value, compare, note; text cells are guarded
    against spreadsheet formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "label", "group", "unit", "value", "compare", "period_start", "period_end", "note"])
    for kpi in REGISTRY:
        item = report[kpi.id]
        note = item.note or (f"comparison: {item.compare_note}" if item.compare_note else "")
        writer.writerow(
            [
                kpi.id,
                neutralize_cell(kpi.label),
                kpi.group,
                kpi.unit,
                "" if item.value is None else repr(item.value),
                "" if item.compare is None else repr(item.compare),
                report.period.start.isoformat(),
                report.period.end.isoformat(),
                neutralize_cell(note),
            ]
        )
    return buffer.getvalue()


def kpi_markdown() -> str:
    """The registry as the README's Markdown table."""
    lines = ["| Group | KPI | id | Formula | Unit | Better |", "|---|---|---|---|---|---|"]
    for group, label in GROUP_LABELS.items():
        for kpi in (k for k in REGISTRY if k.group == group):
            better = {True: "higher", False: "lower", None: "—"}[kpi.higher_is_better]
            lines.append(f"| {label} | {kpi.label} | `{kpi.id}` | {kpi.formula} | {kpi.unit} | {better} |")
    return "\n".join(lines) + "\n"


def _check(args: argparse.Namespace, result: Ingested) -> int:
    """Print the data-quality report of every table; 2 when a file could not be used."""
    period = Period(args.start, args.end) if args.start and args.end else None
    overlaps = [(source, issue) for source, issue in result.issues]
    reports = [
        file_quality(item, period=period, extra=[issue for source, issue in overlaps if source == item.source])
        for item in result.loaded()
    ]
    if args.format == "json":
        payload = {
            "files": [report.as_dict() for report in reports],
            "not_loaded": [
                {"source": item.source, "status": item.status, "reason": item.message}
                for item in result.results
                if item.loaded is None
            ],
        }
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    else:
        for report in reports:
            sys.stdout.write("\n".join(report.lines()) + "\n")
        for item in result.results:
            if item.loaded is None:
                sys.stdout.write(f"{item.source}: {item.status}: {item.message}\n")
    return EXIT_BAD_INPUT if result.failures() else 0


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "kpis":
        sys.stdout.write(kpi_markdown())
        return 0
    try:
        if args.command == "report" and args.engine == "spark":
            tables = _spark_tables(args)
        else:
            result = _ingest(args, strict=args.command != "check")
            for line in _warnings(result):
                print(line, file=sys.stderr)
            if args.command == "check":
                return _check(args, result)
            tables = result.tables
        filters = {name: getattr(args, f"filter_{name}") for name in FILTERS}
        for line in unmatched_filter_values(tables, filters):
            print(line, file=sys.stderr)
        settings = Settings(args.margin, args.ltv_months, args.cac, args.monthly_sales_cost)
        period = _period(args, tables)
        report = compute(tables, period, filters, settings, comparison=args.compare)
        groups = breakdown(tables, period, filters, settings, by=args.by) if args.by else None
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as err:
        if getattr(args, "engine", "polars") != "spark":
            raise
        from kpi.spark import spark_message  # noqa: PLC0415

        # Spark reads lazily: a bad cell or a lost executor surfaces here, as a Java exception
        print(f"error: Spark: {spark_message(err)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.format == "json":
        payload = report.to_dict()
        if groups is not None:
            payload["breakdown"] = breakdown_dict(groups)
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
    elif args.format == "table":
        sys.stdout.write(render_table(report))
        if groups is not None:
            sys.stdout.write(render_breakdown_table(groups, report.currency))
    else:
        sys.stdout.write(render_csv(report) if groups is None else render_breakdown_csv(groups))
    return 0


def breakdown_dict(groups: Breakdown) -> dict[str, Any]:
    """The breakdown in the JSON: ``{"by": "channel", "groups": {"Email": {kpi: {"value", "note"}}}}``."""
    native = groups.frame.to_native()
    out: dict[str, Any] = {}
    for row in native.iter_rows(named=True):
        out[str(row["group"])] = {kpi.id: {"value": row[kpi.id], "note": row[f"{kpi.id}__note"]} for kpi in groups.kpis}
    return {"by": groups.by, "groups": out}


BREAKDOWN_TABLE_KPIS = (
    "sessions",
    "orders",
    "revenue",
    "conversion_rate",
    "spend",
    "roas",
    "new_customers",
    "cac",
    "ltv",
    "ltv_cac_ratio",
    "cac_payback_months",
)


def render_breakdown_table(groups: Breakdown, currency: str | None) -> str:
    """The key KPIs per group as aligned text."""
    kpis = [KPIS[kpi_id] for kpi_id in BREAKDOWN_TABLE_KPIS if KPIS[kpi_id] in groups.kpis]
    rows = [(groups.by, *(kpi.id for kpi in kpis))]
    for row in groups.frame.to_native().iter_rows(named=True):
        rows.append((str(row["group"]), *(format_value(row[kpi.id], kpi.format, currency=currency) for kpi in kpis)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    return f"\nPer {groups.by}:\n" + "\n".join(lines) + "\n"


def render_breakdown_csv(groups: Breakdown) -> str:
    """One row per (group, KPI): group, id, value, note; text cells guarded against formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([groups.by, "id", "value", "note"])
    for row in groups.frame.to_native().iter_rows(named=True):
        for kpi in groups.kpis:
            value = row[kpi.id]
            writer.writerow(
                [
                    neutralize_cell(str(row["group"])),
                    kpi.id,
                    "" if value is None else repr(value),
                    neutralize_cell(row[f"{kpi.id}__note"] or ""),
                ]
            )
    return buffer.getvalue()


def main() -> None:
    """Entry point of ``python -m kpi``."""
    sys.exit(run())
