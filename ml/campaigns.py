"""Campaign figures for the list, the campaign page and the review: every number from the semantic layer.

A campaign is judged on the governed metrics (spend, campaign revenue, ROAS, ROI,
CTR, CPC, conversion) split by `campaign_id`, so the page, the review report and
`beacon campaign` show what Explore would show. What a metric cannot say — where
the campaign stands on a given day, how its spend paces against its budget and
its calendar, and how it compares with its predecessors — is added here.

>>> status_on(dt.date(2025, 6, 1), dt.date(2025, 5, 25), dt.date(2025, 6, 20))
'running'
>>> round(elapsed_share(dt.date(2025, 5, 27), dt.date(2025, 5, 25), dt.date(2025, 6, 3)), 2)
0.3
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

from errors import InputError, ModelError, UnknownNameError
from ml.campaign_access import ask, readable, unreadable
from ml.campaign_sql import buyer_counts
from semantic.answer import time_bounds
from semantic.engine import Engine
from semantic.model import SemanticModel
from semantic.query import Filter, SemanticQuery, TimeRange
from viz.i18n import keyed_error

ATTRIBUTES = ("campaign_id", "campaign_name", "campaign_type", "channel", "campaign_start", "campaign_end")
KPIS = ("spend", "impressions", "clicks", "ctr", "cpc", "campaign_revenue", "roas", "roi", "conversion_rate",
        "orders", "buyers")
COMPARED = ("spend", "campaign_revenue", "roas", "roi", "ctr", "cpc", "conversion_rate")
NEEDED = (*ATTRIBUTES, *KPIS, "budget", "funnel_customers", "event_type")
ADDITIVE = ("spend", "impressions", "clicks", "campaign_revenue", "orders", "buyers", "new_buyers")
PACING_BAND = (0.9, 1.1)  # spend share within ±10 % of the time share is on track
BUDGET_BAND = (0.9, 1.02)  # an ended campaign's final spend: under 90 % of budget under-spent, over 102 % over
_YEAR = re.compile(r"\s*(19|20)\d\d\s*$")


@dataclass(frozen=True)
class Campaign:
    """One campaign's facts and its figures up to `as_of` (None where a figure has no denominator).

    `unavailable` names the figures the user's data policy cannot split (ad spend and budget under a
    regional policy): they are None, and so are the budget and the pacing.
    """

    campaign_id: str
    name: str
    type: str
    channel: str
    start: dt.date
    end: dt.date
    budget: float | None
    as_of: dt.date
    status: str
    elapsed: float
    figures: dict[str, float | None]
    unavailable: tuple[str, ...] = ()

    @property
    def pacing(self) -> float | None:
        """Spend share of budget divided by the share of the campaign's days gone; 1.0 is on pace."""
        spend = self.figures.get("spend")
        if not self.budget or not self.elapsed or spend is None:
            return None
        return spend / self.budget / self.elapsed

    @property
    def pacing_status(self) -> str:
        """A running campaign's pace (on_track, under, over); an ended one's final spend against its budget
        (within_budget, under_spent, over_budget), as pacing means nothing once the days are gone;
        not_started before the start; no_budget without a budget; unavailable when the user's data policy
        cannot split spend or budget."""
        if self.budget is None or "spend" in self.unavailable:
            return "unavailable"
        if not self.budget:
            return "no_budget"
        if self.status == "ended":
            return budget_status((self.figures.get("spend") or 0.0) / self.budget)
        return "not_started" if self.status == "planned" else pacing_status(self.pacing)


def budget_status(used: float) -> str:
    """An ended campaign's final spend as a share of its budget, in words: under_spent, within_budget or
    over_budget (a 2 % tolerance above the budget for late-booked costs).

    >>> budget_status(1.0615), budget_status(0.95), budget_status(0.6)
    ('over_budget', 'within_budget', 'under_spent')
    """
    return "under_spent" if used < BUDGET_BAND[0] else "over_budget" if used > BUDGET_BAND[1] else "within_budget"


def status_on(as_of: dt.date, start: dt.date, end: dt.date) -> str:
    """planned before the start, running from start to end, ended after."""
    return "planned" if as_of < start else "running" if as_of <= end else "ended"


def elapsed_share(as_of: dt.date, start: dt.date, end: dt.date) -> float:
    """Share of the campaign's days (inclusive) gone by the end of `as_of`, between 0 and 1."""
    days = (end - start).days + 1
    return min(max(((as_of - start).days + 1) / days, 0.0), 1.0) if days > 0 else 0.0


def pacing_status(pacing: float | None) -> str:
    """Where spend stands against the calendar: under, on_track or over (none without a pacing)."""
    if pacing is None:
        return "none"
    return "under" if pacing < PACING_BAND[0] else "over" if pacing > PACING_BAND[1] else "on_track"


def data_end(model: SemanticModel, engine: Engine) -> dt.date:
    """The last day with orders: the default 'today' of a warehouse that is not live."""
    bounds = time_bounds(model, engine, "orders")
    if bounds is None:
        raise keyed_error(InputError, "errors.campaign.no_orders")
    return bounds[1]


def require(model: SemanticModel, names: tuple[str, ...] = NEEDED) -> None:
    """Refuse, in words, a model without the metrics and dimensions campaign analysis is built on."""
    missing = [n for n in names if n not in model.metrics and n not in model.dimensions]
    if missing:
        raise keyed_error(ModelError, "errors.campaign.model_lacks", model=model.name, missing=", ".join(missing))


def catalog(model: SemanticModel, engine: Engine) -> pl.DataFrame:
    """Every campaign with its name, type, channel, dates and budget, by campaign id.

    Under a policy the campaigns table cannot be limited by (region), the campaigns are those with events
    or orders of the user's customers, and their budget is unknown (None).
    """
    require(model)
    if not readable(model, engine, ("budget",)):
        return _active_campaigns(model, engine)
    query = SemanticQuery(metrics=("budget",), dimensions=ATTRIBUTES, order_by=())
    frame = ask(query, model, engine).frame
    return frame.sort("campaign_id")


def _active_campaigns(model: SemanticModel, engine: Engine) -> pl.DataFrame:
    """The campaigns seen through the user's events, then orders: a campaign's channel is the campaigns
    table's (joined to its events); one with orders only takes its orders' channel."""
    seen = readable(model, engine, ("funnel_customers", "orders")) or ("funnel_customers",)  # else: the refusal
    frames = [ask(SemanticQuery(metrics=(m,), dimensions=ATTRIBUTES, order_by=()), model, engine).frame.drop(m)
              for m in seen]
    found = pl.concat(frames).filter(pl.col("campaign_id").is_not_null())
    return found.unique("campaign_id", keep="first", maintain_order=True).sort("campaign_id").with_columns(
        budget=pl.lit(None, pl.Float64))


def campaign_ids(model: SemanticModel, engine: Engine) -> list[str]:
    return catalog(model, engine)["campaign_id"].to_list()


def check_campaign(model: SemanticModel, engine: Engine, campaign_id: str) -> None:
    """Refuse an unknown campaign id with the ids it may have meant."""
    ids = campaign_ids(model, engine)
    if campaign_id not in ids:
        raise UnknownNameError("campaign", campaign_id, ids)


def unavailable(model: SemanticModel, engine: Engine) -> tuple[str, ...]:
    """The KPIs and the budget the engine's user may not see (spend-based ones under a regional policy)."""
    return unreadable(model, engine, (*KPIS, "budget"))


def measure(query: SemanticQuery, model: SemanticModel, engine: Engine) -> pl.DataFrame:
    """The query's figures as floats, each metric the user's policy cannot split as a column of nulls.

    A query none of whose metrics can be shown is refused in words (PermissionDeniedError).
    """
    shown = readable(model, engine, query.metrics)
    if not shown:
        return ask(query, model, engine).frame  # the compiler's refusal, in words
    frame = floats(ask(dataclasses.replace(query, metrics=shown), model, engine).frame)
    return frame.with_columns(pl.lit(None, pl.Float64).alias(m) for m in query.metrics if m not in shown)


def measured_period(model: SemanticModel, engine: Engine, as_of: dt.date) -> TimeRange:
    """The days a figure measured on `as_of` covers: from the first campaign's start to `as_of`."""
    return _from_first_start(catalog(model, engine), as_of)


def _from_first_start(base: pl.DataFrame, as_of: dt.date) -> TimeRange:
    first = base["campaign_start"].min() if base.height else None
    return TimeRange(min(first, as_of) if isinstance(first, dt.date) else as_of, as_of)


def performance(model: SemanticModel, engine: Engine, period: TimeRange) -> pl.DataFrame:
    """The KPIs per campaign over `period`, straight from the semantic layer (nulls where the policy refuses)."""
    query = SemanticQuery(metrics=KPIS, dimensions=("campaign_id",), time_range=period)
    return measure(query, model, engine).filter(pl.col("campaign_id").is_not_null())


def campaign_list(model: SemanticModel, engine: Engine, as_of: dt.date | None = None) -> pl.DataFrame:
    """The campaign list: attributes, status, pacing and KPIs to `as_of` (default: the data's last day)."""
    as_of = as_of or data_end(model, engine)
    base = catalog(model, engine)
    if base.is_empty():
        return base
    figures = performance(model, engine, _from_first_start(base, as_of))
    frame = base.join(figures, on="campaign_id", how="left").join(buyer_counts(model, engine, as_of), on="campaign_id",
                                                                   how="left", suffix="_all")
    hidden = unavailable(model, engine)
    rows = [_campaign(row, as_of, hidden) for row in frame.iter_rows(named=True)]
    return pl.DataFrame([_flat(c) for c in rows]).with_columns(
        cost_per_new_buyer=_safe_div(pl.col("spend"), pl.col("new_buyers")))


def _campaign(row: dict[str, object], as_of: dt.date, hidden: tuple[str, ...]) -> Campaign:
    start, end = row["campaign_start"], row["campaign_end"]
    if not (isinstance(start, dt.date) and isinstance(end, dt.date)):
        missing = "end" if isinstance(start, dt.date) else "start"
        raise keyed_error(InputError, f"errors.campaign.no_{missing}_date", campaign=row["campaign_id"],
                          name=row["campaign_name"])
    figures = {k: _number(row.get(k)) for k in (*KPIS, "new_buyers")}
    for additive in ADDITIVE:
        if additive not in hidden:
            figures[additive] = figures[additive] or 0.0
    budget = None if "budget" in hidden else float(row["budget"] or 0.0)  # type: ignore[arg-type]
    return Campaign(str(row["campaign_id"]), str(row["campaign_name"]), str(row["campaign_type"]),
                    str(row["channel"]), start, end, budget, as_of, status_on(as_of, start, end),
                    elapsed_share(as_of, start, end), figures, hidden)


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _flat(c: Campaign) -> dict[str, object]:
    return {"campaign_id": c.campaign_id, "campaign_name": c.name, "campaign_type": c.type, "channel": c.channel,
            "start": c.start, "end": c.end, "as_of": c.as_of, "status": c.status, "budget": c.budget,
            "elapsed": c.elapsed, "pacing": c.pacing, "pacing_status": c.pacing_status, **c.figures}


def floats(frame: pl.DataFrame) -> pl.DataFrame:
    """Decimal sums (DuckDB's SUM of integers) as floats, so callers do plain arithmetic."""
    return frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64))


def _safe_div(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return pl.when(denominator > 0).then(numerator / denominator).otherwise(None)


def campaign(model: SemanticModel, engine: Engine, campaign_id: str, as_of: dt.date | None = None) -> Campaign:
    """One campaign's facts and figures; an unknown id is refused with did-you-mean."""
    frame = campaign_list(model, engine, as_of)
    row = frame.filter(pl.col("campaign_id") == campaign_id)
    if row.is_empty():
        raise UnknownNameError("campaign", campaign_id, frame["campaign_id"].to_list() if frame.height else [])
    return _campaign_from_flat(row.row(0, named=True), unavailable(model, engine))


def _campaign_from_flat(row: dict[str, object], hidden: tuple[str, ...]) -> Campaign:
    figures = {k: _number(row[k]) for k in (*KPIS, "new_buyers", "cost_per_new_buyer")}
    return Campaign(str(row["campaign_id"]), str(row["campaign_name"]), str(row["campaign_type"]),
                    str(row["channel"]), row["start"], row["end"], _number(row["budget"]),  # type: ignore[arg-type]
                    row["as_of"], str(row["status"]),  # type: ignore[arg-type]
                    float(row["elapsed"]), figures, hidden)  # type: ignore[arg-type]


def festival_key(name: str) -> str:
    """A campaign's name without its year, so '618 Mid-Year Sale 2025' matches last year's.

    >>> festival_key("618 Mid-Year Sale 2025")
    '618 Mid-Year Sale'
    """
    return _YEAR.sub("", name).strip()


def comparables(frame: pl.DataFrame, target: Campaign) -> pl.DataFrame:
    """Earlier, ended campaigns like `target`: the same festival a year before, else the same type."""
    earlier = frame.filter((pl.col("end") < target.start) & (pl.col("campaign_id") != target.campaign_id))
    same = earlier.filter(pl.col("campaign_name").map_elements(festival_key, return_dtype=pl.String)
                          == festival_key(target.name))
    chosen = same if not same.is_empty() else earlier.filter(pl.col("campaign_type") == target.type)
    return chosen.with_columns(basis=pl.lit("same_festival" if not same.is_empty() else "same_type"))


def versus(model: SemanticModel, engine: Engine, campaign_id: str, as_of: dt.date | None = None,
           roas_target: float | None = None) -> pl.DataFrame:
    """Each KPI against its target (budget for spend, `roas_target`) and the median of comparable campaigns;
    the KPIs the user's policy cannot split are left out."""
    frame = campaign_list(model, engine, as_of)
    if campaign_id not in frame["campaign_id"].to_list():
        raise UnknownNameError("campaign", campaign_id, frame["campaign_id"].to_list())
    target = _campaign_from_flat(frame.filter(pl.col("campaign_id") == campaign_id).row(0, named=True),
                                 unavailable(model, engine))
    peers = comparables(frame, target)
    goals = {"spend": target.budget or None, "roas": roas_target}
    rows = [_versus_row(model, m, target.figures.get(m), goals.get(m), peers) for m in COMPARED
            if m not in target.unavailable]
    return pl.DataFrame(rows, schema=VERSUS_SCHEMA).with_columns(
        basis=pl.lit(peers["basis"][0] if peers.height else None, pl.String),
        peers=pl.lit(", ".join(peers["campaign_id"].to_list())))


VERSUS_SCHEMA = {"metric": pl.String, "format": pl.String, "higher_is_better": pl.Boolean, "value": pl.Float64,
                 "target": pl.Float64, "vs_target": pl.Float64, "comparable": pl.Float64,
                 "vs_comparable": pl.Float64}


def _versus_row(model: SemanticModel, metric: str, value: float | None, goal: float | None,
                peers: pl.DataFrame) -> dict[str, object]:
    values = [v for v in peers[metric].to_list() if v is not None] if peers.height else []
    median = float(pl.Series(values).median()) if values else None  # type: ignore[arg-type]
    definition = model.metrics[metric]
    return {"metric": metric, "format": definition.format, "higher_is_better": definition.higher_is_better,
            "value": value, "target": goal, "vs_target": relative(value, goal), "comparable": median,
            "vs_comparable": relative(value, median)}


def relative(value: float | None, base: float | None) -> float | None:
    """(value − base) / |base|, None when either is missing or the base is 0."""
    if value is None or base is None or base == 0:
        return None
    return (value - base) / abs(base)


def daily_trend(model: SemanticModel, engine: Engine, campaign_id: str) -> pl.DataFrame:
    """Spend, clicks, campaign revenue and ROAS per day over the campaign's dates (nulls where the policy refuses)."""
    check_campaign(model, engine, campaign_id)
    info = catalog(model, engine).filter(pl.col("campaign_id") == campaign_id).row(0, named=True)
    query = SemanticQuery(metrics=("spend", "clicks", "campaign_revenue", "roas"), time_grain="day",
                          filters=(Filter("campaign_id", "=", campaign_id),),
                          time_range=TimeRange(info["campaign_start"], info["campaign_end"]))
    return measure(query, model, engine)
