"""Cleaning recipes on a real DuckDB: every step's rows compared value by value, chains, undo, JSON, refusals, words."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator

import duckdb
import pytest
from sqlglot import exp

from errors import IngestError
from ingest.recipe import (
    Case,
    Cast,
    Derive,
    DropDuplicates,
    Fill,
    Filter,
    MapValues,
    Merge,
    Rename,
    Split,
    Step,
    Trim,
    check_recipe,
    describe,
    recipe_select,
    step_from_dict,
)

RAW = "_raw_订单"
COLUMNS = ["编号", "客户", "城市", "Qty", "金额", "渠道", "下单 日期", "会员"]
# Order A was exported twice (rows 1 and 3): identical in every column but __row.
ROWS = [
    (1, "A", " 张三 ", "广东-深圳-南山", "3", 10.0, "微信", "2024/01/05", "yes"),
    (2, "B", "li si", "北京-北京", "1,200", None, "抖音", "2024-01-06", "no"),
    (3, "A", " 张三 ", "广东-深圳-南山", "3", 10.0, "微信", "2024/01/05", "yes"),
    (4, "D", "\u3000WANG wu", None, "abc", 30.0, "小红书", "2024年1月7日", "是"),
    (5, "E", None, "上海", "7", None, "微信", "bad", None),
    (6, "F", "zhao liu", "浙江-杭州", "-2", 20.0, "其他", "20240108", "0"),
]


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute(f'CREATE TABLE "{RAW}" ("__row" BIGINT, "编号" VARCHAR, "客户" VARCHAR, "城市" VARCHAR, '
                       '"Qty" VARCHAR, "金额" DOUBLE, "渠道" VARCHAR, "下单 日期" VARCHAR, "会员" VARCHAR)')
    connection.executemany(f'INSERT INTO "{RAW}" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', ROWS)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def types(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return {name: kind for name, kind, *_ in con.execute(f'DESCRIBE "{RAW}"').fetchall()}


def run(con: duckdb.DuckDBPyConnection, steps: list[Step], types: dict[str, str] | None = None
        ) -> tuple[list[str], list[tuple]]:
    cursor = con.execute(recipe_select(RAW, COLUMNS, steps, types).sql("duckdb"))
    return [d[0] for d in cursor.description], cursor.fetchall()


def column(con: duckdb.DuckDBPyConnection, steps: list[Step], name: str, types: dict[str, str] | None = None
           ) -> list:
    names, rows = run(con, steps, types)
    return [row[names.index(name)] for row in rows]


def ids(con: duckdb.DuckDBPyConnection, steps: list[Step], types: dict[str, str]) -> list[str]:
    return column(con, steps, "编号", types)


# ------------------------------------------------------------------ each step's values

def test_no_steps_gives_the_raw_rows_in_file_order_without_row(con: duckdb.DuckDBPyConnection) -> None:
    names, rows = run(con, [])
    assert names == COLUMNS
    assert rows == [r[1:] for r in ROWS]


def test_rename_keeps_position_and_values(con: duckdb.DuckDBPyConnection) -> None:
    names, rows = run(con, [Rename("Qty", "数量"), Rename("下单 日期", "order date")])
    assert names == ["编号", "客户", "城市", "数量", "金额", "渠道", "order date", "会员"]
    assert rows == [r[1:] for r in ROWS]


def test_rename_may_change_only_the_case(con: duckdb.DuckDBPyConnection) -> None:
    assert run(con, [Rename("Qty", "qty")])[0][3] == "qty"


@pytest.mark.parametrize(("to", "expected"), [
    ("integer", [3, 1200, 3, None, 7, -2]),
    ("decimal", [3.0, 1200.0, 3.0, None, 7.0, -2.0]),
    ("text", ["3", "1,200", "3", "abc", "7", "-2"]),
])
def test_cast_numbers_and_text_failures_become_null(con: duckdb.DuckDBPyConnection, types: dict[str, str],
                                                    to: str, expected: list) -> None:
    assert column(con, [Cast("Qty", to)], "Qty", types) == expected


def test_cast_number_to_text(con: duckdb.DuckDBPyConnection, types: dict[str, str]) -> None:
    assert column(con, [Cast("金额", "text")], "金额", types) == ["10.0", None, "10.0", "30.0", None, "20.0"]


def test_cast_dates_reads_slashes_chinese_and_compact_forms(con: duckdb.DuckDBPyConnection,
                                                           types: dict[str, str]) -> None:
    day = dt.date
    assert column(con, [Cast("下单 日期", "date")], "下单 日期", types) == [
        day(2024, 1, 5), day(2024, 1, 6), day(2024, 1, 5), day(2024, 1, 7), None, day(2024, 1, 8)]
    stamps = column(con, [Cast("下单 日期", "timestamp")], "下单 日期", types)
    assert stamps[0] == dt.datetime(2024, 1, 5) and stamps[4] is None


def test_dates_compare_as_dates(con: duckdb.DuckDBPyConnection, types: dict[str, str]) -> None:
    cast = Cast("下单 日期", "date")
    assert ids(con, [cast, Filter("下单 日期", ">=", "2024/01/06")], types) == ["B", "D", "F"]
    assert ids(con, [cast, Fill("下单 日期", "value", "2024-12-31"), Filter("下单 日期", "=", "2024-12-31")],
               types) == ["E"]


def test_cast_boolean_reads_yes_no_and_chinese(con: duckdb.DuckDBPyConnection, types: dict[str, str]) -> None:
    assert column(con, [Cast("会员", "boolean")], "会员", types) == [True, False, True, True, None, False]


def test_trim_removes_ascii_and_full_width_spaces(con: duckdb.DuckDBPyConnection, types: dict[str, str]) -> None:
    expected = ["张三", "li si", "张三", "WANG wu", None, "zhao liu"]
    assert column(con, [Trim("客户")], "客户", types) == expected
    assert column(con, [Trim("客户")], "客户") == expected  # without types too


@pytest.mark.parametrize(("mode", "expected"), [
    ("lower", ["张三", "li si", "张三", "wang wu", None, "zhao liu"]),
    ("upper", ["张三", "LI SI", "张三", "WANG WU", None, "ZHAO LIU"]),
    ("title", ["张三", "Li Si", "张三", "Wang Wu", None, "Zhao Liu"]),
])
def test_case(con: duckdb.DuckDBPyConnection, types: dict[str, str], mode: str, expected: list) -> None:
    assert column(con, [Trim("客户"), Case("客户", mode)], "客户", types) == expected


@pytest.mark.parametrize(("method", "value", "expected"), [
    ("value", 0, [10.0, 0.0, 10.0, 30.0, 0.0, 20.0]),
    ("mean", None, [10.0, 17.5, 10.0, 30.0, 17.5, 20.0]),
    ("median", None, [10.0, 15.0, 10.0, 30.0, 15.0, 20.0]),
    ("forward", None, [10.0, 10.0, 10.0, 30.0, 30.0, 20.0]),
])
def test_fill_numbers(con: duckdb.DuckDBPyConnection, types: dict[str, str], method: str, value: object,
                      expected: list) -> None:
    assert column(con, [Fill("金额", method, value)], "金额", types) == expected


def test_fill_text_with_a_value_and_forward(con: duckdb.DuckDBPyConnection, types: dict[str, str]) -> None:
    assert column(con, [Fill("城市", "value", "未知")], "城市", types)[3] == "未知"
    assert column(con, [Fill("城市", "forward")], "城市", types)[3] == "广东-深圳-南山"


def test_forward_fill_follows_file_order_after_a_filter(con: duckdb.DuckDBPyConnection,
                                                         types: dict[str, str]) -> None:
    steps = [Filter("编号", "!=", "A"), Fill("客户", "forward")]
    assert column(con, steps, "客户", types) == ["li si", "\u3000WANG wu", "\u3000WANG wu", "zhao liu"]


def test_drop_duplicates_keeps_the_first_row(con: duckdb.DuckDBPyConnection, types: dict[str, str]) -> None:
    assert ids(con, [DropDuplicates()], types) == ["A", "B", "D", "E", "F"]
    assert ids(con, [DropDuplicates(("渠道",))], types) == ["A", "B", "D", "F"]
    assert column(con, [DropDuplicates(("渠道", "城市"))], "客户", types) == [
        " 张三 ", "li si", "\u3000WANG wu", None, "zhao liu"]


@pytest.mark.parametrize(("flt", "expected"), [
    (Filter("金额", "=", 10), ["A", "A"]),
    (Filter("金额", "!=", 10), ["B", "D", "E", "F"]),  # empty cells differ from 10, so they stay
    (Filter("金额", ">", "15"), ["D", "F"]),  # a number typed as text still compares as a number
    (Filter("金额", ">=", 20), ["D", "F"]),
    (Filter("金额", "<", 20), ["A", "A"]),
    (Filter("金额", "<=", 10.0), ["A", "A"]),
    (Filter("渠道", "in", ("微信", "抖音")), ["A", "B", "A", "E"]),
    (Filter("渠道", "not in", ["微信"]), ["B", "D", "F"]),
    (Filter("城市", "not in", ("上海",)), ["A", "B", "A", "D", "F"]),
    (Filter("城市", "contains", "深圳"), ["A", "A"]),
    (Filter("城市", "starts with", "北京"), ["B"]),
    (Filter("城市", "is null"), ["D"]),
    (Filter("城市", "is not null"), ["A", "B", "A", "E", "F"]),
    (Filter("渠道", "=", "微信' OR 1=1 --"), []),  # a value is a literal, never SQL
])
def test_filter_keeps_matching_rows(con: duckdb.DuckDBPyConnection, types: dict[str, str], flt: Filter,
                                    expected: list[str]) -> None:
    assert ids(con, [flt], types) == expected


def test_split_into_new_columns_after_the_source(con: duckdb.DuckDBPyConnection, types: dict[str, str]) -> None:
    names, rows = run(con, [Split("城市", "-", ("省", "市", "区"))], types)
    assert names[2:6] == ["城市", "省", "市", "区"]
    assert [r[3:6] for r in rows] == [("广东", "深圳", "南山"), ("北京", "北京", None), ("广东", "深圳", "南山"),
                                      (None, None, None), ("上海", None, None), ("浙江", "杭州", None)]


def test_split_last_part_keeps_the_rest(con: duckdb.DuckDBPyConnection, types: dict[str, str]) -> None:
    assert column(con, [Split("城市", "-", ("省", "其余"))], "其余", types) == [
        "深圳-南山", "北京", "深圳-南山", None, None, "杭州"]


def test_merge_skips_empty_cells(con: duckdb.DuckDBPyConnection, types: dict[str, str]) -> None:
    names, rows = run(con, [Merge(("渠道", "城市"), "/", "来源")], types)
    assert names[-1] == "来源"
    assert [r[-1] for r in rows] == ["微信/广东-深圳-南山", "抖音/北京-北京", "微信/广东-深圳-南山", "小红书",
                                     "微信/上海", "其他/浙江-杭州"]


def test_merge_numbers_as_text(con: duckdb.DuckDBPyConnection, types: dict[str, str]) -> None:
    assert column(con, [Merge(("编号", "金额"), "", "键")], "键", types) == [
        "A10.0", "B", "A10.0", "D30.0", "E", "F20.0"]


def test_map_values(con: duckdb.DuckDBPyConnection, types: dict[str, str]) -> None:
    mapping = {"微信": "WeChat", "抖音": "Douyin", "其他": None}
    assert column(con, [MapValues("渠道", mapping)], "渠道", types) == [
        "WeChat", "Douyin", "WeChat", "小红书", "WeChat", None]
    assert column(con, [MapValues("渠道", mapping, "null")], "渠道", types) == [
        "WeChat", "Douyin", "WeChat", None, "WeChat", None]


@pytest.mark.parametrize(("formula", "expected"), [
    ("金额 * 2", [20.0, None, 20.0, 60.0, None, 40.0]),
    ("CASE WHEN 金额 >= 20 THEN '高' ELSE '低' END", ["低", "低", "低", "高", "低", "高"]),
    ("upper(渠道) || '-' || coalesce(城市, '?')", ["微信-广东-深圳-南山", "抖音-北京-北京", "微信-广东-深圳-南山",
                                                   "小红书-?", "微信-上海", "其他-浙江-杭州"]),
    ('round(try_cast(qty AS INTEGER) / 2, 1)', [1.5, None, 1.5, None, 3.5, -1.0]),
    ("length(\"下单 日期\")", [10, 10, 10, 9, 3, 8]),
])
def test_derive(con: duckdb.DuckDBPyConnection, types: dict[str, str], formula: str, expected: list) -> None:
    names, rows = run(con, [Derive("新列", formula)], types)
    assert names == [*COLUMNS, "新列"]
    assert [r[-1] for r in rows] == expected


def test_derive_accepts_the_listed_functions(con: duckdb.DuckDBPyConnection, types: dict[str, str]) -> None:
    steps = [Cast("下单 日期", "date"), Derive("月", "date_trunc('month', \"下单 日期\")"),
             Derive("年", "year(\"下单 日期\")"), Derive("天", "date_diff('day', \"下单 日期\", DATE '2024-02-01')"),
             Derive("文本", "strftime(\"下单 日期\", '%Y/%m')"), Derive("绝对", "abs(金额 - 20)"),
             Derive("前缀", "left(城市, 2)"), Derive("替换", "replace(城市, '-', '')")]
    names, rows = run(con, steps, types)
    first = dict(zip(names, rows[0], strict=True))
    assert (first["年"], first["天"], first["文本"], first["绝对"], first["前缀"], first["替换"]) == (
        2024, 27, "2024/01", 10.0, "广东", "广东深圳南山")


# ------------------------------------------------------------------ chains and undo

CHAIN: list[Step] = [Trim("客户"), Case("客户", "title"), Cast("Qty", "integer"), DropDuplicates(),
                     Fill("金额", "median"), Filter("Qty", ">", 0), Derive("总额", "Qty * 金额")]


def test_a_chain_of_steps(con: duckdb.DuckDBPyConnection, types: dict[str, str]) -> None:
    names, rows = run(con, CHAIN, types)
    assert names == [*COLUMNS, "总额"]
    assert [(r[0], r[1], r[3], r[4], r[-1]) for r in rows] == [
        ("A", "张三", 3, 10.0, 30.0), ("B", "Li Si", 1200, 20.0, 24000.0), ("E", None, 7, 20.0, 140.0)]


def test_undo_is_the_recipe_with_one_step_fewer(con: duckdb.DuckDBPyConnection, types: dict[str, str]) -> None:
    names, rows = run(con, CHAIN[:-1], types)
    assert names == COLUMNS
    assert [(r[0], r[3], r[4]) for r in rows] == [("A", 3, 10.0), ("B", 1200, 20.0), ("E", 7, 20.0)]
    assert rows == [r[:-1] for r in run(con, CHAIN, types)[1]]
    assert ids(con, CHAIN[:-2], types) == ["A", "B", "D", "E", "F"]  # undo the filter too: its rows come back


def test_check_recipe_gives_the_final_columns() -> None:
    assert check_recipe(COLUMNS, CHAIN) == [*COLUMNS, "总额"]
    assert check_recipe([*COLUMNS, "__row"], [Split("城市", "-", ("省", "市"))])[:5] == [
        "编号", "客户", "城市", "省", "市"]


def test_create_table_as_the_load_does(con: duckdb.DuckDBPyConnection, types: dict[str, str]) -> None:
    select = recipe_select(RAW, COLUMNS, CHAIN, types)
    create = exp.Create(this=exp.Table(this=exp.to_identifier("订单", quoted=True)), kind="TABLE",
                        expression=select, replace=True)
    con.execute(create.sql("duckdb", identify=True))
    assert con.execute('SELECT "编号", "总额" FROM "订单"').fetchall() == [("A", 30.0), ("B", 24000.0), ("E", 140.0)]
    assert "__row" not in [r[0] for r in con.execute('DESCRIBE "订单"').fetchall()]


# ------------------------------------------------------------------ JSON

EVERY_STEP: list[Step] = [
    Rename("Qty", "数量"), Cast("Qty", "integer"), Trim("客户"), Case("客户", "upper"), Fill("金额", "value", 0),
    Fill("金额", "forward"), DropDuplicates(), DropDuplicates(("渠道", "城市")), Filter("渠道", "in", ("微信", "抖音")),
    Filter("城市", "is null"), Split("城市", "-", ("省", "市")), Merge(("渠道", "城市"), " ", "来源"),
    MapValues("渠道", {"微信": "WeChat", "其他": None}, "null"), Derive("双倍", "金额 * 2"),
]


@pytest.mark.parametrize("step", EVERY_STEP, ids=lambda s: s.op)
def test_json_round_trip(step: Step) -> None:
    saved = json.dumps(step.to_dict(), ensure_ascii=False)
    assert json.loads(saved)["op"] == step.op
    assert step_from_dict(json.loads(saved)) == step


def test_a_filter_saved_with_a_list_comes_back_equal() -> None:
    assert step_from_dict({"op": "filter", "column": "渠道", "operator": "in", "value": ["微信"]}) == \
        Filter("渠道", "in", ("微信",))


@pytest.mark.parametrize(("saved", "message"), [
    ({"op": "renam", "column": "a", "to": "b"}, "Unknown cleaning step 'renam'. Did you mean 'rename'?"),
    ({"column": "a"}, "Unknown cleaning step None."),
    ({"op": "rename", "column": "a"}, "The rename step needs to."),
    ({"op": "trim", "column": "a", "width": 3}, "The trim step does not take width."),
    ({"op": "fill", "column": "a"}, "The fill step needs method."),
    ({"op": "drop_duplicates", "keys": 3}, "The drop_duplicates step has a value of the wrong kind"),
])
def test_bad_saved_steps(saved: dict, message: str) -> None:
    with pytest.raises(IngestError, match="^" + re.escape(message)):
        step_from_dict(saved)


# ------------------------------------------------------------------ refusals

@pytest.mark.parametrize(("step", "message"), [
    (Rename("Qyt", "数量"), "Step 1 (rename): there is no column 'Qyt'. Did you mean 'Qty'?"),
    (Rename("Qty", "金额"), "Step 1 (rename): a column named '金额' already exists; choose another name."),
    (Rename("金额", "qty"), "Step 1 (rename): a column named 'qty' already exists"),
    (Rename("金额", "__row"), "a column named '__row' already exists"),
    (Rename("金额", " "), "Step 1 (rename): the new column needs a name."),
    (Cast("Qty", "money"), "cannot convert 'Qty' to 'money'; choose one of integer, decimal, text, date"),
    (Trim("金额"), "Step 1 (trim): '金额' holds number values, not text; cast it to text first."),
    (Case("客户", "camel"), "unknown case 'camel'; choose one of lower, upper, title."),
    (Case("金额", "upper"), "'金额' holds number values, not text"),
    (Fill("客户", "mean"), "Step 1 (fill): '客户' holds text values; a mean needs numbers."),
    (Fill("城市", "median"), "'城市' holds text values; a median needs numbers."),
    (Fill("金额", "value"), "filling '金额' needs one value, got None."),
    (Fill("金额", "value", "很多"), "filling '金额' needs a number, got '很多'."),
    (Fill("金额", "zero"), "unknown fill method 'zero'"),
    (DropDuplicates(("渠道", "channel")), "Step 1 (drop_duplicates): there is no column 'channel'."),
    (Filter("金额", "~", 1), "unknown comparison '~'; choose one of =, !=, >"),
    (Filter("渠道", "in", "微信"), "the filter on '渠道' with 'in' needs a list of values."),
    (Filter("渠道", "in", ()), "the filter on '渠道' with 'in' needs a list of values."),
    (Filter("金额", ">", "很多"), "the filter on '金额' needs a number, got '很多'."),
    (Filter("金额", "=", None), "the filter on '金额' needs one value, got None."),
    (Filter("金额", "contains", "1"), "'金额' holds number values, not text"),
    (Filter("城市x", "is null"), "there is no column '城市x'. Did you mean '城市'?"),
    ([Cast("下单 日期", "date"), Filter("下单 日期", ">", "soon")], "Step 2 (filter): the filter on '下单 日期' needs "
                                                                   "a date like 2024-01-31, got 'soon'."),
    (Split("城市", "-", ("省", "渠道")), "a column named '渠道' already exists"),
    (Split("城市", "-", ("省",)), "splitting '城市' needs at least two new column names."),
    (Split("城市", "", ("省", "市")), "splitting '城市' needs a separator."),
    (Split("城市", "-", ("省", "省")), "the new column names repeat"),
    (Split("金额", "-", ("a", "b")), "'金额' holds number values, not text"),
    (Merge(("渠道",), "-", "x"), "merging needs at least two columns."),
    (Merge(("渠道", "城市"), "-", "客户"), "a column named '客户' already exists"),
    (Merge(("渠道", "city"), "-", "x"), "there is no column 'city'."),
    (MapValues("渠道", {}), "replacing values in '渠道' needs at least one pair"),
    (MapValues("渠道", {"a": "b"}, "drop"), "unknown choice for other values 'drop'"),
    (Derive("客户", "金额 * 2"), "Step 1 (derive): a column named '客户' already exists"),
    (Derive("x", "金额 * 数量"), "the formula uses '数量', which is not a column."),
    (Derive("x", "t.金额"), "refer to columns by their name alone"),
    (Derive("x", "read_csv('x')"), "Step 1 (derive): the function read_csv is not allowed in a formula. Use columns"),
    (Derive("x", "read_parquet('/etc/passwd')"), "the function read_parquet is not allowed"),
    (Derive("x", "getenv('HOME')"), "the function getenv is not allowed"),
    (Derive("x", "(SELECT max(金额) FROM _raw_订单)"), "a subquery (SELECT) is not allowed in a formula."),
    (Derive("x", "金额 IN (SELECT 1)"), "a subquery (SELECT) is not allowed"),
    (Derive("x", "金额; DROP TABLE _raw_订单"), "has 2 statements (';' is not allowed)"),
    (Derive("x", "DROP TABLE _raw_订单"), "is not allowed in a formula"),
    (Derive("x", "sum(金额)"), "sum combines many rows; a derived column is computed row by row."),
    (Derive("x", "row_number() OVER ()"), "window functions (OVER) are not allowed"),
    (Derive("x", "金额 +"), "could not read the formula"),
    (Derive("x", " "), "the formula is empty."),
    (Derive("x", "__row * 2"), "the formula uses '__row', which is not a column."),
])
def test_bad_steps_are_refused_in_words(types: dict[str, str], step: Step | list[Step], message: str) -> None:
    steps = step if isinstance(step, list) else [step]
    with pytest.raises(IngestError, match=re.escape(message)):
        check_recipe(COLUMNS, steps, types)
    with pytest.raises(IngestError):
        recipe_select(RAW, COLUMNS, steps, types)


def test_the_message_names_the_step_number() -> None:
    with pytest.raises(IngestError, match=r"^Step 3 \(filter\): there is no column 'Qty'\. Did you mean 'qty'\?"):
        check_recipe(COLUMNS, [Trim("客户"), Rename("Qty", "qty"), Filter("Qty", ">", 1)])


def test_a_later_step_sees_the_earlier_steps_columns() -> None:
    steps = [Split("城市", "-", ("省", "市")), Filter("省", "=", "广东"), Rename("市", "city"),
             Merge(("省", "city"), "", "地区"), Derive("长度", "length(地区)")]
    assert check_recipe(COLUMNS, steps)[-2:] == ["地区", "长度"]


def test_a_cast_changes_what_later_steps_accept(types: dict[str, str]) -> None:
    check_recipe(COLUMNS, [Cast("金额", "text"), Trim("金额")], types)
    with pytest.raises(IngestError, match=r"Step 2 \(fill\): 'Qty' holds text values"):
        check_recipe(COLUMNS, [Trim("Qty"), Fill("Qty", "mean")], types)
    check_recipe(COLUMNS, [Cast("Qty", "integer"), Fill("Qty", "mean")], types)


def test_a_column_name_with_quotes_stays_a_name(con: duckdb.DuckDBPyConnection) -> None:
    con.execute('CREATE TABLE "_raw_q" ("__row" BIGINT, "a""b; DROP TABLE x" VARCHAR)')
    con.execute("INSERT INTO _raw_q VALUES (1, ' v ')")
    name = 'a"b; DROP TABLE x'
    select = recipe_select("_raw_q", [name], [Trim(name), Rename(name, "ok")])
    assert con.execute(select.sql("duckdb")).fetchall() == [("v",)]


# ------------------------------------------------------------------ words

WORDS: list[tuple[Step, str, str]] = [
    (Rename("Qty", "quantity"), "Rename 'Qty' to 'quantity'", "将 'Qty' 重命名为 'quantity'"),
    (Cast("Qty", "integer"), "Convert 'Qty' to integer; values that cannot be converted become empty",
     "将 'Qty' 转换为整数，无法转换的值变为空"),
    (Cast("下单 日期", "date"), "Convert '下单 日期' to date; values that cannot be converted become empty",
     "将 '下单 日期' 转换为日期，无法转换的值变为空"),
    (Trim("客户"), "Trim spaces around '客户'", "去除 '客户' 首尾的空格"),
    (Case("客户", "title"), "Make '客户' title case", "将 '客户' 转为首字母大写"),
    (Fill("金额", "value", 0), "Fill empty cells of '金额' with 0", "用 0 填充 '金额' 的空值"),
    (Fill("城市", "value", "未知"), "Fill empty cells of '城市' with '未知'", "用 '未知' 填充 '城市' 的空值"),
    (Fill("金额", "mean"), "Fill empty cells of '金额' with the column mean", "用平均值填充 '金额' 的空值"),
    (Fill("金额", "forward"), "Fill empty cells of '金额' with the value above", "用上一行的值填充 '金额' 的空值"),
    (DropDuplicates(), "Remove duplicate rows, keeping the first", "删除重复行，保留第一行"),
    (DropDuplicates(("渠道", "城市")), "Remove duplicate rows (same '渠道', '城市'), keeping the first",
     "删除重复行（'渠道'、'城市' 相同），保留第一行"),
    (Filter("金额", ">", 5), "Keep rows where '金额' > 5", "只保留 '金额' 大于 5 的行"),
    (Filter("渠道", "in", ("微信", "抖音")), "Keep rows where '渠道' is one of '微信', '抖音'",
     "只保留 '渠道' 属于 '微信'、'抖音' 的行"),
    (Filter("城市", "is null"), "Keep rows where '城市' is empty", "只保留 '城市' 为空的行"),
    (Filter("城市", "starts with", "北京"), "Keep rows where '城市' starts with '北京'",
     "只保留 '城市' 开头是 '北京' 的行"),
    (Split("城市", "-", ("省", "市")), "Split '城市' at '-' into '省', '市'", "按 '-' 将 '城市' 拆分为 '省'、'市'"),
    (Merge(("渠道", "城市"), "/", "来源"), "Merge '渠道', '城市' with '/' into '来源'",
     "用 '/' 连接 '渠道'、'城市'，生成 '来源'"),
    (MapValues("渠道", {"微信": "WeChat", "其他": None}), "Replace values of '渠道': '微信' → 'WeChat', "
     "'其他' → empty; other values kept", "替换 '渠道' 的值：'微信' → 'WeChat'，'其他' → 空；其他值保留"),
    (MapValues("渠道", {"微信": "WeChat"}, "null"), "Replace values of '渠道': '微信' → 'WeChat'; other values emptied",
     "替换 '渠道' 的值：'微信' → 'WeChat'；其他值置空"),
    (Derive("单价", "金额 / Qty"), "Add column '单价' = 金额 / Qty", "新增列 '单价' = 金额 / Qty"),
]


@pytest.mark.parametrize(("step", "english", "chinese"), WORDS, ids=lambda v: getattr(v, "op", ""))
def test_describe_in_both_languages(step: Step, english: str, chinese: str) -> None:
    assert describe(step, "en") == english
    assert describe(step, "zh") == chinese


def test_every_step_type_is_described() -> None:
    assert {s.op for s, _, _ in WORDS} == {s.op for s in EVERY_STEP}
