"""Attribution models on hand-built touch paths, and the warehouse touches against hand-written SQL."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest

from errors import InputError
from ml.attribution import attribute, credits, shares
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel


def day(d: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2025, 6, d, hour)


# Purchase o1 (¥100 on Jun 10) after Douyin (Jun 1), WeChat (Jun 5) and Tmall (Jun 8) touches;
# purchase o2 (¥50 on Jun 10) after a single JD touch.
PATHS = pl.DataFrame({
    "conversion_id": ["o1", "o1", "o1", "o2"],
    "value": [100.0, 100.0, 100.0, 50.0],
    "conversion_time": [day(10)] * 4,
    "touch_time": [day(1), day(5), day(8), day(9)],
    "channel": ["Douyin", "WeChat", "Tmall", "JD"],
    "campaign_id": ["C1", "C2", "C3", "C4"],
})


def credit_of(model: str, **kw: float) -> dict[str, float]:
    frame = credits(PATHS, model, **kw).filter(pl.col("conversion_id") == "o1")
    return dict(zip(frame["channel"].to_list(), frame["credit"].to_list(), strict=True))


def test_single_touch_models() -> None:
    assert credit_of("last") == {"Douyin": 0.0, "WeChat": 0.0, "Tmall": 1.0}
    assert credit_of("first") == {"Douyin": 1.0, "WeChat": 0.0, "Tmall": 0.0}


def test_linear_splits_evenly() -> None:
    assert credit_of("linear") == pytest.approx({"Douyin": 1 / 3, "WeChat": 1 / 3, "Tmall": 1 / 3})


def test_time_decay_halves_credit_every_half_life() -> None:
    # Ages 9, 5 and 2 days with a 7-day half-life: weights 2^(-9/7), 2^(-5/7), 2^(-2/7).
    weights = {"Douyin": 0.410168, "WeChat": 0.609507, "Tmall": 0.820335}
    total = sum(weights.values())
    assert credit_of("decay", half_life_days=7) == pytest.approx({k: w / total for k, w in weights.items()}, abs=1e-6)
    # With a 1-day half-life nearly everything goes to the last touch.
    assert credit_of("decay", half_life_days=1)["Tmall"] > 0.85


def test_shares_side_by_side() -> None:
    table = {r["channel"]: r for r in shares(PATHS).iter_rows(named=True)}
    assert table["JD"]["last"] == table["JD"]["first"] == table["JD"]["linear"] == table["JD"]["decay"] == 0.5
    assert table["Tmall"]["last"] == 0.5 and table["Tmall"]["first"] == 0.0
    assert table["Douyin"]["linear"] == pytest.approx(1 / 6)
    assert table["Douyin"]["linear_value"] == pytest.approx(100 / 3) and table["JD"]["last_value"] == 50
    for model in ("last", "first", "linear", "decay"):
        assert sum(r[model] for r in table.values()) == pytest.approx(1.0)


def test_shares_per_campaign() -> None:
    table = dict(shares(PATHS, by="campaign_id").select("campaign_id", "first").rows())
    assert table == {"C1": 0.5, "C2": 0.0, "C3": 0.0, "C4": 0.5}


def test_ties_keep_their_order() -> None:
    tied = PATHS.with_columns(touch_time=pl.lit(day(3)))
    frame = credits(tied, "first").filter(pl.col("credit") > 0)
    assert frame["channel"].to_list() == ["Douyin", "JD"]


def test_bad_input() -> None:
    with pytest.raises(InputError, match="Unknown attribution model 'middle'"):
        credits(PATHS, "middle")
    with pytest.raises(InputError, match="half-life must be a positive"):
        credits(PATHS, "decay", half_life_days=0)
    with pytest.raises(InputError, match="Cannot split attribution by 'region'"):
        shares(PATHS, by="region")


def test_warehouse_last_touch_against_sql(model: SemanticModel, engine: DuckDBEngine,
                                          con: duckdb.DuckDBPyConnection) -> None:
    period = (dt.date(2025, 11, 1), dt.date(2025, 11, 30))
    result = attribute(model, engine, period, lookback_days=14)
    expected = con.sql("""
        WITH t AS (
          SELECT o.order_id, c.channel, ROW_NUMBER() OVER (PARTITION BY o.order_id
                 ORDER BY e.event_time DESC, e.event_id DESC) AS back
          FROM orders o JOIN campaign_events e ON e.customer_id = o.customer_id
          JOIN campaigns c ON c.campaign_id = e.campaign_id
          WHERE o.status = 'completed' AND o.order_date BETWEEN '2025-11-01' AND '2025-11-30'
            AND e.event_type IN ('reach', 'click')
            AND e.event_time >= o.order_date - INTERVAL 14 DAY AND e.event_time < o.order_date + INTERVAL 1 DAY)
        SELECT channel, COUNT(*) FROM t WHERE back = 1 GROUP BY 1""").fetchall()
    counts = dict(expected)
    attributed = sum(counts.values())
    assert result.attributed == attributed
    actual = dict(result.table.select("channel", "last_conversions").rows())
    assert actual == pytest.approx({k: float(v) for k, v in counts.items()})
    purchases = con.sql("SELECT COUNT(*) FROM orders WHERE status = 'completed' "
                        "AND order_date BETWEEN '2025-11-01' AND '2025-11-30'").fetchall()[0][0]
    assert result.purchases == purchases and result.unattributed == purchases - attributed
    for rule in ("first", "linear", "decay"):
        assert result.table[f"{rule}_conversions"].sum() == pytest.approx(attributed)


def test_warehouse_bad_input(model: SemanticModel, engine: DuckDBEngine) -> None:
    with pytest.raises(InputError, match="lookback window must be at least one day"):
        attribute(model, engine, lookback_days=0)
    with pytest.raises(InputError, match="Cannot split attribution by 'city'"):
        attribute(model, engine, by="city")
