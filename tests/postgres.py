"""A throwaway PostgreSQL 15 server for tests, and a fast loader of DuckDB tables into it.

The compiler claims PostgreSQL support, so its SQL is run on a real server, not
on a look-alike: `initdb` into a temporary directory, start on a free port with
durability switched off (the data dies with the test session anyway), load the
warehouse's tables with binary COPY, stop and delete everything at the end.

Use the `postgres_url` fixture by importing it into a test module:

    from tests.postgres import postgres_url  # noqa: F401

Without the PostgreSQL binaries the fixture skips, unless the CI environment
variable is set: there a missing server is a broken build, not a skipped test.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import psycopg
import pytest
from psycopg import sql

PG_BIN = Path(os.environ.get("BEACON_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_USER = "postgres"
DATABASE = "beacon"
START_TIMEOUT_S = 30.0
SERVER_OPTIONS = ("-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                  "-c full_page_writes=off")

# DuckDB column type → PostgreSQL column type (and the binary COPY type of its values).
PG_TYPES = {
    "VARCHAR": "text", "INTEGER": "integer", "BIGINT": "bigint", "DOUBLE": "double precision",
    "DATE": "date", "TIMESTAMP": "timestamp", "BOOLEAN": "boolean", "SMALLINT": "smallint",
    "FLOAT": "real",
}


class PostgresServer:
    """One PostgreSQL cluster in a temporary directory, run as the `postgres` user when we are root.

    >>> with PostgresServer() as server:  # doctest: +SKIP
    ...     psycopg.connect(server.url).execute("SELECT 1").fetchone()
    (1,)
    """

    def __init__(self, bin_dir: Path = PG_BIN, timeout_s: float = START_TIMEOUT_S) -> None:
        self.bin_dir, self.timeout_s = bin_dir, timeout_s
        self.base = Path(tempfile.mkdtemp(prefix="beacon-pg-"))
        self.run_dir = self.base / "run"
        self.data_dir, self.log_file = self.run_dir / "data", self.run_dir / "server.log"
        self.port = 0
        self.started = False

    @property
    def url(self) -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{DATABASE}"

    def __enter__(self) -> PostgresServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        """initdb, start on a free port, wait until it answers, create the database."""
        self._prepare_dirs()
        self._run("initdb", "-D", str(self.data_dir), "--auth=trust", "-U", PG_USER,
                  "--encoding=UTF8", "--locale=C", "--no-sync")
        self.port = free_port()
        options = f"-p {self.port} -k {self.run_dir} {SERVER_OPTIONS}"
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options,
                  "-w", "-t", str(int(self.timeout_s)), "start")
        self.started = True
        self._wait_until_ready()
        with psycopg.connect(self._admin_url(), autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))

    def stop(self) -> None:
        """Fast shutdown (rolls back open sessions), then delete the cluster."""
        if self.started:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop", check=False)
            self.started = False
        shutil.rmtree(self.base, ignore_errors=True)

    def log(self) -> str:
        try:
            return self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log was written)"

    def _prepare_dirs(self) -> None:
        # mkdtemp makes a 0700 directory; the postgres user must be able to enter it.
        self.base.chmod(0o755)
        self.run_dir.mkdir(mode=0o700)
        if _as_other_user():
            account = pwd.getpwnam(PG_USER)
            os.chown(self.run_dir, account.pw_uid, account.pw_gid)

    def _admin_url(self) -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/postgres"

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                psycopg.connect(self._admin_url(), connect_timeout=2).close()
                return
            except psycopg.OperationalError as err:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL did not accept connections on port {self.port} "
                                       f"within {self.timeout_s:g} s: {err}\n"
                                       f"--- server log ---\n{self.log()}") from err
                time.sleep(0.05)

    def _run(self, tool: str, *args: str, check: bool = True) -> None:
        command = [str(self.bin_dir / tool), *args]
        if _as_other_user():
            command = ["runuser", "-u", PG_USER, "--", *command]
        done = subprocess.run(command, cwd=self.base, capture_output=True, text=True,
                              timeout=self.timeout_s + 30, check=False)
        if check and done.returncode != 0:
            raise RuntimeError(f"`{' '.join(command)}` failed with exit code {done.returncode}:\n"
                               f"{done.stdout}{done.stderr}\n--- server log ---\n{self.log()}")


def _as_other_user() -> bool:
    """PostgreSQL refuses to run as root, so root runs its tools as the postgres user."""
    return os.geteuid() == 0


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def missing_requirement(bin_dir: Path = PG_BIN) -> str | None:
    """Why a server cannot be started here, or None when it can."""
    for tool in ("initdb", "pg_ctl", "postgres"):
        if not (bin_dir / tool).is_file():
            return f"PostgreSQL binaries not found: no {bin_dir / tool} (set BEACON_PG_BIN)"
    if _as_other_user():
        if shutil.which("runuser") is None:
            return "running as root and `runuser` is missing, so PostgreSQL cannot be started"
        try:
            pwd.getpwnam(PG_USER)
        except KeyError:
            return f"running as root and there is no '{PG_USER}' system user to run PostgreSQL as"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URI of a fresh, empty `beacon` database on a server that lives for the test session."""
    reason = missing_requirement()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs a PostgreSQL server for the dialect tests: {reason}")
        pytest.skip(reason)
    with PostgresServer() as server:
        yield server.url


def load_duckdb_tables(duckdb_con: duckdb.DuckDBPyConnection, pg_url: str, tables: Sequence[str]) -> None:
    """Copy `tables` from DuckDB into PostgreSQL: same names, matching column types, binary COPY.

    Each table is dropped and created again, so loading twice gives the same data, then analysed:
    without statistics the planner takes a fresh table for empty and picks nested loops that
    run for minutes.
    """
    cursor = duckdb_con.cursor()
    try:
        with psycopg.connect(pg_url) as pg:
            for table in tables:
                columns = _duckdb_columns(cursor, table)
                _create_table(pg, table, columns)
                _copy_rows(cursor, pg, table, columns)
            pg.commit()
            for table in tables:
                pg.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
    finally:
        cursor.close()


def _duckdb_columns(cursor: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """(column name, PostgreSQL type) of a DuckDB table, in column order."""
    rows = cursor.execute("SELECT column_name, data_type FROM information_schema.columns "
                          "WHERE table_name = ? ORDER BY ordinal_position", [table]).fetchall()
    if not rows:
        raise ValueError(f"No table '{table}' in the DuckDB database.")
    unknown = [f"{name} {kind}" for name, kind in rows if kind not in PG_TYPES]
    if unknown:
        raise ValueError(f"No PostgreSQL type for {table}: {', '.join(unknown)}. "
                         f"Known types: {', '.join(PG_TYPES)}.")
    return [(name, PG_TYPES[kind]) for name, kind in rows]


def _create_table(pg: psycopg.Connection, table: str, columns: list[tuple[str, str]]) -> None:
    definitions = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind))
                                     for name, kind in columns)
    pg.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
    pg.execute(sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(table), definitions))


def _copy_rows(cursor: duckdb.DuckDBPyConnection, pg: psycopg.Connection, table: str,
               columns: list[tuple[str, str]], batch: int = 50_000) -> None:
    names = [sql.Identifier(name) for name, _ in columns]
    select = sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(names), sql.Identifier(table))
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(table), sql.SQL(", ").join(names))
    result = cursor.execute(select.as_string())
    with pg.cursor() as pg_cursor, pg_cursor.copy(copy_sql) as copy:
        copy.set_types([kind for _, kind in columns])
        while rows := result.fetchmany(batch):
            for row in rows:
                copy.write_row(row)
