"""The PostgreSQL dialect gives the same numbers as DuckDB, on a real PostgreSQL 15 server.

Every golden query, and a few more covering each time grain, both comparisons,
a dimension-only query and mixed facts without dimensions, is compiled twice:
for DuckDB (run by the app's engine on the demo warehouse) and for PostgreSQL
(run with psycopg on a copy of the same tables). The two results must match row
by row, in order.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import duckdb
import psycopg
import pytest

from semantic.answer import run_sql
from semantic.compile import compile_query
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.postgres_engine import PostgresEngine
from semantic.query import Filter, Policy, SemanticQuery, TimeRange
from tests.postgres import load_duckdb_tables, postgres_url  # noqa: F401
from tests.test_golden_sql import QUERIES

TABLES = ("customers", "campaigns", "orders", "ad_spend", "campaign_events")
Q2 = TimeRange(dt.date(2025, 4, 1), dt.date(2025, 6, 30))
YEAR_2025 = TimeRange(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
TWO_YEARS = TimeRange(dt.date(2024, 1, 1), dt.date(2025, 12, 31))
JUNE_2025 = TimeRange(dt.date(2025, 6, 1), dt.date(2025, 6, 30))

EXTRA_QUERIES = {
    "revenue_by_day_june": SemanticQuery(
        metrics=("revenue", "orders"), time_grain="day", time_range=JUNE_2025),
    "conversion_by_day_events": SemanticQuery(
        metrics=("conversion_rate",), time_grain="day",
        time_range=TimeRange(dt.date(2025, 6, 1), dt.date(2025, 6, 20))),
    "buyers_by_week_region": SemanticQuery(
        metrics=("buyers", "aov"), dimensions=("region",), time_grain="week", time_range=Q2),
    "units_discount_by_month": SemanticQuery(
        metrics=("units", "discount"), time_grain="month", time_range=TWO_YEARS),
    "new_customers_by_quarter_tier": SemanticQuery(
        metrics=("new_customers",), dimensions=("member_tier",), time_grain="quarter",
        time_range=TWO_YEARS),
    "revenue_spend_by_year": SemanticQuery(
        metrics=("revenue", "spend", "roi"), time_grain="year",
        time_range=TWO_YEARS),
    "revenue_by_month_channel_vs_last_year": SemanticQuery(
        metrics=("revenue", "aov"), dimensions=("channel",), time_grain="month", time_range=YEAR_2025,
        compare="previous_year"),
    "ctr_by_week_vs_previous_period_days": SemanticQuery(
        metrics=("clicks", "ctr", "cpc"), time_grain="week",
        time_range=TimeRange(dt.date(2025, 5, 10), dt.date(2025, 6, 20)), compare="previous_period"),
    "revenue_by_month_vs_previous_period_months": SemanticQuery(
        metrics=("revenue", "orders"), time_grain="month", time_range=Q2, compare="previous_period"),
    "regions_only": SemanticQuery(metrics=(), dimensions=("region",)),
    "age_bands_by_gender_only": SemanticQuery(metrics=(), dimensions=("age_band", "gender")),
    "mixed_facts_no_dimensions": SemanticQuery(
        metrics=("revenue", "spend", "roas", "conversion_rate", "new_customers")),
    "mixed_facts_no_dimensions_q2_not_douyin": SemanticQuery(
        metrics=("revenue", "spend", "clicks", "conversion_rate"), time_range=Q2,
        filters=(Filter("channel", "!=", "Douyin"),)),
}
CASES = {**QUERIES, **EXTRA_QUERIES}

# Cases the PostgreSQL dialect gets wrong today: name → what goes wrong. Strict, so a fix shows up.
KNOWN_FAILURES: dict[str, str] = {}


def _cases() -> list[object]:
    return [pytest.param(name, marks=pytest.mark.xfail(reason=KNOWN_FAILURES[name], strict=True))
            if name in KNOWN_FAILURES else name for name in sorted(CASES)]


@pytest.fixture(scope="module")
def pg_url(demo_connection: duckdb.DuckDBPyConnection, postgres_url: str) -> str:  # noqa: F811
    """The demo warehouse's five tables, copied into the throwaway PostgreSQL database."""
    load_duckdb_tables(demo_connection, postgres_url, TABLES)
    return postgres_url


def run_postgres(url: str, sql: str, params: tuple[object, ...]) -> tuple[list[str], list[tuple]]:
    """Column names and rows of one read-only statement, with a time limit."""
    with psycopg.connect(url, options="-c statement_timeout=30000") as pg:
        pg.read_only = True
        cursor = pg.execute(sql, params or None)
        assert cursor.description is not None, "the statement returned no result set"
        return [c.name for c in cursor.description], cursor.fetchall()


def normalise(value: object) -> object:
    """PostgreSQL's NUMERIC comes back as Decimal; DuckDB's as float or int."""
    return float(value) if isinstance(value, Decimal) else value


def same_value(x: object, y: object, rel: float = 1e-9) -> bool:
    x, y = normalise(x), normalise(y)
    if x is None or y is None:
        return x is None and y is None
    if isinstance(x, float) or isinstance(y, float):
        return math.isclose(float(x), float(y), rel_tol=rel, abs_tol=1e-9)  # type: ignore[arg-type]
    return x == y


def row_differences(pg_rows: list[tuple], duck_rows: list[tuple]) -> list[str]:
    """Each differing row as 'row i: postgres … != duckdb …' (at most ten of them)."""
    diffs = [f"row {i}: postgres {p!r} != duckdb {d!r}"
             for i, (p, d) in enumerate(zip(pg_rows, duck_rows, strict=False))
             if len(p) != len(d) or not all(same_value(a, b) for a, b in zip(p, d, strict=False))]
    if len(pg_rows) != len(duck_rows):
        diffs.insert(0, f"postgres gave {len(pg_rows)} rows, duckdb {len(duck_rows)}")
    return diffs[:10]


@pytest.mark.parametrize("name", _cases())
def test_postgres_matches_duckdb(name: str, pg_url: str, model: SemanticModel, engine: DuckDBEngine) -> None:
    query = CASES[name]
    on_pg = compile_query(query, model, dialect="postgres")
    on_duck = compile_query(query, model, dialect="duckdb")
    pg_columns, pg_rows = run_postgres(pg_url, on_pg.sql, on_pg.params)
    duck_rows = engine.run(on_duck).frame.rows()
    assert pg_columns == list(on_pg.columns)
    assert duck_rows and pg_rows, f"{name}: an empty result proves nothing"
    diffs = row_differences(pg_rows, duck_rows)
    assert not diffs, f"{name} differs between PostgreSQL and DuckDB:\n" + "\n".join(diffs) + \
        f"\n--- PostgreSQL SQL ---\n{on_pg.sql}"


def test_loaded_tables_match_the_warehouse(pg_url: str, con: duckdb.DuckDBPyConnection) -> None:
    """The copy is complete and typed alike: same counts, sums and first timestamp in both databases."""
    checks = [f'SELECT count(*) FROM "{table}"' for table in TABLES] + [
        "SELECT sum(net_amount), sum(quantity), min(order_date) FROM orders",
        "SELECT sum(impressions), sum(spend) FROM ad_spend",
        "SELECT max(event_id), min(event_time), max(event_time) FROM campaign_events",
    ]
    with psycopg.connect(pg_url) as pg:
        for check in checks:
            pg_row = pg.execute(check).fetchone()
            duck_row = con.cursor().execute(check).fetchone()
            assert pg_row is not None and duck_row is not None
            assert not row_differences([pg_row], [duck_row]), check



EAST_ORDERS = ("SELECT c.region, COUNT(*) FROM orders o JOIN customers c ON o.customer_id = c.customer_id "
               "WHERE c.region = 'East' GROUP BY 1")
EAST_CUSTOMERS = "SELECT region, COUNT(*) FROM customers WHERE region = 'East' GROUP BY 1"


@pytest.mark.parametrize(("sql", "expected_sql"), [
    ("SELECT c.region, COUNT(*) AS n FROM orders o JOIN customers c ON o.customer_id = c.customer_id "
     "GROUP BY c.region ORDER BY c.region", EAST_ORDERS),
    ("WITH everyone AS (SELECT * FROM customers WHERE 1 = 1 OR region <> 'East') "
     "SELECT region, COUNT(*) AS n FROM everyone GROUP BY region ORDER BY region", EAST_CUSTOMERS),
])
def test_raw_sql_under_a_row_policy_reads_only_the_region_on_a_live_server(
        sql: str, expected_sql: str, pg_url: str, model: SemanticModel, con: duckdb.DuckDBPyConnection) -> None:
    """The policy rewrite of raw SQL, executed by PostgreSQL itself: an East analyst's counts are East's."""
    engine = PostgresEngine(pg_url)
    try:
        rows = run_sql(sql, model, engine, Policy("ana", (Filter("region", "=", "East"),))).frame.rows()
    finally:
        engine.close()
    expected = con.execute(expected_sql).fetchall()
    assert rows == expected and expected[0][1] > 1000
