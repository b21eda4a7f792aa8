"""Writes to the warehouse: made on a private copy and swapped in whole when they succeed.

Readers (the app's engine, a CLI query) keep the file open read-only. A writer
copies the warehouse, changes the copy and renames it over the original in one
step, so a reader sees the old data or the new, never half a load, and a failed
load leaves the warehouse exactly as it was. Writers queue on a lock file, so two
loads (from the app and the CLI) never lose each other's tables.

>>> import tempfile
>>> path = Path(tempfile.mkdtemp()) / "w.duckdb"
>>> with write_transaction(path) as con:
...     _ = con.execute("CREATE TABLE t AS SELECT 1 AS x")
>>> path.exists()
True
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from errors import WarehouseError
from viz.i18n import keyed_error


@contextmanager
def write_transaction(warehouse: Path, wait_s: float = 300.0,
                      fresh: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a copy of `warehouse` (an empty one when `fresh`), swapped in on success."""
    _file_step(lambda _, folder: folder.mkdir(parents=True, exist_ok=True), warehouse, warehouse.parent)
    with _writer_lock(warehouse, wait_s):
        copy = warehouse.with_name(f".{warehouse.name}.{os.getpid()}-{threading.get_ident()}.tmp")
        try:
            copy.unlink(missing_ok=True)
            if warehouse.exists() and not fresh:
                _file_step(shutil.copyfile, warehouse, copy)
            con = duckdb.connect(str(copy))
            try:
                yield con
            finally:
                con.close()
            _file_step(os.replace, copy, warehouse)
        finally:
            copy.unlink(missing_ok=True)
            Path(f"{copy}.wal").unlink(missing_ok=True)


def _file_step(step: Callable[[Path, Path], object], source: Path, target: Path) -> None:
    try:
        step(source, target)
    except OSError as err:
        raise keyed_error(WarehouseError, "errors.warehouse.unwritable", path=str(target),
                          reason=str(err.strerror or err)) from err


@contextmanager
def _writer_lock(warehouse: Path, wait_s: float) -> Iterator[None]:
    """One writer at a time per warehouse, across threads and processes."""
    lock_path = warehouse.with_name(f".{warehouse.name}.lock")
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as err:
                if time.monotonic() > deadline:
                    raise keyed_error(WarehouseError, "errors.warehouse.busy", name=warehouse.name,
                                      seconds=f"{wait_s:g}") from err
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
