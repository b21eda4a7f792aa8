"""The customers a campaign brought: its funnel (against another campaign, by segment), new vs returning
buyers, and whether they bought again within 30/60/90 days."""

from __future__ import annotations

import polars as pl
import streamlit as st

from ml.campaign_breakdowns import FUNNEL, buyers_brought, funnel, repeat_purchase
from ml.campaigns import Campaign, measured_period
from semantic.engine import Engine
from semantic.model import SemanticModel
from semantic.query import TimeRange
from ui import campaign_charts as charts
from ui.campaign_format import PLOTLY, campaign_names, header, table
from ui.shown import shown_errors
from ui.widgets import localized_choice
from viz.format import format_date, format_value
from viz.i18n import t

SPLITS = ("member_tier", "region", "rfm_segment")  # rfm_segment once the Segments page has saved segments
STEP_FORMATS = {"customers": "integer", "step_conversion": "percent", "overall_conversion": "percent",
                "drop_off": "percent"}


def funnel_section(model: SemanticModel, engine: Engine, found: Campaign, listing: pl.DataFrame,
                   lang: str) -> None:
    """The funnel with step conversion and drop-off, beside another campaign's, and split by a segment: the
    events up to the day the page measures on."""
    st.markdown(f"**{t('campaigns.funnel', lang)}**")
    st.caption(t("campaigns.funnel_caption", lang, date=format_date(found.as_of, lang)))
    period = measured_period(model, engine, found.as_of)
    others = [i for i in listing.filter(pl.col("status") != "planned")["campaign_id"].to_list()
              if i != found.campaign_id]
    names = campaign_names(listing, model, lang)
    pick, split = st.columns(2)
    with pick:
        other = localized_choice(st.selectbox, t("campaigns.funnel_compare", lang), ["", *others], "cmp_funnel_other",
                                 lang, lambda i: f"{i} · {names[i]}" if i else t("campaigns.funnel_compare_none",
                                                                                  lang))
    with split:
        splits = [d for d in SPLITS if d in model.dimensions]
        by = localized_choice(st.selectbox, t("campaigns.funnel_by", lang), ["", *splits], "cmp_funnel_by", lang,
                              lambda d: header(d, model, lang) if d else t("campaigns.funnel_by_none", lang))
    steps = {found.campaign_id: funnel(model, engine, found.campaign_id, period=period)}
    if other:
        steps[other] = funnel(model, engine, other, period=period)
    chart, numbers = st.columns([2, 3])
    chart.plotly_chart(charts.funnel_chart({f"{i} · {names[i]}": f for i, f in steps.items()}, lang),
                       config=PLOTLY, key="cmp_funnel_chart")
    with numbers:
        for campaign_id, frame in steps.items():
            if other:
                st.caption(f"{campaign_id} · {names[campaign_id]}")
            table(frame.drop("step"), model, lang, STEP_FORMATS, width="stretch",
                  labels={"event_type": t("campaigns.col.step", lang)})
    if by:
        with shown_errors(lang):  # a split the model cannot join to campaign events is said, not a crash
            by_segment(model, engine, found.campaign_id, by, period, lang)


def by_segment(model: SemanticModel, engine: Engine, campaign_id: str, by: str, period: TimeRange,
               lang: str) -> None:
    """Step conversion per segment value over `period`: one row per segment, one column per step after reach."""
    frame = funnel(model, engine, campaign_id, by=by, period=period)
    wide = frame.filter(pl.col("step") > 1).pivot(on="event_type", index=by, values="step_conversion")
    reached = frame.filter(pl.col("event_type") == FUNNEL[0]).select(by, pl.col("customers").alias("reach_n"))
    wide = reached.join(wide, on=by, how="left").select(by, "reach_n", *FUNNEL[1:])
    st.caption(t("campaigns.funnel_segment_caption", lang, dimension=header(by, model, lang)))
    shown = wide.rename({"reach_n": t("campaigns.step.reach", lang),
                         **{s: t(f"campaigns.step.{s}", lang) for s in FUNNEL[1:]}})
    formats = {t("campaigns.step.reach", lang): "integer", **{t(f"campaigns.step.{s}", lang): "percent"
                                                               for s in FUNNEL[1:]}}
    table(shown, model, lang, formats, width="stretch")


def buyers_section(model: SemanticModel, engine: Engine, found: Campaign, lang: str) -> None:
    """New vs returning buyers the campaign brought, and their repeat purchase within 30/60/90 days."""
    left, right = st.columns([2, 3])
    with left:
        st.markdown(f"**{t('campaigns.buyers_title', lang)}**")
        brought = buyers_brought(model, engine, found.campaign_id, found.as_of)
        table(brought, model, lang, {"buyers": "integer", "share": "percent"}, width="stretch")
    with right:
        st.markdown(f"**{t('campaigns.repeat_title', lang)}**")
        repeat = repeat_purchase(model, engine, found.campaign_id, found.as_of)
        wide = repeat.with_columns(
            text=pl.struct("repeat_rate", "eligible").map_elements(
                lambda r: f"{format_value(r['repeat_rate'], 'percent', lang)} "
                          f"({format_value(r['eligible'], 'integer', lang)})", return_dtype=pl.String),
            window=pl.col("window_days").map_elements(lambda d: t("campaigns.days", lang, days=d),
                                                      return_dtype=pl.String))
        wide = wide.pivot(on="window", index="buyer_type", values="text")
        table(wide, model, lang, width="stretch")
        st.caption(t("campaigns.repeat_caption", lang))
