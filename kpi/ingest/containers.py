"""Uploaded bytes → raw tables: what kind of file it is, and unpacking it safely.

:func:`read_tables` looks at the content's first bytes (its "magic") before the name's extension,
so a CSV named ``.xlsx`` or a zip named ``.csv`` is still read for what it is:

* **zip** (``PK``): every member is read in turn (``export.zip/Chart.csv``), one nested zip or
  gzip at most; folders, ``__MACOSX/``, hidden files (``.DS_Store``), Office lock files
  (``~$book.xlsx``) and files that hold no table by their extension (images, PDFs, READMEs) are
  skipped and named in an info issue on the zip's first table. A member that cannot be read
  becomes a warning on that table, not a failure of the whole zip; an encrypted zip is refused.
* **Excel workbook** (a zip holding ``xl/workbook.xml``: ``.xlsx``, ``.xlsm``, ``.xltx``): every
  non-empty sheet, hidden ones too (``book.xlsx#Sheet1``, ``meta["sheet"]``). ``.xlsm`` workbooks
  are read like any other: only the values stored in the cells are read, macros are never run
  (an info issue says so). The cells are read as text by calamine (``fastexcel``, the engine of
  polars' ``read_excel``): whole numbers without ``.0``, other numbers without scientific
  notation; calamine rounds to nine decimals and can show float noise
  (``123456789.122999996``), so when a sheet has such a cell it is read a second time as numbers
  and every number is written as the shortest text that gives it back (``123456789.123``).
  Datetimes are ISO ``YYYY-MM-DD HH:MM:SS``, ``YYYY-MM-DD`` in a column whose times are all
  midnight; times of day ``HH:MM:SS``; booleans ``true``/``false``; error cells (``#DIV/0!``)
  empty. The grid is then written as CSV and read by :func:`kpi.ingest.text.read_text_tables`, so a
  sheet gets exactly the header, preamble, block and total-row rules of a CSV download. calamine
  parses XML with ``quick-xml``, which expands no entities, so ``defusedxml`` is not needed.
  ``.xls`` (and password-protected workbooks, which are compound files too), ``.xlsb`` and
  ``.ods`` are refused with a hint to save as ``.xlsx`` or CSV.
* **gzip** (``\\x1f\\x8b``): unpacked in chunks, then read as the name without ``.gz``.
* **Parquet** (``PAR1``): read with polars; the frame keeps its types.
* anything else is text (CSV, TSV, TXT) unless it is clearly binary (PDF, PNG…) or a web page.

Archives are checked **before** anything is unpacked: the number of members, the sizes their
directory declares (their sum, shared by nested archives, and each member's compression ratio when
it unpacks to more than 1 MiB) and encryption. A workbook's XML parts (and whatever its
relationships point to) are then inflated once in chunks, without keeping them, to check that each
gives exactly the size and CRC it declares, that no sheet spans more than :data:`MAX_SHEET_CELLS`
cells and that the shared-string table declares no more strings than it holds. calamine allocates
both up front: a 5 KB workbook with cells in ``A1`` and ``XFD1048576`` would make it allocate
550 GB and abort the whole process. Only then does calamine see the bytes.

:func:`read_files` reads several uploads and reports each unusable one instead of stopping.
Every refusal is a :class:`~kpi.issues.DataError` whose message is one plain line.
"""

from __future__ import annotations

import gzip
import io
import lzma
import posixpath
import re
import string
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import PurePosixPath

import fastexcel
import polars as pl

from kpi.formats import byte_size
from kpi.ingest import text
from kpi.ingest.model import Limits, RawTable
from kpi.issues import DataError, Issue

MAX_SHEET_CELLS = 10_000_000
"""The most cells (rows × columns between the first and the last used cell) one sheet may span."""

MAX_WORKBOOK_PARTS = 5_000
"""The most parts (files in its zip) a workbook may hold."""

RATIO_FLOOR = 1024 * 1024
"""Members that unpack to less than this are not held to the compression-ratio limit."""

MAX_NESTING = 2
"""Archives inside archives: a zip (or gzip) may hold one more zip or gzip, no deeper."""

_CHUNK = 1024 * 1024

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_GZIP_MAGIC = b"\x1f\x8b"
_PARQUET_MAGIC = b"PAR1"
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "PDF document"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"ARROW1", "Arrow file"),
    (b"\x7fELF", "program"),
)
_SPREADSHEET_EXTENSIONS = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".ods")
_SKIPPED_NAMES = {"thumbs.db", "desktop.ini"}
_DATA_EXTENSIONS = frozenset(
    ("", ".csv", ".tsv", ".txt", ".tab", ".dat", ".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".parquet", ".gz", ".zip")
)
"""Members of a zip that are read; the rest (images, PDFs, READMEs…) are skipped and named."""


@dataclass
class _Budget:
    """What may still be unpacked from one upload, shared by the archives nested in it."""

    remaining: int


class _Refused(DataError):
    """A refusal that stops the whole upload, even from inside an archive (too big, a bomb)."""


class _Damaged(Exception):
    """A workbook part that does not inflate to what it declares (caught inside this module)."""


# --- public API ------------------------------------------------------------------------------


def read_tables(data: bytes, name: str, limits: Limits = Limits()) -> list[RawTable]:  # noqa: B008 - frozen
    """Every table in one uploaded file, or :class:`~kpi.issues.DataError` when none can be used.

    >>> read_tables(b"", "orders.csv")
    Traceback (most recent call last):
    ...
    kpi.issues.DataError: orders.csv: the file is empty
    """
    if len(data) > limits.max_bytes:
        raise DataError(name, f"the file is {byte_size(len(data))}; the limit is {byte_size(limits.max_bytes)}")
    return _read(data, name, limits, _Budget(limits.max_uncompressed_bytes), 0)


def read_files(
    files: Sequence[tuple[str, bytes]],
    limits: Limits = Limits(),  # noqa: B008 - frozen
) -> tuple[list[RawTable], list[tuple[str, str]]]:
    """Every table of every file, and ``(file name, message)`` for each file that cannot be used.

    >>> read_files([("logo.png", b"\\x89PNG\\r\\n\\x1a\\n" + bytes(24))])
    ([], [('logo.png', 'this is a binary file (PNG image), not a table')])
    """
    tables: list[RawTable] = []
    failures: list[tuple[str, str]] = []
    for name, data in files:
        try:
            tables.extend(read_tables(data, name, limits))
        except DataError as err:
            failures.append((name, err.message))
    return tables, failures


# --- dispatch --------------------------------------------------------------------------------


def _read(data: bytes, name: str, limits: Limits, budget: _Budget, depth: int) -> list[RawTable]:
    extension = _extension(name)
    if not data:
        if extension == ".zip":
            raise DataError(name, "the zip file is empty or damaged")
        raise DataError(name, "the file is empty")
    if data.startswith(_ZIP_MAGIC):
        return _read_zip_like(data, name, limits, budget, depth)
    if data.startswith(_OLE2_MAGIC):
        raise DataError(name, "old .xls or password-protected workbooks cannot be read: save it as .xlsx or CSV")
    if data.startswith(_GZIP_MAGIC):
        return _read_gzip(data, name, limits, budget, depth)
    if data.startswith(_PARQUET_MAGIC):
        return _read_parquet(data, name, limits, budget)
    kind = _binary_kind(data)
    if kind is None and not _looks_like_text(data):
        kind = ""
    if kind is not None:
        return _refuse_binary(name, extension, kind)
    markup = _markup_kind(data)
    if markup:
        raise DataError(name, f"this is {markup}, not a table: export the data as CSV or Excel")
    tables = text.read_text_tables(data, name, limits)
    if extension in (*_SPREADSHEET_EXTENSIONS, ".zip", ".gz", ".parquet"):
        note = Issue(
            "info",
            "named_as_other_format",
            None,
            f"named {extension} but is a CSV (text) file: read as text",
        )
        tables = _with_notes(tables, [note])
    return tables


def _refuse_binary(name: str, extension: str, kind: str) -> list[RawTable]:
    if extension in (".xlsx", ".xlsm", ".xltx", ".xltm"):
        raise DataError(name, "not a valid Excel file: it is damaged, or another kind of file renamed")
    if extension == ".zip":
        raise DataError(name, "the zip file is empty or damaged")
    if extension == ".parquet":
        raise DataError(name, "not a readable Parquet file: it is damaged or truncated")
    if extension == ".gz":
        raise DataError(name, "the gzip file is damaged or truncated")
    what = f" ({kind})" if kind else ""
    raise DataError(name, f"this is a binary file{what}, not a table")


def _shown(name: str) -> str:
    """A name found inside a file (a zip member, a sheet) fit for one line of text.

    >>> _shown("a\\nb.csv")
    'a b.csv'
    """
    return re.sub(r"[\x00-\x1f\x7f]+", " ", name)[:200]


def _extension(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).suffix.lower()


def _binary_kind(data: bytes) -> str | None:
    for magic, kind in _BINARY_MAGIC:
        if data.startswith(magic):
            return kind
    if len(data) > 262 and data[257:262] == b"ustar":
        return "tar archive"
    if re.match(rb"BZh[1-9]1AY&SY", data[:10]):
        return "bzip2 archive"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP image"
    return None


def _looks_like_text(data: bytes) -> bool:
    """True unless the first 8 KB are clearly not text in UTF-8, UTF-16 or a one-byte encoding."""
    sample = data[:8192]
    if sample.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
        decoded = sample.decode(encoding, errors="replace")
        if encoding != "utf-8" and len(sample) > 1:
            decoded = decoded[:-1]  # the last unit may be cut in half
        elif encoding == "utf-8":
            decoded = decoded[:-3] if len(decoded) > 3 else decoded
        if decoded and _printable_share(decoded) >= 0.95:
            return True
    if b"\x00" in sample:
        return False
    controls = sum(sample.count(bytes([byte])) for byte in (*range(1, 9), *range(14, 32)) if byte != 0x1A)
    return controls <= len(sample) * 0.01


def _printable_share(decoded: str) -> float:
    printable = sum(1 for char in decoded if char.isprintable() or char in "\t\r\n\f\v")
    return printable / len(decoded)


def _markup_kind(data: bytes) -> str | None:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table")):
        return "a web page (HTML)"
    if head.startswith(b"<?xml"):
        return "an Excel 2003 XML spreadsheet" if b'progid="excel.sheet"' in head else "an XML file"
    return None


def _with_notes(tables: list[RawTable], notes: Sequence[Issue]) -> list[RawTable]:
    """The tables with ``notes`` added to the first one (the file's notes, shown once)."""
    if not tables or not notes:
        return tables
    first = tables[0]
    return [replace(first, issues=(*first.issues, *notes)), *tables[1:]]


# --- zip -------------------------------------------------------------------------------------


ZIP_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,  # a compression method or "version needed" no reader has
    RuntimeError,  # an encrypted member
    ValueError,  # a damaged directory: a member's offset before the file's start ("negative seek")
    struct.error,
)
"""What opening a damaged zip (or workbook), or reading one of its members, raises: reported as damaged."""


def _open_zip(data: bytes, name: str, damaged: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (*ZIP_ERRORS, zipfile.LargeZipFile):
        raise DataError(name, damaged) from None


def _read_zip_like(data: bytes, name: str, limits: Limits, budget: _Budget, depth: int) -> list[RawTable]:
    extension = _extension(name)
    is_excel_name = extension in (".xlsx", ".xlsm", ".xltx", ".xltm")
    damaged = (
        "not a valid Excel file: it is damaged or truncated" if is_excel_name else "the zip file is empty or damaged"
    )
    archive = _open_zip(data, name, damaged)
    with archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" in names:
            return _read_workbook(data, archive, name, limits, budget)
        if "xl/workbook.bin" in names:
            raise DataError(name, "binary workbooks (.xlsb) cannot be read: save it as .xlsx or CSV")
        if "mimetype" in names and "content.xml" in names:
            raise DataError(name, "OpenDocument files (.ods) cannot be read: save it as .xlsx or CSV")
        if "[Content_Types].xml" in names:
            kind = "a Word document" if "word/document.xml" in names else "an Office document"
            if "ppt/presentation.xml" in names:
                kind = "a PowerPoint presentation"
            raise DataError(name, f"this is {kind}, not a table")
        if is_excel_name:
            raise DataError(name, "not a valid Excel file: it is a zip archive without a workbook in it")
        if depth >= MAX_NESTING:
            raise DataError(name, "an archive inside an archive inside an archive: unzip it first")
        return _read_archive(archive, name, limits, budget, depth)


def _is_skipped(member: str) -> bool:
    parts = PurePosixPath(member.replace("\\", "/")).parts
    if any(part.startswith(("__MACOSX", ".")) for part in parts):
        return True
    last = parts[-1] if parts else member
    return last.startswith("~$") or last.lower() in _SKIPPED_NAMES or _extension(member) not in _DATA_EXTENSIONS


def _check_declared(infos: Sequence[zipfile.ZipInfo], name: str, limits: Limits, budget: _Budget, *, what: str) -> None:
    """Refuse an archive from its directory alone: encryption, total size, compression ratio."""
    if any(info.flag_bits & 0x1 for info in infos):
        raise DataError(name, f"the {what} is password-protected: unpack it and upload its files")
    total = sum(info.file_size for info in infos)
    if total > budget.remaining:
        raise _Refused(
            name,
            f"the {what} unpacks to {byte_size(total)}; the limit is {byte_size(limits.max_uncompressed_bytes)} "
            "for everything in one upload",
        )
    for info in infos:
        if info.file_size < RATIO_FLOOR:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            raise _Refused(
                name,
                f"{_shown(info.filename)} unpacks {ratio:,.0f} times larger than it is packed; the limit is "
                f"{limits.max_compression_ratio:,.0f} times (a zip bomb?)",
            )


def _read_archive(archive: zipfile.ZipFile, name: str, limits: Limits, budget: _Budget, depth: int) -> list[RawTable]:
    members = [info for info in archive.infolist() if not info.is_dir()]
    if not members:
        raise DataError(name, "the zip file is empty or damaged")
    if len(members) > limits.max_files_in_zip:
        raise DataError(name, f"the zip holds {len(members):,} files; the limit is {limits.max_files_in_zip:,}")
    skipped = [_shown(info.filename) for info in members if _is_skipped(info.filename)]
    wanted = [info for info in members if not _is_skipped(info.filename)]
    _check_declared(wanted, name, limits, budget, what="zip file")
    tables: list[RawTable] = []
    problems: list[Issue] = []
    for info in wanted:
        source = f"{name}/{_shown(info.filename)}"
        try:
            content = archive.read(info)
        except (*ZIP_ERRORS, lzma.LZMAError):
            problems.append(_member_problem(source, "it is damaged or uses an unsupported compression"))
            continue
        budget.remaining -= len(content)
        try:
            tables.extend(_read(content, source, limits, budget, depth + 1))
        except _Refused as err:
            raise _Refused(name, f"{_shown(info.filename)}: {err.message}") from None
        except DataError as err:
            problems.append(_member_problem(err.source, err.message))
    if not tables:
        if problems:
            reasons = "; ".join(problem.message for problem in problems[:3])
            more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
            raise DataError(name, f"the zip holds no CSV, Excel or Parquet file that could be read: {reasons}{more}")
        raise DataError(name, "the zip holds no CSV, Excel or Parquet file")
    notes = list(problems)
    if skipped:
        shown = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
        notes.insert(
            0,
            Issue(
                "info",
                "zip_members_skipped",
                None,
                f"{len(skipped)} file(s) in {name} hold no data and were skipped: {shown}",
                examples=tuple(skipped[:5]),
            ),
        )
    return _with_notes(tables, notes)


def _member_problem(source: str, message: str) -> Issue:
    return Issue("warning", "zip_member_unreadable", None, f"{source} was not read: {message}")


# --- gzip ------------------------------------------------------------------------------------


def _read_gzip(data: bytes, name: str, limits: Limits, budget: _Budget, depth: int) -> list[RawTable]:
    if depth >= MAX_NESTING:
        raise DataError(name, "an archive inside an archive inside an archive: unpack it first")
    cap = min(budget.remaining, max(int(len(data) * limits.max_compression_ratio), RATIO_FLOOR))
    parts: list[bytes] = []
    produced = 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            while chunk := stream.read(_CHUNK):
                produced += len(chunk)
                if produced > cap:
                    if cap == budget.remaining:
                        raise _Refused(
                            name,
                            f"the gzip file unpacks to more than {byte_size(cap)}; the limit is "
                            f"{byte_size(limits.max_uncompressed_bytes)} for everything in one upload",
                        )
                    raise _Refused(
                        name,
                        f"the gzip file unpacks more than {limits.max_compression_ratio:,.0f} times larger than "
                        "it is packed (a zip bomb?)",
                    )
                parts.append(chunk)
    except (gzip.BadGzipFile, zlib.error, EOFError, OSError, ValueError):
        raise DataError(name, "the gzip file is damaged or truncated") from None
    budget.remaining -= produced
    inner_name = name[:-3] if name.lower().endswith(".gz") else name
    if inner_name.lower().endswith(".tgz"):
        inner_name = inner_name[:-4] + ".tar"
    try:
        return _read(b"".join(parts), inner_name, limits, budget, depth + 1)
    except DataError as err:
        if err.source != inner_name:
            raise
        kind = _Refused if isinstance(err, _Refused) else DataError
        raise kind(name, err.message, err.issues) from None


# --- Parquet ---------------------------------------------------------------------------------


def _read_parquet(data: bytes, name: str, limits: Limits, budget: _Budget) -> list[RawTable]:
    damaged = "not a readable Parquet file: it is damaged or truncated"
    try:
        schema = pl.read_parquet_schema(io.BytesIO(data))
        rows = pl.scan_parquet(io.BytesIO(data)).select(pl.len()).collect().item()
    except (pl.exceptions.PolarsError, OSError, ValueError):
        raise DataError(name, damaged) from None
    if len(schema) > limits.max_columns:
        raise DataError(name, f"the file has {len(schema):,} columns; the limit is {limits.max_columns:,}")
    if rows * max(len(schema), 1) * 8 > budget.remaining:
        raise _Refused(
            name,
            f"the file holds {rows:,} rows × {len(schema):,} columns, more than "
            f"{byte_size(limits.max_uncompressed_bytes)} once unpacked",
        )
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except (pl.exceptions.PolarsError, OSError, ValueError):
        raise DataError(name, damaged) from None
    if not frame.columns:
        raise DataError(name, "the Parquet file has no columns")
    trimmed = [column.strip() for column in frame.columns]
    if len(set(trimmed)) == len(trimmed):
        frame = frame.rename(dict(zip(frame.columns, trimmed, strict=True)))
    budget.remaining -= int(frame.estimated_size())
    return [RawTable(name, frame, {"file_name": name, "layout": "table"})]


# --- Excel workbooks -------------------------------------------------------------------------

_LOCAL_HEADER = struct.Struct("<4s22xHH")
# Patterns of the workbook scan (Rust regex, run by polars). calamine reads ``r`` with either
# quote, spaces around ``=``, lower-case letters and any number of letters or digits.
_REFERENCE = r"""\sr\s*=\s*["'][A-Za-z]*[0-9]*["']"""
_CELL_TAGS = (r"<c[\s/>]", r":c[\s/>]")  # <c …> and <x:c …>; an overcount only costs a slower scan
_STRING_COUNT = r"""sst\s[^>]*\buniqueCount\s*=\s*["']([0-9]+)["']"""
_STRING_TAGS = (r"<si[\s/>]", r":si[\s/>]")
_WHITESPACE = " \t\r\n"
_ROW_OR_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>")
_R_ATTRIBUTE = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]*)([0-9]*)["']""")
_SCAN_BYTES = 16 * 1024 * 1024
_HUGE = 10**10


def _read_workbook(data: bytes, archive: zipfile.ZipFile, name: str, limits: Limits, budget: _Budget) -> list[RawTable]:
    infos = archive.infolist()
    if len(infos) > MAX_WORKBOOK_PARTS:
        raise DataError(name, f"the workbook holds {len(infos):,} parts; the limit is {MAX_WORKBOOK_PARTS:,}")
    _check_declared(infos, name, limits, budget, what="workbook")
    targets = _workbook_targets(archive)
    for info in infos:
        if info.filename.lower().endswith((".xml", ".rels")):
            _check_part(data, info, name, must_be_xml=True)
        elif info.filename in targets:
            _check_part(data, info, name, must_be_xml=targets[info.filename])
    budget.remaining -= sum(info.file_size for info in infos)
    try:
        reader = fastexcel.read_excel(data)
        sheet_names = list(reader.sheet_names)
    except fastexcel.FastExcelError:
        raise DataError(name, "not a valid Excel file: it is damaged or truncated") from None
    notes: list[Issue] = []
    if "xl/vbaProject.bin" in archive.namelist() or _extension(name) in (".xlsm", ".xltm"):
        notes.append(
            Issue("info", "macros_ignored", None, "the workbook has macros: they were not run, only cell values read")
        )
    tables: list[RawTable] = []
    empty: list[str] = []
    for sheet_name in sheet_names:
        sheet = _shown(sheet_name)
        source = f"{name}#{sheet}"
        try:
            found, hidden = _read_sheet(reader, sheet_name, source, name, limits)
        except DataError as err:
            notes.append(Issue("warning", "sheet_unreadable", None, f"sheet '{sheet}' was not read: {err.message}"))
            continue
        if found is None:
            empty.append(sheet)
            continue
        if hidden:
            notes.append(Issue("info", "hidden_sheet", None, f"sheet '{sheet}' is hidden in the workbook; it was read"))
        tables.extend(found)
    if not tables:
        problems = [note.message for note in notes if note.severity == "warning"]
        if problems:
            raise DataError(name, "no sheet of the workbook could be read: " + "; ".join(problems[:3]))
        raise DataError(name, "the workbook has no sheet with data")
    if empty:
        notes.append(Issue("info", "empty_sheets", None, "empty sheets skipped: " + ", ".join(empty)))
    return _with_notes(tables, notes)


def _workbook_targets(archive: zipfile.ZipFile) -> dict[str, bool]:
    """The parts the workbook's relationships point to, whatever their names (calamine finds its
    sheets and string table through them), each with whether it must be XML: all but the macro
    project, unless a sheet of ``workbook.xml`` points to it."""
    texts = {}
    for part in ("xl/_rels/workbook.xml.rels", "xl/workbook.xml"):
        try:
            texts[part] = archive.read(part).decode("utf-8", errors="replace")
        except (KeyError, *ZIP_ERRORS):
            texts[part] = ""
    sheet_ids = set(
        re.findall(r"""<(?:[\w.-]+:)?sheet\s[^>]*?\b(?:[\w.-]+:)?id\s*=\s*["']([^"']*)["']""", texts["xl/workbook.xml"])
    )
    targets: dict[str, bool] = {}
    for element in re.findall(r"<(?:[\w.-]+:)?Relationship\s([^>]*)>", texts["xl/_rels/workbook.xml.rels"]):
        target = re.search(r"""\bTarget\s*=\s*["']([^"']*)["']""", element)
        if target is None:
            continue
        kind = re.search(r"""\bType\s*=\s*["']([^"']*)["']""", element)
        key = re.search(r"""\bId\s*=\s*["']([^"']*)["']""", element)
        macros = kind is not None and "vbaProject" in kind.group(1)
        path = target.group(1)
        path = path.lstrip("/") if path.startswith("/") else posixpath.normpath(f"xl/{path}")
        targets[path] = not macros or (key is not None and key.group(1) in sheet_ids)
    return targets


def _check_part(data: bytes, info: zipfile.ZipInfo, name: str, *, must_be_xml: bool) -> None:
    """Inflate one workbook part without keeping it, and refuse it if it is not what it declares."""
    try:
        scanner = _PartScanner(must_be_xml=must_be_xml)
        for chunk in _inflate(data, info):
            scanner.feed(chunk)
        scanner.finish()
        if scanner.needs_exact_scan:
            strings = (scanner.declared_strings, scanner.strings)
            scanner = _PartScanner(must_be_xml=must_be_xml, exact=True)
            for chunk in _inflate(data, info):
                scanner.feed(chunk)
            scanner.finish()
            scanner.declared_strings, scanner.strings = strings
    except _Damaged:
        raise DataError(
            name,
            f"not a valid Excel file: part {_shown(info.filename)} is damaged, or does not unpack to the size it "
            "declares (a zip bomb?)",
        ) from None
    if scanner.cells > MAX_SHEET_CELLS:
        raise DataError(
            name,
            f"a sheet spans {scanner.rows:,} rows × {scanner.columns:,} columns, more than "
            f"{MAX_SHEET_CELLS:,} cells: delete the empty rows and columns beyond the data, or save it as CSV",
        )
    if scanner.declared_strings > scanner.strings + 1000:
        raise DataError(
            name,
            f"not a valid Excel file: its string table declares {scanner.declared_strings:,} strings "
            f"but holds {scanner.strings:,}",
        )


def _inflate(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes in chunks; :class:`_Damaged` if it gives more or less than it declares."""
    if info.header_offset < 0 or len(data) < info.header_offset + _LOCAL_HEADER.size:
        raise _Damaged  # a damaged directory can point before the file's start
    signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(data, info.header_offset)
    if signature != b"PK\x03\x04":
        raise _Damaged
    start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    raw = memoryview(data)[start : start + info.compress_size]
    if len(raw) != info.compress_size:
        raise _Damaged
    crc = 0
    produced = 0
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != info.file_size:
            raise _Damaged
        for offset in range(0, len(raw), _CHUNK):
            chunk = bytes(raw[offset : offset + _CHUNK])
            crc = zlib.crc32(chunk, crc)
            yield chunk
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            for offset in range(0, len(raw), _CHUNK // 16):
                pending: bytes | memoryview = raw[offset : offset + _CHUNK // 16]
                while not inflater.eof:
                    chunk = inflater.decompress(pending, _CHUNK)
                    produced += len(chunk)
                    if produced > info.file_size:
                        raise _Damaged
                    crc = zlib.crc32(chunk, crc)
                    if chunk:
                        yield chunk
                    pending = inflater.unconsumed_tail
                    if not pending and len(chunk) < _CHUNK:
                        break
                if inflater.eof:
                    break
        except zlib.error:
            raise _Damaged from None
        if not inflater.eof or produced != info.file_size:
            raise _Damaged
    else:
        raise _Damaged
    if crc != info.CRC:
        raise _Damaged


class _PartScanner:
    """Reads a workbook part's XML as it streams by: the cells a sheet spans (from the ``r="B7"``
    references), the strings a shared-string table declares and holds. ``exact`` follows rows and
    cells one by one, as calamine places them (needed only when some cells carry no reference).
    A compound file (the macro project) is not XML and is not scanned; any other part with zero
    bytes (UTF-16, which Excel never writes and which would hide its references from the scan) is
    refused when it ``must_be_xml``, and otherwise not scanned."""

    def __init__(self, *, must_be_xml: bool = True, exact: bool = False) -> None:
        self.must_be_xml = must_be_xml
        self.skip = False
        self.exact = exact
        self.pending: list[bytes] = []
        self.pending_size = 0
        self.tail = b""
        self.first = True
        self.declared_strings = 0
        self.strings = 0
        self.tags = 0
        self.lettered = 0
        self.min_row = self.min_col = _HUGE
        self.max_row = self.max_col = -1
        self.row = -1
        self.col = 0

    def feed(self, chunk: bytes) -> None:
        if self.first:
            self.first = False
            if chunk.startswith(_OLE2_MAGIC):
                self.skip = True
            elif chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in chunk[:4096]:
                if self.must_be_xml:
                    raise _Damaged
                self.skip = True
        if self.skip:
            return
        self.pending.append(chunk)
        self.pending_size += len(chunk)
        if self.pending_size >= _SCAN_BYTES:
            self._flush(final=False)

    def finish(self) -> None:
        self._flush(final=True)

    @property
    def needs_exact_scan(self) -> bool:
        return not self.exact and self.tags > self.lettered

    @property
    def rows(self) -> int:
        return self.max_row - self.min_row + 1 if self.max_row >= 0 else 0

    @property
    def columns(self) -> int:
        return self.max_col - self.min_col + 1 if self.max_col >= 0 else 0

    @property
    def cells(self) -> int:
        return self.rows * max(self.columns, 1) if self.rows else 0

    def _flush(self, *, final: bool) -> None:
        buffer = self.tail + b"".join(self.pending)
        self.pending, self.pending_size = [], 0
        cut = len(buffer) if final else buffer.rfind(b">") + 1
        self.tail = buffer[cut:]
        if cut:
            if self.exact:
                self._scan_exact(buffer[:cut])
            else:
                self._scan(buffer[:cut].decode("utf-8", errors="replace"))

    def _scan(self, xml: str) -> None:
        text_ = pl.Series([xml])
        self.tags += sum(text_.str.count_matches(pattern).item() for pattern in _CELL_TAGS)
        self.strings += sum(text_.str.count_matches(pattern).item() for pattern in _STRING_TAGS)
        declared = text_.str.extract_all(_STRING_COUNT).explode().drop_nulls()
        if len(declared):
            counts = declared.str.extract(r"([0-9]+).$", 1).drop_nulls().to_list()
            self.declared_strings += max((_HUGE if len(count) > 10 else int(count) for count in counts), default=0)
        found = text_.str.extract_all(_REFERENCE).explode().drop_nulls()
        if found.is_empty():
            return
        # ' r = "B7"' → 'B7' → letters 'B', digits '7'
        reference = (
            pl.col("ref")
            .str.strip_chars_start(_WHITESPACE)
            .str.slice(1)
            .str.strip_chars_start(_WHITESPACE + "=")
            .str.strip_chars("\"'")
        )
        parts = (
            pl.DataFrame({"ref": found})
            .select(reference.alias("ref"))
            .select(
                letters=pl.col("ref").str.strip_chars_end("0123456789").str.to_uppercase(),
                digits=pl.col("ref").str.strip_chars_start(string.ascii_letters),
            )
        )
        row = (
            pl.when(pl.col("digits").str.len_chars() > 9)
            .then(pl.lit(_HUGE, dtype=pl.Int64))
            .otherwise(pl.col("digits").cast(pl.Int64, strict=False))
            - 1
        )
        low, high, lettered = (
            parts.filter(pl.col("digits") != "")
            .select(low=row.min(), high=row.max(), lettered=(pl.col("letters") != "").sum())
            .row(0)
        )
        if low is not None:
            self.min_row, self.max_row = min(self.min_row, low), max(self.max_row, high)
        self.lettered += lettered
        for column in parts.get_column("letters").unique().to_list():
            if column:
                index = _column_index(column.encode()) if len(column) <= 3 else _HUGE
                self.min_col, self.max_col = min(self.min_col, index), max(self.max_col, index)

    def _scan_exact(self, xml: bytes) -> None:
        for match in _ROW_OR_CELL.finditer(xml):
            tag, attributes = match.groups()
            reference = _R_ATTRIBUTE.search(attributes)
            letters, digits = (reference.group(1).upper(), reference.group(2)) if reference else (b"", b"")
            number = (_HUGE if len(digits) > 9 else int(digits)) - 1 if digits else None
            if tag == b"row":
                self.row = number if number is not None else self.row + 1
                self.col = 0
                continue
            if letters and number is not None:
                row, col = number, _column_index(letters) if len(letters) <= 3 else _HUGE
            else:
                row, col = max(self.row, 0), self.col
            self.col = col + 1
            self.min_row, self.max_row = min(self.min_row, row), max(self.max_row, row)
            self.min_col, self.max_col = min(self.min_col, col), max(self.max_col, col)


def _column_index(letters: bytes) -> int:
    """``b"A"`` → 0, ``b"XFD"`` → 16383.

    >>> _column_index(b"A"), _column_index(b"Z"), _column_index(b"AA"), _column_index(b"XFD")
    (0, 25, 26, 16383)
    """
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index - 1


_CANONICAL_NUMBER = r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]*[1-9])?$"
_ROUNDED_NUMBER = r"^-?(?:[0-9]+\.[0-9]{9}|[0-9]{16,})$"
_ISO_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?$"


def _read_sheet(
    reader: fastexcel.ExcelReader, sheet: str, source: str, book: str, limits: Limits
) -> tuple[list[RawTable] | None, bool]:
    """The tables of one sheet (``None`` when it is empty) and whether the sheet is hidden."""
    try:
        loaded = reader.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string")
        hidden = loaded.visible != "visible"
        grid = _trim(loaded.to_polars())
        if grid.height == 0 or grid.width == 0:
            return None, hidden
        rounded = grid.select(pl.any_horizontal(pl.all().str.contains(_ROUNDED_NUMBER).any())).item()
        numbers = None
        if rounded:
            numbers = reader.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="float").to_polars()
    except fastexcel.FastExcelError:
        raise DataError(source, "the sheet could not be read (a chart sheet, or damaged)") from None
    if grid.width > limits.max_columns:
        raise DataError(source, f"the sheet has {grid.width:,} columns; the limit is {limits.max_columns:,}")
    longest = grid.select(pl.max_horizontal(pl.all().str.len_chars().max())).item() or 0
    if longest > limits.max_cell_chars:
        raise DataError(source, f"a cell holds {longest:,} characters; the limit is {limits.max_cell_chars:,}")
    grid = _cells_as_text(grid, numbers)
    tables = text.read_text_tables(_as_csv(grid), source, limits)
    dropped = {"encoding", "delimiter"}
    return [
        replace(
            table,
            meta={
                **{key: value for key, value in table.meta.items() if key not in dropped},
                "file_name": book,
                "sheet": _shown(sheet),
            },
        )
        for table in tables
    ], hidden


def _cells_as_text(grid: pl.DataFrame, numbers: pl.DataFrame | None) -> pl.DataFrame:
    """calamine's text of every cell, with numbers written exactly and dates ISO.

    calamine writes a number with nine decimals at most, and some with float noise
    (``123456789.122999996``); when a cell shows it may have been rounded, the sheet is read a
    second time as numbers and every number is written as the shortest text that gives it back.
    """
    columns = []
    for index, name in enumerate(grid.columns):
        cells = grid.get_column(name)
        if numbers is not None and index < numbers.width:
            cells = _exact_numbers(cells, numbers.to_series(index).head(grid.height))
        cells = pl.select(pl.when(cells == "-0").then(pl.lit("0")).otherwise(cells)).to_series()
        columns.append(_iso_datetimes(cells).alias(name))
    return pl.DataFrame(columns)


def _exact_numbers(cells: pl.Series, values: pl.Series) -> pl.Series:
    usable = cells.str.contains(_CANONICAL_NUMBER).fill_null(value=False) & values.is_not_null()
    if not usable.any():
        return cells
    frame = pl.DataFrame({"text": cells, "value": values, "usable": usable})
    value = pl.col("value")
    whole = (value == value.floor()) & (value.abs() < 9e18)
    frame = frame.with_columns(
        plain=pl.when(whole).then(value.cast(pl.Int64, strict=False).cast(pl.String)).otherwise(value.cast(pl.String))
    )
    plain = frame.get_column("plain")
    scientific = (plain.str.contains("e", literal=True).fill_null(value=False) & usable).arg_true().to_list()
    if scientific:
        fixed = plain.to_list()
        raw = values.to_list()
        for position in scientific:
            fixed[position] = format(Decimal(repr(raw[position])), "f")
        frame = frame.with_columns(plain=pl.Series("plain", fixed, dtype=pl.String))
    return frame.select(pl.when(pl.col("usable")).then(pl.col("plain")).otherwise(pl.col("text"))).to_series()


def _iso_datetimes(cells: pl.Series) -> pl.Series:
    """Times of day without calamine's 1899-12-31 date; dates without a midnight time when every
    datetime of the column is at midnight."""
    cells = pl.select(
        pl.when(cells.str.contains(r"^1899-12-3[01] [0-9]{2}:[0-9]{2}:[0-9]{2}"))
        .then(cells.str.slice(11))
        .otherwise(cells)
    ).to_series()
    stamps = cells.str.contains(_ISO_DATETIME).fill_null(value=False)
    if not stamps.any():
        return cells
    midnight = cells.str.ends_with(" 00:00:00").fill_null(value=False)
    if (stamps & ~midnight).any():
        return cells
    return pl.select(pl.when(stamps).then(cells.str.slice(0, 10)).otherwise(cells)).to_series()


def _trim(grid: pl.DataFrame) -> pl.DataFrame:
    """Without the empty columns on the right and the empty rows at the bottom; columns named
    ``c0``, ``c1``…"""
    if grid.width == 0:
        return grid
    grid = grid.rename({name: f"c{index}" for index, name in enumerate(grid.columns)})
    filled = grid.select((pl.all().is_not_null() & (pl.all() != "")).fill_null(value=False))
    used_columns = [index for index, column in enumerate(filled.iter_columns()) if column.any()]
    if not used_columns:
        return pl.DataFrame()
    grid = grid.select(grid.columns[: used_columns[-1] + 1])
    used_rows = filled.select(pl.any_horizontal(pl.all())).to_series().arg_true()
    return grid.head(used_rows.max() + 1)


_NEEDS_QUOTES = r"""[,;\t|"\r\n]|^\s|\s$"""


def _as_csv(grid: pl.DataFrame) -> bytes:
    """The grid as UTF-8 CSV, as a report downloads: comma-separated, a cell quoted when it holds
    a comma, another common delimiter (``;``, tab, ``|``), a quote, a line break or edge spaces, so
    that no delimiter guess can go wrong. Rows above the first row with two or more cells (a
    report's title lines) lose their trailing empty cells.

    >>> _as_csv(pl.DataFrame({"a": ["Report", "x", 'a "b" c'], "b": [None, "1;2", "3"]}))
    b'Report\\nx,"1;2"\\n"a ""b"" c",3\\n'
    """
    cells = [
        pl.when(pl.col(name).str.contains(_NEEDS_QUOTES))
        .then(pl.concat_str(pl.lit('"'), pl.col(name).str.replace_all('"', '""', literal=True), pl.lit('"')))
        .otherwise(pl.col(name))
        .fill_null("")
        for name in grid.columns
    ]
    filled = pl.sum_horizontal(
        [(pl.col(name).is_not_null() & (pl.col(name) != "")).cast(pl.Int32) for name in grid.columns]
    )
    lines = grid.select(line=pl.concat_str(cells, separator=","), filled=filled)
    wide = lines.get_column("filled").ge(2).arg_true()
    first_wide = wide.min() if len(wide) else lines.height
    lines = lines.with_row_index().select(
        pl.when(pl.col("index") < first_wide).then(pl.col("line").str.strip_chars_end(",")).otherwise(pl.col("line"))
    )
    return (lines.to_series().str.join("\n").item() + "\n").encode("utf-8")


__all__ = ["MAX_SHEET_CELLS", "read_files", "read_tables"]
