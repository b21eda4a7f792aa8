"""The churn model: honest time split (a test that catches leakage), held-out metrics, words, the Telco AUC."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from errors import InputError
from ingest.load import load_file
from ml.churn import labelled, split_dates, train_churn, warning_list
from ml.churn_factors import explain, factor_text, is_reason
from ml.features import check_as_of, customer_features
from ml.labelled import train_labelled
from ml.mapping import Mapping, propose_mapping
from tests.conftest import DATASETS

START = dt.date(2024, 1, 1)
END = dt.date(2025, 12, 31)
MAPPING = Mapping("tx", "cust", "day", "amount")


def transactions(seed: int = 1, customers: int = 300) -> pl.DataFrame:
    """Customers who buy every `gap` days from their start until they stop (some never stop)."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[str, dt.date, float]] = []
    span = (END - START).days
    for i in range(customers):
        gap = int(rng.choice([7, 14, 30]))
        start = int(rng.integers(0, 300))
        stop = int(rng.integers(start + gap, span + 200))
        for day in range(start, min(stop, span) + 1, gap):
            rows.append((f"c{i:04d}", START + dt.timedelta(days=day), float(rng.gamma(2.0, 50.0))))
    return pl.DataFrame(rows, schema=["cust", "day", "amount"], orient="row")


def connect(frame: pl.DataFrame) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("frame", frame.to_arrow())
    con.execute("CREATE TABLE tx AS SELECT * FROM frame")
    return con


def test_features_ignore_everything_after_the_cutoff() -> None:
    frame = transactions()
    cutoff = dt.date(2025, 3, 1)
    future = pl.DataFrame({"cust": ["c0000", "zz"], "day": [cutoff + dt.timedelta(days=1)] * 2, "amount": [1e9] * 2})
    changed = pl.concat([frame.with_columns(pl.when(pl.col("day") > cutoff).then(pl.col("amount") * 100)
                                            .otherwise(pl.col("amount")).alias("amount")), future])
    assert_frame_equal(customer_features(connect(frame), MAPPING, cutoff),
                       customer_features(connect(changed), MAPPING, cutoff))


def test_training_never_sees_the_test_window() -> None:
    """Rewriting every purchase after the training labels' window leaves the training set unchanged."""
    frame = transactions()
    horizon = 60
    train_cutoff, test_cutoff = split_dates(START, END, horizon)
    rewritten = pl.concat([frame.filter(pl.col("day") <= test_cutoff),
                           frame.filter(pl.col("day") > test_cutoff).with_columns(
                               pl.when(pl.col("cust") < "c0150").then(pl.lit("zz")).otherwise(pl.col("cust"))
                               .alias("cust"))])
    original = labelled(connect(frame), MAPPING, train_cutoff, horizon)
    assert_frame_equal(original, labelled(connect(rewritten), MAPPING, train_cutoff, horizon))
    later = labelled(connect(frame), MAPPING, test_cutoff, horizon)
    with pytest.raises(AssertionError):  # the same check does see a change inside the window it reads
        assert_frame_equal(later, labelled(connect(rewritten), MAPPING, test_cutoff, horizon))


def test_label_means_no_purchase_in_the_window() -> None:
    frame = transactions()
    cutoff = dt.date(2025, 6, 30)
    table = labelled(connect(frame), MAPPING, cutoff, 30)
    window = frame.filter((pl.col("day") > cutoff) & (pl.col("day") <= cutoff + dt.timedelta(days=30)))
    stayed = set(window["cust"].to_list())
    assert {r["customer"] for r in table.iter_rows(named=True) if r["churned"] == 0} == stayed & set(table["customer"])


def test_demo_model_beats_recency_alone_and_explains_itself(con: duckdb.DuckDBPyConnection) -> None:
    result = train_churn(con, propose_mapping(con, "orders"), END)
    metrics = result.metrics
    assert metrics["roc_auc"] > metrics["baseline_roc_auc"] and metrics["roc_auc"] > 0.8
    assert metrics["lift_top_decile"] > 1.2 and 0 < metrics["pr_auc"] <= 1
    assert result.test_cutoff == END - dt.timedelta(days=result.horizon_days)
    assert set(result.calibration["curve"]) == {"model", "baseline"}
    rows = warning_list(result, 20, max_recency=300)
    assert rows["expected_loss"].is_sorted(descending=True) and rows["recency_days"].max() <= 300
    words = explain(result, rows, "en").to_list()
    assert any(w.startswith("no purchase in") for w in words)
    assert all("，" not in w for w in words) and any("天未购买" in w for w in explain(result, rows, "zh"))


def test_factor_words() -> None:
    row = {"recency_days": 94.0, "avg_gap_days": 30.0, "orders_window": 0.0}
    assert factor_text("recency_days", row, 90, 40.0, "en") == "no purchase in 94 days, usually every 30"
    assert factor_text("recency_days", {"recency_days": 94.0, "avg_gap_days": None}, 90, 40.0, "zh") == \
        "已 94 天未购买，通常每 40 天购买一次"
    assert factor_text("orders_window", row, 90, 40.0, "en") == "0 purchases in the last 90 days"
    one = {"frequency": 1.0, "orders_window": 1.0, "orders_prev_window": 1.0, "tenure_days": 1.0}
    typical = {"frequency": 8.0}
    assert factor_text("frequency", one, 90, 40.0, "en", typical) == \
        "only 1 purchase so far (customers who stay: about 8)"
    assert factor_text("frequency", one, 90, 40.0, "zh", typical) == "累计仅购买 1 次（留存客户通常约 8 次）"
    assert factor_text("orders_window", one, 90, 40.0, "en") == "1 purchase in the last 90 days"
    assert factor_text("orders_prev_window", one, 90, 40.0, "en") == "1 purchase in the 90 days before that"
    assert factor_text("tenure_days", one, 90, 40.0, "en") == "first purchase 1 day ago"


def test_a_factor_is_said_only_when_it_points_to_leaving() -> None:
    typical = {"frequency": 8.0, "recency_days": 20.0, "monetary": 900.0, "orders_window": 2.0}
    heavy = {"frequency": 60.0, "recency_days": 95.0, "avg_gap_days": 11.0, "monetary": 33_000.0,
             "orders_window": 0.0, "orders_prev_window": 5.0}
    assert not is_reason("frequency", heavy, typical) and not is_reason("monetary", heavy, typical)
    assert is_reason("recency_days", heavy, typical) and is_reason("orders_window", heavy, typical)
    assert is_reason("orders_prev_window", heavy, typical)  # 5 purchases before, none lately: a decline
    assert is_reason("frequency", {"frequency": 3.0}, typical)
    assert not is_reason("recency_days", {"recency_days": 5.0, "avg_gap_days": 11.0}, typical)


def test_warning_reasons_on_the_demo_data(con: duckdb.DuckDBPyConnection) -> None:
    """No heavy buyer is told 'only 60 purchases'; every frequency reason is below the stayers' median, which is
    the median purchase count of the customers who bought again in the training window (checked by hand)."""
    result = train_churn(con, propose_mapping(con, "orders"), END)
    rows = warning_list(result, 200, max_recency=result.horizon_days * 3)
    words = explain(result, rows, "en").to_list()
    typical = result.reference["frequency"]
    for row, text in zip(rows.iter_rows(named=True), words, strict=True):
        if "so far" in text:
            assert row["frequency"] < typical and f"about {typical:.0f})" in text
        assert " 1 purchases" not in text and not text.startswith("1 purchases")
    assert any("so far" not in w for w, f in zip(words, rows["frequency"], strict=True) if f > typical)
    stayers = con.sql(f"""
        WITH before AS (SELECT customer_id, count(*) AS n FROM orders WHERE status = 'completed'
                        AND net_amount > 0 AND order_date <= DATE '{result.train_cutoff}' GROUP BY 1),
        after AS (SELECT DISTINCT customer_id FROM orders WHERE status = 'completed' AND net_amount > 0
                  AND order_date > DATE '{result.train_cutoff}'
                  AND order_date <= DATE '{result.train_cutoff}' + INTERVAL {result.horizon_days} DAY)
        SELECT median(n) FROM before JOIN after USING (customer_id)""").fetchall()[0][0]
    assert typical == pytest.approx(stayers)


def test_single_class_and_short_history_are_refused() -> None:
    daily = pl.DataFrame({"cust": [f"c{i}" for i in range(30) for _ in range(400)],
                          "day": [START + dt.timedelta(days=d) for _ in range(30) for d in range(400)],
                          "amount": 10.0})
    with pytest.raises(InputError, match="one class"):
        train_churn(connect(daily), MAPPING, START + dt.timedelta(days=399), horizon=30)
    with pytest.raises(InputError, match="shorter churn window"):
        train_churn(connect(daily), MAPPING, START + dt.timedelta(days=399), horizon=250)


def test_future_analysis_date_is_refused() -> None:
    with pytest.raises(InputError, match="in the future"):
        check_as_of(dt.date.today() + dt.timedelta(days=3), START)


@pytest.fixture(scope="module")
def telco(tmp_path_factory: pytest.TempPathFactory) -> Path:
    warehouse = tmp_path_factory.mktemp("telco") / "warehouse.duckdb"
    load_file(warehouse, DATASETS / "telco_churn" / "Telco-Customer-Churn.csv", "telco")
    return warehouse


def test_telco_held_out_auc(telco: Path) -> None:
    with duckdb.connect(str(telco), read_only=True) as con:
        result = train_labelled(con, "telco")
    assert result.label == "Churn" and result.customer == "customerID"
    assert "Contract" in result.features and "customerID" not in result.features
    assert result.metrics["roc_auc"] >= 0.84, result.metrics
    assert result.metrics["test_rows"] == 1761 and result.scores.height == 7043


def test_labelled_single_class_is_refused(telco: Path) -> None:
    with duckdb.connect(str(telco)) as con:
        con.execute("CREATE TABLE stayed AS SELECT * EXCLUDE (Churn), false AS Churn FROM telco")
        with pytest.raises(InputError, match="single class"):
            train_labelled(con, "stayed")
        con.execute("CREATE TABLE gendered AS SELECT * EXCLUDE (Churn), gender AS Churn FROM telco")
        with pytest.raises(InputError, match=r"No value of the label column 'Churn' reads as churned "
                                             r"\(yes/true/1/churned\)") as refused:
            train_labelled(con, "gendered", "Churn")
        assert "Male" not in str(refused.value)  # not a value that merely came first
        con.execute("CREATE TABLE left_all AS SELECT * EXCLUDE (Churn), 'Yes' AS Churn FROM telco")
        with pytest.raises(InputError, match="Every value of the label column 'Churn' reads as churned"):
            train_labelled(con, "left_all")
        con.execute("CREATE TABLE blank AS SELECT customerID, 1 AS one, Churn FROM telco")
        with pytest.raises(InputError, match="nothing to learn"):
            train_labelled(con, "blank")
