"""Fuzzing the import: random bytes and mutated real exports end as tables or clear messages.

Every input must end as :class:`~kpi.ingest.pipeline.TableResult` s (a loaded table, or a skipped,
unrecognised or failed one with a message), never an uncaught exception; a loaded table must then
stack into a data set whose KPIs compute. The seeds are the real exports of ``../shared/data`` (their
first lines) and the crafted broken files of ``tests/fixtures/bad``; the mutations are those a file
suffers on its way to an upload (bytes flipped, lines cut, duplicated or reordered, delimiters and
quotes changed, a BOM, NULs, CRs, truncation, a zip or gzip around it).

An input that once failed is kept in ``tests/fixtures/fuzz`` and read by
:func:`test_inputs_that_once_failed_now_end_well` (the name says which part of the import it broke).
A longer campaign: ``KPI_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import gzip
import io
import os
import zipfile
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi.engine import compute
from kpi.ingest.model import Limits
from kpi.ingest.pipeline import IngestOptions, TableResult, assemble, ingest_file
from kpi.periods import Period
from tests.conftest import ROOT

SHARED_DATA = ROOT.parent / "shared" / "data"
BAD = ROOT / "tests" / "fixtures" / "bad"
CORPUS = ROOT / "tests" / "fixtures" / "fuzz"
SUFFIXES = (".csv", ".tsv", ".txt")
OPTIONS = IngestOptions(limits=Limits(max_bytes=2_000_000, max_columns=400, max_cell_chars=5_000))
"""Small limits: a mutation that inflates a file is refused with a message, quickly."""
STATUSES = {"loaded", "skipped", "unrecognised", "failed"}
EXAMPLES = int(os.environ.get("KPI_FUZZ_EXAMPLES", "250"))
"""Mutated exports per run (archives get a quarter as many, random bytes four fifths)."""
FUZZ_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]


def _head(path: Path, lines: int = 40) -> bytes:
    """A real export's first lines (its header, preamble and some rows): enough to be recognised."""
    with path.open("rb") as handle:
        return b"".join(handle.readline() for _ in range(lines))


def _seeds() -> list[tuple[str, bytes]]:
    found = sorted(
        path
        for path in SHARED_DATA.rglob("*")
        if path.is_file() and path.suffix.lower() in SUFFIXES and path.stat().st_size < 3_000_000
    )
    seeds = [(path.name, _head(path)) for path in found]
    seeds += [(path.name, path.read_bytes()[:20_000]) for path in sorted(BAD.iterdir()) if path.is_file()]
    return seeds


SEEDS = _seeds()


def ends_well(name: str, content: bytes) -> list[TableResult]:
    """Import ``content``: it must give results with a known status, a message for each that did
    not load, and a data set whose KPIs compute for the loaded ones."""
    results = ingest_file(name, content, options=OPTIONS)
    assert results, "every file gives at least one result"
    for result in results:
        assert result.status in STATUSES
        if result.status == "loaded":
            assert result.loaded is not None
            assert result.loaded.frame.height > 0
        else:
            assert isinstance(result.message, str), result
            assert result.message.strip(), result
    loaded = [result for result in results if result.status == "loaded"]
    if loaded:
        tables = assemble(loaded).tables
        report = compute(tables, Period(date(2000, 1, 1), date(2030, 12, 31)))
        assert report.values, "every KPI has an entry"
    return results


# --- mutations --------------------------------------------------------------------------------


def _flip(data: bytes, draw) -> bytes:
    if not data:
        return data
    at = draw(st.integers(0, len(data) - 1))
    return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]


def _insert(data: bytes, draw) -> bytes:
    at = draw(st.integers(0, len(data)))
    return data[:at] + draw(st.binary(min_size=1, max_size=16)) + data[at:]


def _delete(data: bytes, draw) -> bytes:
    if not data:
        return data
    start = draw(st.integers(0, len(data) - 1))
    return data[:start] + data[start + draw(st.integers(1, 64)) :]


def _truncate(data: bytes, draw) -> bytes:
    return data[: draw(st.integers(0, len(data)))]


def _lines(data: bytes, draw) -> bytes:
    lines = data.split(b"\n")
    how = draw(st.sampled_from(["drop", "repeat", "swap", "shuffle_tail"]))
    at = draw(st.integers(0, max(0, len(lines) - 1)))
    if how == "drop":
        del lines[at]
    elif how == "repeat":
        lines[at:at] = [lines[at]] * draw(st.integers(1, 5))
    elif how == "swap" and len(lines) > 1:
        other = draw(st.integers(0, len(lines) - 1))
        lines[at], lines[other] = lines[other], lines[at]
    elif how == "shuffle_tail":
        lines = lines[:at] + draw(st.permutations(lines[at:]))
    return b"\n".join(lines)


def _swap_bytes(data: bytes, draw) -> bytes:
    old = draw(st.sampled_from([b",", b";", b"\t", b'"', b"\n", b".", b"-", b"/", b":", b" "]))
    new = draw(st.sampled_from([b",", b";", b"\t", b'"', b"\r\n", b"\r", b"", b"|", b"\x00", b'""', b"\xa0"]))
    return data.replace(old, new, draw(st.integers(1, 50)))


def _wrap(data: bytes, draw) -> bytes:
    how = draw(st.sampled_from(["bom", "utf16", "cp1250", "nul_tail"]))
    if how == "bom":
        return b"\xef\xbb\xbf" + data
    if how == "utf16":
        return data.decode("utf-8", errors="replace").encode("utf-16")
    if how == "cp1250":
        return data.decode("utf-8", errors="replace").encode("cp1250", errors="replace")
    return data + b"\x00" * draw(st.integers(1, 64))


MUTATIONS = (_flip, _insert, _delete, _truncate, _lines, _swap_bytes, _wrap)


@st.composite
def mutated_export(draw) -> tuple[str, bytes]:
    name, data = draw(st.sampled_from(SEEDS))
    for mutation in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4)):
        data = mutation(data, draw)
    return name, data


def _workbook(data: bytes) -> bytes:
    """The lines of ``data`` as the first sheet of an xlsx (numbers as numbers), as a spreadsheet
    export would hold them."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": True}) as book:
        book.set_properties({"created": datetime(2024, 1, 1)})  # the same bytes every time
        sheet = book.add_worksheet()
        text = data.decode("utf-8", errors="replace").replace("\x00", "")
        for row, line in enumerate(text.splitlines()[:200]):
            for column, cell in enumerate(line.split(",")[:60]):
                sheet.write(row, column, cell[:1000])
    return buffer.getvalue()


def _parquet(data: bytes) -> bytes | None:
    """``data`` read as a CSV of text columns and written as Parquet, or None when it is not one."""
    try:
        frame = pl.read_csv(data, infer_schema=False, truncate_ragged_lines=True, ignore_errors=True)
    except pl.exceptions.PolarsError:
        return None
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def _zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


# --- the tests --------------------------------------------------------------------------------


def test_the_seeds_are_the_real_exports_and_the_crafted_files():
    names = {name for name, _ in SEEDS}
    assert len(SEEDS) >= 30
    assert "orders_export_subset-columns_AU.csv" in names  # Shopify
    assert "ragged.csv" in names  # crafted


@pytest.mark.parametrize(("name", "data"), SEEDS, ids=[name for name, _ in SEEDS])
def test_every_seed_ends_well(name, data):
    ends_well(name, data)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=FUZZ_HEALTH)
@given(mutated_export())
def test_mutated_exports_end_as_tables_or_messages(upload):
    name, data = upload
    ends_well(name, data)


@settings(max_examples=EXAMPLES // 4, deadline=None, suppress_health_check=FUZZ_HEALTH)
@given(mutated_export(), st.sampled_from(["zip", "gz"]))
def test_mutated_exports_in_an_archive_end_well(upload, archive):
    name, data = upload
    if archive == "zip":
        ends_well(f"{name}.zip", _zipped(name, data))
    else:
        ends_well(f"{name}.gz", gzip.compress(data))


@settings(max_examples=EXAMPLES * 4 // 5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2_000), st.sampled_from(["upload.csv", "upload.xlsx", "upload.zip", "upload.gz", "x"]))
def test_random_bytes_under_any_name_end_well(data, name):
    ends_well(name, data)


@settings(max_examples=EXAMPLES // 5, deadline=None, suppress_health_check=FUZZ_HEALTH)
@given(mutated_export(), st.booleans(), st.data())
def test_mutated_exports_as_workbooks_end_well(upload, flip_bytes, data):
    """A spreadsheet of the mutated rows, and sometimes its zip bytes damaged too."""
    name, content = upload
    workbook = _workbook(content)
    if flip_bytes:
        workbook = _flip(workbook, data.draw)
    ends_well(f"{name}.xlsx", workbook)


@settings(max_examples=EXAMPLES // 5, deadline=None, suppress_health_check=FUZZ_HEALTH)
@given(mutated_export(), st.booleans(), st.data())
def test_mutated_exports_as_parquet_end_well(upload, flip_bytes, data):
    """A Parquet file of the mutated rows, and sometimes its bytes damaged too."""
    name, content = upload
    parquet = _parquet(content)
    if parquet is None:
        return
    if flip_bytes:
        parquet = _flip(parquet, data.draw)
    ends_well(f"{name}.parquet", parquet)


def _corpus() -> list[Path]:
    return sorted(path for path in CORPUS.iterdir() if path.is_file() and path.name != "README.md")


@pytest.mark.parametrize("path", _corpus(), ids=lambda path: path.name)
def test_inputs_that_once_failed_now_end_well(path):
    ends_well(path.name, path.read_bytes())
