"""Run compiled or guarded SQL on the warehouse: one database handle, a cursor per query.

The app serves every user from one process, so the engine opens the DuckDB file
once (read-only, with file access switched off) and gives each query its own
cursor, a time limit and a row limit. Results are cached by SQL and the data
version (the file's identity), so reopening a chart is instant and a rebuilt
warehouse — written elsewhere and swapped in atomically — is picked up on the
next query.

>>> import tempfile, duckdb
>>> path = Path(tempfile.mkdtemp()) / "w.duckdb"
>>> duckdb.connect(str(path)).execute("CREATE TABLE t AS SELECT 42 AS x").close()
>>> DuckDBEngine(path).run(CompiledSQL("SELECT x FROM t", ("x",), "duckdb")).frame["x"].to_list()
[42]
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb
import polars as pl
import pyarrow as pa

from errors import ExecutionError, QueryTimeoutError, WarehouseError
from semantic.compile import CompiledSQL
from viz.i18n import keyed_error

# Queries never need files, extensions or settings: switch them off for every reading connection.
# DuckDB shares one database instance per file and process, so anything else in the process that
# reads the same file must open it with this same configuration.
READ_CONFIG = {"enable_external_access": False, "lock_configuration": True}


@dataclass(frozen=True)
class QueryResult:
    frame: pl.DataFrame
    compiled: CompiledSQL
    truncated: bool
    elapsed_ms: float
    from_cache: bool = False


class Engine(Protocol):
    """What the rest of Beacon needs of an engine: the embedded warehouse or a live database."""

    dialect: str
    max_rows: int

    def run(self, compiled: CompiledSQL) -> QueryResult: ...


class DuckDBEngine:
    """The embedded warehouse engine. Thread-safe: share one per process."""

    dialect = "duckdb"

    def __init__(self, path: Path, timeout_s: float = 30.0, max_rows: int = 100_000,
                 cache_size: int = 256) -> None:
        self.path, self.timeout_s, self.max_rows = Path(path), timeout_s, max_rows
        self._cache: OrderedDict[tuple[object, ...], QueryResult] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._version: tuple[int, ...] = ()

    @property
    def data_version(self) -> tuple[int, ...]:
        """The warehouse file's identity: changes whenever a new warehouse is swapped in."""
        try:
            info = os.stat(self.path)
        except OSError as err:
            raise keyed_error(WarehouseError, "errors.warehouse.missing", path=self.path) from err
        return (info.st_ino, info.st_mtime_ns, info.st_size)

    def run(self, compiled: CompiledSQL) -> QueryResult:
        """Execute with the time and row limits; serve a cached result when the data has not changed."""
        cursor, version = self._cursor()
        key = (compiled.sql, compiled.params, version)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                hit = self._cache[key]
                return QueryResult(hit.frame, compiled, hit.truncated, 0.0, from_cache=True)
        result = self._execute(cursor, compiled)
        with self._lock:
            self._cache[key] = result
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only cursor for core code that builds its own SQL trees (profiling, model proposal)."""
        cursor, _ = self._cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def table_names(self) -> list[str]:
        with self.reader() as cursor:  # closed after, like every cursor handed out
            return [row[0] for row in cursor.execute("SHOW TABLES").fetchall()]

    def _cursor(self) -> tuple[duckdb.DuckDBPyConnection, tuple[int, ...]]:
        version = self.data_version
        with self._lock:
            if self._con is None or version != self._version:
                self._reopen(version)
            assert self._con is not None
            return self._con.cursor(), version

    def _reopen(self, version: tuple[int, ...]) -> None:
        if self._con is not None:
            self._con.close()
        try:
            self._con = duckdb.connect(str(self.path), read_only=True, config=READ_CONFIG)
        except duckdb.Error as err:
            raise keyed_error(WarehouseError, "errors.warehouse.unopenable", path=self.path, reason=str(err)) from err
        self._version = version
        self._cache.clear()

    def _execute(self, cursor: duckdb.DuckDBPyConnection, compiled: CompiledSQL) -> QueryResult:
        started = time.perf_counter()
        timer = threading.Timer(self.timeout_s, cursor.interrupt)
        timer.start()
        try:
            reader = cursor.sql(compiled.sql, params=list(compiled.params) or None).to_arrow_reader(8192)
            table, truncated = _read_limited(reader, self.max_rows)
        except duckdb.InterruptException as err:
            raise keyed_error(QueryTimeoutError, "errors.query.timeout", seconds=f"{self.timeout_s:g}") from err
        except duckdb.Error as err:
            raise keyed_error(ExecutionError, "errors.warehouse.failed", reason=str(err)) from err
        finally:
            timer.cancel()
            cursor.close()
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        return QueryResult(frame, compiled, truncated, (time.perf_counter() - started) * 1000)


def _read_limited(reader: pa.RecordBatchReader, max_rows: int) -> tuple[pa.Table, bool]:
    """Read at most `max_rows` rows; say whether more were there."""
    batches, count = [], 0
    for batch in reader:
        batches.append(batch)
        count += batch.num_rows
        if count > max_rows:
            return pa.Table.from_batches(batches, reader.schema).slice(0, max_rows), True
    return pa.Table.from_batches(batches, reader.schema), False
