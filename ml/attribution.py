"""Multi-touch attribution: which channels and campaigns earn the credit for a purchase.

A customer is often reached by several campaigns before buying. Each model
splits one purchase's credit across the campaign touches in the lookback window
before it — all to the last touch, all to the first, evenly (linear), or more to
recent touches (time decay with a half-life) — and the models side by side show
how much a channel's apparent worth depends on the rule chosen.

The models are pure functions over a touches frame, one row per (purchase,
touch): conversion_id, value, conversion_time, touch_time, channel, campaign_id.

>>> import datetime as dt
>>> day = lambda d: dt.datetime(2025, 6, d)
>>> frame = pl.DataFrame({"conversion_id": ["o1", "o1"], "value": [100.0, 100.0],
...                       "conversion_time": [day(10), day(10)], "touch_time": [day(1), day(8)],
...                       "channel": ["Douyin", "Tmall"], "campaign_id": ["C1", "C2"]})
>>> credits(frame, "linear")["credit"].to_list()
[0.5, 0.5]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from errors import InputError
from ml.campaign_sql import conversions, touches
from ml.campaigns import catalog, data_end
from semantic.engine import Engine
from semantic.model import SemanticModel
from viz.i18n import keyed_error

MODELS = ("last", "first", "linear", "decay")
TOUCH_EVENTS = ("reach", "click")  # what the brand did to the customer; visits and carts are the customer's own
BY = ("channel", "campaign_id")


def credits(frame: pl.DataFrame, model: str, half_life_days: float = 7.0) -> pl.DataFrame:
    """Each touch with its `credit` (share of its purchase, summing to 1) and `credited_value`.

    Touches are ordered by time within a purchase; ties keep their order in `frame`.
    """
    if model not in MODELS:
        raise keyed_error(InputError, "errors.attribution.model", model=model, choices=", ".join(MODELS))
    if half_life_days <= 0:
        raise keyed_error(InputError, "errors.attribution.half_life", days=f"{half_life_days:g}")
    ordered = frame.with_row_index("_row").sort("conversion_id", "touch_time", "_row")
    position = pl.int_range(pl.len()).over("conversion_id")
    count = pl.len().over("conversion_id")
    age = (pl.col("conversion_time") - pl.col("touch_time")).dt.total_seconds() / 86_400
    weight = {"last": (position == count - 1).cast(pl.Float64), "first": (position == 0).cast(pl.Float64),
              "linear": 1.0 / count, "decay": 0.5 ** (age / half_life_days)}[model]
    out = ordered.with_columns(_weight=weight)
    out = out.with_columns(credit=pl.col("_weight") / pl.col("_weight").sum().over("conversion_id"))
    return out.with_columns(credited_value=pl.col("credit") * pl.col("value")).drop("_row", "_weight")


def shares(frame: pl.DataFrame, by: str = "channel", half_life_days: float = 7.0) -> pl.DataFrame:
    """Per `by` value and model: credited purchases, credited value and the share of purchases, side by side.

    Columns: by, then `<model>` (share of purchases), `<model>_conversions`, `<model>_value` for each model.
    """
    if by not in frame.columns:
        raise keyed_error(InputError, "errors.attribution.by", by=by, choices=", ".join(BY))
    keys = frame.select(by).unique().sort(by)
    total = frame["conversion_id"].n_unique()
    for model in MODELS:
        part = credits(frame, model, half_life_days).group_by(by).agg(
            pl.col("credit").sum().alias(f"{model}_conversions"),
            pl.col("credited_value").sum().alias(f"{model}_value"))
        part = part.with_columns((pl.col(f"{model}_conversions") / total).alias(model))
        keys = keys.join(part, on=by, how="left")
    return keys.select(by, *MODELS, *(f"{m}_{k}" for m in MODELS for k in ("conversions", "value")))


def with_channel(frame: pl.DataFrame, campaigns: pl.DataFrame) -> pl.DataFrame:
    """Touches with their campaign's channel, from the campaign catalog (which a regional policy can read only
    through the user's own events and orders, so the touches SQL does not join the campaigns table)."""
    return frame.join(campaigns.select("campaign_id", "channel"), on="campaign_id", how="left",
                      maintain_order="left")


@dataclass(frozen=True)
class Attribution:
    """The models side by side for a period, and how many purchases had no touch to credit."""

    table: pl.DataFrame
    by: str
    period: tuple[dt.date, dt.date]
    lookback_days: int
    half_life_days: float
    purchases: int
    attributed: int

    @property
    def unattributed(self) -> int:
        return self.purchases - self.attributed


def attribute(model: SemanticModel, engine: Engine, period: tuple[dt.date, dt.date] | None = None,
              lookback_days: int = 30, half_life_days: float = 7.0, by: str = "channel",
              event_types: tuple[str, ...] = TOUCH_EVENTS) -> Attribution:
    """Attribution of the completed orders in `period` (default: the data's last 90 days) to campaign touches."""
    if lookback_days < 1:
        raise keyed_error(InputError, "errors.attribution.lookback", days=lookback_days)
    if by not in BY:
        raise keyed_error(InputError, "errors.attribution.by", by=by, choices=", ".join(BY))
    if period is None:
        end = data_end(model, engine)
        period = (end - dt.timedelta(days=89), end)
    frame = with_channel(touches(model, engine, period, lookback_days, event_types), catalog(model, engine))
    purchases, _ = conversions(model, engine, period)
    table = shares(frame, by, half_life_days) if frame.height else pl.DataFrame({by: []}, schema={by: pl.String})
    return Attribution(table, by, period, lookback_days, half_life_days, purchases,
                       frame["conversion_id"].n_unique())
