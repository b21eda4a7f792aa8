"""Anomalies: planted ones are found, the 618 and Double 11 peaks are not flagged."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from ml.anomaly import Settings, daily_metrics, describe, detect, festival_on, find_anomalies
from ml.campaigns import catalog, festival_key
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.query import TimeRange

WEEKDAY = np.array([0.9, 0.9, 0.95, 1.0, 1.05, 1.2, 1.15])


def synthetic(first: dt.date, last: dt.date, peaks: dict[tuple[int, int], float] | None = None) -> pl.DataFrame:
    """A weekly rhythm growing 15 % a year, 5 % noise, and festival peaks on (month, day) as multipliers."""
    rng = np.random.default_rng(3)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    values = []
    for d in days:
        growth = 1.15 ** ((d - first).days / 365)
        peak = (peaks or {}).get((d.month, d.day), 1.0)
        values.append(1000 * WEEKDAY[d.weekday()] * growth * peak * rng.lognormal(0, 0.05))
    return pl.DataFrame({"key": "Tmall", "day": days, "value": values})


def plant(frame: pl.DataFrame, day: dt.date, factor: float) -> pl.DataFrame:
    return frame.with_columns(pl.when(pl.col("day") == day).then(pl.col("value") * factor)
                              .otherwise(pl.col("value")).alias("value"))


def test_festival_calendar() -> None:
    assert festival_on(dt.date(2025, 6, 18)) == ("618", 0, 2025)
    assert festival_on(dt.date(2025, 5, 25)) == ("618", -24, 2025)
    assert festival_on(dt.date(2025, 11, 11)) == ("double_11", 0, 2025)
    assert festival_on(dt.date(2025, 1, 29))[0] == "spring_festival"  # type: ignore[index]
    assert festival_on(dt.date(2025, 7, 8)) is None


def test_planted_spike_and_drop_are_found() -> None:
    quiet = Settings(festivals=())
    series = synthetic(dt.date(2025, 7, 1), dt.date(2025, 10, 31))
    planted = plant(plant(series, dt.date(2025, 9, 10), 3.0), dt.date(2025, 10, 4), 0.3)
    assert detect(series, dt.date(2025, 8, 1), dt.date(2025, 10, 31), quiet).is_empty()
    found = detect(planted, dt.date(2025, 8, 1), dt.date(2025, 10, 31), quiet)
    assert found["day"].to_list() == [dt.date(2025, 9, 10), dt.date(2025, 10, 4)]
    assert found["change"][0] > 1.5 and found["change"][1] < -0.5 and set(found["basis"]) == {"weekday"}


PEAKS = {(6, 17): 3.0, (6, 18): 5.0, (6, 19): 3.0, (11, 10): 5.0, (11, 11): 8.0, (11, 12): 5.0}


def test_festival_peaks_are_expected_but_a_missed_peak_is_not() -> None:
    series = synthetic(dt.date(2024, 1, 1), dt.date(2025, 12, 31), PEAKS)
    window = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert detect(series, *window).is_empty()
    # Without the festival calendar the peaks would all be flagged.
    assert dt.date(2025, 11, 11) in detect(series, *window, Settings(festivals=()))["day"].to_list()
    flop = detect(plant(series, dt.date(2025, 6, 18), 0.3), *window)
    assert flop.select("day", "basis").rows() == [(dt.date(2025, 6, 18), "festival:618")]
    assert flop["expected"][0] == pytest.approx(series.filter(pl.col("day") == dt.date(2024, 6, 18))["value"][0]
                                                * 1.15, rel=0.15)


def test_first_festival_without_last_year_is_not_judged() -> None:
    series = plant(synthetic(dt.date(2024, 1, 1), dt.date(2024, 12, 31), PEAKS), dt.date(2024, 11, 11), 0.1)
    assert detect(series, dt.date(2024, 11, 1), dt.date(2024, 11, 30)).is_empty()


def test_demo_peaks_on_618_and_double_11_are_not_flagged(model: SemanticModel, engine: DuckDBEngine) -> None:
    found = find_anomalies(model, engine, dt.date(2025, 6, 1), dt.date(2025, 11, 30))
    peaks = {dt.date(2025, 6, 18), dt.date(2025, 11, 11)}
    assert not set(found["day"].to_list()) & peaks
    assert set(found["level"]) <= {"channel", "campaign"} and found.height > 0
    channel_rows = found.filter(pl.col("level") == "channel")
    assert channel_rows["driver"].null_count() == 0  # every channel deviation names who moved it
    names = catalog(model, engine).select("channel", pl.col("campaign_name").map_elements(festival_key,
                                                                                          return_dtype=pl.String))
    ads = channel_rows.filter(pl.col("metric") != "revenue").select("key", "driver").rows()
    assert ads and set(ads) <= set(names.rows())  # an ad figure moves with a campaign of that channel


def test_planted_anomaly_in_the_demo_revenue_is_found(model: SemanticModel, engine: DuckDBEngine) -> None:
    frame = daily_metrics(model, engine, TimeRange(dt.date(2025, 5, 1), dt.date(2025, 9, 30)), ("channel",))
    series = frame.select(pl.col("channel").alias("key"), "day", pl.col("revenue").alias("value"))
    spike, outage = dt.date(2025, 8, 5), dt.date(2025, 9, 9)  # a pricing glitch ×5, a tracking outage ×0.1
    before = detect(series, dt.date(2025, 7, 1), dt.date(2025, 9, 30)).select("key", "day").rows()
    assert ("Tmall", spike) not in before and ("JD", outage) not in before
    planted = series.with_columns(
        pl.when((pl.col("key") == "Tmall") & (pl.col("day") == spike)).then(pl.col("value") * 5)
        .when((pl.col("key") == "JD") & (pl.col("day") == outage)).then(pl.col("value") * 0.1)
        .otherwise(pl.col("value")).alias("value"))
    after = detect(planted, dt.date(2025, 7, 1), dt.date(2025, 9, 30)).select("key", "day").rows()
    assert ("Tmall", spike) in after and ("JD", outage) in after
    assert set(after) - set(before) == {("Tmall", spike), ("JD", outage)}


def test_describe_in_both_languages(model: SemanticModel) -> None:
    row = {"metric": "revenue", "key": "Tmall", "day": dt.date(2025, 8, 5), "value": 90_000.0,
           "expected": 30_000.0, "change": 2.0, "driver": "no_campaign"}
    assert describe(row, model, "en") == ("Revenue of Tmall on Aug 5, 2025 was ¥90K, 200.0% above the expected ¥30K. "
                                          "Mostly from orders outside any campaign.")
    assert describe(row, model, "zh") == ("天猫 在 2025年8月5日 的销售额为 ¥9万，比预期 ¥3万 高 200.0%。"
                                          "主要来自 非活动订单。")
    festival = row | {"level": "campaign", "key": "618 Mid-Year Sale", "driver": None}
    assert describe(festival, model, "en").startswith("Revenue of 618 Mid-Year Sale on Aug 5, 2025 was ¥90K")
    assert describe(festival, model, "zh").startswith("618 年中大促 在 2025年8月5日 的销售额为 ¥9万")
    driven = row | {"driver": "Double 11 Douyin Live"}
    assert describe(driven, model, "zh").endswith("主要来自 双11 抖音直播。")
