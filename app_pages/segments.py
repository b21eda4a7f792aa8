"""Segments: map a transaction table, then RFM segments, clusters, lifecycle stages and churn warnings."""

from __future__ import annotations

import streamlit as st

from ml.governed import allows
from ui import resources
from ui.governed import analysis_engine
from ui.segments_labelled import label_column, labelled_panel
from ui.segments_panels import churn_panel, cluster_panel, export_panel, lifecycle_panel, rfm_panel
from ui.segments_run import RESULT, audit_shown, choose_mapping, choose_params, run, saved_runs, user_tables
from ui.shown import shown_errors
from ui.state import session
from ui.widgets import localized_choice
from viz.format import format_date, format_value
from viz.i18n import t

lang = session().lang


def render() -> None:
    model = resources.model()
    engine = analysis_engine(model)  # a regional user's segments are of their region's customers only
    tables = [name for name in user_tables(engine) if allows(engine, model, name)]
    if not tables:
        st.info(t("segments.no_tables", lang))
        return
    table = localized_choice(st.selectbox, t("segments.table", lang), tables, "seg_table", lang, str,
                             default="orders" if "orders" in tables else tables[0])
    label = label_column(engine, table)
    if label:
        labelled_panel(engine, table, label, lang)
        return
    st.subheader(t("segments.mapping", lang))
    mapping = choose_mapping(engine, table, lang)
    params = choose_params(engine, mapping, lang)
    analysis = st.session_state.get(RESULT)
    again = saved_runs(resources.workspace().meta, table, lang)
    if st.button(t("segments.run", lang), key="seg_run", type="primary") or again:
        analysis = run(engine, again or params, lang)
    if analysis is None or analysis.params.mapping.table != table:
        return
    audit_shown(analysis)
    st.caption(t("segments.customers_total", lang, customers=format_value(analysis.features.height, "integer", lang),
                 date=format_date(analysis.params.as_of, lang)))
    tabs = st.tabs([t(f"segments.tab_{name}", lang) for name in ("rfm", "clusters", "lifecycle", "churn", "export")])
    with tabs[0]:
        rfm_panel(engine, analysis, lang)
    with tabs[1]:
        analysis = cluster_panel(analysis, lang)
    with tabs[2]:
        lifecycle_panel(analysis, lang)
    with tabs[3]:
        churn_panel(analysis, lang)
    with tabs[4]:
        export_panel(engine, model, analysis, lang)


st.title(t("segments.title", lang))
st.caption(t("segments.subtitle", lang))
with shown_errors(lang):
    render()
