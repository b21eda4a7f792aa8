"""What a campaign review concludes, as numbers: what worked, what did not, and what to do next.

The review report (`viz.review`) words these findings; here they are plain
figures computed from the frames the campaign core returns (versus, funnel,
channel comparison, buyers and repeat purchase), so the same conclusion can be
tested against the numbers it rests on. A deviation's `change` is signed so
that positive is good for the business (a lower CPC is good).

>>> steps = pl.DataFrame({"event_type": ["reach", "click", "purchase"], "customers": [100, 40, 10]})
>>> fix = funnel_fix(funnel_steps(steps), None)
>>> fix.numbers["step"], round(fix.numbers["conversion"], 2)
('visit', 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from ml.campaign_breakdowns import funnel_steps

MIN_REACH = 100  # segments smaller than this are too noisy to call out
MIN_CHANGE = 0.02  # deviations under 2 % (or 2 points for a rate near zero) are not findings
MIN_RATE_BASE = 0.01  # a rate's relative change ranks a finding only from a base of 1 % up
BUDGET_SHARE = 0.1  # the share of the weaker channel's spend a budget shift proposes to move
MIN_ROAS_GAP = 0.1  # channels whose ROAS differ by less than 10 % are not worth a shift
STEP_GAP = 0.01  # a step at least 1 point below comparables is the one to fix


@dataclass(frozen=True)
class Deviation:
    """One figure against its base: a segment vs the campaign, or the campaign vs comparable campaigns."""

    kind: str  # segment, kpi or step
    scope: str  # the dimension of a segment; empty otherwise
    name: str  # the segment value, the metric or the funnel step
    metric: str
    value: float
    base: float
    change: float  # its size for ranking (see `size`), positive = good


@dataclass(frozen=True)
class Recommendation:
    """An action and the figures behind it (kind: budget_shift, new_channel, funnel_fix, retarget_new,
    no_new_buyers, loss)."""

    kind: str
    numbers: dict[str, object] = field(default_factory=dict)


def kpi_deviations(versus: pl.DataFrame) -> list[Deviation]:
    """Each KPI against the median of comparable campaigns (spend is neither good nor bad, so it is left out)."""
    found = []
    for row in versus.iter_rows(named=True):
        rate = row["format"] == "percent"
        if row["metric"] == "spend" or row["value"] is None or row["comparable"] is None \
                or not (rate or row["comparable"]):
            continue
        sign = 1.0 if row["higher_is_better"] else -1.0
        change = size(row["value"], row["comparable"], rate)
        found.append(Deviation("kpi", "", row["metric"], row["metric"], row["value"], row["comparable"],
                               sign * change))
    return found


def size(value: float, base: float, rate: bool = False) -> float:
    """How big a gap is, to rank findings: relative for an amount or a share with a solid base (conversion
    5.2 % vs 4.8 % is +7 %); the difference itself for a rate near or below zero, whose relative change means
    nothing (ROI −2.9 % vs 0.5 % is −0.034, not −651 %). The reader sees every rate's gap in points.

    >>> round(size(-0.0287, 0.0052, rate=True), 4), round(size(0.0516, 0.0482, rate=True), 3)
    (-0.0339, 0.071)
    """
    if rate and (base < MIN_RATE_BASE or value < 0):
        return value - base
    return (value - base) / abs(base)


def segment_deviations(segments: pl.DataFrame, by: str, overall: float | None) -> list[Deviation]:
    """Conversion of each segment (columns: `by`, reached, conversion_rate) against the campaign's own."""
    if not overall:
        return []
    rows = segments.filter((pl.col("reached") >= MIN_REACH) & pl.col("conversion_rate").is_not_null())
    return [Deviation("segment", by, str(r[by]), "conversion_rate", r["conversion_rate"], overall,
                      size(r["conversion_rate"], overall, rate=True)) for r in rows.iter_rows(named=True)]


def step_deviations(steps: pl.DataFrame, peers: pl.DataFrame | None) -> list[Deviation]:
    """Each funnel step's conversion against the pooled funnel of comparable campaigns."""
    if peers is None:
        return []
    base = dict(zip(peers["event_type"].to_list(), peers["step_conversion"].to_list(), strict=True))
    found = []
    for row in steps.iter_rows(named=True):
        peer = base.get(row["event_type"])
        if row["step_conversion"] is not None and peer:
            found.append(Deviation("step", "", row["event_type"], "step_conversion", row["step_conversion"], peer,
                                   size(row["step_conversion"], peer, rate=True)))
    return found


def worked_and_not(deviations: list[Deviation], n: int = 3) -> tuple[list[Deviation], list[Deviation]]:
    """The `n` largest positive and the `n` largest negative deviations, biggest first."""
    big = [d for d in deviations if abs(d.change) >= MIN_CHANGE]
    good = sorted((d for d in big if d.change > 0), key=lambda d: -d.change)[:n]
    bad = sorted((d for d in big if d.change < 0), key=lambda d: d.change)[:n]
    return good, bad


def pooled_funnel(funnels: list[pl.DataFrame]) -> pl.DataFrame | None:
    """The funnel of several campaigns together (customers summed per step), or None without any."""
    frames = [f.select("event_type", "customers") for f in funnels if f["customers"].sum() > 0]
    if not frames:
        return None
    return funnel_steps(pl.concat(frames).group_by("event_type").agg(pl.col("customers").sum()))


def budget_shift(channels: pl.DataFrame) -> Recommendation | None:
    """Move part of the budget from the channel with the lowest ROAS to the highest, when they differ enough;
    `channels` are the campaign's own (a review never names a channel the campaign did not use here)."""
    spent = channels.filter((pl.col("spend") > 0) & pl.col("roas").is_not_null()).sort("roas")
    if spent.height < 2:
        return None
    low, high = spent.row(0, named=True), spent.row(-1, named=True)
    if high["roas"] < low["roas"] * (1 + MIN_ROAS_GAP):
        return None
    amount = low["spend"] * BUDGET_SHARE
    return Recommendation("budget_shift", {"from": low["channel"], "from_roas": low["roas"], "to": high["channel"],
                                           "to_roas": high["roas"], "amount": amount,
                                           "gain": amount * (high["roas"] - low["roas"])})


def new_channel(own: pl.DataFrame, channels: pl.DataFrame,
                others: dict[str, tuple[str, ...]]) -> Recommendation | None:
    """A channel this campaign did not use where other campaigns earned clearly more per yuan in the same days.

    Only a test is proposed, with the campaigns it rests on: other campaigns' ROAS on a channel says what
    they earned there, not what this one would.
    """
    mine = own.filter((pl.col("spend") > 0) & pl.col("roas").is_not_null()).sort("roas")
    if mine.is_empty():
        return None
    best = mine.row(-1, named=True)
    new = channels.filter(~pl.col("channel").is_in(own["channel"].to_list()) & (pl.col("spend") > 0)
                          & pl.col("roas").is_not_null()).sort("roas", descending=True)
    if new.is_empty() or new["roas"][0] < best["roas"] * (1 + MIN_ROAS_GAP):
        return None
    top = new.row(0, named=True)
    return Recommendation("new_channel", {"channel": top["channel"], "roas": top["roas"], "own": best["channel"],
                                          "own_roas": best["roas"], "campaigns": others.get(top["channel"], ())})


def funnel_fix(steps: pl.DataFrame, peers: pl.DataFrame | None,
               segments: pl.DataFrame | None = None, by: str | None = None) -> Recommendation | None:
    """The step to fix: the one furthest below comparables, else the one losing the largest share of people.

    With `segments` (a funnel split `by` a dimension) the weakest segment at that step is named too.
    """
    gaps = step_deviations(steps, peers)
    worst = min(gaps, key=lambda d: d.value - d.base, default=None)
    if worst is not None and worst.value - worst.base <= -STEP_GAP:
        step, peer = worst.name, worst.base
    else:
        ranked = steps.filter(pl.col("drop_off").is_not_null()).sort("drop_off", descending=True)
        if ranked.is_empty():
            return None
        step, peer = ranked["event_type"][0], None
    row = steps.filter(pl.col("event_type") == step).row(0, named=True)
    before = steps.filter(pl.col("step") == row["step"] - 1)["customers"][0]
    numbers: dict[str, object] = {"step": step, "previous": steps.filter(pl.col("step") == row["step"] - 1)
                                  ["event_type"][0], "conversion": row["step_conversion"] or 0.0,
                                  "peer_conversion": peer, "lost": before - row["customers"]}
    weakest = _weakest_segment(segments, by, step) if segments is not None and by else None
    if weakest is not None:
        numbers.update(segment_by=by, segment=weakest[0], segment_conversion=weakest[1])
    return Recommendation("funnel_fix", numbers)


def _weakest_segment(segments: pl.DataFrame, by: str, step: str) -> tuple[str, float] | None:
    reach = segments.filter(pl.col("event_type") == "reach").select(by, reached="customers")
    rows = segments.filter(pl.col("event_type") == step).join(reach, on=by).filter(
        (pl.col("reached") >= MIN_REACH) & pl.col("step_conversion").is_not_null()).sort("step_conversion")
    return (str(rows[by][0]), float(rows["step_conversion"][0])) if rows.height else None


def retarget_new(buyers: pl.DataFrame, repeat: pl.DataFrame) -> Recommendation | None:
    """Retarget the new buyers who have not bought again, with the repeat rates that show the gap."""
    counts = dict(zip(buyers["buyer_type"].to_list(), buyers["buyers"].to_list(), strict=True))
    if not sum(counts.values()):
        return None
    if not counts.get("new"):
        return Recommendation("no_new_buyers", {"buyers": counts.get("returning", 0)})
    window = repeat.filter((pl.col("buyer_type") == "new") & (pl.col("eligible") > 0)).sort("window_days")
    if window.is_empty():
        return None
    new = window.row(-1, named=True)
    old = repeat.filter((pl.col("buyer_type") == "returning") & (pl.col("window_days") == new["window_days"]))
    return Recommendation("retarget_new", {"new_buyers": counts["new"], "days": new["window_days"],
                                           "repeat_rate": new["repeat_rate"], "waiting": new["eligible"]
                                           - new["repeat_buyers"], "returning_rate": old["repeat_rate"][0]
                                           if old.height else None})


def loss(figures: dict[str, float | None]) -> Recommendation | None:
    """A campaign whose revenue did not cover its spend (ROAS below 1)."""
    roas, spend = figures.get("roas"), figures.get("spend") or 0.0
    if roas is None or roas >= 1 or not spend:
        return None
    revenue = figures.get("campaign_revenue") or 0.0
    return Recommendation("loss", {"roas": roas, "spend": spend, "revenue": revenue, "loss": spend - revenue})
