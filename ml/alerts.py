"""Evaluate alert rules on the warehouse: which campaigns or channels broke a rule, on which days, with which values.

A rule holds for a subject (a campaign or a channel) when its condition is met
on each of the rule's last `days` days up to `as_of`, each day's value computed
by the semantic layer (so "ROAS" here is the ROAS of every other page). A day
without a value (no spend yet, so no ROAS) breaks the run: an alert never fires
on missing data.

`triggered_alerts(ws, model, engine, as_of)` is what Home and `beacon alerts check` call.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from errors import PermissionDeniedError, UnknownNameError
from ml.campaigns import catalog, check_campaign, data_end, floats
from semantic.answer import run_query
from semantic.engine import Engine
from semantic.model import SemanticModel
from semantic.query import Filter, SemanticQuery, TimeRange
from viz.format import format_date, format_value
from viz.i18n import t
from viz.labels import value_text
from workspace.alerts import AlertRule, list_rules
from workspace.home import Workspace


@dataclass(frozen=True)
class TriggeredAlert:
    """A rule that held for one subject on every one of `days`."""

    rule: AlertRule
    subject: str
    days: tuple[dt.date, ...]
    values: tuple[float, ...]

    def describe(self, model: SemanticModel, lang: str = "en") -> str:
        metric = model.metrics[self.rule.metric]
        days = (f"{format_date(d, lang)} {format_value(v, metric.format, lang, model.currency)}"
                for d, v in zip(self.days, self.values, strict=True))
        values = ("，" if lang == "zh" else ", ").join(days)
        return t("campaigns.alerts.triggered", lang, rule=describe_rule(self.rule, model, lang),
                 subject=value_text(self.subject, "channel", model, lang) if self.rule.scope == "channel"
                 else self.subject, values=values)

    def to_dict(self) -> dict[str, object]:
        return {"rule_id": self.rule.id, "metric": self.rule.metric, "comparator": self.rule.comparator,
                "threshold": self.rule.threshold, "scope": self.rule.scope, "scope_value": self.rule.scope_value,
                "subject": self.subject, "days": [d.isoformat() for d in self.days], "values": list(self.values)}


def describe_rule(rule: AlertRule, model: SemanticModel, lang: str = "en") -> str:
    """'ROAS of any running campaign below 1.5 for 2 day(s) in a row' / its Chinese wording."""
    metric = model.metrics.get(rule.metric)
    scope = t("campaigns.alerts.any_running", lang) if rule.scope == "running" \
        else t(f"campaigns.alerts.{rule.scope}", lang, value=value_text(rule.scope_value, "channel", model, lang)
               if rule.scope == "channel" else rule.scope_value)
    threshold = format_value(rule.threshold, metric.format, lang, model.currency) if metric else f"{rule.threshold:g}"
    return t("campaigns.alerts.rule", lang, metric=metric.label(lang) if metric else rule.metric, scope=scope,
             comparator=t(f"campaigns.alerts.comparator.{rule.comparator}", lang), threshold=threshold,
             days=rule.days)


def check_rule(rule: AlertRule, model: SemanticModel, engine: Engine) -> None:
    """Refuse a rule naming an unknown metric, channel or campaign (with did-you-mean)."""
    if rule.metric not in model.metrics:
        raise UnknownNameError("metric", rule.metric, model.metrics)
    if rule.scope == "campaign":
        check_campaign(model, engine, str(rule.scope_value))
    if rule.scope == "channel":
        channels = catalog(model, engine)["channel"].unique().to_list()
        if rule.scope_value not in channels:
            raise UnknownNameError("campaign channel", str(rule.scope_value), channels)


def evaluate(rule: AlertRule, model: SemanticModel, engine: Engine, as_of: dt.date) -> list[TriggeredAlert]:
    """The subjects for which `rule` held on each of its last `days` days up to `as_of`."""
    check_rule(rule, model, engine)
    return _triggered(rule, model, engine, as_of)


def _triggered(rule: AlertRule, model: SemanticModel, engine: Engine, as_of: dt.date) -> list[TriggeredAlert]:
    """`evaluate` of a rule already checked."""
    window = TimeRange(as_of - dt.timedelta(days=rule.days - 1), as_of)
    key = "channel" if rule.scope == "channel" else "campaign_id"
    filters = (Filter(key, "=", rule.scope_value),) if rule.scope_value else ()
    query = SemanticQuery(metrics=(rule.metric,), dimensions=(key,), filters=filters, time_grain="day",
                          time_range=window)
    frame = floats(run_query(query, model, engine).frame).filter(pl.col(key).is_not_null())
    if rule.scope == "running":
        frame = frame.filter(pl.col(key).is_in(running_campaigns(model, engine, as_of)))
    found = []
    for (subject,), part in frame.sort("day").group_by(key, maintain_order=True):
        days = dict(zip(part["day"].to_list(), part[rule.metric].to_list(), strict=True))
        values = [days.get(day) for day in _days(window)]
        if all(v is not None and rule.holds(v) for v in values):
            found.append(TriggeredAlert(rule, str(subject), tuple(_days(window)), tuple(float(v) for v in values)))  # type: ignore[arg-type]
    return found


def _days(window: TimeRange) -> list[dt.date]:
    return [window.start + dt.timedelta(days=i) for i in range(window.days)]


def running_campaigns(model: SemanticModel, engine: Engine, as_of: dt.date) -> list[str]:
    frame = catalog(model, engine)
    running = frame.filter((pl.col("campaign_start") <= as_of) & (pl.col("campaign_end") >= as_of))
    return running["campaign_id"].to_list()


def evaluate_all(rules: list[AlertRule], model: SemanticModel, engine: Engine,
                 as_of: dt.date | None = None) -> list[TriggeredAlert]:
    """Every triggered alert of every rule the reader can see, rule by rule.

    The rules are the workspace's, shared by everyone; a rule on a campaign or channel outside the reader's data
    policy (an East analyst and a North-only campaign) is not theirs to see: it is left out, not an error that
    would name what they may not see.
    """
    as_of = as_of or data_end(model, engine)
    return [alert for rule in rules if _visible(rule, model, engine)
            for alert in _triggered(rule, model, engine, as_of)]


def _visible(rule: AlertRule, model: SemanticModel, engine: Engine) -> bool:
    try:
        check_rule(rule, model, engine)
    except (UnknownNameError, PermissionDeniedError):
        return False
    return True


def triggered_alerts(ws: Workspace, model: SemanticModel, engine: Engine,
                     as_of: dt.date | None = None) -> list[TriggeredAlert]:
    """The workspace's triggered alerts on `as_of` (default: the data's last day), for Home and the CLI."""
    return evaluate_all(list_rules(ws.meta), model, engine, as_of)
