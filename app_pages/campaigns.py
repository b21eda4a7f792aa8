"""Campaigns: the list, one campaign's review, channels, attribution, A/B tests, anomalies and alerts.

Only the chosen section is computed, so opening a review does not wait for attribution or anomaly detection.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from ml.campaign_access import scope_words
from ml.campaigns import campaign_list, data_end, require, unavailable
from semantic.answer import time_bounds
from semantic.engine import Engine
from semantic.model import SemanticModel
from ui import resources
from ui.campaign_ab import ab_section
from ui.campaign_alerts import watch_section
from ui.campaign_format import campaign_names
from ui.campaign_funnel import buyers_section, funnel_section
from ui.campaign_list import SECTION, campaign_table
from ui.campaign_report import review_button
from ui.campaign_tools import attribution_section, channels_section, first_start
from ui.campaign_view import facts, kpis, pick_campaign, roas_target, trend
from ui.governed import analysis_engine
from ui.shown import shown_errors
from ui.state import session
from ui.widgets import localized_choice
from viz.i18n import t

SECTIONS = ("list", "campaign", "channels", "attribution", "ab", "watch")

lang = session().lang


def choose_as_of(model: SemanticModel, engine: Engine) -> dt.date:
    """The day figures are measured on: the data's last day unless the user goes back in time."""
    last = data_end(model, engine)  # refuses, in words, a warehouse without orders
    bounds = time_bounds(model, engine, "orders")
    return st.date_input(t("campaigns.as_of", lang), value=last, min_value=bounds[0] if bounds else last,
                         max_value=last, help=t("campaigns.as_of_help", lang), key="cmp_as_of")


def review(model: SemanticModel, engine: Engine, listing: pl.DataFrame, as_of: dt.date) -> None:
    """One campaign: facts and pacing, KPIs vs target and peers, trend, funnel, buyers and repeat purchase."""
    campaign_id = pick_campaign(listing, model, lang)
    found = facts(model, engine, campaign_id, as_of, lang)
    if found.status == "planned":
        return
    target_col, review_col = st.columns([1, 3], vertical_alignment="bottom")
    with target_col:
        target = roas_target(lang)
    with review_col:
        review_button(resources.workspace(), model, engine, found, lang)
    names = campaign_names(listing, model, lang)
    kpis(model, engine, found, names, target, lang)
    trend(model, engine, found, lang)
    funnel_section(model, engine, found, listing, lang)
    buyers_section(model, engine, found, lang)


def render(model: SemanticModel) -> None:
    engine = analysis_engine(model, "campaigns")  # under the user's policy; each distinct query audited once
    require(model)
    date_col, section_col = st.columns([1, 5], vertical_alignment="bottom")
    with date_col:
        as_of = choose_as_of(model, engine)
    listing = campaign_list(model, engine, as_of)
    if listing.is_empty():
        st.info(t("campaigns.no_campaigns", lang))
        return
    hidden = unavailable(model, engine)  # spend and budget under a regional policy: said once, then left out
    if hidden:
        st.info(t("campaigns.regional.note", lang, scope=scope_words(model, engine, lang)), icon=":material/lock:")
    with section_col:
        section = localized_choice(st.radio, t("campaigns.section_label", lang), SECTIONS, SECTION, lang,
                                   lambda s: t(f"campaigns.section.{s}", lang), horizontal=True,
                                   default="campaign" if "campaign" in st.query_params else "list")
    if section != "campaign":
        st.query_params.pop("campaign", None)
    if section == "list":
        campaign_table(listing, model, lang, hidden)
    elif section == "campaign":
        review(model, engine, listing, as_of)
    elif section == "channels":
        channels_section(model, engine, first_start(listing, as_of), as_of, hidden, lang)
    elif section == "attribution":
        attribution_section(model, engine, as_of, lang)
    elif section == "ab":
        ab_section(model, engine, listing, lang)
    else:
        watch_section(resources.workspace(), model, engine, as_of, lang)


st.title(t("campaigns.title", lang))
with shown_errors(lang):
    current = resources.model()
    st.caption(t("campaigns.subtitle", lang, model=current.label(lang)))
    render(current)
