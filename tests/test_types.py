"""Type inference: which type each messy text column gets, the values it converts to, and the rejects."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from ingest.source import ColumnPlan, Source, SourceColumn
from ingest.types import plan_columns, rejects_query
from tests.conftest import DATASETS

TMALL = DATASETS / "cn_tmall_orders" / "tmall_order_report.csv"
RETAIL_SAMPLE = DATASETS / "online_retail" / "sample_rhozon" / "online_retail.csv"
RETAIL_FULL = DATASETS / "online_retail" / "online_retail_from_parquet.csv.gz"


def _literal(value: str | None) -> exp.Expression:
    return exp.null() if value is None else exp.Literal.string(value)


def text_source(con: duckdb.DuckDBPyConnection, columns: dict[str, list[str | None]], first_row: int = 2) -> Source:
    """Table `src` of VARCHAR columns, as a spreadsheet reader hands it over."""
    names = list(columns)
    rows = [tuple(_literal(v) for v in row) for row in zip(*columns.values(), strict=True)]
    select = exp.select("*").from_(exp.values(rows, alias="t", columns=names))
    con.execute(exp.Create(this=exp.to_table("src"), kind="TABLE", expression=select, replace=True)
                .sql("duckdb", identify=True))
    return Source(exp.to_table("src"), tuple(SourceColumn(n) for n in names), "test", first_row=first_row)


def converted(con: duckdb.DuckDBPyConnection, plans: list[ColumnPlan], source: Source) -> dict[str, list[Any]]:
    """The warehouse values, column by column, the way the load computes them."""
    select = exp.select(*(exp.alias_(p.value, p.name, quoted=True) for p in plans)).from_(source.relation)
    rows = con.execute(select.sql("duckdb", identify=True)).fetchall()
    return {p.name: [row[i] for row in rows] for i, p in enumerate(plans)}


def plan_one(con: duckdb.DuckDBPyConnection, header: str, values: list[str | None]) -> tuple[str, list[Any]]:
    source = text_source(con, {header: values})
    plan = plan_columns(con, source)[0]
    return plan.type, converted(con, [plan], source)[header]


def rejects(con: duckdb.DuckDBPyConnection, plans: list[ColumnPlan], source: Source) -> list[tuple]:
    return con.execute(rejects_query(plans, source).sql("duckdb", identify=True)).fetchall()


def csv_source(con: duckdb.DuckDBPyConnection, path: Path, **options: str) -> Source:
    """A read_csv(...) relation over a real file, with the columns DuckDB reads from it."""
    extra = "".join(f", {key} = {value}" for key, value in options.items())
    relation = sqlglot.parse_one(f"SELECT * FROM read_csv('{path}'{extra})", read="duckdb").args["from_"].this
    described = con.execute(exp.Describe(this=exp.select("*").from_(relation.copy())).sql("duckdb")).fetchall()
    return Source(relation, tuple(SourceColumn(row[0], row[1]) for row in described), path.name)


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh in-memory database per test (shadows the shared warehouse fixture)."""
    connection = duckdb.connect()
    yield connection
    connection.close()


def needs(path: Path) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not path.exists(), reason=f"dataset not present: {path}")


# --- numbers --------------------------------------------------------------------------------------

def test_money_with_signs_separators_and_accounting_negatives(con: duckdb.DuckDBPyConnection) -> None:
    values = ["¥1,234.50", "(1,234.50)", "$5", "1 234 567", "12元", "RMB 3.5", "-￥2", "€1,000", "£0.99",
              "USD 12", "7.25-", "(¥8)", "NA", "", None]
    kind, out = plan_one(con, "金额(元)", values)
    assert kind == "DOUBLE"
    assert out == [1234.5, -1234.5, 5.0, 1234567.0, 12.0, 3.5, -2.0, 1000.0, 0.99, 12.0, -7.25, -8.0,
                   None, None, None]


def test_whole_numbers_become_bigint(con: duckdb.DuckDBPyConnection) -> None:
    assert plan_one(con, "数量", ["1,234,567", "42", "-7", "+3", "1 000", "¥15"]) == (
        "BIGINT", [1234567, 42, -7, 3, 1000, 15])


def test_one_decimal_among_integers_makes_double(con: duckdb.DuckDBPyConnection) -> None:
    assert plan_one(con, "qty", ["1", "2", "2.5"]) == ("DOUBLE", [1.0, 2.0, 2.5])


def test_percentages_become_fractions(con: duckdb.DuckDBPyConnection) -> None:
    assert plan_one(con, "转化率", ["12.5%", "3%", "-0.5 %", "100%", "0.07%"]) == (
        "DOUBLE", [0.125, 0.03, -0.005, 1.0, 0.0007])


@pytest.mark.parametrize("values", [
    ["C536379", *[str(536380 + i) for i in range(99)]],  # a cancelled invoice among invoice numbers
    ["00123", "45678", "98765"],  # leading zeros: postcodes, SKUs
    ["2088123456789012345", "2088123456789012346"],  # 19-digit order ids
])
def test_identifier_columns_stay_text(con: duckdb.DuckDBPyConnection, values: list[str]) -> None:
    kind, out = plan_one(con, "编号", values)
    assert kind == "VARCHAR" and out == values


def test_mostly_numbers_with_three_percent_text_stay_text(con: duckdb.DuckDBPyConnection) -> None:
    values = [str(i) for i in range(97)] + ["unknown", "see note", "tbd"]
    assert plan_one(con, "visits", values) == ("VARCHAR", values)


def test_null_tokens_are_null_in_typed_columns_and_kept_in_text(con: duckdb.DuckDBPyConnection) -> None:
    tokens = ["NA", "N/A", "null", "NULL", "None", "-", "--", "#N/A", "无", "空", " ", ""]
    source = text_source(con, {"amount": ["5", *tokens], "country": [" NA ", *["x"] * 10, " \u3000", ""]})
    plans = plan_columns(con, source)
    assert [p.type for p in plans] == ["BIGINT", "VARCHAR"]
    out = converted(con, plans, source)
    assert out["amount"] == [5] + [None] * len(tokens)
    assert out["country"] == ["NA", *["x"] * 10, None, None]
    assert rejects(con, plans, source) == []


def test_empty_column_stays_text(con: duckdb.DuckDBPyConnection) -> None:
    assert plan_one(con, "金额", [None, "", "NA"]) == ("VARCHAR", [None, None, "NA"])


# --- booleans -------------------------------------------------------------------------------------

def test_chinese_yes_no_become_booleans(con: duckdb.DuckDBPyConnection) -> None:
    assert plan_one(con, "已付款", ["是", "否", "是", None, "无"]) == ("BOOLEAN", [True, False, True, None, None])


def test_english_flags_become_booleans(con: duckdb.DuckDBPyConnection) -> None:
    values = ["yes", "No", "Y", "n", "TRUE", "false", "t", "F", "对", "错"]
    assert plan_one(con, "subscribed", values) == ("BOOLEAN", [True, False] * 5)


def test_zero_one_is_boolean_only_under_a_flag_header(con: duckdb.DuckDBPyConnection) -> None:
    assert plan_one(con, "是否会员", ["1", "0", "1"]) == ("BOOLEAN", [True, False, True])
    assert plan_one(con, "is_active", ["0", "1"]) == ("BOOLEAN", [False, True])
    assert plan_one(con, "quantity", ["1", "0", "1"]) == ("BIGINT", [1, 0, 1])


# --- dates and times ------------------------------------------------------------------------------

def test_year_first_and_chinese_dates(con: duckdb.DuckDBPyConnection) -> None:
    values = ["2025-06-18", "2025/6/18", "2025.06.18", "2025年6月18日", "2025年6月", " 2025-6-8 "]
    assert plan_one(con, "日期", values) == ("DATE", [date(2025, 6, 18)] * 4 + [date(2025, 6, 1), date(2025, 6, 8)])


def test_yyyymmdd_under_a_date_header(con: duckdb.DuckDBPyConnection) -> None:
    assert plan_one(con, "下单日期", ["20250618", "19991231", "20000229"]) == (
        "DATE", [date(2025, 6, 18), date(1999, 12, 31), date(2000, 2, 29)])


def test_eight_digits_that_are_not_all_dates_stay_numbers(con: duckdb.DuckDBPyConnection) -> None:
    assert plan_one(con, "code", ["20250618", "20251340"]) == ("BIGINT", [20250618, 20251340])
    assert plan_one(con, "code", ["20250618", "18991231"]) == ("BIGINT", [20250618, 18991231])


def test_typed_integer_column_with_date_header_becomes_date(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE src AS SELECT * FROM (VALUES (20250618, 20250618), (20241231, 20241231)) t(dt, order_no)")
    source = Source(exp.to_table("src"), (SourceColumn("dt", "BIGINT"), SourceColumn("order_no", "BIGINT")), "t")
    plans = plan_columns(con, source)
    assert [(p.type, p.value == p.source) for p in plans] == [("DATE", False), ("BIGINT", True)]
    assert converted(con, plans, source) == {"dt": [date(2025, 6, 18), date(2024, 12, 31)],
                                             "order_no": [20250618, 20241231]}


def test_timestamps_in_common_forms(con: duckdb.DuckDBPyConnection) -> None:
    values = ["2025-06-18 14:03:05", "2025/6/18 14:03", "2025-06-18T14:03:05Z", "2025-06-18T14:03:05.250Z",
              "2025年6月18日 14:03", "2025-06-18"]
    assert plan_one(con, "下单时间", values) == ("TIMESTAMP", [
        datetime(2025, 6, 18, 14, 3, 5), datetime(2025, 6, 18, 14, 3), datetime(2025, 6, 18, 14, 3, 5),
        datetime(2025, 6, 18, 14, 3, 5, 250000), datetime(2025, 6, 18, 14, 3), datetime(2025, 6, 18)])


def test_us_slashed_timestamps_as_in_online_retail(con: duckdb.DuckDBPyConnection) -> None:
    values = ["12/1/2010 8:26", "2/20/11 11:39", "6/18/2025 2:03 PM", "12/06/2010 10:08"]
    assert plan_one(con, "InvoiceDate", values) == ("TIMESTAMP", [
        datetime(2010, 12, 1, 8, 26), datetime(2011, 2, 20, 11, 39), datetime(2025, 6, 18, 14, 3),
        datetime(2010, 12, 6, 10, 8)])


def test_day_first_when_a_first_part_exceeds_twelve(con: duckdb.DuckDBPyConnection) -> None:
    assert plan_one(con, "date", ["18/06/2025", "01/02/2025"]) == ("DATE", [date(2025, 6, 18), date(2025, 2, 1)])


def test_ambiguous_slashed_dates_are_month_first(con: duckdb.DuckDBPyConnection) -> None:
    assert plan_one(con, "date", ["01/02/2025", "03/04/2025"]) == ("DATE", [date(2025, 1, 2), date(2025, 3, 4)])


def test_spread_sample_of_a_table_finds_day_first_evidence_past_the_head(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE src AS SELECT CASE WHEN i < 1000 THEN '01/02/2025' ELSE '25/12/2024' END AS d "
                "FROM range(200000) t(i)")
    source = Source(exp.to_table("src"), (SourceColumn("d"),), "t")
    plan = plan_columns(con, source, sample_rows=1000)[0]
    assert plan.type == "DATE"
    value = con.execute(exp.select(plan.value).from_("src").limit(1).sql("duckdb")).fetchall()
    assert value == [(date(2025, 2, 1),)]


# --- names and rejects ----------------------------------------------------------------------------

def test_headers_keep_their_names_and_get_safe_ids(con: duckdb.DuckDBPyConnection) -> None:
    source = text_source(con, {"下单日期": ["2025-06-18"], 'Unit "Price" (¥)': ["¥3"], "unit price": ["x"]})
    plans = plan_columns(con, source)
    assert [(p.name, p.safe_name, p.type) for p in plans] == [
        ("下单日期", "xiadanriqi", "DATE"), ('Unit "Price" (¥)', "unit_price", "BIGINT"),
        ("unit price", "unit_price_2", "VARCHAR")]
    assert converted(con, plans, source)['Unit "Price" (¥)'] == [3]


def test_rejects_list_the_one_bad_cell(con: duckdb.DuckDBPyConnection) -> None:
    days = [f"2025-03-{d:02d}" for d in range(1, 31)] * 3 + ["not a date"] + [f"2025-04-{d:02d}" for d in range(1, 10)]
    source = text_source(con, {"日期": days, "备注": ["ok"] * 100}, first_row=2)
    plans = plan_columns(con, source)
    assert [p.type for p in plans] == ["DATE", "VARCHAR"]
    assert converted(con, plans, source)["日期"][90] is None
    assert rejects(con, plans, source) == [(92, "日期", "not a date", "cannot be read as DATE")]


def test_rejects_cover_every_typed_column_and_skip_null_tokens(con: duckdb.DuckDBPyConnection) -> None:
    source = text_source(con, {"amount": ["1", "2", "NA", *["3"] * 96, "lots"],
                               "paid": ["是", "maybe", *["否"] * 98]}, first_row=5)
    plans = plan_columns(con, source)
    assert [p.type for p in plans] == ["BIGINT", "BOOLEAN"]
    assert rejects(con, plans, source) == [(6, "paid", "maybe", "cannot be read as BOOLEAN"),
                                           (104, "amount", "lots", "cannot be read as BIGINT")]


def test_no_typed_columns_means_an_empty_rejects_query(con: duckdb.DuckDBPyConnection) -> None:
    source = text_source(con, {"name": ["a", "b"]})
    assert rejects(con, plan_columns(con, source), source) == []


# --- real files -----------------------------------------------------------------------------------

@needs(TMALL)
def test_tmall_orders_as_duckdb_types_them_pass_through(con: duckdb.DuckDBPyConnection) -> None:
    source = csv_source(con, TMALL)
    plans = plan_columns(con, source)
    assert {p.name: p.type for p in plans} == {
        "订单编号": "BIGINT", "总金额": "DOUBLE", "买家实际支付金额": "DOUBLE", "收货地址": "VARCHAR",
        "订单创建时间": "TIMESTAMP", "订单付款时间": "TIMESTAMP", "退款金额": "DOUBLE"}
    assert all(p.value == p.source for p in plans if p.type != "VARCHAR")


@needs(TMALL)
def test_tmall_orders_read_as_text_get_their_types_back(con: duckdb.DuckDBPyConnection) -> None:
    source = csv_source(con, TMALL, all_varchar="true")
    plans = plan_columns(con, source)
    assert {p.name: (p.safe_name, p.type) for p in plans} == {
        "订单编号": ("dingdanbianhao", "BIGINT"), "总金额": ("zongjine", "DOUBLE"),
        "买家实际支付金额": ("maijiashijizhifujine", "DOUBLE"), "收货地址": ("shouhuodizhi", "VARCHAR"),
        "订单创建时间": ("dingdanchuangjianshijian", "TIMESTAMP"),
        "订单付款时间": ("dingdanfukuanshijian", "TIMESTAMP"), "退款金额": ("tuikuanjine", "DOUBLE")}
    out = converted(con, plans, source)
    assert (out["订单编号"][0], out["总金额"][0], out["订单创建时间"][0]) == (1, 178.8, datetime(2020, 2, 21))
    assert sum(v is None for v in out["订单付款时间"]) == 3923 and len(out["订单编号"]) == 28010
    assert rejects(con, plans, source) == []


@needs(RETAIL_SAMPLE)
def test_online_retail_sample_semicolon_csv(con: duckdb.DuckDBPyConnection) -> None:
    source = csv_source(con, RETAIL_SAMPLE, delim="';'")
    plans = {p.name: p for p in plan_columns(con, source)}
    assert {n: p.type for n, p in plans.items()} == {
        "X.1": "BIGINT", "X": "BIGINT", "InvoiceNo": "BIGINT", "StockCode": "VARCHAR", "Description": "VARCHAR",
        "Quantity": "BIGINT", "InvoiceDate": "TIMESTAMP", "UnitPrice": "DOUBLE", "CustomerID": "BIGINT",
        "Country": "VARCHAR"}
    assert plans["UnitPrice"].value == plans["UnitPrice"].source  # DuckDB typed it: passes through
    out = converted(con, list(plans.values()), source)
    assert out["InvoiceDate"][:2] == [datetime(2010, 12, 6, 10, 8), datetime(2011, 2, 20, 11, 39)]
    assert sum(v is None for v in out["CustomerID"]) == 1792  # the 'NA' cells
    assert rejects(con, list(plans.values()), source) == []


@needs(RETAIL_FULL)
def test_online_retail_invoice_numbers_stay_text_because_of_cancellations(con: duckdb.DuckDBPyConnection) -> None:
    """Only 1.3% of the first 20,000 invoices are 'C...' cancellations: the 98% rule alone would type them."""
    source = csv_source(con, RETAIL_FULL, all_varchar="true")
    assert {p.name: p.type for p in plan_columns(con, source)} == {
        "InvoiceNo": "VARCHAR", "StockCode": "VARCHAR", "Description": "VARCHAR", "Quantity": "BIGINT",
        "InvoiceDate": "TIMESTAMP", "UnitPrice": "DOUBLE", "CustomerID": "DOUBLE", "Country": "VARCHAR"}


# --- speed ----------------------------------------------------------------------------------------

def test_planning_reads_the_head_of_a_big_csv_not_the_whole_file(tmp_path: Path,
                                                                 con: duckdb.DuckDBPyConnection) -> None:
    """2M rows; 'late' is numeric in the first 100,000 rows only, so a full scan would keep it text.

    Prints planning beside one full read_csv count, and the load and rejects passes (no timing asserted).
    The three bad amounts far past the head come back with their file lines: scan order is kept.
    """
    path = tmp_path / "big.csv"
    con.execute(f"""COPY (SELECT i AS id,
        CASE WHEN i IN (150000, 1234567, 1999999) THEN 'oops' ELSE '¥' || format('{{:,}}', i) || '.50' END AS amount,
        strftime(DATE '2020-01-01' + (i % 1500)::INT, '%d/%m/%Y') AS day, ['是', '否'][i % 2 + 1] AS paid,
        'customer ' || (i % 50000) AS name, (i % 97)::VARCHAR || '%' AS rate,
        CASE WHEN i < 100000 THEN (i % 10)::VARCHAR ELSE 'text' END AS late
        FROM range(2000000) t(i)) TO '{path}' (HEADER)""")
    source = csv_source(con, path, all_varchar="true")
    count = exp.select(exp.Count(this=exp.Star())).from_(source.relation.copy()).sql("duckdb")
    counts, plans_s = [], []
    for _ in range(3):
        counts.append(_seconds(lambda: con.execute(count).fetchall()))
        plans_s.append(_seconds(lambda: plan_columns(con, source)))
    plans = plan_columns(con, source)
    assert {p.name: p.type for p in plans} == {"id": "BIGINT", "amount": "DOUBLE", "day": "DATE",
                                               "paid": "BOOLEAN", "name": "VARCHAR", "rate": "DOUBLE",
                                               "late": "BIGINT"}
    checked = [p for p in plans if p.name != "late"]
    load = exp.select(*(exp.Max(this=p.value) for p in plans)).from_(source.relation.copy()).sql("duckdb")
    found: list[tuple] = []
    load_s = _seconds(lambda: con.execute(load).fetchall())
    rejects_s = _seconds(lambda: found.extend(rejects(con, checked, source)))
    print(f"\n2M-row CSV: full read_csv count {min(counts):.3f}s, plan_columns {min(plans_s):.3f}s "
          f"(best of 3, ratio {min(plans_s) / min(counts):.2f}); converting every column {load_s:.2f}s; "
          f"rejects pass {rejects_s:.2f}s")
    assert found == [(line, "amount", "oops", "cannot be read as DOUBLE") for line in (150002, 1234569, 2000001)]


def _seconds(work: Any) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started
