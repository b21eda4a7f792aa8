"""A/B comparison of two campaigns (purchasers of those reached) or two variants typed in, and the sample
size a test needs; the verdict is said in plain words."""

from __future__ import annotations

import polars as pl
import streamlit as st

from ml.abtest import ABResult, Variant, compare, sample_size
from ml.campaign_breakdowns import conversion_counts
from ml.campaigns import measured_period
from semantic.engine import Engine
from semantic.model import SemanticModel
from ui.campaign_format import campaign_names
from ui.shown import shown_errors
from ui.widgets import localized_choice
from viz.format import format_date, format_value
from viz.i18n import t

MODES = ("campaigns", "manual")


def ab_section(model: SemanticModel, engine: Engine, listing: pl.DataFrame, lang: str) -> None:
    st.subheader(t("campaigns.ab_title", lang))
    mode = localized_choice(st.radio, t("campaigns.ab_mode", lang), MODES, "cmp_ab_mode", lang,
                            lambda m: t(f"campaigns.ab_modes.{m}", lang), horizontal=True)
    confidence = st.select_slider(t("campaigns.confidence", lang), options=(0.8, 0.9, 0.95, 0.99), value=0.95,
                                  format_func=lambda c: f"{c:.0%}", key="cmp_ab_confidence")
    with shown_errors(lang):  # a group of 0 people is refused in words; the calculator below still works
        a, b = _from_campaigns(model, engine, listing, lang) if mode == "campaigns" else _typed(lang)
        show_result(compare(a, b, confidence), lang)
    with shown_errors(lang):
        sample_calculator(lang)


def _from_campaigns(model: SemanticModel, engine: Engine, listing: pl.DataFrame, lang: str) -> tuple[Variant, Variant]:
    """Purchasers and people reached of two campaigns, from their funnels up to the day the page measures on."""
    as_of = listing["as_of"][0]
    period = measured_period(model, engine, as_of)
    started = listing.filter(pl.col("status") != "planned").sort("start", descending=True)
    ids = started["campaign_id"].to_list()
    names = campaign_names(started, model, lang)
    left, right = st.columns(2)
    picked = []
    for place, side, default in ((left, "a", ids[min(1, len(ids) - 1)]), (right, "b", ids[0])):
        with place:
            chosen = localized_choice(st.selectbox, t(f"campaigns.ab_{side}", lang), ids, f"cmp_ab_{side}", lang,
                                      lambda i: f"{i} · {names[i]}", default=default)
        conversions, size = conversion_counts(model, engine, chosen, period)
        place.caption(t("campaigns.ab_counts", lang, name=chosen, conversions=format_value(conversions, "integer",
                                                                                              lang),
                        size=format_value(size, "integer", lang), date=format_date(as_of, lang)))
        picked.append(Variant(chosen, conversions, max(size, 0)))
    return picked[0], picked[1]


def _typed(lang: str) -> tuple[Variant, Variant]:
    """Two variants' conversions and group sizes as the user types them."""
    variants: list[tuple[str, int, int]] = []
    for place, name, defaults in zip(st.columns(2), ("A", "B"), ((200, 1000), (250, 1000)), strict=True):
        conversions = place.number_input(t("campaigns.conversions", lang, name=name), min_value=0, value=defaults[0],
                                         step=1, key=f"cmp_ab_conv_{name}")
        size = place.number_input(t("campaigns.size", lang, name=name), min_value=0, value=defaults[1], step=1,
                                  key=f"cmp_ab_n_{name}")
        variants.append((name, int(conversions), int(size)))
    return Variant(*variants[0]), Variant(*variants[1])  # built after both are drawn: a bad A keeps B's inputs


def show_result(result: ABResult, lang: str) -> None:
    """Each conversion with its interval, the difference with its interval, the p-value and the verdict."""
    level = f"{result.confidence * 100:g}"
    percent = lambda v: format_value(v, "percent", lang)  # noqa: E731
    cards = st.columns(4)
    for card, variant, (low, high) in zip(cards, (result.a, result.b), (result.a_interval, result.b_interval),
                                          strict=False):
        card.metric(t("campaigns.rate_of", lang, name=variant.name), percent(variant.rate), border=True,
                    help=t("campaigns.interval", lang, level=level, low=percent(low), high=percent(high)))
        card.caption(t("campaigns.interval", lang, level=level, low=percent(low), high=percent(high)))
    low, high = result.difference_interval
    points = t("campaigns.points", lang, value=f"{result.difference * 100:+.2f}")
    cards[2].metric(t("campaigns.difference", lang), points, border=True)
    cards[2].caption(t("campaigns.interval", lang, level=level, low=f"{low * 100:+.2f}", high=f"{high * 100:+.2f}"))
    cards[3].metric(t("campaigns.p_value", lang), "< 0.0001" if result.p_value < 0.0001 else f"{result.p_value:.4f}",
                    border=True)
    (st.success if result.significant else st.info)(result.verdict(lang))


def sample_calculator(lang: str) -> None:
    """People per group needed to detect a chosen lift on a baseline conversion."""
    st.markdown(f"**{t('campaigns.sample_title', lang)}**")
    base, lift, power = st.columns(3)
    baseline = base.number_input(t("campaigns.baseline", lang), min_value=0.1, max_value=99.0, value=10.0, step=0.5,
                                 key="cmp_ss_baseline")
    points = lift.number_input(t("campaigns.lift", lang), min_value=0.1, max_value=50.0, value=2.0, step=0.1,
                               key="cmp_ss_lift")
    chosen = power.select_slider(t("campaigns.power", lang), options=(0.7, 0.8, 0.9, 0.95), value=0.8,
                                 format_func=lambda p: f"{p:.0%}", key="cmp_ss_power")
    n = sample_size(baseline / 100, points / 100, power=chosen)
    st.info(t("campaigns.sample_result", lang, n=format_value(n, "integer", lang, full=True),
              total=format_value(2 * n, "integer", lang, full=True), lift=f"{points:g}",
              power=f"{chosen:.0%}", level="95"))
