"""Saved connections, imports, live models, REST loads and refresh, on real servers and real files.

PostgreSQL is a throwaway server (tests/postgres.py) holding a database made
here: the demo's orders and customers plus a table with Chinese text, NUMERIC,
TIMESTAMP and BOOLEAN columns. Its URI carries a password that trust
authentication ignores, so every place a password could leak to can be checked
for it. The REST endpoint is a real HTTP server on a free port that pages its
records and refuses requests without the right `X-API-Key` header.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import sqlite3
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit, urlunsplit

import duckdb
import psycopg
import pytest
from psycopg import sql

from errors import IngestError, InputError, SourceConnectionError
from ingest.catalog import CATALOG, CatalogEntry, read_catalog
from ingest.connectors import import_tables, load_rest, refresh_table, save_and_list, save_live_model
from ingest.load import load_file, set_recipe
from ingest.recipe import Filter
from ingest.rest import RestSpec
from semantic.compile import compile_query
from semantic.engine import READ_CONFIG, DuckDBEngine
from semantic.model import load_model
from semantic.postgres_engine import PostgresEngine
from semantic.query import SemanticQuery
from tests.conftest import DATASETS
from tests.postgres import free_port, load_duckdb_tables, postgres_url  # noqa: F401
from workspace.home import Workspace
from workspace.secrets import connection_names, connection_uri, save_connection, secrets_path

PASSWORD = "s3cret"
SHOP_DB = "connectors_shop"
STORE_TABLE = "门店销售"  # stored as 'mendianxiaoshou' in the warehouse
STORE_ROWS = [
    ("上海·静安店", Decimal("1234.50"), dt.datetime(2025, 3, 1, 9, 30, 15), True, 3),
    ("北京朝阳店", Decimal("0.05"), dt.datetime(2025, 3, 2, 23, 59, 59), False, 1),
    ("广州天河店", Decimal("-20.00"), dt.datetime(2024, 12, 31, 0, 0, 0), True, 0),
    ("深圳", None, None, None, None),
]
JD_CSV = DATASETS / "cn_mingri_shop/JD.csv"


# --- helpers -------------------------------------------------------------------------------------

def with_database(url: str, database: str, password: str = "") -> str:
    """`url` pointing at another database, with a password in its user part when given."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if password:
        user, host = netloc.split("@", 1)
        netloc = f"{user}:{password}@{host}"
    return urlunsplit(parts._replace(netloc=netloc, path=f"/{database}"))


def catalog(ws: Workspace) -> dict[str, CatalogEntry]:
    """The catalog as the app reads it (a read-only engine that is dropped at once)."""
    return {entry.table: entry for entry in read_catalog(DuckDBEngine(ws.warehouse))}


def warehouse_rows(ws: Workspace, query: str) -> list[tuple]:
    with duckdb.connect(str(ws.warehouse), read_only=True, config=READ_CONFIG) as con:
        return con.execute(query).fetchall()


def warehouse_tables(ws: Workspace) -> set[str]:
    return {row[0] for row in warehouse_rows(ws, "SHOW TABLES")}


def raw_catalog_text(ws: Workspace) -> str:
    """Every cell of every `_beacon_catalog` row, as text: where a secret must never be."""
    rows = warehouse_rows(ws, f"SELECT * FROM {CATALOG}")
    assert rows, "the catalog is empty"
    return "\n".join(" | ".join(str(cell) for cell in row) for row in rows)


def pg_rows(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url) as pg:
        return pg.execute(query).fetchall()


@contextmanager
def sqlite_db(path: Path) -> Iterator[sqlite3.Connection]:
    """A sqlite3 connection whose changes are committed at the end of the block, then closed."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


# --- a PostgreSQL database of our own ------------------------------------------------------------

@pytest.fixture(scope="module")
def shop(postgres_url: str, demo_connection: duckdb.DuckDBPyConnection) -> str:  # noqa: F811
    """URI (with a password trust auth ignores) of a fresh database: orders, customers and 门店销售."""
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(SHOP_DB)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(SHOP_DB)))
    url = with_database(postgres_url, SHOP_DB)
    load_duckdb_tables(demo_connection, url, ["orders", "customers"])
    with psycopg.connect(url) as pg:
        pg.execute(sql.SQL("CREATE TABLE {} (门店 text, 销售额 numeric(12, 2), 下单时间 timestamp, 已付款 boolean, "
                           "件数 integer)").format(sql.Identifier(STORE_TABLE)))
        with pg.cursor() as cursor:
            cursor.executemany(sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s)")
                               .format(sql.Identifier(STORE_TABLE)), STORE_ROWS)
    return with_database(postgres_url, SHOP_DB, PASSWORD)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws")


# --- 1. PostgreSQL import and refresh ------------------------------------------------------------

def test_postgres_tables_are_listed_and_the_uri_kept_only_in_the_private_secrets_file(
        shop: str, ws: Workspace) -> None:
    tables = save_and_list(ws, "shop", shop)
    assert tables == ["customers", "orders", STORE_TABLE]
    path = secrets_path(ws)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text(encoding="utf-8")) == {"connections": {"shop": shop}, "values": {}}
    assert connection_uri(ws, "shop") == shop and PASSWORD in shop


def test_postgres_import_equals_the_server_in_counts_sums_and_types(shop: str, ws: Workspace) -> None:
    save_and_list(ws, "shop", shop)
    reports = import_tables(ws, "shop", ["orders", "customers", STORE_TABLE])
    assert [r.table for r in reports] == ["orders", "customers", "mendianxiaoshou"]

    counts = {t: pg_rows(shop, f'SELECT COUNT(*) FROM "{t}"')[0][0] for t in ("orders", "customers", STORE_TABLE)}
    assert counts["orders"] == 149_991 and counts["customers"] == 20_000
    assert [r.rows for r in reports] == [counts["orders"], counts["customers"], counts[STORE_TABLE]]
    (pg_sum,) = pg_rows(shop, "SELECT SUM(net_amount) FROM orders")[0]
    [(rows, total)] = warehouse_rows(ws, "SELECT COUNT(*), SUM(net_amount) FROM orders")
    assert rows == counts["orders"] and close(total, pg_sum)
    assert warehouse_rows(ws, "SELECT COUNT(*) FROM customers") == [(counts["customers"],)]

    types = dict(warehouse_rows(ws, "SELECT column_name, data_type FROM information_schema.columns "
                                    "WHERE table_name = 'mendianxiaoshou'"))
    assert types == {"门店": "VARCHAR", "销售额": "DECIMAL(12,2)", "下单时间": "TIMESTAMP", "已付款": "BOOLEAN",
                     "件数": "INTEGER"}
    stored = warehouse_rows(ws, 'SELECT * FROM mendianxiaoshou ORDER BY "下单时间" NULLS LAST')
    assert stored == sorted(STORE_ROWS, key=lambda r: (r[2] is None, r[2] or dt.datetime.min))
    order_types = dict(warehouse_rows(ws, "SELECT column_name, data_type FROM information_schema.columns "
                                          "WHERE table_name = 'orders'"))
    assert order_types["order_date"] == "DATE" and order_types["net_amount"] == "DOUBLE"

    entries = catalog(ws)
    for table, source in (("orders", "orders"), ("customers", "customers"), ("mendianxiaoshou", STORE_TABLE)):
        entry = entries[table]
        assert entry.kind == "postgres"
        assert entry.options == {"connection": "shop", "table": source}
        assert entry.origin.endswith(f"/{SHOP_DB} · {source}") and "***" in entry.origin
    assert PASSWORD not in raw_catalog_text(ws)
    assert all(PASSWORD not in r.source for r in reports)


@pytest.fixture
def orders_feed(shop: str) -> Iterator[str]:
    """A copy of orders this test may change; dropped afterwards so the other tests see the fixture's tables."""
    with psycopg.connect(shop, autocommit=True) as pg:
        pg.execute("CREATE TABLE orders_feed AS SELECT * FROM orders")
    yield "orders_feed"
    with psycopg.connect(shop, autocommit=True) as pg:
        pg.execute("DROP TABLE orders_feed")


def test_postgres_refresh_reads_new_rows_and_replays_the_recipe(shop: str, orders_feed: str, ws: Workspace) -> None:
    save_and_list(ws, "shop", shop)
    import_tables(ws, "shop", ["orders_feed"])
    set_recipe(ws.warehouse, catalog(ws)["orders_feed"], [Filter("channel", "=", "Tmall")])
    tmall = "SELECT COUNT(*), SUM(net_amount) FROM orders_feed WHERE channel = 'Tmall'"
    [(before, _)] = pg_rows(shop, tmall)
    assert warehouse_rows(ws, "SELECT COUNT(*) FROM orders_feed")[0][0] == before

    with psycopg.connect(shop, autocommit=True) as pg:  # 30 new Tmall orders, 20 new JD orders
        pg.execute("CREATE TEMP TABLE fresh AS SELECT * FROM orders_feed ORDER BY order_id LIMIT 50")
        pg.execute("UPDATE fresh SET order_id = 'NEW' || order_id, net_amount = 1000, "
                   "channel = CASE WHEN order_id < (SELECT order_id FROM fresh ORDER BY order_id OFFSET 30 LIMIT 1) "
                   "THEN 'Tmall' ELSE 'JD' END")
        pg.execute("INSERT INTO orders_feed SELECT * FROM fresh")
    [(after, pg_sum)] = pg_rows(shop, tmall)
    assert after == before + 30

    entry = catalog(ws)["orders_feed"]
    assert entry.recipe == ({"op": "filter", "column": "channel", "operator": "=", "value": "Tmall"},)
    report = refresh_table(ws, entry)
    assert report.rows == after
    [(rows, total, channels, new)] = warehouse_rows(
        ws, "SELECT COUNT(*), SUM(net_amount), COUNT(DISTINCT channel), COUNT(*) FILTER (order_id LIKE 'NEW%') "
            "FROM orders_feed")
    assert (rows, channels, new) == (after, 1, 30) and close(total, pg_sum)
    all_rows = pg_rows(shop, "SELECT COUNT(*) FROM orders_feed")[0][0]
    assert warehouse_rows(ws, "SELECT COUNT(*) FROM _raw_orders_feed") == [(all_rows,)]
    assert catalog(ws)["orders_feed"].recipe == entry.recipe


def test_an_unknown_postgres_table_is_named_with_a_hint_and_nothing_is_written(shop: str, ws: Workspace) -> None:
    save_and_list(ws, "shop", shop)
    with pytest.raises(IngestError, match=r"No table 'ordres'.*Did you mean 'orders'") as caught:
        import_tables(ws, "shop", ["orders", "ordres"])
    assert PASSWORD not in str(caught.value)
    assert not ws.warehouse.exists()


def test_a_password_in_the_uri_query_stays_out_of_the_catalog(shop: str, ws: Workspace) -> None:
    parts = urlsplit(shop)
    uri = urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{PASSWORD}@", "@"), query=f"password={PASSWORD}"))
    save_and_list(ws, "shop", uri)
    [report] = import_tables(ws, "shop", [STORE_TABLE])
    assert report.rows == len(STORE_ROWS)
    assert PASSWORD not in report.source
    assert PASSWORD not in raw_catalog_text(ws)


# --- 2. Live mode ------------------------------------------------------------------------------

def test_a_live_model_runs_in_postgres_and_copies_nothing(shop: str, ws: Workspace) -> None:
    save_and_list(ws, "shop", shop)
    assert save_live_model(ws, "shop", ["orders", "customers"]) == "shop"
    path = ws.models / "shop.yaml"
    text = path.read_text(encoding="utf-8")
    assert "\nconnection: shop\n" in text and PASSWORD not in text
    model = load_model(path)
    assert model.connection == "shop"
    assert {"net_amount", "orders"} <= set(model.metrics) and {"channel", "region"} <= set(model.dimensions)

    engine = PostgresEngine(connection_uri(ws, "shop"), cache_ttl_s=0)
    try:
        by_channel = engine.run(compile_query(SemanticQuery(metrics=("net_amount",), dimensions=("channel",)),
                                              model, dialect="postgres")).frame.rows()
        by_region = engine.run(compile_query(SemanticQuery(metrics=("orders",), dimensions=("region",)),
                                             model, dialect="postgres")).frame.rows()
    finally:
        engine.close()
    expected_channel = dict(pg_rows(shop, "SELECT channel, SUM(net_amount) FROM orders GROUP BY 1"))
    assert len(by_channel) == len(expected_channel) == 6
    assert all(close(total, expected_channel[channel]) for channel, total in by_channel)
    expected_region = pg_rows(shop, "SELECT c.region, COUNT(DISTINCT o.order_id) FROM orders o "
                                    "LEFT JOIN customers c USING (customer_id) GROUP BY 1")
    assert sorted(by_region, key=repr) == sorted(expected_region, key=repr)
    assert sum(n for _, n in by_region) == pg_rows(shop, "SELECT COUNT(DISTINCT order_id) FROM orders")[0][0]
    assert not ws.warehouse.exists()  # nothing was copied


def test_a_live_model_can_be_saved_in_a_fresh_workspace(shop: str, ws: Workspace) -> None:
    save_and_list(ws, "shop", shop)
    save_live_model(ws, "shop", ["customers"])
    assert load_model(ws.models / "shop.yaml").connection == "shop"


def test_live_mode_refuses_a_database_that_is_not_postgres_in_words(tmp_path: Path, ws: Workspace) -> None:
    db = tmp_path / "crm.db"
    with sqlite_db(db) as lite:
        lite.execute("CREATE TABLE leads (id INTEGER, name TEXT)")
        lite.execute("INSERT INTO leads VALUES (1, '王芳')")
    assert save_and_list(ws, "crm", f"sqlite:///{db}") == ["leads"]
    with pytest.raises(InputError, match="Live mode needs PostgreSQL"):
        save_live_model(ws, "crm", ["leads"])
    assert not (ws.models / "crm.yaml").exists()


# --- 3. REST ----------------------------------------------------------------------------------

API_KEY = "key-9f8e7d6c5b4a"
LEADS = [
    {"id": 1, "name": "王芳", "score": 7.5, "paid": True, "geo": {"city": "上海"}},
    {"id": 2, "name": "Li Lei", "score": 3.0, "paid": False, "geo": {"city": "北京"}},
    {"id": 3, "name": "陈晨", "score": 9.25, "paid": True, "geo": {"city": "广州"}},
    {"id": 4, "name": "Ana", "score": 1.0, "paid": False, "geo": {"city": "深圳"}},
    {"id": 5, "name": "赵六", "score": 5.5, "paid": True, "geo": {"city": "杭州"}},
]


class LeadsApi(BaseHTTPRequestHandler):
    """GET /v1/leads?page=N&per_page=M → {"data": [...], "page": N}; 401 without the right X-API-Key."""

    records: ClassVar[list[dict[str, Any]]] = []
    served: ClassVar[list[tuple[int, str]]] = []  # (page, the key the request carried)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        key = self.headers.get("X-API-Key", "")
        if parts.path != "/v1/leads":
            return self._send(404, {"error": "no such endpoint"})
        if key != API_KEY:
            return self._send(401, {"error": "missing or wrong API key"})
        page, size = int(query.get("page", "1")), int(query.get("per_page", "100"))
        LeadsApi.served.append((page, key))
        return self._send(200, {"data": LeadsApi.records[(page - 1) * size: page * size], "page": page})

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), LeadsApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def leads(api: str) -> Iterator[RestSpec]:
    LeadsApi.records, LeadsApi.served = [dict(r) for r in LEADS], []
    yield RestSpec(url=f"{api}/v1/leads", headers={"X-API-Key": API_KEY}, records_path="data", paging="page",
                   page_size_param="per_page", page_size=2)
    LeadsApi.records, LeadsApi.served = [], []


def test_rest_loads_every_page_keeps_the_key_secret_and_refreshes(leads: RestSpec, ws: Workspace) -> None:
    report = load_rest(ws, leads, "leads")
    assert report.rows == 5
    assert [page for page, _ in LeadsApi.served] == [1, 2, 3, 4]  # 2 + 2 + 1 records, then an empty page
    assert warehouse_rows(ws, 'SELECT id, name, score, paid, "geo.city" FROM leads ORDER BY id') == [
        (r["id"], r["name"], r["score"], r["paid"], r["geo"]["city"]) for r in LEADS]
    assert stat.S_IMODE(secrets_path(ws).stat().st_mode) == 0o600
    assert API_KEY in secrets_path(ws).read_text(encoding="utf-8")
    entry = catalog(ws)["leads"]
    assert entry.kind == "rest" and entry.origin == leads.url
    assert API_KEY not in raw_catalog_text(ws) and API_KEY not in json.dumps(entry.options)

    LeadsApi.records[0]["score"] = 8.0
    LeadsApi.records += [{"id": 6, "name": "新客", "score": 2.0, "paid": False, "geo": {"city": "成都"}}]
    LeadsApi.served.clear()
    refreshed = refresh_table(ws, entry)
    assert refreshed.rows == 6 and LeadsApi.served and all(key == API_KEY for _, key in LeadsApi.served)
    assert warehouse_rows(ws, "SELECT COUNT(*), SUM(score) FROM leads") == [(6, 8.0 + 3.0 + 9.25 + 1.0 + 5.5 + 2.0)]


def test_rest_table_named_in_chinese(leads: RestSpec, ws: Workspace) -> None:
    assert load_rest(ws, leads, "线索").rows == 5


def test_rest_key_in_the_query_string_stays_out_of_the_catalog(api: str, ws: Workspace) -> None:
    LeadsApi.records = [dict(r) for r in LEADS]
    spec = RestSpec(url=f"{api}/v1/leads?api_key={API_KEY}", headers={"X-API-Key": API_KEY}, records_path="data")
    assert load_rest(ws, spec, "leads").rows == 5
    assert API_KEY not in raw_catalog_text(ws)


# --- 4. SQLite --------------------------------------------------------------------------------

def test_sqlite_import_and_refresh(tmp_path: Path, ws: Workspace) -> None:
    db = tmp_path / "crm.db"
    first = [(1, "王芳", 7.5, "2025-01-02"), (2, "Li Lei", 3.0, "2025-02-03"), (3, "陈晨", None, None)]
    with sqlite_db(db) as lite:
        lite.execute("CREATE TABLE leads (id INTEGER PRIMARY KEY, name TEXT, score REAL, created DATE)")
        lite.executemany("INSERT INTO leads VALUES (?, ?, ?, ?)", first)
        lite.execute("CREATE TABLE empty_notes (id INTEGER)")
    assert save_and_list(ws, "crm", f"sqlite:///{db}") == ["empty_notes", "leads"]
    [report] = import_tables(ws, "crm", ["leads"])
    assert report.rows == 3
    as_dates = [(i, n, s, dt.date.fromisoformat(c) if c else None) for i, n, s, c in first]
    assert warehouse_rows(ws, "SELECT * FROM leads ORDER BY id") == as_dates
    types = warehouse_rows(ws, "SELECT data_type FROM information_schema.columns WHERE table_name = 'leads' "
                               "ORDER BY ordinal_position")
    assert [t for (t,) in types] == ["BIGINT", "VARCHAR", "DOUBLE", "DATE"]
    entry = catalog(ws)["leads"]
    assert (entry.kind, entry.options) == ("sqlite", {"connection": "crm", "table": "leads"})

    with sqlite_db(db) as lite:
        lite.execute("UPDATE leads SET score = 1.5 WHERE id = 3")
        lite.execute("INSERT INTO leads VALUES (4, '赵六', 10.0, '2025-03-04')")
    assert refresh_table(ws, entry).rows == 4
    assert warehouse_rows(ws, "SELECT COUNT(*), SUM(score), MAX(created) FROM leads") == [
        (4, 7.5 + 3.0 + 1.5 + 10.0, dt.date(2025, 3, 4))]


# --- 5. A file whose original is gone ------------------------------------------------------------

def test_refreshing_a_file_table_whose_file_is_gone_changes_nothing(tmp_path: Path, ws: Workspace) -> None:
    upload = tmp_path / "JD.csv"
    upload.write_bytes(JD_CSV.read_bytes())  # GBK, Chinese headers: 33 products
    [report] = load_file(ws.warehouse, upload)
    assert (report.table, report.rows) == ("jd", 33)
    entry = catalog(ws)["jd"]
    assert entry.kind == "file" and entry.options["path"] == str(upload.resolve())

    upload.write_bytes(JD_CSV.read_bytes().rstrip(b"\n").rsplit(b"\n", 1)[0] + b"\n")  # last product removed
    assert refresh_table(ws, entry).rows == 32
    upload.unlink()
    before = digest(ws.warehouse)
    with pytest.raises(IngestError, match="is gone") as caught:
        refresh_table(ws, catalog(ws)["jd"])
    assert str(upload.resolve()) in str(caught.value) and "jd" in str(caught.value)
    assert digest(ws.warehouse) == before
    assert warehouse_rows(ws, "SELECT COUNT(*) FROM jd") == [(32,)]


# --- 6. An unreachable database ------------------------------------------------------------------

def test_an_unreachable_database_is_named_without_the_password_and_writes_nothing(ws: Workspace) -> None:
    port = free_port()  # nobody listens there
    uri = f"postgresql://ana:{PASSWORD}@127.0.0.1:{port}/sales"
    with pytest.raises(SourceConnectionError) as caught:
        save_and_list(ws, "sales", uri)
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message and "'sales'" in message and "Cannot connect" in message
    assert PASSWORD not in message and PASSWORD not in repr(caught.value)
    assert connection_names(ws) == []  # a connection that does not work is not kept
    assert not ws.warehouse.exists()

    save_connection(ws, "sales", uri)  # saved while the server was up; now it is down
    with pytest.raises(SourceConnectionError, match=re.escape(f"127.0.0.1:{port}")) as caught:
        import_tables(ws, "sales", ["orders"])
    assert PASSWORD not in str(caught.value)
    assert not ws.warehouse.exists()


def test_refresh_from_a_database_that_went_away_keeps_the_warehouse(shop: str, ws: Workspace) -> None:
    save_and_list(ws, "shop", shop)
    import_tables(ws, "shop", [STORE_TABLE])
    before = digest(ws.warehouse)
    port = free_port()
    save_connection(ws, "shop", f"postgresql://postgres:{PASSWORD}@127.0.0.1:{port}/{SHOP_DB}")
    with pytest.raises(SourceConnectionError) as caught:
        refresh_table(ws, catalog(ws)["mendianxiaoshou"])
    assert f"127.0.0.1:{port}" in str(caught.value) and PASSWORD not in str(caught.value)
    assert digest(ws.warehouse) == before
