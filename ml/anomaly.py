"""Unusual days in the daily campaign metrics, with their size and the campaign or channel behind them.

An ordinary day is expected to look like the same weekday of the previous weeks
(their median), give or take a band from the recent day-to-day spread (median
absolute deviation) — shopping has a weekly rhythm. Festival seasons (618,
Double 11, Double 12, Women's Day, 520, Qixi, the Spring Festival lull) are
different: their peaks are the point, so a festival day is expected to look like
the same day of last year's festival, scaled by how much the business has grown
since, and it is flagged only when it misses that by a wide margin. A festival
without last year's data is not judged.

`detect` is pure: a frame of (key, day, value) in, deviations out.

>>> festival_on(dt.date(2025, 6, 18))
('618', 0, 2025)
>>> festival_on(dt.date(2025, 7, 18)) is None
True
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache

import polars as pl

from ml.campaigns import data_end, festival_key, floats
from semantic.answer import run_query
from semantic.engine import Engine
from semantic.model import SemanticModel
from semantic.query import SemanticQuery, TimeRange
from viz.format import format_change, format_date, format_points, format_value
from viz.i18n import t
from viz.labels import festival_text, value_text

METRICS = ("spend", "clicks", "ctr", "revenue", "roas")
# The additive figure whose change shows who moved a metric (a ratio moves with its numerator).
AD_METRICS = ("spend", "clicks", "ctr", "roas")
GROWING = ("revenue",)  # a continuous total that grows with the business; the others follow each year's plan
NO_CAMPAIGN = "no_campaign"  # orders placed outside any campaign
DRIVER_OF = {"spend": "spend", "clicks": "clicks", "ctr": "clicks", "revenue": "revenue", "roas": "revenue"}
SPRING_FESTIVAL = {2023: dt.date(2023, 1, 22), 2024: dt.date(2024, 2, 10), 2025: dt.date(2025, 1, 29),
                   2026: dt.date(2026, 2, 17), 2027: dt.date(2027, 2, 6)}
QIXI = {2023: dt.date(2023, 8, 22), 2024: dt.date(2024, 8, 10), 2025: dt.date(2025, 8, 29),
        2026: dt.date(2026, 8, 19), 2027: dt.date(2027, 8, 8)}


@dataclass(frozen=True)
class Festival:
    """A season around a yearly anchor day; `before`/`after` are days around it that belong to it."""

    name: str
    anchor: Callable[[int], dt.date | None]
    before: int
    after: int

    def window(self, year: int) -> tuple[dt.date, dt.date] | None:
        day = self.anchor(year)
        if day is None:
            return None
        return day - dt.timedelta(days=self.before), day + dt.timedelta(days=self.after)


def _fixed(month: int, day: int) -> Callable[[int], dt.date | None]:
    return lambda year: dt.date(year, month, day)


FESTIVALS = (
    Festival("618", _fixed(6, 18), 24, 2),
    Festival("double_11", _fixed(11, 11), 22, 2),
    Festival("double_12", _fixed(12, 12), 7, 1),
    Festival("womens_day", _fixed(3, 8), 7, 1),
    Festival("520", _fixed(5, 20), 7, 1),
    Festival("qixi", QIXI.get, 7, 1),
    Festival("spring_festival", SPRING_FESTIVAL.get, 16, 10),
)


@dataclass(frozen=True)
class Settings:
    """How wide the expected range is, in log terms: `k` times the series' own noise, never under `min_change`."""

    weeks: int = 4
    k: float = 3.5
    min_change: float = 0.3
    festival_tolerance: float = 0.5
    festivals: tuple[Festival, ...] = FESTIVALS


@lru_cache(maxsize=8192)
def festival_on(day: dt.date, festivals: tuple[Festival, ...] = FESTIVALS) -> tuple[str, int, int] | None:
    """(festival, days from its anchor, year) when `day` is in a festival season."""
    for festival in festivals:
        window = festival.window(day.year)
        if window and window[0] <= day <= window[1]:
            anchor = festival.anchor(day.year)
            assert anchor is not None
            return festival.name, (day - anchor).days, day.year
    return None


@dataclass(frozen=True)
class Series:
    """One key's daily values, with what `expected` needs to know about them."""

    values: dict[dt.date, float]
    settings: Settings
    grows: bool  # scale last year's festival by the growth since (totals, not ratios)

    @cached_property
    def offset(self) -> float:
        """Added before taking logs, so a zero day does not become minus infinity."""
        return 0.05 * statistics.median(abs(v) for v in self.values.values()) + 1e-9

    def log(self, value: float) -> float:
        return math.log(max(value, 0.0) + self.offset)

    @cached_property
    def weekday_index(self) -> tuple[float, ...]:
        """Each weekday's ordinary level over the overall ordinary level (1.0 without eight weeks of history)."""
        ordinary = {d: v for d, v in self.values.items() if festival_on(d, self.settings.festivals) is None}
        overall = statistics.median(ordinary.values()) if ordinary else 0.0
        index = []
        for weekday in range(7):
            same = [v for d, v in ordinary.items() if d.weekday() == weekday]
            index.append(statistics.median(same) / overall if len(same) >= 8 and overall > 0 else 1.0)
        return tuple(i if i > 0 else 1.0 for i in index)

    def adjusted(self, day: dt.date) -> float | None:
        """The day's value with its weekday's usual lift taken out, so festival days of two years compare."""
        value = self.values.get(day)
        return None if value is None else value / self.weekday_index[day.weekday()]

    def weekday_median(self, day: dt.date) -> float | None:
        week = dt.timedelta(days=7)
        history = [self.values[d] for d in (day - week * w for w in range(1, self.settings.weeks + 1))
                   if d in self.values and festival_on(d, self.settings.festivals) is None]
        return statistics.median(history) if len(history) >= 2 else None

    def noise(self) -> float:
        """Robust spread of log(value / same-weekday median) over the ordinary days: the series' own noise."""
        residuals = []
        for day, value in self.values.items():
            centre = None if festival_on(day, self.settings.festivals) else self.weekday_median(day)
            if centre is not None:
                residuals.append(self.log(value) - self.log(centre))
        if len(residuals) < 7:
            return 0.0
        middle = statistics.median(residuals)
        return 1.4826 * statistics.median(abs(r - middle) for r in residuals)


def expected(series: Series, day: dt.date, noise: float) -> tuple[float, float, float, str] | None:
    """(expected, low, high, basis) for `day` from the series' own history, or None without enough history."""
    settings = series.settings
    festival = festival_on(day, settings.festivals)
    if festival:
        centre = _festival_expected(series, festival)
        floor, spread, basis = math.log1p(settings.festival_tolerance), noise * math.sqrt(2), f"festival:{festival[0]}"
    else:
        centre = series.weekday_median(day)
        floor, spread, basis = math.log1p(settings.min_change), noise, "weekday"
    if centre is None:
        return None
    band = max(settings.k * spread, floor)
    middle = series.log(centre)
    low, high = (math.exp(middle + sign * band) - series.offset for sign in (-1, 1))
    return centre, max(low, 0.0), high, basis


def _festival_expected(series: Series, festival: tuple[str, int, int]) -> float | None:
    """Last year's same festival day, scaled by the growth since when the series grows."""
    name, offset, year = festival
    season = next(f for f in series.settings.festivals if f.name == name)
    last_anchor = season.anchor(year - 1)
    before = series.adjusted(last_anchor + dt.timedelta(days=offset)) if last_anchor else None
    if before is None or last_anchor is None:
        return None
    weekday = (season.anchor(year) + dt.timedelta(days=offset)).weekday()  # type: ignore[operator]
    return before * series.weekday_index[weekday] * _growth(series, season, year, offset, last_anchor)


def _growth(series: Series, season: Festival, year: int, offset: int, last_anchor: dt.date) -> float:
    """How this season is tracking against last year's (median day-by-day ratio of the season so far).

    Early in the season, a growing series uses its ordinary level before the season against last
    year's; anything else is compared one to one.
    """
    anchor = season.anchor(year)
    assert anchor is not None
    ratios = []
    for k in range(-season.before, offset):
        shift = dt.timedelta(days=k)
        now, then = series.adjusted(anchor + shift), series.adjusted(last_anchor + shift)
        if now is not None and then:
            ratios.append(now / then)
    if len(ratios) >= 3:
        return statistics.median(ratios)
    return _preseason_growth(series, season, year) if series.grows else 1.0


def _preseason_growth(series: Series, season: Festival, year: int) -> float:
    """This year's ordinary level before the season over last year's; 1.0 without history to compare."""
    levels = []
    for y in (year, year - 1):
        window = season.window(y)
        ordinary = _ordinary(series, window[0] - dt.timedelta(days=42), window[0] - dt.timedelta(days=1)) \
            if window else []
        levels.append(statistics.median(ordinary) if len(ordinary) >= 7 else None)
    now, before = levels
    return now / before if now is not None and before else 1.0


def _ordinary(series: Series, first: dt.date, last: dt.date) -> list[float]:
    days = (first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    return [series.values[d] for d in days
            if d in series.values and festival_on(d, series.settings.festivals) is None]


DEVIATIONS = {"key": pl.String, "day": pl.Date, "value": pl.Float64, "expected": pl.Float64, "low": pl.Float64,
              "high": pl.Float64, "change": pl.Float64, "basis": pl.String}


def detect(frame: pl.DataFrame, first: dt.date, last: dt.date, settings: Settings | None = None,
           grows: bool = True) -> pl.DataFrame:
    """Days from `first` to `last` outside their expected range; `frame` columns: key, day, value."""
    settings = settings or Settings()
    rows = []
    for (key,), part in frame.filter(pl.col("value").is_not_null()).group_by("key", maintain_order=True):
        series = Series(dict(zip(part["day"].to_list(), part["value"].to_list(), strict=True)), settings, grows)
        noise = series.noise()
        for day, value in sorted(series.values.items()):
            found = expected(series, day, noise) if first <= day <= last else None
            if found and not found[1] <= value <= found[2]:
                change = (value - found[0]) / abs(found[0]) if found[0] else None
                rows.append({"key": key, "day": day, "value": value, "expected": found[0], "low": found[1],
                             "high": found[2], "change": change, "basis": found[3]})
    return pl.DataFrame(rows, schema=DEVIATIONS)


def daily_metrics(model: SemanticModel, engine: Engine, period: TimeRange,
                  dimensions: tuple[str, ...]) -> pl.DataFrame:
    """The daily metrics split by `dimensions`, through the semantic layer."""
    query = SemanticQuery(metrics=METRICS, dimensions=dimensions, time_grain="day", time_range=period)
    return floats(run_query(query, model, engine).frame)


def find_anomalies(model: SemanticModel, engine: Engine, first: dt.date | None = None, last: dt.date | None = None,
                   settings: Settings | None = None) -> pl.DataFrame:
    """Unusual days per channel and per campaign between `first` and `last` (default: the data's last 90 days).

    Columns: level (channel/campaign), key, metric, day, value, expected, low, high, change, basis,
    driver and driver_change (the campaign that moved a channel's figure most).
    """
    last = last or data_end(model, engine)
    first = first or last - dt.timedelta(days=89)
    history = TimeRange(first - dt.timedelta(days=400), last)
    # A campaign's editions (the 2024 and 2025 "618 Mid-Year Sale") form one series, so festivals compare.
    by_campaign = daily_metrics(model, engine, history, ("channel", "campaign_name")).with_columns(
        key=pl.col("campaign_name").map_elements(festival_key, return_dtype=pl.String).fill_null(NO_CAMPAIGN))
    by_channel = daily_metrics(model, engine, history, ("channel",)).filter(pl.col("channel").is_not_null())
    campaign_rows = by_campaign.filter(pl.col("campaign_name").is_not_null())
    parts = []
    for metric in METRICS:
        grows = metric in GROWING
        found = detect(_series(by_channel, "channel", metric), first, last, settings, grows)
        parts.append(_drivers(found, by_campaign, metric, settings).with_columns(
            level=pl.lit("channel"), metric=pl.lit(metric)))
        found = detect(_series(campaign_rows, "key", metric), first, last, settings, grows)
        parts.append(found.with_columns(level=pl.lit("campaign"), metric=pl.lit(metric),
                                        driver=pl.lit(None, pl.String), driver_change=pl.lit(None, pl.Float64)))
    columns = ("level", "key", "metric", *list(DEVIATIONS)[1:], "driver", "driver_change")
    return pl.concat([p.select(columns) for p in parts]).sort("day", "level", "key", "metric")


def _series(frame: pl.DataFrame, key: str, metric: str) -> pl.DataFrame:
    """One metric as (key, day, value); ad metrics only on days with spend (a channel is dark between campaigns)."""
    if metric in AD_METRICS:
        frame = frame.filter(pl.col("spend") > 0)
    return frame.select(pl.col(key).alias("key"), "day", pl.col(metric).alias("value"))


def _drivers(found: pl.DataFrame, by_campaign: pl.DataFrame, metric: str, settings: Settings | None) -> pl.DataFrame:
    """For each flagged channel-day, the campaign (or orders outside campaigns) whose figure moved most."""
    settings = settings or Settings()
    column = DRIVER_OF[metric]
    drivers, changes = [], []
    for key, day in zip(found["key"].to_list(), found["day"].to_list(), strict=True):
        children = by_campaign.filter(pl.col("channel") == key)
        if metric in AD_METRICS:  # ads move with campaigns only; orders outside campaigns cannot explain them
            children = children.filter(pl.col("key") != NO_CAMPAIGN)
        best = _largest_move(children, column, day, settings)
        drivers.append(best[0] if best else None)
        changes.append(best[1] if best else None)
    return found.with_columns(driver=pl.Series(drivers, dtype=pl.String),
                              driver_change=pl.Series(changes, dtype=pl.Float64))


def _largest_move(children: pl.DataFrame, column: str, day: dt.date,
                  settings: Settings) -> tuple[str, float] | None:
    moves = []
    for (name,), part in children.group_by("key", maintain_order=True):
        values = {d: v for d, v in zip(part["day"].to_list(), part[column].to_list(), strict=True) if v is not None}
        if not values:
            continue
        series = Series(values, settings, column in GROWING)
        found = expected(series, day, 0.0)
        base = found[0] if found else 0.0
        moves.append((str(name), values.get(day, 0.0) - base))
    return max(moves, key=lambda m: abs(m[1])) if moves else None


def describe(row: dict[str, object], model: SemanticModel, lang: str = "en") -> str:
    """One deviation in words: 'ROAS of Tmall on Jun 3, 2025 was 0.52, -71.0% below the expected 1.80.'"""
    metric = model.metrics[str(row["metric"])]
    fmt = lambda v: format_value(v, metric.format, lang, model.currency)  # noqa: E731
    value, centre = float(row["value"]), float(row["expected"])  # type: ignore[arg-type]
    key = "campaigns.anomaly.above" if value > centre else "campaigns.anomaly.below"
    change = t("campaigns.vs_points", lang, points=format_points(max(value, centre), min(value, centre)).lstrip("+")) \
        if metric.format == "percent" else format_change(abs(row["change"] or 0.0), lang).lstrip("+")  # a rate: points
    scope = festival_text(str(row["key"]), model, lang) if row.get("level") == "campaign" \
        else value_text(row["key"], "channel", model, lang)
    text = t(key, lang, metric=metric.label(lang), scope=scope, date=format_date(row["day"], lang),  # type: ignore[arg-type]
             value=fmt(value), expected=fmt(centre), change=change)
    driver = row.get("driver")
    if driver == NO_CAMPAIGN:
        driver = t("campaigns.anomaly.no_campaign", lang)
    elif driver:
        driver = festival_text(str(driver), model, lang)
    space = "" if lang == "zh" else " "
    return f"{text}{space}{t('campaigns.anomaly.driver', lang, driver=driver)}" if driver else text
