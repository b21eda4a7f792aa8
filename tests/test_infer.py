"""Proposed models for real data sets: the numbers they give equal hand-written SQL over the same tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from errors import InputError, UnknownNameError
from semantic.compile import compile_query
from semantic.engine import READ_CONFIG, DuckDBEngine
from semantic.infer import propose_model
from semantic.model import SemanticModel, load_model, parse_model, save_model
from semantic.query import SemanticQuery, TimeRange
from tests.conftest import DATASETS, same_rows

DATA = DATASETS
RETAIL = DATA / "online_retail" / "online_retail.parquet"
TMALL = DATA / "cn_tmall_orders" / "tmall_order_report.csv"
OLIST = DATA / "olist_marketing_funnel"
Y2011 = TimeRange(dt.date(2011, 1, 1), dt.date(2011, 12, 31))

pytestmark = pytest.mark.skipif(not DATA.exists(), reason="the shared real data sets are not on this machine")


def build(path: Path, statements: list[str]) -> Path:
    """Write a warehouse file, then close it: the app reads warehouses read-only with READ_CONFIG."""
    writer = duckdb.connect(str(path))
    for statement in statements:
        writer.execute(statement)
    writer.close()
    return path


@pytest.fixture(scope="module")
def retail_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # `online_retail` has InvoiceDate typed, as DuckDB's CSV reader gives it for the same data (SOURCE.md);
    # `online_retail_text_dates` is the parquet as it is, with InvoiceDate as 'YYYY-MM-DD HH:MM:SS' text.
    raw = f"SELECT * FROM read_parquet('{RETAIL}')"
    return build(tmp_path_factory.mktemp("retail") / "retail.duckdb", [
        f"CREATE TABLE online_retail AS SELECT * REPLACE (CAST(InvoiceDate AS TIMESTAMP) AS InvoiceDate) FROM ({raw})",
        f"CREATE TABLE online_retail_text_dates AS {raw}",
    ])


@pytest.fixture(scope="module")
def tmall_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("tmall") / "tmall.duckdb",
                 [f"CREATE TABLE tmall_orders AS SELECT * FROM read_csv('{TMALL}')"])


@pytest.fixture(scope="module")
def olist_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {"closed_deals": "olist_closed_deals_dataset", "qualified_leads": "olist_marketing_qualified_leads_dataset",
             "sellers": "olist_sellers_dataset"}
    return build(tmp_path_factory.mktemp("olist") / "olist.duckdb",
                 [f"CREATE TABLE {t} AS SELECT * FROM read_csv('{OLIST / f}.csv')" for t, f in files.items()])


def reader(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(path), read_only=True, config=READ_CONFIG)
    yield con
    con.close()


@pytest.fixture(scope="module")
def retail(retail_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    yield from reader(retail_db)


@pytest.fixture(scope="module")
def tmall(tmall_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    yield from reader(tmall_db)


@pytest.fixture(scope="module")
def olist(olist_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    yield from reader(olist_db)


@pytest.fixture(scope="module")
def retail_model(retail: duckdb.DuckDBPyConnection) -> SemanticModel:
    return propose_model(retail, ["online_retail"], "online_retail")


@pytest.fixture(scope="module")
def tmall_model(tmall: duckdb.DuckDBPyConnection) -> SemanticModel:
    return propose_model(tmall, ["tmall_orders"], "tmall")


@pytest.fixture(scope="module")
def olist_model(olist: duckdb.DuckDBPyConnection) -> SemanticModel:
    return propose_model(olist, ["closed_deals", "qualified_leads", "sellers"], "olist")


def run(path: Path, model: SemanticModel, query: SemanticQuery) -> list[tuple]:
    """Through the app's own path: compile, then the engine (read-only, no file access)."""
    return DuckDBEngine(path).run(compile_query(query, model)).frame.rows()


def by_key(rows: list[tuple]) -> list[tuple]:
    return sorted(rows, key=repr)


# --- Online Retail -------------------------------------------------------------------------------

def test_retail_metrics_are_the_ones_a_retailer_reads(retail_model: SemanticModel) -> None:
    metrics, measures = retail_model.metrics, retail_model.measures
    assert {"revenue", "invoices", "customers", "quantity"} <= set(metrics)
    assert {m: metrics[m].format for m in ("revenue", "invoices", "customers", "quantity")} == {
        "revenue": "currency", "invoices": "integer", "customers": "integer", "quantity": "integer"}
    revenue = measures[metrics["revenue"].measure or ""]
    assert (revenue.agg, revenue.expr) == ("sum", '"Quantity" * "UnitPrice"')
    assert retail_model.definition("invoices") == 'COUNT(DISTINCT online_retail."InvoiceNo")'
    assert retail_model.definition("customers") == 'COUNT(DISTINCT online_retail."CustomerID")'
    assert metrics["revenue"].label("zh") == "销售额" and "sales" in metrics["revenue"].synonyms["en"]
    assert metrics["avg_unitprice"].format == "currency"  # a price is averaged, never summed
    assert not any(m.agg == "sum" and "CustomerID" in m.expr for m in measures.values())


def test_retail_dimensions_and_time(retail_model: SemanticModel) -> None:
    dims = retail_model.dimensions
    assert retail_model.tables["online_retail"].time == "InvoiceDate"
    country = dims["country"]
    assert country.label("en") == "Country" and country.exprs == {"online_retail": '"Country"'}
    assert "国家" in country.synonyms["zh"] and country.label("zh") == "国家"
    # Product codes and names: a few thousand values over half a million rows, so worth grouping by,
    # counted as distinct codes, never summed.
    assert dims["stockcode"].type == "string" and dims["description"].type == "string"
    assert "stock_codes" in retail_model.metrics
    assert not any("StockCode" in m.expr and m.agg != "count_distinct" for m in retail_model.measures.values())
    assert "invoicedate" not in dims  # the time column is the time grain, not a dimension


def test_retail_totals_equal_hand_written_sql(retail_db: Path, retail_model: SemanticModel,
                                              retail: duckdb.DuckDBPyConnection) -> None:
    expected = retail.sql("SELECT SUM(Quantity * UnitPrice), COUNT(DISTINCT InvoiceNo), COUNT(DISTINCT CustomerID), "
                          "SUM(Quantity) FROM online_retail").fetchall()
    query = SemanticQuery(metrics=("revenue", "invoices", "customers", "quantity"))
    actual = run(retail_db, retail_model, query)
    assert same_rows(actual, expected) and actual[0][1:] == (25_900, 4_372, expected[0][3])


def test_retail_monthly_revenue_in_2011_equals_hand_written_sql(retail_db: Path, retail_model: SemanticModel,
                                                                retail: duckdb.DuckDBPyConnection) -> None:
    expected = retail.sql("""
        SELECT CAST(date_trunc('month', InvoiceDate) AS DATE) AS m, SUM(Quantity * UnitPrice)
        FROM online_retail WHERE InvoiceDate >= DATE '2011-01-01' AND InvoiceDate < DATE '2012-01-01'
        GROUP BY m ORDER BY m""").fetchall()
    actual = run(retail_db, retail_model, SemanticQuery(metrics=("revenue",), time_grain="month", time_range=Y2011))
    assert len(actual) == 12 and actual[0][0] == dt.date(2011, 1, 1)
    assert same_rows(actual, expected)
    trend = run(retail_db, retail_model, SemanticQuery(metrics=("revenue",), time_grain="month"))
    assert len(trend) == 13 and same_rows(trend[1:], expected)  # December 2010, then 2011


def test_retail_revenue_by_country_and_product(retail_db: Path, retail_model: SemanticModel,
                                               retail: duckdb.DuckDBPyConnection) -> None:
    expected = retail.sql("SELECT Country, SUM(Quantity * UnitPrice) AS r FROM online_retail "
                          "GROUP BY Country ORDER BY r DESC LIMIT 5").fetchall()
    actual = run(retail_db, retail_model, SemanticQuery(metrics=("revenue",), dimensions=("country",), limit=5))
    assert actual[0][0] == "United Kingdom" and same_rows(actual, expected)
    expected = retail.sql("SELECT Description, SUM(Quantity) AS q FROM online_retail "
                          "GROUP BY Description ORDER BY q DESC LIMIT 3").fetchall()
    actual = run(retail_db, retail_model, SemanticQuery(metrics=("quantity",), dimensions=("description",), limit=3))
    assert same_rows(actual, expected)


def test_retail_model_round_trips_through_yaml(retail_model: SemanticModel, tmp_path: Path) -> None:
    path = tmp_path / "online_retail.yaml"
    save_model(retail_model, path)
    assert load_model(path) == retail_model
    text = path.read_text(encoding="utf-8")
    assert "销售额" in text and "\\u" not in text  # Chinese stays readable
    save_model(retail_model, path)
    assert path.read_text(encoding="utf-8") == text  # same model, same file
    assert [p.name for p in tmp_path.iterdir()] == ["online_retail.yaml"]  # no temporary file left behind


def test_text_dates_become_a_date_dimension_and_are_explained(retail_db: Path,
                                                              retail: duckdb.DuckDBPyConnection) -> None:
    model = propose_model(retail, ["online_retail_text_dates"], "raw")
    assert model.tables["online_retail_text_dates"].time is None
    assert "InvoiceDate holds dates as text" in model.description("en") and "文本" in model.description("zh")
    assert model.dimensions["invoicedate"].type == "date"
    expected = retail.sql("SELECT CAST(CAST(InvoiceDate AS TIMESTAMP) AS DATE) AS d, SUM(Quantity * UnitPrice) "
                          "FROM online_retail_text_dates WHERE d BETWEEN DATE '2011-12-01' AND DATE '2011-12-09' "
                          "GROUP BY d").fetchall()
    query = SemanticQuery.from_dict({"metrics": ["revenue"], "dimensions": ["invoicedate"], "filters": [
        {"field": "invoicedate", "op": "between", "value": ["2011-12-01", "2011-12-09"]}]})
    actual = run(retail_db, model, query)
    assert len(actual) == 8 and same_rows(by_key(actual), by_key(expected))  # no trading on Saturdays


# --- A Chinese table -----------------------------------------------------------------------------

def test_tmall_labels_are_chinese_and_ids_pinyin(tmall_model: SemanticModel) -> None:
    dims, metrics = tmall_model.dimensions, tmall_model.metrics
    assert tmall_model.tables["tmall_orders"].time == "订单创建时间"
    assert tmall_model.tables["tmall_orders"].primary_key == "订单编号"
    province = dims["shouhuodizhi"]
    assert province.label("zh") == "收货地址" and province.exprs == {"tmall_orders": '"收货地址"'}
    assert "省份" in province.synonyms["zh"]  # its values are province names
    assert dims["dingdanbianhao"].label("en") == "Order ID"
    assert dims["dingdanfukuanshijian"].type == "date"  # the other timestamp, by day
    for metric_id, header in [("zongjine", "总金额"), ("maijiashijizhifujine", "买家实际支付金额"),
                              ("tuikuanjine", "退款金额")]:
        metric = metrics[metric_id]
        assert (metric.label("zh"), metric.format) == (header, "currency")
        assert tmall_model.measures[metric.measure or ""].agg == "sum"
    assert metrics["zongjine"].label("en") == "Total amount"
    assert metrics["tuikuanjine"].higher_is_better is False
    assert metrics["dingdanshu"].label("zh") == "订单数" and metrics["dingdanshu"].label("en") == "Orders"
    assert all(name.isascii() for name in [*dims, *metrics, *tmall_model.measures])


def test_tmall_by_month_and_province_equal_hand_written_sql(tmall_db: Path, tmall_model: SemanticModel,
                                                           tmall: duckdb.DuckDBPyConnection) -> None:
    expected = tmall.sql('SELECT DATE \'2020-02-01\', COUNT(DISTINCT "订单编号"), SUM("总金额"), '
                         'SUM("买家实际支付金额") FROM tmall_orders').fetchall()
    query = SemanticQuery(metrics=("dingdanshu", "zongjine", "maijiashijizhifujine"), time_grain="month")
    actual = run(tmall_db, tmall_model, query)
    assert actual[0][1] == 28_010 and same_rows(actual, expected)
    expected = tmall.sql('SELECT "收货地址", SUM("买家实际支付金额") AS paid FROM tmall_orders '
                         "GROUP BY 1 ORDER BY paid DESC LIMIT 3").fetchall()
    query = SemanticQuery(metrics=("maijiashijizhifujine",), dimensions=("shouhuodizhi",), limit=3)
    assert same_rows(run(tmall_db, tmall_model, query), expected)


def test_chinese_model_saves_readably(tmall_model: SemanticModel, tmp_path: Path) -> None:
    path = tmp_path / "tmall.yaml"
    save_model(tmall_model, path)
    text = path.read_text(encoding="utf-8")
    assert "收货地址" in text and "\\u" not in text
    assert parse_model(text, "tmall.yaml") == tmall_model


def test_labels_without_translation(tmall: duckdb.DuckDBPyConnection, retail: duckdb.DuckDBPyConnection) -> None:
    plain = propose_model(tmall, ["tmall_orders"], "tmall", lang_labels=False)
    assert plain.dimensions["dingdanbianhao"].labels == {"en": "Dingdanbianhao", "zh": "订单编号"}
    country = propose_model(retail, ["online_retail"], "r", lang_labels=False).dimensions["country"]
    assert country.labels == {"en": "Country"} and "国家" in country.synonyms["zh"]


# --- Joins ---------------------------------------------------------------------------------------

def test_olist_joins_deals_to_leads_only(olist_model: SemanticModel) -> None:
    joins = [(j.left, j.right, j.on) for j in olist_model.joins]
    # Every deal finds its lead; only 10.5% of leads close, and 45% of deals' sellers are in the sellers file.
    assert joins == [("closed_deals", "qualified_leads", (("mql_id", "mql_id"),))]
    assert olist_model.tables["qualified_leads"].primary_key == "mql_id"
    assert olist_model.tables["closed_deals"].time == "won_date"
    assert olist_model.tables["qualified_leads"].time == "first_contact_date"
    assert olist_model.tables["sellers"].time is None and "sellers has no date column" in olist_model.description()
    assert olist_model.dimensions["has_company"].type == "boolean"
    # 611 cities and 2,246 zip prefixes over 3,095 sellers: too many to group by, and not ids.
    assert "seller_city" not in olist_model.dimensions and "seller_zip_code_prefix" not in olist_model.dimensions
    assert {"seller_state", "origin", "landing_page_id", "business_segment"} <= set(olist_model.dimensions)


def test_deals_by_lead_origin_equal_hand_written_sql(olist_db: Path, olist_model: SemanticModel,
                                                     olist: duckdb.DuckDBPyConnection) -> None:
    expected = olist.sql("""
        SELECT l.origin, COUNT(*), SUM(d.declared_monthly_revenue)
        FROM closed_deals d LEFT JOIN qualified_leads l ON d.mql_id = l.mql_id GROUP BY l.origin""").fetchall()
    query = SemanticQuery(metrics=("closed_deals_rows", "declared_monthly_revenue"), dimensions=("origin",))
    actual = run(olist_db, olist_model, query)
    assert sum(r[1] for r in actual) == 842 and same_rows(by_key(actual), by_key(expected))
    leads = run(olist_db, olist_model, SemanticQuery(metrics=("mqls",), dimensions=("origin",)))
    assert sum(r[1] for r in leads) == 8_000


# --- The demo warehouse --------------------------------------------------------------------------

def test_demo_warehouse_proposal(warehouse: Path, con: duckdb.DuckDBPyConnection) -> None:
    model = propose_model(con, ["orders", "customers", "campaigns"], "demo")
    assert {(j.left, j.right, j.on) for j in model.joins} == {
        ("orders", "customers", (("customer_id", "customer_id"),)),
        ("orders", "campaigns", (("campaign_id", "campaign_id"),))}
    assert [model.tables[t].time for t in ("orders", "customers", "campaigns")] == [
        "order_date", "signup_date", "start_date"]
    net = model.metrics["net_amount"]
    assert net.format == "currency" and model.definition("net_amount") == "SUM(orders.net_amount)"
    assert model.metrics["discount_amount"].higher_is_better is False
    assert model.metrics["orders"].format == "integer" and model.dimensions["age"].type == "number"
    expected = con.sql("SELECT c.region, SUM(o.net_amount) FROM orders o JOIN customers c USING (customer_id) "
                       "GROUP BY 1").fetchall()
    actual = run(warehouse, model, SemanticQuery(metrics=("net_amount",), dimensions=("region",)))
    assert same_rows(by_key(actual), by_key(expected))


# --- What the proposal refuses or leaves out -----------------------------------------------------

def test_unknown_or_no_tables_are_refused_in_words(olist: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(UnknownNameError, match=r"Unknown table 'seller'\. Did you mean 'sellers'"):
        propose_model(olist, ["seller"], "x")
    with pytest.raises(InputError, match="at least one table"):
        propose_model(olist, [], "x")


def test_a_metric_that_fails_on_the_data_is_left_out_and_named() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE ledger AS SELECT 9999999999999999999999999999::DECIMAL(38, 10) AS amount, "
                "'North' AS region FROM range(100)")
    model = propose_model(con, ["ledger"], "ledger")
    assert "amount" not in model.metrics and "amount_sum" not in model.measures  # its SUM overflows
    assert "Left out metric 'amount': Out of Range Error" in model.description("en")
    assert "未采用指标 amount" in model.description("zh")
    assert list(model.metrics) == ["ledger_rows"] and list(model.dimensions) == ["region"]
