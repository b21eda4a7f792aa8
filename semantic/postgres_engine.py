"""Run compiled SQL live on PostgreSQL: the same interface as `DuckDBEngine`, nothing copied.

A live model (its `connection` names a saved connection) is compiled to
PostgreSQL's dialect and executed where the data lives, through psycopg:

- every query runs in a READ ONLY transaction with a server-side
  `statement_timeout`, so a runaway query is stopped by the server (and a lost
  client cannot leave it running) → `QueryTimeoutError`;
- rows come through a server-side cursor that fetches at most `max_rows + 1`
  rows, so a query without LIMIT never pulls a whole table into memory; the
  extra row only tells us the result was truncated;
- NUMERIC arrives as float (Beacon's results are for charts, not ledgers) and
  the frame's columns are named as `CompiledSQL.columns` says, since PostgreSQL
  truncates identifiers longer than 63 bytes;
- results are cached by (SQL, parameters) for `cache_ttl_s` seconds only: unlike
  the warehouse file, a live database changes without telling us, so a cached
  number is at most that old. `cache_ttl_s=0` switches the cache off;
- connections are kept in a small lock-protected pool: each query checks one
  out, so the engine is safe to share between the app's threads.

Error messages are in words and never contain the URI's password.

>>> PostgresEngine("postgresql://ana:s3cret@db.internal/sales")  # connects lazily
PostgresEngine('postgresql://ana:***@db.internal/sales')
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import polars as pl
import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.pq import TransactionStatus
from psycopg.types.numeric import FloatLoader

from errors import ExecutionError, InputError, QueryTimeoutError, SourceConnectionError, redact
from semantic.compile import CompiledSQL
from semantic.engine import QueryResult
from viz.i18n import keyed_error

CONNECT_TIMEOUT_S = 10
# Visible tables and views, public first; partitions are reached through their parent.
TABLES_SQL = """
SELECT n.nspname, c.relname
FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  AND has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')
ORDER BY n.nspname <> 'public', n.nspname, c.relname
"""
_SETTINGS_SQL = ("SELECT set_config('statement_timeout', %s, true), "
                 "set_config('cursor_tuple_fraction', '1', true)")  # plan for the whole result, not the first rows
_POLARS_TYPES: dict[str, Any] = {
    "int2": pl.Int64, "int4": pl.Int64, "int8": pl.Int64, "float4": pl.Float64, "float8": pl.Float64,
    "numeric": pl.Float64, "bool": pl.Boolean, "date": pl.Date, "timestamp": pl.Datetime("us"),
    "timestamptz": pl.Datetime("us", "UTC"), "text": pl.String, "varchar": pl.String, "bpchar": pl.String,
}
_SCHEMES = ("postgresql", "postgres")


class PostgresEngine:
    """A live PostgreSQL database behind the engine interface. Thread-safe: share one per database."""

    dialect = "postgres"

    def __init__(self, uri: str, timeout_s: float = 30.0, max_rows: int = 100_000, cache_ttl_s: float = 60.0,
                 cache_size: int = 256, pool_size: int = 4) -> None:
        self._conninfo = pg_conninfo(uri)
        self._password = conninfo_to_dict(self._conninfo).get("password") or ""
        self._label = _label(uri, self._password)
        self.timeout_s, self.max_rows, self.cache_ttl_s = timeout_s, max_rows, cache_ttl_s
        self._cache: OrderedDict[tuple[object, ...], tuple[float, QueryResult]] = OrderedDict()
        self._cache_size, self._pool_size = cache_size, pool_size
        self._idle: list[psycopg.Connection[Any]] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PostgresEngine({self._label!r})"

    def run(self, compiled: CompiledSQL) -> QueryResult:
        """Execute read-only with the time and row limits; serve a cached result younger than the TTL."""
        if compiled.dialect not in ("postgres", "postgresql"):
            raise keyed_error(InputError, "errors.postgres.dialect", dialect=compiled.dialect)
        key = (compiled.sql, compiled.params)
        hit = self._cached(key)
        if hit is not None:
            return QueryResult(hit.frame, compiled, hit.truncated, 0.0, from_cache=True)
        started = time.perf_counter()
        names, types, rows = self._fetch(compiled)
        truncated = len(rows) > self.max_rows
        frame = _frame(rows[: self.max_rows], _column_names(compiled, names), types)
        result = QueryResult(frame, compiled, truncated, (time.perf_counter() - started) * 1000)
        self._store(key, result)
        return result

    def table_names(self) -> list[str]:
        """Tables and views this user may read: `orders` in schema public, `sales.orders` elsewhere."""
        try:
            with self._connection() as conn, conn.transaction():
                rows = conn.execute(TABLES_SQL).fetchall()
        except psycopg.Error as err:
            raise self._error(err) from err
        return [qualified_name(schema, name) for schema, name in rows]

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    def close(self) -> None:
        """Close the pooled connections; the engine reconnects if used again."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def _fetch(self, compiled: CompiledSQL) -> tuple[list[str], list[str], list[tuple[Any, ...]]]:
        """Column names, PostgreSQL type names and up to max_rows + 1 rows.

        A pooled connection the server has dropped (restart, idle time-out) fails on first use:
        the query is read-only, so it is retried once on a fresh connection.
        """
        for attempt in range(2):
            try:
                with self._connection(fresh=attempt > 0) as conn:
                    return self._fetch_on(conn, compiled)
            except psycopg.Error as err:
                if attempt == 0 and _disconnected(err):
                    continue
                raise self._error(err) from err
        raise AssertionError("unreachable")

    def _fetch_on(self, conn: psycopg.Connection[Any],
                  compiled: CompiledSQL) -> tuple[list[str], list[str], list[tuple[Any, ...]]]:
        with conn.transaction():  # BEGIN READ ONLY, see _connect
            conn.execute(_SETTINGS_SQL, [f"{max(1, round(self.timeout_s * 1000))}ms"])
            with conn.cursor(name="beacon_query") as cursor:
                cursor.execute(compiled.sql.rstrip().rstrip(";"), list(compiled.params) or None)  # DECLARE ... FOR
                rows = cursor.fetchmany(self.max_rows + 1)
                description = cursor.description or []
        types = [_type_name(conn, column.type_code) for column in description]
        return [column.name for column in description], types, rows

    def _error(self, err: psycopg.Error) -> Exception:
        """The Beacon error for a driver error, in words and without the password."""
        if isinstance(err, psycopg.errors.QueryCanceled):
            return keyed_error(QueryTimeoutError, "errors.query.timeout_postgres", seconds=f"{self.timeout_s:g}")
        if _disconnected(err):
            return keyed_error(SourceConnectionError, "errors.postgres.lost", where=self._label,
                               reason=scrub(libpq_reason(str(err)), self._password))
        return keyed_error(ExecutionError, "errors.postgres.failed", reason=_server_message(err, self._password))

    @contextmanager
    def _connection(self, fresh: bool = False) -> Iterator[psycopg.Connection[Any]]:
        """Check a connection out of the pool; put it back only if it is healthy and idle."""
        conn = self._connect() if fresh else self._checkout()
        try:
            yield conn
        finally:
            self._checkin(conn)

    def _checkin(self, conn: psycopg.Connection[Any]) -> None:
        healthy = not conn.closed and conn.info.transaction_status == TransactionStatus.IDLE
        with self._lock:
            if healthy and len(self._idle) < self._pool_size:
                self._idle.append(conn)
                return
        conn.close()

    def _checkout(self) -> psycopg.Connection[Any]:
        with self._lock:
            while self._idle:
                conn = self._idle.pop()
                if not conn.closed and not conn.broken:
                    return conn
        return self._connect()

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            conn = psycopg.connect(self._conninfo)
        except psycopg.Error as err:
            raise keyed_error(SourceConnectionError, "errors.database.cannot_connect", where=self._label,
                              reason=scrub(libpq_reason(str(err)), self._password)) from None
        conn.read_only = True  # every transaction psycopg opens is BEGIN READ ONLY
        conn.adapters.register_loader("numeric", FloatLoader)
        return conn

    def _cached(self, key: tuple[object, ...]) -> QueryResult | None:
        with self._lock:
            entry = self._cache.get(key)
            if entry is None:
                return None
            if time.monotonic() - entry[0] >= self.cache_ttl_s:
                del self._cache[key]
                return None
            self._cache.move_to_end(key)
            return entry[1]

    def _store(self, key: tuple[object, ...], result: QueryResult) -> None:
        if self.cache_ttl_s <= 0:
            return
        with self._lock:
            self._cache[key] = (time.monotonic(), result)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)


def pg_conninfo(uri: str) -> str:
    """A libpq connection string for `uri` with Beacon's defaults where the URI sets none.

    >>> pg_conninfo("postgres://ana@db/sales?connect_timeout=3")
    'user=ana connect_timeout=3 dbname=sales host=db application_name=beacon'
    """
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme not in _SCHEMES:
        raise keyed_error(InputError, "errors.postgres.uri")
    try:
        params = conninfo_to_dict(uri)
    except psycopg.ProgrammingError:
        raise keyed_error(InputError, "errors.postgres.uri_unreadable") from None
    params.setdefault("connect_timeout", str(CONNECT_TIMEOUT_S))
    params.setdefault("application_name", "beacon")
    return make_conninfo("", **params)


def qualified_name(schema: str, name: str) -> str:
    """How Beacon names a PostgreSQL table: bare in schema public, `schema.table` elsewhere."""
    return name if schema == "public" else f"{schema}.{name}"


def libpq_reason(message: str) -> str:
    """The useful part of a libpq/psycopg/ADBC connection error, on one line.

    >>> libpq_reason('connection failed: connection to server at "h", port 5 failed: FATAL:  database "x" '
    ...              'does not exist')
    'database "x" does not exist'
    """
    text = re.sub(r"^(\w+: )?\[libpq\] (Failed to connect: )?", "", message.strip())  # ADBC's prefix
    text = text.rsplit(" failed: ", 1)[-1]
    text = re.sub(r"\.?\s*SQLSTATE: \w+\s*$", "", text.strip())
    text = re.sub(r"^(FATAL|ERROR):\s+", "", text.strip())
    return re.sub(r"\s*\n\s*", ". ", text.strip()) or "no reason given"


def scrub(text: str, password: str) -> str:
    """Replace the password (plain and %-encoded) wherever a driver may have echoed it."""
    for secret in {password, quote(password, safe="")} - {""}:
        text = text.replace(secret, "***")
    return text


def _label(uri: str, password: str) -> str:
    """The URI with its password hidden, for messages and repr."""
    return scrub(redact(uri), password)


def _disconnected(err: psycopg.Error) -> bool:
    """A client-side connection failure (no SQLSTATE) or the server ending the session."""
    return isinstance(err, psycopg.OperationalError) and (err.sqlstate is None or err.sqlstate.startswith("57P"))


def _server_message(err: psycopg.Error, password: str) -> str:
    diag = getattr(err, "diag", None)
    primary = diag.message_primary if diag is not None else None
    return scrub(primary or libpq_reason(str(err)), password)


def _type_name(conn: psycopg.Connection[Any], oid: int) -> str:
    info = conn.adapters.types.get(oid)
    return info.name if info is not None else ""


def _column_names(compiled: CompiledSQL, names: list[str]) -> list[str]:
    return list(compiled.columns) if len(compiled.columns) == len(names) else names


def _frame(rows: Sequence[tuple[Any, ...]], names: list[str], types: list[str]) -> pl.DataFrame:
    """Rows to a frame, typed from PostgreSQL's column types so an empty result keeps its types."""
    overrides = {name: _POLARS_TYPES[kind] for name, kind in zip(names, types, strict=True) if kind in _POLARS_TYPES}
    return pl.DataFrame(list(rows), schema=names, schema_overrides=overrides, orient="row",
                        infer_schema_length=None)
