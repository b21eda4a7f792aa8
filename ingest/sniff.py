"""What the first megabyte of a file says about it: its format, its text encoding and its CSV dialect.

Uploads arrive under any name (an .xlsx saved as .csv, a TSV called .csv, GBK from
Chinese Excel, UTF-16 from "Unicode text" exports), so the content decides and the
extension only breaks ties; the user is never asked for an encoding or a delimiter.
Only a sample is read, so sniffing a 1 GB file costs the same as a 1 KB one.

>>> d = sniff_dialect("Report 2024\\n\\nname;amount\\nAnn;3\\nBob;4\\n", complete=True)
>>> d.delimiter, d.skip, d.header, d.names
(';', 2, True, ('name', 'amount'))
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import charset_normalizer

from errors import IngestError
from viz.i18n import keyed_error

SAMPLE_BYTES = 1 << 20
DELIMITERS = (",", "\t", ";", "|")
GZIP_MAGIC = b"\x1f\x8b"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and other Office 97 files)
_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_NOT_TABLES = (  # magic bytes of files people upload by mistake (none could start a text table) → errors.file_kind
    (b"\x89PNG", "png"), (b"\xff\xd8\xff", "jpeg"), (b"GIF87a", "gif"), (b"GIF89a", "gif"), (b"%PDF-", "pdf"),
    (b"II*\x00", "tiff"), (b"MM\x00*", "tiff"), (b"SQLite format 3\x00", "sqlite"), (b"7z\xbc\xaf", "7z"),
    (b"Rar!\x1a", "rar"), (b"\x7fELF", "program"), (b"\xfd7zXZ", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"),
)
_JSON_ARRAY = re.compile(r'\[\s*(\{|\]|"|-?\d|\[|true\b|false\b|null\b)')
_JSON_OBJECT = re.compile(r'\{\s*("|\})')
_LATIN = {"cp1250", "cp1252", "cp1254", "cp1257", "iso8859-1", "iso8859-2", "iso8859-9", "iso8859-13", "iso8859-15",
          "mac-roman", "mac-latin2", "cp850", "cp437"}


@dataclass(frozen=True)
class Sniffed:
    """A file's format as its content shows it: kind is csv, json, ndjson, parquet or excel."""

    kind: str
    encoding: str = "utf-8"  # a Python codec name; text kinds only
    gzipped: bool = False
    text: str = ""  # the decoded sample, for the CSV dialect
    complete: bool = True  # the sample is the whole file


@dataclass(frozen=True)
class Dialect:
    """How DuckDB should split a delimited text file, as the sample shows it."""

    delimiter: str
    names: tuple[str, ...]
    quote: str = '"'
    escape: str = '"'
    header: bool = True
    skip: int = 0  # physical lines above the header: report titles, blank lines
    rows: tuple[tuple[str, ...], ...] = ()  # well-formed sample rows, for typing when DuckDB's sniffer gives up


def sniff_file(path: Path) -> Sniffed:
    """Detect the format and encoding of `path` from its first megabyte (decompressed if gzipped)."""
    with _open_or_fail(path) as handle:
        head = handle.read(SAMPLE_BYTES + 1)
    if not head:
        raise keyed_error(IngestError, "errors.ingest.empty", file=path.name)
    if not head.startswith(GZIP_MAGIC):
        return _sniff_bytes(path, head[:SAMPLE_BYTES], len(head) <= SAMPLE_BYTES)
    sample, complete = read_gzip_sample(path)
    if not sample:
        raise keyed_error(IngestError, "errors.ingest.empty_gzip", file=path.name)
    return replace(_sniff_bytes(path, sample, complete, inside_gzip=True), gzipped=True)


def read_gzip_sample(path: Path, size: int = SAMPLE_BYTES) -> tuple[bytes, bool]:
    """The first `size` decompressed bytes and whether they are all there is."""
    try:
        with gzip.open(path, "rb") as handle:
            data = handle.read(size + 1)
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as err:
        raise gzip_error(path, err) from err
    return data[:size], len(data) <= size


def gzip_error(path: Path, err: Exception) -> IngestError:
    """The message for a gzip stream that stops early or fails its check."""
    if isinstance(err, EOFError):
        return keyed_error(IngestError, "errors.ingest.gzip_cut_short", file=path.name)
    return keyed_error(IngestError, "errors.ingest.gzip_damaged", file=path.name, reason=str(err))


def _open_or_fail(path: Path) -> io.BufferedReader:
    try:
        return path.open("rb")
    except FileNotFoundError as err:
        raise keyed_error(IngestError, "errors.ingest.missing", file=path.name, folder=path.parent) from err
    except IsADirectoryError as err:
        raise keyed_error(IngestError, "errors.ingest.folder", file=path.name) from err
    except OSError as err:
        raise keyed_error(IngestError, "errors.ingest.cannot_open", file=path.name,
                          reason=err.strerror or str(err)) from err


def _sniff_bytes(path: Path, sample: bytes, complete: bool, inside_gzip: bool = False) -> Sniffed:
    binary = _binary_kind(path, sample, inside_gzip)
    if binary:
        return Sniffed(binary)
    encoding = detect_encoding(sample, complete, path.name)
    text = decode_sample(sample, encoding, complete)
    body = text.lstrip()
    if not body:
        raise keyed_error(IngestError, "errors.ingest.blank", file=path.name)
    if body.startswith("<"):
        raise keyed_error(IngestError, "errors.ingest.web_page", file=path.name)
    kind = _json_kind(path.name, body) or "csv"
    return Sniffed(kind, encoding, text=text, complete=complete)


def _binary_kind(path: Path, sample: bytes, inside_gzip: bool) -> str | None:
    """excel or parquet from magic bytes; None for text; an IngestError for anything else binary."""
    if sample.startswith(b"PK\x03\x04"):
        if inside_gzip or _is_workbook_zip(path):
            return "excel"
        raise keyed_error(IngestError, "errors.ingest.zip", file=path.name)
    if sample.startswith(_OLE2):
        return "excel"
    if sample.startswith(b"PAR1"):
        return "parquet"
    for magic, what in _NOT_TABLES:
        if sample.startswith(magic):
            raise keyed_error(IngestError, "errors.ingest.not_a_table", file=path.name,
                              what_key=f"errors.file_kind.{what}", kinds_key="errors.ingest.kinds")
    if sample.startswith(GZIP_MAGIC):
        raise keyed_error(IngestError, "errors.ingest.gzip_twice", file=path.name)
    return None


def _is_workbook_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise keyed_error(IngestError, "errors.ingest.workbook_damaged", file=path.name, reason=str(err)) from err
    return bool(names & {"xl/workbook.xml", "xl/workbook.bin", "content.xml"})


def detect_encoding(sample: bytes, complete: bool, name: str = "the file") -> str:
    """The codec of a text sample: a BOM, else strict UTF-8, else GB18030 when it reads as real Chinese.

    A cut multi-byte character at the end of an incomplete sample is not an error.

    >>> detect_encoding("订单,金额".encode("gbk"), True), detect_encoding(b"a,b", True)
    ('gb18030', 'utf-8')
    """
    for bom, codec in _BOMS:
        if sample.startswith(bom):
            return codec
    if b"\x00" in sample:
        return _utf16_without_bom(sample, name)
    for codec in ("utf-8", "gb18030"):
        try:
            text = codecs.getincrementaldecoder(codec)().decode(sample, final=complete)
        except UnicodeDecodeError:
            continue
        if codec == "utf-8" or _reads_as_chinese(text):
            return codec
    return _best_guess(sample, name)


def _utf16_without_bom(sample: bytes, name: str) -> str:
    """UTF-16 text has a NUL beside nearly every ASCII character; anything else with NULs is binary."""
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    at = sample.index(b"\x00")
    raise keyed_error(IngestError, "errors.ingest.binary", file=name, at=f"{at:,}", kinds_key="errors.ingest.kinds")


def _reads_as_chinese(text: str) -> bool:
    """GB18030 decodes much Western text too (è + m is a valid pair); real Chinese is nearly all GB2312."""
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    if non_ascii == 0:
        return True
    outside = text.encode("gb2312", "replace").count(b"?") - text.count("?")
    return outside <= 0.2 * non_ascii


def _best_guess(sample: bytes, name: str) -> str:
    """charset-normalizer's pick; among Latin code pages Windows-1252 wins, as short samples can't tell them apart."""
    match = charset_normalizer.from_bytes(sample[:65536]).best()
    if match is None:
        raise keyed_error(IngestError, "errors.ingest.encoding", file=name)
    codec = codecs.lookup(match.encoding).name
    if codec in _LATIN:
        try:
            sample.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    return codec


def decode_sample(sample: bytes, encoding: str, complete: bool) -> str:
    """The sample as text, ignoring a character cut at its end."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(sample, final=complete).removeprefix("\ufeff")


def _json_kind(name: str, body: str) -> str | None:
    """json (an array of objects), ndjson (one object per line), or None when the text is not JSON."""
    if _JSON_ARRAY.match(body):
        if body[1:].lstrip()[:1] in ("{", "]"):
            return "json"
        raise keyed_error(IngestError, "errors.ingest.json_plain_values", file=name)
    if not _JSON_OBJECT.match(body):
        return None
    try:
        first = json.loads(body.split("\n", 1)[0])
    except ValueError:
        first = None
    if isinstance(first, dict):
        return "ndjson"
    raise keyed_error(IngestError, "errors.ingest.json_one_object", file=name)


def sniff_dialect(text: str, complete: bool, suffix: str = "") -> Dialect:
    """Delimiter, escape, title lines to skip, header and column names of a delimited text sample."""
    escape = _escape(text)
    parsed = {d: _records(text, d, escape, complete) for d in DELIMITERS}
    delimiter = max(DELIMITERS, key=lambda d: _score(parsed[d][0], d, suffix))
    records, starts = parsed[delimiter]
    width = _mode_width(records)
    first = _first_table_record(records, width)
    header = _has_header(records[first:], width)
    cells = records[first] if header and records else []
    names = column_names([*cells[:width], *[None] * (width - len(cells))])
    skip = starts[first] if records else 0
    rows = tuple(tuple(r) for r in records[first + int(header):] if len(r) == width)
    return Dialect(delimiter, tuple(names), escape=escape, header=header, skip=skip, rows=rows)


def _escape(text: str) -> str:
    """Backslash when cells write \\" and never "" (once the \\" are gone, "" may only be an empty cell)."""
    if '\\"' not in text:
        return '"'
    rest = text.replace("\\\\", "").replace('\\"', "")
    return '"' if re.search(r'[^\s,;|]""|""[^\s,;|]', rest) else "\\"


def _records(text: str, delimiter: str, escape: str, complete: bool) -> tuple[list[list[str]], list[int]]:
    """Non-blank records of the sample (up to 2,000) and the number of physical lines before each one."""
    records: list[list[str]] = []
    starts: list[int] = []
    for before, row in _numbered(text, delimiter, escape):
        if any(cell.strip() for cell in row):
            records.append(row)
            starts.append(before)
    if not complete and len(records) > 1:
        records, starts = records[:-1], starts[:-1]  # the last record may be cut by the sample's end
    return records, starts


def _numbered(text: str, delimiter: str, escape: str) -> list[tuple[int, list[str]]]:
    options = {"escapechar": "\\", "doublequote": False} if escape == "\\" else {}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False, **options)
    out: list[tuple[int, list[str]]] = []
    before = 0
    try:
        for row in reader:
            out.append((before, row))
            before = reader.line_num
            if len(out) >= 2000:
                break
    except csv.Error:
        pass  # a field longer than csv's limit: the records so far are sample enough
    return out


def _score(records: list[list[str]], delimiter: str, suffix: str) -> tuple[bool, float, bool, int]:
    """More columns on most rows wins; the extension breaks ties (.tsv means tabs, .csv commas)."""
    width = _mode_width(records)
    consistent = sum(len(r) == width for r in records) / max(len(records), 1)
    hinted = {".tsv": "\t", ".tab": "\t", ".csv": ","}.get(suffix.lower()) == delimiter
    return width > 1, round(consistent, 1), hinted, width


def _mode_width(records: list[list[str]]) -> int:
    counts = Counter(len(r) for r in records)
    return max(counts, key=lambda w: (counts[w], w)) if counts else 1


def _first_table_record(records: list[list[str]], width: int) -> int:
    """Skip report titles above the table: the first record about as wide as the table starts it."""
    for i, record in enumerate(records[:50]):
        if len(record) >= width - 1 and (len(record) > 1 or width == 1):
            return i
    return 0


def _has_header(records: list[list[str]], width: int) -> bool:
    """No header only when a first-row cell is a number like the values below it."""
    if len(records) < 2:
        return True
    for i, cell in enumerate(records[0][:width]):
        below = [r[i] for r in records[1:50] if i < len(r) and r[i].strip()]
        if _is_number(cell) and below and sum(map(_is_number, below)) >= 0.8 * len(below):
            return False
    return True


_NUMBER = re.compile(r"^[\s(+-]*[¥$€£]?\s*\d[\d,]*(\.\d+)?([eE][+-]?\d+)?\s*%?\)?\s*$")


def _is_number(cell: str | None) -> bool:
    return bool(cell) and bool(_NUMBER.match(cell or ""))


def column_names(cells: Sequence[str | None]) -> list[str]:
    """Header cells as users see them: trimmed, blank ones named column_N, repeats suffixed " (2)".

    >>> column_names([" 订单付款时间 ", "", "amount", "amount", None])
    ['订单付款时间', 'column_2', 'amount', 'amount (2)', 'column_5']
    """
    base = [(str(c).strip() if c is not None else "") or f"column_{i}" for i, c in enumerate(cells, 1)]
    seen: set[str] = set()
    out = []
    for name in base:
        unique, n = name, 1
        while unique.lower() in seen:
            n += 1
            unique = f"{name} ({n})"
        seen.add(unique.lower())
        out.append(unique)
    return out
