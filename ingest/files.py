"""Uploaded files as Sources: CSV/TSV/TXT, Excel, JSON/NDJSON and Parquet, plain or gzipped.

A reader only describes where the rows are; `ingest/load.py` scans them once inside the
write transaction. So a CSV becomes an explicit `read_csv(...)` call (dialect sniffed
here, column types from DuckDB's own sniffer, nothing left for DuckDB to guess again at
load time), Parquet and JSON a `read_parquet`/`read_json` call, and an Excel sheet a temp
table of strings. Every path and option is a sqlglot literal, never pasted into SQL.

Text DuckDB cannot read itself (GBK/GB18030, UTF-16, UTF-32, other code pages, and JSON
with a BOM) is transcoded to a UTF-8 temp file in `work_dir` a megabyte at a time and
listed in `Source.temp_files`, as is a decompressed .parquet.gz; the load deletes them.
Gzipped UTF-8 CSV and JSON are read by DuckDB directly, after one decompression pass here
that refuses a cut-short upload before the load starts.

JSON and Parquet records are flattened one level: {"customer": {"city": "北京"}} gives a
column "customer.city"; lists, and objects nested deeper, become JSON text columns.

Malformed CSV rows (wrong field count, an unterminated quote, bad bytes, a value that
does not fit the type DuckDB sniffed from the first rows) do not fail the load: DuckDB
keeps them aside in the temp table named by `Source.rejects`, which exists once the
relation has been scanned. Each scan appends its rows, so read the last one's:

    SELECT DISTINCT line, column_name, error_type, csv_line FROM <rejects>
    WHERE scan_id = (SELECT max(scan_id) FROM <rejects>) ORDER BY line

`line` is the record's number in the file counting the header and the title lines skipped
above it: the line a text editor shows, unless an earlier quoted cell held a line break
(each record counts once). DuckDB may list one row twice, hence DISTINCT. `error_type`
is TOO MANY COLUMNS, MISSING COLUMNS, UNQUOTED VALUE (an unterminated quote), INVALID
ENCODING, LINE SIZE OVER MAXIMUM or CAST; CAST rows come back with `with_text_columns`.
`line_byte_position` counts bytes of the scanned file, the UTF-8 copy when transcoded.

>>> import duckdb, tempfile
>>> path = Path(tempfile.mkdtemp()) / "sales.csv"
>>> _ = path.write_text("Region;Amount\\nNorth;12.5\\n", encoding="utf-8")
>>> [source] = open_sources(duckdb.connect(), path)
>>> [(c.name, c.type) for c in source.columns], source.first_row
([('Region', 'VARCHAR'), ('Amount', 'DOUBLE')], 2)
"""

from __future__ import annotations

import codecs
import csv
import gzip
import json
import os
import re
import shutil
import tempfile
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

import duckdb
from sqlglot import exp

from errors import IngestError
from ingest import excel
from ingest.sniff import Dialect, Sniffed, column_names, gzip_error, sniff_dialect, sniff_file
from ingest.source import Source, SourceColumn
from viz.i18n import keyed_error

CHUNK = 1 << 20
NATIVE_ENCODINGS = ("utf-8", "utf-8-sig")  # what DuckDB reads without the encodings extension
# BOOLEAN is left out on purpose: DuckDB would read yes/no columns as BOOLEAN from the first
# rows and then reject every later row holding 'unknown'; the types step decides flags instead.
TYPE_CANDIDATES = ("BIGINT", "HUGEINT", "DOUBLE", "TIME", "DATE", "TIMESTAMP", "VARCHAR")
_NESTED = {"struct", "list", "map", "array", "union"}


def sheet_names(path: Path) -> list[str]:
    """The sheets of an Excel workbook (whatever its extension says); [] for any other format."""
    upload = _Upload(Path(path), sniff_file(Path(path)), Path(tempfile.gettempdir()))
    if upload.sniffed.kind != "excel":
        return []
    try:
        return excel.sheet_names(_binary_file(upload), upload.path.name)
    finally:
        remove_files(upload.temps)


def open_sources(con: duckdb.DuckDBPyConnection, path: Path, sheets: list[str] | None = None,
                 work_dir: Path | None = None) -> list[Source]:
    """Sources for the table(s) in `path`: one per Excel sheet (all non-empty ones when `sheets` is None), else one.

    The format comes from the content, so an .xlsx named .csv is read as Excel. `sheets`
    only applies to Excel. Temp files go to `work_dir` (default: the system temp dir).
    """
    work = Path(work_dir) if work_dir is not None else Path(tempfile.gettempdir())
    work.mkdir(parents=True, exist_ok=True)
    upload = _Upload(Path(path), sniff_file(Path(path)), work)
    kind = upload.sniffed.kind
    try:
        if kind == "excel":
            sources = excel.open_sheets(con, _binary_file(upload), upload.path.name, sheets)
            remove_files(upload.temps)  # the sheets are in temp tables now
            return sources
        if kind == "parquet":
            return [_parquet_source(con, upload)]
        return [_csv_source(con, upload) if kind == "csv" else _json_source(con, upload)]
    except BaseException:
        remove_files(upload.temps)
        raise


def remove_files(paths: list[Path] | tuple[Path, ...]) -> None:
    """Delete temp files, ignoring ones already gone."""
    for temp in paths:
        temp.unlink(missing_ok=True)


def with_text_columns(source: Source, names: list[str]) -> Source:
    """The same CSV Source with `names` read as VARCHAR: the retry for CAST rows in its rejects table.

    DuckDB sniffs types from the first rows; a column that turns out to hold text further
    down ('N/A' in row 30,000 of a number column) rejects those rows instead of failing.
    """
    wanted = {n.lower() for n in names}
    columns = tuple(SourceColumn(c.name, "VARCHAR" if c.name.lower() in wanted else c.type) for c in source.columns)
    relation = source.relation.copy()
    options = [o for o in relation.expressions if isinstance(o, exp.PropertyEQ) and o.name == "columns"]
    if not options:
        return source  # not a read_csv Source: its types are the file's own
    options[0].set("expression", _literal({c.name: c.type for c in columns}))
    return replace(source, relation=relation, columns=columns)


# --- getting bytes DuckDB can scan -------------------------------------------------------------


@dataclass
class _Upload:
    """One call's file, what its content turned out to be, and the temp files made for it so far."""

    path: Path
    sniffed: Sniffed
    work: Path
    temps: list[Path] = field(default_factory=list)

    def temp(self, suffix: str) -> Path:
        handle, name = tempfile.mkstemp(prefix="beacon-", suffix=suffix, dir=self.work)
        os.close(handle)
        self.temps.append(Path(name))
        return self.temps[-1]


@contextmanager
def _source_stream(path: Path, gzipped: bool) -> Iterator[IO[bytes]]:
    """The file's bytes, decompressed on the fly; gzip errors become messages that name the file."""
    try:
        with (gzip.open(path, "rb") if gzipped else path.open("rb")) as handle:
            yield handle
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise gzip_error(path, err) from err


def _binary_file(upload: _Upload) -> Path:
    """A path DuckDB or fastexcel can open: the upload, or its decompressed copy in the work dir."""
    if not upload.sniffed.gzipped:
        return upload.path
    target = upload.temp(".parquet" if upload.sniffed.kind == "parquet" else ".xlsx")
    with _source_stream(upload.path, True) as source, target.open("wb") as out:
        shutil.copyfileobj(source, out, CHUNK)
    return target


def _text_file(upload: _Upload) -> tuple[Path, str]:
    """Where DuckDB reads the text and with which compression: the upload itself when it is UTF-8."""
    sniffed = upload.sniffed
    native = NATIVE_ENCODINGS if sniffed.kind == "csv" else ("utf-8",)  # read_json refuses a BOM
    if sniffed.encoding in native:
        if sniffed.gzipped:
            _check_gzip(upload.path)
        return upload.path, "gzip" if sniffed.gzipped else "none"
    target = upload.temp(".csv" if sniffed.kind == "csv" else ".json")
    _transcode(upload.path, sniffed, target)
    return target, "none"


def _check_gzip(path: Path) -> None:
    """Decompress once without keeping anything, so a cut-short upload is refused before the load starts."""
    with _source_stream(path, True) as source:
        while source.read(CHUNK):
            pass


def _transcode(path: Path, sniffed: Sniffed, target: Path) -> None:
    """Rewrite the text as UTF-8 a megabyte at a time; the line count keeps error messages precise."""
    decoder = codecs.getincrementaldecoder(sniffed.encoding)()
    lines, started = 0, False
    with _source_stream(path, sniffed.gzipped) as source, target.open("w", encoding="utf-8", newline="") as out:
        while True:
            chunk = source.read(CHUNK)
            text = _decode(decoder, chunk, path, sniffed.encoding, lines)
            out.write(text if started else text.removeprefix("\ufeff"))
            started, lines = started or bool(text), lines + text.count("\n")
            if not chunk:
                break


def _decode(decoder: codecs.IncrementalDecoder, chunk: bytes, path: Path, encoding: str, lines: int) -> str:
    try:
        return decoder.decode(chunk, final=not chunk)
    except UnicodeDecodeError as err:
        line = lines + chunk[:max(err.start, 0)].count(b"\n") + 1
        raise keyed_error(IngestError, "errors.ingest.mixed_encoding", file=path.name, line=f"{line:,}",
                          encoding=encoding.upper()) from err


# --- CSV -----------------------------------------------------------------------------------------


def _csv_source(con: duckdb.DuckDBPyConnection, upload: _Upload) -> Source:
    """An explicit read_csv: our dialect, DuckDB's types, and a rejects table for malformed rows."""
    scan, compression = _text_file(upload)
    dialect = sniff_dialect(upload.sniffed.text, upload.sniffed.complete, _inner_suffix(upload.path))
    options = {"delim": dialect.delimiter, "quote": dialect.quote, "escape": dialect.escape,
               "header": dialect.header, "skip": dialect.skip, "compression": compression}
    types, formats = _sniff_types(con, scan, options, dialect, upload)
    names = column_names([*dialect.names[:len(types)], *[None] * (len(types) - len(dialect.names))])
    table = f"beacon_rejects_{uuid.uuid4().hex[:12]}"
    options |= {"auto_detect": False, "columns": dict(zip(names, types, strict=True)), **formats,
                "store_rejects": True, "rejects_table": table, "rejects_scan": f"{table}_scan"}
    columns = tuple(SourceColumn(n, t) for n, t in zip(names, types, strict=True))
    first_row = dialect.skip + int(dialect.header) + 1
    return Source(_call("read_csv", scan, options), columns, upload.path.name, first_row, tuple(upload.temps), table)


def _inner_suffix(path: Path) -> str:
    return Path(path.stem).suffix if path.suffix.lower() == ".gz" else path.suffix


def _sniff_types(con: duckdb.DuckDBPyConnection, scan: Path, options: dict[str, object], dialect: Dialect,
                 upload: _Upload) -> tuple[list[str], dict[str, str]]:
    """DuckDB's column types and date formats for our dialect.

    DuckDB's sniffer gives up on a whole file for one unterminated quote in its sample;
    then the sample's well-formed rows are typed instead, and failing that all is VARCHAR.
    """
    found = _duckdb_sniff(con, scan, options, list(dialect.names))
    if found is None and dialect.rows:
        sample = upload.temp(".csv")
        with sample.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows([dialect.names, *dialect.rows])
        plain = {"delim": ",", "quote": '"', "escape": '"', "header": True, "compression": "none"}
        found = _duckdb_sniff(con, sample, plain, list(dialect.names))
        upload.temps.remove(sample)
        sample.unlink()
    return found or (["VARCHAR"] * max(len(dialect.names), 1), {})


def _duckdb_sniff(con: duckdb.DuckDBPyConnection, scan: Path, options: dict[str, object],
                  names: list[str]) -> tuple[list[str], dict[str, str]] | None:
    sniff = {**options, "names": names, "comment": "", "auto_type_candidates": list(TYPE_CANDIDATES),
             "ignore_errors": True}
    try:
        cursor = con.execute(exp.select("*").from_(_call("sniff_csv", scan, sniff)).sql("duckdb"))
        row = dict(zip([d[0] for d in cursor.description], cursor.fetchall()[0], strict=True))
    except duckdb.Error:
        return None
    formats = {key: row[col] for key, col in (("dateformat", "DateFormat"), ("timestampformat", "TimestampFormat"))
               if row.get(col)}
    return [c["type"] for c in row["Columns"]], formats


def _call(function: str, path: Path, options: dict[str, object]) -> exp.Expression:
    """`function('path', name := value, ...)` with every value a literal."""
    args = [exp.PropertyEQ(this=exp.to_identifier(k), expression=_literal(v)) for k, v in options.items()]
    return exp.func(function, exp.Literal.string(str(path.resolve())), *args)


def _literal(value: object) -> exp.Expression:
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, dict):
        return exp.Struct(expressions=[exp.PropertyEQ(this=exp.Literal.string(k), expression=_literal(v))
                                       for k, v in value.items()])
    if isinstance(value, list | tuple):
        return exp.Array(expressions=[_literal(v) for v in value])
    return exp.Literal.string(str(value))


# --- Parquet and JSON ----------------------------------------------------------------------------


def _parquet_source(con: duckdb.DuckDBPyConnection, upload: _Upload) -> Source:
    name = upload.path.name
    call = _call("read_parquet", _binary_file(upload), {})
    try:
        relation, columns = _flattened(con, call)
    except duckdb.Error as err:
        raise keyed_error(IngestError, "errors.ingest.parquet_damaged", file=name, reason=_first_line(err)) from err
    return Source(relation, columns, name, 1, tuple(upload.temps))


def _json_source(con: duckdb.DuckDBPyConnection, upload: _Upload) -> Source:
    """A read_json call; the records are parsed once here, so malformed JSON is refused before the load."""
    scan, compression = _text_file(upload)
    kind, name = upload.sniffed.kind, upload.path.name
    call = _call("read_json", scan, {"format": "array" if kind == "json" else "newline_delimited",
                                     "compression": compression})
    try:
        con.execute(exp.select(exp.func("count", exp.Star())).from_(call).sql("duckdb")).fetchall()
        relation, columns = _flattened(con, call)
    except duckdb.Error as err:
        raise _json_error(name, scan, compression == "gzip", kind, err) from err
    if not columns or [c.name for c in columns] == ["json"]:
        raise keyed_error(IngestError, "errors.ingest.json_no_records", file=name)
    return Source(relation, columns, name, 1, tuple(upload.temps))


def _json_error(name: str, scan: Path, gzipped: bool, kind: str, err: duckdb.Error) -> IngestError:
    """Where the JSON breaks, found with Python's parser: DuckDB's own line numbers run one too high."""
    place = _bad_json_line(scan, gzipped, kind)
    if place:
        line, reason = place
        return keyed_error(IngestError, "errors.ingest.json_bad_line", file=name, line=f"{line:,}", reason=reason)
    return keyed_error(IngestError, "errors.ingest.json_unreadable", file=name, reason=_first_line(err))


def _bad_json_line(scan: Path, gzipped: bool, kind: str) -> tuple[int, str] | None:
    with _source_stream(scan, gzipped) as source:
        if kind == "ndjson":
            for number, raw in enumerate(source, 1):
                try:
                    if raw.strip():
                        json.loads(raw)
                except ValueError as err:
                    return number, getattr(err, "msg", str(err)).lower()
            return None
        if scan.stat().st_size > 32 * CHUNK:  # a whole-document parse is only affordable for smaller files
            return None
        try:
            json.loads(source.read())
        except ValueError as err:
            return getattr(err, "lineno", 1), getattr(err, "msg", str(err)).lower()
    return None


def _first_line(err: Exception) -> str:
    text = re.sub(r"^[A-Za-z ]*Error: ", "", str(err).strip())
    return (text.splitlines() or [type(err).__name__])[0]


def _flattened(con: duckdb.DuckDBPyConnection, call: exp.Expression) -> tuple[exp.Expression, tuple[SourceColumn, ...]]:
    """Nested records one level flat: {"cust": {"city": ...}} gives "cust.city"; deeper values stay JSON text."""
    relation = con.sql(exp.select("*").from_(call).sql("duckdb"))
    outputs: list[tuple[str, exp.Expression, str]] = []
    for name, kind in zip(relation.columns, relation.types, strict=True):
        column = exp.column(name, quoted=True)
        if kind.id == "struct":
            for child, child_kind in kind.children:
                field = exp.func("struct_extract", column, exp.Literal.string(child))
                outputs.append((f"{name}.{child}", *_scalar(field, child_kind)))
        else:
            outputs.append((name, *_scalar(column, kind)))
    names = column_names([o[0] for o in outputs])
    columns = tuple(SourceColumn(n, o[2]) for n, o in zip(names, outputs, strict=True))
    if names == list(relation.columns) and all(isinstance(o[1], exp.Column) for o in outputs):
        return call, columns
    select = exp.select(*[o[1].as_(n, quoted=True) for n, o in zip(names, outputs, strict=True)]).from_(call)
    return select.subquery(), columns


def _scalar(value: exp.Expression, kind: duckdb.typing.DuckDBPyType) -> tuple[exp.Expression, str]:
    if kind.id in _NESTED or str(kind) == "JSON":
        return exp.cast(exp.func("to_json", value), "VARCHAR"), "VARCHAR"
    return value, str(kind)
