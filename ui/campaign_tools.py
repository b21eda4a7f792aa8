"""Across campaigns: the channels compared (where the next yuan earns most) and multi-touch attribution."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from ml.attribution import MODELS, attribute
from ml.campaign_breakdowns import channel_comparison
from semantic.engine import Engine
from semantic.model import SemanticModel
from semantic.query import TimeRange
from ui import campaign_charts as charts
from ui.campaign_format import PLOTLY, table, visible
from viz.format import format_date, format_value
from viz.i18n import t

CHANNEL_COLUMNS = ("channel", "budget", "spend", "campaign_revenue", "roas", "cpc", "ctr", "conversion_rate",
                   "new_buyers", "cost_per_new_buyer")  # the shares are drawn in the chart below the table
SHARES = {"new_buyers": "integer", "cost_per_new_buyer": "currency"}


def channels_section(model: SemanticModel, engine: Engine, first: dt.date, as_of: dt.date, hidden: tuple[str, ...],
                     lang: str) -> None:
    """Spend, revenue, ROAS, CPC, CTR, conversion and cost per new buyer by channel; budget vs revenue share.
    The figures in `hidden` (spend and budget under a regional policy) are left out."""
    st.subheader(t("campaigns.channels_title", lang))
    channels = channel_comparison(model, engine, TimeRange(first, as_of))
    st.caption(t("campaigns.channels_caption", lang, date=format_date(as_of, lang)))
    table(channels.select(visible(CHANNEL_COLUMNS, hidden)), model, lang, SHARES, width="stretch")
    st.markdown(f"**{t('campaigns.share_chart' if not hidden else 'campaigns.share_chart_revenue', lang)}**")
    shares = visible(("budget_share", "spend_share", "revenue_share"), hidden)
    series = {c: t(f"campaigns.col.{c}", lang) for c in shares}
    st.plotly_chart(charts.share_bars(channels, "channel", series, model, lang), config=PLOTLY,
                    key="cmp_share_chart")


def attribution_section(model: SemanticModel, engine: Engine, as_of: dt.date, lang: str) -> None:
    """The four attribution models side by side: each channel's share of purchases and credited revenue."""
    st.subheader(t("campaigns.attribution_title", lang))
    period, lookback, half_life = st.columns([2, 1, 1])
    picked = period.date_input(t("campaigns.attribution_period", lang),
                               value=(as_of - dt.timedelta(days=89), as_of), max_value=as_of, key="cmp_attr_period")
    days = lookback.number_input(t("campaigns.lookback", lang), min_value=1, max_value=365, value=30,
                                 key="cmp_attr_lookback")
    decay = half_life.number_input(t("campaigns.half_life", lang), min_value=0.5, max_value=90.0, value=7.0,
                                   step=0.5, key="cmp_attr_half_life")
    start, end = (picked[0], picked[-1]) if picked else (as_of, as_of)
    found = attribute(model, engine, (start, end), int(days), float(decay))
    if found.table.is_empty():
        st.info(t("campaigns.attribution_none", lang))
        return
    st.caption(t("campaigns.attribution_caption", lang, purchases=format_value(found.attributed, "integer", lang)))
    series = {m: t(f"campaigns.attribution.{m}", lang) for m in MODELS}
    ranked = found.table.sort("last", descending=True, nulls_last=True)
    st.plotly_chart(charts.share_bars(ranked, "channel", series, model, lang), config=PLOTLY,
                    key="cmp_attr_chart")
    shares = ranked.select("channel", *MODELS, *(f"{m}_value" for m in MODELS))
    labels = {**series, **{f"{m}_value": f"{series[m]} · {model.metrics['revenue'].label(lang)}" for m in MODELS}}
    formats = {**{m: "percent" for m in MODELS}, **{f"{m}_value": "currency" for m in MODELS}}
    table(shares, model, lang, formats, width="stretch", labels=labels)
    if found.unattributed:
        count = format_value(found.unattributed, "integer", lang)
        st.caption(t("campaigns.attribution.unattributed", lang, count=count,
                     total=format_value(found.purchases, "integer", lang), days=found.lookback_days))


def first_start(listing: pl.DataFrame, as_of: dt.date) -> dt.date:
    """The first campaign's start (or `as_of`): where the channel comparison's period begins."""
    starts = listing["start"].to_list()
    return min([*starts, as_of])
