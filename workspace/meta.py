"""The workspace's metadata store: one SQLite file in WAL mode, shared by every area of the app.

Each area (dashboards, feedback, runs, users, audit...) owns its tables and
declares them as a schema script of `CREATE TABLE IF NOT EXISTS` statements;
`MetaStore(path, schema)` applies that script once per process, so areas never
edit a common schema file. Writes take the database's write lock up front
(`BEGIN IMMEDIATE`) and either commit whole or roll back whole, so a crash or
an error mid-save leaves the previous state; the app's threads and a CLI
running beside it wait for each other instead of failing.

>>> store = MetaStore(Path("/tmp/meta-doc.sqlite"), "CREATE TABLE IF NOT EXISTS notes (body TEXT);")
>>> with store.write() as con:
...     _ = con.execute("INSERT INTO notes VALUES ('hello')")
>>> with store.read() as con:
...     con.execute("SELECT count(*) FROM notes").fetchone()[0] >= 1
True
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

BUSY_TIMEOUT_MS = 30_000
_applied: set[tuple[str, str]] = set()
_lock = threading.Lock()


class MetaStore:
    """Transactions over the metadata file, with this area's tables created on first use."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path = path
        self.schema = schema

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                              check_same_thread=False)
        con.row_factory = sqlite3.Row
        con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        con.execute("PRAGMA foreign_keys = ON")
        key = (str(self.path.resolve()), self.schema)
        with _lock:
            if key not in _applied:
                con.execute("PRAGMA journal_mode = WAL")
                con.executescript(self.schema)
                _applied.add(key)
        return con

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is committed, or, on any exception, none of it."""
        with closing(self._connect()) as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for reading."""
        with closing(self._connect()) as con:
            con.execute("BEGIN")
            try:
                yield con
            finally:
                con.execute("ROLLBACK")
