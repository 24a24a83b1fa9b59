"""Delimited text → raw tables: the bytes of a CSV, TSV, ``;``-separated or space-aligned file become
one :class:`~kpi.ingest.model.RawTable` per table found in it, every cell as text.

What is handled, and the export that needs it:

* **encoding** — UTF-8 with or without BOM; UTF-16/32 with a BOM (Google Ads "CSV (Excel)" and Ads
  Editor files are UTF-16LE, TAB, CRLF) or without one (told by where the zero bytes are);
  otherwise Windows-1250 (Polish ``ł ą ś ż``), Windows-1252 (German, French, Spanish) or ISO-8859-2,
  whichever reading gives plausible letters; a UTF-8 file with a few legacy lines is decoded line by
  line. Undecodable bytes become U+FFFD with a warning, never an exception.
* **lines** — CRLF, LF or CR; no final newline; quoted cells over several lines (WooCommerce
  ``Line Items``, Shopify ``Note Attributes``); ``""`` inside quotes (``\"\"\"ELD\"\"\"``).
* **delimiter** — ``,`` ``;`` TAB ``|`` or runs of spaces (CDNOW), by how consistent the field counts
  of the first lines are; an Excel ``sep=;`` first line is obeyed.
* **structure** — ``#`` comment lines (GA4 "Reports snapshot": ``# Start date: 20260220``) go to
  ``meta``; blank lines and comment blocks separate tables (16 in a GA4 snapshot, sources
  ``name#1`` … ``name#16``); lines before the header with fewer fields are the preamble (an ads
  report's title and date range, a bank's 26 lines); total rows (``Total: Campaigns``,
  ``Computers,Total: Search``, ``Suma``…) are removed with one issue; key-value reports
  (Mailchimp's single-campaign CSV) become ``key``/``value`` rows; a first line of values means no
  header (``column_1`` …); unnamed, trailing empty and duplicate columns are named or dropped.

Polars parses the body of each table (every column ``pl.String``; empty cells are null, other
cells are kept exactly, ``" --"`` included); only the first lines of each block are scanned here.

>>> ads = b"Campaign report\\nAll time\\nCampaign,Clicks\\nSpring,\\"1,204\\"\\nTotal: Campaigns,\\"1,204\\"\\n"
>>> [table] = read_text_tables(ads, "ads.csv")
>>> table.frame.rows(), table.meta["title"], table.meta["date_range"], table.header_line
([('Spring', '1,204')], 'Campaign report', 'All time', 3)
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from kpi.formats import byte_size
from kpi.ingest.model import Limits, RawTable
from kpi.ingest.values import falses
from kpi.issues import DataError, Issue

__all__ = ["read_text_tables"]

SAMPLE_BYTES = 120_000  # the first bytes of a block scanned here; below csv's 131,072-character field limit
SNIFF_RECORDS = 50
DELIMITERS = (",", ";", "\t", "|")
WHITESPACE = "whitespace"
NO_DELIMITER = "none"
_UNIT_SEPARATOR = "\x1f"  # what polars splits on when a file has one column

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_BINARY_KINDS = (
    (b"PK\x03\x04", "a zip or Excel (.xlsx) file"),
    (b"PK\x05\x06", "a zip file"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"%PDF", "a PDF file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PAR1", "a Parquet file"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) or Office file"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
_CONTROL_BYTES = bytes(range(9)) + bytes(range(14, 32))
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f]")
_LEGACY = ("windows-1252", "windows-1250", "iso-8859-2")  # in order of preference on a tie
_LEGACY_NAMES = {
    "windows-1252": "Windows-1252 (Western European)",
    "windows-1250": "Windows-1250 (Central European, e.g. Polish)",
    "iso-8859-2": "ISO-8859-2 (Central European)",
}

# a blank line (or a run of them), or the start of a comment line: where one block ends
_BOUNDARY = re.compile(rb"\n(?:[ \t]*\n)+|\n(?=#(?:[^0-9A-Za-z\x80-\xff\"]|\Z))")
_LEADING_BLANK = re.compile(rb"(?:[ \t]*\n)*")
_NON_BLANK = re.compile(rb"[^ \t\n]")
_SEP_LINE = re.compile(rb"sep=(.)[ \t]*\n")
_COMMENT = re.compile(r"#(?:[^0-9A-Za-z\u0080-\U0010ffff\"]|$)")
_COMMENT_KEY = re.compile(r"([^\W\d][\w .()/'-]{0,40}?)\s*:\s*(.*)", re.DOTALL)
_NUMBER = re.compile(
    r"[-+(]?\s*(?:[$€£¥]|zł|PLN|USD|EUR|GBP)?\s*[-+]?\d[\d\s.,'\u00a0\u202f]*"
    r"(?:%|\s*(?:zł|PLN|USD|EUR|GBP|€|\$|£))?\)?"
)
_DATE = re.compile(
    r"\d{1,4}[-./]\d{1,2}[-./]\d{1,4}"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*(?:[AaPp][Mm]|Z|[+-]\d{2}:?\d{2}))?)?"
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE_TOKEN = re.compile(
    rf"(?i)\b(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}|\d{{4}}[./]\d{{1,2}}[./]\d{{1,2}}"
    rf"|\d{{8}}|{_MONTH} \d{{1,2}},? \d{{4}}|\d{{1,2}} {_MONTH} \d{{4}})\b"
)
_RELATIVE_RANGE = re.compile(
    r"(?i)(?:all time|lifetime|today|yesterday|this (?:week|month|quarter|year)|last (?:week|month|quarter|year)"
    r"|(?:last|past|previous) \d+ (?:days?|weeks?|months?|years?)|year to date|month to date"
    r"|ostatni(?:e|ch) \d+ dni|letzte[n]? \d+ tage|(?:les )?\d+ derniers jours|[úu]ltimos \d+ d[íi]as)"
)
_TOTAL = (
    r"(?is)^\s*(?:grand\s+total|totals?|total\s+g[ée]n[ée]ral|suma(?:\s+ko[ńn]cowa)?|razem|summe"
    r"|gesamt(?:ergebnis|summe)?|totale(?:\s+complessivo)?|totaal|eindtotaal)\s*(?::.*)?$"
)
_WESTERN = frozenset("àâäæçèéêëîïôöœùûüÿñáíóúßåøãõÀÂÄÆÇÈÉÊËÎÏÔÖŒÙÛÜÑÁÍÓÚÅØÃÕ")
_POLISH = frozenset("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
_CENTRAL = frozenset("čďěňřšťůýžČĎĚŇŘŠŤŮÝŽ")
_OPENERS = frozenset("«„“‘‹\"'(")
_UNITS = frozenset("£€$¥¢°%‰²³µ¤")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_RESERVED_META = frozenset(
    {
        "file_name",
        "encoding",
        "delimiter",
        "line_ending",
        "layout",
        "has_header",
        "title",
        "date_range",
        "preamble",
        "block_title",
        "sections",
        "table_index",
        "table_count",
    }
)


def read_text_tables(data: bytes, name: str, limits: Limits = Limits()) -> list[RawTable]:  # noqa: B008 - frozen
    """Every table in a delimited text file, cells as text, with what was learnt in ``meta``.

    One table gives one :class:`RawTable` named ``name``; several (a GA4 snapshot's 16) give
    ``name#1`` … ``name#n``. Raises :class:`DataError` only when the file cannot be used at all:
    empty, binary, more columns than ``limits.max_columns``, a cell longer than
    ``limits.max_cell_chars``, or a line with more fields than its header.

    >>> [t] = read_text_tables("Kanał;Kwota\\nE-mail;1 234,56 zł\\n".encode("cp1250"), "pl.csv")
    >>> t.columns, t.frame.row(0), t.meta["encoding"], t.meta["delimiter"]
    (['Kanał', 'Kwota'], ('E-mail', '1 234,56 zł'), 'windows-1250', ';')
    """
    if len(data) > limits.max_bytes:
        raise DataError(name, f"the file is {byte_size(len(data))}; at most {byte_size(limits.max_bytes)} can be read")
    if not re.search(rb"[^\s\x00]", data):
        raise DataError(name, "the file is empty")
    decoded = _decode(data, name)
    return _Reader(decoded, name, limits).tables()


# --- bytes → UTF-8 text ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Decoded:
    """The file as UTF-8 bytes with ``\\n`` line ends, and what decoding it took."""

    buf: bytes
    encoding: str
    line_ending: str
    note: Issue | None = None  # the info issue of a non-UTF-8 encoding
    mixed_lines: tuple[int, ...] = ()  # 1-based lines read in a legacy encoding inside a UTF-8 file
    mixed_encoding: str = ""
    replaced_lines: tuple[int, ...] = ()  # lines holding U+FFFD put there by decoding


def _decode(data: bytes, name: str) -> _Decoded:
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    how = "by its byte-order mark"
    if encoding is None:
        encoding = _utf16_without_bom(data[:4096])
        how = "by the zero bytes between its letters"
    if encoding is not None and encoding != "utf-8-sig":
        return _decode_wide(data, encoding, how, name)
    body = data[3:] if encoding == "utf-8-sig" else data
    if body.endswith(b"\x00"):  # padding some tools leave at the end
        body = body.rstrip(b"\x00")
    _refuse_binary(body[:65536], name)
    line_ending = _line_ending(body)
    if b"\r" in body:
        body = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if not body.isascii():  # ASCII is UTF-8; the check is much cheaper than decoding
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return _decode_legacy(body, line_ending)
    return _Decoded(body, encoding or "utf-8", line_ending)


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 told by its zero bytes: ASCII letters in UTF-16LE are ``X\\0``, in UTF-16BE ``\\0X``."""
    head = head[: len(head) // 2 * 2]
    if len(head) < 4 or b"\x00" not in head:
        return None
    half = len(head) // 2
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd >= 0.3 * half and even <= 0.05 * half:
        return "utf-16-le"
    if even >= 0.3 * half and odd <= 0.05 * half:
        return "utf-16-be"
    return None


def _refuse_binary(head: bytes, name: str) -> None:
    kind = next((label for magic, label in _BINARY_KINDS if head.startswith(magic)), None)
    controls = len(head.translate(None, _NOT_CONTROL))
    if kind or b"\x00" in head.rstrip(b"\x00") or controls > max(8, len(head) // 50):
        detail = f" (it looks like {kind})" if kind else ""
        raise DataError(name, f"this is a binary file, not a text table{detail}")


def _line_ending(raw: bytes) -> str:
    raw = raw[:1_000_000]
    crlf = raw.count(b"\r\n")
    cr, lf = raw.count(b"\r") - crlf, raw.count(b"\n") - crlf
    if not (crlf or cr or lf):
        return "none"
    return max((crlf, "crlf"), (lf, "lf"), (cr, "cr"))[1]


def _decode_wide(data: bytes, encoding: str, how: str, name: str) -> _Decoded:
    """UTF-16 or UTF-32: decoded whole, with U+FFFD for what does not decode."""
    body = next((data[len(bom) :] for bom, enc in _BOMS if enc == encoding and data.startswith(bom)), data)
    try:
        text = body.decode(encoding)
        replaced: tuple[int, ...] = ()
    except UnicodeDecodeError:
        text = body.decode(encoding, errors="replace")
        replaced = _lines_with_replacements(text)
    head = text[:32768]
    if len(_CONTROL_CHARS.findall(head)) > max(8, len(head) // 50):
        raise DataError(name, "this is a binary file, not a text table")
    line_ending = "crlf" if "\r\n" in head else "cr" if "\r" in head else "lf" if "\n" in head else "none"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    label = encoding.upper().replace("-LE", " (little-endian)").replace("-BE", " (big-endian)")
    note = Issue("info", "encoding", None, f"the file is {label}, not UTF-8 (told {how})")
    return _Decoded(text.encode("utf-8"), encoding, line_ending, note, replaced_lines=replaced)


def _decode_legacy(body: bytes, line_ending: str) -> _Decoded:
    """A file that is not valid UTF-8: all legacy, or UTF-8 with a few legacy lines (decoded line by line)."""
    lines = body.split(b"\n")
    bad: list[int] = []
    utf8_lines = 0
    for index, line in enumerate(lines):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(index)
        else:
            utf8_lines += 1
    legacy = _choose_legacy(b"\n".join(lines[i] for i in bad[:2000]))
    if not utf8_lines:
        text = body.decode(legacy, errors="replace")
        replaced = _lines_with_replacements(text) if "\ufffd" in text else ()
        note = Issue("info", "encoding", None, f"the file is {_LEGACY_NAMES[legacy]}, not UTF-8")
        return _Decoded(text.encode("utf-8"), legacy, line_ending, note, replaced_lines=replaced)
    mixed: list[int] = []
    replaced_list: list[int] = []
    for index in bad:
        as_utf8 = lines[index].decode("utf-8", errors="replace")
        good = sum(1 for char in _NON_ASCII.findall(as_utf8) if char != "\ufffd")
        if good >= as_utf8.count("\ufffd"):  # UTF-8 with a broken sequence
            text = as_utf8
        else:
            text = lines[index].decode(legacy, errors="replace")
            mixed.append(index + 1)
        if "\ufffd" in text:
            replaced_list.append(index + 1)
        lines[index] = text.encode("utf-8")
    return _Decoded(
        b"\n".join(lines),
        f"utf-8+{legacy}" if mixed else "utf-8",
        line_ending,
        mixed_lines=tuple(mixed),
        mixed_encoding=legacy,
        replaced_lines=tuple(replaced_list),
    )


def _lines_with_replacements(text: str) -> tuple[int, ...]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return tuple(number for number, line in enumerate(lines, 1) if "\ufffd" in line)


def _choose_legacy(sample: bytes) -> str:
    """The legacy code page whose reading of ``sample`` gives the most plausible letters.

    Polish in Windows-1252 turns ``ł ą ż`` into ``³ ¹ ¿`` inside words; French in Windows-1250
    turns ``è à`` into ``č ŕ``. Each non-ASCII character scores by whether it is a letter, whether it
    sits inside a word, and how common it is; the higher total wins, Windows-1252 on a tie.
    """
    scores = {encoding: _plausibility(sample.decode(encoding, errors="replace")) for encoding in _LEGACY}
    return max(_LEGACY, key=lambda encoding: (scores[encoding], -_LEGACY.index(encoding)))


def _plausibility(text: str) -> int:
    score = 0
    for match in _NON_ASCII.finditer(text):
        at = match.start()
        char = text[at]
        before = text[at - 1] if at else " "
        after = text[at + 1] if at + 1 < len(text) else " "
        if char == "\ufffd" or "\x80" <= char <= "\x9f":
            score -= 5
        elif char.isalpha():
            if not (before.isalpha() or after.isalpha()):
                continue  # a lone letter proves nothing: "Ł40.00" is "£40.00"
            score += 3 if char in _POLISH or char in _WESTERN or char in _CENTRAL else 2
            if char in "ñÑ" and after.lower() not in "aeiouáéíóú":
                score -= 2  # Spanish ñ comes before a vowel; Polish ń does not ("Gdańsk")
            elif char == "ê" and before in "iI":
                score -= 2  # "się", "księga" read as "siê"
            beyond = text[at + 2] if at + 2 < len(text) else " "
            if char.isupper() and before.islower():
                score -= 3  # "dŸ": a capital inside a word
            elif char.isupper() and after.isupper() and beyond.islower():
                score -= 3  # "ĄOlé": a capital glued to a capitalised word
            elif char.islower() and after.isupper() and not before.isalpha():
                score -= 3  # "żQué"
        elif char in "¿¡" and after.isupper():
            score += 2
        elif char in _UNITS and (
            before.isdigit() or after.isdigit() or (before == " " and text[at - 2 : at - 1].isdigit())
        ):
            score += 1  # "£40.00", "5 €", "20°"
        elif before.isalpha() and after.isalpha():
            score -= 3
        elif before.isalpha():
            score -= 0 if (char in "²³" and before in "mM") or char in "®™°" else 2
        elif after.isalpha() and char not in _OPENERS:
            score -= 2
    return score


# --- finding the tables ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Record:
    """One logical line (a quoted cell may span several physical lines)."""

    fields: list[str]
    line: int
    start: int  # byte offsets in the decoded buffer
    end: int

    @property
    def width(self) -> int:
        return len(self.fields)

    @property
    def filled(self) -> int:
        """The fields up to the last non-empty one (a trailing ``;`` adds none)."""
        count = len(self.fields)
        while count and not self.fields[count - 1].strip():
            count -= 1
        return count


@dataclass
class _Segment:
    """Lines between two blank lines (or comment blocks): leading comments, then records."""

    start: int
    end: int
    line: int
    comments: list[str]
    body: int  # where the records start
    records: list[_Record]
    complete: bool  # the records cover the whole segment


@dataclass
class _Spec:
    """A table found, before its body is parsed."""

    kind: Literal["table", "key_value"]
    header: _Record
    has_header: bool
    spans: list[tuple[int, int]]  # byte ranges of the body
    preamble: list[_Record]
    keys: dict[str, str]
    block_title: str | None
    first_line: int
    last_end: int  # byte offset where the table's last line ends
    data_like: bool  # the first data row holds numbers or dates
    kv_rows: list[tuple[str, str | None]] = field(default_factory=list)
    kv_lines: list[int] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    title: str | None = None


class _Reader:
    def __init__(self, decoded: _Decoded, name: str, limits: Limits) -> None:
        self.decoded = decoded
        self.name = name
        self.limits = limits
        buf = decoded.buf
        start = _after_blank_lines(buf, 0)
        forced = _SEP_LINE.match(buf, start)
        self.delimiter = ""
        if forced and forced.group(1).decode("ascii", errors="replace") in DELIMITERS:
            self.delimiter = forced.group(1).decode("ascii")
            start = _after_blank_lines(buf, forced.end())
        tail = buf[-4096:].rstrip(b" \t\n")
        content = len(buf) - 4096 + len(tail) if tail and len(buf) > 4096 else len(buf.rstrip(b" \t\n"))
        newline = buf.find(b"\n", content)
        self.end = content if newline < 0 else newline + 1
        self.start = min(start, self.end)
        if not _NON_BLANK.search(buf, self.start, self.end):
            raise DataError(name, "the file is empty")
        self.buf = buf
        if not self.delimiter:
            self.delimiter = self._sniff()
        self.quoting = self.delimiter != WHITESPACE

    # -- delimiter ------------------------------------------------------------------------------

    def _sniff(self) -> str:
        """The delimiter whose field counts are the most consistent over the first lines."""
        head = self.buf[self.start : self.start + SAMPLE_BYTES]
        if self.start + SAMPLE_BYTES < self.end and b"\n" in head:
            head = head[: head.rfind(b"\n") + 1]
        lines: list[str] = []
        inside = False  # within a quoted cell: its blank or ``#`` lines are text, not structure
        for line in head.decode("utf-8", errors="replace").split("\n"):
            if inside or (line.strip() and not _COMMENT.match(line)):
                lines.append(line)
            inside ^= line.count('"') % 2 == 1
            if len(lines) >= SNIFF_RECORDS * 2 and not inside:
                break
        sample = "\n".join(lines)
        best: tuple[tuple[float, int, int, int], str] | None = None
        for preference, delimiter in enumerate(DELIMITERS):
            widths = [len(fields) for fields in _csv_rows(sample, delimiter, SNIFF_RECORDS) if any(fields)]
            usual, first, consistency = _consistency(widths)
            if usual < 2:
                continue
            key = (round(consistency, 2), -first, usual, -preference)
            if best is None or key > best[0]:
                best = (key, delimiter)
        if best is None or best[0][0] < 0.8:
            split = [line.split() for line in lines[:SNIFF_RECORDS]]
            usual, _, consistency = _consistency([len(fields) for fields in split])
            aligned = sum(1 for line in lines[:SNIFF_RECORDS] if "  " in line.strip() or "\t" in line)
            tokens = [token for fields in split for token in fields]
            numeric = sum(1 for token in tokens if _is_value(token))
            if usual >= 2 and consistency >= 0.9 and (2 * aligned >= len(split) or 2 * numeric >= len(tokens)):
                return WHITESPACE
        return best[1] if best else NO_DELIMITER

    @property
    def _csv_delimiter(self) -> str:
        return _UNIT_SEPARATOR if self.delimiter == NO_DELIMITER else self.delimiter

    def _split(self, line: str) -> list[str]:
        if self.delimiter == WHITESPACE:
            return line.split()
        return next(iter(_csv_rows(line, self._csv_delimiter, 1)), [line])

    # -- blocks ---------------------------------------------------------------------------------

    def _segments(self) -> list[_Segment]:
        buf, end = self.buf, self.end
        spans: list[tuple[int, int]] = []
        start = self.start
        quotes, counted = 0, self.start
        for match in _BOUNDARY.finditer(buf, self.start, end):
            if self.quoting:
                quotes += buf.count(b'"', counted, match.start())
                counted = match.start()
                if quotes % 2:  # inside a quoted cell
                    continue
            cut = match.start() + 1
            if cut > start:
                spans.append((start, cut))
            start = match.end()
        if start < end:
            spans.append((start, end))
        segments = []
        line, counted = 1, 0
        for begin, stop in spans:
            line += buf.count(b"\n", counted, begin)
            counted = begin
            if _NON_BLANK.search(buf, begin, stop):
                segments.append(self._segment(begin, stop, line))
        return segments

    def _segment(self, start: int, end: int, line: int) -> _Segment:
        comments: list[str] = []
        at = start
        while at < end and self.buf[at : at + 1] == b"#":
            newline = self.buf.find(b"\n", at, end)
            stop = end if newline < 0 else newline + 1
            text = self.buf[at:stop].decode("utf-8", errors="replace").rstrip("\n")
            if not self._is_comment(text):
                break
            comments.append(text)
            at = stop
        records, complete = self._records(at, end, line + len(comments))
        return _Segment(start, end, line, comments, at, records, complete)

    def _is_comment(self, text: str) -> bool:
        """``# Start date: 20260220`` is a comment; mBank's ``#Data operacji;#Opis operacji;…`` and a
        ``#,Campaign,Clicks`` header are not."""
        if not _COMMENT.match(text):
            return False
        fields = self._split(text)
        named = [value.strip() for value in fields if value.strip()]
        return not (
            len(fields) >= 2 and ((len(named) >= 2 and all(n.startswith("#") for n in named)) or named[:1] == ["#"])
        )

    def _records(self, start: int, end: int, line: int) -> tuple[list[_Record], bool]:
        """The first records of ``buf[start:end]`` (at most :data:`SAMPLE_BYTES`), and whether they are all."""
        complete = end - start <= SAMPLE_BYTES
        head = self.buf[start:end] if complete else self.buf[start : start + SAMPLE_BYTES]
        if not complete:
            head = head[: head.rfind(b"\n") + 1]
            if not head:
                raise DataError(self.name, f"line {line} is longer than {SAMPLE_BYTES:,} characters, not a table line")
        text = head.decode("utf-8", errors="replace")
        starts = [0, *(match.end() for match in re.finditer(b"\n", head))]
        records: list[_Record] = []
        if self.delimiter == WHITESPACE:
            for index, raw in enumerate(text.split("\n")[: len(starts)]):
                if raw.strip():
                    fields = raw.split()
                    stop = starts[index + 1] if index + 1 < len(starts) else len(head)
                    records.append(_Record(fields, line + index, start + starts[index], start + stop))
        else:
            reader = csv.reader(io.StringIO(text), delimiter=self._csv_delimiter)
            before = 0
            try:
                for fields in reader:
                    after = reader.line_num
                    stop = starts[after] if after < len(starts) else len(head)
                    if any(value.strip() for value in fields) or len(fields) > 1:
                        records.append(_Record(fields, line + before, start + starts[before], start + stop))
                    before = after
            except csv.Error:
                complete = False
        if not complete and len(records) > 1:
            records.pop()  # it may be cut short
        return records, complete

    # -- tables ---------------------------------------------------------------------------------

    def tables(self) -> list[RawTable]:
        segments = self._segments()
        specs, leftover = self._specs(segments)
        if not specs:
            specs, leftover = self._one_column(segments), []
        if not specs:
            raise DataError(self.name, "the file holds no table, only comment lines")
        count = len(specs)
        tables = [
            self._table(spec, self.name if count == 1 else f"{self.name}#{index}", index, count)
            for index, spec in enumerate(specs, 1)
        ]
        if leftover:
            last = tables[-1]
            lines = ", ".join(str(record.line) for record in leftover[:5])
            note = Issue(
                "info",
                "trailing_lines",
                None,
                f"{len(leftover)} line(s) after the last table were not read (line {lines})",
                rows=len(leftover),
                examples=tuple(_clean(record.fields, self.delimiter)[:80] for record in leftover[:5]),
            )
            tables[-1] = RawTable(last.source, last.frame, last.meta, (*last.issues, note), last.header_line)
        return tables

    def _specs(self, segments: list[_Segment]) -> tuple[list[_Spec], list[_Record]]:
        specs: list[_Spec] = []
        pending: list[_Record] = []
        keys: dict[str, str] = {}
        group: list[str] = []  # the comment lines since the last records
        group_line: int | None = None
        block_title: str | None = None
        current: _Spec | None = None
        for index, segment in enumerate(segments):
            if segment.comments:
                current = None
                if group_line is None:
                    group, group_line = [], segment.line
                group.extend(segment.comments)
                found, block_title = _comment_meta(group)
                keys = {**keys, **found}
            if not segment.records:
                continue
            first_line = segment.records[0].line if group_line is None else group_line
            group_line = None
            if current is not None and self._continues(current, segment):
                self._extend(current, segment)
                continue
            current = None
            if _is_key_value(segment):
                current = self._key_value(segment, pending, keys, first_line)
            else:
                at = _find_header(segment.records)
                if at is None or self._preamble_like(segments, index, at):
                    pending.extend(segment.records)
                    continue
                self._refuse_short_header(segment.records, at)
                current = self._start(
                    segment, at=at, pending=pending, keys=keys, block_title=block_title, first_line=first_line
                )
            specs.append(current)
            pending, block_title = [], None
        return specs, pending

    def _start(
        self,
        segment: _Segment,
        *,
        at: int,
        pending: list[_Record],
        keys: dict[str, str],
        block_title: str | None,
        first_line: int,
    ) -> _Spec:
        header = segment.records[at]
        has_header = not _all_values(header.fields)
        rows = segment.records[at + 1 :] if has_header else segment.records[at:]
        preamble = [*pending, *segment.records[:at]]
        return _Spec(
            kind="table",
            header=header,
            has_header=has_header,
            spans=[(header.end if has_header else header.start, segment.end)],
            preamble=preamble,
            keys=dict(keys),
            block_title=block_title,
            first_line=min([first_line, *(record.line for record in preamble)]),
            last_end=segment.end,
            data_like=bool(rows) and _data_like(rows[0].fields),
        )

    def _refuse_short_header(self, records: list[_Record], at: int) -> None:
        """Names followed by rows that all have more fields: the rows are too wide, not the names a preamble."""
        chosen = records[at].fields
        last_and_valued = at == len(records) - 1 and _data_like(chosen)
        if at == 0 or self.delimiter == WHITESPACE or not (_all_values(chosen) or last_and_valued):
            return
        names = records[at - 1]
        if names.filled >= 2 and not _data_like(names.fields) and records[at].filled > names.width:
            raise DataError(
                self.name, f"line {records[at].line} has {records[at].width} fields, the header has {names.width}"
            )

    def _line_at(self, offset: int) -> int:
        return self.buf.count(b"\n", 0, max(offset - 1, 0)) + 1

    def _continues(self, spec: _Spec, segment: _Segment) -> bool:
        """A block after a blank line still belongs to the table above: same or fewer fields, and a
        first line that reads like its rows rather than like a new header."""
        if segment.comments:
            return False
        if spec.kind == "key_value":
            return _is_key_value(segment) or all(record.filled <= 1 for record in segment.records)
        first = segment.records[0]
        if first.filled > spec.header.width:
            return False
        if not spec.has_header:
            return _all_values(first.fields)
        if [value.strip() for value in first.fields] == [value.strip() for value in spec.header.fields]:
            return False
        return _data_like(first.fields) or not spec.data_like

    def _extend(self, spec: _Spec, segment: _Segment) -> None:
        spec.last_end = segment.end
        if spec.kind == "table":
            spec.spans.append((segment.body, segment.end))
            return
        self._add_key_values(spec, segment.records)

    def _preamble_like(self, segments: list[_Segment], index: int, at: int) -> bool:
        """A short block (a header and at most one row) followed, before the next comment block,
        by a table with more fields is part of that table's preamble (mBank's ``#Waluta;#Wpływy``)."""
        segment = segments[index]
        if not segment.complete or len(segment.records) - at > 2:
            return False
        width = segment.records[at].width
        for later in segments[index + 1 : index + 30]:
            if later.comments or (later.records and later.records[0].width == width):
                return False  # a new comment block, or more rows of this short table
            found = _find_header(later.records)
            if found is not None and later.records[found].width > width:
                return True
        return False

    def _key_value(self, segment: _Segment, pending: list[_Record], keys: dict[str, str], first_line: int) -> _Spec:
        first = segment.records[0]
        spec = _Spec(
            kind="key_value",
            header=first,
            has_header=False,
            spans=[],
            preamble=list(pending),
            keys=dict(keys),
            block_title=None,
            first_line=min([first_line, *(record.line for record in pending)]),
            last_end=segment.end,
            data_like=False,
        )
        lines = [_clean(record.fields, self.delimiter) for record in pending]
        if lines:
            spec.title = lines[0]
            spec.sections.extend(lines[1:])
        self._add_key_values(spec, segment.records)
        return spec

    def _add_key_values(self, spec: _Spec, records: list[_Record]) -> None:
        for record in records:
            if record.filled >= 2 or (record.width >= 2 and record.fields[0].strip().endswith(":")):
                key = record.fields[0].strip()
                key = key[:-1].rstrip() if key.endswith(":") else key
                spec.kv_rows.append((key, record.fields[1] or None))
                spec.kv_lines.append(record.line)
            elif record.filled == 1:
                text = record.fields[0].strip()
                if spec.title is None and not spec.kv_rows:
                    spec.title = text
                else:
                    spec.sections.append(text)

    def _one_column(self, segments: list[_Segment]) -> list[_Spec]:
        """No line has two fields: one table of one column, its header the first line."""
        with_records = [segment for segment in segments if segment.records]
        if not with_records:
            return []
        first = with_records[0]
        spec = self._start(first, at=0, pending=[], keys={}, block_title=None, first_line=first.line)
        for segment in with_records[1:]:
            self._extend(spec, segment)
        return [spec]

    # -- reading a table ------------------------------------------------------------------------

    def _table(self, spec: _Spec, source: str, index: int, count: int) -> RawTable:
        meta = self._meta(spec, index, count)
        issues = self._decoding_issues(spec, last=index == count)
        if spec.kind == "key_value":
            return self._key_value_table(spec, source, meta, issues)
        width = spec.header.width
        if width > self.limits.max_columns:
            raise DataError(source, f"the table has {width:,} columns; at most {self.limits.max_columns:,} can be read")
        longest = max((len(value) for value in spec.header.fields), default=0)
        if longest > self.limits.max_cell_chars:
            raise DataError(source, self._too_long(spec.header.line, longest))
        frame = self._parse(spec, source, width)
        names = [value.strip() for value in spec.header.fields] if spec.has_header else [""] * width
        named = [value for value in names if value]
        if named and spec.has_header and all(value.startswith("#") and value != "#" for value in named):
            names = [value.lstrip("#").strip() for value in names]
        keep = width
        while keep > 1 and not names[keep - 1] and frame.to_series(keep - 1).null_count() == frame.height:
            keep -= 1
        frame = frame.select(frame.columns[:keep])
        names = [value or f"column_{position}" for position, value in enumerate(names[:keep], 1)]
        names, duplicates = _unique(names)
        frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
        if duplicates:
            issues.append(
                Issue(
                    "info",
                    "duplicate_columns",
                    None,
                    f"{len(duplicates)} column name(s) appear more than once; later ones get _2, _3…",
                    examples=tuple(duplicates[:5]),
                )
            )
        if not spec.has_header:
            issues.append(
                Issue(
                    "info",
                    "no_header",
                    None,
                    f"the first line holds values, not column names: the columns are named column_1 … column_{keep}",
                )
            )
        frame, totals = _drop_totals(frame)
        if totals:
            issues.append(totals)
        header_line = spec.header.line if spec.has_header else spec.header.line - 1
        return RawTable(source, frame, meta, tuple(issues), header_line)

    def _parse(self, spec: _Spec, source: str, width: int) -> pl.DataFrame:
        """The table's body read by polars, every column text, empty cells null.

        A made-up header line (``c0,c1,…``) goes first: polars takes the width of a table from its
        first line, and a short first row (GA4's ragged retention table) must not set it."""
        separator = {WHITESPACE: "\t", NO_DELIMITER: _UNIT_SEPARATOR}.get(self.delimiter, self.delimiter)
        names = [f"c{position}" for position in range(width)]
        in_place = self._read_in_place(spec, names, separator)
        if in_place is not None:
            return self._finish(in_place, spec, source, len(self.buf) - spec.header.end)
        header = separator.join(names).encode() + b"\n"
        view = memoryview(self.buf)  # slices of a view are not copies: the file is copied once, below
        pieces: list[bytes | memoryview] = [header]
        for start, end in spec.spans:
            if end > start:
                pieces.append(view[start:end])
                if self.buf[end - 1 : end] != b"\n":
                    pieces.append(b"\n")
        data = b"".join(pieces)
        del pieces, view
        if not _NON_BLANK.search(data, len(header)):
            return pl.DataFrame(schema=dict.fromkeys(names, pl.String))
        if self.delimiter == WHITESPACE:
            body = re.sub(rb"[ \t]+", b"\t", re.sub(rb"(?m)^[ \t]+|[ \t]+$", b"", data[len(header) :]))
            data = header + body

        def read(*, truncate: bool) -> pl.DataFrame:
            return pl.read_csv(
                data,
                has_header=True,
                new_columns=names,
                infer_schema=False,
                separator=separator,
                quote_char=None if self.delimiter == WHITESPACE else '"',
                raise_if_empty=False,
                truncate_ragged_lines=truncate,
            )

        try:
            frame = read(truncate=False)
        except pl.exceptions.PolarsError:
            wider = self._wider_line(spec, width)
            if wider is not None:
                raise DataError(source, f"line {wider[0]} has {wider[1]} fields, the header has {width}") from None
            try:  # the extra fields are all empty (a trailing delimiter on some lines)
                frame = read(truncate=True)
            except pl.exceptions.PolarsError:
                unclosed = self._unclosed_quote(spec)
                detail = (
                    f'the quote opened on line {unclosed} is never closed (a " without its pair)'
                    if unclosed
                    else "its lines could not be split into fields"
                )
                raise DataError(source, f"could not be read as a table: {detail}") from None
        return self._finish(frame, spec, source, len(data) - len(header))

    def _read_in_place(self, spec: _Spec, names: list[str], separator: str) -> pl.DataFrame | None:
        """A plain file (its header on the first line, one body to the end, a delimiter polars
        splits) read from the decoded buffer itself, without copying it; ``None`` for any other
        file, or when polars reads the header at another width (the copying path then decides)."""
        plain = (
            spec.has_header
            and spec.header.start == 0
            and spec.spans == [(spec.header.end, len(self.buf))]
            and self.delimiter not in (WHITESPACE, NO_DELIMITER)
            and _NON_BLANK.search(self.buf, spec.header.end) is not None
        )
        if not plain:
            return None
        try:
            frame = pl.read_csv(
                self.buf,
                has_header=True,
                new_columns=names,
                infer_schema=False,
                separator=separator,
                quote_char='"',
                raise_if_empty=False,
            )
        except pl.exceptions.PolarsError:
            return None
        return frame if frame.width == len(names) else None

    def _finish(self, frame: pl.DataFrame, spec: _Spec, source: str, body_bytes: int) -> pl.DataFrame:
        """Quoted empty cells as null too (polars reads unquoted ones as null); no cell longer than the
        limit. Only columns holding an empty text are rewritten: a rewrite copies the column."""
        has_empty = frame.select((pl.all() == "").any()).row(0) if frame.height else ()
        emptied = [name for name, found in zip(frame.columns, has_empty, strict=False) if found]
        if emptied:
            frame = frame.with_columns(pl.col(name).replace("", None) for name in emptied)
        if body_bytes > self.limits.max_cell_chars:
            self._check_cell_lengths(frame, spec, source)
        return frame

    def _unclosed_quote(self, spec: _Spec) -> int | None:
        """The line where a quoted cell starts that no later quote closes."""
        if not self.quoting:
            return None
        opened = None
        for start, end in spec.spans:
            line = self._line_at(start + 1)
            for offset, raw in enumerate(self.buf[start:end].split(b"\n")):
                if raw.count(b'"') % 2:
                    opened = None if opened else line + offset
        return opened

    def _wider_line(self, spec: _Spec, width: int) -> tuple[int, int] | None:
        """The first line with more (non-empty) fields than the header: (line, field count)."""
        for start, end in spec.spans:
            line = self._line_at(start + 1)
            text = self.buf[start:end].decode("utf-8", errors="replace")
            if self.delimiter == WHITESPACE:
                for offset, raw in enumerate(text.split("\n")):
                    if len(raw.split()) > width:
                        return line + offset, len(raw.split())
                continue
            reader = csv.reader(io.StringIO(text), delimiter=self._csv_delimiter)
            before = 0
            try:
                for fields in reader:
                    if len(fields) > width and any(value.strip() for value in fields[width:]):
                        return line + before, len(fields)
                    before = reader.line_num
            except csv.Error:
                return None
        return None

    def _check_cell_lengths(self, frame: pl.DataFrame, spec: _Spec, source: str) -> None:
        limit = self.limits.max_cell_chars
        for measure in (pl.all().str.len_bytes(), pl.all().str.len_chars()):  # bytes first: cheaper, an upper bound
            lengths = frame.select(measure.max()).row(0)
            if not any(length is not None and length > limit for length in lengths):
                return
        too_long = frame.select(pl.any_horizontal(pl.all().str.len_chars() > limit).fill_null(value=False))
        row = int(too_long.to_series().arg_true()[0])
        newlines = frame.head(row).select(pl.all().str.count_matches("\n").sum()).sum_horizontal().item() or 0
        first = spec.header.line + (1 if spec.has_header else 0)
        longest = frame.row(row)
        size = max(len(value) for value in longest if value is not None)
        raise DataError(source, self._too_long(first + row + int(newlines), size))

    def _too_long(self, line: int, size: int) -> str:
        return f"line {line} has a cell of {size:,} characters; at most {self.limits.max_cell_chars:,} can be read"

    def _key_value_table(self, spec: _Spec, source: str, meta: dict[str, str], issues: list[Issue]) -> RawTable:
        for (key, value), line in zip(spec.kv_rows, spec.kv_lines, strict=True):
            if max(len(key), len(value or "")) > self.limits.max_cell_chars:
                raise DataError(source, self._too_long(line, max(len(key), len(value or ""))))
        frame = pl.DataFrame(
            {"key": [key for key, _ in spec.kv_rows], "value": [value for _, value in spec.kv_rows]},
            schema={"key": pl.String, "value": pl.String},
        )
        meta["layout"] = "key_value"
        meta.pop("has_header", None)
        if spec.title:
            meta["title"] = spec.title
        if spec.sections:
            meta["sections"] = "\n".join(spec.sections)
        header_line = (spec.kv_lines[0] if spec.kv_lines else spec.header.line) - 1
        return RawTable(source, frame, meta, tuple(issues), header_line)

    def _meta(self, spec: _Spec, index: int, count: int) -> dict[str, str]:
        meta = {
            "file_name": self.name,
            "encoding": self.decoded.encoding,
            "delimiter": self.delimiter,
            "line_ending": self.decoded.line_ending,
            "layout": "table",
            "has_header": "true" if spec.has_header else "false",
        }
        for key, value in spec.keys.items():
            meta[f"comment_{key}" if key in _RESERVED_META else key] = value
        if spec.block_title:
            meta["block_title"] = spec.block_title
        lines = [_clean(record.fields, self.delimiter) for record in spec.preamble]
        lines = [line for line in lines if line]
        if lines:
            meta["title"] = lines[0]
            meta["preamble"] = "\n".join(lines)
            date_range = next((line for line in lines if _is_date_range(line)), None)
            if date_range:
                meta["date_range"] = date_range
        if count > 1:
            meta["table_index"] = str(index)
            meta["table_count"] = str(count)
        return meta

    def _decoding_issues(self, spec: _Spec, *, last: bool) -> list[Issue]:
        """The decoding issues of the lines from the table's first comment or preamble line to its last."""
        decoded = self.decoded
        issues = [decoded.note] if decoded.note else []
        if not (decoded.mixed_lines or decoded.replaced_lines):
            return issues
        last_line = self._line_at(spec.last_end)

        def within(lines: tuple[int, ...]) -> list[int]:
            return [line for line in lines if spec.first_line <= line <= last_line or (last and line > last_line)]

        mixed = within(decoded.mixed_lines)
        if mixed:
            issues.append(
                Issue(
                    "warning",
                    "mixed_encoding",
                    None,
                    f"{len(mixed)} line(s) are not UTF-8 like the rest of the file and were read as "
                    f"{_LEGACY_NAMES[decoded.mixed_encoding]}",
                    hint="check those lines' accented letters, or save the file as UTF-8",
                    rows=len(mixed),
                    examples=tuple(f"line {line}" for line in mixed[:5]),
                )
            )
        replaced = within(decoded.replaced_lines)
        if replaced:
            issues.append(
                Issue(
                    "warning",
                    "undecodable_bytes",
                    None,
                    f"{len(replaced)} line(s) hold bytes that could not be decoded; they show as \ufffd",
                    hint="save the file as UTF-8",
                    rows=len(replaced),
                    examples=tuple(f"line {line}" for line in replaced[:5]),
                )
            )
        return issues


# --- helpers -----------------------------------------------------------------------------------


def _after_blank_lines(buf: bytes, at: int) -> int:
    match = _LEADING_BLANK.match(buf, at)
    return match.end() if match else at


def _csv_rows(text: str, delimiter: str, limit: int) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for fields in reader:
            rows.append(fields)
            if len(rows) >= limit:
                break
    except csv.Error:
        pass
    return rows


def _consistency(widths: list[int]) -> tuple[int, int, float]:
    """(usual field count, index of its first line, share of the lines from there that have it)."""
    if not widths:
        return 0, 0, 0.0
    counts = Counter(widths)
    usual = max(counts, key=lambda width: (counts[width], width))
    first = widths.index(usual)
    rest = widths[first:]
    return usual, first, sum(1 for width in rest if width == usual) / len(rest)


def _find_header(records: list[_Record]) -> int | None:
    """The first record with two or more fields that at least 80% of the records after it do not
    outnumber (half will do for names followed by a row of values, so that a short sample with one
    wide row still finds its header); the records before it are the preamble."""
    for index, record in enumerate(records):
        if record.filled < 2:
            continue
        rest = records[index + 1 :]
        if not rest:
            return index
        share = sum(1 for other in rest if other.filled <= record.width) / len(rest)
        names = not _data_like(record.fields) and _data_like(rest[0].fields)
        if share >= 0.8 or (names and share >= 0.5):
            return index
    return None


def _is_key_value(segment: _Segment) -> bool:
    """Mailchimp's ``"Total Recipients:","1,751"``: two fields a line, most keys ending in ``:``."""
    if not segment.complete:
        return False
    pairs = [record for record in segment.records if record.filled >= 2]
    if not pairs or any(record.filled > 2 for record in pairs):
        return False
    keyed = sum(1 for record in pairs if record.fields[0].strip().endswith(":"))
    return keyed >= max(1.0, 0.6 * len(pairs))


def _is_value(text: str) -> bool:
    """A number (``1 234,56 zł``, ``-5%``, ``0000``) or a date (``2026-01-31``, ``31.01.2026 10:00``)."""
    text = text.strip().strip('"').strip()
    return len(text) <= 60 and bool(_NUMBER.fullmatch(text) or _DATE.fullmatch(text))


def _data_like(fields: list[str]) -> bool:
    return any(_is_value(value) for value in fields if value.strip())


def _all_values(fields: list[str]) -> bool:
    filled = [value for value in fields if value.strip()]
    return bool(filled) and all(_is_value(value) for value in filled)


def _clean(fields: list[str], delimiter: str) -> str:
    """A preamble line as text: its fields without the trailing empty ones, unquoted."""
    count = len(fields)
    while count and not fields[count - 1].strip():
        count -= 1
    joiner = " " if delimiter in (WHITESPACE, NO_DELIMITER) else delimiter
    return joiner.join(value.strip() for value in fields[:count])


def _is_date_range(text: str) -> bool:
    return len(text) <= 100 and bool(_RELATIVE_RANGE.fullmatch(text.strip()) or len(_DATE_TOKEN.findall(text)) >= 2)


def _comment_meta(comments: list[str]) -> tuple[dict[str, str], str | None]:
    """``# Start date: 20260220`` → ``{"start_date": "20260220"}``; the last other comment with
    letters in it is the block's title."""
    keys: dict[str, str] = {}
    title = None
    for comment in comments:
        text = comment.lstrip("#").strip()
        if not any(char.isalnum() for char in text):
            continue
        match = _COMMENT_KEY.fullmatch(text)
        if match and len(match.group(1).split()) <= 4 and match.group(2).strip():
            keys[re.sub(r"\W+", "_", match.group(1).strip().lower()).strip("_")] = match.group(2).strip()
        else:
            title = text
    return keys, title


def _unique(names: list[str]) -> tuple[list[str], list[str]]:
    """Names made unique with ``_2``, ``_3``…, and the names that were repeated."""
    used: set[str] = set()
    repeated: list[str] = []
    result = []
    for name in names:
        unique = name
        if name in used:
            if name not in repeated:
                repeated.append(name)
            number = 2
            while f"{name}_{number}" in used or f"{name}_{number}" in names:
                number += 1
            unique = f"{name}_{number}"
        used.add(unique)
        result.append(unique)
    return result, repeated


def _drop_totals(frame: pl.DataFrame) -> tuple[pl.DataFrame, Issue | None]:
    """Rows whose first or second cell is ``Total``, ``Total: Campaigns``, ``Suma``… removed."""
    if frame.height == 0:
        return frame, None
    first = frame.to_series(0).str.contains(_TOTAL).fill_null(value=False)
    second = frame.to_series(1).str.contains(_TOTAL).fill_null(value=False) if frame.width > 1 else falses(frame.height)
    marked = first | second
    count = int(marked.sum())
    if not count:
        return frame, None
    pattern = re.compile(_TOTAL)
    cells = [
        row[0] if row[0] and pattern.match(row[0]) else row[1] for row in frame.filter(marked).head(200).iter_rows()
    ]
    examples = list(dict.fromkeys(value.strip() for value in cells if value))[:5]
    issue = Issue(
        "info",
        "total_rows",
        None,
        f"{count} total row(s) removed: they repeat the sum of the other rows",
        rows=count,
        examples=tuple(examples),
    )
    return frame.filter(~marked), issue
