"""One campaign's review: facts and pacing, KPIs against target and comparable campaigns, the daily trend.

The campaign comes from the URL (`?campaign=CMP027`, so a review can be linked),
a click on the list, or the picker; an id that does not exist is said in words
with the ids it may have meant.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from errors import suggest
from ml.campaign_breakdowns import conversion_counts, notes
from ml.campaigns import Campaign, campaign, daily_trend, measured_period, versus
from semantic.engine import Engine
from semantic.model import SemanticModel
from ui.campaign_format import PLOTLY, campaign_names, cell, header, table
from ui.campaign_list import OPEN
from viz.figures import trend_figure
from viz.format import format_date, format_value
from viz.i18n import t
from viz.review_words import gap

PICK = "cmp_pick"
CARDS = ("spend", "campaign_revenue", "roas", "roi", "ctr", "cpc", "conversion_rate")
COUNTS = ("orders", "buyers")  # shown in place of the spend cards a data policy leaves out


def pick_campaign(listing: pl.DataFrame, model: SemanticModel, lang: str) -> str:
    """The campaign to review: a clicked row, else the picker's choice, else the URL's, else the latest started."""
    ids = listing["campaign_id"].to_list()
    names = campaign_names(listing, model, lang)
    if OPEN in st.session_state:  # a click on the list: the picker starts over on that campaign
        st.session_state[PICK] = st.session_state.pop(OPEN)
        st.session_state.pop(f"{PICK}_{lang}", None)
    wanted = st.session_state.get(PICK) or st.query_params.get("campaign")
    started = listing.filter(pl.col("status") != "planned").sort("start")
    fallback = started["campaign_id"][-1] if started.height else ids[0]
    if wanted and wanted not in ids:
        hint = suggest(wanted, ids)
        names_hint = t("campaigns.did_you_mean", lang, names=" / ".join(hint)) if hint else ""
        st.warning(t("campaigns.unknown", lang, id=wanted, hint=names_hint, shown=fallback))
        wanted = None
    chosen = st.selectbox(t("campaigns.pick", lang), ids, index=ids.index(wanted or fallback),
                          format_func=lambda i: f"{i} · {names[i]}", key=f"{PICK}_{lang}")
    st.session_state[PICK] = chosen
    st.query_params["campaign"] = chosen
    return chosen


def facts(model: SemanticModel, engine: Engine, campaign_id: str, as_of: dt.date, lang: str) -> Campaign:
    """The campaign's name, status, dates and budget, its pacing, and what is missing in words."""
    found = campaign(model, engine, campaign_id, as_of)
    money = lambda v: format_value(v, "currency", lang, model.currency)  # noqa: E731
    words = "_regional" if found.budget is None else ""  # a regional policy cannot see the budget
    name = cell(found.name, "campaign_name", None, model, lang)
    st.subheader(name)
    st.caption(t(f"campaigns.header{words}", lang, status=t(f"campaigns.status.{found.status}", lang),
                 channel=cell(found.channel, "channel", None, model, lang),
                 type=cell(found.type, "campaign_type", None, model, lang), start=format_date(found.start, lang),
                 end=format_date(found.end, lang), budget=money(found.budget)))
    if found.status == "planned":
        st.info(t(f"campaigns.planned_words{words}", lang, campaign=name, start=format_date(found.start, lang),
                  date=format_date(as_of, lang), budget=money(found.budget)))
        return found
    reached = conversion_counts(model, engine, campaign_id, measured_period(model, engine, as_of))[1]
    for note in notes(found, reached, lang, name):
        st.info(note)
    if found.budget:
        spent = (found.figures.get("spend") or 0.0) / found.budget
        st.progress(min(spent, 1.0), text=t("campaigns.pacing_line", lang, spent=format_value(spent, "percent", lang),
                                            elapsed=format_value(found.elapsed, "percent", lang),
                                            pacing=t(f"campaigns.pacing.{found.pacing_status}", lang)))
    return found


def roas_target(lang: str) -> float | None:
    """The ROAS the campaign was meant to reach, if the user gives one."""
    return st.number_input(t("campaigns.roas_target", lang), value=None, min_value=0.0, step=0.1,
                           help=t("campaigns.roas_target_help", lang), key="cmp_roas_target")


def kpis(model: SemanticModel, engine: Engine, found: Campaign, names: dict[str, str], target: float | None,
         lang: str) -> None:
    """Cards with each KPI against the comparable campaigns, and the table with targets (`names`: id → name)."""
    compared = versus(model, engine, found.campaign_id, found.as_of, target)
    rows = {r["metric"]: r for r in compared.iter_rows(named=True)}
    basis = compared["basis"][0]
    if basis:
        st.caption(t("campaigns.cards_caption", lang, basis=t(f"campaigns.basis_inline.{basis}", lang)))
    columns = [c for _ in range(2) for c in st.columns(4)]
    cards = [*(c for c in CARDS if c in rows), *(COUNTS if found.unavailable else ()), "new_buyers"]
    for column, name in zip(columns, cards, strict=False):
        if name not in rows:  # a count, without a comparison
            column.metric(header(name, model, lang), format_value(found.figures.get(name), "integer", lang),
                          border=True)
            continue
        metric, row = model.metrics[name], rows[name]
        change = gap(row["value"], row["comparable"], row["vs_comparable"], metric.format, lang)
        column.metric(metric.label(lang), format_value(row["value"], metric.format, lang, model.currency),
                      delta=change if row["comparable"] is not None else None,
                      delta_color="normal" if metric.higher_is_better else "inverse",
                      help=metric.description(lang), border=True)
    st.markdown(f"**{t('campaigns.kpis_vs', lang)}**")
    frame = compared.select("metric", "value", "target", "vs_target", "comparable", "vs_comparable")
    _versus_table(frame, model, lang)
    peers = ", ".join(f"{names.get(i, i)} ({i})" for i in compared["peers"][0].split(", ") if i)
    st.caption(t("campaigns.peers", lang, basis=t(f"campaigns.basis_inline.{basis}", lang), peers=peers) if basis
               else t("campaigns.no_peers", lang))


def _versus_table(frame: pl.DataFrame, model: SemanticModel, lang: str) -> None:
    """Each metric's own format for its value, target and comparable; gaps as ±% (in points for rates)."""
    rows = []
    for row in frame.iter_rows(named=True):
        metric = model.metrics[row["metric"]]
        number = lambda v, m=metric: format_value(v, m.format, lang, model.currency)  # noqa: E731
        rows.append({"metric": metric.label(lang), "value": number(row["value"]), "target": number(row["target"]),
                     "vs_target": gap(row["value"], row["target"], row["vs_target"], metric.format, lang),
                     "comparable": number(row["comparable"]),
                     "vs_comparable": gap(row["value"], row["comparable"], row["vs_comparable"], metric.format, lang)})
    table(pl.DataFrame(rows), model, lang, formats={}, width="stretch")


def trend(model: SemanticModel, engine: Engine, found: Campaign, lang: str) -> None:
    """Daily spend and revenue on one chart (both money), clicks on another; revenue alone when the user's
    data policy cannot split spend and clicks."""
    frame = daily_trend(model, engine, found.campaign_id)
    frame = frame.filter(pl.col("day") <= found.as_of)
    spend = "spend" not in found.unavailable
    st.markdown(f"**{t('campaigns.trend' if spend else 'campaigns.trend_revenue', lang)}**")
    if frame.is_empty():
        return
    money, clicks = st.columns([3, 2])
    labels = {c: model.metrics[c].label(lang) for c in ("spend", "campaign_revenue", "clicks")}
    series = {c: labels[c] for c in ("campaign_revenue", "spend") if c not in found.unavailable}
    money.caption(t("campaigns.money", lang) if spend else labels["campaign_revenue"])
    money.plotly_chart(trend_figure(frame, "day", series, "currency", lang, "day", model.currency), config=PLOTLY,
                       key="cmp_trend_money")
    if "clicks" not in found.unavailable:
        clicks.caption(t("campaigns.clicks", lang))
        clicks.plotly_chart(trend_figure(frame, "day", {"clicks": labels["clicks"]}, "integer", lang, "day"),
                            config=PLOTLY, key="cmp_trend_clicks")
