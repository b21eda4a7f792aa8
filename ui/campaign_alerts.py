"""Unusual days and alert rules: deviations with their size and probable driver, the workspace's rules
(list, add, delete) and the alerts they trigger — also shown, compactly, on Home."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import polars as pl
import streamlit as st

from ml.alerts import TriggeredAlert, check_rule, describe_rule, evaluate_all, triggered_alerts
from ml.anomaly import NO_CAMPAIGN, describe, find_anomalies
from ml.campaign_access import scope_words
from ml.campaigns import catalog, unavailable
from semantic.engine import Engine
from semantic.model import SemanticModel
from ui.auth import require
from ui.campaign_format import cell, table
from ui.widgets import localized_choice
from viz.format import format_date, format_value
from viz.i18n import t
from viz.labels import festival_text, value_text
from workspace.alerts import COMPARATORS, SCOPES, AlertRule, add_rule, list_rules, remove_rule
from workspace.home import Workspace

RULE_METRICS = ("roas", "roi", "spend", "campaign_revenue", "ctr", "cpc", "clicks", "conversion_rate")
HOME_MOST = 5  # Home shows this many triggered alerts; the rest are a click away
NOTE = "cmp_rule_note"  # what the last save or delete did, shown after the rerun that lists the rules
DEVIATION_COLUMNS = ("day", "level", "key", "metric", "value", "expected", "change", "driver")


def watch_section(ws: Workspace, model: SemanticModel, engine: Engine, as_of: dt.date, lang: str) -> None:
    """Unusual days and alert rules; both follow ad spend, so a user who may not see it is told why they are not
    shown instead of seeing them fail."""
    if unavailable(model, engine):
        st.info(t("campaigns.regional.watch", lang, scope=scope_words(model, engine, lang)), icon=":material/lock:")
        return
    anomalies_section(model, engine, as_of, lang)
    alerts_section(ws, model, engine, as_of, lang)


def anomalies_section(model: SemanticModel, engine: Engine, as_of: dt.date, lang: str) -> None:
    """The last 90 days' deviations: the largest five in words, then all of them, newest first."""
    st.subheader(t("campaigns.anomalies_title", lang))
    first = as_of - dt.timedelta(days=89)
    st.caption(t("campaigns.anomalies_caption", lang, start=format_date(first, lang), end=format_date(as_of, lang)))
    found = find_anomalies(model, engine, first, as_of).sort("day", descending=True)
    if found.is_empty():
        st.info(t("campaigns.anomaly.none", lang))
        return
    st.markdown(f"**{t('campaigns.largest', lang)}**")
    for row in found.sort(pl.col("change").abs(), descending=True).head(5).iter_rows(named=True):
        st.markdown(f"- {describe(row, model, lang)}")
    number = lambda r, c: format_value(r[c], model.metrics[r["metric"]].format, lang, model.currency)  # noqa: E731
    rows = found.with_columns(
        value=pl.struct("metric", "value").map_elements(lambda r: number(r, "value"), return_dtype=pl.String),
        expected=pl.struct("metric", "expected").map_elements(lambda r: number(r, "expected"),
                                                              return_dtype=pl.String),
        metric=pl.col("metric").map_elements(lambda m: model.metrics[m].label(lang), return_dtype=pl.String),
        **_named(found, model, lang))
    st.markdown(f"**{t('campaigns.all_deviations', lang, count=found.height)}**")
    table(rows.select(DEVIATION_COLUMNS), model, lang, {"change": "change"}, width="stretch", height=320)


def _named(found: pl.DataFrame, model: SemanticModel, lang: str) -> dict[str, pl.Series]:
    """The key and driver columns as the reader calls them: 天猫, not Tmall, and 618 年中大促 in Chinese."""
    keys = [festival_text(k, model, lang) if level == "campaign" else cell(k, "channel", None, model, lang)
            for level, k in zip(found["level"].to_list(), found["key"].to_list(), strict=True)]
    drivers = [None if d is None else t("campaigns.anomaly.no_campaign", lang) if d == NO_CAMPAIGN
               else festival_text(d, model, lang) for d in found["driver"].to_list()]
    return {"key": pl.Series(keys, dtype=pl.String), "driver": pl.Series(drivers, dtype=pl.String)}


def alerts_section(ws: Workspace, model: SemanticModel, engine: Engine, as_of: dt.date, lang: str) -> None:
    """Triggered alerts on `as_of`, the saved rules with a delete button each, and the form to add one."""
    note = st.session_state.pop(NOTE, None)
    if note:
        st.success(note)
    st.subheader(t("campaigns.triggered_title", lang))
    alerts = triggered_alerts(ws, model, engine, as_of)
    for alert in alerts:
        st.warning(alert_words(alert, model, engine, lang), icon=":material/notifications_active:")
    if not alerts:
        st.caption(t("campaigns.alerts.none", lang))
    st.subheader(t("campaigns.alerts_title", lang))
    rules = list_rules(ws.meta)
    if not rules:
        st.caption(t("campaigns.alerts_none_saved", lang))
    for rule in rules:
        text, button = st.columns([6, 1], vertical_alignment="center")
        text.markdown(f"- {rule_words(rule, model, engine, lang)}")
        if button.button(t("campaigns.rule_delete", lang), key=f"cmp_rule_delete_{rule.id}"):
            require("build_dashboards")  # alert rules are the team's shared set-up
            remove_rule(ws.meta, int(rule.id or 0))
            st.session_state[NOTE] = t("campaigns.rule_deleted", lang, rule=rule_words(rule, model, engine, lang))
            st.rerun()
    rule_form(ws, model, engine, lang)


def rule_form(ws: Workspace, model: SemanticModel, engine: Engine, lang: str) -> None:
    """Metric, condition, threshold, days in a row and scope; a rule naming nothing real is refused in words."""
    st.markdown(f"**{t('campaigns.add_rule', lang)}**")
    metrics = [m for m in RULE_METRICS if m in model.metrics]
    scope = localized_choice(st.radio, t("campaigns.rule_scope", lang), SCOPES, "cmp_rule_scope", lang,
                             lambda s: t(f"campaigns.rule_scopes.{s}", lang), horizontal=True)
    with st.form(f"cmp_rule_form_{lang}", clear_on_submit=False, border=True):
        metric_col, comparator_col, threshold_col, days_col, value_col = st.columns(5)
        metric = metric_col.selectbox(t("campaigns.rule_metric", lang), metrics,
                                      format_func=lambda m: model.metrics[m].label(lang), key=f"cmp_rule_metric_{lang}")
        comparator = comparator_col.selectbox(t("campaigns.rule_comparator", lang), COMPARATORS,
                                              format_func=lambda c: t(f"campaigns.alerts.comparator.{c}", lang),
                                              key=f"cmp_rule_comparator_{lang}")
        threshold = threshold_col.number_input(t("campaigns.rule_threshold", lang), value=1.5, step=0.1,
                                               key="cmp_rule_threshold")
        days = days_col.number_input(t("campaigns.rule_days", lang), min_value=1, max_value=90, value=2,
                                     key="cmp_rule_days")
        value = _scope_value(value_col, scope, model, engine, lang)
        if st.form_submit_button(t("campaigns.rule_save", lang), type="primary"):
            require("build_dashboards")
            rule = AlertRule(metric, comparator, float(threshold), int(days), scope, value)
            check_rule(rule, model, engine)
            saved = add_rule(ws.meta, rule)
            st.session_state[NOTE] = t("campaigns.rule_saved", lang, rule=rule_words(saved, model, engine, lang))
            st.rerun()


def _scope_value(place: st.delta_generator.DeltaGenerator, scope: str, model: SemanticModel, engine: Engine,
                 lang: str) -> str | None:
    """The channel or campaign a scoped rule watches (none for 'any running campaign')."""
    if scope == "running":
        return None
    if scope == "channel":
        options = sorted(catalog(model, engine)["channel"].unique().to_list())
        return place.selectbox(t("campaigns.rule_value", lang), options, key="cmp_rule_value_channel",
                               format_func=lambda v: cell(v, "channel", None, model, lang))
    names = dict(catalog(model, engine).select("campaign_id", "campaign_name").rows())
    return place.selectbox(t("campaigns.rule_value", lang), sorted(names), key=f"cmp_rule_value_{scope}",
                           format_func=lambda i: f"{i} · {value_text(names[i], 'campaign_name', model, lang)}")


def home_alerts(ws: Workspace, model: SemanticModel, engine: Engine, lang: str) -> None:
    """Home's compact list of triggered alerts with a link to the Campaigns page; nothing without rules.

    Rules on metrics the chosen model does not have belong to another model and are left to it.
    """
    rules = [r for r in list_rules(ws.meta) if r.metric in model.metrics]
    if not rules:
        return
    alerts = evaluate_all(rules, model, engine)
    st.subheader(t("campaigns.home_title", lang))
    for alert in alerts[:HOME_MOST]:
        st.warning(alert_words(alert, model, engine, lang), icon=":material/notifications_active:")
    if len(alerts) > HOME_MOST:
        st.caption(t("campaigns.home_more", lang, count=len(alerts) - HOME_MOST))
    if not alerts:
        st.caption(t("campaigns.alerts.none", lang))
    st.page_link("app_pages/campaigns.py", label=t("campaigns.home_link", lang), icon=":material/campaign:")


def _subject(value: str, scope: str, model: SemanticModel, engine: Engine, lang: str) -> str:
    """A rule's channel or campaign as a reader knows it: 天猫 rather than Tmall, a campaign's name with its id."""
    if scope == "channel":
        return cell(value, "channel", None, model, lang)
    names = catalog(model, engine).select("campaign_id", "campaign_name").rows()
    name = dict(names).get(value)
    return f"{value_text(name, 'campaign_name', model, lang)} ({value})" if name else value


def _readable(rule: AlertRule, model: SemanticModel, engine: Engine, lang: str) -> AlertRule:
    if rule.scope_value is None:
        return rule
    return replace(rule, scope_value=_subject(rule.scope_value, rule.scope, model, engine, lang))


def rule_words(rule: AlertRule, model: SemanticModel, engine: Engine, lang: str) -> str:
    return describe_rule(_readable(rule, model, engine, lang), model, lang)


def alert_words(alert: TriggeredAlert, model: SemanticModel, engine: Engine, lang: str) -> str:
    """A triggered alert in words, its rule and subject named as the reader knows them."""
    subject = _subject(alert.subject, "channel" if alert.rule.scope == "channel" else "campaign", model, engine, lang)
    return replace(alert, rule=_readable(alert.rule, model, engine, lang), subject=subject).describe(model, lang)
