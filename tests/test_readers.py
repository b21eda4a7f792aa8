"""File readers: real messy files from shared/datasets, generated edge cases, and every bad input's message."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import tempfile
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlglot import exp

from errors import IngestError
from ingest.excel import find_header, flatten_header
from ingest.files import open_sources, sheet_names, with_text_columns
from ingest.source import Source
from tests.conftest import DATASETS


@pytest.fixture(autouse=True)
def private_temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Temp copies made without a work_dir land in the test's own folder, not in /tmp."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


def load(con: duckdb.DuckDBPyConnection, source: Source) -> list[tuple]:
    """What the load does: one full scan of every column into a table; return its rows."""
    load_count(con, source)
    return con.execute("SELECT * FROM loaded").fetchall()


def load_count(con: duckdb.DuckDBPyConnection, source: Source) -> int:
    select = exp.select("*").from_(source.relation)
    con.execute(exp.Create(this=exp.to_table("loaded"), kind="TABLE", expression=select,
                           replace=True).sql("duckdb"))
    return con.execute("SELECT count(*) FROM loaded").fetchall()[0][0]


def count(con: duckdb.DuckDBPyConnection, source: Source) -> int:
    return con.execute(exp.select(exp.func("count", exp.Star())).from_(source.relation).sql("duckdb")).fetchall()[0][0]


def rejects(con: duckdb.DuckDBPyConnection, source: Source) -> list[tuple]:
    return con.execute(f"SELECT DISTINCT line, error_type FROM {source.rejects} "
                       f"WHERE scan_id = (SELECT max(scan_id) FROM {source.rejects}) ORDER BY line").fetchall()


def one(path: Path, con: duckdb.DuckDBPyConnection | None = None, **kwargs: object) -> Source:
    [source] = open_sources(con or duckdb.connect(), path, **kwargs)
    return source


def names(source: Source) -> list[str]:
    return [c.name for c in source.columns]


# --- real files ----------------------------------------------------------------------------------

REAL = [  # path, rows, a few columns in order from the first
    ("online_retail/online_retail.parquet", 541_909, ["InvoiceNo", "StockCode", "Description", "Quantity"]),
    ("online_retail/online_retail_from_parquet.csv.gz", 541_909, ["InvoiceNo", "StockCode", "Description"]),
    ("online_retail/sample_moatazsaad/Online Retail.xlsx", 40_000, ["InvoiceNo", "StockCode", "Description"]),
    ("online_retail/sample_rhozon/online_retail.csv", 5_000, ["X.1", "X", "InvoiceNo", "StockCode"]),
    ("telco_churn/WA_Fn-UseC_-Telco-Customer-Churn.csv", 7_043, ["customerID", "gender", "SeniorCitizen"]),
    ("telco_churn/Telco-Customer-Churn.csv", 7_043, ["customerID", "gender", "SeniorCitizen"]),
    ("bank_marketing/bank-full.csv", 45_211, ["age", "job", "marital", "education", "default", "balance"]),
    ("bank_marketing/bank-additional-full.csv", 41_188, ["age", "job", "marital", "education", "default"]),
    ("cn_meal_orders/meal_order_info.csv", 945, ["order_id", "emp_id", "number_consumers"]),
    ("cn_meal_orders/meal_order_detail.csv", 10_037, ["detail_id", "order_id", "dishes_id"]),
    ("cn_mingri_shop/1月.csv", 50, ["买家会员名", "买家实际支付金额", "收货人姓名", "宝贝标题", "订单付款时间"]),
    ("cn_mingri_shop/JD.csv", 33, ["商品名称", "一级分类", "二级分类", "7天点击量", "定价", "订单预定"]),
    ("cn_mingri_shop/2018.xlsx", 1_784, ["买家会员名", "买家实际支付金额", "宝贝总数量", "宝贝标题", "订单付款时间"]),
    ("cn_mingri_shop/2019.xlsx", 2_124, ["买家会员名", "买家实际支付金额", "宝贝总数量", "宝贝标题", "订单付款时间"]),
    ("cn_mingri_shop/销售表.xlsx", 11_815, ["日期", "商品名称", "成交件数", "销售码洋"]),
    ("cn_mingri_shop/广告费.xlsx", 11_815, ["投放日期", "支出"]),
    ("cn_mingri_shop/all.xlsx", 11_815, ["column_1", "时间", "商品名称", "SKU", "品牌"]),
    ("cn_tmall_orders/tmall_order_report.csv", 28_010,
     ["订单编号", "总金额", "买家实际支付金额", "收货地址", "订单创建时间", "订单付款时间", "退款金额"]),
    ("fb_ads_conversion/KAG_conversion_data.csv", 1_143, ["ad_id", "xyz_campaign_id", "fb_campaign_id"]),
    ("marketing_campaign/kaggle_tab/marketing_campaign.csv", 2_240, ["ID", "Year_Birth", "Education"]),
    ("marketing_campaign/semicolon_bom/marketing_campaign.csv", 2_240, ["ID", "Year_Birth", "Education"]),
    ("olist_marketing_funnel/olist_marketing_qualified_leads_dataset.csv", 8_000, ["mql_id", "first_contact_date"]),
    ("olist_marketing_funnel/olist_closed_deals_dataset.csv", 842, ["mql_id", "seller_id", "sdr_id", "sr_id"]),
    ("olist_marketing_funnel/olist_sellers_dataset.csv", 3_095, ["seller_id", "seller_zip_code_prefix"]),
]


@pytest.mark.parametrize(("relative", "rows", "first_columns"), REAL, ids=[r[0] for r in REAL])
def test_real_file_opens_with_its_row_count_and_headers(relative: str, rows: int, first_columns: list[str]) -> None:
    con = duckdb.connect()
    source = one(DATASETS / relative, con)
    assert names(source)[:len(first_columns)] == first_columns
    assert count(con, source) == rows
    assert load_count(con, source) == rows  # every column converted: no row lost to a type guessed too early
    assert source.rejects is None or rejects(con, source) == []


def test_real_file_shapes() -> None:
    widths = {"bank_marketing/bank-additional-full.csv": 21, "marketing_campaign/kaggle_tab/marketing_campaign.csv": 29,
              "marketing_campaign/semicolon_bom/marketing_campaign.csv": 29, "cn_mingri_shop/all.xlsx": 17,
              "cn_meal_orders/meal_order_info.csv": 21, "cn_meal_orders/meal_order_detail.csv": 19}
    for relative, width in widths.items():
        assert len(one(DATASETS / relative).columns) == width, relative


def test_gbk_files_decode_to_real_chinese() -> None:
    con = duckdb.connect()
    info = one(DATASETS / "cn_meal_orders/meal_order_info.csv", con)
    assert info.temp_files and info.temp_files[0].suffix == ".csv"  # transcoded to UTF-8
    assert ("苗宇怡",) in con.execute(f"SELECT name FROM {info.relation.sql('duckdb')}").fetchall()
    assert names(one(DATASETS / "cn_mingri_shop/JD.csv"))[0] == "商品名称"


def test_embedded_line_breaks_stay_inside_their_cell() -> None:
    con = duckdb.connect()
    source = one(DATASETS / "cn_meal_orders/meal_order_detail.csv", con)
    load_count(con, source)
    assert con.execute("SELECT count(*) FROM loaded WHERE dishes_name LIKE '%' || chr(10)").fetchall() == [(861,)]


def test_typed_columns_and_kept_text() -> None:
    bank = {c.name: c.type for c in one(DATASETS / "bank_marketing/bank-additional-full.csv").columns}
    assert bank["age"] == "BIGINT" and bank["euribor3m"] == "DOUBLE" and bank["default"] == "VARCHAR"
    sellers = {c.name: c.type for c in one(DATASETS / "olist_marketing_funnel/olist_sellers_dataset.csv").columns}
    assert sellers["seller_zip_code_prefix"] == "VARCHAR"  # leading zeros kept
    telco = {c.name: c.type for c in one(DATASETS / "telco_churn/Telco-Customer-Churn.csv").columns}
    assert telco["TotalCharges"] == "VARCHAR" and telco["MonthlyCharges"] == "DOUBLE"


def test_excel_sheet_names_from_content() -> None:
    assert sheet_names(DATASETS / "cn_mingri_shop/2018.xlsx") == ["sheet1"]
    assert sheet_names(DATASETS / "cn_mingri_shop/2019.xlsx") == ["Sheet1"]
    assert sheet_names(DATASETS / "telco_churn/Telco-Customer-Churn.csv") == []


# --- encodings, delimiters, formats --------------------------------------------------------------

TABLE = "名称,金额,日期\n苹果,1.5,2024-01-02\n香蕉,2,2024-02-03\n"
ROWS = [("苹果", 1.5, dt.date(2024, 1, 2)), ("香蕉", 2.0, dt.date(2024, 2, 3))]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-be-bom"])
def test_every_encoding_gives_the_same_rows(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "t.csv"
    data = (b"\xfe\xff" + TABLE.encode("utf-16-be")) if encoding == "utf-16-be-bom" else TABLE.encode(encoding)
    path.write_bytes(data)
    con = duckdb.connect()
    source = one(path, con, work_dir=tmp_path / "work")
    assert names(source) == ["名称", "金额", "日期"]
    assert load(con, source) == ROWS
    native = encoding in ("utf-8", "utf-8-sig")
    assert bool(source.temp_files) != native
    assert all(t.parent == tmp_path / "work" for t in source.temp_files)


def test_gb18030_characters_outside_gbk(tmp_path: Path) -> None:
    text = "客户,备注\n张三,喜欢😀表情\n李四,普通客户资料\n王五,常用汉字在这里\n"
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("gb18030"))
    con = duckdb.connect()
    assert load(con, one(path, con))[0] == ("张三", "喜欢😀表情")


def test_western_code_page_is_not_taken_for_chinese(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("name,city\nCrème,Zürich\nJosé,Montréal\nRenée,Besançon\n".encode("cp1252"))
    con = duckdb.connect()
    assert load(con, one(path, con))[0] == ("Crème", "Zürich")


def test_multibyte_character_cut_by_the_sample_is_not_an_error(tmp_path: Path) -> None:
    row = "订单,金额\n" + "".join(f"订单号{i},{i}\n" for i in range(120_000))  # about 2 MB of 3-byte characters
    path = tmp_path / "big.csv"
    path.write_text(row, encoding="utf-8")
    source = one(path)
    assert not source.temp_files and count(duckdb.connect(), source) == 120_000


@pytest.mark.parametrize(("delimiter", "suffix"), [(",", ".csv"), ("\t", ".csv"), (";", ".csv"), ("|", ".csv"),
                                                    ("\t", ".tsv"), ("\t", ".txt"), ("|", ".txt")])
def test_every_delimiter(tmp_path: Path, delimiter: str, suffix: str) -> None:
    path = tmp_path / f"t{suffix}"
    path.write_text(TABLE.replace(",", delimiter), encoding="utf-8")
    con = duckdb.connect()
    assert load(con, one(path, con)) == ROWS


def test_quoted_fields_crlf_and_a_quote_in_the_path(tmp_path: Path) -> None:
    path = tmp_path / "it's \"q\".csv"
    path.write_bytes(b'id,note,amount\r\n1,"a, b",3\r\n2,"line one\r\nline two",4\r\n3,"say ""hi""",5\r\n')
    con = duckdb.connect()
    source = one(path, con)
    assert load(con, source) == [(1, "a, b", 3), (2, "line one\r\nline two", 4), (3, 'say "hi"', 5)]
    assert source.label == path.name


def test_backslash_escapes_single_columns_hashtags_and_long_ids(tmp_path: Path) -> None:
    cases = {
        "escaped.csv": ('id,text\n1,"say \\"hi\\""\n2,"x"\n', [(1, 'say "hi"'), (2, "x")]),
        "single.csv": ("name\nAnn\nBob\n", [("Ann",), ("Bob",)]),
        "tags.csv": ("tag,clicks\n#spring,10\n#summer,20\n", [("#spring", 10), ("#summer", 20)]),
        "ids.csv": ("order_id,zip\n123456789012345678901,00123\n", [(123456789012345678901, "00123")]),
    }
    for name, (text, rows) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        con = duckdb.connect()
        assert load(con, one(tmp_path / name, con)) == rows, name


def test_header_names_trimmed_blank_and_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(" 订单付款时间 ,,amount,Amount,amount\n2024-01-01,x,1,2,3\n", encoding="utf-8")
    assert names(one(path)) == ["订单付款时间", "column_2", "amount", "Amount (2)", "amount (3)"]


def test_title_lines_above_the_table_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_text("销售日报 2024年6月\n导出时间: 2024-06-18\n\n地区,销售额\n北京,100\n上海,200\n", encoding="utf-8")
    con = duckdb.connect()
    source = one(path, con)
    assert names(source) == ["地区", "销售额"] and source.first_row == 5
    assert load(con, source) == [("北京", 100), ("上海", 200)]


def test_file_without_header_gets_column_names(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("1,2.5,3\n4,5.5,6\n7,8.5,9\n", encoding="utf-8")
    con = duckdb.connect()
    source = one(path, con)
    assert names(source) == ["column_1", "column_2", "column_3"] and source.first_row == 1
    assert count(con, source) == 3


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("name,amount\n", encoding="utf-8")
    con = duckdb.connect()
    source = one(path, con)
    assert names(source) == ["name", "amount"] and load(con, source) == []


def test_malformed_rows_are_kept_aside_with_their_line(tmp_path: Path) -> None:
    lines = ["id,name,amount"] + [f"{i},n{i},{i}" for i in range(1, 40)]
    lines[10] = "10,n10,10,EXTRA"
    lines[20] = "20"
    lines.append('40,"never closed,4')
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    con = duckdb.connect()
    source = one(path, con)
    assert len(load(con, source)) == 37
    assert [c.type for c in source.columns] == ["BIGINT", "VARCHAR", "BIGINT"]
    assert rejects(con, source) == [(11, "TOO MANY COLUMNS"), (21, "MISSING COLUMNS"), (41, "UNQUOTED VALUE")]


def test_a_late_value_that_breaks_the_sniffed_type_can_be_retried_as_text(tmp_path: Path) -> None:
    lines = ["id,amount"] + [f"{i},{i}.5" for i in range(30_000)]
    lines[25_000] = "24999,N/A"
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    con = duckdb.connect()
    source = one(path, con)
    assert len(load(con, source)) == 29_999
    [(line, kind)] = rejects(con, source)
    assert (line, kind) == (25_001, "CAST")
    retry = with_text_columns(source, ["amount"])
    assert len(load(con, retry)) == 30_000 and retry.columns[1].type == "VARCHAR"


def test_json_array_and_ndjson_read_alike_with_nested_fields_flattened(tmp_path: Path) -> None:
    records = [{"id": 1, "customer": {"city": "北京", "tags": ["vip"]}, "items": [1, 2]},
               {"id": 2, "customer": {"city": "上海", "tags": []}, "items": []}]
    array, lines = tmp_path / "a.json", tmp_path / "n.jsonl"
    array.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    lines.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8-sig")
    con = duckdb.connect()
    got = [load(con, one(p, con)) for p in (array, lines)]
    assert got[0] == got[1] == [(1, "北京", '["vip"]', "[1,2]"), (2, "上海", "[]", "[]")]
    assert names(one(array)) == ["id", "customer.city", "customer.tags", "items"]


def test_json_in_gbk_utf16_and_with_a_bom(tmp_path: Path) -> None:
    text = json.dumps([{"名称": "苹果", "金额": 1.5}], ensure_ascii=False)
    for codec in ("gbk", "utf-16", "utf-8-sig"):
        path = tmp_path / f"{codec}.json"
        path.write_bytes(text.encode(codec))
        con = duckdb.connect()
        assert load(con, one(path, con)) == [("苹果", 1.5)]


def test_parquet(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"名称": ["苹果", "香蕉"], "金额": [1.5, 2.0]}), path)
    con = duckdb.connect()
    source = one(path, con)
    assert source.temp_files == () and load(con, source) == [("苹果", 1.5), ("香蕉", 2.0)]


@pytest.mark.parametrize("kind", ["csv", "gbk.csv", "json", "ndjson", "parquet", "xlsx"])
def test_gzip_of_every_format(tmp_path: Path, kind: str) -> None:
    plain = tmp_path / f"plain.{kind}"
    if kind == "parquet":
        pq.write_table(pa.table({"名称": ["苹果", "香蕉"], "金额": [1.5, 2.0]}), plain)
    elif kind == "xlsx":
        book = openpyxl.Workbook()
        for row in [("名称", "金额"), ("苹果", 1.5), ("香蕉", 2)]:
            book.active.append(row)
        book.save(plain)
    elif kind in ("json", "ndjson"):
        rows = [{"名称": "苹果", "金额": 1.5}, {"名称": "香蕉", "金额": 2.0}]
        text = json.dumps(rows, ensure_ascii=False) if kind == "json" else "\n".join(json.dumps(r) for r in rows)
        plain.write_text(text, encoding="utf-8")
    else:
        plain.write_bytes("名称,金额\n苹果,1.5\n香蕉,2.0\n".encode("gbk" if kind == "gbk.csv" else "utf-8"))
    packed = tmp_path / f"data.{kind}.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    con = duckdb.connect()
    source = one(packed, con, work_dir=tmp_path)
    got = load(con, source)
    assert [(name, float(amount)) for name, amount in got] == [("苹果", 1.5), ("香蕉", 2.0)]
    assert all(t.exists() for t in source.temp_files)  # the load deletes them


# --- Excel ---------------------------------------------------------------------------------------


def report_workbook(path: Path) -> Path:
    """A sheet made for people: a title, a blank row, a two-row merged header, a spacer column, an empty row."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "销售"
    sheet["B2"] = "2019-2020 年销售报表"
    sheet.merge_cells("B2:G2")
    sheet["B4"], sheet["C4"], sheet["E4"], sheet["H4"] = "地区", 2019, 2020, "更新日期"
    sheet["C5"], sheet["D5"], sheet["E5"], sheet["F5"] = "销售额", "利润", "销售额", "利润"
    for cells in ("B4:B5", "C4:D4", "E4:F4", "H4:H5"):
        sheet.merge_cells(cells)
    sheet.append([None, "北京", 1234.5, 12, 2000, 30, None, dt.datetime(2020, 1, 2)])
    sheet.append([])
    sheet.append([None, "上海", 99, -3, 1e20, 0.25, None, dt.datetime(2020, 2, 3)])
    book.create_sheet("空白")
    other = book.create_sheet("Notes")
    other.append(["key", "value"])
    other.append(["a", "1"])
    book.save(path)
    return path


def test_excel_title_rows_merged_header_and_empty_columns(tmp_path: Path) -> None:
    con = duckdb.connect()
    first, notes = open_sources(con, report_workbook(tmp_path / "report.xlsx"))
    assert names(first) == ["地区", "2019 销售额", "2019 利润", "2020 销售额", "2020 利润", "更新日期"]
    assert {c.type for c in first.columns} == {"VARCHAR"}
    assert (first.label, first.sheet, first.first_row) == ("report.xlsx", "销售", 6)
    assert load(con, first) == [("北京", "1234.5", "12", "2000", "30", "2020-01-02"),
                                ("上海", "99", "-3", "100000000000000000000", "0.25", "2020-02-03")]
    assert names(notes) == ["key", "value"] and load(con, notes) == [("a", "1")]


def test_excel_sheets_by_name(tmp_path: Path) -> None:
    path = report_workbook(tmp_path / "report.xlsx")
    assert sheet_names(path) == ["销售", "空白", "Notes"]
    [notes] = open_sources(duckdb.connect(), path, sheets=["Notes"])
    assert (notes.label, notes.sheet) == ("report.xlsx", "Notes")
    with pytest.raises(IngestError, match=r"report\.xlsx has no sheet 'notes'\. Did you mean 'Notes'\?"):
        open_sources(duckdb.connect(), path, sheets=["notes"])
    with pytest.raises(IngestError, match=r"report\.xlsx, sheet 空白 is empty"):
        open_sources(duckdb.connect(), path, sheets=["空白"])


def test_excel_named_csv_is_read_as_excel(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(report_workbook(tmp_path / "r.xlsx").read_bytes())
    assert names(open_sources(duckdb.connect(), path)[0])[0] == "地区"


def test_excel_plain_table_and_time_cells(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    for row in [("日期", "时间", "金额", "备注"), (dt.date(2024, 6, 18), dt.time(9, 30), 3, "  x "),
                (dt.date(2024, 6, 19), dt.time(18, 0), 4.25, None)]:
        book.active.append(row)
    book.save(tmp_path / "t.xlsx")
    con = duckdb.connect()
    source = one(tmp_path / "t.xlsx", con)
    assert source.first_row == 2
    assert load(con, source) == [("2024-06-18", "09:30:00", "3", "  x "), ("2024-06-19", "18:00:00", "4.25", None)]


def test_header_block_with_text_groups_over_year_labels() -> None:
    rows = [["月报", None, None, None, None], ["地区", "销售额", None, "利润", None],
            [None, "2019", "2020", "2019", "2020"], ["北京", "1234.5", "99", "12.5", "8"], ["上海", "1", "2", "3", "4"]]
    top, bottom = find_header(rows)
    assert (top, bottom) == (1, 2)
    assert flatten_header(rows[top:bottom + 1]) == ["地区", "销售额 2019", "销售额 2020", "利润 2019", "利润 2020"]
    assert find_header([["1", "2.5"], ["3", "4.5"]]) == (0, -1)  # values first: no header


def test_legacy_xls_workbook(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt")  # dev-only: writes the Excel 97 format fastexcel reads
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("销售")
    sheet.write_merge(0, 0, 0, 2, "2024 年报表")
    for column, title in enumerate(["日期", "地区", "金额"]):
        sheet.write(2, column, title)
    for row, (day, city, amount) in enumerate([(18, "北京", 12.5), (19, "上海", 7)], start=3):
        sheet.write(row, 0, dt.date(2024, 6, day), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
        sheet.write(row, 1, city)
        sheet.write(row, 2, amount)
    book.add_sheet("Sheet2")
    book.save(str(tmp_path / "old.xls"))
    assert sheet_names(tmp_path / "old.xls") == ["销售", "Sheet2"]
    con = duckdb.connect()
    source = one(tmp_path / "old.xls", con)
    assert (names(source), source.first_row) == (["日期", "地区", "金额"], 4)
    assert load(con, source) == [("2024-06-18", "北京", "12.5"), ("2024-06-19", "上海", "7")]


def test_text_only_sheet_keeps_its_first_row_as_data(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    for row in [("Name", "City", None), ("Alice", "Paris", "vip"), ("Bob", "Rome", "new")]:
        book.active.append(row)
    book.save(tmp_path / "t.xlsx")
    con = duckdb.connect()
    source = one(tmp_path / "t.xlsx", con)
    assert names(source) == ["Name", "City", "column_3"] and count(con, source) == 2


# --- bad input -----------------------------------------------------------------------------------


def refused(path: Path) -> str:
    with pytest.raises(IngestError) as info:
        open_sources(duckdb.connect(), path, work_dir=path.parent / "work")
    message = str(info.value)
    assert path.name in message
    assert not list((path.parent / "work").glob("*")) if (path.parent / "work").exists() else True
    return message


def test_empty_and_blank_files(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    assert "empty.csv is empty (0 bytes)" in refused(tmp_path / "empty.csv")
    (tmp_path / "blank.csv").write_text("\n  \n\n", encoding="utf-8")
    assert "only blank lines" in refused(tmp_path / "blank.csv")


def test_binary_files_are_not_tables(tmp_path: Path) -> None:
    (tmp_path / "photo.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    assert "photo.csv is not a table file: it looks like a PNG image" in refused(tmp_path / "photo.csv")
    (tmp_path / "blob.csv").write_bytes(b"a,b\n1,2\n\x00\x01\x02\xff" * 10)
    assert "binary data" in refused(tmp_path / "blob.csv")
    (tmp_path / "noise.csv").write_bytes(bytes((i * 167 + 89) % 255 + 1 for i in range(5000)))
    assert "not text in an encoding Beacon recognises" in refused(tmp_path / "noise.csv")
    with zipfile.ZipFile(tmp_path / "bundle.csv", "w") as archive:
        archive.writestr("inside.csv", "a,b\n1,2\n")
    assert "bundle.csv is a zip archive" in refused(tmp_path / "bundle.csv")
    (tmp_path / "page.xls").write_text("<html><table><tr><td>1</td></tr></table></html>", encoding="utf-8")
    assert "web page" in refused(tmp_path / "page.xls")


def test_truncated_gzip(tmp_path: Path) -> None:
    small = gzip.compress(b"a,b\n" + b"1,2\n" * 1000)
    (tmp_path / "small.csv.gz").write_bytes(small[: len(small) // 2])
    assert "small.csv.gz is cut short" in refused(tmp_path / "small.csv.gz")
    big = gzip.compress(b"id,value\n" + b"".join(b"%d,%d\n" % (i, i * 7 % 1000) for i in range(400_000)))
    (tmp_path / "big.csv.gz").write_bytes(big[: len(big) - 2000])
    assert "big.csv.gz is cut short" in refused(tmp_path / "big.csv.gz")
    gbk = gzip.compress(("名称,金额\n" + "苹果,1\n" * 300_000).encode("gbk"))
    (tmp_path / "gbk.csv.gz").write_bytes(gbk[: len(gbk) - 500])
    assert "gbk.csv.gz is cut short" in refused(tmp_path / "gbk.csv.gz")


def test_json_that_is_not_records(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text('{\n  "data": [1, 2]\n}\n', encoding="utf-8")
    assert "one.json holds one JSON object, not a list of records" in refused(tmp_path / "one.json")
    (tmp_path / "values.json").write_text("[1, 2, 3]", encoding="utf-8")
    assert "values.json is a JSON array of plain values" in refused(tmp_path / "values.json")
    (tmp_path / "broken.jsonl").write_text('{"a": 1}\n{"a": 2}\n{"a": 3, oops}\n', encoding="utf-8")
    assert refused(tmp_path / "broken.jsonl").startswith("broken.jsonl, line 3: this is not valid JSON")
    (tmp_path / "nothing.json").write_text("[]", encoding="utf-8")
    assert "nothing.json holds no records" in refused(tmp_path / "nothing.json")


def test_excel_without_data_and_damaged_workbooks(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.create_sheet("Sheet2")
    book.save(tmp_path / "blank.xlsx")
    assert "blank.xlsx has no data: every sheet is empty" in refused(tmp_path / "blank.xlsx")
    good = report_workbook(tmp_path / "good.xlsx").read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(good[: len(good) // 2])
    assert "cut.xlsx" in refused(tmp_path / "cut.xlsx")
    with zipfile.ZipFile(tmp_path / "fake.xlsx", "w") as archive:
        archive.writestr("xl/workbook.xml", "not xml at all")
    assert "fake.xlsx cannot be read as an Excel workbook" in refused(tmp_path / "fake.xlsx")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert "old.xls cannot be read as an Excel workbook" in refused(tmp_path / "old.xls")


def test_damaged_parquet_and_missing_file(tmp_path: Path) -> None:
    pq.write_table(pa.table({"a": list(range(1000))}), tmp_path / "t.parquet")
    data = (tmp_path / "t.parquet").read_bytes()
    (tmp_path / "cut.parquet").write_bytes(data[: len(data) - 100])
    assert "cut.parquet is a damaged or incomplete Parquet file" in refused(tmp_path / "cut.parquet")
    with pytest.raises(IngestError, match=r"nowhere\.csv does not exist"):
        open_sources(duckdb.connect(), tmp_path / "nowhere.csv")


def test_mixed_encoding_is_refused_with_its_line(tmp_path: Path) -> None:
    body = "名称,金额\n" + "苹果,1\n" * 400_000  # > 1 MB of GBK, then a stray UTF-8 line
    (tmp_path / "mixed.csv").write_bytes(body.encode("gbk") + "香蕉,2\n".encode() + b"\xff\xff,3\n")
    message = refused(tmp_path / "mixed.csv")
    assert message.startswith("mixed.csv, line 400,00") and "not GB18030 text" in message
