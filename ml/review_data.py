"""Every figure a campaign review needs, gathered once from the campaign core and the semantic layer.

The review report reads the same functions the campaign page and `beacon
campaign show` read (campaign, versus, funnel, buyers_brought, repeat_purchase,
channel_comparison, find_anomalies), plus per-segment conversion and revenue as
semantic queries, so a number in the report is the number on the page. A
campaign that has not started yet gathers only its facts: there is nothing
else to measure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from errors import PermissionDeniedError
from ml import campaign_breakdowns as parts
from ml.anomaly import find_anomalies
from ml.campaign_access import ask
from ml.campaigns import Campaign, campaign, catalog, daily_trend, festival_key, floats, unavailable, versus
from ml.review_findings import pooled_funnel
from semantic.engine import Engine
from semantic.model import SemanticModel
from semantic.query import Filter, SemanticQuery, TimeRange
from viz.i18n import keyed_error

REVIEW_SEGMENTS = ("member_tier", "region")
_NO_EVENTS = pl.DataFrame({"event_type": [], "customers": []}, schema={"event_type": pl.String, "customers": pl.Int64})
SEGMENT_METRICS = ("conversion_rate", "campaign_revenue", "buyers")


@dataclass(frozen=True)
class ReviewData:
    """One campaign's figures to `campaign.as_of`; frames are empty for a campaign that has not started."""

    campaign: Campaign
    versus: pl.DataFrame
    peers: dict[str, str]  # comparable campaign id → name
    basis: str | None  # same_festival or same_type
    steps: pl.DataFrame
    peer_steps: pl.DataFrame | None
    segments: dict[str, pl.DataFrame] = field(default_factory=dict)  # by → by, reached, SEGMENT_METRICS
    segment_funnels: dict[str, pl.DataFrame] = field(default_factory=dict)
    buyers: pl.DataFrame = field(default_factory=pl.DataFrame)
    repeat: pl.DataFrame = field(default_factory=pl.DataFrame)
    channels: pl.DataFrame = field(default_factory=pl.DataFrame)  # every campaign's, in the campaign's days
    own_channels: pl.DataFrame = field(default_factory=pl.DataFrame)  # this campaign's alone
    others: dict[str, tuple[str, ...]] = field(default_factory=dict)  # channel → other campaigns run there then
    trend: pl.DataFrame = field(default_factory=pl.DataFrame)
    anomalies: pl.DataFrame = field(default_factory=pl.DataFrame)

    @property
    def started(self) -> bool:
        return self.campaign.status != "planned"

    @property
    def reached(self) -> int:
        return int(self.steps["customers"][0]) if self.steps.height else 0

    @property
    def period(self) -> TimeRange:
        """The campaign's days up to the review's day."""
        return TimeRange(self.campaign.start, min(self.campaign.end, self.campaign.as_of))


def gather(model: SemanticModel, engine: Engine, campaign_id: str, as_of: dt.date | None = None) -> ReviewData:
    """The review's figures; an unknown campaign id is refused with did-you-mean (UnknownNameError), and so is
    a user whose data policy cannot split ad spend (PermissionDeniedError): a review weighs results against it."""
    check_review(model, engine)
    found = campaign(model, engine, campaign_id, as_of)
    compared = versus(model, engine, campaign_id, found.as_of)
    ids = [p for p in (compared["peers"][0] or "").split(", ") if p]
    facts = catalog(model, engine)
    names = dict(facts.select("campaign_id", "campaign_name").iter_rows())
    peers = {p: str(names[p]) for p in ids}
    if found.status == "planned":
        return ReviewData(found, compared, peers, compared["basis"][0], parts.funnel_steps(_NO_EVENTS), None)
    # Measured like the campaign's KPIs (ml.campaigns.campaign_list): from the first campaign's start to as_of.
    measured = TimeRange(min(facts["campaign_start"].min(), found.start), found.as_of)  # type: ignore[type-var]
    steps = parts.funnel(model, engine, campaign_id, period=measured)
    peer_steps = pooled_funnel([parts.funnel(model, engine, p, period=measured) for p in ids])
    base = ReviewData(found, compared, peers, compared["basis"][0], steps, peer_steps)
    return ReviewData(
        found, compared, peers, base.basis, steps, peer_steps,
        segments={by: segment_figures(model, engine, campaign_id, by, measured) for by in REVIEW_SEGMENTS},
        segment_funnels={by: parts.funnel(model, engine, campaign_id, by, measured) for by in REVIEW_SEGMENTS},
        buyers=parts.buyers_brought(model, engine, campaign_id, found.as_of),
        repeat=parts.repeat_purchase(model, engine, campaign_id, found.as_of),
        channels=parts.channel_comparison(model, engine, base.period),
        own_channels=parts.channel_comparison(model, engine, base.period, campaign_id),
        others=other_campaigns(facts, base.period, campaign_id),
        trend=daily_trend(model, engine, campaign_id).filter(pl.col("day") <= found.as_of),
        anomalies=campaign_anomalies(model, engine, found, base.period))


def other_campaigns(facts: pl.DataFrame, period: TimeRange, campaign_id: str) -> dict[str, tuple[str, ...]]:
    """Per channel, the names of the other campaigns that ran on it during `period`: the evidence behind a
    channel new to this campaign."""
    others = parts.running(facts, period).filter(pl.col("campaign_id") != campaign_id)
    return {str(channel): tuple(names) for channel, names in
            others.group_by("channel", maintain_order=True).agg(pl.col("campaign_name")).iter_rows()}


def check_review(model: SemanticModel, engine: Engine) -> None:
    """Refuse, in words, a review for a user who may not see ad spend or budget: its summary, findings and
    recommendations weigh results against them, and company-wide spend must not sit beside regional revenue."""
    hidden = unavailable(model, engine)
    if hidden:
        raise keyed_error(PermissionDeniedError, "errors.campaign.review_refused", hidden=", ".join(hidden))


def segment_figures(model: SemanticModel, engine: Engine, campaign_id: str, by: str,
                    period: TimeRange | None = None) -> pl.DataFrame:
    """Per value of `by`: customers reached (from the funnel), conversion rate, campaign revenue and buyers."""
    query = SemanticQuery(metrics=SEGMENT_METRICS, dimensions=(by,), time_range=period,
                          filters=(Filter("campaign_id", "=", campaign_id),))
    figures = floats(ask(query, model, engine).frame)
    steps = parts.funnel(model, engine, campaign_id, by, period)
    if steps.is_empty() or by not in steps.columns:
        return figures.with_columns(reached=pl.lit(0, pl.Int64)).head(0)
    reach = steps.filter(pl.col("event_type") == "reach").select(by, reached="customers")
    return reach.join(figures, on=by, how="left").filter(pl.col(by).is_not_null()) \
        .sort("reached", descending=True)


def campaign_anomalies(model: SemanticModel, engine: Engine, found: Campaign, period: TimeRange) -> pl.DataFrame:
    """Unusual days of this campaign's own daily figures within its dates (find_anomalies, campaign level)."""
    flagged = find_anomalies(model, engine, period.start, period.end)
    return flagged.filter((pl.col("level") == "campaign") & (pl.col("key") == festival_key(found.name)))
