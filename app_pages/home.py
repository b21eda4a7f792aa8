"""Home: the headline KPIs for a period, against the previous period, and the revenue trend."""

from __future__ import annotations

import datetime as dt
from contextlib import suppress

import streamlit as st

from errors import PermissionDeniedError
from semantic.answer import check_tables, run_query, time_bounds
from semantic.model import SemanticModel
from semantic.periods import PRESETS, comparison_window, preset_range
from semantic.query import SemanticQuery, TimeRange
from ui import resources
from ui.auth import current_policy
from ui.campaign_alerts import home_alerts
from ui.governed import analysis_engine, audit_view, readable_metrics
from ui.home_trend import partial_buckets, partial_note, trend_grain
from ui.shown import shown_errors
from ui.state import session
from ui.widgets import definitions, kpi_row, localized_choice
from viz.figures import trend_figure
from viz.format import format_date
from viz.i18n import t

KPIS = ("revenue", "orders", "buyers", "aov", "spend", "roas")

lang = session().lang


def choose_period(first: dt.date, last: dt.date) -> TimeRange:
    """A preset period ending on the data's last day, or a custom range."""
    options = [*PRESETS, "custom"]
    left, right = st.columns([1, 2])
    with left:
        preset = localized_choice(st.selectbox, t("home.period", lang), options, "home_period", lang,
                                  lambda p: t(f"periods.{p}", lang), default="last_30_days")
    if preset != "custom":
        return preset_range(preset, last)
    picked = right.date_input(t("home.custom_range", lang), value=(last - dt.timedelta(days=29), last),
                              min_value=first, max_value=last, key="home_dates")
    start, end = (picked[0], picked[-1]) if picked else (last, last)
    return TimeRange(start, end)


def render(model: SemanticModel) -> None:
    engine = resources.engine_for(model)
    check_tables(model, engine)
    kpis = readable_metrics(model, [m for m in KPIS if m in model.metrics] or list(model.metrics)[:6])
    if not kpis:
        st.info(t("home.empty_period", lang))
        return
    bounds = time_bounds(model, engine, model.measures_of(kpis[0])[0].table)
    if bounds is None:
        st.info(t("home.empty_period", lang))
        return
    st.caption(t("home.data_through", lang, date=format_date(bounds[1], lang)))
    window = choose_period(*bounds)
    previous, _ = comparison_window(window, "previous_period")
    st.caption(t("home.compared_with", lang, start=format_date(previous.start, lang),
                 end=format_date(previous.end, lang)))
    policy = current_policy()
    result = run_query(SemanticQuery(metrics=tuple(kpis), time_range=window, compare="previous_period"),
                       model, engine, policy)
    audit_view("home", result)
    kpi_row(model, result.frame, kpis, lang, labels={"roas": t("home.roas_label", lang)})
    if "roas" in kpis:
        st.caption(t("home.roas_note", lang))
    grain = trend_grain(window)
    focus = kpis[0]
    trend = run_query(SemanticQuery(metrics=(focus,), time_grain=grain, time_range=window,
                                    compare="previous_period"), model, engine, policy)
    audit_view("home", trend)
    metric = model.metrics[focus]
    st.subheader(t("home.trend_title", lang, metric=metric.label(lang)))
    series = {focus: t("home.current", lang), f"{focus}__previous": t("home.previous", lang)}
    figure = trend_figure(trend.frame, grain, series, metric.format, lang, grain, model.currency)
    for month, _, _ in partial_buckets(window, grain):  # the cut month says so on the chart too
        figure.add_annotation(x=month, y=1, yref="paper", text=t("home.partial_mark", lang), showarrow=False,
                              font={"size": 11, "color": "#6b7280"})
    st.plotly_chart(figure, width="stretch", config={"displaylogo": False})
    note = partial_note(window, grain, lang)
    if note:
        st.caption(note)
    definitions(model, kpis, lang, [result.compiled.sql, trend.compiled.sql])


st.title(t("home.title", lang))
with shown_errors(lang):
    current = resources.model()
    st.caption(t("home.subtitle", lang, model=current.label(lang)))
    render(current)
    with suppress(PermissionDeniedError):  # alerts read campaign data a regional policy cannot show; the
        home_alerts(resources.workspace(), current, analysis_engine(current), lang)  # Campaigns page says why
