"""Column profiles and data-quality warnings: a hand-made table whose every number is known, then Online Retail.

The engine opens warehouse files read-only with READ_CONFIG, so each file is
built and closed first, and the hand-written checks open it with that config.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from errors import UnknownNameError
from ingest.profile import TableProfile, Warning, profile_table
from semantic.engine import READ_CONFIG, DuckDBEngine
from tests.conftest import DATASETS

RETAIL = DATASETS / "online_retail/online_retail.parquet"
AMOUNT = '金额 (元)'
ODD = 'it\'s "odd"'
DAY = '订单日期'


def _odd(i: int) -> str | None:
    return {2: "", 4: "   ", 6: None}.get(i, "yes" if i % 2 else "no")


def order_rows() -> list[tuple]:
    """26 rows: 20 ordinary orders, a planted 1000-unit outlier, two 'C' cancellations, one 'A' adjustment,
    and two exact copies of row 1."""
    rows = []
    for i in range(1, 21):
        q = (i - 1) % 5 + 1
        rows.append((str(10000 + i), q, q * 2.5, _odd(i), "crm", "call back" if i == 1 else None,
                     dt.date(2024, 1, i)))
    rows += [("10021", 1000, 2500.0, "yes", "crm", "bulk order", dt.date(2024, 1, 21)),
             ("C10003", -1, -2.5, None, "crm", None, dt.date(2024, 1, 22)),
             ("C10004", -2, -5.0, "no", "crm", None, dt.date(2024, 1, 23)),
             ("A500", 0, 0.0, "no", "crm", None, dt.date(2024, 1, 24))]
    return [*rows, rows[0], rows[0]]


def build(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute(f'CREATE TABLE orders ("InvoiceNo" VARCHAR, "Quantity" BIGINT, "{AMOUNT}" DOUBLE, '
                f'"it\'s ""odd""" VARCHAR, "Source" VARCHAR, "Notes" VARCHAR, "{DAY}" DATE)')
    con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)", order_rows())
    con.execute('CREATE TABLE "客户 list" ("客户ID" INTEGER, "name" VARCHAR, "score" DOUBLE)')
    con.executemany('INSERT INTO "客户 list" VALUES (?, ?, ?)', [(i, f"c{i}", i / 2) for i in range(1, 6)])
    con.execute("CREATE TABLE empty_one (a INTEGER, b VARCHAR)")
    con.execute('CREATE TABLE tricky AS SELECT i % 3 AS v, i AS n, -i AS bin, i % 2 AS "rows", '
                "'x' AS col, i::VARCHAR AS c0_nulls, i AS \"select\" FROM range(4) t(i)")
    con.close()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> DuckDBEngine:
    path = tmp_path_factory.mktemp("profile") / "hand.duckdb"
    build(path)
    return DuckDBEngine(path)


@pytest.fixture(scope="module")
def orders(engine: DuckDBEngine) -> TableProfile:
    return profile_table(engine, "orders", top_n=3, bins=4)


def test_table_counts_and_duplicates(orders: TableProfile) -> None:
    assert (orders.table, orders.rows, orders.duplicate_rows) == ("orders", 26, 2)
    assert [c.name for c in orders.columns] == ["InvoiceNo", "Quantity", AMOUNT, ODD, "Source", "Notes", DAY]
    assert orders.warnings[0] == Warning("duplicate_rows", None, 2, 2 / 26)


def test_invoice_numbers(orders: TableProfile) -> None:
    c = orders.column("InvoiceNo")
    assert (c.type, c.nulls, c.null_share, c.blanks, c.distinct) == ("VARCHAR", 0, 0.0, 0, 24)
    assert (c.min, c.max, c.mean, c.histogram) == ("10001", "C10004", None, ())
    assert c.top_values == (("10001", 3), ("10002", 1), ("10003", 1))
    assert c.warnings == (Warning("mixed_types", "InvoiceNo", 23, 23 / 26, other_count=3),
                          Warning("cancellation_codes", "InvoiceNo", 2, 2 / 26, value="C"))


def test_quantity_negatives_outlier_and_histogram(orders: TableProfile) -> None:
    c = orders.column("Quantity")
    assert (c.type, c.nulls, c.distinct, c.min, c.max) == ("BIGINT", 0, 9, -2, 1000)
    assert c.mean == pytest.approx(1059 / 26)
    assert c.top_values == ((1, 6), (2, 4), (3, 4))
    assert c.histogram == ((-2.0, 248.5, 25), (248.5, 499.0, 0), (499.0, 749.5, 0), (749.5, 1000.0, 1))
    mean = 1059 / 26
    sd = (1_000_227 / 26 - mean**2) ** 0.5
    outliers, negatives = c.warnings
    assert (outliers.code, outliers.count, outliers.share) == ("outliers", 1, 1 / 26)
    assert outliers.low == pytest.approx(mean - 4 * sd) and outliers.high == pytest.approx(mean + 4 * sd)
    assert negatives == Warning("negative_values", "Quantity", 2, 2 / 26)


def test_a_chinese_column_name_with_spaces_and_parentheses(orders: TableProfile) -> None:
    c = orders.column(AMOUNT)
    assert (c.type, c.min, c.max, c.distinct) == ("DOUBLE", -5.0, 2500.0, 9)
    assert c.mean == pytest.approx(2.5 * 1059 / 26)
    assert [b[2] for b in c.histogram] == [25, 0, 0, 1]
    assert [w.code for w in c.warnings] == ["outliers", "negative_values"]
    assert (c.warnings[0].count, c.warnings[1].count) == (1, 2)


def test_blanks_nulls_and_quotes_in_a_name(orders: TableProfile, engine: DuckDBEngine) -> None:
    c = orders.column(ODD)
    assert (c.nulls, c.blanks, c.distinct, c.min, c.max) == (2, 2, 4, "", "yes")
    assert (c.null_share, c.blank_share) == (2 / 26, 2 / 26)
    assert c.warnings == ()
    top = profile_table(engine, "orders", top_n=10).column(ODD).top_values
    assert top == (("yes", 13), ("no", 9), ("", 1), ("   ", 1))


def test_constant_and_mostly_null_columns(orders: TableProfile) -> None:
    assert orders.column("Source").warnings == (Warning("constant", "Source", 26, 1.0, value="crm"),)
    notes = orders.column("Notes")
    assert (notes.nulls, notes.distinct, notes.top_values) == (22, 2, (("call back", 3), ("bulk order", 1)))
    assert notes.warnings == (Warning("high_null_share", "Notes", 22, 22 / 26),)


def test_a_date_histogram(orders: TableProfile) -> None:
    c = orders.column(DAY)
    assert (c.type, c.min, c.max, c.mean, c.distinct) == ("DATE", dt.date(2024, 1, 1), dt.date(2024, 1, 24), None, 24)
    edges = [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 6, 18), dt.datetime(2024, 1, 12, 12),
             dt.datetime(2024, 1, 18, 6), dt.datetime(2024, 1, 24)]
    assert c.histogram == tuple((edges[i], edges[i + 1], n) for i, n in enumerate([8, 6, 6, 6]))
    assert c.warnings == ()


def test_every_warning_in_column_order(orders: TableProfile) -> None:
    assert [(w.code, w.column) for w in orders.warnings] == [
        ("duplicate_rows", None), ("mixed_types", "InvoiceNo"), ("cancellation_codes", "InvoiceNo"),
        ("outliers", "Quantity"), ("negative_values", "Quantity"), ("outliers", AMOUNT), ("negative_values", AMOUNT),
        ("constant", "Source"), ("high_null_share", "Notes")]


def test_identifier_like_columns_and_an_odd_table_name(engine: DuckDBEngine) -> None:
    profile = profile_table(engine, "客户 list")
    assert (profile.rows, profile.duplicate_rows) == (5, 0)
    assert [(w.code, w.column, w.count) for w in profile.warnings] == [("identifier_like", "客户ID", 5),
                                                                       ("identifier_like", "name", 5)]


def test_column_names_that_clash_with_the_profile_queries(engine: DuckDBEngine) -> None:
    profile = profile_table(engine, "tricky", bins=2)
    v, n, bin_, rows = (profile.column(name) for name in ("v", "n", "bin", "rows"))
    assert (profile.rows, v.top_values, v.distinct) == (4, ((0, 2), (1, 1), (2, 1)), 3)
    assert (n.histogram, bin_.min, rows.top_values) == (((0.0, 1.5, 2), (1.5, 3.0, 2)), -3, ((0, 2), (1, 2)))
    assert [(w.code, w.column) for w in profile.warnings] == [
        ("identifier_like", "n"), ("identifier_like", "bin"), ("constant", "col"), ("identifier_like", "c0_nulls"),
        ("identifier_like", "select")]


def test_an_empty_table_and_an_unknown_one(engine: DuckDBEngine) -> None:
    empty = profile_table(engine, "EMPTY_ONE")
    assert (empty.table, empty.rows, empty.duplicate_rows, empty.warnings) == ("empty_one", 0, 0, ())
    assert [(c.nulls, c.null_share, c.distinct, c.min, c.top_values, c.histogram) for c in empty.columns] == [
        (0, 0.0, 0, None, (), ())] * 2
    with pytest.raises(UnknownNameError, match=r"Unknown table 'order'\. Did you mean 'orders'\?"):
        profile_table(engine, "order")


# --- the real Online Retail data -------------------------------------------------------------------

@pytest.fixture(scope="module")
def retail_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("retail") / "retail.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"CREATE TABLE online_retail AS SELECT * FROM read_parquet('{RETAIL}')")
    con.close()
    return path


@pytest.fixture(scope="module")
def retail(retail_path: Path) -> TableProfile:
    return profile_table(DuckDBEngine(retail_path), "online_retail")


@pytest.fixture(scope="module")
def hand(retail_path: Path, retail: TableProfile) -> Iterator[duckdb.DuckDBPyConnection]:
    """Hand-written SQL on the same file, opened the way the engine opens it."""
    con = duckdb.connect(str(retail_path), read_only=True, config=READ_CONFIG)
    yield con
    con.close()


def one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def test_retail_warnings_a_marketer_expects(retail: TableProfile) -> None:
    assert {(w.code, w.column) for w in retail.warnings} == {
        ("duplicate_rows", None), ("mixed_types", "InvoiceNo"), ("cancellation_codes", "InvoiceNo"),
        ("mixed_types", "StockCode"), ("outliers", "Quantity"), ("negative_values", "Quantity"),
        ("outliers", "UnitPrice"), ("negative_values", "UnitPrice"), ("high_null_share", "CustomerID")}


def test_retail_numbers_match_hand_written_sql(retail: TableProfile, hand: duckdb.DuckDBPyConnection) -> None:
    warning = {(w.code, w.column): w for w in retail.warnings}
    rows = one(hand, "SELECT COUNT(*) FROM online_retail")
    assert retail.rows == rows == 541_909
    negative = one(hand, "SELECT COUNT(*) FROM online_retail WHERE Quantity < 0")
    assert warning["negative_values", "Quantity"] == Warning("negative_values", "Quantity", negative, negative / rows)
    assert negative == 10_624 and round(negative / rows, 4) == 0.0196
    cancelled = one(hand, "SELECT COUNT(*) FROM online_retail WHERE InvoiceNo LIKE 'C%'")
    assert warning["cancellation_codes", "InvoiceNo"].count == cancelled == 9_288
    no_customer = one(hand, "SELECT COUNT(*) FROM online_retail WHERE CustomerID IS NULL")
    assert warning["high_null_share", "CustomerID"].count == no_customer == 135_080
    assert retail.column("CustomerID").null_share == pytest.approx(0.249, abs=5e-4)
    duplicates = one(hand, "SELECT COUNT(*) - COUNT(DISTINCT (InvoiceNo, StockCode, Description, Quantity, "
                           "InvoiceDate, UnitPrice, CustomerID, Country)) FROM online_retail")
    assert retail.duplicate_rows == warning["duplicate_rows", None].count == duplicates == 5_268


def test_retail_outliers_and_mixed_codes(retail: TableProfile, hand: duckdb.DuckDBPyConnection) -> None:
    warning = {(w.code, w.column): w for w in retail.warnings}
    far = one(hand, "WITH s AS (SELECT AVG(Quantity) m, STDDEV_POP(Quantity) sd FROM online_retail) "
                    "SELECT COUNT(*) FROM online_retail, s WHERE ABS(Quantity - m) > 4 * sd")
    assert warning["outliers", "Quantity"].count == far
    digits = one(hand, "SELECT COUNT(*) FROM online_retail WHERE regexp_full_match(InvoiceNo, '[0-9]+')")
    mixed = warning["mixed_types", "InvoiceNo"]
    assert (mixed.count, mixed.other_count) == (digits, 541_909 - digits)
    quantity = retail.column("Quantity")
    assert (quantity.min, quantity.max) == (-80_995, 80_995)
    assert sum(b[2] for b in quantity.histogram) == 541_909 and len(quantity.histogram) == 20


def test_retail_distinct_counts_match_the_source_notes(retail: TableProfile) -> None:
    distinct = {c.name: c.distinct for c in retail.columns}
    assert (distinct["InvoiceNo"], distinct["CustomerID"], distinct["StockCode"], distinct["Country"]) == (
        25_900, 4_372, 4_070, 38)
    assert retail.column("Country").top_values[0] == ("United Kingdom", 495_478)
    assert retail.column("Description").nulls == 1_454
