"""A campaign taken apart: its funnel, the buyers it brought and what they did next, and the channels.

A campaign is judged by the customers it brought, not only by its ROAS: the
funnel says where people dropped off, the split into new and returning buyers
says whether it found anyone new, the repeat windows say whether they stayed,
and the channel table says where the next yuan of budget earns most.

>>> steps = funnel_steps(pl.DataFrame({"event_type": ["reach", "click", "purchase"], "customers": [100, 40, 10]}))
>>> steps["step_conversion"].to_list()
[None, 0.4, 0.0, None, None]
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from ml.campaign_access import ask, readable
from ml.campaign_sql import buyer_counts, campaign_buyers
from ml.campaigns import Campaign, catalog, check_campaign, data_end, floats, measure
from semantic.engine import Engine
from semantic.model import SemanticModel
from semantic.query import Filter, SemanticQuery, TimeRange
from viz.i18n import t

FUNNEL = ("reach", "click", "visit", "add_to_cart", "purchase")
SEGMENTS = ("member_tier", "region", "age_band", "gender")
REPEAT_WINDOWS = (30, 60, 90)
CHANNEL_METRICS = ("budget", "spend", "campaign_revenue", "roas", "cpc", "ctr", "conversion_rate", "clicks")


def funnel(model: SemanticModel, engine: Engine, campaign_id: str | None = None,
           by: str | None = None, period: TimeRange | None = None) -> pl.DataFrame:
    """Customers at each step (reach → purchase) with step conversion and drop-off; per segment with `by`.

    Without a campaign the funnel covers every campaign; a customer counts once per step. `period`
    keeps the events of those days (a review as of a past day counts no later events).
    """
    filters: tuple[Filter, ...] = ()
    if campaign_id is not None:
        check_campaign(model, engine, campaign_id)
        filters = (Filter("campaign_id", "=", campaign_id),)
    dims = ("event_type", by) if by else ("event_type",)
    query = SemanticQuery(metrics=("funnel_customers",), dimensions=dims, filters=filters, time_range=period)
    frame = floats(ask(query, model, engine).frame).rename({"funnel_customers": "customers"})
    if not by:
        return funnel_steps(frame)
    parts = [funnel_steps(part).with_columns(pl.lit(key[0]).alias(by))
             for key, part in frame.group_by(by, maintain_order=True)]
    return pl.concat(parts).select(by, *FUNNEL_COLUMNS).sort(by, "step") if parts else frame


FUNNEL_COLUMNS = ("step", "event_type", "customers", "step_conversion", "overall_conversion", "drop_off")


def funnel_steps(frame: pl.DataFrame) -> pl.DataFrame:
    """(event_type, customers) → the five steps in order, missing ones as 0, with the rates between them."""
    counts = dict(zip(frame["event_type"].to_list(), frame["customers"].to_list(), strict=True))
    rows, previous = [], None
    first = counts.get(FUNNEL[0]) or 0
    for step, name in enumerate(FUNNEL, start=1):
        now = int(counts.get(name) or 0)
        rate = now / previous if previous else None
        rows.append({"step": step, "event_type": name, "customers": now, "step_conversion": rate,
                     "overall_conversion": now / first if first else None,
                     "drop_off": None if rate is None else 1.0 - rate})
        previous = now
    return pl.DataFrame(rows, schema={"step": pl.Int64, "event_type": pl.String, "customers": pl.Int64,
                                      "step_conversion": pl.Float64, "overall_conversion": pl.Float64,
                                      "drop_off": pl.Float64})


def buyers_brought(model: SemanticModel, engine: Engine, campaign_id: str,
                   as_of: dt.date | None = None) -> pl.DataFrame:
    """New and returning buyers of the campaign: counts and shares (new = no completed order before)."""
    check_campaign(model, engine, campaign_id)
    buyers = campaign_buyers(model, engine, campaign_id, as_of or data_end(model, engine))
    total = buyers.height
    rows = [{"buyer_type": kind, "buyers": n, "share": n / total if total else None}
            for kind, n in (("new", int(buyers["is_new"].sum())), ("returning", total - int(buyers["is_new"].sum())))]
    return pl.DataFrame(rows, schema={"buyer_type": pl.String, "buyers": pl.Int64, "share": pl.Float64})


def repeat_purchase(model: SemanticModel, engine: Engine, campaign_id: str, as_of: dt.date | None = None,
                    windows: tuple[int, ...] = REPEAT_WINDOWS) -> pl.DataFrame:
    """Share of the campaign's buyers who bought again within each window after their campaign purchase.

    Only buyers whose window has fully passed by `as_of` are counted (`eligible`), so a campaign
    that ended last week is not marked down for repeat orders that cannot have happened yet.
    """
    check_campaign(model, engine, campaign_id)
    as_of = as_of or data_end(model, engine)
    buyers = campaign_buyers(model, engine, campaign_id, as_of).with_columns(
        gap=(pl.col("next_day") - pl.col("first_day")).dt.total_days(),
        room=(pl.lit(as_of) - pl.col("first_day")).dt.total_days())
    rows = []
    groups = (("all", buyers), ("new", buyers.filter("is_new")), ("returning", buyers.filter(~pl.col("is_new"))))
    for kind, part in groups:
        for days in windows:
            eligible = part.filter(pl.col("room") >= days)
            repeat = eligible.filter(pl.col("gap") <= days).height
            rows.append({"buyer_type": kind, "window_days": days, "eligible": eligible.height,
                         "repeat_buyers": repeat, "repeat_rate": repeat / eligible.height if eligible.height else None})
    return pl.DataFrame(rows, schema={"buyer_type": pl.String, "window_days": pl.Int64, "eligible": pl.Int64,
                                      "repeat_buyers": pl.Int64, "repeat_rate": pl.Float64})


def channel_comparison(model: SemanticModel, engine: Engine, period: TimeRange | None = None,
                       campaign_id: str | None = None) -> pl.DataFrame:
    """Per campaign channel: spend, revenue, ROAS, CPC, CTR, conversion, cost per new buyer, budget vs revenue share.

    Spend and revenue are those of `period`; budget and new buyers are those of every campaign that ran
    during it (`running`), whole, even one that started before it: the budget metric is dated by the
    campaign's start, so a campaign that started two days before a review's period would otherwise show
    its spend beside a budget share of 0 %. With `campaign_id`, that campaign's figures alone.
    Channels with neither budget nor spend (where no campaign ran) are left out; under a policy that cannot
    split spend (region), the spend-based columns are null and channels without campaign revenue are left out.
    """
    filters = (Filter("campaign_id", "=", campaign_id),) if campaign_id else ()
    query = SemanticQuery(metrics=tuple(m for m in CHANNEL_METRICS if m not in ("budget", "conversion_rate")),
                          dimensions=("channel",), time_range=period, filters=filters)
    campaigns = running(catalog(model, engine), period, campaign_id)
    frame = measure(query, model, engine).filter(pl.col("channel").is_not_null())
    frame = frame.join(channel_conversion(model, engine, period, filters), on="channel", how="left")
    frame = frame.join(_budgets(model, engine, campaigns), on="channel", how="full", coalesce=True)
    ran = readable(model, engine, ("budget", "spend")) or ("campaign_revenue",)  # where a campaign ran
    frame = frame.filter(pl.any_horizontal(pl.col(c) > 0 for c in ran))
    new = _new_buyers_by_channel(model, engine, period, campaigns)
    frame = frame.join(new, on="channel", how="left").with_columns(pl.col("new_buyers").fill_null(0))
    return frame.select("channel", *CHANNEL_METRICS, "new_buyers").with_columns(
        cost_per_new_buyer=pl.when(pl.col("new_buyers") > 0).then(pl.col("spend") / pl.col("new_buyers")),
        budget_share=_share("budget"), spend_share=_share("spend"), revenue_share=_share("campaign_revenue"),
    ).sort("campaign_revenue", descending=True, nulls_last=True)


def channel_conversion(model: SemanticModel, engine: Engine, period: TimeRange | None = None,
                       filters: tuple[Filter, ...] = ()) -> pl.DataFrame:
    """Per channel, purchasers summed over its campaigns ÷ customers reached summed over them.

    Counted per campaign (campaign–customer pairs), like each campaign's own conversion rate, so a channel's
    rate lies between its campaigns' rates; distinct customers across the channel would count a customer
    reached by several campaigns once but each purchase of theirs too, and could exceed every campaign's rate.
    """
    steps = (Filter("event_type", "in", ("reach", "purchase")), *filters)
    query = SemanticQuery(metrics=("funnel_customers",), dimensions=("channel", "campaign_id", "event_type"),
                          filters=steps, time_range=period)
    frame = floats(ask(query, model, engine).frame).filter(pl.col("channel").is_not_null())
    counted = frame.group_by("channel").agg(
        purchasers=pl.col("funnel_customers").filter(pl.col("event_type") == "purchase").sum(),
        reached=pl.col("funnel_customers").filter(pl.col("event_type") == "reach").sum())
    return counted.select("channel", conversion_rate=pl.when(pl.col("reached") > 0)
                          .then(pl.col("purchasers") / pl.col("reached")).cast(pl.Float64))


def running(campaigns: pl.DataFrame, period: TimeRange | None, campaign_id: str | None = None) -> pl.DataFrame:
    """The campaigns (rows of `catalog`) that ran on at least one day of `period` (all without one)."""
    if campaign_id is not None:
        campaigns = campaigns.filter(pl.col("campaign_id") == campaign_id)
    if period is None:
        return campaigns
    return campaigns.filter((pl.col("campaign_start") <= period.end) & (pl.col("campaign_end") >= period.start))


def _budgets(model: SemanticModel, engine: Engine, campaigns: pl.DataFrame) -> pl.DataFrame:
    """The budget per channel of `campaigns`; null where the user's policy cannot see budgets."""
    shown = bool(readable(model, engine, ("budget",)))
    return campaigns.filter(pl.col("channel").is_not_null()).group_by("channel").agg(
        budget=pl.col("budget").cast(pl.Float64).sum() if shown else pl.lit(None, pl.Float64))


def _share(column: str) -> pl.Expr:
    total = pl.col(column).sum()
    return pl.when(total > 0).then(pl.col(column) / total)


def _new_buyers_by_channel(model: SemanticModel, engine: Engine, period: TimeRange | None,
                           campaigns: pl.DataFrame) -> pl.DataFrame:
    """New buyers summed over `campaigns` (those that ran in the period) by channel, as of the period's end."""
    as_of = period.end if period else data_end(model, engine)
    counts = buyer_counts(model, engine, as_of).join(campaigns.select("campaign_id", "channel"), on="campaign_id",
                                                    how="inner")
    return counts.group_by("channel").agg(pl.col("new_buyers").sum())


def conversion_counts(model: SemanticModel, engine: Engine, campaign_id: str,
                      period: TimeRange | None = None) -> tuple[int, int]:
    """(customers who purchased, customers reached) of a campaign, from its events in `period` (default: all):
    the two numbers of its conversion rate."""
    steps = funnel(model, engine, campaign_id, period=period)
    counts = dict(zip(steps["event_type"].to_list(), steps["customers"].to_list(), strict=True))
    return int(counts["purchase"]), int(counts["reach"])


def notes(campaign: Campaign, reached: int, lang: str = "en", name: str | None = None) -> list[str]:
    """What is missing for this campaign, in words, so a page or report explains an empty figure; `name` is the
    campaign as the reader calls it (its label in the model), default its name in the data."""
    found, name = [], name or campaign.name
    if "spend" not in campaign.unavailable and not campaign.figures.get("spend"):
        found.append(t("campaigns.errors.no_spend", lang, campaign=name))
    if not reached:
        found.append(t("campaigns.errors.no_events", lang, campaign=name))
    if not campaign.figures.get("orders"):
        found.append(t("campaigns.errors.no_orders", lang, campaign=name))
    return found
