"""Loading into the warehouse end to end: real files, atomicity, rejects, recipes, refresh, catalog."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from pathlib import Path

import duckdb
import pytest

from errors import BeaconError, IngestError
from ingest.catalog import read_catalog
from ingest.connectors import refresh_table
from ingest.load import drop, load_file, set_recipe
from ingest.recipe import Filter, Rename
from semantic.engine import READ_CONFIG, DuckDBEngine
from tests.conftest import DATASETS
from workspace.home import Workspace


def rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True, config=READ_CONFIG) as con:
        return con.execute(sql).fetchall()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws")


# Every real dataset's main file(s), with the row counts their SOURCE.md states.
REAL_FILES = [
    ("online_retail/online_retail.parquet", 541_909),
    ("online_retail/online_retail_from_parquet.csv.gz", 541_909),
    ("online_retail/sample_rhozon/online_retail.csv", 5_000),
    ("telco_churn/WA_Fn-UseC_-Telco-Customer-Churn.csv", 7_043),
    ("bank_marketing/bank-full.csv", 45_211),
    ("olist_marketing_funnel/olist_closed_deals_dataset.csv", 842),
    ("fb_ads_conversion/KAG_conversion_data.csv", 1_143),
    ("cn_tmall_orders/tmall_order_report.csv", 28_010),
    ("cn_meal_orders/meal_order_info.csv", 945),
    ("cn_meal_orders/meal_order_detail.csv", 10_037),
]


@pytest.mark.parametrize(("relative", "expected"), REAL_FILES)
def test_real_datasets_load_with_their_row_counts(relative: str, expected: int, ws: Workspace) -> None:
    path = DATASETS / relative
    if not path.exists():
        path = next(DATASETS.joinpath(relative).parent.glob(Path(relative).name.split(".")[0] + "*"))
    (report,) = load_file(ws.warehouse, path)
    assert report.rows == expected
    assert rows(ws.warehouse, f'SELECT COUNT(*) FROM "{report.table}"') == [(expected,)]
    (entry,) = [e for e in read_catalog(DuckDBEngine(ws.warehouse)) if e.table == report.table]
    assert (entry.kind, entry.rows, entry.origin) == ("file", expected, path.name)


def test_excel_workbook_loads_every_sheet(ws: Workspace) -> None:
    reports = load_file(ws.warehouse, DATASETS / "cn_mingri_shop" / "2019.xlsx")
    assert len(reports) >= 1 and all(r.rows > 0 for r in reports)
    tables = {row[0] for row in rows(ws.warehouse, "SHOW TABLES")}
    assert {r.table for r in reports} <= tables


def test_online_retail_types_and_cancellations(ws: Workspace) -> None:
    (report,) = load_file(ws.warehouse, DATASETS / "online_retail" / "online_retail_from_parquet.csv.gz", "retail")
    types = {c.name: c.type for c in report.columns}
    assert types["InvoiceDate"].startswith("TIMESTAMP") and types["InvoiceNo"] == "VARCHAR"
    assert rows(ws.warehouse, "SELECT COUNT(*) FROM retail WHERE InvoiceNo LIKE 'C%'") == [(9_288,)]
    revenue = rows(ws.warehouse, "SELECT ROUND(SUM(Quantity * UnitPrice), 2) FROM retail")[0][0]
    assert revenue == pytest.approx(9_747_747.93, abs=0.01)


def test_chinese_headers_dates_and_money(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "订单.csv"
    path.write_text("订单号,下单日期,金额(元),渠道\nA1,2025年6月18日,\"￥1,234.50\",天猫\nA2,2025年6月19日,￥99,京东\n",
                    encoding="gbk")
    (report,) = load_file(ws.warehouse, path)
    assert {c.name: c.type for c in report.columns}["下单日期"] == "DATE"
    assert [c.safe_name for c in report.columns] == ["dingdanhao", "xiadanriqi", "jine_yuan", "qudao"]
    assert rows(ws.warehouse, f'SELECT "金额(元)", "渠道" FROM "{report.table}" ORDER BY 1') == [
        (99.0, "京东"), (1234.5, "天猫")]


def test_bad_values_are_kept_aside_with_their_row(ws: Workspace, tmp_path: Path) -> None:
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=n) for n in range(120)]
    lines = ["day,amount", *(f"{d},{n}" for n, d in enumerate(days)), "not a date,120"]
    path = tmp_path / "daily.csv"
    path.write_text("\n".join(lines) + "\n")
    (report,) = load_file(ws.warehouse, path)
    assert report.rows == 121 and report.rejects == 1 and report.rejects_table == "daily__rejects"
    assert {c.name: c.type for c in report.columns}["day"] == "DATE"
    (rejected,) = rows(ws.warehouse, "SELECT * FROM daily__rejects")
    assert rejected[0] == 122 and "not a date" in rejected
    assert rows(ws.warehouse, "SELECT COUNT(*) FROM daily WHERE day IS NULL") == [(1,)]


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)


@pytest.mark.parametrize("content", [b"", PNG, b"\x1f\x8b\x08\x00trunc"])
def test_failed_loads_change_nothing(content: bytes, ws: Workspace, tmp_path: Path) -> None:
    load_file(ws.warehouse, DATASETS / "cn_meal_orders" / "meal_order_info.csv", "meals")
    before = digest(ws.warehouse)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    with pytest.raises(IngestError) as caught:
        load_file(ws.warehouse, bad)
    assert "bad.csv" in str(caught.value)
    assert digest(ws.warehouse) == before
    assert not [p for p in ws.warehouse.parent.iterdir() if p.name.endswith(".tmp")]


def test_names_from_files_cannot_inject_sql(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / 'x"; DROP TABLE meals; --.csv'
    path.write_text('"a""; DROP TABLE meals; --",b\n1,2\n')
    load_file(ws.warehouse, DATASETS / "cn_meal_orders" / "meal_order_info.csv", "meals")
    (report,) = load_file(ws.warehouse, path)
    assert report.table == "x_drop_table_meals"
    assert rows(ws.warehouse, "SELECT COUNT(*) FROM meals") == [(945,)]
    assert report.columns[0].name == 'a"; DROP TABLE meals; --'


def test_recipe_apply_undo_and_replay_on_refresh(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("Name,Score\nAna,10\nBo,3\nCy,7\n")
    (report,) = load_file(ws.warehouse, path)
    entry = read_catalog(DuckDBEngine(ws.warehouse))[0]
    set_recipe(ws.warehouse, entry, [Rename("Score", "score"), Filter("score", ">=", 5)])
    assert rows(ws.warehouse, "SELECT * FROM leads") == [("Ana", 10), ("Cy", 7)]
    entry = read_catalog(DuckDBEngine(ws.warehouse))[0]
    assert [s["op"] for s in entry.recipe] == ["rename", "filter"]
    set_recipe(ws.warehouse, entry, [Rename("Score", "score")])
    assert rows(ws.warehouse, "SELECT * FROM leads") == [("Ana", 10), ("Bo", 3), ("Cy", 7)]
    set_recipe(ws.warehouse, read_catalog(DuckDBEngine(ws.warehouse))[0],
               [Rename("Score", "score"), Filter("score", ">=", 5)])
    path.write_text("Name,Score\nAna,10\nBo,3\nCy,7\nDee,9\n")
    refreshed = refresh_table(ws, read_catalog(DuckDBEngine(ws.warehouse))[0])
    assert refreshed.rows == 3 and report.rows == 3
    assert rows(ws.warehouse, "SELECT * FROM leads") == [("Ana", 10), ("Cy", 7), ("Dee", 9)]


def test_a_bad_recipe_step_changes_nothing(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("Name,Score\nAna,10\n")
    load_file(ws.warehouse, path)
    before = digest(ws.warehouse)
    with pytest.raises(BeaconError, match="Scor"):
        set_recipe(ws.warehouse, read_catalog(DuckDBEngine(ws.warehouse))[0], [Rename("Scor", "x")])
    assert digest(ws.warehouse) == before


def test_drop_removes_table_raw_rejects_and_entry(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("Name,Score\nAna,10\n")
    load_file(ws.warehouse, path)
    set_recipe(ws.warehouse, read_catalog(DuckDBEngine(ws.warehouse))[0], [Rename("Score", "score")])
    drop(ws.warehouse, "leads")
    assert rows(ws.warehouse, "SHOW TABLES") == [("_beacon_catalog",)]
    assert read_catalog(DuckDBEngine(ws.warehouse)) == []


def test_concurrent_loads_keep_both_tables(ws: Workspace, tmp_path: Path) -> None:
    paths = []
    for n in range(4):
        path = tmp_path / f"part{n}.csv"
        path.write_text("a,b\n" + "".join(f"{i},{i * n}\n" for i in range(1000)))
        paths.append(path)
    errors: list[Exception] = []

    def load(path: Path) -> None:
        try:
            load_file(ws.warehouse, path)
        except Exception as err:  # the assertion below reports it
            errors.append(err)

    threads = [threading.Thread(target=load, args=(p,)) for p in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert {r[0] for r in rows(ws.warehouse, "SHOW TABLES")} >= {"part0", "part1", "part2", "part3"}


def test_readers_keep_working_while_a_load_swaps_the_file(ws: Workspace, tmp_path: Path) -> None:
    load_file(ws.warehouse, DATASETS / "cn_meal_orders" / "meal_order_info.csv", "meals")
    engine = DuckDBEngine(ws.warehouse)
    assert engine.table_names() == ["_beacon_catalog", "meals"]
    load_file(ws.warehouse, DATASETS / "telco_churn" / "Telco-Customer-Churn.csv", "telco")
    assert "telco" in engine.table_names()
