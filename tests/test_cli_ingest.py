"""`beacon ingest`, `beacon refresh` and a query over ingested data, run as real processes on real files.

Files are the shared real data sets; the workbook with several sheets is made
here from two of them (their rows copied cell by cell), since none of the
shared workbooks has more than one sheet. PostgreSQL is the throwaway server of
tests/postgres.py.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import duckdb
import openpyxl
import psycopg
import pytest
from psycopg import sql

from semantic.engine import READ_CONFIG
from semantic.infer import propose_model
from semantic.model import save_model
from tests.conftest import DATASETS
from tests.postgres import load_duckdb_tables, postgres_url  # noqa: F401

BEACON = Path(sys.executable).parent / "beacon"
DATA = DATASETS
TMALL = DATA / "cn_tmall_orders" / "tmall_order_report.csv"
MINGRI = DATA / "cn_mingri_shop"
RETAIL_CSV = DATA / "online_retail" / "online_retail_from_parquet.csv.gz"
RETAIL_PARQUET = DATA / "online_retail" / "online_retail.parquet"
PASSWORD = "s3cret"
CLI_DB = "cli_shop"

pytestmark = pytest.mark.skipif(not DATA.exists(), reason="the shared real data sets are not on this machine")


def beacon(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BEACON_HOME": str(home)}
    return subprocess.run([str(BEACON), *args], capture_output=True, text=True, env=env, timeout=300)


def rows(db: Path, query: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True, config=READ_CONFIG) as con:
        return con.execute(query).fetchall()


def tables(db: Path) -> set[str]:
    return {name for (name,) in rows(db, "SHOW TABLES")}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


# --- files ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tmall(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    home = tmp_path_factory.mktemp("tmall_ws")
    return home, beacon("ingest", str(TMALL), "--db", str(home / "warehouse.duckdb"), home=home)


def test_ingest_a_csv_prints_its_table_and_rows(tmall: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    home, done = tmall
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("tmall_order_report: 28,010 rows, 7 columns from tmall_order_report.csv")
    with TMALL.open(encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))[1:]
    total, paid = sum(float(r[1]) for r in records), sum(float(r[2]) for r in records)
    [(count, got_total, got_paid, provinces)] = rows(
        home / "warehouse.duckdb", "SELECT COUNT(*), SUM(总金额), SUM(买家实际支付金额), COUNT(DISTINCT 收货地址) "
                                   "FROM tmall_order_report")
    assert (count, provinces) == (28_010, 31) and close(got_total, total) and close(got_paid, paid)


@pytest.mark.parametrize("kind", ["missing", "empty", "binary"])
def test_files_that_are_no_tables_fail_in_one_line_and_change_nothing(
        kind: str, tmall: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path) -> None:
    home, _ = tmall
    warehouse = home / "warehouse.duckdb"
    before = digest(warehouse)
    path = tmp_path / f"{kind}_upload.csv"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "binary":
        path.write_bytes(RETAIL_PARQUET.read_bytes()[:4096])  # a parquet file's first bytes, named .csv
    done = beacon("ingest", str(path), "--db", str(warehouse), home=home)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
    assert path.name in done.stderr and "Traceback" not in done.stderr and done.stdout == ""
    assert digest(warehouse) == before
    assert tables(warehouse) == {"_beacon_catalog", "tmall_order_report"}


def copy_sheet(source: Path, target: openpyxl.Workbook, title: str) -> list[tuple[Any, ...]]:
    """Copy the first sheet of `source` into a new sheet of `target`; return its data rows."""
    with warnings.catch_warnings():  # "Cannot parse header or footer": harmless (SOURCE.md)
        warnings.simplefilter("ignore", UserWarning)
        book = openpyxl.load_workbook(source, read_only=True)
        try:
            values = [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    sheet = target.create_sheet(title)
    for row in values:
        sheet.append(row)
    return values[1:]


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[tuple[Any, ...]]]]:
    """shop.xlsx with the 2018 and 2019 order sheets of the 明日 shop (SOURCE.md: 1,784 and 2,124 rows)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    data = {title: copy_sheet(MINGRI / f"{year}.xlsx", book, title)
            for title, year in (("订单2018", 2018), ("订单2019", 2019))}
    path = tmp_path_factory.mktemp("xlsx") / "shop.xlsx"
    book.save(path)
    return path, data


def paid_total(records: list[tuple[Any, ...]]) -> float:
    return sum(float(r[1] or 0) for r in records)  # 买家实际支付金额 is the second column


def test_ingest_a_workbook_loads_one_table_per_sheet(
        workbook: tuple[Path, dict[str, list[tuple[Any, ...]]]], tmp_path: Path) -> None:
    path, data = workbook
    assert [len(data[s]) for s in ("订单2018", "订单2019")] == [1_784, 2_124]
    db = tmp_path / "warehouse.duckdb"
    done = beacon("ingest", str(path), "--db", str(db), home=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("shop_dingdan_2018: 1,784 rows, 5 columns")
    assert lines[1].startswith("shop_dingdan_2019: 2,124 rows, 5 columns")
    assert tables(db) == {"_beacon_catalog", "shop_dingdan_2018", "shop_dingdan_2019"}
    for table, sheet in (("shop_dingdan_2018", "订单2018"), ("shop_dingdan_2019", "订单2019")):
        [(count, paid)] = rows(db, f"SELECT COUNT(*), SUM(买家实际支付金额) FROM {table}")
        assert count == len(data[sheet]) and close(paid, paid_total(data[sheet]))


def test_ingest_sheet_picks_one_sheet(workbook: tuple[Path, dict[str, list[tuple[Any, ...]]]],
                                      tmp_path: Path) -> None:
    path, data = workbook
    db = tmp_path / "warehouse.duckdb"
    done = beacon("ingest", str(path), "--sheet", "订单2019", "--db", str(db), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("shop: 2,124 rows, 5 columns") and done.stdout.count("\n") == 1
    assert tables(db) == {"_beacon_catalog", "shop"}
    [(count, paid, first, last)] = rows(db, "SELECT COUNT(*), SUM(买家实际支付金额), MIN(订单付款时间), "
                                            "MAX(订单付款时间) FROM shop")
    assert count == 2_124 and close(paid, paid_total(data["订单2019"]))
    assert (first.year, last.year) == (2019, 2019)
    [(entry,)] = rows(db, "SELECT options FROM _beacon_catalog WHERE table_name = 'shop'")
    assert json.loads(entry)["sheet"] == "订单2019"


# --- PostgreSQL ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shop(postgres_url: str, demo_connection: duckdb.DuckDBPyConnection) -> str:  # noqa: F811
    """URI, with a password trust auth ignores, of a fresh database holding the demo's orders."""
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(CLI_DB)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(CLI_DB)))
    parts = urlsplit(postgres_url)
    url = urlunsplit(parts._replace(path=f"/{CLI_DB}"))
    load_duckdb_tables(demo_connection, url, ["orders"])
    user, host = parts.netloc.split("@", 1)
    return urlunsplit(parts._replace(netloc=f"{user}:{PASSWORD}@{host}", path=f"/{CLI_DB}"))


def pg_count(url: str) -> int:
    with psycopg.connect(url) as pg:
        return int(pg.execute("SELECT COUNT(*) FROM orders").fetchone()[0])


def test_ingest_from_postgres_then_refresh_after_the_data_changed(shop: str, tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    done = beacon("ingest", shop, "--source-table", "orders", "--db", str(db), home=tmp_path)
    assert done.returncode == 0, done.stderr
    before = pg_count(shop)
    assert done.stdout.startswith(f"orders: {before:,} rows, 11 columns from postgresql://postgres:***@")
    assert PASSWORD not in done.stdout + done.stderr
    secrets = tmp_path / "secrets.json"
    assert (secrets.stat().st_mode & 0o777) == 0o600
    assert json.loads(secrets.read_text(encoding="utf-8"))["connections"]["warehouse_db"] == shop
    assert rows(db, "SELECT COUNT(*) FROM orders") == [(before,)]

    with psycopg.connect(shop, autocommit=True) as pg:
        pg.execute("CREATE TEMP TABLE fresh AS SELECT * FROM orders ORDER BY order_id LIMIT 25")
        pg.execute("UPDATE fresh SET order_id = 'NEW' || order_id")
        pg.execute("INSERT INTO orders SELECT * FROM fresh")
    after = pg_count(shop)
    assert after == before + 25
    done = beacon("refresh", "--db", str(db), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"orders: {after:,} rows\n"
    assert rows(db, "SELECT COUNT(*), COUNT(*) FILTER (order_id LIKE 'NEW%') FROM orders") == [(after, 25)]

    unchanged = digest(db)
    misspelt = beacon("refresh", "ordrs", "--db", str(db), home=tmp_path)
    assert misspelt.returncode == 2
    assert misspelt.stderr == "error: Unknown table 'ordrs'. Did you mean 'orders'?\n"
    unknown = beacon("refresh", "nosuchtable", "--db", str(db), home=tmp_path)
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("error: Unknown table 'nosuchtable'.") and "Traceback" not in unknown.stderr
    assert digest(db) == unchanged


# --- a model over ingested data, queried from the command line -----------------------------------

def test_a_proposed_model_over_ingested_online_retail_answers_monthly_revenue(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    done = beacon("ingest", str(RETAIL_CSV), "--table", "online_retail", "--db", str(db), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("online_retail: 541,909 rows, 8 columns")

    model_path = tmp_path / "models" / "retail.yaml"
    model_path.parent.mkdir()
    with duckdb.connect(str(db), read_only=True, config=READ_CONFIG) as reader:
        model = propose_model(reader, ["online_retail"], "retail")
        save_model(model, model_path)
        expected = reader.execute("""
            SELECT strftime(date_trunc('month', InvoiceDate), '%Y-%m-%d'), SUM(Quantity * UnitPrice)
            FROM online_retail GROUP BY 1 ORDER BY 1""").fetchall()
    assert model.metrics["revenue"].measure == "revenue_sum"

    done = beacon("query", "--metric", "revenue", "--grain", "month", "--model", str(model_path),
                  "--db", str(db), "--json", home=tmp_path)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["columns"] == ["month", "revenue"]
    got = [tuple(row) for row in payload["rows"]]
    assert len(got) == len(expected) == 13
    assert [m for m, _ in got] == [m for m, _ in expected] == (
        ["2010-12-01"] + [f"2011-{n:02d}-01" for n in range(1, 13)])
    assert all(close(a, b) for (_, a), (_, b) in zip(got, expected, strict=True))

    # The same months from the source parquet (dates as text there): the load lost and invented nothing.
    source = duckdb.connect()
    try:
        original = source.execute(f"""
            SELECT substr(InvoiceDate, 1, 7) || '-01', SUM(Quantity * UnitPrice)
            FROM read_parquet('{RETAIL_PARQUET}') GROUP BY 1 ORDER BY 1""").fetchall()
    finally:
        source.close()
    assert all(m == n and close(a, b) for (m, a), (n, b) in zip(got, original, strict=True))
