"""The raw SQL guard: hostile statements are refused in words, benign ones run and are limited.

Benign statements are checked by running the guarded SQL on a real in-memory DuckDB
and comparing the rows; hostile ones must raise UnsafeSQLError with a message that
names what was refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import duckdb
import pytest

from errors import BeaconError, UnsafeSQLError
from semantic.guard import guard

ALLOWED = ("orders", "customers")

ORDERS = [
    ("o1", "c1", 100.0, "paid", dt.date(2024, 1, 5)),
    ("o2", "c1", 50.0, "refunded", dt.date(2024, 1, 20)),
    ("o3", "c2", 200.0, "paid", dt.date(2024, 2, 3)),
    ("o4", "c3", 25.5, "paid", dt.date(2024, 2, 10)),
    ("o5", "c2", 10.0, "cancelled", dt.date(2024, 3, 1)),
]
CUSTOMERS = [("c1", "North"), ("c2", "South"), ("c3", "East"), ("c4", "West")]


@pytest.fixture(scope="module")
def db() -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable in-memory database: the guard alone must keep it safe."""
    con = duckdb.connect()
    con.execute("CREATE TABLE orders (order_id VARCHAR, customer_id VARCHAR, net_amount DOUBLE, "
                "status VARCHAR, order_date DATE)")
    con.execute("CREATE TABLE customers (customer_id VARCHAR, region VARCHAR)")
    con.execute("CREATE TABLE secrets (token VARCHAR)")
    con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", ORDERS)
    con.executemany("INSERT INTO customers VALUES (?, ?)", CUSTOMERS)
    con.execute("INSERT INTO secrets VALUES ('hunter2')")
    yield con
    con.close()


def run(con: duckdb.DuckDBPyConnection, sql: str, max_rows: int = 10_000) -> list[tuple]:
    return con.sql(guard(sql, ALLOWED, max_rows=max_rows)).fetchall()


def refusal(sql: str, dialect: str = "duckdb") -> str:
    with pytest.raises(UnsafeSQLError) as caught:
        guard(sql, ALLOWED, dialect)
    return str(caught.value)


HOSTILE = [
    # DDL
    ("DROP TABLE orders", "found DROP"),
    ("CREATE TABLE leak AS SELECT * FROM orders", "found CREATE"),
    ("CREATE OR REPLACE VIEW orders AS SELECT * FROM secrets", "found CREATE"),
    ("CREATE MACRO leak() AS TABLE SELECT * FROM secrets", "found CREATE"),
    ("ALTER TABLE orders ADD COLUMN x INT", "found ALTER"),
    ("TRUNCATE orders", "found TRUNCATE"),
    ("COMMENT ON TABLE orders IS 'x'", "found COMMENT"),
    # DML
    ("DELETE FROM orders", "found DELETE"),
    ("UPDATE orders SET net_amount = 0", "found UPDATE"),
    ("INSERT INTO orders SELECT * FROM orders", "found INSERT"),
    ("MERGE INTO orders USING customers ON orders.customer_id = customers.customer_id "
     "WHEN MATCHED THEN DELETE", "found MERGE"),
    # more than one statement, however it is hidden
    ("SELECT 1; DROP TABLE orders", "Only one statement is allowed; found 2 (SELECT, DROP)"),
    ("SELECT 1 -- \n; DROP TABLE orders", "Only one statement"),
    ("SELECT 1 /* harmless */; DROP TABLE orders", "Only one statement"),
    ("SELECT * FROM orders;\nDELETE FROM orders;", "found 2 (SELECT, DELETE)"),
    ("SELECT 'x\\'; DROP TABLE orders; --'", "Only one statement"),
    # files, the database itself, extensions, settings
    ("COPY orders TO '/tmp/leak.csv'", "found COPY"),
    ("COPY orders FROM '/tmp/evil.csv'", "found COPY"),
    ("COPY (SELECT * FROM orders) TO 'leak.parquet' (FORMAT parquet)", "found COPY"),
    ("ATTACH '/tmp/other.db' AS other", "found ATTACH"),
    ("DETACH other", "found DETACH"),
    ("INSTALL httpfs", "found INSTALL"),
    ("LOAD httpfs", "found LOAD"),
    ("PRAGMA database_list", "found PRAGMA"),
    ("SET enable_external_access = true", "found SET"),
    ("RESET memory_limit", "found RESET"),
    ("CALL pragma_version()", "found CALL"),
    ("USE other", "found USE"),
    ("BEGIN TRANSACTION", "found BEGIN"),
    ("CHECKPOINT", "found CHECKPOINT"),
    ("EXPORT DATABASE '/tmp/dump'", "line 1, column"),
    ("DESCRIBE orders", "found DESCRIBE"),
    ("SUMMARIZE secrets", "found SUMMARIZE"),
    ("SHOW TABLES", "found SHOW"),
    ("EXPLAIN SELECT * FROM orders", "found EXPLAIN"),
    ("PIVOT orders ON status USING sum(net_amount)", "found PIVOT"),
    ("VALUES ('x')", "found VALUES"),
    # file readers: in FROM, in a join, in a subquery, in a CTE, in a scalar position
    ("SELECT * FROM read_csv('/etc/passwd')", "'read_csv' is not allowed in FROM"),
    ("SELECT * FROM read_parquet('s3://bucket/x.parquet')", "'read_parquet' is not allowed in FROM"),
    ("SELECT * FROM orders o JOIN read_csv_auto('x.csv') r ON true",
     "'read_csv_auto' is not allowed in JOIN"),
    ("SELECT * FROM orders, LATERAL read_json('x.json')", "'read_json' is not allowed"),
    ("SELECT * FROM orders WHERE order_id IN (SELECT content FROM read_text('/etc/hostname'))",
     "'read_text' is not allowed in FROM of a subquery"),
    ("WITH f AS (SELECT * FROM read_blob('/etc/passwd')) SELECT * FROM f",
     "'read_blob' is not allowed in FROM of CTE 'f'"),
    ("SELECT (SELECT count(*) FROM read_csv('x.csv')) AS n",
     "'read_csv' is not allowed in FROM of a subquery"),
    ("SELECT read_text('/etc/passwd')", "'read_text' is not allowed in the SELECT list"),
    ("SELECT * FROM parquet_scan('x.parquet')", "'parquet_scan' is not allowed"),
    ("SELECT * FROM sniff_csv('x.csv')", "'sniff_csv' is not allowed"),
    ("SELECT * FROM '/etc/passwd'", "Reading files by path is not allowed"),
    ("SELECT * FROM 'data/*.parquet'", "Reading files by path is not allowed"),
    ('SELECT * FROM "orders.csv"', "Reading files by path is not allowed"),
    ("SELECT * FROM glob('/home/*')", "'glob' is not allowed"),
    ("SELECT * FROM sqlite_scan('other.db', 't')", "'sqlite_scan' is not allowed"),
    ("SELECT * FROM postgres_query('host=db', 'SELECT 1')", "'postgres_query' is not allowed"),
    ("SELECT * FROM pg_read_file('/etc/passwd')", "'pg_read_file' is not allowed"),
    # environment, settings, variables, SQL run from text
    ("SELECT getenv('HOME')", "'getenv' is not allowed in the SELECT list"),
    ("SELECT 'HOME'.getenv()", "'getenv' is not allowed"),
    ("SELECT main.getenv('HOME')", "'getenv' is not allowed"),
    ("SELECT current_setting('home_directory')", "'current_setting' is not allowed"),
    ("SELECT * FROM orders WHERE status = getvariable('s')", "'getvariable' is not allowed in WHERE"),
    ("SELECT * FROM query('SELECT * FROM secrets')", "'query' is not allowed"),
    ("SELECT * FROM query_table('secrets')", "'query_table' is not allowed"),
    ("SELECT json_execute_serialized_sql('{}')", "'json_execute_serialized_sql' is not allowed"),
    ("SELECT nextval('seq')", "'nextval' is not allowed"),
    # table functions that read nothing are still not tables
    ("SELECT * FROM range(10)", "Table functions and file reads are not allowed"),
    ("SELECT * FROM generate_series(1, 5)", "Table functions and file reads are not allowed"),
    ("SELECT * FROM unnest([1, 2])", "Table functions and file reads are not allowed"),
    ("SELECT * FROM ?", "Table functions and file reads are not allowed"),
    # the catalog
    ("SELECT * FROM information_schema.tables",
     "Table 'information_schema.tables' in FROM is not in the model"),
    ("SELECT * FROM duckdb_tables()", "'duckdb_tables' is not allowed"),
    ("SELECT * FROM duckdb_settings()", "'duckdb_settings' is not allowed"),
    ("SELECT * FROM duckdb_secrets()", "'duckdb_secrets' is not allowed"),
    ("SELECT * FROM duckdb_tables", "Table 'duckdb_tables' in FROM is not in the model"),
    ("SELECT * FROM sqlite_master", "Table 'sqlite_master' in FROM is not in the model"),
    ("SELECT * FROM pg_catalog.pg_tables", "Table 'pg_catalog.pg_tables' in FROM is not in the model"),
    # tables outside the model, however they are spelled
    ("SELECT * FROM secrets", "Table 'secrets' in FROM is not in the model"),
    ('SELECT * FROM "secrets"', "Table 'secrets'"),
    ('SELECT * FROM "SECRETS"', "Table 'SECRETS'"),
    ("SELECT * FROM main.secrets", "Table 'main.secrets'"),
    ("SELECT * FROM staging.orders", "Table 'staging.orders'"),
    ("SELECT * FROM other.main.orders", "Table 'other.main.orders'"),
    ("SELECT * FROM orders UNION ALL SELECT token, NULL, NULL, NULL, NULL FROM secrets", "Table 'secrets'"),
    ("SELECT * FROM orders WHERE order_id IN (SELECT token FROM secrets)", "'secrets' in FROM of a subquery"),
    ("SELECT * FROM (WITH secrets AS (SELECT 1 AS n) SELECT * FROM secrets) t, secrets", "'secrets' in JOIN"),
    ("WITH secrets AS (SELECT * FROM secrets) SELECT * FROM secrets", "'secrets' in FROM of CTE 'secrets'"),
    ("SELECT * FROM ｏrders", "Did you mean 'orders'?"),  # fullwidth o
    ("SELECT * FROM ord\u200bers", "is not in the model"),  # zero-width space
    ('SELECT * FROM ""', "Table ''"),
    ("SELECT\u00a0*\u00a0FROM\u00a0secrets", "Table 'secrets'"),  # no-break spaces
    ("SELECT * FROM (SUMMARIZE secrets)", "found SUMMARIZE in FROM"),
    # writes hidden inside a query
    ("SELECT * INTO leak FROM orders", "found SELECT ... INTO"),
    ("WITH x AS (DELETE FROM orders RETURNING *) SELECT * FROM x", "found DELETE in CTE 'x'"),
    ("SELECT * FROM orders FOR UPDATE", "found FOR UPDATE/SHARE"),
    ("SELECT * FROM (PIVOT orders ON status USING sum(net_amount))", "PIVOT needs an explicit IN list"),
    # limits that are not a number of rows
    ("SELECT * FROM orders LIMIT 'a'", "LIMIT must be a whole number of rows; found LIMIT 'a'"),
    ("SELECT * FROM orders LIMIT ALL", "LIMIT must be a whole number"),
    ("SELECT * FROM orders LIMIT (SELECT 100000)", "LIMIT must be a whole number"),
    ("SELECT * FROM orders LIMIT 10 PERCENT", "PERCENT is not allowed"),
    # nothing, or not SQL
    ("", "The SQL is empty"),
    ("  \n\t ", "The SQL is empty"),
    (";", "The SQL is empty"),
    ("-- only a comment", "The SQL is empty"),
    ("SELEC * FROM orders", "Could not parse the SQL at line 1, column"),
    ("SELECT order_id\nFROM orders\nWHERE", "line 3, column 5: WHERE is incomplete"),
    ("SELECT 'unterminated", "unclosed quote"),
]


@pytest.mark.parametrize(("sql", "expected"), HOSTILE, ids=[repr(s)[:60] for s, _ in HOSTILE])
def test_hostile_statement_is_refused_in_words(sql: str, expected: str) -> None:
    message = refusal(sql)
    assert expected in message
    assert message[-1] in ".?" and "Traceback" not in message and "<class" not in message


def test_there_are_enough_hostile_statements() -> None:
    assert len(HOSTILE) >= 40


def test_refusal_is_a_beacon_error_and_a_permission_error() -> None:
    with pytest.raises(BeaconError):
        guard("DROP TABLE orders", ALLOWED)
    with pytest.raises(PermissionError):
        guard("DROP TABLE orders", ALLOWED)


def test_unknown_table_lists_the_model_and_suggests_the_nearest() -> None:
    message = refusal("SELECT * FROM ordres")
    assert message == ("Table 'ordres' in FROM is not in the model. "
                       "Allowed tables: customers, orders. Did you mean 'orders'?")
    assert "Did you mean 'customers'?" in refusal("SELECT region FROM custmers")


def test_table_names_fold_case_in_ascii_only() -> None:
    assert guard("SELECT * FROM KPIS", ["kpis"]) == "SELECT * FROM KPIS LIMIT 10000"
    with pytest.raises(UnsafeSQLError, match="in FROM is not in the model"):
        guard('SELECT * FROM "\u212apis"', ["kpis"])  # Kelvin sign: str.lower() would make it 'k'


@pytest.mark.parametrize("sql", [
    "SELECT pg_read_file('/etc/passwd')",
    "SELECT lo_import('/etc/passwd')",
    "SELECT * FROM dblink('host=x', 'SELECT 1') AS t(x int)",
    "SELECT set_config('search_path', 'evil', false)",
    "SELECT query_to_xml('SELECT * FROM secrets', true, true, '')",
    "SELECT pg_sleep(60)",
    "SELECT * FROM orders FOR SHARE",
    "COPY orders TO PROGRAM 'rm -rf /'",
    "SELECT 1 AS x INTO TEMP leak",
    "SELECT * FROM public.secrets",
])
def test_postgres_hostile_statements_are_refused(sql: str) -> None:
    assert refusal(sql, "postgres")


BENIGN = [
    ("SELECT order_id FROM orders ORDER BY order_id", [("o1",), ("o2",), ("o3",), ("o4",), ("o5",)]),
    ("select ORDER_ID from ORDERS where STATUS = 'paid' order by 1", [("o1",), ("o3",), ("o4",)]),
    ("SELECT * FROM main.orders WHERE order_id = 'o3'", [ORDERS[2]]),
    ('SELECT "order_id" FROM "Orders" WHERE "net_amount" > 100', [("o3",)]),
    ("FROM orders SELECT count(*)", [(5,)]),
    ("SELECT count(*) FROM orders; -- total", [(5,)]),
    ("SELECT count(*) FROM orders -- */; DROP TABLE orders; /*\n", [(5,)]),
    ("SELECT c.region, sum(o.net_amount) FROM orders o JOIN customers c ON o.customer_id = c.customer_id "
     "GROUP BY c.region ORDER BY c.region", [("East", 25.5), ("North", 150.0), ("South", 210.0)]),
    ("SELECT c.customer_id, count(o.order_id) FROM customers c LEFT JOIN orders o USING (customer_id) "
     "GROUP BY 1 ORDER BY 1", [("c1", 2), ("c2", 2), ("c3", 1), ("c4", 0)]),
    ("WITH paid AS (SELECT * FROM orders WHERE status = 'paid') "
     "SELECT customer_id, sum(net_amount) FROM paid GROUP BY 1 ORDER BY 1",
     [("c1", 100.0), ("c2", 200.0), ("c3", 25.5)]),
    ("WITH big AS (SELECT * FROM orders WHERE net_amount >= 50), per AS (SELECT customer_id, count(*) AS n "
     "FROM big GROUP BY 1) SELECT customer_id, n FROM per ORDER BY 1", [("c1", 2), ("c2", 1)]),
    ("WITH secrets AS (SELECT 'not a secret' AS token) SELECT token FROM secrets", [("not a secret",)]),
    ("WITH orders AS (SELECT 'shadow' AS order_id) SELECT order_id FROM orders", [("shadow",)]),
    ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) SELECT i FROM n ORDER BY i",
     [(1,), (2,), (3,)]),
    ("SELECT order_id, sum(net_amount) OVER (PARTITION BY customer_id ORDER BY order_date) FROM orders "
     "ORDER BY order_id", [("o1", 100.0), ("o2", 150.0), ("o3", 200.0), ("o4", 25.5), ("o5", 210.0)]),
    ("SELECT customer_id, order_id FROM orders "
     "QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY net_amount DESC) = 1 ORDER BY 1",
     [("c1", "o1"), ("c2", "o3"), ("c3", "o4")]),
    ("SELECT customer_id FROM orders UNION SELECT customer_id FROM customers ORDER BY 1",
     [("c1",), ("c2",), ("c3",), ("c4",)]),
    ("SELECT order_id FROM orders WHERE customer_id IN "
     "(SELECT customer_id FROM customers WHERE region = 'South') ORDER BY 1", [("o3",), ("o5",)]),
    ("SELECT region FROM customers c WHERE NOT EXISTS "
     "(SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)", [("West",)]),
    ("SELECT status, n FROM (SELECT status, count(*) AS n FROM orders GROUP BY status) t "
     "ORDER BY n DESC, status", [("paid", 3), ("cancelled", 1), ("refunded", 1)]),
    ("SELECT (SELECT max(net_amount) FROM orders) AS top", [(200.0,)]),
    ("SELECT date_trunc('month', order_date) AS m, count(*) FROM orders GROUP BY 1 ORDER BY 1",
     [(dt.datetime(2024, 1, 1), 2), (dt.datetime(2024, 2, 1), 2), (dt.datetime(2024, 3, 1), 1)]),
    ("SELECT count(*) FILTER (WHERE status = 'paid'), round(avg(net_amount), 1) FROM orders", [(3, 77.1)]),
    ("SELECT v.s, count(o.order_id) FROM (VALUES ('paid'), ('lost')) v(s) "
     "LEFT JOIN orders o ON o.status = v.s GROUP BY 1 ORDER BY 1", [("lost", 0), ("paid", 3)]),
    ("SELECT * FROM orders PIVOT (count(*) FOR status IN ('paid', 'refunded') GROUP BY customer_id) "
     "ORDER BY customer_id", [("c1", 1, 1), ("c2", 1, 0), ("c3", 1, 0)]),
]


@pytest.mark.parametrize(("sql", "expected"), BENIGN, ids=[s[:60] for s, _ in BENIGN])
def test_benign_statement_runs_and_returns_the_expected_rows(
        db: duckdb.DuckDBPyConnection, sql: str, expected: list[tuple]) -> None:
    assert run(db, sql) == expected


@pytest.mark.parametrize(("sql", "_"), BENIGN, ids=[s[:60] for s, _ in BENIGN])
def test_guarded_sql_passes_the_guard_again_unchanged(sql: str, _: object) -> None:
    once = guard(sql, ALLOWED)
    assert guard(once, ALLOWED) == once


def test_there_are_enough_benign_statements() -> None:
    assert len(BENIGN) >= 15


def test_comment_tricks_leave_the_tables_intact(db: duckdb.DuckDBPyConnection) -> None:
    sql = guard("SELECT count(*) FROM orders -- */; DROP TABLE orders; /*\n", ALLOWED)
    assert "DROP" not in sql and "/*" not in sql
    db.sql(sql)
    assert db.sql("SELECT count(*) FROM orders").fetchall() == [(5,)]


def test_missing_limit_is_added(db: duckdb.DuckDBPyConnection) -> None:
    assert guard("SELECT * FROM orders", ALLOWED, max_rows=3) == "SELECT * FROM orders LIMIT 3"
    assert len(run(db, "SELECT * FROM orders", max_rows=3)) == 3


def test_larger_limit_is_lowered(db: duckdb.DuckDBPyConnection) -> None:
    assert len(run(db, "SELECT * FROM orders LIMIT 100", max_rows=2)) == 2
    assert len(run(db, "SELECT * FROM orders FETCH FIRST 4 ROWS ONLY", max_rows=2)) == 2


def test_smaller_limit_is_kept(db: duckdb.DuckDBPyConnection) -> None:
    assert guard("SELECT * FROM orders LIMIT 2", ALLOWED, max_rows=4) == "SELECT * FROM orders LIMIT 2"
    assert len(run(db, "SELECT * FROM orders LIMIT 2", max_rows=4)) == 2


def test_limit_applies_to_a_whole_union(db: duckdb.DuckDBPyConnection) -> None:
    sql = "SELECT order_id FROM orders UNION ALL SELECT customer_id FROM customers"
    assert len(run(db, sql)) == 9
    assert len(run(db, sql, max_rows=6)) == 6


def test_offset_is_kept_beside_the_limit(db: duckdb.DuckDBPyConnection) -> None:
    assert run(db, "SELECT order_id FROM orders ORDER BY 1 OFFSET 1", max_rows=2) == [("o2",), ("o3",)]


def test_inner_limit_is_not_the_outer_one(db: duckdb.DuckDBPyConnection) -> None:
    sql = "SELECT * FROM (SELECT * FROM orders LIMIT 4) t"
    assert len(run(db, sql, max_rows=2)) == 2
    assert len(run(db, sql, max_rows=10)) == 4
