"""Database sources and live PostgreSQL, on real servers with real data; saved connections on disk.

PostgreSQL runs as a throwaway server (tests/postgres.py) holding a copy of the
demo warehouse plus a few tables made here (another schema, every type, an odd
name). SQLite files are made with sqlite3. No MySQL server is available, so
MySQL is checked as far as parsing its URI and failing to reach it, in words.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import socket
import stat
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import adbc_driver_manager
import duckdb
import psycopg
import pyarrow as pa
import pytest
from psycopg import sql

from errors import (
    ExecutionError,
    IngestError,
    InputError,
    QueryTimeoutError,
    SourceConnectionError,
    UnknownNameError,
)
from ingest.databases import _pg_connect, database_source, list_tables, parse_uri, read_table
from ingest.source import Source
from semantic.compile import CompiledSQL, compile_query
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.postgres_engine import PostgresEngine, pg_conninfo
from semantic.query import Filter, SemanticQuery, TimeRange
from tests.conftest import same_rows
from tests.postgres import free_port, load_duckdb_tables, postgres_url  # noqa: F401
from tests.test_golden_sql import QUERIES
from workspace.home import Workspace
from workspace.secrets import (
    SecretsFileError,
    connection_names,
    connection_uri,
    delete_connection,
    save_connection,
    secrets_path,
)

TABLES = ("customers", "campaigns", "orders", "ad_spend", "campaign_events")
PASSWORD = "Sup3r-Secret_pw"
YEAR_2025 = TimeRange(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
LIVE_QUERIES = {
    "by_channel_and_month": SemanticQuery(metrics=("revenue", "orders"), dimensions=("channel",),
                                          time_grain="month", time_range=YEAR_2025),
    "mixed_facts_by_channel": SemanticQuery(metrics=("revenue", "spend", "roas"), dimensions=("channel",)),
    "comparison_previous_year": SemanticQuery(metrics=("revenue", "aov"), dimensions=("channel",),
                                              time_grain="quarter", time_range=YEAR_2025, compare="previous_year"),
    "filters_with_like": QUERIES["filters_of_every_kind"],
    "q2_not_douyin": SemanticQuery(metrics=("revenue", "clicks", "conversion_rate"),
                                   time_range=TimeRange(dt.date(2025, 4, 1), dt.date(2025, 6, 30)),
                                   filters=(Filter("channel", "!=", "Douyin"),)),
}


def _with_password(url: str, user: str, password: str, port: int | None = None) -> str:
    """postgresql://postgres@127.0.0.1:PORT/beacon → postgresql://USER:PASSWORD@127.0.0.1:PORT/beacon."""
    rest = url.split("@", 1)[1]
    if port is not None:
        rest = f"127.0.0.1:{port}/" + rest.split("/", 1)[1]
    return f"postgresql://{user}:{password}@{rest}"


def _pg_scalar(url: str, query: str) -> object:
    with psycopg.connect(url) as pg:
        row = pg.execute(query).fetchone()
    assert row is not None
    return row[0]


@pytest.fixture(scope="module")
def pg(demo_connection: duckdb.DuckDBPyConnection, postgres_url: str) -> str:  # noqa: F811
    """The demo tables, a table in another schema, a table of every type and an oddly named one."""
    load_duckdb_tables(demo_connection, postgres_url, TABLES)
    with psycopg.connect(postgres_url, autocommit=True) as pg_con:
        pg_con.execute("DROP SCHEMA IF EXISTS marketing CASCADE")
        pg_con.execute("CREATE SCHEMA marketing")
        pg_con.execute("CREATE TABLE marketing.targets (channel text, month date, target numeric(14, 2))")
        pg_con.execute("INSERT INTO marketing.targets VALUES ('Tmall', '2025-01-01', 1200000.50), "
                       "('JD', '2025-01-01', 800000.25), ('抖音', '2025-02-01', NULL)")
        pg_con.execute("DROP TABLE IF EXISTS typed_values, \"we\"\"ird name\"")
        pg_con.execute("CREATE TABLE typed_values (id integer, day date, seen_at timestamp, seen_tz timestamptz, "
                       "amount numeric(12, 2), ratio numeric, vip boolean, note text, big bigint)")
        pg_con.execute("INSERT INTO typed_values VALUES "
                       "(1, '2025-06-18', '2025-06-18 20:30:00.123456', '2025-06-18 12:00:00+00', 1234.56, "
                       "0.125, true, '会员日大促 🎉', 9007199254740993), "
                       "(2, NULL, NULL, NULL, NULL, 'NaN', NULL, NULL, NULL), "
                       "(3, '1999-12-31', '1999-12-31 23:59:59', NULL, -0.01, 1e20, false, '', -1)")
        pg_con.execute('CREATE TABLE "we""ird name" (x integer)')
        pg_con.execute('INSERT INTO "we""ird name" VALUES (7)')
        pg_con.execute("DROP SEQUENCE IF EXISTS beacon_probe_seq")
        pg_con.execute("CREATE SEQUENCE beacon_probe_seq")
    return postgres_url


# --- PostgreSQL sources ----------------------------------------------------------------------------

def test_list_tables_names_public_bare_and_other_schemas_qualified(pg: str) -> None:
    tables = list_tables(pg)
    assert set(TABLES) | {"typed_values", 'we"ird name', "marketing.targets"} <= set(tables)
    assert not [t for t in tables if t.startswith(("pg_", "information_schema"))]
    assert tables.index("orders") < tables.index("marketing.targets")  # public first


def test_orders_source_gives_the_same_count_and_sum_as_postgres(pg: str) -> None:
    duck = duckdb.connect()
    source = database_source(duck, pg, "orders")
    count, total = _one(duck, f"SELECT COUNT(*), SUM(net_amount) FROM {_from(source)}")  # type: ignore[misc]
    with psycopg.connect(pg) as pg_con:
        pg_count, pg_total = pg_con.execute("SELECT COUNT(*), SUM(net_amount) FROM orders").fetchone()  # type: ignore[misc]
    assert count == pg_count > 100_000
    assert math.isclose(total, pg_total, rel_tol=1e-9)
    assert [c.name for c in source.columns][:3] == ["order_id", "customer_id", "order_date"]
    assert dict((c.name, c.type) for c in source.columns)["order_date"] == "DATE"
    assert source.label.endswith(" · orders") and source.label.startswith("postgresql://")


def test_a_table_in_another_schema_and_a_row_limit(pg: str) -> None:
    duck = duckdb.connect()
    source = database_source(duck, pg, "marketing.targets")
    rows = duck.execute(f"SELECT channel, month, target FROM {_from(source)} ORDER BY channel").fetchall()
    assert rows == [("JD", dt.date(2025, 1, 1), Decimal("800000.25")),
                    ("Tmall", dt.date(2025, 1, 1), Decimal("1200000.50")), ("抖音", dt.date(2025, 2, 1), None)]
    assert read_table(pg, "marketing.targets").column("target").type == pa.decimal128(14, 2)
    limited = database_source(duck, pg, "orders", limit=25)
    assert _one(duck, f"SELECT COUNT(*) FROM {_from(limited)}") == (25,)


def test_postgres_types_arrive_as_the_matching_duckdb_types(pg: str) -> None:
    duck = duckdb.connect()
    source = database_source(duck, pg, "typed_values")
    assert {c.name: c.type for c in source.columns} == {
        "id": "INTEGER", "day": "DATE", "seen_at": "TIMESTAMP", "seen_tz": "TIMESTAMP WITH TIME ZONE",
        "amount": "DECIMAL(12,2)", "ratio": "DOUBLE", "vip": "BOOLEAN", "note": "VARCHAR", "big": "BIGINT"}
    rows = duck.execute(f"SELECT id, day, seen_at, epoch(seen_tz), amount, ratio, vip, note, big FROM {_from(source)} "
                    "ORDER BY id").fetchall()
    assert rows[0] == (1, dt.date(2025, 6, 18), dt.datetime(2025, 6, 18, 20, 30, 0, 123456), 1750248000.0,
                       Decimal("1234.56"), 0.125, True, "会员日大促 🎉", 9007199254740993)
    assert rows[1][:3] == (2, None, None) and rows[1][4] is None and math.isnan(rows[1][5])
    assert rows[1][6:] == (None, None, None)
    assert rows[2] == (3, dt.date(1999, 12, 31), dt.datetime(1999, 12, 31, 23, 59, 59), None, Decimal("-0.01"),
                       1e20, False, "", -1)


def test_a_table_name_is_an_identifier_never_sql(pg: str) -> None:
    duck = duckdb.connect()
    odd = database_source(duck, pg, 'we"ird name')
    assert duck.execute(f"SELECT x FROM {_from(odd)}").fetchall() == [(7,)]
    before = _pg_scalar(pg, "SELECT count(*) FROM orders")
    with pytest.raises(IngestError, match="No table 'orders; DROP TABLE orders'"):
        database_source(duck, pg, "orders; DROP TABLE orders")
    assert _pg_scalar(pg, "SELECT count(*) FROM orders") == before


def test_an_unknown_table_suggests_the_closest_names(pg: str) -> None:
    with pytest.raises(IngestError, match=r"No table 'order' in postgresql://postgres@.*Did you mean 'orders'"):
        database_source(duckdb.connect(), pg, "order")
    with pytest.raises(IngestError, match=r"Did you mean 'marketing\.targets'"):
        database_source(duckdb.connect(), pg, "marketing.target")


def test_an_unreachable_server_is_named_in_words_without_the_password() -> None:
    url = f"postgresql://ana:{PASSWORD}@127.0.0.1:{free_port()}/sales"
    started = time.monotonic()
    with pytest.raises(SourceConnectionError) as caught:
        list_tables(url)
    message = str(caught.value)
    assert "Cannot connect to the PostgreSQL database 'sales' on 127.0.0.1" in message
    assert "refused" in message.lower() and PASSWORD not in message
    assert time.monotonic() - started < 5


def test_a_server_that_never_answers_times_out(pg: str) -> None:
    """A listening socket that never speaks: the connect time-out (Beacon's default is 10 s) ends the wait."""
    assert "connect_timeout=10" in pg_conninfo(pg)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        url = f"postgresql://ana:{PASSWORD}@127.0.0.1:{silent.getsockname()[1]}/sales?connect_timeout=2"
        for attempt in (lambda: list_tables(url), lambda: PostgresEngine(url).table_names()):
            started = time.monotonic()
            with pytest.raises(SourceConnectionError, match="timeout") as caught:
                attempt()
            assert 1.5 < time.monotonic() - started < 8 and PASSWORD not in str(caught.value)


def test_the_ingest_connection_is_read_only(pg: str) -> None:
    conn = _pg_connect(parse_uri(pg))
    try:
        with closing(conn.cursor()) as cursor, pytest.raises(adbc_driver_manager.Error, match="read-only"):
            cursor.execute("CREATE TABLE beacon_should_not_exist (a integer)")
    finally:
        conn.close()


def test_an_unknown_database_is_named(pg: str) -> None:
    url = _with_password(pg, "postgres", PASSWORD).rsplit("/", 1)[0] + "/no_such_db"
    with pytest.raises(SourceConnectionError, match='database "no_such_db" does not exist') as caught:
        database_source(duckdb.connect(), url, "orders")
    assert PASSWORD not in str(caught.value)


@pytest.fixture(scope="module")
def password_role(pg: str) -> Iterator[str]:
    """A role that must log in with a password: the cluster trusts everyone else, so add a scram rule for it."""
    hba = Path(str(_pg_scalar(pg, "SHOW hba_file")))
    original = hba.read_text(encoding="utf-8")
    with psycopg.connect(pg, autocommit=True) as pg_con:
        pg_con.execute("DROP ROLE IF EXISTS beacon_reader")
        pg_con.execute(sql.SQL("CREATE ROLE beacon_reader LOGIN PASSWORD {}").format(sql.Literal("right-pass")))
        pg_con.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO beacon_reader")
        hba.write_text("host all beacon_reader 127.0.0.1/32 scram-sha-256\n" + original, encoding="utf-8")
        pg_con.execute("SELECT pg_reload_conf()")
    _wait_for_password_rule(_with_password(pg, "beacon_reader", PASSWORD))
    yield "beacon_reader"
    hba.write_text(original, encoding="utf-8")
    _pg_scalar(pg, "SELECT pg_reload_conf()")


def _wait_for_password_rule(wrong_url: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            psycopg.connect(wrong_url).close()
        except psycopg.OperationalError:
            return
        time.sleep(0.05)
    raise AssertionError("the server did not start asking beacon_reader for a password")


def test_a_wrong_password_is_refused_in_words_without_the_password(pg: str, password_role: str) -> None:
    wrong = _with_password(pg, password_role, PASSWORD)
    with pytest.raises(SourceConnectionError) as caught:
        list_tables(wrong)
    message = str(caught.value)
    assert f'password authentication failed for user "{password_role}"' in message
    assert PASSWORD not in message and "Sup3r" not in message
    with pytest.raises(SourceConnectionError) as live:
        PostgresEngine(wrong).table_names()
    assert "password authentication failed" in str(live.value) and PASSWORD not in str(live.value)
    right = _with_password(pg, password_role, "right-pass")
    assert "orders" in list_tables(right)
    source = database_source(duckdb.connect(), right, "campaigns")
    assert "right-pass" not in source.label and "beacon_reader:***@" in source.label


# --- live PostgreSQL -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def live(pg: str) -> Iterator[PostgresEngine]:
    engine = PostgresEngine(pg)
    yield engine
    engine.close()


@pytest.mark.parametrize("name", sorted(LIVE_QUERIES))
def test_live_postgres_gives_the_same_rows_as_duckdb(name: str, live: PostgresEngine, engine: DuckDBEngine,
                                                     model: SemanticModel) -> None:
    query = LIVE_QUERIES[name]
    on_pg = live.run(compile_query(query, model, dialect="postgres"))
    on_duck = engine.run(compile_query(query, model))
    assert on_pg.frame.columns == list(on_pg.compiled.columns) == on_duck.frame.columns
    assert on_duck.frame.height > 0 and not on_pg.truncated
    assert same_rows(on_pg.frame.rows(), on_duck.frame.rows(), rel=1e-9), (on_pg.frame, on_duck.frame)


def test_a_slow_query_is_stopped_by_the_server(pg: str) -> None:
    slow = PostgresEngine(pg, timeout_s=0.5)
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError, match=r"longer than 0.5 s"):
        slow.run(CompiledSQL("SELECT pg_sleep(5)", ("pg_sleep",), "postgres"))
    assert time.monotonic() - started < 3
    quick = slow.run(CompiledSQL("SELECT 1 AS one", ("one",), "postgres"))  # the connection is still usable
    assert quick.frame.rows() == [(1,)]
    slow.close()


def test_live_queries_cannot_write(pg: str, live: PostgresEngine) -> None:
    before = _pg_scalar(pg, "SELECT count(*) FROM orders")
    for statement in ("DELETE FROM orders", "WITH gone AS (DELETE FROM orders RETURNING 1) SELECT count(*) FROM gone",
                      "SELECT nextval('beacon_probe_seq')"):
        with pytest.raises(ExecutionError):
            live.run(CompiledSQL(statement, ("n",), "postgres"))
    with pytest.raises(ExecutionError, match="read-only transaction"):
        live.run(CompiledSQL("SELECT nextval('beacon_probe_seq') AS n", ("n",), "postgres"))
    assert _pg_scalar(pg, "SELECT count(*) FROM orders") == before
    assert _pg_scalar(pg, "SELECT is_called FROM beacon_probe_seq") is False
    mode = live.run(CompiledSQL("SELECT current_setting('transaction_read_only') AS ro", ("ro",), "postgres"))
    assert mode.frame.rows() == [("on",)]


def test_rows_beyond_max_rows_are_cut_and_flagged(pg: str, model: SemanticModel) -> None:
    small = PostgresEngine(pg, max_rows=5)
    result = small.run(CompiledSQL('SELECT "order_id" FROM "orders" ORDER BY 1', ("order_id",), "postgres"))
    assert result.truncated and result.frame.height == 5
    by_month = small.run(compile_query(LIVE_QUERIES["by_channel_and_month"], model, dialect="postgres"))
    assert by_month.truncated and by_month.frame.height == 5
    exact = small.run(CompiledSQL("SELECT generate_series(1, 5) AS n", ("n",), "postgres"))
    assert not exact.truncated and exact.frame["n"].to_list() == [1, 2, 3, 4, 5]
    small.close()


def test_results_are_cached_for_the_time_to_live_only(pg: str, model: SemanticModel) -> None:
    cached = PostgresEngine(pg, cache_ttl_s=0.5)
    compiled = compile_query(LIVE_QUERIES["mixed_facts_by_channel"], model, dialect="postgres")
    first, second = cached.run(compiled), cached.run(compiled)
    assert not first.from_cache and second.from_cache and second.frame.equals(first.frame)
    time.sleep(0.6)
    assert not cached.run(compiled).from_cache
    uncached = PostgresEngine(pg, cache_ttl_s=0)
    assert not uncached.run(compiled).from_cache and not uncached.run(compiled).from_cache
    cached.close()
    uncached.close()


def test_numeric_arrives_as_float_and_an_empty_result_keeps_its_types(live: PostgresEngine) -> None:
    result = live.run(CompiledSQL("SELECT amount, day, note FROM typed_values ORDER BY id", ("amount", "day", "note"),
                                  "postgres"))
    assert result.frame["amount"].to_list() == [1234.56, None, -0.01]
    assert live.run(CompiledSQL("SELECT 2 AS two;\n", ("two",), "postgres")).frame.rows() == [(2,)]
    empty = live.run(CompiledSQL("SELECT amount, day, note FROM typed_values WHERE false", ("amount", "day", "note"),
                                 "postgres"))
    assert [str(t) for t in empty.frame.dtypes] == ["Float64", "Date", "String"] and empty.frame.height == 0


def test_one_engine_serves_many_threads(pg: str) -> None:
    shared = PostgresEngine(pg, cache_ttl_s=0, pool_size=3)
    queries = [CompiledSQL(f"SELECT count(*) AS n FROM orders WHERE quantity >= {q}", ("n",), "postgres")
               for q in range(1, 13)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        counts = list(pool.map(lambda c: shared.run(c).frame["n"][0], queries))
    expected = [_pg_scalar(pg, c.sql) for c in queries]
    assert counts == expected
    shared.close()


def test_a_connection_the_server_dropped_is_replaced(pg: str) -> None:
    engine = PostgresEngine(pg, cache_ttl_s=0)
    pid_query = CompiledSQL("SELECT pg_backend_pid() AS pid", ("pid",), "postgres")
    first = engine.run(pid_query).frame["pid"][0]
    assert _pg_scalar(pg, f"SELECT pg_terminate_backend({int(first)}, 5000)") is True
    second = engine.run(pid_query).frame["pid"][0]  # the pooled connection is dead: retried on a new one
    assert second != first
    engine.close()


def test_live_errors_and_repr_are_in_words_without_the_password(pg: str, live: PostgresEngine) -> None:
    with pytest.raises(ExecutionError, match='relation "no_such_table" does not exist'):
        live.run(CompiledSQL("SELECT * FROM no_such_table", ("x",), "postgres"))
    assert "orders" in live.table_names() and "marketing.targets" in live.table_names()
    url = f"postgresql://ana:{PASSWORD}@127.0.0.1:{free_port()}/sales"
    unreachable = PostgresEngine(url)
    assert PASSWORD not in repr(unreachable) and "ana:***@" in repr(unreachable)
    with pytest.raises(SourceConnectionError) as caught:
        unreachable.run(CompiledSQL("SELECT 1 AS one", ("one",), "postgres"))
    assert "refused" in str(caught.value).lower() and PASSWORD not in str(caught.value)
    with pytest.raises(InputError):
        PostgresEngine("mysql://ana@db/sales")


# --- SQLite ----------------------------------------------------------------------------------------

@pytest.fixture()
def sqlite_file(tmp_path: Path) -> Path:
    import sqlite3

    path = tmp_path / "小店 shop.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, city VARCHAR(20), amount REAL, "
                   "paid_on DATE, created_at DATETIME, is_member BOOLEAN, qty INT, blob_col BLOB, note)")
        rows = [(i, f"客户{i}" if i % 7 else None, "上海" if i % 2 else "北京", i * 1.5 if i % 5 else None,
                 f"2025-06-{i % 28 + 1:02d}", f"2025-06-{i % 28 + 1:02d} 10:{i % 60:02d}:00", i % 2,
                 i if i != 30_000 else "lots", b"\x00\x01", i if i < 25_000 else f"n{i}")
                for i in range(1, 30_001)]
        db.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.execute("CREATE TABLE \"空表\" (a INTEGER, b TEXT)")
        db.execute("CREATE VIEW city_totals AS SELECT city, SUM(amount) AS total, COUNT(*) AS n FROM orders "
                   "GROUP BY city")
    return path


def test_sqlite_tables_counts_and_values(sqlite_file: Path) -> None:
    uri = f"sqlite:///{sqlite_file}"
    assert list_tables(uri) == ["city_totals", "orders", "空表"]
    duck = duckdb.connect()
    source = database_source(duck, uri, "orders")
    types = {c.name: c.type for c in source.columns}
    assert types == {"id": "BIGINT", "customer": "VARCHAR", "city": "VARCHAR", "amount": "DOUBLE",
                     "paid_on": "DATE", "created_at": "TIMESTAMP", "is_member": "BOOLEAN",
                     "qty": "VARCHAR",  # an INT column holding the text 'lots' in its last row: widened to text
                     "blob_col": "BLOB", "note": "VARCHAR"}
    counts = _one(duck, f"SELECT COUNT(*), COUNT(customer), COUNT(amount), SUM(amount) FROM {_from(source)}")
    assert counts is not None and counts[:3] == (30_000, 30_000 - 30_000 // 7, 30_000 - 6_000)
    assert math.isclose(counts[3], sum(i * 1.5 for i in range(1, 30_001) if i % 5), rel_tol=1e-12)
    first = _one(duck, f"SELECT customer, city, paid_on, created_at, is_member, qty, note FROM {_from(source)} "
                     "WHERE id = 1")
    assert first == ("客户1", "上海", dt.date(2025, 6, 2), dt.datetime(2025, 6, 2, 10, 1), True, "1", "1")
    assert _one(duck, f"SELECT qty, note FROM {_from(source)} WHERE id = 30000") == ("lots", "n30000")


def test_sqlite_views_empty_tables_and_limits(sqlite_file: Path) -> None:
    uri = f"sqlite:///{sqlite_file}"
    duck = duckdb.connect()
    view = database_source(duck, uri, "city_totals")
    assert {c.name: c.type for c in view.columns} == {"city": "VARCHAR", "total": "DOUBLE", "n": "BIGINT"}
    assert _one(duck, f"SELECT SUM(n) FROM {_from(view)}") == (30_000,)
    empty = database_source(duck, uri, "空表")
    assert _one(duck, f"SELECT COUNT(*) FROM {_from(empty)}") == (0,)
    assert [c.type for c in empty.columns] == ["BIGINT", "VARCHAR"]
    ten = database_source(duck, uri, "orders", limit=10)
    assert _one(duck, f"SELECT COUNT(*) FROM {_from(ten)}") == (10,)
    with pytest.raises(IngestError, match="Did you mean 'orders'"):
        database_source(duck, uri, "order")


def test_sqlite_missing_or_broken_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(SourceConnectionError, match=r"nope\.db: the file does not exist"):
        list_tables(f"sqlite:///{tmp_path / 'nope.db'}")
    broken = tmp_path / "notes.db"
    broken.write_text("not a database, just notes " * 100, encoding="utf-8")
    with pytest.raises(SourceConnectionError, match="not a database"):
        list_tables(f"sqlite:///{broken}")
    with pytest.raises(InputError, match=r"sqlite:///relative/path\.db"):
        list_tables("sqlite://host/x.db")


# --- MySQL (no server here: parsing and an unreachable server) ------------------------------------

def test_mysql_uri_parts_and_unsupported_schemes() -> None:
    uri = parse_uri(f"mysql://ana:{PASSWORD}@db.internal:3307/%E5%95%86%E5%BA%97?charset=utf8mb4")
    assert (uri.kind, uri.host, uri.port, uri.database, uri.user, uri.password) == \
        ("mysql", "db.internal", 3307, "商店", "ana", PASSWORD)
    assert PASSWORD not in repr(uri) and PASSWORD not in str(uri) and PASSWORD not in uri.label
    assert parse_uri("mysql://root@localhost/shop").port == 3306
    assert parse_uri("postgres://ana@db/sales").kind == "postgres"
    assert parse_uri("sqlite:////tmp/a b.db").path == Path("/tmp/a b.db")
    assert parse_uri("sqlite:///data/shop.db").path == Path("data/shop.db")
    with pytest.raises(InputError, match="names a database"):
        parse_uri("mysql://ana@db.internal")
    with pytest.raises(InputError, match="not a number"):
        parse_uri("mysql://ana@db.internal:port/shop")
    with pytest.raises(InputError, match="'oracle' is not one of them") as caught:
        parse_uri(f"oracle://ana:{PASSWORD}@db/x")
    assert PASSWORD not in str(caught.value)


def test_mysql_unreachable_server_in_words_without_the_password() -> None:
    port = free_port()
    started = time.monotonic()
    with pytest.raises(SourceConnectionError) as caught:
        database_source(duckdb.connect(), f"mysql://ana:{PASSWORD}@127.0.0.1:{port}/shop", "orders")
    message = str(caught.value)
    assert message.startswith(f"Cannot connect to the MySQL database 'shop' on 127.0.0.1:{port} as 'ana':")
    assert "Connection refused" in message and PASSWORD not in message
    assert time.monotonic() - started < 5


# --- saved connections -----------------------------------------------------------------------------

def test_saved_connections_round_trip_in_a_private_file(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    uri = f"postgresql://ana:{PASSWORD}@db.internal:5432/sales"
    save_connection(ws, "sales_db", uri)
    save_connection(ws, "shop", "mysql://bo:pw2@shop/db")
    path = secrets_path(ws)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert connection_uri(ws, "sales_db") == uri
    assert connection_names(ws) == ["sales_db", "shop"]
    save_connection(ws, "shop", "mysql://bo:pw3@shop/db")  # replace
    assert connection_uri(ws, "shop").endswith(":pw3@shop/db")
    delete_connection(ws, "shop")
    assert connection_names(ws) == ["sales_db"] and "pw3" not in path.read_text(encoding="utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["secrets.json", "secrets.json.lock"]  # no temp files


def test_connection_errors_name_the_connection_never_its_uri(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    save_connection(ws, "sales_db", f"postgresql://ana:{PASSWORD}@db/sales")
    for call in (lambda: connection_uri(ws, "sales"), lambda: delete_connection(ws, "sale_db")):
        with pytest.raises(UnknownNameError, match="Did you mean 'sales_db'") as caught:
            call()
        assert PASSWORD not in str(caught.value) and "postgresql://" not in str(caught.value)
    for bad in ("Sales DB", "1st", "a-b", "", f"postgresql://ana:{PASSWORD}@db/sales"):
        with pytest.raises(InputError) as refused:
            save_connection(ws, bad, "postgresql://db/sales")
        assert PASSWORD not in str(refused.value)
    with pytest.raises(InputError, match="try 'sales_db'"):
        save_connection(ws, "Sales DB", "postgresql://db/sales")
    with pytest.raises(InputError, match="needs a URI"):
        save_connection(ws, "x", "db.internal")
    assert connection_names(ws) == ["sales_db"]
    assert connection_names(Workspace(tmp_path / "empty")) == []


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_secrets_file_others_can_read_is_refused(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    save_connection(ws, "sales_db", f"postgresql://ana:{PASSWORD}@db/sales")
    secrets_path(ws).chmod(0o644)
    with pytest.raises(SecretsFileError, match="chmod 600") as caught:
        connection_names(ws)
    assert PASSWORD not in str(caught.value)
    secrets_path(ws).chmod(0o600)
    assert connection_names(ws) == ["sales_db"]
    secrets_path(ws).write_text('{"connections": {"x": "postgresql://ana:' + PASSWORD + '@db/x"', encoding="utf-8")
    with pytest.raises(SecretsFileError, match="not a valid secrets file") as broken:
        connection_names(ws)
    assert PASSWORD not in str(broken.value)


def _one(duck: duckdb.DuckDBPyConnection, query: str) -> tuple:
    """The one row of `query`, fetched whole: DuckDB keeps a half-read result open on the connection."""
    rows = duck.execute(query).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def _from(source: Source) -> str:
    return source.relation.sql(dialect="duckdb")
