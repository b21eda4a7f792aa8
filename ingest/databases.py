"""Read a table from PostgreSQL, MySQL or SQLite into Arrow, ready for the load step.

A database is named by a URI: `postgresql://` (or `postgres://`), `mysql://`, or
`sqlite:///path` (SQLAlchemy's convention: three slashes for a relative path,
four for an absolute one). `database_source` reads a table `list_tables` shows
through a Python driver, registers the Arrow table on the DuckDB write
connection and returns a `Source`, so the load step writes it like any file.

Drivers (150k demo orders on a local PostgreSQL 15, best of 7: ADBC 251 ms,
connectorx 224 ms, psycopg fetchmany 564 ms, psycopg binary COPY 697 ms):
- PostgreSQL: ADBC, which streams binary COPY into Arrow record batches, fails
  at once on a refused connection (connectorx retries for 30 s) and keeps
  NUMERIC(p, s) exact as decimal(p, s) (float64 when unconstrained or > 38 digits);
- SQLite: the standard library, typed by declared column types (ADBC's SQLite
  driver guesses types from the first rows and fails on a NULL-led column);
- MySQL: PyMySQL with an unbuffered cursor (pure Python: ~4 s for 150k rows).

Rows arrive in batches (record batches, or `fetchmany` turned into Arrow at
once), so Python never holds a second full copy beside the Arrow table. A value
that does not fit its column's declared type (SQLite lets a column hold
anything) widens that column, integer to float to text, and the table is read
again rather than failing the load. Table names are checked against
`list_tables` and quoted by sqlglot; messages never contain a password.

>>> parse_uri("mysql://ana:s3cret@db.internal/shop")
DatabaseURI(kind='mysql', host='db.internal', port=3306, database='shop', user='ana', path=None)
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

import adbc_driver_manager
import adbc_driver_postgresql.dbapi as adbc_pg
import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pymysql
import pymysql.cursors
from pymysql.constants import FIELD_TYPE
from sqlglot import exp

from errors import IngestError, InputError, SourceConnectionError, redact, suggest
from ingest.source import Source, SourceColumn, table_ref
from semantic.postgres_engine import TABLES_SQL, libpq_reason, pg_conninfo, qualified_name, scrub
from viz.i18n import keyed_error

BATCH_ROWS = 20_000
CONNECT_TIMEOUT_S = 10
_KINDS = {"postgresql": "postgres", "postgres": "postgres", "mysql": "mysql", "sqlite": "sqlite"}
_DEFAULT_PORTS = {"postgres": 5432, "mysql": 3306}
_NAMES = {"postgres": "PostgreSQL", "mysql": "MySQL", "sqlite": "SQLite"}


@dataclass(frozen=True)
class DatabaseURI:
    """A parsed database URI. The password and the raw URI stay out of repr and str."""

    kind: str  # postgres, mysql, sqlite (the catalog's kinds)
    host: str = ""
    port: int | None = None
    database: str = ""
    user: str = ""
    path: Path | None = None  # SQLite only
    password: str = field(default="", repr=False)
    uri: str = field(default="", repr=False)

    @property
    def label(self) -> str:
        """The URI as it may be shown: 'postgresql://ana:***@db/sales'."""
        return scrub(redact(self.uri), self.password)

    @property
    def where(self) -> dict[str, object]:
        """The values of a message that names this database (`{where}`: 'the MySQL database 'shop' on db:3306')."""
        if self.kind == "sqlite":
            return {"where_key": "errors.database.at_sqlite", "path": str(self.path)}
        key = "errors.database.at_server_user" if self.user else "errors.database.at_server"
        return {"where_key": key, "name": _NAMES[self.kind], "database": self.database, "host": self.host,
                "port": self.port, "user": self.user}


def parse_uri(uri: str) -> DatabaseURI:
    """Split a database URI into its parts; say in words what is wrong with a bad one."""
    parts = urlsplit(uri.strip())
    kind = _KINDS.get(parts.scheme.lower())
    if kind is None:
        raise keyed_error(InputError, "errors.database.scheme" if parts.scheme else "errors.database.no_scheme",
                          scheme=parts.scheme)
    if kind == "sqlite":
        return _sqlite_uri(parts, uri)
    try:
        port = parts.port or _DEFAULT_PORTS[kind]
    except ValueError:
        raise keyed_error(InputError, "errors.database.port", name=_NAMES[kind]) from None
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise keyed_error(InputError, "errors.database.no_database", name=_NAMES[kind], scheme=parts.scheme, port=port)
    password = unquote(parts.password or "") or dict(parse_qsl(parts.query)).get("password", "")
    return DatabaseURI(kind, parts.hostname or "localhost", port, database, unquote(parts.username or ""),
                       password=password, uri=uri.strip())


def _sqlite_uri(parts: SplitResult, uri: str) -> DatabaseURI:
    if parts.netloc or not parts.path.startswith("/") or len(parts.path) < 2:
        raise keyed_error(InputError, "errors.database.sqlite_uri")
    return DatabaseURI("sqlite", path=Path(unquote(parts.path[1:])), uri=uri.strip())


def list_tables(uri: str) -> list[str]:
    """The tables and views Beacon can read, as `database_source` accepts them.

    PostgreSQL names outside schema public carry their schema: `orders`, `sales.targets`.
    """
    location = parse_uri(uri)
    with _connect(location) as conn:
        return list(_DRIVERS[location.kind].tables(conn))


def database_source(con: duckdb.DuckDBPyConnection, uri: str, table: str, limit: int | None = None) -> Source:
    """Read `table` (at most `limit` rows) into Arrow and register it on `con` for the load step."""
    return arrow_source(con, read_table(uri, table, limit), f"{parse_uri(uri).label} · {table}")


def read_table(uri: str, table: str, limit: int | None = None) -> pa.Table:
    """The rows of `table` as Arrow; needs no warehouse, so a slow network read need not hold its write lock."""
    if limit is not None and limit < 0:
        raise keyed_error(InputError, "errors.database.row_limit", limit=limit)
    location = parse_uri(uri)
    driver = _DRIVERS[location.kind]
    with _connect(location) as conn:
        tables = driver.tables(conn)
        if table not in tables:
            raise _unknown_table(location, table, tables)
        select = exp.select("*").from_(tables[table])
        if limit is not None:
            select = select.limit(limit)
        try:
            return driver.read(conn, tables[table], select.sql(dialect=driver.dialect))
        except driver.errors as err:
            raise keyed_error(IngestError, "errors.database.unreadable", table=table, label=location.label,
                              reason=_reason(err, location)) from None


def arrow_source(con: duckdb.DuckDBPyConnection, arrow: pa.Table, label: str) -> Source:
    """Register `arrow` on `con` under a fresh name (gone when `con` closes) and describe its columns."""
    view = f"_beacon_db_{uuid.uuid4().hex[:12]}"
    con.register(view, arrow)
    relation = table_ref(view)
    scan = con.sql(exp.select("*").from_(relation).sql(dialect="duckdb"))
    columns = tuple(SourceColumn(name, str(kind)) for name, kind in zip(scan.columns, scan.types, strict=True))
    return Source(relation=relation, columns=columns, label=label, first_row=1)


def _unknown_table(location: DatabaseURI, table: str, tables: dict[str, exp.Table]) -> IngestError:
    hints = suggest(table, tables)
    listed = "" if hints else "errors.database.has_one" if len(tables) == 1 else \
        "errors.database.has_many" if tables else "errors.database.has_none"
    return keyed_error(IngestError, "errors.database.no_table", table=table, label=location.label,
                       hint_key="errors.did_you_mean" if hints else "", suggestions_or=tuple(hints),
                       listed_key=listed, count=len(tables), first=next(iter(tables), ""))


@contextmanager
def _connect(location: DatabaseURI) -> Iterator[Any]:
    driver = _DRIVERS[location.kind]
    try:
        conn = driver.connect(location)
    except driver.errors as err:
        raise keyed_error(SourceConnectionError, "errors.database.cannot_connect", **location.where,
                          reason=_reason(err, location)) from None
    try:
        yield conn
    finally:
        conn.close()


def _reason(err: BaseException, location: DatabaseURI) -> str:
    """The driver's own words, on one line, with the password hidden."""
    args = getattr(err, "args", ())
    text = str(args[1]) if location.kind == "mysql" and len(args) == 2 else libpq_reason(str(err))
    text = scrub(redact(text), location.password)
    return text if text.endswith((".", "?", "!", ")")) else text + "."


# --- PostgreSQL: ADBC streams binary COPY into Arrow ---------------------------------------------

def _pg_connect(location: DatabaseURI) -> Any:
    conn = adbc_pg.connect(pg_conninfo(location.uri), autocommit=True)  # each statement its own transaction...
    with closing(conn.cursor()) as cursor:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")  # ...and every one read-only
    return conn


def _pg_tables(conn: Any) -> dict[str, exp.Table]:
    with closing(conn.cursor()) as cursor:
        cursor.execute(TABLES_SQL)
        rows = cursor.fetchall()
    return {qualified_name(schema, name): exp.Table(this=exp.to_identifier(name, quoted=True),
                                                    db=exp.to_identifier(schema, quoted=True))
            for schema, name in rows}


def _pg_read(conn: Any, _table: exp.Table, sql: str) -> pa.Table:
    with closing(conn.cursor()) as cursor:
        cursor.execute(sql)
        reader = cursor.fetch_record_batch()
        schema = pa.schema([_pg_field(f) for f in reader.schema])
        batches = [_pg_batch(batch, schema) for batch in reader]
    return pa.Table.from_batches(batches, schema)


def _pg_field(source: pa.Field) -> pa.Field:
    """ADBC hands PostgreSQL types Arrow has no name for (NUMERIC, enums...) over as opaque text."""
    kind = source.type
    if not isinstance(kind, pa.OpaqueType):
        return source
    if kind.type_name != "numeric":
        return source.with_type(kind.storage_type)
    typmod = int((source.metadata or {}).get(b"POSTGRESQL:typmod", b"-1"))
    precision, scale = ((typmod - 4) >> 16) & 0xFFFF, (typmod - 4) & 0xFFFF
    exact = typmod >= 4 and 0 <= scale <= precision <= 38
    return source.with_type(pa.decimal128(precision, scale) if exact else pa.float64())


def _pg_batch(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    if batch.schema.equals(schema):
        return batch
    arrays = [column if column.type == target.type else _pg_cast(column.storage, target.type)
              for column, target in zip(batch.columns, schema, strict=True)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _pg_cast(text: pa.Array, target: pa.DataType) -> pa.Array:
    """NUMERIC text to decimal or float; NaN and ±Infinity fit no decimal, so they become NULL there."""
    try:
        return pc.cast(text, target)
    except pa.ArrowInvalid:
        finite = pc.invert(pc.match_substring_regex(text, r"(?i)^[-+]?(nan|inf)"))
        return pc.cast(pc.if_else(finite, text, pa.scalar(None, pa.string())), target)


# --- SQLite: the standard library, typed by declared column types --------------------------------

def _sqlite_connect(location: DatabaseURI) -> sqlite3.Connection:
    assert location.path is not None
    if not location.path.is_file():
        raise sqlite3.OperationalError("the file does not exist")
    conn = sqlite3.connect(f"{location.path.resolve().as_uri()}?mode=ro", uri=True, timeout=CONNECT_TIMEOUT_S)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # fails here if the file is no database
    return conn


def _sqlite_tables(conn: sqlite3.Connection) -> dict[str, exp.Table]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").fetchall()
    return {name: table_ref(name) for (name,) in rows}


def _sqlite_read(conn: sqlite3.Connection, table: exp.Table, sql: str) -> pa.Table:
    declared = conn.execute("SELECT type FROM pragma_table_info(?)", [table.name]).fetchall()
    kinds = [_sqlite_kind(kind or "") for (kind,) in declared]
    return _read_rows(lambda: conn.execute(sql), lambda _cursor: kinds)


def _sqlite_kind(declared: str) -> pa.DataType | None:
    """SQLite's type affinity rules, plus the names people use for dates and booleans."""
    name = declared.upper()
    rules = (("BOOL", pa.bool_()), ("DATETIME", pa.timestamp("us")), ("TIMESTAMP", pa.timestamp("us")),
             ("DATE", pa.date32()), ("INT", pa.int64()), ("CHAR", pa.string()), ("CLOB", pa.string()),
             ("TEXT", pa.string()), ("BLOB", pa.binary()), ("REAL", pa.float64()), ("FLOA", pa.float64()),
             ("DOUB", pa.float64()), ("NUMERIC", pa.float64()), ("DECIMAL", pa.float64()))
    return next((kind for word, kind in rules if word in name), None)  # None: untyped, inferred from the values


# --- MySQL: PyMySQL, unbuffered ------------------------------------------------------------------

def _mysql_connect(location: DatabaseURI) -> pymysql.connections.Connection[Any]:
    return pymysql.connect(host=location.host, port=location.port or 3306, user=location.user or None,
                           password=location.password, database=location.database, charset="utf8mb4",
                           connect_timeout=CONNECT_TIMEOUT_S, cursorclass=pymysql.cursors.SSCursor)


def _mysql_tables(conn: pymysql.connections.Connection[Any]) -> dict[str, exp.Table]:
    with conn.cursor(pymysql.cursors.Cursor) as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() "
                       "ORDER BY table_name")
        rows = cursor.fetchall()
    return {name: table_ref(name) for (name,) in rows}


def _mysql_read(conn: pymysql.connections.Connection[Any], _table: exp.Table, sql: str) -> pa.Table:
    def execute() -> Any:
        cursor = conn.cursor(pymysql.cursors.SSCursor)
        cursor.execute(sql)
        return cursor

    return _read_rows(execute, lambda cursor: [_mysql_kind(d) for d in cursor.description])


_MYSQL_TYPES = {
    FIELD_TYPE.TINY: pa.int64(), FIELD_TYPE.SHORT: pa.int64(), FIELD_TYPE.LONG: pa.int64(),
    FIELD_TYPE.INT24: pa.int64(), FIELD_TYPE.LONGLONG: pa.int64(), FIELD_TYPE.YEAR: pa.int64(),
    FIELD_TYPE.FLOAT: pa.float64(), FIELD_TYPE.DOUBLE: pa.float64(), FIELD_TYPE.DATE: pa.date32(),
    FIELD_TYPE.NEWDATE: pa.date32(), FIELD_TYPE.DATETIME: pa.timestamp("us"),
    FIELD_TYPE.TIMESTAMP: pa.timestamp("us"), FIELD_TYPE.TIME: pa.duration("us"), FIELD_TYPE.BIT: pa.int64(),
}


def _mysql_kind(description: tuple[Any, ...]) -> pa.DataType | None:
    """Arrow type of a PyMySQL column: (name, type_code, display, length, length again, scale, null_ok).

    DECIMAL(p, s) reports p plus a sign and a point as its length, so a signed column arrives one
    digit wider than declared. Text and binary share type codes; their values tell them apart.
    """
    code, length, scale = description[1], description[3] or 0, description[5] or 0
    if code in (FIELD_TYPE.DECIMAL, FIELD_TYPE.NEWDECIMAL):
        precision = length - (1 if scale else 0)
        return pa.decimal128(precision, scale) if 0 <= scale <= precision <= 38 else pa.float64()
    return _MYSQL_TYPES.get(code)  # None: text, blobs, JSON, ENUM, SET... typed by their values


# --- rows to Arrow, one batch at a time ----------------------------------------------------------

class _Mismatch(Exception):
    def __init__(self, column: int, kind: pa.DataType) -> None:
        super().__init__(column)
        self.column, self.kind = column, kind


def _read_rows(execute: Callable[[], Any], kinds_of: Callable[[Any], list[pa.DataType | None]]) -> pa.Table:
    """Read a cursor in batches into Arrow; a column whose values do not fit is widened and read again.

    Each retry widens one column (integer → float → text, anything else → text) and text holds
    every value, so this ends after at most two retries per column.
    """
    widened: dict[int, pa.DataType] = {}
    while True:
        cursor = execute()
        try:
            kinds = [widened.get(i, kind) for i, kind in enumerate(kinds_of(cursor))]
            return _collect(cursor, [d[0] for d in cursor.description], kinds)
        except _Mismatch as bad:
            widened[bad.column] = pa.float64() if pa.types.is_integer(bad.kind) else pa.string()
        finally:
            cursor.close()


def _collect(cursor: Any, names: list[str], kinds: list[pa.DataType | None]) -> pa.Table:
    batches: list[pa.RecordBatch] = []
    while rows := cursor.fetchmany(BATCH_ROWS):
        arrays = [_array(list(values), kinds, i) for i, values in enumerate(zip(*rows, strict=True))]
        batches.append(pa.RecordBatch.from_arrays(arrays, names=names))
    schema = pa.schema([pa.field(n, k or pa.string()) for n, k in zip(names, kinds, strict=True)])
    # An untyped column read as empty text before its first value showed its type: cast those batches.
    return pa.Table.from_batches([b if b.schema.equals(schema) else b.cast(schema) for b in batches], schema)


def _array(values: list[Any], kinds: list[pa.DataType | None], index: int) -> pa.Array:
    """One column of one batch; an untyped column takes the type of its first non-empty batch."""
    kind = kinds[index]
    if kind is None:
        try:
            inferred = pa.array(values)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            raise _Mismatch(index, pa.string()) from None
        if pa.types.is_null(inferred.type):
            return pa.nulls(len(values), pa.string())  # all empty so far: text until values say otherwise
        kinds[index] = kind = inferred.type
    if pa.types.is_string(kind):
        return _text(values)
    try:
        return pa.array(values, kind)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return _parsed(values, kind, index)


def _parsed(values: list[Any], kind: pa.DataType, index: int) -> pa.Array:
    """Dates kept as text and booleans as 0/1 (SQLite), wide DECIMAL and BIT (MySQL); else widen the column."""
    try:
        plain = pa.array(values)
        if pa.types.is_binary(plain.type) and pa.types.is_integer(kind):
            return pa.array([None if v is None else int.from_bytes(v, "big") for v in values], kind)
        if (pa.types.is_string(plain.type) and pa.types.is_temporal(kind)) or \
                (pa.types.is_integer(plain.type) and pa.types.is_boolean(kind)) or \
                (pa.types.is_decimal(plain.type) and pa.types.is_floating(kind)):
            return pc.cast(plain, kind)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        pass
    raise _Mismatch(index, kind)


def _text(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values, pa.string())
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return pa.array([None if v is None else v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                         for v in values], pa.string())


@dataclass(frozen=True)
class _Driver:
    connect: Callable[[DatabaseURI], Any]
    tables: Callable[[Any], dict[str, exp.Table]]
    read: Callable[[Any, exp.Table, str], pa.Table]  # (connection, table, its SELECT in this dialect)
    errors: tuple[type[BaseException], ...]
    dialect: str


_DRIVERS = {
    "postgres": _Driver(_pg_connect, _pg_tables, _pg_read, (adbc_driver_manager.Error,), "postgres"),
    "sqlite": _Driver(_sqlite_connect, _sqlite_tables, _sqlite_read, (sqlite3.Error,), "sqlite"),
    "mysql": _Driver(_mysql_connect, _mysql_tables, _mysql_read, (pymysql.err.Error, OSError), "mysql"),
}
