"""RFM scores against hand-computed examples (ties included), the segment rules, and the features behind them."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import polars as pl
import pytest

from errors import InputError
from ml.features import customer_features
from ml.mapping import Mapping, exclusions, propose_mapping
from ml.rfm import SEGMENTS, fm_score, quantile_scores, rfm_scores, segment_of, segment_table, transitions

AS_OF = dt.date(2025, 12, 31)


def test_scores_are_quintiles_of_rank() -> None:
    assert quantile_scores(np.arange(1.0, 11)).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # lower recency is better: the most recent customers score 5
    assert quantile_scores(np.arange(1.0, 11), higher_is_better=False).tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]


def test_equal_values_get_equal_scores() -> None:
    # ranks: the four 1s share rank 2.5 → ceil(2.5/8*5)=2; the 5 ranks 5 → 4; the 9s share 7 → 5
    values = np.array([1.0, 1, 1, 1, 5, 9, 9, 9])
    assert quantile_scores(values).tolist() == [2, 2, 2, 2, 4, 5, 5, 5]
    assert quantile_scores(np.full(6, 3.0)).tolist() == [3] * 6


def test_fm_is_the_rounded_mean() -> None:
    assert fm_score(np.array([1, 2, 5, 4]), np.array([2, 2, 4, 5])).tolist() == [2, 2, 5, 5]


def test_every_cell_has_exactly_the_first_matching_segment() -> None:
    grid = {(r, fm): segment_of(r, fm) for r in range(1, 6) for fm in range(1, 6)}
    assert grid[(5, 5)] == grid[(4, 4)] == "champions"
    assert grid[(1, 5)] == grid[(2, 4)] == "cant_lose"
    assert grid[(1, 1)] == "lost" and grid[(2, 1)] == "hibernating"
    assert grid[(5, 1)] == "new" and grid[(4, 1)] == "promising" and grid[(3, 3)] == "loyal"
    assert {s.code for s in SEGMENTS} == set(grid.values())  # all eleven are reachable
    assert [s.zh for s in SEGMENTS[:3]] == ["重要价值客户", "重要保持客户", "重要挽留客户"]
    assert SEGMENTS[0].rule("en") == "R 4–5, FM 4–5" and SEGMENTS[0].rule("zh") == "R 4–5，FM 4–5"


def tiny() -> pl.DataFrame:
    return pl.DataFrame({"customer": list("abcdefghij"), "recency_days": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10],
                         "frequency": [10.0, 9, 8, 7, 6, 5, 4, 3, 2, 1],
                         "monetary": [100.0, 90, 80, 70, 60, 50, 40, 30, 20, 10]})


def test_segments_and_table_from_scores() -> None:
    scores = rfm_scores(tiny())
    assert scores["r_score"].to_list() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert scores["rfm_segment"].to_list() == ["champions"] * 4 + ["loyal"] * 2 + ["hibernating"] * 2 + ["lost"] * 2
    table = segment_table(scores).filter(pl.col("customers") > 0)
    champions = table.row(0, named=True)
    assert (champions["customers"], champions["share"]) == (4, 0.4)
    assert champions["revenue_share"] == pytest.approx(340 / 550)
    assert champions["avg_monetary"] == pytest.approx(85.0)


def test_transition_matrix_counts_moves() -> None:
    before = rfm_scores(tiny()).head(8)
    after = rfm_scores(tiny().with_columns(pl.col("recency_days").reverse()))
    matrix = transitions(before, after)
    assert matrix["from"].to_list()[-1] == "(new since)"
    assert matrix.drop("from").sum_horizontal().sum() == 10  # every customer at the later date, once
    new_row = matrix.filter(pl.col("from") == "(new since)").drop("from").sum_horizontal().item()
    assert new_row == 2


def test_demo_features_match_hand_written_sql(con: duckdb.DuckDBPyConnection) -> None:
    mapping = propose_mapping(con, "orders")
    assert (mapping.customer, mapping.date, mapping.amount, mapping.status) == \
        ("customer_id", "order_date", "net_amount", "status")
    features = customer_features(con, mapping, AS_OF)
    expected = con.sql("SELECT customer_id, count(DISTINCT order_id), sum(net_amount), "
                       "date_diff('day', max(order_date), DATE '2025-12-31') FROM orders "
                       "WHERE status = 'completed' AND net_amount > 0 GROUP BY 1 ORDER BY 1").fetchall()
    actual = features.select("customer", "frequency", "monetary", "recency_days").rows()
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        assert got[0] == want[0] and got[1] == want[1] and got[2] == pytest.approx(want[2]) and got[3] == want[3]
    refunds = con.sql("SELECT count(*) FROM orders WHERE status <> 'completed'").fetchall()[0][0]
    assert exclusions(con, mapping)["refund"] == refunds


def test_too_few_customers_is_refused() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT 'c' || (i % 5) AS cust, DATE '2025-01-01' + i::INT AS day, 10.0 AS amount "
                "FROM range(30) r(i)")
    with pytest.raises(InputError, match="Only 5 customers"):
        customer_features(con, Mapping("t", "cust", "day", "amount"), dt.date(2025, 3, 1))


def test_mapping_proposals_from_names_and_types() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE tmall (订单编号 BIGINT, 总金额 DOUBLE, 买家实际支付金额 DOUBLE, 订单付款时间 TIMESTAMP)")
    with pytest.raises(InputError, match="customer id column in 'tmall'"):  # a buyer's payment is not a buyer id
        propose_mapping(con, "tmall")
    con.execute("CREATE TABLE shop (会员编号 VARCHAR, 下单时间 TIMESTAMP, 数量 INTEGER, 单价 DOUBLE, 订单号 VARCHAR)")
    proposed = propose_mapping(con, "shop")
    assert (proposed.customer, proposed.date, proposed.amount, proposed.price, proposed.order) == \
        ("会员编号", "下单时间", "数量", "单价", "订单号")
