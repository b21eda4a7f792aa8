"""`beacon segment` and `beacon churn` in-process: JSON for schedulers, Online Retail end to end, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

import beacon
from ingest.load import load_file
from semantic.engine import READ_CONFIG
from tests.conftest import DATASETS


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    code = beacon.main(list(args))
    out, err = capsys.readouterr()
    return code, json.loads(out) if code == 0 and "--json" in args else {}, err


@pytest.fixture(scope="module")
def retail(tmp_path_factory: pytest.TempPathFactory) -> Path:
    warehouse = tmp_path_factory.mktemp("retail") / "warehouse.duckdb"
    load_file(warehouse, DATASETS / "online_retail" / "online_retail.parquet", "online_retail")
    load_file(warehouse, DATASETS / "telco_churn" / "Telco-Customer-Churn.csv", "telco")
    return warehouse


def test_online_retail_end_to_end(retail: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "segment", "--table", "online_retail", "--no-churn", "--db", str(retail), "--json")
    assert code == 0
    mapping = out["mapping"]
    assert (mapping["customer"], mapping["date"], mapping["amount"], mapping["price"], mapping["order"]) == \
        ("CustomerID", "InvoiceDate", "Quantity", "UnitPrice", "InvoiceNo")
    with duckdb.connect(str(retail), read_only=True, config=READ_CONFIG) as con:
        missing = con.sql("SELECT count(*) FROM online_retail WHERE CustomerID IS NULL").fetchall()[0][0]
        customers, revenue = con.sql("SELECT count(DISTINCT CustomerID), sum(Quantity * UnitPrice) FROM online_retail "
                                     "WHERE CustomerID IS NOT NULL AND Quantity * UnitPrice > 0").fetchall()[0]
        written = con.sql("SELECT count(*), sum(monetary) FROM customer_segments").fetchall()[0]
    assert out["excluded"]["missing_customer"] == missing == 135_080
    assert out["customers"] == customers == written[0] and written[1] == pytest.approx(revenue)
    assert sum(out["segments"].values()) == customers and out["as_of"] == "2011-12-09"
    assert out["k"] == int(max(out["silhouette_by_k"], key=out["silhouette_by_k"].get))
    assert out["table"] == "customer_segments" and out["model_file"] is None and out["churn"] is None


def test_k_can_be_chosen(retail: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "segment", "--table", "online_retail", "--no-churn", "--k", "4", "--db", str(retail),
                       "--json")
    assert code == 0 and out["k"] == 4 and list(out["silhouette_by_k"]) == ["4"]


def test_churn_on_the_labelled_telco_table(retail: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "churn", "--table", "telco", "--db", str(retail), "--json")
    assert code == 0 and out["mode"] == "labelled" and out["label"] == "Churn"
    assert out["metrics"]["roc_auc"] >= 0.84 and out["table"] == "telco_churn"
    with duckdb.connect(str(retail), read_only=True, config=READ_CONFIG) as con:
        assert con.sql("SELECT count(*) FROM telco_churn").fetchall()[0][0] == 7043


def test_segment_on_the_demo_writes_the_model(warehouse: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    code, out, _ = run(capsys, "segment", "--table", "orders", "--db", str(copy), "--json")
    assert code == 0 and out["churn"]["roc_auc"] > out["churn"]["baseline_roc_auc"]
    assert out["model_file"] == str(tmp_path / "models" / "demo.yaml")
    code, _, _ = run(capsys, "query", "--metric", "revenue", "--by", "rfm_segment", "--db", str(copy),
                     "--model", out["model_file"], "--json")
    assert code == 0


@pytest.mark.parametrize(("args", "message"), [
    (("segment", "--table", "nope"), "Unknown table 'nope'"),
    (("segment", "--table", "online_retail", "--amount", "Country"), "holds VARCHAR, not numbers"),
    (("segment", "--table", "online_retail", "--as-of", "2099-01-01"), "is in the future"),
    (("segment", "--table", "online_retail", "--as-of", "2001-01-01"), "before the first purchase"),
    (("churn", "--table", "online_retail", "--horizon", "300"), "shorter churn window"),
    (("churn", "--table", "telco", "--label", "Churm"), "Did you mean 'Churn'"),
])
def test_bad_input_is_one_line_and_exit_2(retail: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...],
                                         message: str) -> None:
    code, _, err = run(capsys, *args, "--db", str(retail))
    assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_extra_columns_are_summarised_and_clustered(warehouse: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    code, out, _ = run(capsys, "segment", "--table", "orders", "--extra", "product_category", "--extra", "quantity",
                       "--no-churn", "--k", "3", "--db", str(copy), "--json")
    assert code == 0 and out["mapping"]["extras"] == ["product_category", "quantity"]
    with duckdb.connect(str(copy), read_only=True, config=READ_CONFIG) as con:
        mismatched = con.sql("""
            WITH lines AS (SELECT customer_id, product_category, quantity FROM orders
                           WHERE status = 'completed' AND net_amount > 0),
                 counts AS (SELECT customer_id, product_category, count(*) AS n FROM lines GROUP BY 1, 2),
                 top AS (SELECT customer_id, max(n) AS n FROM counts GROUP BY 1)
            SELECT count(*) FROM customer_segments s
            JOIN (SELECT customer_id, avg(quantity) AS q FROM lines GROUP BY 1) a USING (customer_id)
            JOIN counts c ON c.customer_id = s.customer_id AND c.product_category = s.extra_product_category
            JOIN top t ON t.customer_id = s.customer_id
            WHERE abs(s.extra_quantity - a.q) > 1e-9 OR c.n <> t.n""").fetchall()[0][0]
        rows = con.sql("SELECT count(*) FROM customer_segments WHERE extra_product_category IS NOT NULL").fetchall()
    assert mismatched == 0 and rows[0][0] == out["customers"]
